"""Vectorised linearisation estimators for a stratified design (R ``survey`` semantics).

One call estimates k items (columns of an (n, k) matrix Y) in G domains (columns of an (n, G) boolean
matrix D) at once and returns (G, k) arrays; there are no Python loops over items, domains or units.

Estimators and influence values z_i (i = sampled unit, d_i = domain indicator, a_i = item answered):

* ratio  r = Σ w d a y / Σ w d a x,   z_i = w_i d_i a_i (y_i − r x_i) / Σ w d a x        (R ``svyratio``)
* mean   the ratio with x = 1 (a proportion in [0, 1] for a 0/1 item)                   (R ``svymean``)
* total  t = Σ w d a y,               z_i = w_i d_i a_i y_i                              (R ``svytotal``)

Variance: ``SurveyDesign.variance`` (stratified, FPC with N_h; n_h counts *all* sampled units of the stratum,
so a domain keeps the full design exactly like ``svyby`` / ``subset``). Item non-response: a NaN in Y (or a
false entry of ``answered``) removes the unit from that item's estimate, i.e. the item is estimated in the
domain "answered ∧ group" — R's ``svyby(~y, ~g, subset(design, !is.na(y)), ...)`` / ``na.rm = TRUE``.

A population-weighted share (share of inhabitants) is the ratio with y = population · indicator and
x = population; it equals ``svymean`` on a design with weights w · population while keeping the FPC at N_h,
so its logit interval is R's ``svyciprop`` on that design (:func:`proportions` with ``size=``).

Reported with every estimate (all (G, k) arrays):

* ``n`` — unweighted number of units in domain ∧ answered;
* ``N`` — population count of the *domain* (not only the answering units): by default Σ w over the domain's
  sampled units (exactly the frame count when the domain is a union of post-strata with w = N_h/n_h, otherwise
  the design-based estimate of it); callers that know the frame count per domain pass ``population=`` (G,);
* ``df`` — design degrees of freedom of the domain subset, n_d − H_d (R ``degf(subset(design, ...))``),
  used by the logit/beta intervals; NaN for differences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from pipeline.survey.design import SurveyDesign, SurveyError
from pipeline.survey.intervals import korn_graubard_ci, logit_ci, wald_ci

__all__ = [
    "CiMethod",
    "Estimates",
    "differences",
    "linearise",
    "means",
    "proportions",
    "ratios",
    "shares_and_scores",
    "totals",
]

CiMethod = Literal["wald", "logit", "beta", "none"]


@dataclass(frozen=True, eq=False)
class Estimates:
    """Estimates for G domains × k items; every array has shape (G, k).

    Attributes:
        estimate: point estimate (a proportion in [0, 1] for means of 0/1 items; a count for totals).
        se: linearisation standard error, same unit as the estimate.
        ci_low, ci_high: confidence interval bounds (method in ``ci_method``, level in ``level``).
        n: unweighted number of units in domain ∧ answered.
        N: population count of the domain (see module docstring).
        df: degrees of freedom of the domain subset (n_d − H_d); NaN for differences.
        statistic: "mean", "ratio", "total" or "difference of <statistic>".
        extra: further (G, k) arrays, e.g. the two sides of a difference.
    """

    estimate: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    n: np.ndarray
    N: np.ndarray
    df: np.ndarray
    statistic: str
    ci_method: str
    level: float
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        """(G domains, k items)."""
        return self.estimate.shape  # type: ignore[return-value]

    def to_frame(self, items: list[str] | None = None, domains: list[str] | pd.Index | None = None) -> pd.DataFrame:
        """Long DataFrame, one row per (domain, item): domain, item, estimate, se, ci_low, ci_high, df, n, N."""
        G, k = self.shape
        items = list(items) if items is not None else [f"y{j}" for j in range(k)]
        domains = list(domains) if domains is not None else list(range(G))
        out = pd.DataFrame(
            {
                "domain": np.repeat(np.asarray(domains, dtype=object), k),
                "item": np.tile(np.asarray(items, dtype=object), G),
                "estimate": self.estimate.ravel(),
                "se": self.se.ravel(),
                "ci_low": self.ci_low.ravel(),
                "ci_high": self.ci_high.ravel(),
                "df": self.df.ravel(),
                "n": self.n.ravel(),
                "N": self.N.ravel(),
            }
        )
        for name, arr in self.extra.items():
            out[name] = arr.ravel()
        return out


@dataclass(frozen=True, eq=False)
class Linearised:
    """Point estimates and influence values of one statistic for G domains × k items.

    ``z`` has shape (n, G, k); ``estimate``, ``n`` and ``df`` have shape (G, k); ``N`` has shape (G,).
    """

    estimate: np.ndarray
    z: np.ndarray
    n: np.ndarray
    df: np.ndarray
    N: np.ndarray


def _as_2d(design: SurveyDesign, a: np.ndarray | pd.DataFrame | pd.Series, what: str) -> np.ndarray:
    arr = np.asarray(a, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != design.n:
        raise SurveyError(f"{what} must have shape ({design.n},) or ({design.n}, k), got {arr.shape}")
    return arr


def _domains(design: SurveyDesign, domains: np.ndarray | None) -> np.ndarray:
    if domains is None:
        return np.ones((design.n, 1), dtype=bool)
    d = np.asarray(domains)
    if d.dtype != bool:
        raise SurveyError("domains must be a boolean mask of shape (n,) or (n, G)")
    if d.ndim == 1:
        d = d[:, None]
    if d.ndim != 2 or d.shape[0] != design.n:
        raise SurveyError(f"domains must have shape ({design.n},) or ({design.n}, G), got {d.shape}")
    return d


def _answered(y: np.ndarray, answered: np.ndarray | None) -> np.ndarray:
    missing = np.isnan(y)
    if answered is None:
        return ~missing
    a = np.asarray(answered)
    if a.dtype != bool:
        raise SurveyError("answered must be a boolean mask")
    if a.ndim == 1:
        a = a[:, None]
    a = np.broadcast_to(a, y.shape)
    if np.any(a & missing):
        raise SurveyError("answered is true for a unit whose value is missing (NaN)")
    return a


def _domain_population(design: SurveyDesign, d: np.ndarray, population: np.ndarray | None) -> np.ndarray:
    if population is None:
        return design.weights @ d
    pop = np.asarray(population, dtype=float).reshape(-1)
    if pop.shape != (d.shape[1],):
        raise SurveyError(f"population must give one count per domain ({d.shape[1]}), got {pop.shape}")
    return pop


def _domain_df(design: SurveyDesign, domains: np.ndarray | None, answered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unweighted n and R's degf of the subset (n_d − H_d), both (G, k), from an (n, k) 0/1 float array."""
    counts = design.domain_stratum_counts(domains, answered)  # (G, H, k)
    n = counts.sum(axis=1)
    return n, n - (counts > 0).sum(axis=1)


