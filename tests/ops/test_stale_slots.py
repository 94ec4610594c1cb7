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
