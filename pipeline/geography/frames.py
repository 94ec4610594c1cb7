"""Sampling frames: every municipality (kommune) and county authority (fylkeskommune) valid in a frame year.

Three frames, all from the packaged SSB/Kartverket reference data (see ``pipeline/reference/SOURCES.md``):

* 2019 — 422 municipalities, 18 counties (no population in the reference data: size class unknown);
* 2020 — 356 municipalities, 11 counties, valid 2020-01-01 to 2023-12-31; population 1 January 2020–2022;
* 2024 — 357 municipalities, 15 counties, valid from 2024-01-01; population 1 January 2024.

A county authority's code is its two-digit county number and its population the sum of its municipalities'.
Oslo is both a municipality (0301) and a county (03), as in KS's own counts (356 + 11, 357 + 15).

Size classes by population on 1 January (inhabitants): 1 = under 5 000, 2 = 5 000–19 999,
3 = 20 000–49 999, 4 = 50 000 and over. Municipalities only; county authorities have none.
Centrality (SSB Klass 128, current vintage — not the 2020 vintage, see SOURCES.md): index 0–1000, class 1 (most
central) – 6 (least central); municipalities only.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from pipeline import reference

FRAME_YEARS = (2019, 2020, 2024)
VALIDITY = {2019: (2019, 2019), 2020: (2020, 2023), 2024: (2024, None)}

SIZE_BANDS = ((1, 0, 4_999), (2, 5_000, 19_999), (3, 20_000, 49_999), (4, 50_000, None))
SIZE_CLASS_LABELS = {
    "nb": {1: "Under 5 000 innb.", 2: "5 000–19 999 innb.", 3: "20 000–49 999 innb.", 4: "50 000 innb. og over"},
    "en": {1: "Under 5,000 inh.", 2: "5,000–19,999 inh.", 3: "20,000–49,999 inh.", 4: "50,000 inh. and over"},
}
CENTRALITY_LABELS = {
    "nb": {1: "1 Mest sentral", 2: "2", 3: "3", 4: "4", 5: "5", 6: "6 Minst sentral"},
    "en": {1: "1 Most central", 2: "2", 3: "3", 4: "4", 5: "5", 6: "6 Least central"},
}

DIM_ORG_COLUMNS = [
    "frame_year",
    "org_code",
    "org_type",
    "name",
    "name_official",
    "other_names",
    "county_number",
    "county_name",
    "valid_from",
    "valid_to",
    "population",
    "population_year",
    "size_class",
    "centrality_index",
    "centrality_class",
    "merged_2020",
    "split_2024",
    "samisk_forvaltningsomrade",
]


def size_class(population: float | None) -> int | None:
    """Size class 1–4 of a municipality with this many inhabitants (None when unknown)."""
    if population is None or pd.isna(population):
        return None
    for cls, low, high in SIZE_BANDS:
        if population >= low and (high is None or population <= high):
            return cls
    raise ValueError(f"population {population!r} outside the size bands")


def _join_names(*parts: object) -> str | None:
    names: list[str] = []
    for part in parts:
        if part is None or pd.isna(part):
            continue
        for piece in str(part).split(";"):
            piece = piece.split("[")[0].strip()
            if piece and piece not in names:
                names.append(piece)
    return ";".join(names) or None


def _population_2020() -> pd.DataFrame:
    m20 = reference.load("municipalities_2020")
    long = m20.melt(
        id_vars=["kommunenummer", "county_number"],
        value_vars=["population_2020_01_01", "population_2021_01_01", "population_2022_01_01"],
        var_name="year",
        value_name="population",
    )
    long["year"] = long["year"].str.slice(11, 15).astype(int)
    return long


@cache
def _population_table() -> pd.DataFrame:
    p20 = _population_2020().assign(frame_year=2020)
    m24 = reference.load("municipalities_2024")
    p24 = pd.DataFrame(
        {
            "kommunenummer": m24["kommunenummer"],
            "county_number": m24["county_number"],
            "year": 2024,
            "population": m24["population_2024_01_01"],
            "frame_year": 2024,
        }
    )
    muni = pd.concat([p20, p24], ignore_index=True)
    county = (
        muni.groupby(["frame_year", "county_number", "year"], as_index=False)["population"]
        .sum()
        .rename(columns={"county_number": "org_code"})
        .assign(org_type="fylkeskommune")
    )
    muni = muni.rename(columns={"kommunenummer": "org_code"}).assign(org_type="kommune")
    cols = ["frame_year", "org_code", "org_type", "year", "population"]
    return pd.concat([muni[cols], county[cols]], ignore_index=True)


def population_table() -> pd.DataFrame:
    """Population on 1 January per frame, org and year: frame_year, org_code, org_type, year, population."""
    return _population_table().copy()


def population_years(frame_year: int) -> list[int]:
    """The years (1 January) for which the reference data gives population in this frame."""
    table = _population_table()
    return sorted(table.loc[table["frame_year"] == frame_year, "year"].unique().tolist())


def _county_merged_2020() -> dict[str, bool]:
    """2020 counties formed by merging counties: at least two 2019 counties went (mostly) into them.

    "Mostly" = the 2020 county that received most of a 2019 county's municipalities, so a single municipality
    moving county in 2020 (Halsa → Heim in Trøndelag, Hornindal → Volda in Møre og Romsdal) is not a merger.
    """
    cw = reference.load("crosswalk_2019_2020").drop_duplicates("kommunenummer_2019")
    main_successor = cw.groupby("county_number_2019")["county_number_2020"].agg(lambda s: s.mode().iloc[0])
    n_sources = main_successor.value_counts()
    return {county: bool(n_sources.get(county, 0) > 1) for county in cw["county_number_2020"].unique()}


def _municipalities(frame_year: int) -> pd.DataFrame:
    centrality = reference.load("centrality").set_index("kommunenummer")
    if frame_year == 2019:
        m = reference.load("municipalities_2019")
        m20 = reference.load("municipalities_2020").set_index("kommunenummer")
        successor = m["kommunenummer_2020"].str.split(";").str[0]
        frame = pd.DataFrame(
            {
                "org_code": m["kommunenummer"],
                "name": m["name_official_ssb"].str.replace(r"\s*\(.*\)$", "", regex=True),
                "name_official": m["name_official_ssb"],
                "other_names": [_join_names(*n.split(" - ")) for n in m["name_official_ssb"]],
                "county_number": m["county_number"],
                "county_name": m["county_name"],
                "population": pd.NA,
                "population_year": pd.NA,
                "merged_2020": successor.map(m20["merged_2020"]).astype(bool).to_numpy(),
                "split_2024": False,
                "samisk_forvaltningsomrade": pd.NA,
            }
        )
    elif frame_year == 2020:
        m = reference.load("municipalities_2020")
        frame = pd.DataFrame(
            {
                "org_code": m["kommunenummer"],
                "name": m["name"],
                "name_official": m["name_official_ssb_2023"],
                "other_names": [
                    _join_names(o, *a.split(" - "), *b.split(" - "))
                    for o, a, b in zip(
                        m["other_official_names"], m["name_official_ssb_2020"], m["name_official_ssb_2023"], strict=True
                    )
                ],
                "county_number": m["county_number"],
                "county_name": m["county_name"],
                "population": m["population_2020_01_01"],
                "population_year": 2020,
                "merged_2020": m["merged_2020"],
                "split_2024": m["kommunenummer_2024"].str.contains(";"),
                "samisk_forvaltningsomrade": m["samisk_forvaltningsomrade"],
            }
        )
    elif frame_year == 2024:
        m = reference.load("municipalities_2024")
        m20 = reference.load("municipalities_2020").set_index("kommunenummer")
        frame = pd.DataFrame(
            {
                "org_code": m["kommunenummer"],
                "name": m["name"],
                "name_official": m["name_official_ssb"],
                "other_names": [
                    _join_names(o, w, k, *s.split(" - "))
                    for o, w, k, s in zip(
                        m["other_official_names"],
                        m["other_names_with_language_kartverket_2023"],
                        m["name_kartverket_jan2024"],
                        m["name_official_ssb"],
                        strict=True,
                    )
                ],
                "county_number": m["county_number"],
                "county_name": m["county_name"],
                "population": m["population_2024_01_01"],
                "population_year": 2024,
                "merged_2020": m["kommunenummer_2023"].map(m20["merged_2020"]).astype(bool).to_numpy(),
                "split_2024": m["created_by_split_2024"],
                "samisk_forvaltningsomrade": m["kommunenummer_2023"]
                .map(m20["samisk_forvaltningsomrade"])
                .astype(bool)
                .to_numpy(),
            }
        )
    else:
        raise ValueError(f"unknown frame year {frame_year}; known: {FRAME_YEARS}")
    frame["org_type"] = "kommune"
    frame["centrality_index"] = frame["org_code"].map(centrality["centrality_index"])
    frame["centrality_class"] = frame["org_code"].map(centrality["centrality_class"])
    frame["size_class"] = [size_class(p) for p in frame["population"]]
    return frame


def _counties(frame_year: int, municipalities: pd.DataFrame) -> pd.DataFrame:
    counties = (
        municipalities.groupby(["county_number", "county_name"], as_index=False)
        .agg(population=("population", lambda s: s.sum(min_count=1)))
        .sort_values("county_number")
    )
    official = {}
    if frame_year == 2024:
        m24 = reference.load("municipalities_2024")
        official = dict(zip(m24["county_number"], m24["county_name_official"], strict=True))
    merged = _county_merged_2020()
    if frame_year == 2024:
        cw = reference.load("crosswalk_2023_2024")
        pred = cw.groupby("county_number_2024")["county_number_2023"].agg(lambda s: sorted(set(s)))
        succ = cw.groupby("county_number_2023")["county_number_2024"].nunique()
        merged_flag = {c: any(merged.get(p, False) for p in ps) for c, ps in pred.items()}
        split_flag = {c: any(succ[p] > 1 for p in ps) for c, ps in pred.items()}
    elif frame_year == 2020:
        merged_flag = merged
        cw = reference.load("crosswalk_2023_2024")
        succ = cw.groupby("county_number_2023")["county_number_2024"].nunique()
        split_flag = {c: bool(n > 1) for c, n in succ.items()}
    else:
        merged_flag, split_flag = {}, {}
    frame = pd.DataFrame(
        {
            "org_code": counties["county_number"],
            "name": [
                f"{n} fylkeskommune" if c != "03" else "Oslo kommune"
                for c, n in zip(counties["county_number"], counties["county_name"], strict=True)
            ],
            "name_official": [
                official.get(c, n) for c, n in zip(counties["county_number"], counties["county_name"], strict=True)
            ],
            "other_names": [
                _join_names(n, *official.get(c, n).split(" - "))
                for c, n in zip(counties["county_number"], counties["county_name"], strict=True)
            ],
            "county_number": counties["county_number"],
            "county_name": counties["county_name"],
            "population": counties["population"],
            "population_year": municipalities["population_year"].iloc[0],
            "merged_2020": [bool(merged_flag.get(c, False)) for c in counties["county_number"]],
            "split_2024": [bool(split_flag.get(c, False)) for c in counties["county_number"]],
            "samisk_forvaltningsomrade": pd.NA,
        }
    )
    frame["org_type"] = "fylkeskommune"
    frame["centrality_index"] = pd.NA
    frame["centrality_class"] = pd.NA
    frame["size_class"] = pd.NA
    return frame


@cache
def _frame(frame_year: int) -> pd.DataFrame:
    municipalities = _municipalities(frame_year)
    counties = _counties(frame_year, municipalities)
    frame = pd.concat([municipalities, counties], ignore_index=True)
    frame["frame_year"] = frame_year
    frame["valid_from"], frame["valid_to"] = VALIDITY[frame_year]
    for col in ("population", "population_year", "size_class", "centrality_index", "centrality_class"):
        frame[col] = frame[col].astype("Int64")
    for col in ("merged_2020", "split_2024", "samisk_forvaltningsomrade"):
        frame[col] = frame[col].astype("boolean")
    frame["valid_to"] = frame["valid_to"].astype("Int64")
    return frame[DIM_ORG_COLUMNS]


def frame(frame_year: int, org_types: tuple[str, ...] | list[str] | None = None) -> pd.DataFrame:
    """All orgs of a frame (columns of ``dim_org``), optionally only the given org types."""
    result = _frame(frame_year)
    if org_types is not None:
        result = result[result["org_type"].isin(list(org_types))]
    return result.reset_index(drop=True).copy()


def dim_org() -> pd.DataFrame:
    """``dim_org``: every org of every frame, one row per (frame_year, org_code, org_type)."""
    return pd.concat([frame(y) for y in FRAME_YEARS], ignore_index=True)
