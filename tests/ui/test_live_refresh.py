"""The refresh loop live, as a researcher meets it after ``make dev`` on a fresh clone: ``dagster dev`` starts with an
empty instance and a raw folder holding one wave; its daemon alone (the raw/ sensor, then the automation sensor)
materialises the reference tables, ingests the wave and refreshes every finding, deliverable and the published
warehouse. A changed export dropped into the wave folder is then picked up by the sensor, re-ingested, and the
automation refreshes everything downstream — checked on the numbers in both warehouses, not only on run states."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster_server import DagsterDev, running

from ks_testing import ROOT, SAMPLE
from pipeline.codebook.harmonise import harmonise_wave
from pipeline.codebook.wave import load_codebook
from pipeline.warehouse import connect

pytestmark = [pytest.mark.slow]

WAVE = "2023-nordic"
EXPORT = "ks-sdg-2023-nordic-SYNTHETIC-nettskjema.csv"

RUNS = """
{ runsOrError { __typename ... on Runs { results { runId jobName status tags { key value } } } } }
"""

LATEST = """
query Latest($key: [String!]!, $partitions: [String!]) {
  assetOrError(assetKey: {path: $key}) {
    ... on Asset { assetMaterializations(partitions: $partitions, limit: 1) { runId timestamp } }
  }
}
"""


@pytest.fixture
def live(tmp_path: Path) -> Iterator[DagsterDev]:
    """``dagster dev`` on a fresh instance whose raw folder holds one wave; schedules and sensors left RUNNING."""
    dev = DagsterDev(tmp_path, ROOT)
    shutil.copytree(SAMPLE / WAVE, dev.raw / WAVE, copy_function=shutil.copy)
    with running(dev):
        yield dev


def _latest(dev: DagsterDev, key: str, partition: str | None = None) -> dict | None:
    """The latest materialisation (runId, timestamp in ms) of an asset (partition), or None."""
    variables = {"key": [key], "partitions": [partition] if partition else None}
    found = dev.graphql(LATEST, variables)["assetOrError"].get("assetMaterializations") or []
    return found[0] if found else None


def _fail_on_failed_runs(dev: DagsterDev) -> list[dict]:
    """Every run so far; a failed or canceled one fails the test with the server's log."""
    runs = dev.graphql(RUNS)["runsOrError"]["results"]
    bad = [r for r in runs if r["status"] in ("FAILURE", "CANCELED")]
    assert not bad, f"runs went wrong: {bad}\n{dev.log_tail(80)}"
    return runs


def _wait_until_refreshed(dev: DagsterDev, after_ms: float, timeout: float) -> tuple[dict, dict]:
    """Wait for an ingest of WAVE newer than ``after_ms`` and a published warehouse newer than that ingest, with no
    run queued or in progress (so the warehouse is quiet). Returns (ingest, published) materialisations."""
    deadline = time.monotonic() + timeout
    ingest = published = None
    while time.monotonic() < deadline:
        runs = _fail_on_failed_runs(dev)
        ingest = _latest(dev, "fact_respondent", WAVE)
        published = _latest(dev, "published_warehouse")
        settled = all(r["status"] == "SUCCESS" for r in runs)
        if (
            ingest
            and float(ingest["timestamp"]) > after_ms
            and published
            and float(published["timestamp"]) > float(ingest["timestamp"])
            and settled
        ):
            return ingest, published
        time.sleep(2)
    raise AssertionError(
        f"no refresh within {timeout} s (ingest={ingest}, published={published}):\n"
        f"{_fail_on_failed_runs(dev)}\n{dev.log_tail(80)}"
    )


def _tag(run: dict, key: str) -> str | None:
    return next((t["value"] for t in run["tags"] if t["key"] == key), None)


def _counts(path: Path) -> tuple[int, float]:
    """(respondents of WAVE in fact_respondent, complete respondents of its total kommune response rate)."""
    con = connect(path, read_only=True)
    try:
        respondents = con.execute("SELECT count(*) FROM fact_respondent WHERE wave = ?", [WAVE]).fetchone()[0]
        complete = con.execute(
            "SELECT n_complete FROM finding_response_rates WHERE wave = ? AND breakdown = 'total' "
            "AND org_type = 'kommune' AND estimand = 'orgs' AND item = 'response_rate'",
            [WAVE],
        ).fetchone()[0]
    finally:
        con.close()
    return respondents, float(complete)


def _drop_last_submission(export: Path) -> None:
    """Write the export again without its last submission (a new file, as a researcher would save it)."""
    lines = export.read_bytes().splitlines(keepends=True)
    tmp = export.with_suffix(".tmp")
    tmp.write_bytes(b"".join(lines[:-1]))
    tmp.replace(export)


def test_fresh_instance_refreshes_itself_and_picks_up_a_changed_export(live: DagsterDev, tmp_path: Path) -> None:
    dev = live
    first_ingest, _ = _wait_until_refreshed(dev, after_ms=0, timeout=420)
    runs = _fail_on_failed_runs(dev)
    jobs = {r["runId"]: r for r in runs}
    assert _tag(jobs[first_ingest["runId"]], "ks_sdg/trigger") == "raw_files_sensor"
    assert any(r["jobName"] == "reference_job" for r in runs), "the sensor bootstraps the reference tables"
    before = _counts(dev.warehouse)
    expected_before = harmonise_wave(load_codebook(dev.raw / WAVE / "codebook.yaml")).respondents
    assert before[0] == len(expected_before)
    assert before[1] == (expected_before["status"] == "complete").sum()

    # the researcher saves a corrected export over the old one
    _drop_last_submission(dev.raw / WAVE / EXPORT)
    expected = harmonise_wave(load_codebook(dev.raw / WAVE / "codebook.yaml")).respondents
    assert len(expected) != before[0] or (expected["status"] == "complete").sum() != before[1]

    second_ingest, published = _wait_until_refreshed(dev, after_ms=float(first_ingest["timestamp"]), timeout=300)
    runs = {r["runId"]: r for r in _fail_on_failed_runs(dev)}
    assert _tag(runs[second_ingest["runId"]], "ks_sdg/trigger") == "raw_files_sensor"
    assert _tag(runs[second_ingest["runId"]], "dagster/partition") == WAVE
    downstream = runs[published["runId"]]
    assert downstream["runId"] != second_ingest["runId"]
    assert _tag(downstream, "dagster/from_automation_condition") == "true", downstream["tags"]
    assert _tag(downstream, "dagster/sensor_name") == "automation_sensor", downstream["tags"]
    complete = float((expected["status"] == "complete").sum())
    assert _counts(dev.warehouse) == (len(expected), complete)
    assert _counts(dev.warehouse.with_name("ks_sdg_published.duckdb")) == (len(expected), complete)
    workbook = dev.assets / "reports" / f"ks-sdg-{WAVE}-nb.xlsx"
    assert workbook.stat().st_mtime * 1000 > float(second_ingest["timestamp"])
