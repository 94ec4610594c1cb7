"""estimate_changes: which published cells changed, appeared or disappeared between two publications."""

import numpy as np
import pandas as pd

from pipeline.findings.changes import estimate_changes, summarise_changes


def cells(rows: list[tuple]) -> pd.DataFrame:
    """finding_barriers-like rows: (wave, grp, item, estimate, n)."""
    return pd.DataFrame(
        {
            "wave": [r[0] for r in rows],
            "org_type": "kommune",
            "estimand": "orgs",
            "breakdown": "size_class",
            "grp": [r[1] for r in rows],
            "item": [r[2] for r in rows],
            "measure": "proportion",
            "estimate": [r[3] for r in rows],
            "n_respondents": [r[4] for r in rows],
        }
    )


def test_changed_new_removed_withheld_and_n_changes_largest_first():
    before = cells(
        [
            ("2021-vsr", "1", "barriers_capacity", 0.50, 40),  # unchanged
            ("2021-vsr", "2", "barriers_capacity", 0.40, 30),  # moves by +0.10
            ("2021-vsr", "3", "barriers_capacity", 0.30, 6),  # becomes withheld (n 6 -> 4)
            ("2021-vsr", "4", "barriers_capacity", 0.20, 12),  # same estimate, one respondent fewer
            ("2021-vsr", "4", "barriers_data", 0.25, 12),  # removed
        ]
    )
    after = cells(
        [
            ("2021-vsr", "1", "barriers_capacity", 0.50 + 1e-12, 40),
            ("2021-vsr", "2", "barriers_capacity", 0.50, 30),
            ("2021-vsr", "3", "barriers_capacity", np.nan, 4),
            ("2021-vsr", "4", "barriers_capacity", 0.20, 11),
            ("2021-vsr", "1", "barriers_methods", 0.10, 40),  # new
        ]
    )
    changes = estimate_changes({"finding_barriers": before}, {"finding_barriers": after})
    got = [(r.grp, r.item, r.change) for r in changes.itertuples()]
    assert got == [  # by the size of the difference; those without one (withheld, new, removed) last
        ("2", "barriers_capacity", "changed"),
        ("4", "barriers_capacity", "changed"),
        ("1", "barriers_methods", "new"),
        ("3", "barriers_capacity", "changed"),
        ("4", "barriers_data", "removed"),
    ]
    first = changes.iloc[0]
    assert first["difference"] == np.float64(0.50) - np.float64(0.40)
    assert (first["estimate_before"], first["estimate_after"]) == (0.4, 0.5)
    assert (first["n_before"], first["n_after"]) == (30, 30)
    withheld = changes.iloc[3]
    assert np.isnan(withheld["difference"]) and (withheld["n_before"], withheld["n_after"]) == (6, 4)
    assert summarise_changes(changes) == {"changed": 3, "new": 1, "removed": 1, "waves": 1}


def test_identical_findings_have_no_changes():
    same = cells([("2025-vnr", "1", "barriers_capacity", 0.5, 40)])
    assert estimate_changes({"finding_barriers": same}, {"finding_barriers": same.copy()}).empty
