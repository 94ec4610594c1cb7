"""ks-sdg: KS survey exports on municipal SDG work → harmonised DuckDB warehouse → survey-correct findings.

For notebooks: ``con = pipeline.connect_published()`` opens the published read-only copy of the warehouse.
"""

from __future__ import annotations

from pathlib import Path

__version__ = "0.1.0"


def connect_published(path: str | Path | None = None):
    """A read-only DuckDB connection to the published warehouse (``warehouse/ks_sdg_published.duckdb``).

    Each call sees the copy that is published *now*: the file is attached to a fresh in-memory database, so a
    notebook re-running ``con = pipeline.connect_published()`` after a refresh gets the new copy even while an
    older connection is still open (DuckDB would otherwise hand back the database it already has open).
    """
    import duckdb

    from pipeline.paths import published_warehouse_path

    target = Path(path or published_warehouse_path())
    if not target.exists():
        raise FileNotFoundError(f"no published warehouse at {target}: materialise the pipeline first (make run)")
    con = duckdb.connect(":memory:")
    try:
        escaped = str(target).replace("'", "''")
        con.execute(f"ATTACH '{escaped}' AS published (READ_ONLY)")
        con.execute("USE published")
    except BaseException:
        con.close()
        raise
    return con
