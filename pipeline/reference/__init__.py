"""Real reference data packaged with the code (SSB, Kartverket, UN; see SOURCES.md for sources and licences).

Every loader returns a fresh DataFrame with codes as zero-padded text (``"0301"``, ``"03"``).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

ATTRIBUTION = (
    "Kommuneinndeling, befolkning og sentralitet: Statistisk sentralbyrå (SSB), NLOD 2.0 / CC BY 4.0; "
    "kommune- og fylkesnavn: Kartverket, CC BY 4.0; bærekraftsmål og delmål: FN (A/RES/70/1), "
    "oversettelser fra open-sdg (MIT) og FN-sambandet."
)
ATTRIBUTION_EN = (
    "Municipal structure, population and centrality: Statistics Norway (SSB), NLOD 2.0 / CC BY 4.0; "
    "municipality and county names: Norwegian Mapping Authority (Kartverket), CC BY 4.0; SDG goals and "
    "targets: United Nations (A/RES/70/1), translations from open-sdg (MIT) and FN-sambandet."
)

_TEXT_COLUMNS = {
    "kommunenummer",
    "kommunenummer_2019",
    "kommunenummer_2020",
    "kommunenummer_2023",
    "kommunenummer_2024",
    "county_number",
    "county_number_2019",
    "county_number_2020",
    "county_number_2023",
    "county_number_2024",
    "organisasjonsnummer",
    "predecessors_2019",
    "target",
    "valid_in",
}


@cache
def _read(name: str) -> pd.DataFrame:
    with resources.files(__package__).joinpath(name).open("rb") as handle:
        header = pd.read_csv(handle, nrows=0).columns
    dtypes = {col: "str" for col in header if col in _TEXT_COLUMNS}
    with resources.files(__package__).joinpath(name).open("rb") as handle:
        # "true"/"false" columns are read as booleans by pandas' default true/false values.
        return pd.read_csv(handle, dtype=dtypes, keep_default_na=False, na_values=[""])


def load(name: str) -> pd.DataFrame:
    """One reference table by file stem, e.g. ``load("municipalities_2020")``."""
    return _read(f"{name}.csv").copy()


def sources_text() -> str:
    """The full SOURCES.md (sources, licences and known gaps of the reference data)."""
    return resources.files(__package__).joinpath("SOURCES.md").read_text(encoding="utf-8")
