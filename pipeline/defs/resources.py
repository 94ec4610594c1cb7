"""The warehouse resource: one DuckDB file, opened per use (never at import), closed in ``finally``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import dagster as dg
import duckdb

from pipeline.paths import published_warehouse_path, warehouse_path
from pipeline.warehouse import connect, ensure_schema


class WarehouseResource(dg.ConfigurableResource):
    """DuckDB warehouse at ``path``. Writers must run in pool ``warehouse`` (limit 1 in dagster.yaml);
    ``lock_retries`` bounds the retries on DuckDB's file-lock error from another process."""

    path: str
    published_path: str
    read_only: bool = False
    lock_retries: int = 40

    @contextlib.contextmanager
    def connection(self, read_only: bool | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for the duration of a ``with`` block; the contract tables exist when writing."""
        ro = self.read_only if read_only is None else read_only
        con = connect(self.path, read_only=ro, retries=self.lock_retries)
        try:
            if not ro:
                ensure_schema(con)
            yield con
        finally:
            con.close()


def default_warehouse() -> WarehouseResource:
    """The resource for this checkout (paths from pipeline.paths, overridable by environment variables)."""
    return WarehouseResource(path=str(warehouse_path()), published_path=str(published_warehouse_path()))
