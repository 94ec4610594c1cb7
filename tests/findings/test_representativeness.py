"""Respondents against the population (finding_response_rates): group shares before and after weighting and the
dissimilarity index, recomputed by hand from the weighting table."""

import numpy as np
import pytest

WAVE, ORG_TYPE = "2021-vsr", "kommune"


@pytest.fixture(scope="module")
def rows(sample_tables):
    r = sample_tables["finding_response_rates"]
    return r[(r["wave"] == WAVE) & (r["org_type"] == ORG_TYPE)]


@pytest.fixture(scope="module")
def frame(sample_tables):
    f = sample_tables["weighting_strata"]
    return f[(f["wave"] == WAVE) & (f["org_type"] == ORG_TYPE)]


def value(rows, breakdown: str, grp: str, item: str) -> float:
    hit = rows[(rows["breakdown"] == breakdown) & (rows["grp"] == grp) & (rows["item"] == item)]
    assert len(hit) == 1, (breakdown, grp, item)
    return float(hit["estimate"].iloc[0])


@pytest.mark.parametrize("breakdown, column", [("centrality_class", "centrality_class"), ("size_class", "size_class")])
def test_group_shares_and_dissimilarity_by_hand(rows, frame, breakdown, column):
    complete = frame["status"] == "complete"
    weight = frame["weight"].where(complete, 0.0)
    gaps_before, gaps_after = [], []
    for cls in sorted(frame[column].dropna().unique()):
        in_group = frame[column] == cls
        population = in_group.mean()
        respondents = (in_group & complete).sum() / complete.sum()
        weighted = weight[in_group].sum() / weight.sum()
        grp = str(int(cls))
        assert value(rows, breakdown, grp, "population_share") == pytest.approx(population, abs=1e-12)
        assert value(rows, breakdown, grp, "respondent_share") == pytest.approx(respondents, abs=1e-12)
        assert value(rows, breakdown, grp, "weighted_share") == pytest.approx(weighted, abs=1e-12)
        gaps_before.append(abs(respondents - population))
        gaps_after.append(abs(weighted - population))
    before = value(rows, breakdown, "all", "dissimilarity_unweighted")
    after = value(rows, breakdown, "all", "dissimilarity_weighted")
    assert before == pytest.approx(sum(gaps_before) / 2, abs=1e-12)
    assert after == pytest.approx(sum(gaps_after) / 2, abs=1e-12)
    assert after < before  # the sample over-represents large and central municipalities; weighting pulls it back


def test_weighting_reproduces_the_strata_exactly(rows):
    assert value(rows, "stratum", "all", "dissimilarity_weighted") == pytest.approx(0.0, abs=1e-12)
    assert value(rows, "stratum", "all", "dissimilarity_unweighted") > 0.1
    shares = rows[(rows["breakdown"] == "stratum") & (rows["item"] == "weighted_share")]["estimate"]
    assert np.isclose(shares.sum(), 1.0)


def test_representativeness_rows_are_census_rows(rows):
    """No interval and never suppressed, whatever the group's n (they describe, they do not estimate)."""
    mine = rows[rows["item"].isin(["population_share", "respondent_share", "weighted_share"])]
    assert len(mine) > 50 and mine["se"].isna().all() and not mine["suppressed"].any()
    assert (mine["n_respondents"] < 5).any()  # small groups are shown too
