"""Shared fixtures: a warehouse built from the bundled synthetic sample (pure functions, no Dagster)."""

import os
from pathlib import Path

import pytest

from ks_testing import SAMPLE

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Path:
    """A warehouse with the three sample waves and all findings (read it; copy it before writing)."""
    from pipeline.build import build_warehouse

    path = tmp_path_factory.mktemp("warehouse") / "ks_sdg.duckdb"
    build_warehouse(path, raw=SAMPLE)
    return path


@pytest.fixture(scope="session")
def sample_tables(sample_warehouse) -> dict:
    """Every table of the sample warehouse as a DataFrame, keyed by table name."""
    from pipeline.warehouse import connect, table_names

    con = connect(sample_warehouse, read_only=True)
    try:
        return {name: con.execute(f"SELECT * FROM {name}").df() for name in table_names(con)}
    finally:
        con.close()