def linearise(
    design: SurveyDesign,
    y: np.ndarray,
    x: np.ndarray | None = None,
    *,
    answered: np.ndarray | None = None,
    domains: np.ndarray | None = None,
    statistic: Literal["ratio", "total"] = "ratio",
    population: np.ndarray | None = None,
) -> Linearised:
    """Point estimates and influence values (n, G, k) for ratios/means or totals (see module docstring).

    Args:
        y: (n,) or (n, k) values; NaN = item not answered.
        x: denominators for ratios, (n,) or (n, k); None gives means (x = 1). NaN in x also drops the unit.
        answered: optional (n,) or (n, k) mask of units that answered (must be false where y is NaN);
            default: y is not NaN.
        domains: (n,) or (n, G) boolean domain masks; None = whole population.
        statistic: "ratio" (mean when x is None) or "total".
        population: optional frame population count per domain, shape (G,).
    """
    Y = _as_2d(design, y, "y")
    A = _answered(Y, answered)
    D = _domains(design, domains)
    w = design.weights
    Dw = D * w[:, None]  # (n, G)
    if statistic == "total":
        if x is not None:
            raise SurveyError("totals take no denominator x")
        Af = A.astype(float)
        Y0 = np.where(A, Y, 0.0)
        z = Dw[:, :, None] * Y0[:, None, :]
        estimate = Dw.T @ Y0
    elif statistic == "ratio":
        x_arr = None if x is None else np.asarray(x, dtype=float)
        if x_arr is not None and x_arr.ndim == 1:  # one denominator for every item (e.g. inhabitants)
            if x_arr.shape != (design.n,):
                raise SurveyError(f"x must have shape ({design.n},) or ({design.n}, k), got {x_arr.shape}")
            x_nan = np.isnan(x_arr)
            if x_nan.any():
                A = A & ~x_nan[:, None]
            Af = A.astype(float)
            X0 = Af * np.where(x_nan, 0.0, x_arr)[:, None]
        elif x_arr is not None:
            X = np.broadcast_to(_as_2d(design, x_arr, "x"), Y.shape)
            A = A & ~np.isnan(X)
            Af = A.astype(float)
            X0 = np.where(A, X, 0.0)
        else:
            Af = A.astype(float)
            X0 = Af
        Y0 = np.where(A, Y, 0.0)
        sy = Dw.T @ Y0  # (G, k)
        sx = Dw.T @ X0
        with np.errstate(divide="ignore", invalid="ignore"):
            estimate = np.where(sx != 0, sy / sx, np.nan)
            inv_sx = 1.0 / sx
        # Exactly 1 when every answering unit of the domain has y = x (the boundary rule needs exact
        # 0 and 1; exact 0 needs nothing, Σ w·0 = 0). Checked only where rounding could hide it.
        near_one = np.abs(estimate - 1.0) <= 1e-9
        if near_one.any():
            differs = (D.astype(float).T @ (Y0 != X0)) > 0
            estimate = np.where(near_one & ~differs, 1.0, estimate)
        # z = w d a (y − r x) / Σ w d a x, built in place
        z = estimate[None, :, :] * X0[:, None, :]
        np.subtract(Y0[:, None, :], z, out=z)
        z *= Dw[:, :, None]
        z *= inv_sx[None, :, :]
    else:
        raise SurveyError(f"unknown statistic {statistic!r}")
    n, df = _domain_df(design, None if domains is None else D, Af)
    N = _domain_population(design, D, population)
    return Linearised(estimate=estimate, z=z, n=n, df=df, N=N)


