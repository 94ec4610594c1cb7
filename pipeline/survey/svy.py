"""DataFrame API with R ``survey`` names, for notebooks, tests and small jobs.

Every function reads columns of ``design.data`` and returns a tidy DataFrame with the columns
``variable`` (plus the ``by`` columns, or ``a``/``b`` for differences), ``estimate``, ``se``, ``ci_low``,
``ci_high``, ``df``, ``n``, ``N`` (see :mod:`pipeline.survey.estimators` for their meaning).

Differences from R worth knowing:

* Missing values (NaN/NA) always mean "not answered": the item is estimated in the domain of units that
  answered it, like R's ``na.rm = TRUE`` (R's default ``na.rm = FALSE`` would return NA).
* ``domain`` restricts to a subpopulation while keeping the full design, like ``subset(design, ...)``.
* Intervals: Wald with the normal quantile for means, totals, ratios and differences (R ``confint``);
  ``svyciprop`` uses R's logit interval with t on the domain's degrees of freedom by default.

Statistics for :func:`svyby` and :func:`svydiff`: ``"mean"``, ``"total"``, ``"ratio"`` (needs
``denominator``) and ``"ciprop"`` (0/1 items; with ``size`` the size-weighted share, e.g. of inhabitants).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from pipeline.survey.design import SurveyDesign, SurveyError, as_mask
from pipeline.survey.estimators import (
    CiMethod,
    Estimates,
    differences,
    means,
    proportions,
    ratios,
    totals,
)

Statistic = Literal["mean", "total", "ratio", "ciprop"]

__all__ = ["svyby", "svyciprop", "svydiff", "svymean", "svyratio", "svytotal"]

_COLUMNS = ["estimate", "se", "ci_low", "ci_high", "df", "n", "N"]


def _names(variables: str | Sequence[str]) -> list[str]:
    return [variables] if isinstance(variables, str) else list(variables)


def _estimate(
    design: SurveyDesign,
    variables: list[str],
    statistic: Statistic,
    *,
    domains: np.ndarray,
    denominator: str | None,
    size: str | None,
    method: CiMethod | None,
    level: float,
    population: np.ndarray | None,
) -> Estimates:
    Y = design.columns(variables)
    if statistic == "mean":
        return means(design, Y, domains=domains, ci=method or "wald", level=level, population=population)
    if statistic == "total":
        if method not in (None, "wald"):
            raise SurveyError("totals have Wald intervals only")
        return totals(design, Y, domains=domains, level=level, population=population)
    if statistic == "ratio":
        if denominator is None:
            raise SurveyError("statistic 'ratio' needs a denominator column")
        x = design.column(denominator)
        return ratios(design, Y, x, domains=domains, ci=method or "wald", level=level, population=population)
    if statistic == "ciprop":
        s = design.column(size) if size is not None else None
        return proportions(design, Y, size=s, domains=domains, ci=method or "logit", level=level, population=population)
    raise SurveyError(f"unknown statistic {statistic!r}; use 'mean', 'total', 'ratio' or 'ciprop'")


def _overall(est: Estimates, variables: list[str]) -> pd.DataFrame:
    out = pd.DataFrame({"variable": variables})
    for col in _COLUMNS:
        out[col] = getattr(est, col)[0]
    return out


def svymean(
    design: SurveyDesign,
    variables: str | Sequence[str],
    *,
    domain: Any = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Means (proportions for 0/1 items) with SE and normal Wald CI, like R ``svymean(~y, design)``.

    ``domain``: None, a boolean column name or an (n,) boolean mask (positional).
    """
    names = _names(variables)
    est = _estimate(
        design,
        names,
        "mean",
        domains=as_mask(design, domain),
        denominator=None,
        size=None,
        method=None,
        level=level,
        population=None,
    )
    return _overall(est, names)


