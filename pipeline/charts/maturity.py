"""Maturity chart (``finding_maturity``): the distribution over the maturity stages 0–4 as 100 % stacked bars, for
all organisations and by size class, centrality class, merged_2020 and network membership (one panel each)."""

from __future__ import annotations

import numpy as np
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
    source,
    wave_info,
)

STAGE_ITEMS = [f"maturity_stage_{k}" for k in range(5)]
BREAKDOWNS = ("total", "size_class", "centrality_class", "merged_2020", "network_member")

TITLE = {
    "nb": "Hvor langt har {orgs} kommet i arbeidet med bærekraftsmålene?",
    "en": "How far have {orgs} come in their work on the SDGs?",
}
SUBTITLE = {
    "nb": "{share}{note} etter modenhetstrinn (trinnmodellen er beskrevet i metodenotatet; et trinn forutsetter de "
    "lavere). {n}; n per gruppe til høyre.",
    "en": "{share}{note} by maturity stage (the stage model is described in the method note; each stage requires "
    "the ones below). {n}; n per group on the right.",
}
MIN_LABEL_WIDTH = 0.075  # segments narrower than this carry no percent label


def maturity_chart(
    tables: Tables,
    wave: str,
    lang: str = "nb",
    *,
    org_type: str = "kommune",
    estimand: str = "orgs",
    breakdowns: tuple[str, ...] = BREAKDOWNS,
    min_n: int | None = None,
) -> Figure:
    """100 % stacked horizontal bars: share (0–100 %) of organisations (or of inhabitants) at each maturity stage
    0–4, one panel per breakdown (all, size class, centrality class, merged 2020, network membership; breakdowns
    the wave lacks are left out). Suppressed groups get no bar, only a note."""
    style.check_lang(lang)
    min_n = default_min_n() if min_n is None else min_n
    panels = []
    for bd in breakdowns:
        try:
            df = cells(
                tables,
                "finding_maturity",
                wave=wave,
                org_type=org_type,
                estimand=estimand,
                breakdown=bd,
                items=STAGE_ITEMS,
            )
        except NoData:
            continue
        panels.append((bd, df))
    if not panels:
        raise NoData(f"finding_maturity: no stage distribution for {wave}/{org_type}/{estimand}")
    labels = item_labels(tables, lang)
    info = wave_info(tables, wave, lang)
    total = next((df for bd, df in panels if bd == "total"), panels[0][1])
    note = style.estimand_note(lang, org_type, estimand)
    subtitle = SUBTITLE[lang].format(
        share=style.share_label(lang, org_type, estimand),
        note=f" ({note})" if note else "",
        n=n_text(total, lang, org_type),
    )
    n_rows = sum(len(group_order(df, bd)) for bd, df in panels)
    facts: dict = {"n_bars": 0, "n_suppressed": 0, "panels": [bd for bd, _ in panels], "segments": {}}

    with style.styled():
        fig, frame = style.new_figure(
            name="maturity",
            lang=lang,
            title=TITLE[lang].format(orgs=style.orgs_word(lang, org_type)),
            subtitle=subtitle,
            source=source(tables, wave, lang),
            synthetic=info.synthetic,
            body_height_in=n_rows * 0.27 + len(panels) * 0.3 + 0.3,
            legend_rows=3,
        )
        ratios = [len(group_order(df, bd)) + 0.35 for bd, df in panels]
        axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False, gridspec_kw={"height_ratios": ratios})[:, 0]
        for ax, (bd, df) in zip(axes, panels, strict=True):
            groups = group_order(df, bd)
            glabels = group_labels(df, lang)
            gn = group_n(df)
            wide = df.pivot_table(index="grp", columns="item", values="estimate", aggfunc="first", dropna=False)
            supp = df.groupby("grp")["suppressed"].any()
            for y, g in enumerate(groups):
                if bool(supp.get(g, True)):
                    facts["n_suppressed"] += 1
                    style.suppressed_text(ax, 0.006, y, lang, min_n)
                else:
                    left = 0.0
                    widths = []
                    for k, item in enumerate(STAGE_ITEMS):
                        w = float(wide.loc[g, item]) if item in wide.columns else np.nan
                        w = 0.0 if np.isnan(w) else w
                        colour = style.MATURITY[k]
                        ax.barh(y, w, left=left, height=style.BAR_HEIGHT, color=colour, gid=f"stage-{k}", zorder=2)
                        if w >= MIN_LABEL_WIDTH:
                            ax.text(
                                left + w / 2,
                                y,
                                style.fmt_pct(w, lang),
                                ha="center",
                                va="center",
                                fontsize=style.FONT_BASE - 1.5,
                                color=style.text_colour_on(colour),
                            )
                        left += w
                        widths.append(w)
                    facts["n_bars"] += 1
                    facts["segments"][(bd, g)] = widths
                ax.text(
                    1.015,
                    y,
                    style.text(lang, "n", n=gn.get(g, 0)),
                    ha="left",
                    va="center",
                    fontsize=style.FONT_BASE - 1,
                    color=style.MUTED,
                )
            ax.set_yticks(range(len(groups)), [glabels[g] for g in groups])
            ax.set_ylim(len(groups) - 0.5, -0.5)
            style.percent_xaxis(ax, lang, upper=1.0)
            ax.set_xlim(0, 1.0)
            if bd != "total":
                ax.set_title(style.breakdown_title(lang, bd), fontsize=style.FONT_BASE - 0.5, color=style.INK)
        axes[-1].set_xlabel(style.share_label(lang, org_type, estimand), color=style.MUTED, fontsize=8.5)
        handles = [Patch(facecolor=c, edgecolor="none") for c in style.MATURITY]
        style.figure_legend(fig, frame, handles, [labels[i] for i in STAGE_ITEMS], ncol=2)
    fig.ks_facts.update(facts)  # type: ignore[attr-defined]
    return fig
