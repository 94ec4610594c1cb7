"""SurveyDesign and the estimators on a hand-computed 2-stratum, 5-unit design."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pipeline.survey import (
    SurveyDesign,
    SurveyError,
    svyby,
    svyciprop,
    svydesign,
    svydiff,
    svymean,
    svytotal,
)


@pytest.fixture
def small() -> SurveyDesign:
    """Stratum 1: N = 10, n = 3, y = 1, 0, 1, w = 10/3.  Stratum 2: N = 4, n = 2, y = 0, 1, w = 2.

    Domain d = units u1, u2 (stratum 1) and u5 (stratum 2).
    """
    data = pd.DataFrame(
        {
            "unit": ["u1", "u2", "u3", "u4", "u5"],
            "h": ["s1", "s1", "s1", "s2", "s2"],
            "N_h": [10, 10, 10, 4, 4],
            "w": [10 / 3, 10 / 3, 10 / 3, 2.0, 2.0],
            "y": [1, 0, 1, 0, 1],
            "d": [True, True, False, False, True],
        }
    )
    return svydesign(data, strata="h", fpc="N_h", weights="w")


def test_hand_computed_mean(small: SurveyDesign) -> None:
    # Σw = 10 + 4 = 14; Σwy = 2·10/3 + 2 = 26/3; p = (26/3)/14 = 13/21.
    # z_i = w_i (y_i − p) / Σw.
    # Stratum 1: y − p = 8/21, −13/21, 8/21; w/Σw = 5/21  → z = (40, −65, 40)/441, mean 5/441,
    #   deviations (35, −70, 35)/441, Σ dev² = 7350/441²; c_1 = (1 − 3/10)·3/2 = 1.05 → 7717.5/441².
    # Stratum 2: y − p = −13/21, 8/21; w/Σw = 1/7 → z = (−39, 24)/441, mean −7.5/441,
    #   deviations ±31.5/441, Σ dev² = 1984.5/441²; c_2 = (1 − 2/4)·2/1 = 1 → 1984.5/441².
    # var = 9702/441² = 22/441, se = √22/21.
    r = svymean(small, "y").iloc[0]
    assert r["estimate"] == pytest.approx(13 / 21, abs=1e-15)
    assert r["se"] == pytest.approx(math.sqrt(22) / 21, abs=1e-15)
    z = stats.norm.ppf(0.975)
    assert r["ci_low"] == pytest.approx(13 / 21 - z * math.sqrt(22) / 21, abs=1e-14)
    assert r["ci_high"] == pytest.approx(13 / 21 + z * math.sqrt(22) / 21, abs=1e-14)
    assert r["n"] == 5 and r["df"] == 3
    assert r["N"] == pytest.approx(14)
    assert small.degf == 3


def test_hand_computed_logit_ci(small: SurveyDesign) -> None:
    # logit interval: logit(p) = ln(13/8); se_logit = se/(p(1−p)) = (√22/21)/(104/441) = 21√22/104;
    # t quantile on degf = 5 − 2 = 3.
    r = svyciprop(small, "y").iloc[0]
    half = stats.t.ppf(0.975, 3) * 21 * math.sqrt(22) / 104
    expit = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    assert r["ci_low"] == pytest.approx(expit(math.log(13 / 8) - half), abs=1e-14)
    assert r["ci_high"] == pytest.approx(expit(math.log(13 / 8) + half), abs=1e-14)


def test_hand_computed_total(small: SurveyDesign) -> None:
    # t = Σ w y = 26/3; z_i = w_i y_i.
    # Stratum 1: z = 10/3, 0, 10/3, mean 20/9, deviations 10/9, −20/9, 10/9, Σ dev² = 600/81, × 1.05 = 70/9.
    # Stratum 2: z = 0, 2, deviations ∓1, Σ dev² = 2, × 1 = 2.  var = 70/9 + 2 = 88/9.
    r = svytotal(small, "y").iloc[0]
    assert r["estimate"] == pytest.approx(26 / 3, abs=1e-14)
    assert r["se"] == pytest.approx(math.sqrt(88 / 9), abs=1e-14)


def test_hand_computed_domain_mean(small: SurveyDesign) -> None:
    # Domain {u1, u2, u5}: Σwd = 26/3, Σwdy = 16/3, p = 8/13.
    # z_i = w_i d_i (y_i − 8/13) / (26/3):
    #   stratum 1: u1 = 25/169, u2 = −40/169, u3 = 0 (outside, but still counted in n_1 = 3);
    #     mean −5/169, deviations (30, −35, 5)/169, Σ dev² = 2150/169², × 1.05 = 2257.5/169².
    #   stratum 2: u4 = 0, u5 = 15/169; deviations ±7.5/169, Σ dev² = 112.5/169², × 1.
    # var = 2370/169², se = √2370/169; domain df = n_d − H_d = 3 − 2 = 1.
    r = svymean(small, "y", domain="d").iloc[0]
    assert r["estimate"] == pytest.approx(8 / 13, abs=1e-15)
    assert r["se"] == pytest.approx(math.sqrt(2370) / 169, abs=1e-15)
    assert r["n"] == 3 and r["df"] == 1
    assert r["N"] == pytest.approx(26 / 3)
    # the same through svyby and through a NaN item (non-response = leaving the domain)
    by = svyby(small, "y", "d")
    row = by[by["d"]].iloc[0]
    assert row["estimate"] == pytest.approx(8 / 13, abs=1e-15)
    assert row["se"] == pytest.approx(math.sqrt(2370) / 169, abs=1e-15)
    data = small.data.assign(y_na=small.data["y"].where(small.data["d"]))
    d2 = svydesign(data, strata="h", fpc="N_h", weights="w")
    r2 = svymean(d2, "y_na").iloc[0]
    assert r2["estimate"] == pytest.approx(8 / 13, abs=1e-15)
    assert r2["se"] == pytest.approx(math.sqrt(2370) / 169, abs=1e-15)
    assert r2["n"] == 3


def test_difference_uses_joint_linearisation(small: SurveyDesign) -> None:
    # a = domain d, b = its complement {u3, u4}; var(a − b) = Σ_h c_h Σ (z_a − z_b − mean)²,
    # which includes the (non-zero) covariance between the two domain means.
    d = small.data["d"].to_numpy()
    diff = svydiff(small, "y", d, ~d).iloc[0]
    a = svymean(small, "y", domain=d).iloc[0]
    b = svymean(small, "y", domain=~d).iloc[0]
    assert diff["estimate"] == pytest.approx(a["estimate"] - b["estimate"], abs=1e-15)
    w, y, h = small.weights, small.column("y"), small.strata
    za = w * d * (y - a["estimate"]) / (w * d).sum()
    zb = w * ~d * (y - b["estimate"]) / (w * ~d).sum()
    zdiff = za - zb
    var = 0.0
    for s, c in ((0, 1.05), (1, 1.0)):
        zz = zdiff[h == s]
        var += c * ((zz - zz.mean()) ** 2).sum()
    assert diff["se"] == pytest.approx(math.sqrt(var), abs=1e-15)
    independent = math.sqrt(a["se"] ** 2 + b["se"] ** 2)
    assert abs(diff["se"] - independent) > 1e-6  # the covariance term matters here


def test_design_is_immutable(small: SurveyDesign) -> None:
    with pytest.raises(ValueError):
        small.weights[0] = 1.0
    with pytest.raises(AttributeError):
        small.weights = np.ones(5)  # type: ignore[misc]


def test_design_validation() -> None:
    base = dict(strata=np.array([0, 0, 1, 1]), stratum_labels=("a", "b"), weights=np.full(4, 2.0))
    SurveyDesign(**base, fpc=np.array([4.0, 4.0, 4.0, 4.0]))
    with pytest.raises(SurveyError, match="single sampled unit"):
        SurveyDesign(strata=np.array([0, 0, 1]), stratum_labels=("a", "b"), weights=np.ones(3))
    with pytest.raises(SurveyError, match="constant"):
        SurveyDesign(**base, fpc=np.array([4.0, 5.0, 4.0, 4.0]))
    with pytest.raises(SurveyError, match=">= n_h"):
        SurveyDesign(**base, fpc=np.array([1.0, 1.0, 4.0, 4.0]))
    with pytest.raises(SurveyError, match="weights"):
        SurveyDesign(strata=base["strata"], stratum_labels=("a", "b"), weights=np.array([1.0, 0, 1, 1]))
    with pytest.raises(SurveyError, match="without sampled units"):
        SurveyDesign(strata=base["strata"], stratum_labels=("a", "b", "c"), weights=np.ones(4))
    assert isinstance(SurveyError("x"), ValueError)


def test_no_fpc_is_with_replacement() -> None:
    d = SurveyDesign(strata=np.array([0, 0, 1, 1]), stratum_labels=("a", "b"), weights=np.full(4, 2.0))
    # var of the total: stratum factor n/(n−1) = 2; z = 2y.
    v = d.variance(np.array([2.0, 0.0, 2.0, 2.0]))
    assert v == pytest.approx(2 * 2.0)  # stratum a: deviations ±1 → 2 × 2; stratum b: 0
