"""Concurrency with real processes and real DuckDB files: two ``ks-sdg materialize`` processes started at the same
moment against one warehouse (sharing the Dagster instance, so the pool ``warehouse`` limited to 1 serialises their
writing steps; or with separate instances, where only the warehouse's lock retry does), and a notebook reading the
published warehouse while a full materialisation replaces it."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from ks_processes import EXPECTED, Processes, Sandbox, rows, wait_for

import pipeline
from pipeline.build import build_reference, build_wave
from pipeline.definitions import make_definitions
from pipeline.warehouse import DIMENSION_TABLES, WAVE_TABLES, connect, publish_copy, table_names

#: Seconds each writer stays inside its wave transaction, so the two processes surely meet at the warehouse.
PAUSE = "replace_wave=2"
BLOCKED = "Step blocked by limit for pool warehouse"
LOCKED = "is locked (attempt"


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[Processes]:
    processes = Processes(tmp_path)
    yield processes
    processes.close()


def _pool_steps() -> set[str]:
    """Step keys (op names) of the reference and ingest jobs that run in the pool ``warehouse``."""
    defs = make_definitions()
    return {
        node.name
        for job in ("reference_job", "ingest_job")
        for node in defs.resolve_job_def(job).graph.nodes
        if node.definition.pool == "warehouse"
    }


def _pool_evidence(instance: dg.DagsterInstance) -> tuple[list[tuple[float, float, str]], int, list]:
    """Intervals (start, end, run:step) of the pool steps of every run, the number of 'blocked by pool' events,
    and the runs as (job, partition, status)."""
    steps = _pool_steps()
    intervals, blocked, runs = [], 0, []
    for run in instance.get_runs():
        runs.append((run.job_name, run.tags.get("dagster/partition"), run.status))
        started: dict[str, float] = {}
        for entry in instance.all_logs(run.run_id):
            event = entry.dagster_event
            if event is None:
                continue
            if event.event_type_value == "ENGINE_EVENT" and (event.message or "").startswith(BLOCKED):
                blocked += 1
            if entry.step_key not in steps:
                continue
            if event.event_type_value == "STEP_START":
                started[entry.step_key] = entry.timestamp
            elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
                intervals.append((started.pop(entry.step_key), entry.timestamp, f"{run.run_id[:8]}:{entry.step_key}"))
    return sorted(intervals), blocked, runs


def _assert_wave_exact(con, wave: str, reference: Path) -> None:
    """The wave's rows in every wave table equal a clean single-process build; counts as in the sample."""
    n, complete, partial, superseded = EXPECTED[wave]
    counts = con.execute(
        "SELECT count(*), count(*) FILTER (status = 'complete'), count(*) FILTER (status = 'partial'), "
        "count(DISTINCT respondent_id) FROM fact_respondent WHERE wave = ?",
        [wave],
    ).fetchone()
    assert counts == (n, complete, partial, n)
    issues = con.execute(
        "SELECT count(*) FROM ingest_issue WHERE wave = ? AND kind = 'superseded_duplicate'", [wave]
    ).fetchone()[0]
    assert issues == superseded
    manifest = con.execute(
        "SELECT count(*), sum(n_respondents), sum(n_responses) FROM ingest_manifest WHERE wave = ?", [wave]
    ).fetchone()
    responses, distinct = con.execute(
        "SELECT count(*), count(DISTINCT (respondent_id, question_id, option_code)) FROM fact_response WHERE wave = ?",
        [wave],
    ).fetchone()
    assert manifest[1:] == (n, responses), f"manifest does not reconcile: {manifest} vs {n} / {responses}"
    assert responses == distinct, "duplicate responses"
    clean = connect(reference, read_only=True, retries=0)
    try:
        for table in WAVE_TABLES:
            pd.testing.assert_frame_equal(rows(con, table, wave), rows(clean, table, wave), obj=f"{table}[{wave}]")
    finally:
        clean.close()


def _start_together(procs: Processes, box: Sandbox, runs: list[tuple[str, str]]) -> list[subprocess.Popen]:
    """Start one ``ks-sdg materialize --wave W --ingest-only`` per (home, wave); release them at the same moment
    once all have imported the pipeline."""
    go = box.root / "go"
    started = []
    for i, (home, wave) in enumerate(runs):
        ready = box.root / f"ready-{i}"
        env = box.env(home, KS_SDG_TEST_READY=str(ready), KS_SDG_TEST_GO=str(go), KS_SDG_TEST_PAUSE_IN_WRITE=PAUSE)
        started.append(procs.cli(f"writer-{i}-{wave}", env, "materialize", "--wave", wave, "--ingest-only"))
    wait_for(lambda: all((box.root / f"ready-{i}").exists() for i in range(len(runs))), 120, "workers to import")
    go.touch()
    return started


CASES = {
    "same wave, shared instance": (("home", "2023-nordic"), ("home", "2023-nordic")),
    "two waves, shared instance": (("home", "2021-vsr"), ("home", "2023-nordic")),
    "same wave, separate instances": (("home-a", "2023-nordic"), ("home-b", "2023-nordic")),
    "two waves, separate instances": (("home-a", "2021-vsr"), ("home-b", "2023-nordic")),
}


