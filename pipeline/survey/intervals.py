"""Confidence intervals, as R ``survey`` computes them (vectorised over arrays).

* :func:`wald_ci` — estimate ± z_{1−α/2} · se with the *normal* quantile: R's ``confint()`` on ``svymean``,
  ``svytotal``, ``svyratio``, ``svyby`` and ``svycontrast`` results (``df = Inf`` by default). Used for
  means, totals, ratios and differences.
* :func:`logit_ci` — ``svyciprop(method = "logit")``. R fits ``svyglm(y ~ 1, family = quasibinomial)`` and
  calls ``confint(fit, ddf = degf(design))``: a Wald interval on the logit scale with a *t* quantile on the
  design degrees of freedom, back-transformed::

      expit( logit(p) ± t_{df, 1−α/2} · se(p) / (p (1 − p)) )

  (the intercept's linearisation SE is exactly se(p)/(p(1−p)) at the fitted value). In a domain R's df is
  ``degf()`` of the subset design: n_d − H_d (units and strata with at least one unit in the domain).
  df ≤ 0 gives NaN, as in R.
* :func:`korn_graubard_ci` — ``svyciprop(method = "beta")``: Clopper–Pearson on the effective sample size
  n_eff = p(1−p)/var(p) · (t_{n−1, α/2} / t_{df, α/2})², n = unweighted units in the (sub)design.

**Estimates exactly 0 or 1.** R has no usable answer there: ``method = "logit"`` returns a non-converged glm
and an interval such as [2.5e-12, 3.1e-12] around 0 (or a point at 1), ``method = "beta"`` returns NaN
(n_eff = 0/0) and ``method = "mean"`` returns [p, p]. Here, for p ∈ {0, 1} both :func:`logit_ci` and
:func:`korn_graubard_ci` use the Korn–Graubard interval with n_eff set to the unweighted domain size n
(Korn & Graubard 1998; the NCHS data presentation standard for proportions), with the same df adjustment::

      n* = n · (t_{n−1, α/2} / t_{df, α/2})²
      p = 0:  [0, 1 − (α/2)^(1/n*)]          p = 1:  [(α/2)^(1/n*), 1]

i.e. ``qbeta(1 − α/2, 1, n*)`` and ``qbeta(α/2, n*, 1)``. This is the interval R's ``method = "beta"``
would give if its n_eff were n, and is verified against R's ``qbeta``/``qt`` in the golden fixtures.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaincinv, expit, logit, ndtri, stdtrit

__all__ = ["boundary_ci", "korn_graubard_ci", "logit_ci", "t_quantile", "wald_ci", "z_quantile"]


def z_quantile(level: float = 0.95) -> float:
    """Two-sided normal quantile z_{1−α/2} for a confidence level in (0, 1)."""
    _check_level(level)
    return float(ndtri(0.5 + level / 2.0))


def t_quantile(df: np.ndarray | float, level: float = 0.95) -> np.ndarray:
    """Two-sided t quantile t_{df, 1−α/2}; NaN where df ≤ 0 or df is NaN.

    Evaluated once per distinct df (the expensive part), then broadcast back.
    """
    _check_level(level)
    df = np.asarray(df, dtype=float)
    values, inverse = np.unique(df, return_inverse=True)
    ok = values > 0
    q = np.full(values.shape, np.nan)
    q[ok] = stdtrit(values[ok], 0.5 + level / 2.0)
    return q[inverse].reshape(df.shape)


def wald_ci(estimate: np.ndarray, se: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Normal-quantile Wald interval (R ``confint`` default, df = Inf): estimate ∓ z · se."""
    z = z_quantile(level)
    estimate = np.asarray(estimate, dtype=float)
    se = np.asarray(se, dtype=float)
    return estimate - z * se, estimate + z * se


def logit_ci(
    p: np.ndarray,
    se: np.ndarray,
    df: np.ndarray,
    n: np.ndarray,
    level: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """``svyciprop(method="logit")`` interval for proportions p in [0, 1] with standard error se.

    Args:
        p: proportion estimates in [0, 1].
        se: their linearisation standard errors (proportion scale).
        df: design degrees of freedom of the (domain) subset, n_d − H_d.
        n: unweighted number of units in the domain (used only for p ∈ {0, 1}, see module docstring).
        level: confidence level.
    """
    p, se, df, n = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (p, se, df, n)))
    t = t_quantile(df, level)
    inner = (p > 0) & (p < 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = logit(p)
        half = t * se / (p * (1.0 - p))
        low = np.where(inner, expit(eta - half), np.nan)
        high = np.where(inner, expit(eta + half), np.nan)
    return _with_boundary(p, df, n, level, low, high)


def korn_graubard_ci(
    p: np.ndarray,
    se: np.ndarray,
    df: np.ndarray,
    n: np.ndarray,
    level: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """``svyciprop(method="beta")`` (Korn–Graubard) interval; p ∈ {0, 1} as in the module docstring.

    Where var(p) = 0 with 0 < p < 1 (a census domain) R returns NaN; this returns [p, p].
    """
    p, se, df, n = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (p, se, df, n)))
    alpha = 1.0 - level
    inner = (p > 0) & (p < 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = t_quantile(n - 1.0, level) / t_quantile(df, level)
        n_eff = p * (1.0 - p) / (se * se) * ratio * ratio
        finite = inner & np.isfinite(n_eff)
        a_lo = np.where(finite, n_eff * p, 1.0)
        b_lo = np.where(finite, n_eff * (1.0 - p) + 1.0, 1.0)
        a_hi = np.where(finite, n_eff * p + 1.0, 1.0)
        b_hi = np.where(finite, n_eff * (1.0 - p), 1.0)
        low = np.where(finite, betaincinv(a_lo, b_lo, alpha / 2.0), np.nan)
        high = np.where(finite, betaincinv(a_hi, b_hi, 1.0 - alpha / 2.0), np.nan)
    census = inner & (se == 0) & np.isfinite(ratio)
    low = np.where(census, p, low)
    high = np.where(census, p, high)
    return _with_boundary(p, df, n, level, low, high)


def _with_boundary(
    p: np.ndarray, df: np.ndarray, n: np.ndarray, level: float, low: np.ndarray, high: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Replace the bounds where p ∈ {0, 1} by :func:`boundary_ci` (computed only for those entries)."""
    edge = (p == 0) | (p == 1)
    if edge.any():
        b_low, b_high = boundary_ci(p[edge], df[edge], n[edge], level)
        low = low.copy()
        high = high.copy()
        low[edge] = b_low
        high[edge] = b_high
    return low, high


def boundary_ci(p: np.ndarray, df: np.ndarray, n: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Korn–Graubard interval with n_eff = n for p ∈ {0, 1}; NaN elsewhere (and where df ≤ 0 or n < 2)."""
    p, df, n = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (p, df, n)))
    alpha = 1.0 - level
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = t_quantile(n - 1.0, level) / t_quantile(df, level)
        n_star = n * ratio * ratio
        tail = (alpha / 2.0) ** (1.0 / n_star)
    low = np.where(p == 0, 0.0, np.where(p == 1, tail, np.nan))
    high = np.where(p == 0, 1.0 - tail, np.where(p == 1, 1.0, np.nan))
    ok = np.isfinite(n_star)
    return np.where(ok, low, np.nan), np.where(ok, high, np.nan)


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level must lie in (0, 1), got {level!r}")
