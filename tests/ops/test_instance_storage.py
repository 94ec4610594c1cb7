"""The project's Dagster storage: Dagster's SQLite files, with a pool-slot claim two processes cannot both win."""

import logging
import os
import shutil
import time

import dagster as dg
from dagster._utils.concurrency import ConcurrencySlotStatus

from ks_testing import ROOT
from pipeline.defs.storage import RaceFreeSqliteEventLogStorage, free_slot_id, take_slot


def _instance(tmp_path, monkeypatch) -> dg.DagsterInstance:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("KS_SDG_DAGSTER_DIR", str(home / ".dagster"))
    monkeypatch.setenv("KS_SDG_DAGSTER_COMPUTE_LOGS", str(home / ".dagster" / "logs"))
    return dg.DagsterInstance.get()


def test_the_project_instance_uses_the_race_free_storage_in_dagsters_folders(tmp_path, monkeypatch):
    instance = _instance(tmp_path, monkeypatch)
    try:
        assert isinstance(instance.event_log_storage, RaceFreeSqliteEventLogStorage)
        storage = instance.event_log_storage
        storage.set_concurrency_slots("warehouse", 1)
        assert (tmp_path / "home" / ".dagster" / "history" / "runs" / "index.db").is_file()
        assert (tmp_path / "home" / ".dagster" / "history" / "runs.db").is_file()
        assert storage.claim_concurrency_slot("warehouse", "run-a", "wave_tables").is_claimed
        assert not storage.claim_concurrency_slot("warehouse", "run-b", "wave_tables").is_claimed
        storage.free_concurrency_slots_for_run("run-a")
        assert storage.claim_concurrency_slot("warehouse", "run-b", "wave_tables").is_claimed
    finally:
        instance.dispose()


def test_two_claims_of_the_same_free_slot_cannot_both_win(tmp_path, monkeypatch):
    """The interleaving Dagster's own claim gets wrong on SQLite: both processes find the same free slot, then
    both take it. Here the second take finds it gone."""
    instance = _instance(tmp_path, monkeypatch)
    try:
        storage = instance.event_log_storage
        storage.set_concurrency_slots("warehouse", 1)
        with storage.index_connection() as first:  # process A looks for a free slot
            slot_a = free_slot_id(first, "warehouse")
        with storage.index_connection() as second:  # so does process B, before A has taken it
            slot_b = free_slot_id(second, "warehouse")
        assert slot_a == slot_b is not None
        with storage.index_connection() as first:
            assert take_slot(first, slot_a, "run-a", "reference_tables")
        with storage.index_connection() as second:
            assert not take_slot(second, slot_b, "run-b", "reference_tables")
        info = storage.get_concurrency_info("warehouse")
        assert info.active_run_ids == {"run-a"}
        assert storage._claim_concurrency_slot("warehouse", "run-b", "x") == ConcurrencySlotStatus.BLOCKED
    finally:
        instance.dispose()


def _entry(run_id: str, message: str) -> dg.EventLogEntry:
    return dg.EventLogEntry(
        error_info=None, level=logging.INFO, user_message=message, run_id=run_id, timestamp=time.time()
    )


def test_connections_stay_open_and_events_are_stored(tmp_path, monkeypatch):
    instance = _instance(tmp_path, monkeypatch)
    try:
        storage = instance.event_log_storage
        for k in range(3):
            storage.store_event(_entry("run-open", f"event {k}"))
        engines = storage._open_engines()
        assert "run-open" in engines  # one engine per database, kept for the next event
        pool = engines["run-open"].pool
        assert pool.checkedin() >= 1 and pool.checkedout() == 0  # an open connection waits in the pool
        messages = [r.event_log_entry.user_message for r in storage.get_records_for_run("run-open").records]
        assert messages == ["event 0", "event 1", "event 2"]
        # at most MAX_OPEN_SHARDS databases open; the least recently used is closed first
        for k in range(storage.MAX_OPEN_SHARDS + 2):
            storage.store_event(_entry(f"run-{k}", "x"))
        assert len(engines) == storage.MAX_OPEN_SHARDS
        assert "run-open" not in engines and f"run-{storage.MAX_OPEN_SHARDS + 1}" in engines
        storage.close_connections()
        assert not engines
        assert len(storage.get_records_for_run("run-open").records) == 3  # reopened on use
    finally:
        instance.dispose()


def test_a_watcher_of_the_run_hears_each_stored_event(tmp_path, monkeypatch):
    """The UI follows a run by watching its database file; with open connections the write lands in the WAL
    file, so the storage touches the database after each event."""
    instance = _instance(tmp_path, monkeypatch)
    heard: list[str] = []
    try:
        storage = instance.event_log_storage
        storage.store_event(_entry("run-w", "before"))
        storage.watch("run-w", None, lambda entry, cursor: heard.append(entry.user_message))
        time.sleep(0.3)  # the observer starts
        storage.store_event(_entry("run-w", "live"))
        deadline = time.time() + 10
        while "live" not in heard and time.time() < deadline:
            time.sleep(0.05)
        assert "live" in heard
    finally:
        instance.dispose()


def test_a_forked_child_opens_its_own_connections(tmp_path, monkeypatch):
    instance = _instance(tmp_path, monkeypatch)
    try:
        storage = instance.event_log_storage
        storage.store_event(_entry("run-f", "parent"))
        parent_engine = storage._open_engines()["run-f"]
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: must not reuse (or close) the parent's connections
            try:
                fresh = "run-f" not in storage._open_engines()
                storage.store_event(_entry("run-f", "child"))
                ok = fresh and storage._open_engines()["run-f"] is not parent_engine
                os.write(write, b"1" if ok else b"0")
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        assert os.read(read, 1) == b"1"
        assert storage._open_engines()["run-f"] is parent_engine
        messages = [r.event_log_entry.user_message for r in storage.get_records_for_run("run-f").records]
        assert messages == ["parent", "child"]  # the parent's connection still works and sees the child's write
    finally:
        instance.dispose()