@pytest.mark.slow
@pytest.mark.parametrize("runs", list(CASES.values()), ids=list(CASES))
def test_two_materialisations_at_once(runs, tmp_path: Path, procs: Processes, sample_warehouse: Path) -> None:
    """Both processes finish, and the warehouse holds each wave exactly once, identical to a clean build.

    With one Dagster instance the pool ``warehouse`` (limit 1) makes one process wait for the other's writing steps
    (their pool steps never overlap in time). With separate instances the pool cannot help: the second writer meets
    DuckDB's file lock and ``connect`` retries until the first has closed the file."""
    waves = sorted({wave for _, wave in runs})
    homes = sorted({home for home, _ in runs})
    box = Sandbox.create(tmp_path / "box", waves)
    for home in homes:  # an instance that knows the waves, as after `make run` or the raw/ sensor (see below)
        with box.instance(home) as instance:
            instance.add_dynamic_partitions("wave", waves)

    outputs = [procs.assert_ok(proc, timeout=240) for proc in _start_together(procs, box, list(runs))]

    for output in outputs:
        assert "2 of 2 runs succeeded" in output, output
    con = connect(box.warehouse, read_only=True, retries=0)
    try:
        assert sorted(r[0] for r in con.execute("SELECT DISTINCT wave FROM fact_respondent").fetchall()) == waves
        for wave in waves:
            _assert_wave_exact(con, wave, sample_warehouse)
        clean = connect(sample_warehouse, read_only=True, retries=0)
        try:
            for table in DIMENSION_TABLES:
                pd.testing.assert_frame_equal(rows(con, table), rows(clean, table), obj=table)
        finally:
            clean.close()
    finally:
        con.close()

    lock_waits = sum(output.count(LOCKED) for output in outputs)
    if len(homes) == 1:
        with box.instance(homes[0]) as instance:
            intervals, blocked, dagster_runs = _pool_evidence(instance)
        assert sorted(dagster_runs, key=str) == sorted(
            [("reference_job", None, dg.DagsterRunStatus.SUCCESS)] * 2
            + [("ingest_job", wave, dg.DagsterRunStatus.SUCCESS) for _, wave in runs],
            key=str,
        )
        assert blocked >= 1, "the second process was never held back by the pool: the test did not overlap them"
        for (_, end, first), (start, _, second) in itertools.pairwise(intervals):
            assert end <= start, f"pool steps overlapped: {first} until {end}, {second} from {start}"
        assert lock_waits == 0, "with the pool serialising the writers, no process should meet the file lock"
    else:
        assert lock_waits >= 1, "the writers never met DuckDB's lock: the test did not overlap them"


def _published_state(con) -> tuple:
    """What a notebook sees: respondents per wave, a checksum of the responses, the tables."""
    waves = con.execute("SELECT wave, count(*) FROM fact_respondent GROUP BY wave ORDER BY wave").fetchall()
    checksum = con.execute(
        "SELECT count(*), sum(hash(wave, respondent_id, question_id, option_code, value_num)) FROM fact_response"
    ).fetchone()
    return tuple(waves), tuple(int(x) for x in checksum), tuple(table_names(con))


#: A notebook in its own process: opens the published warehouse, reads, closes, again and again until told to stop;
#: one JSON line per read. Any error ends it with a traceback (exit code 1).
NOTEBOOK = r"""
import json, sys, time
from pathlib import Path
import pipeline
path, stop, log = sys.argv[1], Path(sys.argv[2]), open(sys.argv[3], "a")
while not stop.exists():
    start = time.monotonic()
    con = pipeline.connect_published(path)
    try:
        waves = con.execute("SELECT wave, count(*) FROM fact_respondent GROUP BY wave ORDER BY wave").fetchall()
    finally:
        con.close()
    log.write(json.dumps({"waves": waves, "seconds": time.monotonic() - start}) + "\n")
    log.flush()
    time.sleep(0.2)
"""