def _finish(
    design: SurveyDesign,
    lin: Linearised,
    *,
    ci: CiMethod,
    level: float,
    statistic: str,
) -> Estimates:
    var = design.variance(lin.z, overwrite=True)  # z is scratch from here on
    se = np.sqrt(var)
    est = lin.estimate
    if ci == "wald":
        low, high = wald_ci(est, se, level)
    elif ci in ("logit", "beta"):
        if np.any((est < 0) | (est > 1)):
            raise SurveyError(f"{ci} intervals need proportions in [0, 1]; use 0/1 items (and size >= 0)")
        fn = logit_ci if ci == "logit" else korn_graubard_ci
        low, high = fn(est, se, lin.df, lin.n, level)
    elif ci == "none":
        low = high = np.full_like(est, np.nan)
    else:
        raise SurveyError(f"unknown interval method {ci!r}; use 'wald', 'logit', 'beta' or 'none'")
    return _estimates(lin, se, low, high, statistic, ci, level)


def _estimates(
    lin: Linearised, se: np.ndarray, low: np.ndarray, high: np.ndarray, statistic: str, ci: str, level: float
) -> Estimates:
    return Estimates(
        estimate=lin.estimate,
        se=se,
        ci_low=np.asarray(low, dtype=float),
        ci_high=np.asarray(high, dtype=float),
        n=lin.n.astype(np.int64),
        N=np.broadcast_to(lin.N[:, None], lin.estimate.shape).copy(),
        df=lin.df.astype(float),
        statistic=statistic,
        ci_method=ci,
        level=level,
    )


