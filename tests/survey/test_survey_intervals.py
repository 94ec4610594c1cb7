"""Interval helpers against values printed by R (qt, qnorm, qbeta) and their edge cases."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import betaincinv, expit, logit

from pipeline.survey.intervals import boundary_ci, korn_graubard_ci, logit_ci, t_quantile, wald_ci, z_quantile


def test_quantiles_match_r() -> None:
    # R: qnorm(0.975); qt(0.975, c(1, 5, 197)); print(..., digits = 17)
    assert z_quantile(0.95) == pytest.approx(1.9599639845400536, abs=1e-15)
    np.testing.assert_allclose(
        t_quantile(np.array([1, 5, 197]), 0.95),
        [12.7062047361746941, 2.5705818356363137, 1.9720790337785010],
        rtol=1e-14,
    )
    # R: qbeta(0.025, 2.5, 3.5)
    assert betaincinv(2.5, 3.5, 0.025) == pytest.approx(0.094390327344344077, rel=1e-14)
    assert np.isnan(t_quantile(0, 0.95)) and np.isnan(t_quantile(-1, 0.95))


def test_wald_and_logit() -> None:
    low, high = wald_ci(np.array([0.5]), np.array([0.1]), 0.9)
    assert high[0] - 0.5 == pytest.approx(1.6448536269514722 * 0.1, rel=1e-14)
    p, se, df = 0.3, 0.05, 12
    low, high = logit_ci(p, se, df, 20)
    half = t_quantile(df) * se / (p * (1 - p))
    assert low == pytest.approx(expit(logit(p) - half), abs=1e-15)
    assert high == pytest.approx(expit(logit(p) + half), abs=1e-15)
    low, high = logit_ci(p, se, 0, 20)
    assert np.isnan(low) and np.isnan(high)


def test_boundary_rule() -> None:
    low, high = boundary_ci(np.array([0.0, 1.0, 0.4]), np.array([7, 7, 7]), np.array([8, 8, 8]))
    assert low[0] == 0.0 and high[1] == 1.0
    assert high[0] == pytest.approx(1 - 0.025 ** (1 / 8), abs=1e-15)  # df = n − 1: no adjustment
    assert low[1] == pytest.approx(0.025 ** (1 / 8), abs=1e-15)
    assert np.isnan(low[2]) and np.isnan(high[2])
    low, high = boundary_ci(0.0, 5, 1)  # n = 1: no t_{0}
    assert np.isnan(low) and np.isnan(high)


def test_korn_graubard_inner_and_census() -> None:
    low, high = korn_graubard_ci(np.array([0.3, 0.3]), np.array([0.05, 0.0]), 10, 12)
    assert 0 < low[0] < 0.3 < high[0] < 1
    assert low[1] == high[1] == 0.3


def test_level_validation() -> None:
    with pytest.raises(ValueError):
        z_quantile(1.0)
