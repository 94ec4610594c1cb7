"""Reading and writing the DuckDB warehouse: connections with a bounded retry on DuckDB's file lock, atomic
replacement of a wave or a table, and the published read-only copy.

DuckDB allows one writing process per file. A second process that opens the file while a writer holds it gets an
``IOException`` ("Could not set lock on file"); ``connect`` retries that a bounded number of times with backoff.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.warehouse.schema import TABLES, WAVE_TABLES, columns_of, create_statements

log = logging.getLogger(__name__)

LOCK_MARKERS = ("Could not set lock", "Conflicting lock", "database is locked", "lock on file")

#: Tests only (crash and concurrency tests): ``KS_SDG_TEST_PAUSE_IN_WRITE="replace_wave=30,publish_copy=30"`` makes
#: that step append "<step> <pid>" to the file ``$KS_SDG_TEST_PAUSE_MARKER`` (if set) and sleep that many seconds at
#: its most fragile moment (inside the wave's open transaction, after its deletes and inserts; after the new
#: published file is written, before the rename), so a test can kill the process there. Unset: no effect.
PAUSE_ENV = "KS_SDG_TEST_PAUSE_IN_WRITE"
PAUSE_MARKER_ENV = "KS_SDG_TEST_PAUSE_MARKER"


def _test_pause(step: str) -> None:
    spec = os.environ.get(PAUSE_ENV)
    if not spec:
        return
    seconds = dict(part.split("=", 1) for part in spec.split(",") if "=" in part).get(step)
    if seconds is None:
        return
    marker = os.environ.get(PAUSE_MARKER_ENV)
    if marker:
        with open(marker, "a", encoding="utf-8") as fh:
            fh.write(f"{step} {os.getpid()}\n")
    time.sleep(float(seconds))


def is_lock_error(exc: BaseException) -> bool:
    """True for DuckDB's 'another process holds the file' error."""
    return isinstance(exc, duckdb.Error) and any(m in str(exc) for m in LOCK_MARKERS)


def connect(
    path: str | Path, read_only: bool = False, retries: int = 40, backoff_s: float = 0.05, max_wait_s: float = 2.0
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file, retrying while another process holds its lock (about 60 s at most by default)."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.exists():
        raise FileNotFoundError(f"warehouse {path} does not exist yet: materialise the pipeline first (make run)")
    delay = backoff_s
    for attempt in range(retries + 1):
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            if not is_lock_error(exc) or attempt == retries:
                raise
            log.info("warehouse %s is locked (attempt %d/%d); retrying in %.2f s", path, attempt + 1, retries, delay)
            time.sleep(delay)
            delay = min(delay * 2, max_wait_s)
    raise AssertionError("unreachable")


@contextlib.contextmanager
def open_warehouse(path: str | Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection that is always closed, with the contract tables created when writing."""
    con = connect(path, read_only=read_only)
    try:
        if not read_only:
            ensure_schema(con)
        yield con
    finally:
        con.close()


def _existing_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Column names in order, per table of the main schema (one catalogue query for all tables)."""
    rows = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main' "
        "ORDER BY table_name, ordinal_position"
    ).fetchall()
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        columns.setdefault(table, []).append(column)
    return columns


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing contract tables; re-create a table whose columns differ from the contract (derived data)."""
    existing = _existing_columns(con)
    for statement, table in zip(create_statements(), TABLES, strict=True):
        have = existing.get(table)
        if have == columns_of(table):
            continue
        if have is not None:
            log.warning("table %s has columns %s, contract says %s: re-creating it", table, have, columns_of(table))
            con.execute(f"DROP TABLE {table}")
        con.execute(statement)


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    columns = columns_of(table)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{table}: rows lack columns {missing}")
    if frame.empty:
        return
    view = f"_incoming_{table}"
    con.register(view, frame[columns])
    try:
        con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM {view}")
    finally:
        con.unregister(view)


def replace_wave(con: duckdb.DuckDBPyConnection, wave: str, tables: dict[str, pd.DataFrame]) -> None:
    """Replace everything of one wave in one transaction (delete the wave's rows, insert the new ones)."""
    unknown = set(tables) - set(WAVE_TABLES)
    if unknown:
        raise ValueError(f"not wave tables: {sorted(unknown)}")
    con.execute("BEGIN TRANSACTION")
    try:
        for table in WAVE_TABLES:
            con.execute(f"DELETE FROM {table} WHERE wave = ?", [wave])
        for table, frame in tables.items():
            _insert(con, table, frame)
        _test_pause("replace_wave")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def delete_wave(con: duckdb.DuckDBPyConnection, wave: str) -> None:
    """Remove one wave from every wave table (one transaction)."""
    replace_wave(con, wave, {})


def replace_tables(con: duckdb.DuckDBPyConnection, tables: dict[str, pd.DataFrame]) -> None:
    """Replace whole tables in one transaction.

    Contract tables keep their declared schema (delete + insert); other tables (findings) are re-created from
    the DataFrame's columns and types.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        for table, frame in tables.items():
            if table in TABLES:
                con.execute(f"DELETE FROM {table}")
                _insert(con, table, frame)
            else:
                view = f"_incoming_{table}"
                con.register(view, frame)
                try:
                    con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {view}")
                finally:
                    con.unregister(view)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def query(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    """Run SQL and return a DataFrame (``execute().df()``, the fast path)."""
    return con.execute(sql, params or []).df()


def table_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Base tables of the main schema, sorted."""
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE' "
        "ORDER BY table_name"
    ).fetchall()
    return [r[0] for r in rows]


def publish_copy(source: str | Path, target: str | Path) -> Path:
    """Copy the warehouse to ``target`` atomically: write a new file beside it, then rename it into place.

    Readers that have the old published file open keep reading the old one (POSIX rename semantics); new
    connections see the new copy. Needs the source not to be locked by a writer (call it from the pool).
    """
    source, target = Path(source), Path(target)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    _remove_stale_copies(target)
    con = connect(tmp)
    try:
        con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
        con.execute(f"COPY FROM DATABASE src TO {_db_alias(con)}")
        con.execute("DETACH src")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    _test_pause("publish_copy")
    os.replace(tmp, target)
    return target


def _remove_stale_copies(target: Path) -> None:
    """Delete the temporary copies (and their WAL) beside ``target`` left by publishers that died before their rename
    (SIGKILL, OOM; each is a whole warehouse); a copy whose process still runs is left alone."""
    for leftover in target.parent.glob(f".{target.name}.tmp-*"):
        pid = leftover.name.rsplit("-", 1)[-1].split(".")[0]
        if pid.isdigit() and int(pid) != os.getpid() and _process_alive(int(pid)):
            continue
        leftover.unlink(missing_ok=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def _db_alias(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("SELECT current_database()").fetchone()[0]
