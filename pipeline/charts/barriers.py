"""Barrier charts (``finding_barriers``): the share naming each barrier, the largest barrier, the barrier grid
(to some / a large extent) — sorted horizontal bars with 95 % CI whiskers — and barriers by size class."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from pipeline.charts import style
from pipeline.charts.data import (
    NoData,
    Tables,
    cells,
    default_min_n,
    group_labels,
    group_n,
    group_order,
    item_labels,
    n_text,
    question_text,
    source,
    wave_info,
)

KINDS = {
    # kind: (item prefix, item suffix, question id for the subtitle)
    "mentioned": ("barriers_", "", "barriers"),
    "largest": ("barrier_largest_", "", "barrier_largest"),
    "extent": ("barrier_extent_", "_top2", "barrier_extent_resources"),
}

TITLES = {
    "mentioned": {"nb": "Barrierer for arbeidet med bærekraftsmålene", "en": "Barriers to the work on the SDGs"},
    "largest": {
        "nb": "Den største barrieren for arbeidet med bærekraftsmålene",
        "en": "The largest barrier to the work on the SDGs",
    },
    "extent": {
        "nb": "Barrierer som hemmer arbeidet i noen eller stor grad",
        "en": "Barriers hampering the work to some or a large extent",
    },
    "by_size": {
        "nb": "Barrierer for arbeidet med bærekraftsmålene etter kommunestørrelse",
        "en": "Barriers to the work on the SDGs by municipality size",
    },
}

WHAT = {
    "mentioned": {
        "nb": "som har krysset av for hver barriere (flere svar mulig)",
        "en": "ticking each barrier (several answers allowed)",
    },
    "largest": {"nb": "som oppgir hver barriere som den største", "en": "naming each barrier as the largest"},
    "extent": {
        "nb": "som svarer «i noen grad» eller «i stor grad»",
        "en": "answering 'to some extent' or 'to a large extent'",
    },
}


def _code(item: str, prefix: str, suffix: str) -> str:
    return item[len(prefix) : len(item) - len(suffix) if suffix else None]


def barrier_cells(
    tables: Tables, wave: str, kind: str, *, org_type: str, estimand: str, breakdown: str = "total"
) -> pd.DataFrame:
    """Cells of one barrier question with a ``code`` column (resources, capacity, …)."""
    prefix, suffix, _ = KINDS[kind]
    df = cells(
        tables,
        "finding_barriers",
        wave=wave,
        org_type=org_type,
        estimand=estimand,
        breakdown=breakdown,
        prefix=prefix,
    )
    df = df[df["item"].str.endswith(suffix)] if suffix else df
    df = df[~df["item"].str.endswith(("_top2", "_score"))] if not suffix else df
    if df.empty:
        raise NoData(f"finding_barriers: no {kind} items for {wave}/{org_type}/{estimand}/{breakdown}")
    df = df.assign(code=[_code(i, prefix, suffix) for i in df["item"]])
    return df.reset_index(drop=True)


def sort_barriers(df: pd.DataFrame) -> pd.DataFrame:
    """Largest share first; suppressed cells next; 'other' always last."""
    key = pd.DataFrame(
        {
            "other": df["code"].eq("other").astype(int),
            "supp": df["suppressed"].astype(int),
            "neg": -df["estimate"].fillna(-1.0),
            "code": df["code"],
        },
        index=df.index,
    )
    order = key.sort_values(["other", "supp", "neg", "code"]).index
    return df.loc[order].reset_index(drop=True)


def _barrier_label(labels: dict[str, str], code: str) -> str:
    return labels.get(f"barriers_{code}", code)


def _subtitle(
    tables: Tables, wave: str, lang: str, kind: str, org_type: str, estimand: str, df: pd.DataFrame, lead: str = ""
) -> str:
    question = question_text(tables, KINDS[kind][2], lang).split(" — ")[0]
    share = style.share_label(lang, org_type, estimand)
    note = style.estimand_note(lang, org_type, estimand)
    parts = [
        question,
        f"{share}{f' ({note})' if note else ''} {WHAT[kind][lang]}.",
        lead or f"{n_text(df, lang, org_type)}.",
        f"{style.text(lang, 'ci')}.",
    ]
    return " ".join(p for p in parts if p)


def barriers_chart(
    tables: Tables,
    wave: str,
    lang: str = "nb",
    *,
    kind: str = "mentioned",
    org_type: str = "kommune",
    estimand: str = "orgs",
    min_n: int | None = None,
) -> Figure:
    """Sorted horizontal bars: share (0–100 %) of organisations (or of inhabitants) naming each barrier
    (``kind="mentioned"``), naming it the largest (``"largest"``) or rating it a barrier to some or a large extent
    (``"extent"``, the barrier grid), with 95 % CI whiskers and n in the subtitle."""
    style.check_lang(lang)
    if kind not in KINDS:
        raise ValueError(f"unknown barrier chart kind {kind!r}; known: {sorted(KINDS)}")
    min_n = default_min_n() if min_n is None else min_n
    df = sort_barriers(barrier_cells(tables, wave, kind, org_type=org_type, estimand=estimand))
    labels = item_labels(tables, lang)
    df["label"] = [_barrier_label(labels, c) for c in df["code"]]
    info = wave_info(tables, wave, lang)

    upper = style.percent_upper(float(np.nanmax(df["ci_high"].to_numpy(dtype=float), initial=0.0)))
    with style.styled():
        fig, _frame = style.new_figure(
            name=f"barriers-{kind}" if kind != "mentioned" else "barriers",
            lang=lang,
            title=TITLES[kind][lang],
            subtitle=_subtitle(tables, wave, lang, kind, org_type, estimand, df),
            source=source(tables, wave, lang),
            synthetic=info.synthetic,
            body_height_in=len(df) * style.ROW_IN + 0.35,
        )
        ax = fig.subplots()
        style.hbars(ax, df, lang, min_n=min_n, upper=upper)
        style.percent_xaxis(ax, lang, upper=upper, label=style.share_label(lang, org_type, estimand))
    fig.ks_facts.update(  # type: ignore[attr-defined]
        n_bars=int((~df["suppressed"]).sum()),
        n_suppressed=int(df["suppressed"].sum()),
        order=list(df["item"]),
        n_respondents=int(df["n_respondents"].max()),
    )
    return fig


def barriers_by_group_chart(
    tables: Tables,
    wave: str,
    lang: str = "nb",
    *,
    breakdown: str = "size_class",
    org_type: str = "kommune",
    estimand: str = "orgs",
    min_n: int | None = None,
) -> Figure:
    """Grouped horizontal bars: share naming each barrier (0–100 %) for each group of ``breakdown`` (size class by
    default, light = small to dark = large), barriers in the order of the total, 95 % CI whiskers, n per group in
    the legend. Suppressed cells get no bar, only a note."""
    style.check_lang(lang)
    min_n = default_min_n() if min_n is None else min_n
    df = barrier_cells(tables, wave, "mentioned", org_type=org_type, estimand=estimand, breakdown=breakdown)
    try:
        total = sort_barriers(barrier_cells(tables, wave, "mentioned", org_type=org_type, estimand=estimand))
    except NoData:
        total = sort_barriers(
            df.groupby("code", as_index=False)[["estimate", "n_respondents"]]
            .max()
            .assign(suppressed=False, n_population=np.nan)
        )
    codes = list(total["code"])
    groups = group_order(df, breakdown)
    glabels = group_labels(df, lang)
    gn = group_n(df)
    labels = item_labels(tables, lang)
    info = wave_info(tables, wave, lang)
    k = len(groups)
    if k == len(style.RAMP4):
        colours = list(style.RAMP4)
    else:
        cmap = style.mpl.colormaps["Blues"]
        colours = [style.mpl.colors.to_hex(cmap(0.3 + 0.65 * i / max(k - 1, 1))) for i in range(k)]
    lead = f"{n_text(total, lang, org_type)}; {style.text(lang, 'n_per_group')}."
    subtitle = _subtitle(tables, wave, lang, "mentioned", org_type, estimand, df, lead=lead)
    title = TITLES["by_size"][lang] if breakdown == "size_class" else TITLES["mentioned"][lang]
    lookup = df.set_index(["code", df["grp"].astype(str)])
    upper = style.percent_upper(float(np.nanmax(df["ci_high"].to_numpy(dtype=float), initial=0.0)), room=0.04)
    slot = 0.84 / k  # share of a row per group

    facts: dict = {"n_bars": 0, "n_suppressed": 0, "order": [f"barriers_{c}" for c in codes], "groups": groups}
    estimates: dict[tuple[str, str], float] = {}
    with style.styled():
        fig, frame = style.new_figure(
            name=f"barriers-by-{breakdown.removesuffix('_class').replace('_', '-')}",
            lang=lang,
            title=title,
            subtitle=subtitle,
            source=source(tables, wave, lang),
            synthetic=info.synthetic,
            body_height_in=len(codes) * (0.14 + 0.115 * k) + 0.35,
            legend_rows=(k + 1) // 2,
        )
        ax = fig.subplots()
        for j, g in enumerate(groups):
            ys, est, lo, hi = [], [], [], []
            for i, code in enumerate(codes):
                y = i + (j - (k - 1) / 2) * slot
                if (code, g) not in lookup.index:
                    continue
                row = lookup.loc[(code, g)]
                if bool(row["suppressed"]):
                    facts["n_suppressed"] += 1
                    style.suppressed_text(ax, upper * 0.006, y, lang, min_n).set_fontsize(style.FONT_BASE - 2.5)
                    continue
                ys.append(y)
                est.append(float(row["estimate"]))
                lo.append(float(row["ci_low"]))
                hi.append(float(row["ci_high"]))
                estimates[(f"barriers_{code}", g)] = float(row["estimate"])
            if not ys:
                continue
            e, lo_a, hi_a = np.array(est), np.array(lo), np.array(hi)
            ax.barh(ys, e, height=slot * 0.9, color=colours[j], label=g, gid=f"group-{g}", zorder=2)
            ax.errorbar(
                e,
                ys,
                xerr=[e - lo_a, hi_a - e],
                fmt="none",
                ecolor=style.INK,
                elinewidth=0.7,
                capsize=1.6,
                capthick=0.7,
                gid=f"ci-{g}",
                zorder=3,
            )
            facts["n_bars"] += len(ys)
        ax.set_yticks(range(len(codes)), [_barrier_label(labels, c) for c in codes])
        ax.set_ylim(len(codes) - 0.5, -0.5)
        for i in range(1, len(codes)):
            ax.axhline(i - 0.5, color=style.GRID, linewidth=0.6, zorder=1)
        style.percent_xaxis(ax, lang, upper=upper, label=style.share_label(lang, org_type, estimand))
        handles = [Patch(facecolor=c, edgecolor="none") for c in colours]
        legend_labels = [f"{glabels[g]} ({style.text(lang, 'n', n=gn[g])})" for g in groups]
        style.figure_legend(fig, frame, handles, legend_labels, ncol=2)
    facts["estimates"] = estimates
    fig.ks_facts.update(facts)  # type: ignore[attr-defined]
    return fig