def ratios(
    design: SurveyDesign,
    y: np.ndarray,
    x: np.ndarray | None,
    *,
    answered: np.ndarray | None = None,
    domains: np.ndarray | None = None,
    ci: CiMethod = "wald",
    level: float = 0.95,
    population: np.ndarray | None = None,
) -> Estimates:
    """Ratios Σwy/Σwx per domain × item (R ``svyratio``; ``svyby(..., svyratio)`` for domains).

    Wald interval with the normal quantile by default (R ``confint``); ``ci="logit"`` for ratios that are
    proportions (population-weighted shares). Arguments as in :func:`linearise`.
    """
    lin = linearise(design, y, x, answered=answered, domains=domains, population=population)
    return _finish(design, lin, ci=ci, level=level, statistic="ratio" if x is not None else "mean")


def means(
    design: SurveyDesign,
    y: np.ndarray,
    *,
    answered: np.ndarray | None = None,
    domains: np.ndarray | None = None,
    ci: CiMethod = "wald",
    level: float = 0.95,
    population: np.ndarray | None = None,
) -> Estimates:
    """Means per domain × item (R ``svymean``/``svyby``); Wald interval with the normal quantile."""
    return ratios(design, y, None, answered=answered, domains=domains, ci=ci, level=level, population=population)


def proportions(
    design: SurveyDesign,
    y: np.ndarray,
    *,
    size: np.ndarray | None = None,
    answered: np.ndarray | None = None,
    domains: np.ndarray | None = None,
    ci: CiMethod = "logit",
    level: float = 0.95,
    population: np.ndarray | None = None,
) -> Estimates:
    """Proportions of 0/1 items in [0, 1] with R ``svyciprop`` intervals (logit by default).

    Args:
        y: (n,) or (n, k) 0/1 values, NaN = not answered.
        size: optional (n,) size variable (e.g. inhabitants, ≥ 0): gives the size-weighted share
            Σ w·size·y / Σ w·size (share of inhabitants) instead of the share of units.
        ci: "logit" (``svyciprop`` default, boundary rule in :mod:`pipeline.survey.intervals`), "beta"
            (Korn–Graubard), "wald" (normal quantile) or "none".
    """
    Y = _as_2d(design, y, "y")
    with np.errstate(invalid="ignore"):
        if np.any((Y != 0) & (Y != 1) & (Y == Y)):  # Y == Y is false for NaN
            raise SurveyError("proportions need 0/1 items (NaN for not answered)")
    if size is None:
        return means(design, Y, answered=answered, domains=domains, ci=ci, level=level, population=population)
    s = np.asarray(size, dtype=float).reshape(-1)
    if s.shape != (design.n,):
        raise SurveyError(f"size must have shape ({design.n},), got {s.shape}")
    if np.any(s[~np.isnan(s)] < 0):
        raise SurveyError("size must be >= 0")
    est = ratios(
        design,
        Y * s[:, None],
        s,
        answered=answered,
        domains=domains,
        ci=ci,
        level=level,
        population=population,
    )
    return est