@pytest.mark.slow
def test_notebook_reader_and_full_materialisation_do_not_block_each_other(tmp_path: Path, procs: Processes) -> None:
    """A notebook holding the published warehouse open, and another opening it again and again, never block a full
    materialisation (which replaces the published file) nor get blocked: the open connection keeps reading the old
    copy consistently, fresh connections see either the old or the new copy (never an error or a half state), and
    after the run a new connection sees the new copy."""
    box = Sandbox.create(tmp_path / "box", ["2021-vsr", "2023-nordic"])
    build_reference(box.warehouse)
    for wave in ("2021-vsr", "2023-nordic"):
        build_wave(box.warehouse, box.raw / wave / "codebook.yaml")
    publish_copy(box.warehouse, box.published)
    box.add_wave("2025-vnr")  # the new copy will have a third wave and the findings tables

    held = pipeline.connect_published(box.published)
    try:
        old = _published_state(held)
        assert [w for w, _ in old[0]] == ["2021-vsr", "2023-nordic"]
        stop, log = tmp_path / "stop-notebook", tmp_path / "notebook.jsonl"
        notebook = procs.start(
            "notebook", [sys.executable, "-c", NOTEBOOK, str(box.published), str(stop), str(log)], box.env()
        )
        writer = procs.cli("materialize", box.env(), "materialize")
        reads = 0
        while writer.poll() is None:
            start = time.monotonic()
            assert _published_state(held) == old
            assert time.monotonic() - start < 10, "a read of the held connection was blocked"
            reads += 1
            time.sleep(0.25)
        output = procs.assert_ok(writer, timeout=5)
        assert "5 of 5 runs succeeded" in output, output
        assert f"published copy for notebooks: {box.published}" in output, output
        assert reads > 0
        assert _published_state(held) == old, "the open connection must keep the old copy"

        new_waves = [
            ["2021-vsr", EXPECTED["2021-vsr"][0]],
            ["2023-nordic", EXPECTED["2023-nordic"][0]],
            ["2025-vnr", EXPECTED["2025-vnr"][0]],
        ]

        def notebook_states() -> list[dict]:
            return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

        wait_for(lambda: any(s["waves"] == new_waves for s in notebook_states()), 60, "the notebook to see it")
        stop.touch()
        procs.assert_ok(notebook, timeout=30)
        states = notebook_states()
        old_waves = [list(w) for w in old[0]]
        kinds = [0 if s["waves"] == old_waves else 1 if s["waves"] == new_waves else -1 for s in states]
        assert -1 not in kinds, f"a fresh connection saw a state that is neither copy: {states}"
        assert kinds == sorted(kinds), "a fresh connection went back to the old copy after seeing the new one"
        assert max(s["seconds"] for s in states) < 10, "opening the published warehouse was blocked"

        # a fresh process (a new notebook kernel) sees the new copy while the old connection is still open
        probe = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys, pipeline; c = pipeline.connect_published(sys.argv[1]); "
                "print(c.execute('SELECT count(DISTINCT wave) FROM fact_respondent').fetchone()[0])",
                str(box.published),
            ],
            env=box.env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        assert probe.stdout.strip() == "3"
    finally:
        held.close()

    con = pipeline.connect_published(box.published)
    try:
        new = _published_state(con)
    finally:
        con.close()
    assert [list(w) for w in new[0]] == new_waves
    assert {"analysis_respondents", "finding_barriers", "finding_trends"} <= set(new[2])
    live = connect(box.warehouse, read_only=True, retries=0)
    try:
        assert _published_state(live) == new, "the published copy differs from the warehouse it was copied from"
    finally:
        live.close()


def test_second_connection_in_same_kernel_sees_new_copy(tmp_path: Path) -> None:
    """Re-running ``con = pipeline.connect_published()`` in a notebook after a refresh shows the new copy."""
    source, published = tmp_path / "wh.duckdb", tmp_path / "published.duckdb"
    for version in (1, 2):
        con = connect(source)
        con.execute(f"CREATE OR REPLACE TABLE version AS SELECT {version} AS v")
        con.close()
        publish_copy(source, published)
        if version == 1:
            first = pipeline.connect_published(published)
            assert first.execute("SELECT v FROM version").fetchone()[0] == 1
    second = pipeline.connect_published(published)
    try:
        assert first.execute("SELECT v FROM version").fetchone()[0] == 1
        assert second.execute("SELECT v FROM version").fetchone()[0] == 2
    finally:
        second.close()
        first.close()


#: Registers wave partitions the way ``ks-sdg materialize`` does, released at the same instant as its twin (a spin
#: on the GO file, so both leave the loop within microseconds).
REGISTER = r"""
import os, sys
from pathlib import Path
import dagster as dg
from pipeline.defs.runner import register_wave_partitions
with dg.DagsterInstance.get() as instance:
    instance.get_dynamic_partitions("wave")
    Path(sys.argv[1]).touch()
    while not os.path.exists(sys.argv[2]):
        pass
    register_wave_partitions(instance, sys.argv[3:])
"""


@pytest.mark.slow
def test_two_processes_registering_a_new_wave_at_once(tmp_path: Path, procs: Processes) -> None:
    """Two ``ks-sdg materialize`` processes that both find a new wave folder both register it without error."""
    box = Sandbox.create(tmp_path / "box", [])
    for attempt in range(4):
        home = f"home-{attempt}"
        with box.instance(home):
            pass
        go = box.root / f"go-{attempt}"
        twins = []
        for i in range(2):
            ready = box.root / f"ready-{attempt}-{i}"
            args = [sys.executable, "-c", REGISTER, str(ready), str(go), "2021-vsr", "2023-nordic"]
            twins.append((ready, procs.start(f"register-{attempt}-{i}", args, box.env(home))))
        wait_for(lambda twins=twins: all(ready.exists() for ready, _ in twins), 120, "the twins to start")
        go.touch()
        for _, proc in twins:
            procs.assert_ok(proc, timeout=120)
        with box.instance(home) as instance:
            assert sorted(instance.get_dynamic_partitions("wave")) == ["2021-vsr", "2023-nordic"]
