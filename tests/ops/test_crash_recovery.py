"""SIGKILL in the middle of writing, with real processes and real DuckDB files.

The test hook ``KS_SDG_TEST_PAUSE_IN_WRITE`` (pipeline/warehouse/store.py) holds a writer at its most fragile
moment — inside the wave's transaction after its deletes and inserts, or after the new published file is written
but before the rename — and reports that through ``KS_SDG_TEST_PAUSE_MARKER``, so the kill lands there every time.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from ks_processes import (
    VOLATILE,
    Processes,
    Sandbox,
    assert_same_tables,
    slot_holders,
    snapshot,
    wait_for,
)

from pipeline.build import build_reference, build_wave
from pipeline.warehouse import connect, ensure_schema, publish_copy

WAVE = "2023-nordic"  # its export is a CSV: easy to change, quick to ingest
KEEP_RECORDS = 120  # of its 163 records: the new version of the wave has fewer respondents


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[Processes]:
    processes = Processes(tmp_path)
    yield processes
    processes.close()


def _shrink_export(box: Sandbox) -> None:
    """A changed export: the wave's CSV (one record per line) cut to its first records."""
    export = box.raw / WAVE / "ks-sdg-2023-nordic-SYNTHETIC-nettskjema.csv"
    lines = export.read_text(encoding="utf-8").splitlines(keepends=True)
    export.write_text("".join(lines[: 1 + KEEP_RECORDS]), encoding="utf-8")


def _clean_build(box: Sandbox, path: Path) -> dict:
    """Reference tables and every wave of the sandbox's raw folder built in this process (no Dagster)."""
    build_reference(path)
    for wave_dir in sorted(p for p in box.raw.iterdir() if (p / "codebook.yaml").exists()):
        build_wave(path, wave_dir / "codebook.yaml")
    return snapshot(path, exclude=VOLATILE)


def _respondents(path: Path, wave: str) -> int:
    con = connect(path, read_only=True, retries=0)
    try:
        return con.execute("SELECT count(*) FROM fact_respondent WHERE wave = ?", [wave]).fetchone()[0]
    finally:
        con.close()


def _kill_when_paused(procs: Processes, proc, marker: Path, step: str) -> None:
    """Wait until ``proc`` reports it is paused in ``step``, then SIGKILL its process group."""
    line = wait_for(
        lambda: proc.poll() is None and marker.exists() and marker.read_text().strip(),
        120,
        f"the writer to pause in {step}",
    )
    assert line.split() == [step, str(proc.pid)], line
    procs.kill(proc)
    assert proc.returncode == -9


def _assert_opens_unchanged(path: Path, before: dict) -> None:
    """The file opens read-only and read-write, and holds exactly ``before`` each time."""
    assert_same_tables(snapshot(path), before)
    con = connect(path, retries=0)  # read-write: replays or discards what the killed process left in the WAL
    try:
        ensure_schema(con)
    finally:
        con.close()
    assert_same_tables(snapshot(path), before)


def _previous_version(procs: Processes, box: Sandbox) -> dict:
    """A complete warehouse from a normal ``ks-sdg materialize --ingest-only``; returns its snapshot."""
    output = procs.assert_ok(procs.cli("previous", box.env(), "materialize", "--ingest-only"))
    assert "runs succeeded" in output and "FAIL" not in output, output
    return snapshot(box.warehouse)


@pytest.mark.slow
def test_sigkill_inside_wave_transaction_keeps_previous_version_and_next_run_repairs(
    tmp_path: Path, procs: Processes
) -> None:
    """Killed between the wave's DELETE and its COMMIT, a materialisation leaves the previous complete warehouse
    (every table identical, the other wave untouched); the file opens read-only and read-write; the next normal run
    writes the changed wave, equal to a clean build."""
    box = Sandbox.create(tmp_path / "box", ["2021-vsr", WAVE])
    before = _previous_version(procs, box)
    _shrink_export(box)

    marker = tmp_path / "paused"
    env = box.env(KS_SDG_TEST_PAUSE_IN_WRITE="replace_wave=600", KS_SDG_TEST_PAUSE_MARKER=str(marker))
    _kill_when_paused(
        procs, procs.cli("killed", env, "materialize", "--wave", WAVE, "--ingest-only"), marker, "replace_wave"
    )

    _assert_opens_unchanged(box.warehouse, before)

    with box.instance() as instance:
        killed = [r for r in instance.get_runs() if r.status == dg.DagsterRunStatus.STARTED]
        assert [r.job_name for r in killed] == ["ingest_job"]
        assert slot_holders(instance) == {killed[0].run_id}, "the dead run should still hold the pool slot"

    # nobody frees the slot by hand: the next run must not wait for the dead one
    output = procs.assert_ok(procs.cli("next", box.env(), "materialize", "--ingest-only"), timeout=120)
    assert "FAIL" not in output, output
    with box.instance() as instance:
        assert instance.get_run_by_id(killed[0].run_id).status == dg.DagsterRunStatus.FAILURE
        assert not slot_holders(instance)
    repaired = snapshot(box.warehouse, exclude=VOLATILE)
    assert_same_tables(repaired, _clean_build(box, tmp_path / "clean.duckdb"))
    assert 0 < _respondents(box.warehouse, WAVE) < int((before["fact_respondent"]["wave"] == WAVE).sum())


