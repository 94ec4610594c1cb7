"""Materialise everything through Dagster, in this process, recording runs in the project's instance.

Used by ``ks-sdg materialize`` (``make run``): reference tables, then each wave partition, then everything
downstream (findings, deliverables). Each step is a Dagster run visible in the UI's run history.
"""

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import dagster as dg
from dagster._core.storage.runs import SqliteRunStorage

from pipeline.defs.partitions import codebook_paths, wave_partitions


@dataclass
class RunSummary:
    job: str
    partition: str | None
    success: bool
    seconds: float
    run_id: str
    error: str | None = None


PID_TAG, HOST_TAG = "ks-sdg/pid", "ks-sdg/host"
log = logging.getLogger(__name__)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _run_pid(instance: dg.DagsterInstance, run: dg.DagsterRun) -> int | None:
    """The process executing a run on this machine: our CLI's tag, else the pid its latest event was logged from
    (the instance's SQLite storage is local, so the run ran here). None when unknown or on another host."""
    host = run.tags.get(HOST_TAG)
    if host is not None and host != socket.gethostname():
        return None
    pid = run.tags.get(PID_TAG)
    if pid and pid.isdigit():
        return int(pid)
    if not isinstance(instance.run_storage, SqliteRunStorage):
        return None
    records = instance.get_records_for_run(run.run_id, ascending=False, limit=1).records
    event = records[0].event_log_entry.dagster_event if records else None
    return event.pid if event is not None and event.pid else None


def free_stale_pool_slots(instance: dg.DagsterInstance) -> list[str]:
    """Give back pool slots held by runs that can no longer release them, and mark those runs failed.

    A run killed with SIGKILL (or a machine that lost power) keeps its ``warehouse`` slot; with the pool limited
    to 1 every later run would wait for it forever (a dead run still queued for a slot, or assigned one it never
    claimed, blocks the queue the same way). A slot or queue entry is stale when its run is finished or gone, or
    when the process executing the run (see :func:`_run_pid`) is dead. Returns the freed run ids.
    """
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return []
    freed: list[str] = []
    for pool in storage.get_concurrency_keys():
        info = storage.get_concurrency_info(pool)
        # a run killed between Dagster assigning it the slot and claiming it holds an *assigned* pending step:
        # it owns no slot yet, but every later step queues behind it
        for run_id in sorted(info.active_run_ids | info.assigned_run_ids | info.pending_run_ids):
            run = instance.get_run_by_id(run_id)
            dead = run is None or run.is_finished
            if run is not None and not run.is_finished:
                pid = _run_pid(instance, run)
                if pid is not None and not _process_alive(pid):
                    instance.report_run_failed(run, f"process {pid} died while the run held pool {pool!r}")
                    dead = True
            if dead and run_id not in freed:
                storage.free_concurrency_slots_for_run(run_id)
                freed.append(run_id)
    return freed


@contextmanager
def stale_slot_watchdog(instance: dg.DagsterInstance, every_s: float = 5.0) -> Iterator[None]:
    """While the block runs, free stale pool slots every ``every_s`` seconds in a background thread.

    A run killed while this process waits for the ``warehouse`` slot would otherwise keep it waiting for good:
    Dagster's in-process executor polls for a free slot without end (and the UI's stale-slot sensor only runs
    when ``dagster dev`` does)."""
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(every_s):
            try:
                freed = free_stale_pool_slots(instance)
            except Exception as exc:  # a busy storage must not end the run; the next round tries again
                log.info("stale pool slot check failed: %s", exc)
                continue
            if freed:
                log.warning("freed the pool slots of dead runs %s", ", ".join(r[:8] for r in freed))

    thread = threading.Thread(target=watch, name="ks-sdg-stale-slot-watchdog", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every_s + 5)


def register_wave_partitions(instance: dg.DagsterInstance, waves: list[str]) -> list[str]:
    """Add dynamic partitions for waves the instance does not know yet; return the ones added."""
    known = set(instance.get_dynamic_partitions(wave_partitions.name))
    new = [w for w in waves if w not in known]
    if new:
        try:
            instance.add_dynamic_partitions(wave_partitions.name, new)
        except Exception:
            # another process registered them between our read and our insert (UNIQUE constraint): fine if they
            # are all there now
            if set(new) - set(instance.get_dynamic_partitions(wave_partitions.name)):
                raise
            return []
    return new


def _root_message(event: dg.DagsterEvent) -> str:
    """The message of the innermost non-Dagster error behind a failure event (the user's actual problem)."""
    err = getattr(event.event_specific_data, "error", None)
    if err is None:
        return (event.message or "").strip()
    chain = []
    while err is not None:
        chain.append(err)
        err = err.cause or err.context
    own = [e for e in chain if not e.cls_name.startswith("Dagster")] or chain
    return own[0].message.strip().splitlines()[0] if own[0].message.strip() else own[0].cls_name


def _run(defs: dg.Definitions, job: str, instance: dg.DagsterInstance, partition: str | None = None) -> RunSummary:
    start = time.perf_counter()
    result = defs.resolve_job_def(job).execute_in_process(
        instance=instance,
        partition_key=partition,
        raise_on_error=False,
        tags={"ks-sdg/trigger": "cli", PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()},
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )
    error = None
    if not result.success:
        messages: list[str] = []
        for event in result.all_events:
            if event.is_failure:
                line = f"{event.step_key or 'run'}: {_root_message(event)}"
                if line not in messages:
                    messages.append(line)
        error = "\n     ".join(messages) or "run failed"
    return RunSummary(job, partition, result.success, time.perf_counter() - start, result.run_id, error)


def materialize_all(
    defs: dg.Definitions, instance: dg.DagsterInstance, waves: list[str] | None = None, downstream: bool = True
) -> list[RunSummary]:
    """Reference tables, every (or the given) wave, then the downstream job when defined."""
    found = sorted(codebook_paths())
    chosen = found if waves is None else [w for w in found if w in waves]
    missing = sorted(set(waves or []) - set(found))
    if missing:
        raise ValueError(f"no codebook for wave(s) {missing}; found: {found}")
    register_wave_partitions(instance, found)
    free_stale_pool_slots(instance)
    with stale_slot_watchdog(instance):
        summaries = [_run(defs, "reference_job", instance)]
        for wave in chosen:
            summaries.append(_run(defs, "ingest_job", instance, wave))
        if downstream and any(j.name == "downstream_job" for j in defs.jobs or []):
            summaries.append(_run(defs, "downstream_job", instance))
    return summaries
