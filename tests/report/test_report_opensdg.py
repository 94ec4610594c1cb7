"""Open SDG-style CSVs: the sdg-build shape (Year … Value), headline rows, GeoCode, values equal to the findings."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.report.opensdg import DATA_DIR, MAPPING_FILE, columns, indicators, write_opensdg

EN_COLUMNS = [
    "Year",
    "Series",
    "Units",
    "Size class",
    "Centrality",
    "County",
    "Merged 2020",
    "Network membership",
    "GeoCode",
    "Value",
]
DISAGGREGATIONS = EN_COLUMNS[3:8]


def read(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"GeoCode": str}, keep_default_na=False, na_values=[""])


def files(opensdg_files) -> dict:
    return {p.name: p for p in opensdg_files}


def test_one_file_per_indicator(opensdg_files):
    names = set(files(opensdg_files))
    expected = {f"indicator_{g}-ks-1.csv" for g in range(1, 18)} | {"indicator_17-ks-2.csv", "indicator_17-ks-3.csv"}
    assert expected | {MAPPING_FILE} == names
    assert all(p.parent.name == DATA_DIR for p in opensdg_files if p.name.startswith("indicator_"))
    mapping = read(files(opensdg_files)[MAPPING_FILE])
    assert mapping["indicator_id"].tolist() == [i.id for i in indicators({})]
    assert mapping.set_index("indicator_id").loc["17-ks-2", "items"] == "maturity_stage_ge3"


def test_sdg_build_shape(opensdg_files):
    """The checks of sdg-build's check_csv: Year first, Value last and numeric, no stray whitespace, no empty rows."""
    for path in opensdg_files:
        if not path.name.startswith("indicator_"):
            continue
        frame = read(path)
        assert list(frame.columns) == EN_COLUMNS, path.name
        assert pd.api.types.is_integer_dtype(frame["Year"].dtype)
        assert pd.api.types.is_float_dtype(frame["Value"].dtype)
        assert frame["Value"].notna().all()
        assert frame["Value"].between(0, 100).all()
        for col in ["Series", "Units", *DISAGGREGATIONS, "GeoCode"]:
            text = frame[col].dropna().astype(str)
            assert not text.str.startswith(" ").any() and not text.str.endswith(" ").any(), col
        assert not frame.isna().all(axis=1).any()
        # every series has a headline (all disaggregations blank) in each unit it has
        headline = frame[frame[DISAGGREGATIONS].isna().all(axis=1)]
        assert set(map(tuple, headline[["Series", "Units"]].drop_duplicates().to_numpy())) == set(
            map(tuple, frame[["Series", "Units"]].drop_duplicates().to_numpy())
        )
        # at most one disaggregation per row (the findings are one-way breakdowns)
        assert (frame[DISAGGREGATIONS].notna().sum(axis=1) <= 1).all()


def test_year_is_field_year(opensdg_files, sample_tables):
    frame = read(files(opensdg_files)["indicator_13-ks-1.csv"])
    field_years = {pd.Timestamp(s).year for s in sample_tables["dim_wave"]["field_start"]}
    assert set(frame["Year"]) == field_years == {2021, 2023, 2025}


def eligible(sample_tables, table: str, items: list[str]) -> pd.DataFrame:
    frame = sample_tables[table]
    return frame[
        frame["item"].isin(items)
        & (frame["measure"] == "proportion")
        & frame["breakdown"].isin(
            ["total", "size_class", "centrality_class", "county", "merged_2020", "network_member"]
        )
        & frame["org_type"].isin(["kommune", "fylkeskommune"])
    ]


def test_values_equal_the_findings(opensdg_files, sample_tables):
    frame = read(files(opensdg_files)["indicator_13-ks-1.csv"])
    truth = eligible(sample_tables, "finding_goal_coverage", ["sdg_prioritised_13", "sdg_samfunnsdel_13"])
    assert len(frame) == (~truth["suppressed"]).sum()  # suppressed cells omitted, nothing else
    years = {
        w: pd.Timestamp(s).year
        for w, s in zip(sample_tables["dim_wave"]["wave"], sample_tables["dim_wave"]["field_start"], strict=True)
    }
    # headline: municipalities, share of organisations, each wave
    head = frame[
        (frame["Series"] == "Municipalities that have prioritised the goal")
        & (frame["Units"] == "Percent of organisations")
        & frame[DISAGGREGATIONS].isna().all(axis=1)
    ].set_index("Year")["Value"]
    totals = truth[
        (truth["item"] == "sdg_prioritised_13")
        & (truth["org_type"] == "kommune")
        & (truth["estimand"] == "orgs")
        & (truth["breakdown"] == "total")
    ]
    assert len(head) == len(totals) == 3
    for wave, estimate in zip(totals["wave"], totals["estimate"], strict=True):
        assert head[years[wave]] == pytest.approx(100 * estimate, abs=0.05)
    # county rows: GeoCode is the fylkesnummer of the group, value the county estimate
    county = frame[frame["County"].notna() & (frame["Units"] == "Percent of inhabitants")]
    county = county[county["Series"] == "Municipalities that have prioritised the goal"]
    cells = truth[
        (truth["item"] == "sdg_prioritised_13")
        & (truth["breakdown"] == "county")
        & (truth["estimand"] == "inhabitants")
        & (truth["org_type"] == "kommune")
        & ~truth["suppressed"]
    ]
    expected = {(years[w], g): 100 * e for w, g, e in zip(cells["wave"], cells["grp"], cells["estimate"], strict=True)}
    shown = {(y, g): v for y, g, v in zip(county["Year"], county["GeoCode"], county["Value"], strict=True)}
    assert shown.keys() == expected.keys()
    for key, value in expected.items():
        assert shown[key] == pytest.approx(value, abs=0.05)


def test_geocode_only_on_county_rows(opensdg_files, sample_tables):
    frame = read(files(opensdg_files)["indicator_17-ks-2.csv"])
    assert (frame["GeoCode"].notna() == frame["County"].notna()).all()
    codes = frame["GeoCode"].dropna()
    assert codes.str.fullmatch(r"\d{2}").all()
    assert set(codes) <= set(sample_tables["dim_org"]["county_number"])


def test_suppressed_cells_are_omitted(opensdg_files, sample_tables):
    frame = read(files(opensdg_files)["indicator_17-ks-3.csv"])
    truth = eligible(
        sample_tables, "finding_barriers", [i for i in sample_tables["dim_item"]["item"] if i.startswith("barriers_")]
    )
    assert truth["suppressed"].any()
    assert len(frame) == (~truth["suppressed"]).sum()
    assert frame["Series"].str.contains("County authorities naming the barrier: Lack of financial resources").any()


def test_norwegian_variant_and_year_clash(sample_tables, tmp_path):
    assert columns("nb")[:4] == ["Year", "Series", "Units", "Størrelse"]
    paths = write_opensdg(sample_tables, tmp_path / "nb", lang="nb")
    frame = read(next(p for p in paths if p.name == "indicator_5-ks-1.csv"))
    assert list(frame.columns) == columns("nb")
    assert (frame["Series"] == "Kommuner som har prioritert målet").any()
    assert (frame["Units"] == "Prosent av organisasjonene").any()
    tables = dict(sample_tables)
    waves = sample_tables["dim_wave"].copy()
    waves.loc[waves["wave"] == "2023-nordic", "field_start"] = pd.Timestamp("2021-10-01")
    tables["dim_wave"] = waves
    with pytest.raises(ValueError, match="same Year"):
        write_opensdg(tables, tmp_path / "clash")
