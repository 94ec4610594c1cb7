"""Trend chart (``finding_trends``): headline items in an earlier and a later wave (dumbbells, 0–100 %) next to
the change in percentage points with its 95 % CI. Saved under the later wave."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from pipeline.charts import style
from pipeline.charts.data import NoData, Tables, default_min_n, item_labels, source, wave_info, wave_year

MATURITY_ITEMS = ["maturity_stage_0", "maturity_stage_ge3", "maturity_stage_4"]
SECTION_TITLES = {
    "maturity": {"nb": "Modenhet (trinnmodellen)", "en": "Maturity (stage model)"},
    "barriers": {"nb": "Barrierer (andel som nevner barrieren)", "en": "Barriers (share naming the barrier)"},
}
TITLE = {"nb": "Endring fra {y1} til {y2}", "en": "Change from {y1} to {y2}"}
SUBTITLE = {
    "all": {
        "nb": "{share}{note} i {y1} og {y2} (venstre) og endringen i prosentpoeng med 95\u00a0% konfidensintervall "
        "(høyre). Alle svar i hver runde, n\u00a0=\u00a0{n} svar i alt; intervallet for endringen er konservativt.",
        "en": "{share}{note} in {y1} and {y2} (left) and the change in percentage points with 95% confidence "
        "intervals (right). All answers of each wave, n\u00a0=\u00a0{n} answers in all; the change's interval is "
        "conservative.",
    },
    "panel": {
        "nb": "{share}{note} i {y1} og {y2} (venstre) og endringen i prosentpoeng med 95\u00a0% konfidensintervall "
        "(høyre). Bare {orgs} som svarte i begge runder, n\u00a0=\u00a0{n}.",
        "en": "{share}{note} in {y1} and {y2} (left) and the change in percentage points with 95% confidence "
        "intervals (right). Only {orgs} that answered both waves, n\u00a0=\u00a0{n}.",
    },
}
CHANGE_TITLE = {"nb": "Endring, prosentpoeng", "en": "Change, percentage points"}
SIGNIFICANT = {"nb": "Intervallet utelukker 0", "en": "Interval excludes 0"}


def trend_cells(
    tables: Tables,
    wave_from: str,
    wave_to: str,
    *,
    org_type: str,
    estimand: str,
    population: str = "all",
) -> pd.DataFrame:
    """Total-breakdown trend rows of one wave pair (one row per item)."""
    df = tables.get("finding_trends")
    if df is None or df.empty:
        raise NoData("no table finding_trends")
    mask = (
        (df["wave_from"] == wave_from)
        & (df["wave_to"] == wave_to)
        & (df["org_type"] == org_type)
        & (df["estimand"] == estimand)
        & (df["population"] == population)
        & (df["breakdown"] == "total")
        & (df["measure"] == "difference")
    )
    out = df[mask].copy()
    if out.empty:
        raise NoData(f"finding_trends: nothing for {wave_from} → {wave_to}/{org_type}/{estimand}/{population}")
    out["suppressed"] = out["suppressed"].fillna(False).astype(bool) | out["estimate"].isna()
    return out.reset_index(drop=True)


def wave_pairs_to(tables: Tables, wave: str) -> list[str]:
    """Earlier waves that ``finding_trends`` compares with ``wave`` (the later wave), oldest first."""
    df = tables.get("finding_trends")
    if df is None or df.empty:
        return []
    return sorted(df.loc[df["wave_to"] == wave, "wave_from"].dropna().unique().tolist())


def headline_rows(df: pd.DataFrame, top_barriers: int = 5) -> list[tuple[str, pd.DataFrame]]:
    """The sections drawn: maturity stages 0, ≥3 and 4; the ``top_barriers`` barriers most often named."""
    sections = []
    mat = df[df["item"].isin(MATURITY_ITEMS)].set_index("item").reindex(MATURITY_ITEMS).dropna(how="all")
    if not mat.empty:
        sections.append(("maturity", mat.reset_index()))
    bar = df[df["item"].str.startswith("barriers_") & (df["item"] != "barriers_other")].copy()
    if not bar.empty:
        bar["_key"] = bar[["estimate_from", "estimate_to"]].max(axis=1).fillna(-1)
        bar = bar.sort_values(["_key", "item"], ascending=[False, True]).head(top_barriers).drop(columns="_key")
        sections.append(("barriers", bar.reset_index(drop=True)))
    return sections


def trends_chart(
    tables: Tables,
    wave: str,
    lang: str = "nb",
    *,
    wave_from: str,
    org_type: str = "kommune",
    estimand: str = "orgs",
    population: str = "all",
    top_barriers: int = 5,
    min_n: int | None = None,
) -> Figure:
    """Left: each headline item's share (0–100 %) in ``wave_from`` (open circle) and ``wave`` (filled circle).
    Right: the change in percentage points with its 95 % CI (dark when the interval excludes 0)."""
    style.check_lang(lang)
    min_n = default_min_n() if min_n is None else min_n
    df = trend_cells(tables, wave_from, wave, org_type=org_type, estimand=estimand, population=population)
    sections = headline_rows(df, top_barriers)
    if not sections:
        raise NoData(f"finding_trends: no headline items for {wave_from} → {wave}")
    labels = item_labels(tables, lang)
    info = wave_info(tables, wave, lang)
    y1, y2 = wave_year(wave_from), wave_year(wave)
    note = style.estimand_note(lang, org_type, estimand)
    subtitle = SUBTITLE[population if population in SUBTITLE else "all"][lang].format(
        share=style.share_label(lang, org_type, estimand),
        note=f" ({note})" if note else "",
        y1=y1,
        y2=y2,
        n=style.fmt_int(float(df["n_respondents"].max()), lang),
        orgs=style.orgs_word(lang, org_type),
    )
    diffs = pd.concat([rows for _, rows in sections])
    span = float(np.nanmax(np.abs(diffs[["ci_low", "ci_high"]].to_numpy(dtype=float)), initial=0.05))
    span = float(np.ceil((span + 0.07) * 20) / 20)  # room for the labels, rounded up to 5 points
    n_rows = sum(len(rows) for _, rows in sections)
    facts: dict = {"n_bars": 0, "n_suppressed": 0, "wave_from": wave_from, "wave_to": wave, "rows": []}

    with style.styled():
        fig, frame = style.new_figure(
            name=f"trends-from-{wave_from}",
            lang=lang,
            title=TITLE[lang].format(y1=y1, y2=y2),
            subtitle=subtitle,
            source=source(tables, wave, lang),
            synthetic=info.synthetic,
            body_height_in=n_rows * 0.3 + len(sections) * 0.35 + 0.35,
            legend_rows=1,
        )
        axes = fig.subplots(
            len(sections),
            2,
            squeeze=False,
            sharex="col",
            gridspec_kw={"height_ratios": [len(r) + 0.3 for _, r in sections], "width_ratios": [1.45, 1]},
        )
        for (section, rows), (ax_l, ax_r) in zip(sections, axes, strict=True):
            y = np.arange(len(rows), dtype=float)
            ax_l.set_yticks(y, [style.strip_scale_suffix(labels.get(i, i)) for i in rows["item"]])
            ax_r.set_yticks(y, [""] * len(rows))
            for ax in (ax_l, ax_r):
                ax.set_ylim(len(rows) - 0.5, -0.5)
            for i, r in rows.iterrows():
                if bool(r["suppressed"]):
                    facts["n_suppressed"] += 1
                    style.suppressed_text(ax_l, 0.01, y[i], lang, min_n)
                    continue
                f, t = float(r["estimate_from"]), float(r["estimate_to"])
                ax_l.plot([f, t], [y[i], y[i]], color=style.PRIMARY_LIGHT, linewidth=2.2, zorder=2)
                ax_l.plot(f, y[i], "o", ms=6.5, mfc="white", mec=style.MUTED, mew=1.3, zorder=3, gid="from")
                ax_l.plot(t, y[i], "o", ms=6.5, color=style.PRIMARY, zorder=4, gid="to")
                d, lo, hi = float(r["estimate"]), float(r["ci_low"]), float(r["ci_high"])
                significant = lo > 0 or hi < 0
                colour = style.PRIMARY if significant else "#A7B0BA"
                ax_r.errorbar(
                    [d],
                    [y[i]],
                    xerr=[[d - lo], [hi - d]],
                    fmt="o",
                    ms=5.5,
                    color=colour,
                    ecolor=colour,
                    elinewidth=1.4,
                    capsize=2.5,
                    gid="change",
                    zorder=3,
                )
                ax_r.text(
                    hi + span * 0.04 if d >= 0 else lo - span * 0.04,
                    y[i],
                    style.fmt_pp(d, lang),
                    ha="left" if d >= 0 else "right",
                    va="center",
                    fontsize=style.FONT_BASE - 1.5,
                    color=style.INK if significant else style.MUTED,
                    gid="change-label",
                )
                facts["n_bars"] += 1
                facts["rows"].append({"item": r["item"], "from": f, "to": t, "change": d, "ci_low": lo, "ci_high": hi})
            style.percent_xaxis(ax_l, lang, upper=1.0)
            ax_l.set_xlim(-0.03, 1.03)  # whole markers at 0 % and 100 %
            ax_l.set_title(SECTION_TITLES[section][lang], fontsize=style.FONT_BASE - 0.5)
            ax_r.axvline(0, color=style.INK, linewidth=0.8, zorder=1)
            ax_r.set_xlim(-span, span)
            ax_r.xaxis.set_major_formatter(style.pp_formatter(lang))
            ax_r.grid(axis="x")
            ax_r.grid(axis="y", visible=False)
            for spine in ("left", "bottom"):
                ax_r.spines[spine].set_visible(False)
            ax_r.tick_params(length=0)
        axes[0, 1].set_title(CHANGE_TITLE[lang], fontsize=style.FONT_BASE - 0.5)
        axes[-1, 0].set_xlabel(style.share_label(lang, org_type, estimand), color=style.MUTED, fontsize=8.5)
        axes[-1, 1].set_xlabel(style.text(lang, "percentage_points"), color=style.MUTED, fontsize=8.5)
        handles = [
            Line2D([0], [0], marker="o", linestyle="none", ms=6.5, mfc="white", mec=style.MUTED, mew=1.3),
            Line2D([0], [0], marker="o", linestyle="none", ms=6.5, color=style.PRIMARY),
            Line2D([0], [0], marker="o", color=style.PRIMARY, ms=5, linewidth=1.4),
        ]
        style.figure_legend(fig, frame, handles, [y1, y2, SIGNIFICANT[lang]], ncol=3)
    fig.ks_facts.update(facts)  # type: ignore[attr-defined]
    return fig
