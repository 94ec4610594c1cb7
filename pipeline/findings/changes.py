"""What moved between two publications: every published estimate of the findings tables that changed, appeared or
disappeared — so a researcher who re-ingests a corrected export in the weeks before an HLPF deadline sees at once
which numbers in the report draft are no longer right.

Cells are matched on table, wave, org type, estimand, breakdown, group, item and measure (and, for trends, the
population: all or panel). A cell counts as changed when its estimate moved by more than ``TOLERANCE`` or became
suppressed / unsuppressed, or when its number of respondents changed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.findings import LAYOUT_TABLES
from pipeline.warehouse import connect, table_names

#: Findings tables whose estimates are compared: those in the shared long layout.
COMPARED_TABLES = LAYOUT_TABLES
KEY = ["table", "wave", "org_type", "estimand", "breakdown", "grp", "item", "measure", "population"]
TOLERANCE = 1e-9
CHANGE_COLUMNS = [*KEY, "change", "estimate_before", "estimate_after", "difference", "n_before", "n_after"]


def _cells(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The compared cells of all findings tables, one row per key (suppressed estimates as NaN)."""
    parts = []
    for name in COMPARED_TABLES:
        frame = tables.get(name)
        if frame is None or frame.empty:
            continue
        part = frame.assign(table=name)
        if "population" not in part:
            part = part.assign(population="")
        part = part.assign(grp=part["grp"].astype(str), population=part["population"].fillna("").astype(str))
        parts.append(part[[*KEY, "estimate", "n_respondents"]])
    if not parts:
        return pd.DataFrame(columns=[*KEY, "estimate", "n_respondents"])
    return pd.concat(parts, ignore_index=True)


def estimate_changes(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Cells whose estimate or n differs between two sets of findings tables (by table name).

    ``change`` is ``changed``, ``new`` (only after) or ``removed`` (only before); ``difference`` is after − before
    (NaN when either side is withheld or missing). Sorted by the size of the difference, largest first; cells
    without one (newly withheld or shown, new, removed) come last.
    """
    merged = _cells(before).merge(_cells(after), on=KEY, how="outer", suffixes=("_before", "_after"), indicator=True)
    old, new = merged["estimate_before"].to_numpy(float), merged["estimate_after"].to_numpy(float)
    moved = np.abs(new - old) > TOLERANCE
    withheld_flip = np.isnan(old) != np.isnan(new)
    n_changed = merged["n_respondents_before"].fillna(-1).to_numpy() != merged["n_respondents_after"].fillna(-1)
    both = (merged["_merge"] == "both").to_numpy()
    change = np.select(
        [merged["_merge"] == "left_only", merged["_merge"] == "right_only", both & (moved | withheld_flip | n_changed)],
        ["removed", "new", "changed"],
        default="",
    )
    out = merged.assign(
        change=change,
        difference=new - old,
        n_before=merged["n_respondents_before"],
        n_after=merged["n_respondents_after"],
    )[change != ""]
    out = out.assign(_size=out["difference"].abs().fillna(-1)).sort_values(
        ["_size", *KEY], ascending=[False, *[True] * len(KEY)]
    )
    return out[CHANGE_COLUMNS].reset_index(drop=True)


def summarise_changes(changes: pd.DataFrame) -> dict[str, int]:
    """Counts per kind of change, and the number of waves touched."""
    counts = changes["change"].value_counts()
    return {
        "changed": int(counts.get("changed", 0)),
        "new": int(counts.get("new", 0)),
        "removed": int(counts.get("removed", 0)),
        "waves": int(changes["wave"].nunique()),
    }


def findings_in(path: str | Path) -> dict[str, pd.DataFrame]:
    """The compared findings tables of a warehouse file ({} when the file does not exist yet)."""
    if not Path(path).exists():
        return {}
    con = connect(path, read_only=True)
    try:
        present = set(table_names(con))
        return {name: con.execute(f"SELECT * FROM {name}").df() for name in COMPARED_TABLES if name in present}
    finally:
        con.close()
