"""The DuckDB warehouse: contract (schema), connections, atomic writes, published copy (no Dagster)."""

from pipeline.warehouse.schema import DIMENSION_TABLES, TABLES, WAVE_TABLES, columns_of
from pipeline.warehouse.store import (
    connect,
    delete_wave,
    ensure_schema,
    is_lock_error,
    open_warehouse,
    publish_copy,
    query,
    replace_tables,
    replace_wave,
    table_names,
)

__all__ = [
    "DIMENSION_TABLES",
    "TABLES",
    "WAVE_TABLES",
    "columns_of",
    "connect",
    "delete_wave",
    "ensure_schema",
    "is_lock_error",
    "open_warehouse",
    "publish_copy",
    "query",
    "replace_tables",
    "replace_wave",
    "table_names",
]