@pytest.mark.slow
def test_sigkill_at_any_moment_leaves_the_old_or_the_new_wave(tmp_path: Path, procs: Processes) -> None:
    """Killed at moments spread over a whole ingest (reference tables, reading, writing, committing, checks), a
    materialisation always leaves a warehouse that opens and holds either the previous or the new version of the
    wave — never a mix — and the next normal run completes it. Each kill starts from the same previous version;
    the moments are fractions of the time an unkilled run takes on this machine."""
    box = Sandbox.create(tmp_path / "box", [WAVE])
    _previous_version(procs, box)
    old = snapshot(box.warehouse, exclude=VOLATILE)
    saved = tmp_path / "previous.duckdb"
    shutil.copy(box.warehouse, saved)
    _shrink_export(box)
    new = _clean_build(box, tmp_path / "clean.duckdb")

    def start(name: str) -> tuple[subprocess.Popen, float]:
        shutil.copy(saved, box.warehouse)
        box.warehouse.with_name(box.warehouse.name + ".wal").unlink(missing_ok=True)
        ready, go = tmp_path / f"ready-{name}", tmp_path / f"go-{name}"
        env = box.env(KS_SDG_TEST_READY=str(ready), KS_SDG_TEST_GO=str(go))
        proc = procs.cli(name, env, "materialize", "--wave", WAVE, "--ingest-only")
        wait_for(ready.exists, 120, "the worker to import")
        go.touch()
        return proc, time.monotonic()

    proc, began = start("calibration")
    procs.assert_ok(proc)
    duration = time.monotonic() - began
    assert_same_tables(snapshot(box.warehouse, exclude=VOLATILE), new)

    seen = []
    for fraction in (0.3, 0.5, 0.56, 0.62, 0.68, 0.85):
        proc, began = start(f"killed-at-{fraction}")
        time.sleep(max(0.0, began + fraction * duration - time.monotonic()))
        procs.kill(proc)
        state = snapshot(box.warehouse, exclude=VOLATILE)
        if all(state[t].equals(old[t]) for t in old):
            seen.append("old")
        else:
            assert_same_tables(state, new)
            seen.append("new")
        _assert_opens_unchanged(box.warehouse, snapshot(box.warehouse))

    output = procs.assert_ok(procs.cli("next", box.env(), "materialize", "--ingest-only"))
    assert "FAIL" not in output, output
    assert_same_tables(snapshot(box.warehouse, exclude=VOLATILE), new)
    print(f"unkilled run {duration:.2f} s; state after each kill: {seen}")


#: Materialises only the asset ``published_warehouse`` through Dagster (the last step of a full run), after freeing
#: pool slots of dead runs as ``ks-sdg materialize`` does.
PUBLISH = r"""
import sys
import dagster as dg
from pipeline.definitions import defs
from pipeline.defs.runner import free_stale_pool_slots
with dg.DagsterInstance.get() as instance:
    free_stale_pool_slots(instance)
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=instance, asset_selection=[dg.AssetKey("published_warehouse")], raise_on_error=False
    )
sys.exit(0 if result.success else 1)
"""


@pytest.mark.slow
def test_sigkill_during_publish_keeps_old_published_copy(tmp_path: Path, procs: Processes) -> None:
    """Killed after writing the new published copy but before renaming it into place, ``published_warehouse``
    leaves the old published file readable and unchanged; the next run publishes the new copy and removes the dead
    run's temporary file."""
    box = Sandbox.create(tmp_path / "box", ["2021-vsr", WAVE])
    build_reference(box.warehouse)
    build_wave(box.warehouse, box.raw / WAVE / "codebook.yaml")
    publish_copy(box.warehouse, box.published)
    old_published = snapshot(box.published)
    build_wave(box.warehouse, box.raw / "2021-vsr" / "codebook.yaml")  # the warehouse moves on
    current = snapshot(box.warehouse)

    marker = tmp_path / "paused"
    env = box.env(KS_SDG_TEST_PAUSE_IN_WRITE="publish_copy=600", KS_SDG_TEST_PAUSE_MARKER=str(marker))
    proc = procs.start("killed-publish", [sys.executable, "-c", PUBLISH], env)
    leftover = box.published.with_name(f".{box.published.name}.tmp-{proc.pid}")
    _kill_when_paused(procs, proc, marker, "publish_copy")
    assert leftover.exists(), "the new copy should have been written beside the old one"

    _assert_opens_unchanged(box.published, old_published)
    assert_same_tables(snapshot(box.warehouse), current)

    procs.assert_ok(procs.start("next-publish", [sys.executable, "-c", PUBLISH], box.env()))
    assert_same_tables(snapshot(box.published), current)
    assert not leftover.exists(), "the dead publisher's temporary copy was left behind"
    assert sorted(p.name for p in box.published.parent.iterdir()) == ["ks_sdg.duckdb", "ks_sdg_published.duckdb"]
