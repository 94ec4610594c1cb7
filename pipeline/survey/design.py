"""Stratified single-stage survey design, modelled on R ``survey``.

A :class:`SurveyDesign` is the Python twin of

    svydesign(ids = ~1, strata = ~h, fpc = ~N_h, weights = ~w, data = data)

i.e. units sampled without replacement within strata, each unit its own PSU. It holds, per sampled unit,
the stratum code, the stratum population size N_h (the finite population correction, given as a count of
units, never as a sampling fraction) and the sampling weight, plus the data the estimators read.

Variance of a linearised statistic with influence values z_i (R ``svyrecvar`` for this design):

    var = Σ_h c_h · Σ_{i∈h} (z_hi − z̄_h)²,   c_h = (1 − n_h / N_h) · n_h / (n_h − 1)

where n_h counts every sampled unit of stratum h (domain estimates keep the full design, as R's
``svyby``/``subset`` do). Without an FPC, c_h = n_h / (n_h − 1).

The design is immutable: arrays are read-only and the object is a frozen dataclass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from pipeline.errors import KsSdgError


class SurveyError(KsSdgError, ValueError):
    """Invalid survey design, weights or estimation input (also a ``ValueError``)."""


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class SurveyDesign:
    """Stratified design without clustering; one row per sampled (responding) unit.

    Attributes:
        strata: int codes 0..H-1 per unit (index into ``stratum_labels``).
        stratum_labels: label of each stratum code, in code order.
        weights: sampling weight per unit (number of population units represented, > 0).
        fpc: stratum population size N_h per unit (count of units), or None for no FPC
            (sampling with replacement).
        data: the unit-level variables, row-aligned with the arrays (index reset to 0..n-1), or None.
    """

    strata: np.ndarray
    stratum_labels: tuple[str, ...]
    weights: np.ndarray
    fpc: np.ndarray | None = None
    data: pd.DataFrame | None = None
    # derived (computed in __post_init__)
    n_h: np.ndarray = field(init=False, repr=False)
    N_h: np.ndarray | None = field(init=False, repr=False)
    stratum_factor: np.ndarray = field(init=False, repr=False)
    unit_factor: np.ndarray = field(init=False, repr=False)
    indicator: sparse.csr_array = field(init=False, repr=False)

    def __post_init__(self) -> None:
        strata = np.asarray(self.strata)
        if strata.ndim != 1 or not np.issubdtype(strata.dtype, np.integer):
            raise SurveyError("strata must be a 1-D array of integer codes")
        n = strata.shape[0]
        H = len(self.stratum_labels)
        if n == 0:
            raise SurveyError("a survey design needs at least one unit")
        if strata.min() < 0 or strata.max() >= H:
            raise SurveyError(f"stratum codes must lie in 0..{H - 1}")
        weights = np.asarray(self.weights, dtype=float)
        if weights.shape != (n,):
            raise SurveyError(f"weights must have shape ({n},), got {weights.shape}")
        if not np.all(np.isfinite(weights)) or np.any(weights <= 0):
            raise SurveyError("weights must be finite and > 0 for every sampled unit")
        n_h = np.bincount(strata, minlength=H).astype(float)
        if np.any(n_h == 0):
            empty = [self.stratum_labels[h] for h in np.flatnonzero(n_h == 0)]
            raise SurveyError(f"strata without sampled units: {empty}")
        lonely = np.flatnonzero(n_h < 2)
        if lonely.size:
            labels = [self.stratum_labels[h] for h in lonely]
            raise SurveyError(
                f"strata with a single sampled unit (R: 'Stratum has only one PSU'): {labels}; "
                "collapse strata first (see pipeline.survey.weights)"
            )
        if self.fpc is not None:
            fpc = np.asarray(self.fpc, dtype=float)
            if fpc.shape != (n,):
                raise SurveyError(f"fpc must have shape ({n},), got {fpc.shape}")
            N_h = np.full(H, np.nan)
            N_h[strata] = fpc
            if not np.array_equal(N_h[strata], fpc):
                raise SurveyError("fpc (N_h) must be constant within each stratum")
            if np.any(~np.isfinite(N_h)) or np.any(N_h < n_h):
                bad = [self.stratum_labels[h] for h in np.flatnonzero(~(N_h >= n_h))]
                raise SurveyError(f"N_h must be a count >= n_h in every stratum (R: '>100% sampling'): {bad}")
            factor = (1.0 - n_h / N_h) * n_h / (n_h - 1.0)
            object.__setattr__(self, "fpc", _readonly(fpc))
            object.__setattr__(self, "N_h", _readonly(N_h))
        else:
            factor = n_h / (n_h - 1.0)
            object.__setattr__(self, "N_h", None)
        # (H, n) stratum membership; sparse so that stratum sums cost O(n·k), not O(H·n·k)
        indicator = sparse.csr_array((np.ones(n), (strata, np.arange(n))), shape=(H, n))
        object.__setattr__(self, "strata", _readonly(strata.astype(np.intp)))
        object.__setattr__(self, "weights", _readonly(weights))
        object.__setattr__(self, "stratum_labels", tuple(str(s) for s in self.stratum_labels))
        object.__setattr__(self, "n_h", _readonly(n_h))
        object.__setattr__(self, "stratum_factor", _readonly(factor))
        object.__setattr__(self, "unit_factor", _readonly(factor[strata]))
        object.__setattr__(self, "indicator", indicator)
        if self.data is not None:
            if len(self.data) != n:
                raise SurveyError(f"data has {len(self.data)} rows, the design {n} units")
            object.__setattr__(self, "data", self.data.reset_index(drop=True))

    @property
    def n(self) -> int:
        """Number of sampled units."""
        return int(self.strata.shape[0])

    @property
    def n_strata(self) -> int:
        """Number of strata H."""
        return len(self.stratum_labels)

    @property
    def degf(self) -> int:
        """Design degrees of freedom n − H, as R ``degf()`` for ``svydesign(ids=~1, strata=~h, ...)``."""
        return self.n - self.n_strata

    def column(self, name: str) -> np.ndarray:
        """A data column as a float array (NaN for missing; booleans as 0/1)."""
        if self.data is None:
            raise SurveyError("this design has no data")
        if name not in self.data.columns:
            raise SurveyError(f"no column {name!r} in the design data")
        return _as_float(self.data[name], name)

    def columns(self, names: Sequence[str]) -> np.ndarray:
        """Several data columns as an (n, k) float array (NaN for missing)."""
        if len(names) == 0:
            return np.empty((self.n, 0))
        return np.column_stack([self.column(c) for c in names])

    def variance(self, z: np.ndarray, *, overwrite: bool = False) -> np.ndarray:
        """Linearisation variance of statistics with influence values ``z`` (shape (n, ...)).

        var = Σ_h c_h Σ_{i∈h} (z_hi − z̄_h)², computed column-wise (two-pass, centred per stratum);
        the result has shape ``z.shape[1:]``. ``overwrite=True`` lets it reuse ``z`` (a float array) as
        scratch space.
        """
        z = np.asarray(z, dtype=float)
        flat = z.reshape(self.n, -1)
        means = (self.indicator @ flat) / self.n_h[:, None]
        centred = np.subtract(flat, means[self.strata], out=flat if overwrite else None)
        centred *= centred
        var = self.unit_factor @ centred
        return var.reshape(z.shape[1:])

    def stratum_counts(self, mask: np.ndarray) -> np.ndarray:
        """Number of units with ``mask`` true per stratum: shape (H, ...) for a mask of shape (n, ...)."""
        m = np.asarray(mask)
        counts = self.indicator @ m.reshape(self.n, -1).astype(float)
        return np.asarray(counts).reshape((self.n_strata, *m.shape[1:]))

    def domain_stratum_counts(self, domains: np.ndarray | None, answered: np.ndarray) -> np.ndarray:
        """Units per (domain g, stratum h, item j) with domain ∧ answered: shape (G, H, k).

        ``domains`` is an (n, G) boolean mask (None = one domain of all units), ``answered`` an (n, k)
        0/1 float array. Sparse, so no (n, G, k) temporary is built.
        """
        H = self.n_strata
        if domains is None:
            return np.asarray(self.indicator @ answered)[None, :, :]
        ii, gg = np.nonzero(domains)
        G = domains.shape[1]
        de = sparse.csr_array((np.ones(ii.size), (gg * H + self.strata[ii], ii)), shape=(G * H, self.n))
        return np.asarray(de @ answered).reshape(G, H, answered.shape[1])


def _as_float(s: pd.Series, name: str) -> np.ndarray:
    if s.dtype == bool or isinstance(s.dtype, pd.BooleanDtype):
        return s.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    try:
        return pd.to_numeric(s).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise SurveyError(f"column {name!r} is not numeric (0/1 or a number per unit expected)") from exc


def svydesign(
    data: pd.DataFrame,
    *,
    strata: str,
    weights: str,
    fpc: str | None = None,
) -> SurveyDesign:
    """Build a design from a respondent DataFrame, like R ``svydesign(ids=~1, strata=, fpc=, weights=)``.

    Args:
        data: one row per sampled unit.
        strata: column with the stratum of each unit (any hashable; labels are ``str`` of the values,
            codes follow sorted order).
        weights: column with the sampling weight (> 0).
        fpc: column with the stratum population size N_h (count of units), or None for no FPC.
    """
    for col in (strata, weights, fpc):
        if col is not None and col not in data.columns:
            raise SurveyError(f"no column {col!r} in the design data")
    if data[strata].isna().any():
        raise SurveyError(f"column {strata!r} has missing strata")
    codes, uniques = pd.factorize(data[strata], sort=True)
    w = _as_float(data[weights], weights)
    N = _as_float(data[fpc], fpc) if fpc is not None else None
    return SurveyDesign(
        strata=codes.astype(np.intp),
        stratum_labels=tuple(str(u) for u in uniques),
        weights=w,
        fpc=N,
        data=data,
    )


def as_mask(design: SurveyDesign, domain: Any, what: str = "domain") -> np.ndarray:
    """A boolean (n,) mask from None (all units), a column name of ``design.data`` or an array-like.

    Missing values in a boolean column count as outside the domain.
    """
    if domain is None:
        return np.ones(design.n, dtype=bool)
    if isinstance(domain, str):
        if design.data is None or domain not in design.data.columns:
            raise SurveyError(f"no column {domain!r} in the design data for the {what}")
        domain = design.data[domain]
    if isinstance(domain, pd.Series):
        arr = domain.astype("boolean").fillna(False).to_numpy(dtype=bool)
    else:
        arr = np.asarray(domain)
        if arr.dtype != bool:
            raise SurveyError(f"the {what} must be a boolean mask")
    if arr.shape != (design.n,):
        raise SurveyError(f"the {what} mask must have shape ({design.n},), got {arr.shape}")
    return arr
