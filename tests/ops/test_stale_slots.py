"""A run whose process died while holding the 'warehouse' pool slot gets its slot freed and is marked failed —
by the sensor (runs launched from the UI) and by the CLI before it starts (covered end to end in
test_crash_recovery.py)."""

import os
import socket
import subprocess

import dagster as dg
import pytest
from dagster._core.test_utils import create_run_for_test

from pipeline.defs.runner import HOST_TAG, PID_TAG, free_stale_pool_slots
from pipeline.defs.sensors import stale_pool_slots_sensor


@pytest.fixture
def instance():
    with dg.instance_for_test() as inst:
        yield inst


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def holding_run(instance, pid: int):
    run = create_run_for_test(
        instance, status=dg.DagsterRunStatus.STARTED, tags={PID_TAG: str(pid), HOST_TAG: socket.gethostname()}
    )
    storage = instance.event_log_storage
    storage.set_concurrency_slots("warehouse", 1)
    assert storage.claim_concurrency_slot("warehouse", run.run_id, "wave_tables").is_claimed
    return run


def test_slot_of_a_dead_run_is_freed_and_the_run_failed(instance):
    run = holding_run(instance, dead_pid())
    context = dg.build_sensor_context(instance=instance)
    result = stale_pool_slots_sensor(context)
    assert run.run_id in result.skip_message
    assert instance.event_log_storage.get_concurrency_info("warehouse").active_run_ids == set()
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE


def test_slot_of_a_live_run_is_kept(instance):
    run = holding_run(instance, os.getpid())
    assert free_stale_pool_slots(instance) == []
    assert instance.event_log_storage.get_concurrency_info("warehouse").active_run_ids == {run.run_id}
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED


def test_a_dead_run_assigned_a_slot_it_never_claimed_is_cleared(instance):
    """Killed between Dagster assigning it the slot and claiming it, a run leaves an assigned queue entry and no
    claimed slot; every later step would queue behind it forever (seen in the SIGKILL test on a slow machine)."""
    import datetime as dt

    from dagster._core.storage.event_log.schema import PendingStepsTable

    run = create_run_for_test(
        instance, status=dg.DagsterRunStatus.STARTED, tags={PID_TAG: str(dead_pid()), HOST_TAG: socket.gethostname()}
    )
    storage = instance.event_log_storage
    storage.set_concurrency_slots("warehouse", 1)
    with storage.index_connection() as conn:
        conn.execute(
            PendingStepsTable.insert().values(
                concurrency_key="warehouse",
                run_id=run.run_id,
                step_key="wave_tables",
                priority=0,
                assigned_timestamp=dt.datetime.now(),
            )
        )
    info = storage.get_concurrency_info("warehouse")
    assert info.active_run_ids == set() and info.assigned_run_ids == {run.run_id}
    waiting = create_run_for_test(instance, status=dg.DagsterRunStatus.STARTED)
    assert not storage.claim_concurrency_slot("warehouse", waiting.run_id, "reference_tables").is_claimed

    assert free_stale_pool_slots(instance) == [run.run_id]
    assert storage.get_concurrency_info("warehouse").assigned_run_ids <= {waiting.run_id}
    assert storage.claim_concurrency_slot("warehouse", waiting.run_id, "reference_tables").is_claimed
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE


def test_the_watchdog_frees_a_slot_that_goes_stale_while_a_run_waits(instance):
    """`ks-sdg materialize` watches the pool while it runs: a run killed meanwhile does not block it for good, and
    a live run keeps its slot."""
    from ks_processes import wait_for

    from pipeline.defs.runner import stale_slot_watchdog

    storage = instance.event_log_storage
    storage.set_concurrency_slots("warehouse", 2)
    tags = lambda pid: {PID_TAG: str(pid), HOST_TAG: socket.gethostname()}  # noqa: E731
    with stale_slot_watchdog(instance, every_s=0.1):
        live = create_run_for_test(instance, status=dg.DagsterRunStatus.STARTED, tags=tags(os.getpid()))
        dead = create_run_for_test(instance, status=dg.DagsterRunStatus.STARTED, tags=tags(dead_pid()))
        assert storage.claim_concurrency_slot("warehouse", live.run_id, "findings_tables").is_claimed
        assert storage.claim_concurrency_slot("warehouse", dead.run_id, "wave_tables").is_claimed
        active = lambda: storage.get_concurrency_info("warehouse").active_run_ids  # noqa: E731
        wait_for(lambda: active() == {live.run_id}, 10, "the dead run's slot to be freed")
    assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
    assert instance.get_run_by_id(live.run_id).status == dg.DagsterRunStatus.STARTED
