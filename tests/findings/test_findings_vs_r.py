"""Our published findings equal R survey's estimates on a slice of our own sample (to 1e-6).

The committed fixture ``sample_2021_vsr.json`` was computed by ``tests/r/survey_golden.R`` on
``sample_2021_vsr.csv`` (written by ``tests/r/make_sample_slice.py``). Without R the test compares the findings
tables with the committed R values; with R (CI installs r-cran-survey) it re-runs R on a freshly built slice.
"""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from ks_testing import ROOT, rscript_with_survey

sys.path.insert(0, str(ROOT / "tests" / "r"))
from make_sample_slice import ITEMS, WAVE, sample_slice, write_slice

FIXTURES = ROOT / "tests" / "fixtures" / "r_survey"
TABLE_OF = {
    "barriers_resources": "finding_barriers",
    "barriers_capacity": "finding_barriers",
    "barriers_competence": "finding_barriers",
    "barriers_national_guidance": "finding_barriers",
    "maturity_stage_ge3": "finding_maturity",
    "sdg_prioritised_13": "finding_goal_coverage",
    "maturity_self_score": "finding_maturity",
}
STATISTIC = {"ciprop_logit": "orgs", "share_logit": "inhabitants", "mean": "orgs"}
TOL = 1e-6


def finding_row(tables: dict, item: str, estimand: str, group: str | None) -> pd.Series:
    rows = tables[TABLE_OF[item]]
    breakdown, grp = ("total", "all") if group is None else ("size_class", group)
    hit = rows[
        (rows["wave"] == WAVE)
        & (rows["org_type"] == "kommune")
        & (rows["estimand"] == estimand)
        & (rows["breakdown"] == breakdown)
        & (rows["grp"] == grp)
        & (rows["item"] == item)
    ]
    assert len(hit) == 1, (item, estimand, group)
    return hit.iloc[0]


def compare(tables: dict, records: list[dict]) -> int:
    checked = 0
    for rec in records:
        stat = rec["statistic"]
        if stat not in STATISTIC or rec["variable"] not in TABLE_OF:
            continue
        if stat == "mean" and not rec["variable"].endswith("_score"):
            continue  # 0/1 items are published with logit intervals (ciprop), scores as means
        row = finding_row(tables, rec["variable"], STATISTIC[stat], rec["group"])
        if row["suppressed"]:
            assert rec["n"] < 5
            continue
        for field in ("estimate", "se", "ci_low", "ci_high"):
            assert row[field] == pytest.approx(rec[field], abs=TOL), (stat, rec["variable"], rec["group"], field)
        assert row["n_respondents"] == rec["n"]
        checked += 1
    return checked


def test_committed_slice_is_the_current_sample(sample_tables):
    fresh = sample_slice(sample_tables["analysis_respondents"])
    committed = pd.read_csv(FIXTURES / "sample_2021_vsr.csv", dtype={"org_code": str, "stratum": str, "group": str})
    pd.testing.assert_frame_equal(fresh, committed, check_dtype=False, atol=1e-12, rtol=0)


def test_findings_equal_committed_r_values(sample_tables):
    records = json.loads((FIXTURES / "sample_2021_vsr.json").read_text(encoding="utf-8"))["records"]
    checked = compare(sample_tables, records)
    # 7 items × (total + 4 size classes): logit shares of orgs and of inhabitants for 6 items, the score's mean
    assert checked >= 60


def test_weights_and_fpc_of_the_slice(sample_tables):
    """The design the R fixture uses: weights N_h / n_h add up to the 356 municipalities of the 2020 frame."""
    frame = sample_slice(sample_tables["analysis_respondents"])
    assert frame["weight"].sum() == pytest.approx(356.0, abs=1e-9)
    per_stratum = frame.groupby("stratum").agg(N=("N_h", "first"), n=("weight", "size"), w=("weight", "sum"))
    assert np.allclose(per_stratum["w"], per_stratum["N"])
    assert (per_stratum["n"] >= 2).all()


@pytest.mark.r
def test_r_reproduces_our_findings_on_the_sample(tmp_path, sample_tables):
    rscript = rscript_with_survey()
    csv = tmp_path / "sample_2021_vsr.csv"
    write_slice(sample_slice(sample_tables["analysis_respondents"]), csv)
    out = tmp_path / "sample_2021_vsr.json"
    subprocess.run(
        [rscript, str(ROOT / "tests" / "r" / "survey_golden.R"), "csv", str(csv), str(out)],
        check=True,
        capture_output=True,
    )
    records = json.loads(out.read_text(encoding="utf-8"))["records"]
    assert compare(sample_tables, records) >= 60
    assert set(ITEMS) == {r["variable"] for r in records if r["statistic"] in ("mean", "ciprop_logit")} | {
        "maturity_self_score"
    }
