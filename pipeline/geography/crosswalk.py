"""Reform crosswalks between frames: 2019 → 2020 (mergers, county mergers) and 2020 (valid to 2023) → 2024
(county splits, renumbering, Ålesund 1507 split into 1508 Ålesund and 1580 Haram).

``relation`` is one of ``unchanged``, ``renumbered``, ``merged`` (several old codes → one new code) and ``split``
(one old code → several new codes; a split is never resolved silently — callers get all successors and a flag).
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from pipeline import reference

CROSSWALK_COLUMNS = [
    "org_type",
    "from_year",
    "from_code",
    "from_name",
    "to_year",
    "to_code",
    "to_name",
    "relation",
    "split",
]
#: Adjacent frame years with a crosswalk between them.
STEPS = ((2019, 2020), (2020, 2024))


def _municipality_rows() -> pd.DataFrame:
    a = reference.load("crosswalk_2019_2020")
    first = pd.DataFrame(
        {
            "from_year": 2019,
            "from_code": a["kommunenummer_2019"],
            "from_name": a["name_2019"],
            "to_year": 2020,
            "to_code": a["kommunenummer_2020"],
            "to_name": a["name_2020"],
            "relation": a["relation"],
            "split": a["old_code_split"],
        }
    )
    b = reference.load("crosswalk_2023_2024")
    n_targets = b.groupby("kommunenummer_2023")["kommunenummer_2024"].transform("nunique")
    second = pd.DataFrame(
        {
            "from_year": 2020,
            "from_code": b["kommunenummer_2023"],
            "from_name": b["name_2023"],
            "to_year": 2024,
            "to_code": b["kommunenummer_2024"],
            "to_name": b["name_2024"],
            "relation": b["relation"],
            "split": n_targets > 1,
        }
    )
    return pd.concat([first, second], ignore_index=True).assign(org_type="kommune")


def _county_rows() -> pd.DataFrame:
    """County-to-county links implied by where each county's municipalities went."""
    rows = []
    a = reference.load("crosswalk_2019_2020").drop_duplicates("kommunenummer_2019")
    m19 = reference.load("municipalities_2019").set_index("county_number")["county_name"].to_dict()
    m20 = reference.load("municipalities_2020").set_index("county_number")["county_name"].to_dict()
    m24 = reference.load("municipalities_2024").set_index("county_number")["county_name"].to_dict()
    # 2019 -> 2020: each 2019 county goes to the county that received most of its municipalities.
    main = a.groupby("county_number_2019")["county_number_2020"].agg(lambda s: s.mode().iloc[0])
    n_in = main.value_counts()
    for old, new in main.items():
        relation = "merged" if n_in[new] > 1 else ("unchanged" if old == new else "renumbered")
        rows.append((2019, old, m19[old], 2020, new, m20[new], relation, False))
    b = reference.load("crosswalk_2023_2024")
    pairs = b[["county_number_2023", "county_number_2024"]].drop_duplicates()
    n_out = pairs.groupby("county_number_2023")["county_number_2024"].nunique()
    for old, new in pairs.itertuples(index=False):
        split = bool(n_out[old] > 1)
        relation = "split" if split else ("unchanged" if old == new else "renumbered")
        rows.append((2020, old, m20[old], 2024, new, m24[new], relation, split))
    columns = ["from_year", "from_code", "from_name", "to_year", "to_code", "to_name", "relation", "split"]
    return pd.DataFrame(rows, columns=columns).assign(org_type="fylkeskommune")


@cache
def _crosswalk() -> pd.DataFrame:
    table = pd.concat([_municipality_rows(), _county_rows()], ignore_index=True)
    table["split"] = table["split"].astype(bool)
    return (
        table[CROSSWALK_COLUMNS].sort_values(["org_type", "from_year", "from_code", "to_code"]).reset_index(drop=True)
    )


def dim_crosswalk() -> pd.DataFrame:
    """``dim_crosswalk``: every link between adjacent frames, municipalities and county authorities."""
    return _crosswalk().copy()


@cache
def successor_map(from_year: int, to_year: int, org_type: str = "kommune") -> dict[str, tuple[str, ...]]:
    """Every code of frame ``from_year`` → the code(s) it became in frame ``to_year`` (several after a split)."""
    if from_year > to_year:
        raise ValueError(f"crosswalks only go forward in time ({from_year} → {to_year})")
    from pipeline.geography.frames import frame

    current = {code: (code,) for code in frame(from_year, [org_type])["org_code"]}
    table = _crosswalk()
    for step_from, step_to in STEPS:
        if step_from < from_year or step_to > to_year:
            continue
        part = table[(table["org_type"] == org_type) & (table["from_year"] == step_from)]
        step = part.groupby("from_code")["to_code"].agg(tuple).to_dict()
        current = {
            code: tuple(dict.fromkeys(t for c in codes for t in step.get(c, ()))) for code, codes in current.items()
        }
    return current


def successors(code: str, from_year: int, to_year: int, org_type: str = "kommune") -> list[str]:
    """Codes in frame ``to_year`` that the org ``code`` of frame ``from_year`` became (several after a split)."""
    if from_year == to_year:
        return [code]
    return list(successor_map(from_year, to_year, org_type).get(code, ()))


def frame_mapping(from_year: int, to_year: int, org_type: str = "kommune") -> pd.DataFrame:
    """Every org of frame ``from_year`` with its code(s) in frame ``to_year``.

    Columns: from_code, to_code, split (True when the org was divided and cannot be assigned to one successor).
    Split orgs appear once per successor.
    """
    rows = [
        (code, target, len(targets) > 1)
        for code, targets in successor_map(from_year, to_year, org_type).items()
        for target in targets
    ]
    return pd.DataFrame(rows, columns=["from_code", "to_code", "split"])
