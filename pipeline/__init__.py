"""ks-sdg: KS survey exports on municipal SDG work → harmonised DuckDB warehouse → survey-correct findings.

For notebooks: ``con = pipeline.connect_published()`` opens the published read-only copy of the warehouse.
"""

from __future__ import annotations

from pathlib import Path

__version__ = "0.1.0"


def connect_published(path: str | Path | None = None):
    """A read-only DuckDB connection to the published warehouse (``warehouse/ks_sdg_published.duckdb``)."""
    from pipeline.paths import published_warehouse_path
    from pipeline.warehouse import connect

    return connect(path or published_warehouse_path(), read_only=True)
