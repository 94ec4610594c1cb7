"""The slice of our own sample that R's survey package re-estimates (fixture ``sample_2021_vsr``).

Municipalities of wave 2021-vsr from ``analysis_respondents``: design columns, size class as the domain and a few
headline items. ``python tests/r/make_sample_slice.py WAREHOUSE OUT.csv`` writes it; then
``Rscript tests/r/survey_golden.R csv OUT.csv OUT.json`` gives the golden values.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

WAVE = "2021-vsr"
ITEMS = [
    "barriers_resources",
    "barriers_capacity",
    "barriers_competence",
    "barriers_national_guidance",
    "maturity_stage_ge3",
    "sdg_prioritised_13",
    "maturity_self_score",
]


def sample_slice(analysis: pd.DataFrame) -> pd.DataFrame:
    """One row per responding municipality of 2021-vsr with stratum, N_h, weight, group (size class), population
    and the items (NaN = not answered)."""
    data = analysis[(analysis["wave"] == WAVE) & (analysis["org_type"] == "kommune")].sort_values("org_code")
    out = pd.DataFrame(
        {
            "org_code": data["org_code"].astype(str),
            "stratum": data["stratum"].astype(str),
            "N_h": data["N_h"].astype(int),
            "weight": data["weight"].astype(float),
            "group": data["size_class"].astype(int).astype(str),
            "population": data["population"].astype(int),
        }
    )
    for item in ITEMS:
        out[item] = data[item].astype(float)
    return out.reset_index(drop=True)


def write_slice(frame: pd.DataFrame, path: Path) -> None:
    """CSV with full float precision and NA for missing (what the R script reads)."""
    frame.to_csv(path, index=False, na_rep="NA", float_format="%.17g")


if __name__ == "__main__":
    import duckdb

    con = duckdb.connect(sys.argv[1], read_only=True)
    write_slice(sample_slice(con.execute("SELECT * FROM analysis_respondents").df()), Path(sys.argv[2]))
