"""Vectorised core: agreement with a plain per-item reference, item non-response, boundaries, shapes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pipeline.survey import (
    SurveyDesign,
    SurveyError,
    differences,
    means,
    proportions,
    ratios,
    svyby,
    svyciprop,
    svydesign,
    svydiff,
    totals,
)
from pipeline.survey.estimators import linearise


@pytest.fixture(scope="module")
def data() -> tuple[SurveyDesign, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(42)
    N_h = np.array([50, 30, 20, 12, 9])
    n_h = np.array([20, 10, 8, 12, 4])  # stratum 4 is a census
    strata = np.repeat(np.arange(5), n_h)
    n = strata.size
    w = (N_h / n_h)[strata]
    design = SurveyDesign(strata=strata, stratum_labels=tuple("abcde"), weights=w, fpc=N_h[strata].astype(float))
    Y = (rng.random((n, 7)) < rng.random(7)).astype(float)
    Y[rng.random((n, 7)) < 0.15] = np.nan
    D = np.column_stack([rng.random(n) < 0.5, rng.random(n) < 0.3, np.ones(n, dtype=bool)])
    pop = np.round(rng.lognormal(8, 1, n))
    return design, Y, D, pop


def reference_ratio(design: SurveyDesign, y: np.ndarray, x: np.ndarray, d: np.ndarray) -> tuple[float, float]:
    """Straight textbook loop: r = Σwy/Σwx over domain ∧ answered; var = Σ_h c_h Σ (z − z̄_h)²."""
    m = d & ~np.isnan(y) & ~np.isnan(x)
    w = design.weights
    r = (w[m] * y[m]).sum() / (w[m] * x[m]).sum()
    z = np.zeros(design.n)
    z[m] = w[m] * (y[m] - r * x[m]) / (w[m] * x[m]).sum()
    var = 0.0
    for h in range(design.n_strata):
        idx = design.strata == h
        nh, Nh = idx.sum(), design.N_h[h]
        var += (1 - nh / Nh) * nh / (nh - 1) * ((z[idx] - z[idx].mean()) ** 2).sum()
    return r, math.sqrt(var)


def test_matrix_call_equals_reference_loop(data) -> None:
    design, Y, D, _ = data
    est = means(design, Y, domains=D)
    assert est.shape == (3, 7)
    for g in range(3):
        for j in range(7):
            r, se = reference_ratio(design, Y[:, j], np.ones(design.n), D[:, g])
            assert est.estimate[g, j] == pytest.approx(r, abs=1e-14)
            assert est.se[g, j] == pytest.approx(se, abs=1e-14)
            m = D[:, g] & ~np.isnan(Y[:, j])
            assert est.n[g, j] == m.sum()
            assert est.df[g, j] == m.sum() - len(np.unique(design.strata[m]))
            assert est.N[g, j] == pytest.approx(design.weights[D[:, g]].sum())


def test_ratio_matrix_equals_reference(data) -> None:
    design, Y, D, pop = data
    est = ratios(design, Y * pop[:, None], pop, domains=D)
    for g in range(3):
        for j in range(7):
            r, se = reference_ratio(design, Y[:, j] * pop, pop, D[:, g])
            assert est.estimate[g, j] == pytest.approx(r, abs=1e-14)
            assert est.se[g, j] == pytest.approx(se, abs=1e-14)
    shares = proportions(design, Y, size=pop, domains=D, ci="wald")
    np.testing.assert_allclose(shares.estimate, est.estimate, rtol=0, atol=1e-15)
    np.testing.assert_allclose(shares.se, est.se, rtol=0, atol=1e-15)


def test_single_item_calls_equal_matrix_call(data) -> None:
    design, Y, D, _ = data
    full = proportions(design, Y, domains=D)
    for j in range(Y.shape[1]):
        one = proportions(design, Y[:, j], domains=D[:, 1])
        for f in ("estimate", "se", "ci_low", "ci_high", "df"):
            np.testing.assert_allclose(getattr(one, f)[0, 0], getattr(full, f)[1, j], rtol=0, atol=1e-15)


def test_item_nonresponse_is_the_answered_domain(data) -> None:
    design, Y, _, _ = data
    y = Y[:, 0]
    answered = ~np.isnan(y)
    a = means(design, y)
    b = means(design, np.nan_to_num(y), domains=answered)
    c = means(design, np.nan_to_num(y), answered=answered)
    for f in ("estimate", "se", "n", "df"):
        assert getattr(a, f)[0, 0] == pytest.approx(getattr(b, f)[0, 0], abs=1e-15)
        assert getattr(a, f)[0, 0] == pytest.approx(getattr(c, f)[0, 0], abs=1e-15)
    # N stays the population of the domain, not of the answering units
    assert a.N[0, 0] == pytest.approx(design.weights.sum())
    assert b.N[0, 0] == pytest.approx(design.weights[answered].sum())
    with pytest.raises(SurveyError, match="answered is true"):
        means(design, y, answered=np.ones(design.n, dtype=bool))


def test_totals_match_reference(data) -> None:
    design, Y, D, _ = data
    est = totals(design, Y, domains=D)
    y = Y[:, 2]
    m = D[:, 0] & ~np.isnan(y)
    z = np.where(m, design.weights * np.nan_to_num(y), 0.0)
    assert est.estimate[0, 2] == pytest.approx(z.sum(), abs=1e-12)
    assert est.se[0, 2] ** 2 == pytest.approx(float(design.variance(z)), rel=1e-13)


def test_differences_vectorised(data) -> None:
    design, Y, D, _ = data
    a = D[:, :2]
    b = ~D[:, :2]
    est = differences(design, Y, domains_a=a, domains_b=b)
    assert est.shape == (2, 7)
    one = differences(design, Y[:, 3], domains_a=a[:, 1], domains_b=b[:, 1])
    assert one.estimate[0, 0] == pytest.approx(est.estimate[1, 3], abs=1e-15)
    assert one.se[0, 0] == pytest.approx(est.se[1, 3], abs=1e-15)
    ma = means(design, Y[:, 3], domains=a[:, 1])
    mb = means(design, Y[:, 3], domains=b[:, 1])
    assert est.extra["estimate_a"][1, 3] == ma.estimate[0, 0]
    assert est.extra["estimate_b"][1, 3] == mb.estimate[0, 0]
    z = stats.norm.ppf(0.975)
    assert est.ci_high[1, 3] - est.estimate[1, 3] == pytest.approx(z * est.se[1, 3], rel=1e-12)
    assert np.isnan(est.df).all()


def test_boundary_proportions_use_korn_graubard_with_n(data) -> None:
    design, _, _, pop = data
    y = np.zeros(design.n)
    y[design.strata == 0] = 1.0  # exactly 1 in stratum a, exactly 0 elsewhere
    dom_one = design.strata == 0
    dom_zero = design.strata == 1
    est = proportions(design, y, domains=np.column_stack([dom_one, dom_zero]))
    assert est.estimate[0, 0] == 1.0 and est.estimate[1, 0] == 0.0
    assert est.se[0, 0] == 0.0 and est.se[1, 0] == 0.0
    # p = 1: n = 20, df = 20 − 1 = 19 → n* = 20 (t ratio 1) → lower = 0.025^(1/20)
    assert est.ci_low[0, 0] == pytest.approx(0.025 ** (1 / 20), abs=1e-15)
    assert est.ci_high[0, 0] == 1.0
    # p = 0: n = 10, df = 9 → upper = 1 − 0.025^(1/10)
    assert est.ci_low[1, 0] == 0.0
    assert est.ci_high[1, 0] == pytest.approx(1 - 0.025 ** (1 / 10), abs=1e-15)
    beta = proportions(design, y, domains=np.column_stack([dom_one, dom_zero]), ci="beta")
    np.testing.assert_array_equal(beta.ci_low, est.ci_low)
    # size-weighted shares hit the boundary exactly as well
    share = proportions(design, y, size=pop, domains=dom_one)
    assert share.estimate[0, 0] == 1.0
    assert share.ci_low[0, 0] == pytest.approx(0.025 ** (1 / 20), abs=1e-15)


def test_boundary_spanning_strata_adjusts_df(data) -> None:
    design, _, _, _ = data
    y = np.zeros(design.n)
    dom = np.isin(design.strata, [0, 1])  # n = 30 units in 2 strata: df = 28
    est = proportions(design, y, domains=dom)
    t29, t28 = stats.t.ppf(0.025, 29), stats.t.ppf(0.025, 28)
    n_star = 30 * (t29 / t28) ** 2
    assert est.df[0, 0] == 28
    assert est.ci_high[0, 0] == pytest.approx(1 - 0.025 ** (1 / n_star), abs=1e-14)


def test_census_domain_has_zero_variance(data) -> None:
    design, Y, _, _ = data
    y = np.nan_to_num(Y[:, 0])
    y[design.strata == 3] = [1, 0] * 6
    est = proportions(design, y, domains=design.strata == 3)
    assert est.estimate[0, 0] == pytest.approx(0.5)
    assert est.se[0, 0] == 0.0
    assert est.ci_low[0, 0] == pytest.approx(0.5) and est.ci_high[0, 0] == pytest.approx(0.5)


def test_empty_domain_and_tiny_domain(data) -> None:
    design, Y, _, _ = data
    y = np.nan_to_num(Y[:, 0])
    nobody = np.zeros(design.n, dtype=bool)
    est = proportions(design, y, domains=nobody)
    assert np.isnan(est.estimate[0, 0]) and np.isnan(est.ci_low[0, 0]) and est.n[0, 0] == 0
    one = np.zeros(design.n, dtype=bool)
    one[0] = True
    est = proportions(design, y, domains=one)  # n = 1, df = 0 → no interval (R gives NaN too)
    assert est.n[0, 0] == 1 and est.df[0, 0] == 0
    assert np.isnan(est.ci_low[0, 0]) and np.isnan(est.ci_high[0, 0])


def test_population_override(data) -> None:
    design, Y, D, _ = data
    est = means(design, Y, domains=D, population=np.array([100.0, 50.0, 121.0]))
    assert est.N[:, 0].tolist() == [100.0, 50.0, 121.0]
    with pytest.raises(SurveyError, match="one count per domain"):
        means(design, Y, domains=D, population=np.array([1.0]))


def test_input_validation(data) -> None:
    design, Y, _, _ = data
    with pytest.raises(SurveyError, match="0/1"):
        proportions(design, Y * 2)
    with pytest.raises(SurveyError, match="shape"):
        means(design, Y[:-1])
    with pytest.raises(SurveyError, match="boolean"):
        means(design, Y, domains=np.ones(design.n))
    with pytest.raises(SurveyError, match="proportions in"):
        ratios(design, np.nan_to_num(Y[:, 0]) + 5, np.ones(design.n), ci="logit")
    with pytest.raises(SurveyError, match="unknown interval"):
        means(design, Y, ci="exact")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="level"):
        means(design, Y, level=95)
    lin = linearise(design, Y)
    assert lin.z.shape == (design.n, 1, Y.shape[1])


def test_to_frame(data) -> None:
    design, Y, D, _ = data
    est = proportions(design, Y[:, :2], domains=D[:, :2])
    df = est.to_frame(items=["q1", "q2"], domains=["x", "y"])
    assert df.shape == (4, 9)
    assert df["item"].tolist() == ["q1", "q2", "q1", "q2"]
    assert df["domain"].tolist() == ["x", "x", "y", "y"]
    assert df.loc[3, "estimate"] == est.estimate[1, 1]


def test_dataframe_api_by_several_columns_and_population() -> None:
    rng = np.random.default_rng(3)
    n = 40
    df = pd.DataFrame(
        {
            "h": np.repeat(["a", "b", "c", "d"], 10),
            "N": np.repeat([30, 20, 15, 10], 10),
            "size": rng.choice([1, 2], n),
            "kind": rng.choice(["k", "f"], n),
            "y": rng.integers(0, 2, n).astype(float),
        }
    )
    df["w"] = df["N"] / 10
    df.loc[3, "kind"] = None
    design = svydesign(df, strata="h", fpc="N", weights="w")
    by = svyby(design, "y", ["size", "kind"], statistic="ciprop")
    assert len(by) == 4
    assert list(by.columns[:3]) == ["size", "kind", "variable"]
    row = by[(by["size"] == 2) & (by["kind"] == "f")].iloc[0]
    dom = (df["size"] == 2) & (df["kind"] == "f")
    direct = svyciprop(design, "y", domain=dom.to_numpy()).iloc[0]
    assert row["estimate"] == direct["estimate"] and row["ci_low"] == direct["ci_low"]
    pop = svyby(design, "y", "size", population={1: 40.0, 2: 35.0})
    assert pop["N"].tolist() == [40.0, 35.0]
    d = svydiff(design, ["y"], 1, 2, by="size").iloc[0]
    assert d["a"] == 1 and d["b"] == 2
    assert d["estimate"] == pytest.approx(pop["estimate"].iloc[0] - pop["estimate"].iloc[1], abs=1e-15)
