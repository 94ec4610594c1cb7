"""The blocking checks on findings tables catch what they are meant to catch, and pass the sample's real tables."""

import math

import pandas as pd

from pipeline.findings import checks

NAN = math.nan


def _rows(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["item", "measure", "estimate", "ci_low", "ci_high", "suppressed", "n_respondents"]
    )


def test_shares_outside_the_unit_interval_fail_and_scores_and_gaps_do_not():
    rows = _rows(
        ("barrier_capacity", "proportion", 0.4, 0.3, 0.5, False, 40),  # fine
        ("barrier_time", "proportion", 0.98, 0.9, 1.0000000001, False, 40),  # rounding: fine
        ("barrier_money", "proportion", 1.2, 1.1, 1.3, False, 40),  # bad estimate
        ("barrier_staff", "proportion", 0.5, -0.05, 0.9, False, 40),  # bad lower bound
        ("barrier_extent_score", "mean", 3.2, 2.9, 3.5, False, 40),  # scores are not bounded here
        ("barrier_capacity", "difference", -0.5, -0.8, -0.2, False, 40),  # a difference may be negative
        ("barrier_time", "difference", 0.2, -1.1, 0.9, False, 40),  # but not below -1
        ("barrier_extent_score", "difference", 1.5, 1.0, 2.0, False, 40),  # a difference of scores is unbounded
        ("barrier_other", "proportion", NAN, NAN, NAN, True, 2),  # suppressed: nothing to check
    )
    outcome = checks.estimates_in_unit_interval(rows)
    assert not outcome.passed
    assert sorted(outcome.offending.index.tolist()) == [2, 3, 6]
    assert outcome.description == "3 of 7 shares outside their range"  # 5 proportions, 2 differences of shares
    assert checks.estimates_in_unit_interval(rows.drop(index=[2, 3, 6])).passed


def test_an_interval_that_excludes_its_estimate_fails():
    rows = _rows(
        ("a", "proportion", 0.4, 0.3, 0.5, False, 40),
        ("b", "proportion", 0.6, 0.3, 0.5, False, 40),
        ("c", "proportion", 0.2, NAN, NAN, False, 40),  # no interval: not judged
    )
    outcome = checks.intervals_contain_estimates(rows)
    assert not outcome.passed
    assert outcome.offending["item"].tolist() == ["b"]


def test_suppressed_cells_with_values_and_published_small_cells_fail():
    rows = _rows(
        ("a", "proportion", NAN, NAN, NAN, True, 3),  # correctly withheld
        ("b", "proportion", 0.5, NAN, NAN, True, 3),  # withheld but leaks its estimate
        ("c", "proportion", 0.5, 0.2, 0.8, False, 3),  # published below min n
        ("response_rate", "proportion", 0.5, NAN, NAN, False, 3),  # census counts are exempt
    )
    rows["se"] = [NAN, NAN, 0.1, NAN]
    outcome = checks.suppressed_cells_are_empty(rows, min_n=5)
    assert not outcome.passed
    assert outcome.offending["item"].tolist() == ["b", "c"]
    assert outcome.metadata == {"suppressed": 2}


def test_the_sample_findings_pass_every_check(sample_tables):
    for name in ("finding_barriers", "finding_maturity", "finding_goal_coverage", "finding_trends"):
        rows = sample_tables[name]
        assert checks.estimates_in_unit_interval(rows).passed, name
        assert checks.intervals_contain_estimates(rows).passed, name
    strata = sample_tables["weighting_strata"]
    assert checks.weights_reproduce_totals(strata).passed
    broken = strata.copy()
    first = broken.index[broken["status"] == "complete"][0]
    broken.loc[first, "weight"] += 0.5
    outcome = checks.weights_reproduce_totals(broken)
    assert not outcome.passed
    assert len(outcome.offending) == 1
