"""pipeline.survey against R ``survey`` golden values (committed JSON; R itself only for the ``r`` test).

Fixtures (tests/fixtures/r_survey, written by tests/r/survey_golden.R):
* apistrat.csv/.json — R's own ``apistrat`` (data(api)), design
  ``svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat, fpc=~fpc)``;
* synthetic.csv/.json — 60 units in 5 strata from tests/survey/make_synthetic_fixture.py.
"""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import numpy as np
import pytest
from survey_golden_helpers import (
    DEFAULT_TOLERANCE,
    FIXTURES,
    compare,
    load_csv,
    load_design,
    load_json,
    scaled_error,
)

from ks_testing import rscript_with_survey
from pipeline.survey import svymean, svyratio, svytotal

REPO = Path(__file__).resolve().parents[2]
R_SCRIPT = REPO / "tests" / "r" / "survey_golden.R"
FIXTURE_NAMES = ["apistrat", "synthetic"]


def _check(errors: list[tuple[str, float, float]]) -> None:
    bad = [(d, e, t) for d, e, t in errors if not e <= t]
    assert not bad, "differences from R beyond tolerance:\n" + "\n".join(
        f"  {d}: {e:.3g} > {t:g}" for d, e, t in bad[:20]
    )


@pytest.mark.parametrize("via_by", [False, True], ids=["domain", "svyby"])
@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_python_matches_r_fixture(name: str, via_by: bool) -> None:
    design = load_design(FIXTURES / f"{name}.csv")
    golden = load_json(FIXTURES / f"{name}.json")
    assert golden["records"], "empty fixture"
    assert design.degf == golden["meta"]["degf"]
    assert design.n == golden["meta"]["n"]
    _check(compare(design, golden, via_by=via_by))


def test_fixture_covers_the_required_statistics() -> None:
    api = load_json(FIXTURES / "apistrat.json")
    stats = {(r["statistic"], r["variable"], r["group"] is not None) for r in api["records"]}
    for needed in [
        ("mean", "api00", False),
        ("total", "enroll", False),
        ("mean", "sch_wide", False),
        ("mean", "api00", True),
        ("ciprop_logit", "sch_wide", False),
        ("ciprop_logit", "sch_wide", True),
        ("ratio", "api00", False),
        ("diff_mean", "api00", False),
        ("mean", "large_46", True),  # item with NA
        ("ciprop_boundary", "sch_wide", True),  # p = 1 among schools with awards
    ]:
        assert needed in stats, needed
    syn = load_json(FIXTURES / "synthetic.json")
    syn_stats = {r["statistic"] for r in syn["records"]}
    assert {"ciprop_boundary", "share_logit", "diff_share", "ciprop_beta"} <= syn_stats


def test_textbook_values_on_apistrat() -> None:
    """The classic calls on R's own objects equal the generic path and the Python values."""
    design = load_design(FIXTURES / "apistrat.csv")
    tb = load_json(FIXTURES / "apistrat.json")["meta"]["textbook"]
    m = svymean(design, "api00").iloc[0]
    t = svytotal(design, "enroll").iloc[0]
    r = svyratio(design, "api00", "api99").iloc[0]
    assert m["estimate"] == pytest.approx(tb["svymean_api00"][0], rel=1e-13)
    assert m["se"] == pytest.approx(tb["svymean_api00"][1], rel=1e-12)
    assert t["estimate"] == pytest.approx(tb["svytotal_enroll"][0], rel=1e-13)
    assert t["se"] == pytest.approx(tb["svytotal_enroll"][1], rel=1e-12)
    assert r["estimate"] == pytest.approx(tb["svyratio_api00_api99"][0], rel=1e-13)
    assert r["se"] == pytest.approx(tb["svyratio_api00_api99"][1], rel=1e-12)
    assert design.degf == tb["degf"] == 197
    # published R output (survey documentation): svymean(~api00, dstrat) = 662.29, SE 9.4089
    assert round(m["estimate"], 2) == 662.29 and round(m["se"], 4) == 9.4089


def test_r_boundary_behaviour_is_recorded() -> None:
    """R at p ∈ {0, 1} has no usable interval (why we use our own rule, see pipeline.survey.intervals).

    logit: a non-converged glm and a near-zero-width interval; beta: NaN (n_eff = 0/0) or, when R's
    svymean gives 1 − 1e-16 instead of 1, a zero-width interval; mean: [p, p].
    """
    for name in FIXTURE_NAMES:
        raw = load_json(FIXTURES / f"{name}.json")["r_boundary_raw"]
        assert raw
        for case in raw:
            for r in case["r"]:
                low, high = r["ci"]
                assert low is None or abs(high - low) < 1e-9, (case["variable"], case["group"], r)


def _same_json(fresh: object, committed: object, path: str = "") -> list[str]:
    """Differences between two JSON trees (numbers within 1e-12, scaled)."""
    if isinstance(committed, dict) and isinstance(fresh, dict):
        if set(fresh) != set(committed):
            return [f"{path}: keys {sorted(set(fresh) ^ set(committed))}"]
        out: list[str] = []
        for k in committed:
            if k in ("r_version",):
                continue
            out += _same_json(fresh[k], committed[k], f"{path}.{k}")
        return out
    if isinstance(committed, list) and isinstance(fresh, list):
        if len(fresh) != len(committed):
            return [f"{path}: length {len(fresh)} != {len(committed)}"]
        out = []
        for i, (a, b) in enumerate(zip(fresh, committed, strict=True)):
            out += _same_json(a, b, f"{path}[{i}]")
        return out
    if isinstance(committed, float | int) and isinstance(fresh, float | int) and not isinstance(committed, bool):
        err = scaled_error(float(committed), float(fresh))
        return [] if err <= 1e-12 or (math.isnan(err) and math.isnan(float(fresh))) else [f"{path}: {err:.3g}"]
    return [] if fresh == committed else [f"{path}: {fresh!r} != {committed!r}"]


@pytest.mark.r
def test_r_script_reproduces_fixtures_and_python(tmp_path: Path) -> None:
    """Re-run tests/r/survey_golden.R; compare with the committed fixtures and with Python."""
    rscript = rscript_with_survey()
    api = subprocess.run(
        [rscript, str(R_SCRIPT), "api", str(tmp_path)], capture_output=True, text=True, check=False, cwd=REPO
    )
    assert api.returncode == 0, api.stderr
    syn = subprocess.run(
        [rscript, str(R_SCRIPT), "csv", str(FIXTURES / "synthetic.csv"), str(tmp_path / "synthetic.json")],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert syn.returncode == 0, syn.stderr
    fresh_csv = load_csv(tmp_path / "apistrat.csv")
    committed_csv = load_csv(FIXTURES / "apistrat.csv")
    assert fresh_csv.equals(committed_csv)
    for name in FIXTURE_NAMES:
        fresh = json.loads((tmp_path / f"{name}.json").read_text(encoding="utf-8"))
        committed = load_json(FIXTURES / f"{name}.json")
        diffs = _same_json(fresh, committed)
        assert not diffs, f"{name}: R output differs from the committed fixture:\n" + "\n".join(diffs[:20])
        csv = tmp_path / "apistrat.csv" if name == "apistrat" else FIXTURES / "synthetic.csv"
        _check(compare(load_design(csv), fresh))


def test_default_tolerance_is_tight() -> None:
    assert DEFAULT_TOLERANCE <= 1e-10
    assert np.isfinite(DEFAULT_TOLERANCE)
