"""The Dagster instance storage: Dagster's SQLite storage with a race-free claim of pool slots and open connections.

Dagster 1.13's SQL event log storage claims a pool slot in two statements — select a free slot row, then update
that row by id — and relies on ``SELECT … FOR UPDATE SKIP LOCKED`` to keep two processes apart. SQLite ignores
that clause, so two processes asking at the same moment can both take the one ``warehouse`` slot (seen in
``tests/ops/test_concurrency.py``: two writers' pool steps overlapped). Here the update only takes a slot that is
still free, and a process that lost the race is told BLOCKED and asks again, as Dagster's executor does anyway.

It also keeps its SQLite connections open. Dagster's storage opens a database, writes one event and closes it
again — and closing the last connection to a database in WAL mode checkpoints it and deletes its log, about
0.7 ms an event on top of the write (a quarter of Dagster's overhead on ``make run``). Here each database (the
index and the most recently used run shards) keeps an engine whose connections stay open; after storing an event
the run's database file is touched, so a UI watching the run (by file modification) still hears of it at once.

``dagster.yaml`` selects this storage (``storage: custom:``); the files are the same as Dagster's own SQLite
storage (``history/``, ``history/runs/``, ``schedules/`` under ``base_dir``), so existing run history stays.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import sqlalchemy as db
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.base_storage import DagsterStorage
from dagster._core.storage.event_log.schema import ConcurrencySlotsTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME, SqliteEventLogStorage
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from dagster._core.storage.schedules.sqlite.sqlite_schedule_storage import SqliteScheduleStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._core.storage.sqlite_storage import (
    DagsterSqliteStorage,
    _event_logs_directory,
    _runs_directory,
    _schedule_directory,
)
from dagster._serdes import ConfigurableClassData
from dagster._utils import mkdir_p
from dagster._utils.concurrency import ConcurrencySlotStatus


class RaceFreeSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log storage whose pool slot claim cannot hand one slot to two steps, and whose
    connections stay open (see the module docstring)."""

    #: engines kept open at most: the index and the run shards in use (a long-lived UI process sees many runs)
    MAX_OPEN_SHARDS = 8

    def _open_engines(self) -> OrderedDict[str, db.engine.Engine]:
        """This process's engines by shard, most recently used last (a forked child starts with none: it must
        not share its parent's connections, nor close them)."""
        if getattr(self, "_engines_pid", None) != os.getpid():
            for engine in getattr(self, "_engines", {}).values():
                engine.dispose(close=False)
            self._engines: OrderedDict[str, db.engine.Engine] = OrderedDict()
            self._engines_pid = os.getpid()
            self._engines_lock = threading.Lock()
        return self._engines

    def _engine(self, shard: str) -> db.engine.Engine:
        engines = self._open_engines()
        with self._engines_lock:
            engine = engines.get(shard)
            if engine is not None:
                engines.move_to_end(shard)
                return engine
            engine = db.create_engine(
                self.conn_string_for_shard(shard), connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
            )
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            engines[shard] = engine
            while len(engines) > self.MAX_OPEN_SHARDS:
                _, oldest = engines.popitem(last=False)
                oldest.dispose()
            return engine

    def close_connections(self) -> None:
        """Close every open connection of this process (a later use opens them again)."""
        engines = self._open_engines()
        with self._engines_lock:
            while engines:
                engines.popitem()[1].dispose()

    @contextmanager
    def _connect(self, shard: str) -> Iterator[db.engine.Connection]:
        with self._db_lock, self._engine(shard).connect() as conn, conn.begin():
            yield conn

    def store_event(self, event: EventLogEntry) -> None:
        super().store_event(event)
        # the write went to the database's WAL file: touch the database itself, which watchers of the run follow
        if event.run_id and event.run_id != INDEX_SHARD_NAME:
            with suppress(FileNotFoundError):
                os.utime(self.path_for_shard(event.run_id))

    def wipe(self) -> None:
        self.close_connections()  # the run databases are deleted: no connection may stay on a deleted file
        super().wipe()

    def dispose(self) -> None:
        self.close_connections()
        super().dispose()

    def _claim_concurrency_slot(self, concurrency_key: str, run_id: str, step_key: str) -> ConcurrencySlotStatus:
        with self.index_connection() as conn:
            slot_id = free_slot_id(conn, concurrency_key)
            if slot_id is None or not take_slot(conn, slot_id, run_id, step_key):
                return ConcurrencySlotStatus.BLOCKED
            return ConcurrencySlotStatus.CLAIMED


def _not_deleted() -> db.ColumnElement[bool]:
    return ConcurrencySlotsTable.c.deleted == False  # noqa: E712 — a SQL comparison, as Dagster writes it


def free_slot_id(conn: db.engine.Connection, concurrency_key: str) -> int | None:
    """The id of a free slot of the pool, or None."""
    slots = ConcurrencySlotsTable.c
    row = conn.execute(
        db.select(slots.id)
        .where(db.and_(slots.concurrency_key == concurrency_key, slots.step_key.is_(None), _not_deleted()))
        .limit(1)
    ).fetchone()
    return row[0] if row else None


def take_slot(conn: db.engine.Connection, slot_id: int, run_id: str, step_key: str) -> bool:
    """Give slot ``slot_id`` to the step if it is still free (one statement: atomic in SQLite); True if taken."""
    slots = ConcurrencySlotsTable.c
    taken = conn.execute(
        ConcurrencySlotsTable.update()
        .values(run_id=run_id, step_key=step_key)
        .where(db.and_(slots.id == slot_id, slots.step_key.is_(None), _not_deleted()))
    )
    return bool(taken.rowcount)


class KsSqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite instance storage (same files) with :class:`RaceFreeSqliteEventLogStorage`."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self.base_dir = base_dir
        self._run_storage = SqliteRunStorage.from_local(_runs_directory(base_dir))
        self._event_log_storage = RaceFreeSqliteEventLogStorage(_event_logs_directory(base_dir))
        self._schedule_storage = SqliteScheduleStorage.from_local(_schedule_directory(base_dir))
        self._inst_data = inst_data
        DagsterStorage.__init__(self)

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData, config_value: dict) -> KsSqliteStorage:
        mkdir_p(config_value["base_dir"])
        return cls(config_value["base_dir"], inst_data=inst_data)
