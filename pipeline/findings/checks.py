"""Integrity checks on findings tables (pure; Dagster runs them as blocking asset checks)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.findings.estimate import is_score_item
from pipeline.findings.tables import CENSUS_ITEMS
from pipeline.warehouse.checks import CheckOutcome

TOLERANCE = 1e-9


def weights_reproduce_totals(frames: pd.DataFrame) -> CheckOutcome:
    """For every wave × org type × stratum, the respondents' weights add up to the stratum's frame count N_h."""
    resp = frames[frames["status"] == "complete"]
    sums = resp.groupby(["wave", "org_type", "stratum"])["weight"].sum()
    frame_n = frames.groupby(["wave", "org_type", "stratum"]).size()
    table = pd.DataFrame({"weighted": sums, "N_h": frame_n}).reset_index()
    table["weighted"] = table["weighted"].fillna(0.0)
    bad = table[(table["weighted"] - table["N_h"]).abs() > TOLERANCE * np.maximum(1, table["N_h"])]
    return CheckOutcome(
        bad.empty, f"{len(table)} strata, {len(bad)} whose weights do not add up to N_h", bad, {"strata": len(table)}
    )


def estimates_in_unit_interval(rows: pd.DataFrame) -> CheckOutcome:
    """Proportions and their intervals lie in [0, 1]; differences in [-1, 1] (mean scores are not bounded here)."""
    prop = rows[rows["measure"] == "proportion"]
    diff = rows[(rows["measure"] == "difference").to_numpy(dtype=bool) & ~is_score_item(rows["item"])]
    bad = pd.concat([prop[_outside(prop, 0.0, 1.0)], diff[_outside(diff, -1.0, 1.0)]])
    return CheckOutcome(bad.empty, f"{len(bad)} of {len(prop) + len(diff)} shares outside their range", bad)


def _outside(rows: pd.DataFrame, low: float, high: float) -> pd.Series:
    """Rows whose estimate or interval bound (where present) lies outside [low, high], with a rounding tolerance."""
    values = rows[["estimate", "ci_low", "ci_high"]].astype("float64")
    return ((values < low - TOLERANCE) | (values > high + TOLERANCE)).any(axis=1)


def intervals_contain_estimates(rows: pd.DataFrame) -> CheckOutcome:
    """Every interval contains its estimate (ci_low ≤ estimate ≤ ci_high)."""
    with_ci = rows.dropna(subset=["estimate", "ci_low", "ci_high"])
    bad = with_ci[
        (with_ci["ci_low"] > with_ci["estimate"] + TOLERANCE) | (with_ci["ci_high"] < with_ci["estimate"] - TOLERANCE)
    ]
    return CheckOutcome(bad.empty, f"{len(bad)} of {len(with_ci)} intervals exclude their estimate", bad)


def suppressed_cells_are_empty(rows: pd.DataFrame, min_n: int) -> CheckOutcome:
    """Suppressed cells carry no estimate, SE or interval, and no published cell rests on fewer than min_n
    respondents (response-rate tables are census counts and exempt)."""
    value_cols = [c for c in ("estimate", "se", "ci_low", "ci_high", "estimate_from", "estimate_to") if c in rows]
    leaking = rows[rows["suppressed"] & rows[value_cols].notna().any(axis=1)]
    census = rows["item"].astype(str).isin(CENSUS_ITEMS)
    small = rows[~rows["suppressed"] & (rows["n_respondents"] < min_n) & (rows["measure"] != "difference") & ~census]
    bad = pd.concat([leaking, small])
    return CheckOutcome(
        bad.empty,
        f"{len(leaking)} suppressed cells with values, {len(small)} published cells below n = {min_n}",
        bad,
        {"suppressed": int(rows["suppressed"].sum())},
    )
