"""Chart content: bars, whiskers, colours, order, labels and marks checked against the findings tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.image import AxesImage

from pipeline.charts import barriers, goals, maturity, response, style, trends
from pipeline.charts.data import NoData

NBSP = "\u00a0"


def _texts(fig, gid: str) -> list[str]:
    """Texts with ``gid`` anywhere in the figure (figure texts and axes texts)."""
    out = [t.get_text() for t in fig.texts if t.get_gid() == gid]
    for ax in fig.axes:
        out += [t.get_text() for t in ax.texts if t.get_gid() == gid]
    return out


def _bars(ax, label: str = "estimate") -> BarContainer:
    return next(c for c in ax.containers if isinstance(c, BarContainer) and c.get_label() == label)


def _whiskers(ax) -> np.ndarray:
    """(n, 2) array of whisker (low, high) x values, in drawing order."""
    cont = next(c for c in ax.containers if isinstance(c, ErrorbarContainer))
    segs = cont.lines[2][0].get_segments()
    return np.array([[s[0][0], s[1][0]] for s in segs])


def _cell(tables, table, wave, item, *, breakdown="total", grp="all", org_type="kommune", estimand="orgs"):
    df = tables[table]
    row = df[
        (df["wave"] == wave)
        & (df["org_type"] == org_type)
        & (df["estimand"] == estimand)
        & (df["breakdown"] == breakdown)
        & (df["grp"] == grp)
        & (df["item"] == item)
    ]
    assert len(row) == 1, (table, wave, item, breakdown, grp)
    return row.iloc[0]


def _with_suppressed(tables, table, mask_fn) -> dict:
    """A copy of the tables with the rows picked by ``mask_fn`` suppressed (estimate and CI withheld)."""
    out = dict(tables)
    df = tables[table].copy()
    mask = mask_fn(df)
    assert mask.any()
    df.loc[mask, ["estimate", "se", "ci_low", "ci_high"]] = np.nan
    df.loc[mask, "suppressed"] = True
    df.loc[mask, "n_respondents"] = 3
    out[table] = df
    return out


# --------------------------------------------------------------------------------------------------- goals


def test_goal_chart_has_17_bars_in_goal_order_with_official_colours_and_table_heights(sample_tables):
    fig = goals.goals_chart(sample_tables, "2021-vsr", "nb")
    ax = fig.axes[0]
    bars = _bars(ax)
    assert len(bars.patches) == 17
    dim = sample_tables["dim_sdg_goal"].sort_values("goal")
    # goal order top to bottom: y increases downwards (inverted axis) with goal number
    ys = [p.get_y() + p.get_height() / 2 for p in bars.patches]
    assert ys == sorted(ys)
    assert ax.yaxis_inverted()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "1 Utrydde fattigdom"
    assert labels[16].startswith("17 ")
    assert [int(lbl.split(" ")[0]) for lbl in labels] == list(range(1, 18))
    colours = [style.mpl.colors.to_hex(p.get_facecolor()).upper() for p in bars.patches]
    assert colours == [c.upper() for c in dim["colour_hex"]]
    expected = [_cell(sample_tables, "finding_goal_coverage", "2021-vsr", f"sdg_prioritised_{g}") for g in range(1, 18)]
    np.testing.assert_allclose([p.get_width() for p in bars.patches], [r["estimate"] for r in expected])
    np.testing.assert_allclose(_whiskers(ax), [[r["ci_low"], r["ci_high"]] for r in expected])
    # the samfunnsdel panel is there in 2021 with its own n
    assert len(fig.axes) == 2
    assert "samfunnsdel" in fig.axes[1].get_title(loc="left")
    assert fig.ks_facts["goals"] == list(range(1, 18))


def test_goal_chart_without_samfunnsdel_question_has_one_panel(sample_tables):
    fig = goals.goals_chart(sample_tables, "2023-nordic", "en")
    assert len(fig.axes) == 1
    assert fig.ks_facts["series"] == ["sdg_prioritised"]
    assert len(_bars(fig.axes[0]).patches) == 17


def test_goal_county_heatmap_values_and_suppressed_cells(sample_tables):
    fig = goals.goal_county_heatmap(sample_tables, "2025-vnr", "nb")
    ax = fig.axes[0]
    image = next(a for a in ax.get_children() if isinstance(a, AxesImage))
    values = image.get_array()
    df = sample_tables["finding_goal_coverage"]
    df = df[
        (df["wave"] == "2025-vnr")
        & (df["org_type"] == "kommune")
        & (df["estimand"] == "orgs")
        & (df["breakdown"] == "county")
        & df["item"].str.startswith("sdg_prioritised_")
    ]
    counties = fig.ks_facts["counties"]
    assert counties == sorted(df["grp"].unique())
    assert values.shape == (len(counties), 17)
    n_supp = 0
    for _, r in df.iterrows():
        i, j = counties.index(r["grp"]), int(r["item"].rsplit("_", 1)[1]) - 1
        if r["suppressed"]:
            assert values.mask[i, j]
            n_supp += 1
        else:
            assert values[i, j] == pytest.approx(r["estimate"])
    assert n_supp > 0
    hatched = [p for p in ax.patches if p.get_gid() == "suppressed-cell"]
    assert len(hatched) == n_supp == fig.ks_facts["n_suppressed"]
    assert all(p.get_hatch() for p in hatched)
    assert _texts(fig, "dash").count("–") == n_supp
    # header: goal numbers on the official colours
    ticks = ax.get_xticklabels()
    assert [t.get_text() for t in ticks] == [str(g) for g in range(1, 18)]
    dim = sample_tables["dim_sdg_goal"].sort_values("goal")
    tick_colours = [style.mpl.colors.to_hex(t.get_bbox_patch().get_facecolor()).upper() for t in ticks]
    assert tick_colours == [c.upper() for c in dim["colour_hex"]]


def test_heatmap_needs_a_county_breakdown(sample_tables):
    with pytest.raises(NoData):
        goals.goal_county_heatmap(sample_tables, "2025-vnr", "nb", org_type="fylkeskommune")


# ------------------------------------------------------------------------------------------------ barriers


def test_barrier_bars_are_sorted_and_whiskers_equal_the_ci(sample_tables):
    fig = barriers.barriers_chart(sample_tables, "2021-vsr", "nb")
    ax = fig.axes[0]
    order = fig.ks_facts["order"]
    assert order[-1] == "barriers_other"
    expected = [_cell(sample_tables, "finding_barriers", "2021-vsr", item) for item in order]
    widths = [p.get_width() for p in _bars(ax).patches]
    np.testing.assert_allclose(widths, [r["estimate"] for r in expected])
    assert widths[:-1] == sorted(widths[:-1], reverse=True)
    np.testing.assert_allclose(_whiskers(ax), [[r["ci_low"], r["ci_high"]] for r in expected])
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "Mangel på økonomiske ressurser"
    assert labels[-1] == "Annet"
    subtitle = _texts(fig, "subtitle")[0].replace("\n", " ")
    assert f"n{NBSP}={NBSP}159 av 356 kommuner" in subtitle
    assert fig.ks_facts["n_bars"] == 8


def test_barrier_grid_chart_uses_barrier_names_and_is_missing_in_2023(sample_tables):
    fig = barriers.barriers_chart(sample_tables, "2025-vnr", "en", kind="extent")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(labels) == 7
    assert not any("extent" in lbl for lbl in labels)
    assert "Lack of competence" in labels
    with pytest.raises(NoData):
        barriers.barriers_chart(sample_tables, "2023-nordic", "nb", kind="extent")


def test_suppressed_barrier_gets_no_bar_but_a_note(sample_tables):
    tables = _with_suppressed(
        sample_tables,
        "finding_barriers",
        lambda d: (
            (d["wave"] == "2021-vsr")
            & (d["org_type"] == "kommune")
            & (d["estimand"] == "orgs")
            & (d["breakdown"] == "total")
            & (d["item"] == "barriers_competence")
        ),
    )
    fig = barriers.barriers_chart(tables, "2021-vsr", "nb")
    ax = fig.axes[0]
    assert len(_bars(ax).patches) == 7
    assert len(_whiskers(ax)) == 7
    assert fig.ks_facts["n_suppressed"] == 1
    assert _texts(fig, "suppressed") == [f"undertrykt (n{NBSP}<{NBSP}5)"]
    # the suppressed item sits below the others (before 'other'), and has no value label
    assert fig.ks_facts["order"][-2:] == ["barriers_competence", "barriers_other"]
    assert len(_texts(fig, "value")) == 7
    fig_en = barriers.barriers_chart(tables, "2021-vsr", "en")
    assert _texts(fig_en, "suppressed") == [f"suppressed (n{NBSP}<{NBSP}5)"]


def test_barriers_by_size_bars_match_the_table(sample_tables):
    fig = barriers.barriers_by_group_chart(sample_tables, "2025-vnr", "nb")
    ax = fig.axes[0]
    assert fig.ks_facts["n_bars"] == 32
    assert fig.ks_facts["groups"] == ["1", "2", "3", "4"]
    for g in ("1", "4"):
        bars = _bars(ax, label=g)
        expected = [
            _cell(sample_tables, "finding_barriers", "2025-vnr", item, breakdown="size_class", grp=g)
            for item in fig.ks_facts["order"]
        ]
        np.testing.assert_allclose([p.get_width() for p in bars.patches], [r["estimate"] for r in expected])
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[0].startswith("Under 5 000 innb. (n")
    with pytest.raises(NoData):
        barriers.barriers_by_group_chart(sample_tables, "2025-vnr", "nb", org_type="fylkeskommune")


# ------------------------------------------------------------------------------------------------ maturity


def test_maturity_bars_stack_to_100_percent_and_match_the_table(sample_tables):
    fig = maturity.maturity_chart(sample_tables, "2021-vsr", "nb")
    facts = fig.ks_facts
    assert facts["panels"] == ["total", "size_class", "centrality_class", "merged_2020", "network_member"]
    assert len(fig.axes) == 5
    for (bd, g), widths in facts["segments"].items():
        assert sum(widths) == pytest.approx(1.0, abs=1e-6)
        expected = [
            _cell(sample_tables, "finding_maturity", "2021-vsr", f"maturity_stage_{k}", breakdown=bd, grp=g)["estimate"]
            for k in range(5)
        ]
        np.testing.assert_allclose(widths, expected)
    # the patches drawn equal the facts (size-class panel)
    ax = fig.axes[1]
    stage3 = [p.get_width() for p in ax.patches if p.get_gid() == "stage-3"]
    assert stage3 == pytest.approx([facts["segments"][("size_class", g)][3] for g in ("1", "2", "3", "4")])
    # centrality class 1 has n < 5 in the sample: no segments, a note instead
    assert ("centrality_class", "1") not in facts["segments"]
    assert facts["n_suppressed"] == 1
    assert _texts(fig, "suppressed") == [f"undertrykt (n{NBSP}<{NBSP}5)"]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == [f"{k} {s}" for k, s in enumerate(["Ikke startet", "Besluttet", "I samfunnsdelen"])] + [
        "3 Operasjonalisert i handlingsdel, økonomiplan og styring",
        "4 Målt og rapportert",
    ]


def test_maturity_for_county_authorities_keeps_only_their_breakdowns(sample_tables):
    fig = maturity.maturity_chart(sample_tables, "2025-vnr", "en", org_type="fylkeskommune", estimand="inhabitants")
    assert fig.ks_facts["panels"] == ["total", "merged_2020", "network_member"]
    assert fig.axes[-1].get_xlabel() == "Share of inhabitants"
    with pytest.raises(NoData):
        maturity.maturity_chart(sample_tables, "2023-nordic", "nb", org_type="fylkeskommune")


# ---------------------------------------------------------------------------------------- response, trends


def test_response_rates_match_the_table(sample_tables):
    fig = response.response_chart(sample_tables, "2025-vnr", "nb")
    df = sample_tables["finding_response_rates"]
    df = df[(df["wave"] == "2025-vnr") & (df["org_type"] == "kommune") & (df["item"] == "response_rate")]
    for (bd, g), rate in fig.ks_facts["rates"].items():
        row = df[(df["breakdown"] == bd) & (df["grp"] == g)].iloc[0]
        assert rate == pytest.approx(row["estimate"])
    county_ax, size_ax = fig.axes
    complete = [p.get_width() for p in county_ax.patches if p.get_gid() == "complete"]
    assert len(complete) == df[df["breakdown"] == "county"].shape[0] == 15
    assert size_ax.get_yticklabels()[0].get_text() == "Under 5 000 innb."


def test_trend_chart_matches_the_table(sample_tables):
    fig = trends.trends_chart(sample_tables, "2025-vnr", "nb", wave_from="2021-vsr")
    df = sample_tables["finding_trends"]
    df = df[
        (df["wave_from"] == "2021-vsr")
        & (df["wave_to"] == "2025-vnr")
        & (df["org_type"] == "kommune")
        & (df["estimand"] == "orgs")
        & (df["population"] == "all")
        & (df["breakdown"] == "total")
    ].set_index("item")
    rows = fig.ks_facts["rows"]
    items = [r["item"] for r in rows]
    assert items[:3] == ["maturity_stage_0", "maturity_stage_ge3", "maturity_stage_4"]
    assert len([i for i in items if i.startswith("barriers_")]) == 5
    for r in rows:
        t = df.loc[r["item"]]
        assert (r["from"], r["to"], r["change"], r["ci_low"], r["ci_high"]) == pytest.approx(
            (t["estimate_from"], t["estimate_to"], t["estimate"], t["ci_low"], t["ci_high"])
        )
    # whiskers of the change panel equal the CI
    segs = []
    for ax in fig.axes[1::2]:
        for c in ax.containers:
            if isinstance(c, ErrorbarContainer):
                s = c.lines[2][0].get_segments()[0]
                segs.append((s[0][0], s[1][0]))
    np.testing.assert_allclose(segs, [(r["ci_low"], r["ci_high"]) for r in rows])
    assert fig.ks_title == "Endring fra 2021 til 2025"  # type: ignore[attr-defined]
    assert trends.wave_pairs_to(sample_tables, "2021-vsr") == []


# --------------------------------------------------------------------------------------- frame and language


def test_synthetic_mark_source_line_and_languages(sample_tables):
    nb = maturity.maturity_chart(sample_tables, "2021-vsr", "nb")
    en = maturity.maturity_chart(sample_tables, "2021-vsr", "en")
    assert _texts(nb, "synthetic-mark") == ["SYNTETISKE DATA"]
    assert _texts(en, "synthetic-mark") == ["SYNTHETIC DATA"]
    title_nb, title_en = _texts(nb, "title")[0], _texts(en, "title")[0]
    assert title_nb != title_en
    assert "å" in title_nb and "bærekraftsmålene" in title_nb.replace("\n", " ")
    assert not any(ch in title_en for ch in "æøå")
    source_nb = _texts(nb, "source")[0].replace("\n", " ")
    assert source_nb.startswith("Kilde: KS-kartlegging til Norges frivillige subnasjonale gjennomgang (VSR) 2021")
    assert "8.3.2021–16.4.2021" in source_nb and "ks-sdg" in source_nb
    assert _texts(en, "source")[0].startswith("Source: KS survey")
    # percent axes in each language's style
    ax_nb, ax_en = nb.axes[-1], en.axes[-1]
    assert ax_nb.xaxis.get_major_formatter()(0.4, 0) == f"40{NBSP}%"
    assert ax_en.xaxis.get_major_formatter()(0.4, 0) == "40%"


def test_no_synthetic_mark_for_real_data(sample_tables):
    tables = dict(sample_tables)
    dim = sample_tables["dim_wave"].copy()
    dim["synthetic"] = False
    tables["dim_wave"] = dim
    fig = goals.goals_chart(tables, "2025-vnr", "nb")
    assert _texts(fig, "synthetic-mark") == []


def test_number_formats():
    assert style.fmt_pct(0.7249, "nb") == f"72{NBSP}%"
    assert style.fmt_pct(0.4, "en", 1) == "40.0%"
    assert style.fmt_pct(0.4, "nb", 1) == f"40,0{NBSP}%"
    assert style.fmt_pp(-0.044, "nb") == "−4,4"
    assert style.fmt_pp(0.103, "en") == "+10.3"
    assert style.fmt_int(5000, "nb") == f"5{NBSP}000"
    assert style.strip_scale_suffix("Mangel på kompetanse (i noen grad / i stor grad)") == "Mangel på kompetanse"


def test_unknown_language_is_refused(sample_tables):
    with pytest.raises(ValueError, match="unknown language"):
        goals.goals_chart(sample_tables, "2021-vsr", "de")


def test_cells_are_the_published_ones(sample_tables):
    """Sanity: the fixture carries the layout the charts rely on."""
    for name in ("finding_barriers", "finding_maturity", "finding_goal_coverage"):
        df = sample_tables[name]
        assert isinstance(df, pd.DataFrame)
        assert {"estimand", "breakdown", "grp", "suppressed", "ci_low", "ci_high"} <= set(df.columns)
