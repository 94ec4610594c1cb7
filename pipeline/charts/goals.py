"""Goal charts (``finding_goal_coverage``): the share prioritising each of the 17 SDGs (and the share covering it in
the samfunnsdel) as bars in goal order and official UN colours, and a goal × county heatmap."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from pipeline.charts import style
from pipeline.charts.data import (
    NoData,
    Tables,
    cells,
    default_min_n,
    goals,
    group_labels,
    group_n,
    group_order,
    n_text,
    source,
    wave_info,
)

SERIES = {
    # item prefix: (question id, panel heading nb/en)
    "sdg_prioritised_": ("sdg_prioritised", {"nb": "Har prioritert målet", "en": "Prioritised the goal"}),
    "sdg_samfunnsdel_": (
        "sdg_samfunnsdel",
        {"nb": "Omtalt i samfunnsdelen", "en": "Covered in the samfunnsdel"},
    ),
}
TITLE = {"nb": "Prioriterte bærekraftsmål", "en": "Prioritised SDGs"}
SUBTITLE = {
    "nb": "{share}{note} som har prioritert hvert av de 17 bærekraftsmålene{also}. Flere svar mulig. {n}. {ci}.",
    "en": "{share}{note} that have prioritised each of the 17 SDGs{also}. Several answers allowed. {n}. {ci}.",
}
ALSO = {
    "nb": ", og som omtaler målet i kommuneplanens samfunnsdel (spurt om dem som har en samfunnsdel)",
    "en": ", and that cover it in the municipal master plan's social element (asked of those with one)",
}
HEAT_TITLE = {
    "nb": "Prioriterte bærekraftsmål etter fylke",
    "en": "Prioritised SDGs by county",
}
HEAT_SUBTITLE = {
    "nb": "{share}{note} i hvert fylke som har prioritert målet, i prosent. Kolonnene er bærekraftsmål 1–17. "
    "– = undertrykt (n < {min_n}). {n}.",
    "en": "{share}{note} in each county that have prioritised the goal, in percent. Columns are SDGs 1–17. "
    "– = suppressed (n < {min_n}). {n}.",
}


def goal_cells(
    tables: Tables, wave: str, prefix: str, *, org_type: str, estimand: str, breakdown: str = "total"
) -> pd.DataFrame:
    """Cells of one goal item family with a ``goal`` column, in goal order 1..17."""
    df = cells(
        tables,
        "finding_goal_coverage",
        wave=wave,
        org_type=org_type,
        estimand=estimand,
        breakdown=breakdown,
        prefix=prefix,
    )
    df["goal"] = df["item"].str.removeprefix(prefix).astype(int)
    return df.sort_values(["goal", "grp"]).reset_index(drop=True)


def goals_chart(
    tables: Tables,
    wave: str,
    lang: str = "nb",
    *,
    org_type: str = "kommune",
    estimand: str = "orgs",
    min_n: int | None = None,
) -> Figure:
    """17 horizontal bars in goal order (1 at the top) in the official SDG colours: share (0–100 %) of
    organisations (or inhabitants) prioritising each goal, with 95 % CI whiskers; a second panel shows the share
    covering each goal in the samfunnsdel when the wave asked it (its own n: asked of those with a samfunnsdel)."""
    style.check_lang(lang)
    min_n = default_min_n() if min_n is None else min_n
    dim = goals(tables)
    colours = dict(zip(dim["goal"], dim["colour_hex"], strict=True))
    names = {int(g): f"{int(g)} {s}" for g, s in zip(dim["goal"], dim[f"short_name_{lang}"], strict=True)}
    series = []
    for prefix in SERIES:
        try:
            df = goal_cells(tables, wave, prefix, org_type=org_type, estimand=estimand)
        except NoData:
            continue
        df = df.set_index("goal").reindex(dim["goal"]).reset_index()
        df["suppressed"] = df["suppressed"].fillna(True).astype(bool)
        df["label"] = [names[int(g)] for g in df["goal"]]
        series.append((prefix, df))
    if not series or series[0][0] != "sdg_prioritised_":
        raise NoData(f"finding_goal_coverage: no prioritised goals for {wave}/{org_type}/{estimand}")
    info = wave_info(tables, wave, lang)
    note = style.estimand_note(lang, org_type, estimand)
    main = series[0][1]
    subtitle = SUBTITLE[lang].format(
        share=style.share_label(lang, org_type, estimand),
        note=f" ({note})" if note else "",
        also=ALSO[lang] if len(series) > 1 else "",
        n=n_text(main.dropna(subset=["n_respondents"]), lang, org_type),
        ci=style.text(lang, "ci"),
    )
    upper = style.percent_upper(
        max(float(np.nanmax(df["ci_high"].to_numpy(dtype=float), initial=0.0)) for _, df in series),
        room=0.16 if len(series) > 1 else 0.12,
    )
    facts: dict = {"n_bars": 0, "n_suppressed": 0, "series": [p.rstrip("_") for p, _ in series], "goals": []}
    with style.styled():
        fig, _frame = style.new_figure(
            name="goals",
            lang=lang,
            title=TITLE[lang],
            subtitle=subtitle,
            source=source(tables, wave, lang),
            synthetic=info.synthetic,
            body_height_in=17 * 0.25 + 0.6,
        )
        axes = fig.subplots(1, len(series), sharey=True, squeeze=False)[0]
        for ax, (prefix, df) in zip(axes, series, strict=True):
            cols = [colours[int(g)] for g in df["goal"]]
            bars = style.hbars(ax, df, lang, min_n=min_n, colours=cols, upper=upper)
            style.percent_xaxis(ax, lang, upper=upper, label=style.share_label(lang, org_type, estimand))
            if len(series) > 1:
                ax.set_xticks([t for t in (0, 0.25, 0.5, 0.75, 1.0) if t <= upper])
            n_s = n_text(df.dropna(subset=["n_respondents"]), lang, org_type).split(" av ")[0].split(" of ")[0]
            ax.set_title(f"{SERIES[prefix][1][lang]}\n{n_s}", fontsize=style.FONT_BASE - 0.5, color=style.INK)
            if ax is not axes[0]:
                ax.tick_params(axis="y", labelleft=False)
            facts["n_bars"] += len(bars.patches)
            facts["n_suppressed"] += int(df["suppressed"].sum())
            if prefix == "sdg_prioritised_":
                facts["goals"] = [int(g) for g in df.loc[~df["suppressed"], "goal"]]
    fig.ks_facts.update(facts)  # type: ignore[attr-defined]
    return fig


def _heat_cmap() -> LinearSegmentedColormap:
    return LinearSegmentedColormap.from_list("ks_heat", ["#F4F8FB", "#9CBEDB", style.PRIMARY, "#0B2E4F"])


def goal_county_heatmap(
    tables: Tables,
    wave: str,
    lang: str = "nb",
    *,
    org_type: str = "kommune",
    estimand: str = "orgs",
    prefix: str = "sdg_prioritised_",
    min_n: int | None = None,
) -> Figure:
    """Heatmap of counties (rows, with n) × SDGs 1–17 (columns, official colours in the header): share (0–100 %)
    prioritising each goal, printed in each cell; suppressed cells are grey, hatched and marked '–'."""
    style.check_lang(lang)
    min_n = default_min_n() if min_n is None else min_n
    df = goal_cells(tables, wave, prefix, org_type=org_type, estimand=estimand, breakdown="county")
    dim = goals(tables)
    goal_list = [int(g) for g in dim["goal"]]
    counties = group_order(df, "county")
    clabels = group_labels(df, lang)
    cn = group_n(df)
    info = wave_info(tables, wave, lang)
    wide = df.pivot_table(index="grp", columns="goal", values="estimate", aggfunc="first", dropna=False)
    wide = wide.reindex(index=counties, columns=goal_list)
    supp = df.pivot_table(index="grp", columns="goal", values="suppressed", aggfunc="max").reindex(
        index=counties, columns=goal_list
    )
    supp = supp.fillna(True).astype(bool) | wide.isna()
    values = np.ma.masked_array(wide.to_numpy(dtype=float), mask=supp.to_numpy())
    try:
        total = goal_cells(tables, wave, prefix, org_type=org_type, estimand=estimand)
    except NoData:
        total = df
    note = style.estimand_note(lang, org_type, estimand)
    subtitle = HEAT_SUBTITLE[lang].format(
        share=style.share_label(lang, org_type, estimand),
        note=f" ({note})" if note else "",
        min_n=min_n,
        n=n_text(total, lang, org_type),
    )
    cmap = _heat_cmap()
    with style.styled():
        fig, _frame = style.new_figure(
            name="goals-by-county",
            lang=lang,
            title=HEAT_TITLE[lang],
            subtitle=subtitle,
            source=source(tables, wave, lang),
            synthetic=info.synthetic,
            body_height_in=len(counties) * 0.27 + 0.55,
        )
        ax = fig.subplots()
        image = ax.imshow(values, cmap=cmap, vmin=0, vmax=1, aspect="auto", interpolation="nearest")
        image.set_gid("heatmap")
        n_supp = 0
        for i in range(len(counties)):
            for j in range(len(goal_list)):
                if values.mask[i, j]:
                    n_supp += 1
                    ax.add_patch(
                        Rectangle((j - 0.5, i - 0.5), 1, 1, gid="suppressed-cell", **style.suppressed_patch_style())
                    )
                    ax.text(j, i, "–", ha="center", va="center", fontsize=style.FONT_BASE, color=style.INK, gid="dash")
                else:
                    v = float(values[i, j])
                    ax.text(
                        j,
                        i,
                        f"{v * 100:.0f}",
                        ha="center",
                        va="center",
                        fontsize=style.FONT_BASE - 1.5,
                        color=style.INK if v < 0.45 else "white",
                    )
        ax.set_xticks(range(len(goal_list)), [str(g) for g in goal_list])
        ax.xaxis.tick_top()
        for tick, colour in zip(ax.get_xticklabels(), dim["colour_hex"], strict=True):
            tick.set_color("white")
            tick.set_fontweight("bold")
            tick.set_fontsize(style.FONT_BASE - 1)
            tick.set_bbox({"boxstyle": "square,pad=0.3", "facecolor": colour, "edgecolor": "none"})
        ax.tick_params(axis="x", pad=6)
        row_labels = [f"{clabels[c]} ({style.text(lang, 'n', n=cn.get(c, 0))})" for c in counties]
        ax.set_yticks(range(len(counties)), row_labels)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_xticks(np.arange(-0.5, len(goal_list)), minor=True)
        ax.set_yticks(np.arange(-0.5, len(counties)), minor=True)
        ax.grid(which="minor", color="white", linewidth=1.2)
        ax.grid(which="major", visible=False)
        ax.tick_params(which="both", length=0)
    fig.ks_facts.update(  # type: ignore[attr-defined]
        n_rows=len(counties),
        n_cols=len(goal_list),
        n_suppressed=n_supp,
        counties=counties,
        n_bars=0,
    )
    return fig
