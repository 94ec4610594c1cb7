"""Response-rate chart (``finding_response_rates``): the share of invited organisations that answered, by county
and by size class — complete answers as solid bars, partial answers as a lighter extension."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from pipeline.charts import style
from pipeline.charts.data import NoData, Tables, cells, default_min_n, group_labels, group_order, source, wave_info

BREAKDOWNS = ("county", "size_class")
TITLE = {
    "nb": "Svarprosent etter fylke og kommunestørrelse",
    "en": "Response rate by county and municipality size",
}
TITLE_OTHER = {"nb": "Svarprosent", "en": "Response rate"}
SUBTITLE = {
    "nb": "Andel av {orgs} som svarte (alle ble invitert). Fullførte svar inngår i analysen. Alle: {rate} fullførte "
    "({n} av {N}), {any} med delvise svar. Etikettene viser svarprosent og fullførte svar / {orgs} i alt.",
    "en": "Share of {orgs} that answered (all were invited). Complete answers enter the analysis. All: {rate} "
    "complete ({n} of {N}), {any} including partial answers. Labels show the rate and complete answers / all {orgs}.",
}
LEGEND = {"nb": ("Fullført", "Delvis besvart"), "en": ("Complete", "Partial")}
PANEL = {
    "nb": {"county": "Etter fylke", "size_class": "Etter innbyggertall"},
    "en": {"county": "By county", "size_class": "By population size"},
}
ALL_LINE = {"nb": "Alle", "en": "All"}


def response_chart(
    tables: Tables,
    wave: str,
    lang: str = "nb",
    *,
    org_type: str = "kommune",
    breakdowns: tuple[str, ...] = BREAKDOWNS,
) -> Figure:
    """Horizontal bars, one panel per breakdown (county, size class): response rate (0–100 %) of complete answers
    (solid) plus partial answers (light extension), with 'complete / invited' counts and a dashed line at the
    overall rate. Response rates are counts, not estimates: no confidence intervals."""
    style.check_lang(lang)
    panels = []
    for bd in breakdowns:
        try:
            df = cells(
                tables,
                "finding_response_rates",
                wave=wave,
                org_type=org_type,
                estimand="orgs",
                breakdown=bd,
                items=["response_rate", "response_rate_any"],
            )
        except NoData:
            continue
        panels.append((bd, df))
    if not panels:
        raise NoData(f"finding_response_rates: no county or size-class rates for {wave}/{org_type}")
    info = wave_info(tables, wave, lang)
    try:
        total = cells(
            tables,
            "finding_response_rates",
            wave=wave,
            org_type=org_type,
            estimand="orgs",
            breakdown="total",
            items=["response_rate", "response_rate_any"],
        ).set_index("item")
    except NoData:
        total = None
    orgs = style.orgs_word(lang, org_type)
    if total is not None:
        subtitle = SUBTITLE[lang].format(
            orgs=orgs,
            rate=style.fmt_pct(float(total.loc["response_rate", "estimate"]), lang),
            any=style.fmt_pct(float(total.loc["response_rate_any", "estimate"]), lang),
            n=style.fmt_int(float(total.loc["response_rate", "n_complete"]), lang),
            N=style.fmt_int(float(total.loc["response_rate", "n_population"]), lang),
        )
    else:
        subtitle = ""
    n_rows = sum(df["grp"].nunique() for _, df in panels)
    facts: dict = {"n_bars": 0, "n_suppressed": 0, "panels": [bd for bd, _ in panels], "rates": {}}
    title = TITLE[lang] if org_type == "kommune" and len(panels) == 2 else TITLE_OTHER[lang]
    with style.styled():
        fig, frame = style.new_figure(
            name="response-rates",
            lang=lang,
            title=title,
            subtitle=subtitle,
            source=source(tables, wave, lang),
            synthetic=info.synthetic,
            body_height_in=n_rows * 0.25 + len(panels) * 0.35 + 0.3,
            legend_rows=1,
        )
        ratios = [df["grp"].nunique() + 0.6 for _, df in panels]
        axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False, gridspec_kw={"height_ratios": ratios})[:, 0]
        for ax, (bd, df) in zip(axes, panels, strict=True):
            groups = group_order(df, bd)
            glabels = group_labels(df, lang)
            wide = df.set_index(["grp", "item"])
            y = np.arange(len(groups), dtype=float)
            complete, partial, labels = [], [], []
            for g in groups:
                row = wide.loc[(g, "response_rate")]
                rate = float(row["estimate"]) if not bool(row["suppressed"]) else np.nan
                any_rate = (
                    float(wide.loc[(g, "response_rate_any"), "estimate"])
                    if (g, "response_rate_any") in (wide.index)
                    else rate
                )
                complete.append(rate)
                partial.append(max(0.0, any_rate - rate) if not np.isnan(rate) else np.nan)
                n_c = int(row["n_complete"]) if "n_complete" in row.index else int(row["n_respondents"])
                labels.append(f"{n_c}/{style.fmt_int(float(row['n_population']), lang)}")
                facts["rates"][(bd, g)] = rate
            c = np.array(complete)
            p = np.array(partial)
            ok = ~np.isnan(c)
            ax.barh(y[ok], c[ok], height=style.BAR_HEIGHT, color=style.PRIMARY, gid="complete", zorder=2)
            ax.barh(
                y[ok], p[ok], left=c[ok], height=style.BAR_HEIGHT, color=style.PRIMARY_LIGHT, gid="partial", zorder=2
            )
            facts["n_bars"] += int(ok.sum())
            for i in range(len(groups)):
                if ok[i]:
                    ax.text(
                        c[i] + p[i] + 0.015,
                        y[i],
                        f"{style.fmt_pct(c[i], lang)}  {labels[i]}",
                        va="center",
                        ha="left",
                        fontsize=style.FONT_BASE - 1,
                        color=style.INK,
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6},
                        zorder=4,
                    )
                else:
                    facts["n_suppressed"] += 1
                    style.suppressed_text(ax, 0.006, y[i], lang, default_min_n())
            if total is not None:
                overall = float(total.loc["response_rate", "estimate"])
                ax.axvline(overall, color=style.INK, linewidth=0.9, linestyle=(0, (3, 2)), zorder=3, gid="overall")
            ax.set_yticks(y, [glabels[g] for g in groups])
            ax.set_ylim(len(groups) - 0.5, -0.5)
            style.percent_xaxis(ax, lang, upper=1.2)
            ax.set_title(PANEL[lang].get(bd, style.breakdown_title(lang, bd)), fontsize=style.FONT_BASE - 0.5)
        axes[-1].set_xlabel(f"{TITLE_OTHER[lang]} ({orgs})", color=style.MUTED, fontsize=style.FONT_BASE - 0.5)
        handles = [Patch(facecolor=style.PRIMARY), Patch(facecolor=style.PRIMARY_LIGHT)]
        names = list(LEGEND[lang])
        if total is not None:
            from matplotlib.lines import Line2D

            handles.append(Line2D([0], [0], color=style.INK, linewidth=0.9, linestyle=(0, (3, 2))))
            names.append(f"{ALL_LINE[lang]} ({style.fmt_pct(float(total.loc['response_rate', 'estimate']), lang)})")
        style.figure_legend(fig, frame, handles, names, ncol=len(handles))
    fig.ks_facts.update(facts)  # type: ignore[attr-defined]
    return fig