def shares_and_scores(
    design: SurveyDesign,
    y: np.ndarray,
    *,
    proportion: np.ndarray,
    size: np.ndarray | None = None,
    domains: np.ndarray | None = None,
    level: float = 0.95,
) -> Estimates:
    """0/1 items and scores in one linearisation: the same numbers as :func:`proportions` (logit interval) for the
    columns flagged ``proportion`` and as :func:`means` (Wald interval) for the others — with ``size`` the
    size-weighted versions (R ``svyratio`` with the size as denominator). One pass instead of two for findings
    tables that mix shares and mean scores.
    """
    Y = _as_2d(design, y, "y")
    prop = np.asarray(proportion, dtype=bool).reshape(-1)
    if prop.shape != (Y.shape[1],):
        raise SurveyError(f"proportion must flag each of the {Y.shape[1]} items")
    finite = Y[:, prop][~np.isnan(Y[:, prop])]
    if np.any((finite != 0) & (finite != 1)):
        raise SurveyError("the items flagged as proportions must be 0/1 (NaN for not answered)")
    if size is None:
        lin = linearise(design, Y, None, domains=domains)
    else:
        s = np.asarray(size, dtype=float).reshape(-1)
        if s.shape != (design.n,) or np.any(s[~np.isnan(s)] < 0):
            raise SurveyError(f"size must be >= 0 with shape ({design.n},)")
        lin = linearise(design, Y * s[:, None], s, answered=~np.isnan(Y), domains=domains)
    se = np.sqrt(design.variance(lin.z, overwrite=True))
    est = lin.estimate
    low, high = wald_ci(est, se, level)
    if prop.any():
        p_low, p_high = logit_ci(est[:, prop], se[:, prop], lin.df[:, prop], lin.n[:, prop], level)
        low[:, prop], high[:, prop] = p_low, p_high
    return _estimates(lin, se, low, high, "ratio" if size is not None else "mean", "logit+wald", level)


def totals(
    design: SurveyDesign,
    y: np.ndarray,
    *,
    answered: np.ndarray | None = None,
    domains: np.ndarray | None = None,
    level: float = 0.95,
    population: np.ndarray | None = None,
) -> Estimates:
    """Population totals Σ w d a y per domain × item (R ``svytotal``); Wald interval, normal quantile."""
    lin = linearise(design, y, answered=answered, domains=domains, statistic="total", population=population)
    return _finish(design, lin, ci="wald", level=level, statistic="total")


def differences(
    design: SurveyDesign,
    y: np.ndarray,
    x: np.ndarray | None = None,
    *,
    domains_a: np.ndarray,
    domains_b: np.ndarray,
    answered: np.ndarray | None = None,
    statistic: Literal["ratio", "total"] = "ratio",
    level: float = 0.95,
) -> Estimates:
    """Differences a − b between pairs of domains, per item (shape (P pairs, k)).

    The SE comes from the joint linearisation z_a − z_b (covariance between the domains included), as R
    ``svycontrast(svyby(..., covmat = TRUE), quote(a - b))``; Wald interval with the normal quantile.
    ``statistic="ratio"`` with x None compares means/proportions. ``extra`` holds estimate_a, estimate_b,
    n_a, n_b, N_a, N_b. ``n`` is n_a + n_b, ``N`` is N_a + N_b and ``df`` is NaN.
    """
    da = _domains(design, domains_a)
    db = _domains(design, domains_b)
    if da.shape != db.shape:
        raise SurveyError(f"domains_a and domains_b must have the same shape, got {da.shape} and {db.shape}")
    P = da.shape[1]
    lin = linearise(design, y, x, answered=answered, domains=np.hstack([da, db]), statistic=statistic)
    z = lin.z[:, :P, :] - lin.z[:, P:, :]
    est_a, est_b = lin.estimate[:P], lin.estimate[P:]
    est = est_a - est_b
    se = np.sqrt(design.variance(z, overwrite=True))
    low, high = wald_ci(est, se, level)
    n_a, n_b = lin.n[:P].astype(np.int64), lin.n[P:].astype(np.int64)
    N_a = np.broadcast_to(lin.N[:P, None], est.shape).copy()
    N_b = np.broadcast_to(lin.N[P:, None], est.shape).copy()
    stat_name = "mean" if (statistic == "ratio" and x is None) else statistic
    return Estimates(
        estimate=est,
        se=se,
        ci_low=low,
        ci_high=high,
        n=n_a + n_b,
        N=N_a + N_b,
        df=np.full(est.shape, np.nan),
        statistic=f"difference of {stat_name}",
        ci_method="wald",
        level=level,
        extra={"estimate_a": est_a, "estimate_b": est_b, "n_a": n_a, "n_b": n_b, "N_a": N_a, "N_b": N_b},
    )
