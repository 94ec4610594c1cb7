"""The project's Dagster storage: Dagster's SQLite files, with a pool-slot claim two processes cannot both win."""

import shutil

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