def svytotal(
    design: SurveyDesign,
    variables: str | Sequence[str],
    *,
    domain: Any = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Population totals with SE and normal Wald CI, like R ``svytotal(~y, design)``."""
    names = _names(variables)
    est = _estimate(
        design,
        names,
        "total",
        domains=as_mask(design, domain),
        denominator=None,
        size=None,
        method=None,
        level=level,
        population=None,
    )
    return _overall(est, names)


def svyratio(
    design: SurveyDesign,
    numerator: str | Sequence[str],
    denominator: str,
    *,
    domain: Any = None,
    method: CiMethod = "wald",
    level: float = 0.95,
) -> pd.DataFrame:
    """Ratios Σwy/Σwx, like R ``svyratio(~y, ~x, design)``; ``variable`` is ``"y/x"``.

    A unit missing the numerator or the denominator is left out of both sums (R ``na.rm = TRUE``).
    """
    names = _names(numerator)
    est = _estimate(
        design,
        names,
        "ratio",
        domains=as_mask(design, domain),
        denominator=denominator,
        size=None,
        method=method,
        level=level,
        population=None,
    )
    return _overall(est, [f"{v}/{denominator}" for v in names])


def svyciprop(
    design: SurveyDesign,
    variables: str | Sequence[str],
    *,
    domain: Any = None,
    method: CiMethod = "logit",
    size: str | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Proportions of 0/1 items with R ``svyciprop`` intervals (``method="logit"`` default, or ``"beta"``).

    With ``size`` (a column, e.g. inhabitants) the size-weighted share Σw·size·y / Σw·size, whose logit
    interval equals R ``svyciprop`` on a design with weights w·size and the same FPC.
    """
    names = _names(variables)
    est = _estimate(
        design,
        names,
        "ciprop",
        domains=as_mask(design, domain),
        denominator=None,
        size=size,
        method=method,
        level=level,
        population=None,
    )
    return _overall(est, names)


def _groups(design: SurveyDesign, by: str | Sequence[str], within: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Distinct groups (sorted; rows with a missing ``by`` value dropped) and the (n, G) domain masks."""
    if design.data is None:
        raise SurveyError("this design has no data")
    cols = _names(by)
    missing = [c for c in cols if c not in design.data.columns]
    if missing:
        raise SurveyError(f"no column(s) {missing} in the design data")
    keys = design.data[cols]
    valid = keys.notna().all(axis=1).to_numpy() & within
    levels = keys[valid].drop_duplicates().sort_values(cols).reset_index(drop=True)
    if len(cols) == 1:
        codes = pd.Index(levels[cols[0]]).get_indexer(keys[cols[0]])
    else:
        codes = pd.MultiIndex.from_frame(levels).get_indexer(pd.MultiIndex.from_frame(keys))
    codes = np.where(valid, codes, -1)
    D = codes[:, None] == np.arange(len(levels))[None, :]
    return levels, D


def svyby(
    design: SurveyDesign,
    variables: str | Sequence[str],
    by: str | Sequence[str],
    *,
    statistic: Statistic = "mean",
    denominator: str | None = None,
    size: str | None = None,
    method: CiMethod | None = None,
    domain: Any = None,
    level: float = 0.95,
    population: dict[Hashable, float] | pd.Series | None = None,
) -> pd.DataFrame:
    """Estimates per group of ``by``, keeping the full design (R ``svyby(~y, ~g, design, FUN)``).

    Args:
        variables: item column(s).
        by: grouping column(s); rows with a missing group are left out; groups sorted.
        statistic: "mean", "total", "ratio" (with ``denominator``) or "ciprop" (with optional ``size``).
        method: interval method; default "wald" ("logit" for "ciprop").
        domain: optional subpopulation within which groups are formed (boolean column or mask).
        population: optional frame population count per group (keyed by the group value, or by a tuple
            for several ``by`` columns); default Σ w over the group.

    Returns one row per (group, variable) with the ``by`` columns, ``variable`` and the estimate columns.
    A group where nobody answered an item has NaN estimates and n = 0.
    """
    names = _names(variables)
    levels, D = _groups(design, by, as_mask(design, domain))
    pop = None
    if population is not None:
        keys = [tuple(r) if len(r) > 1 else r[0] for r in levels.itertuples(index=False)]
        pop = np.array([float(population[k]) for k in keys])
    est = _estimate(
        design,
        names,
        statistic,
        domains=D,
        denominator=denominator,
        size=size,
        method=method,
        level=level,
        population=pop,
    )
    G, k = est.shape
    out = levels.loc[np.repeat(np.arange(G), k)].reset_index(drop=True)
    label = [f"{v}/{denominator}" for v in names] if statistic == "ratio" else names
    out["variable"] = np.tile(np.asarray(label, dtype=object), G)
    for col in _COLUMNS:
        out[col] = getattr(est, col).ravel()
    return out


def svydiff(
    design: SurveyDesign,
    variables: str | Sequence[str],
    a: Any,
    b: Any,
    *,
    by: str | None = None,
    statistic: Statistic = "mean",
    denominator: str | None = None,
    size: str | None = None,
    domain: Any = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Difference a − b between two domains with joint-linearisation SE and normal Wald CI.

    Like ``svycontrast(svyby(~y, ~g, design, svymean, covmat = TRUE), quote(a - b))``.
    With ``by``, ``a`` and ``b`` are values of that column; without, they are domain masks or boolean
    column names. ``statistic`` "ciprop" compares proportions (or size-weighted shares with ``size``).
    Returns one row per variable: variable, a, b, estimate, se, ci_low, ci_high, df (NaN), n, N,
    estimate_a, estimate_b, n_a, n_b.
    """
    names = _names(variables)
    within = as_mask(design, domain)
    if by is not None:
        if design.data is None or by not in design.data.columns:
            raise SurveyError(f"no column {by!r} in the design data")
        g = design.data[by]
        ma = (g == a).fillna(False).to_numpy(dtype=bool) & within
        mb = (g == b).fillna(False).to_numpy(dtype=bool) & within
    else:
        ma = as_mask(design, a, "domain a") & within
        mb = as_mask(design, b, "domain b") & within
    Y = design.columns(names)
    if statistic in ("mean", "ciprop") and size is None:
        est = differences(design, Y, domains_a=ma, domains_b=mb, level=level)
    elif statistic == "ciprop":
        s = design.column(size)  # type: ignore[arg-type]
        est = differences(
            design,
            Y * s[:, None],
            s,
            domains_a=ma,
            domains_b=mb,
            level=level,
        )
    elif statistic == "ratio":
        if denominator is None:
            raise SurveyError("statistic 'ratio' needs a denominator column")
        est = differences(design, Y, design.column(denominator), domains_a=ma, domains_b=mb, level=level)
    elif statistic == "total":
        est = differences(design, Y, domains_a=ma, domains_b=mb, statistic="total", level=level)
    else:
        raise SurveyError(f"unknown statistic {statistic!r}")
    out = pd.DataFrame({"variable": names})
    out["a"] = a if isinstance(a, str | int | float) else "a"
    out["b"] = b if isinstance(b, str | int | float) else "b"
    for col in _COLUMNS:
        out[col] = getattr(est, col)[0]
    for col in ("estimate_a", "estimate_b", "n_a", "n_b"):
        out[col] = est.extra[col][0]
    return out
