"""Write the small synthetic design used as the second R golden fixture (seeded, deterministic).

Run from the repository root:  .venv/bin/python tests/survey/make_synthetic_fixture.py
then:                          Rscript tests/r/survey_golden.R csv tests/fixtures/r_survey/synthetic.csv \
                                   tests/fixtures/r_survey/synthetic.json

60 respondents in 5 strata (one stratum is a census, n_h = N_h), weights N_h / n_h, a group column with
three levels, four 0/1 items with item non-response (NA), a boundary case p = 0 (q3 in group C) and
p = 1 (q4 in group A), and a population column (inhabitants).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "fixtures" / "r_survey" / "synthetic.csv"

STRATA = {"S1": (40, 16), "S2": (25, 12), "S3": (12, 10), "S4": (8, 8), "S5": (30, 14)}


def make(seed: int = 20250614) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for label, (N_h, n_h) in STRATA.items():
        for _ in range(n_h):
            rows.append({"stratum": label, "N_h": N_h, "weight": N_h / n_h})
    df = pd.DataFrame(rows)
    n = len(df)
    df.insert(0, "org_code", [f"U{i:03d}" for i in range(1, n + 1)])
    df["group"] = rng.choice(np.array(["A", "B", "C"]), size=n, p=[0.35, 0.4, 0.25])
    df["population"] = np.maximum(200, np.round(rng.lognormal(8.5, 1.1, size=n))).astype(int)

    def item(p: float, na: float) -> pd.Series:
        y = (rng.random(n) < p).astype(float)
        y[rng.random(n) < na] = np.nan
        return pd.Series(y).astype("Int64")

    df["q1"] = item(0.4, 0.0)
    df["q2"] = item(0.7, 0.15)
    q3 = item(0.12, 0.1)
    q3[(df["group"] == "C") & q3.notna()] = 0
    df["q3"] = q3
    q4 = item(0.85, 0.1)
    q4[(df["group"] == "A") & q4.notna()] = 1
    df["q4"] = q4
    return df


if __name__ == "__main__":
    frame = make()
    frame.to_csv(OUT, index=False, na_rep="NA")
    print(f"wrote {OUT} ({len(frame)} rows)")
