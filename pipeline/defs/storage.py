"""The Dagster instance storage: Dagster's SQLite storage with a race-free claim of pool slots.

Dagster 1.13's SQL event log storage claims a pool slot in two statements — select a free slot row, then update
that row by id — and relies on ``SELECT … FOR UPDATE SKIP LOCKED`` to keep two processes apart. SQLite ignores
that clause, so two processes asking at the same moment can both take the one ``warehouse`` slot (seen in
``tests/ops/test_concurrency.py``: two writers' pool steps overlapped). Here the update only takes a slot that is
still free, and a process that lost the race is told BLOCKED and asks again, as Dagster's executor does anyway.

``dagster.yaml`` selects this storage (``storage: custom:``); the files are the same as Dagster's own SQLite
storage (``history/``, ``history/runs/``, ``schedules/`` under ``base_dir``), so existing run history stays.
"""

from __future__ import annotations

import sqlalchemy as db
from dagster._core.storage.base_storage import DagsterStorage
from dagster._core.storage.event_log.schema import ConcurrencySlotsTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from dagster._core.storage.schedules.sqlite.sqlite_schedule_storage import SqliteScheduleStorage
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
    """Dagster's SQLite event log storage whose pool slot claim cannot hand one slot to two steps."""

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
