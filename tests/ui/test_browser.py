"""The Dagster UI end to end: ``dagster dev`` on a free loopback port with a temporary instance and warehouse; every
asset, check, partition, schedule and sensor loads (checked through GraphQL); a materialisation launched through
GraphQL succeeds; the asset graph renders in headless Chromium (screenshot under assets/ui/)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from dagster_server import LOCATION, REPOSITORY, DagsterDev, running
from headless_chromium import HeadlessChromium, find_chromium
from PIL import Image, ImageStat

from ks_testing import ROOT, SAMPLE, require_external
from pipeline.warehouse import connect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WAVE = "2023-nordic"  # one quick wave keeps the runs short
SELECTOR = {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY}

REPOSITORY_QUERY = """
query Repository($selector: RepositorySelector!) {
  repositoryOrError(repositorySelector: $selector) {
    __typename
    ... on Repository {
      assetNodes {
        assetKey { path }
        groupName
        isPartitioned
        partitionDefinition { name }
        assetChecksOrError { ... on AssetChecks { checks { name blocking } } }
      }
      jobs { name }
      schedules { name executionTimezone scheduleState { status } }
      sensors { name sensorState { id status } }
    }
    ... on PythonError { message }
  }
  assetNodeOrError(assetKey: {path: ["fact_respondent"]}) { ... on AssetNode { partitionKeys } }
}
"""

LAUNCH = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on InvalidSubsetError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""

RUN_STATUS = """
query Run($id: ID!) { runOrError(runId: $id) { __typename ... on Run { status jobName tags { key value } } } }
"""

STOP_SENSOR = """
mutation Stop($id: String!) {
  stopSensor(id: $id) {
    __typename
    ... on StopSensorMutationResult { instigationState { status } }
    ... on PythonError { message }
  }
}
"""

LATEST_MATERIALISATION = """
query Latest($partition: String!) {
  assetOrError(assetKey: {path: ["fact_respondent"]}) {
    ... on Asset { assetMaterializations(partitions: [$partition], limit: 1) { partition runId } }
  }
}
"""


@pytest.fixture
def chromium() -> str:
    """The Chromium binary (skip when missing, fail when KS_SDG_REQUIRE_EXTERNAL=1)."""
    found = find_chromium()
    if found is None:
        message = "chromium is not installed (make system-deps)"
        if require_external():
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture
def server(tmp_path: Path) -> Iterator[DagsterDev]:
    """A started ``dagster dev`` whose instance already knows the wave partition; shut down with SIGINT after."""
    dev = DagsterDev(tmp_path, ROOT)
    # fresh modification times, so the raw/ sensor's first tick waits for the files to settle instead of racing
    # the runs this test launches itself
    shutil.copytree(SAMPLE / WAVE, dev.raw / WAVE, copy_function=shutil.copy)
    with pytest.MonkeyPatch.context() as mp:
        for key, value in dev.env().items():
            if key.startswith(("KS_SDG_", "DAGSTER_")):
                mp.setenv(key, value)
        with dg.DagsterInstance.get() as instance:
            instance.add_dynamic_partitions("wave", [WAVE])
    with running(dev):
        yield dev


def _expected_definitions() -> tuple[set[str], set[tuple[str, str]], set[str]]:
    """Asset keys, (asset, check) pairs and job names as the code location defines them."""
    from pipeline.definitions import make_definitions

    defs = make_definitions()
    graph = defs.resolve_asset_graph()
    assets = {k.to_user_string() for k in graph.get_all_asset_keys()}
    checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    return assets, checks, {j.name for j in defs.jobs}


def _launch(dev: DagsterDev, job: str, tags: dict[str, str] | None = None) -> str:
    params = {
        "selector": {**SELECTOR, "jobName": job},
        "executionMetadata": {"tags": [{"key": k, "value": v} for k, v in (tags or {}).items()]},
    }
    result = dev.graphql(LAUNCH, {"params": params})["launchRun"]
    assert result["__typename"] == "LaunchRunSuccess", result
    return result["run"]["runId"]


def _wait_for_run(dev: DagsterDev, run_id: str, timeout: float = 150) -> dict:
    """Poll the run until it ends; assert SUCCESS."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = dev.graphql(RUN_STATUS, {"id": run_id})["runOrError"]
        if run["status"] in ("SUCCESS", "FAILURE", "CANCELED"):
            assert run["status"] == "SUCCESS", f"run {run_id} ({run['jobName']}): {run['status']}\n{dev.log_tail()}"
            return run
        time.sleep(1)
    raise AssertionError(f"run {run_id} not finished after {timeout} s:\n{dev.log_tail()}")


def _assert_not_blank(png: Path, width: int, height: int) -> None:
    assert png.exists() and png.stat().st_size > 20_000, f"{png}: missing or suspiciously small"
    with Image.open(png) as image:
        assert image.format == "PNG" and image.size == (width, height)
        grey = image.convert("L")
        assert ImageStat.Stat(grey).stddev[0] > 8, f"{png} is (almost) one colour"
        assert len(grey.getcolors(maxcolors=256) or range(256)) > 32, f"{png} has too few shades to be a page"


def test_ui_end_to_end(chromium: str, server: DagsterDev) -> None:
    """Definitions, checks, partitions, schedule and sensors load in the UI's API; schedules and sensors are RUNNING
    by default; reference_job and one ingest partition launched through GraphQL succeed and land in the warehouse;
    the asset graph renders in a real browser."""
    dev = server
    data = dev.graphql(REPOSITORY_QUERY, {"selector": SELECTOR})
    repo = data["repositoryOrError"]
    assert repo["__typename"] == "Repository", repo
    assets, checks, jobs = _expected_definitions()
    nodes = {"/".join(n["assetKey"]["path"]): n for n in repo["assetNodes"]}
    assert set(nodes) == assets
    loaded_checks = {
        (key, c["name"]) for key, n in nodes.items() for c in (n["assetChecksOrError"].get("checks") or [])
    }
    assert loaded_checks == checks
    assert {"respondents_in_frame", "no_pii_in_warehouse", "weights_reproduce_totals"} <= {c for _, c in checks}
    assert nodes["fact_respondent"]["isPartitioned"] and nodes["fact_respondent"]["partitionDefinition"]
    assert data["assetNodeOrError"]["partitionKeys"] == [WAVE]
    assert jobs <= {j["name"] for j in repo["jobs"]}
    schedules = {s["name"]: s for s in repo["schedules"]}
    assert schedules["hlpf_refresh_schedule"]["scheduleState"]["status"] == "RUNNING"
    assert schedules["hlpf_refresh_schedule"]["executionTimezone"] == "Europe/Oslo"
    sensors = {s["name"]: s["sensorState"] for s in repo["sensors"]}
    assert set(sensors) == {"raw_files_sensor", "automation_sensor", "stale_pool_slots_sensor"}
    assert {name: s["status"] for name, s in sensors.items()} == dict.fromkeys(sensors, "RUNNING")

    # from here on only this test's runs: stop the sensors (the raw/ sensor and the automation would start their own)
    for state in sensors.values():
        stopped = dev.graphql(STOP_SENSOR, {"id": state["id"]})["stopSensor"]
        assert stopped["__typename"] == "StopSensorMutationResult", stopped
        assert stopped["instigationState"]["status"] == "STOPPED"

    _wait_for_run(dev, _launch(dev, "reference_job"))
    ingest = _launch(dev, "ingest_job", {"dagster/partition": WAVE})
    run = _wait_for_run(dev, ingest)
    assert {"key": "dagster/partition", "value": WAVE} in run["tags"]
    latest = dev.graphql(LATEST_MATERIALISATION, {"partition": WAVE})["assetOrError"]["assetMaterializations"]
    assert latest == [{"partition": WAVE, "runId": ingest}]
    con = connect(dev.warehouse, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM fact_respondent WHERE wave = ?", [WAVE]).fetchone()[0] == 160
    finally:
        con.close()

    width, height = 1600, 1200
    shots = {  # file: (page, JavaScript that is true once the page has rendered)
        "asset-graph.png": (
            "/asset-groups",
            "['reference', 'ingest', 'findings', 'deliverables'].every(g => document.body.innerText.includes(g))"
            " && document.querySelectorAll('svg path').length > 3",
        ),
        "asset-group-ingest.png": (
            f"/locations/{LOCATION}/asset-groups/ingest/lineage",
            "['fact_respondent', 'fact_response', 'ingest_manifest', 'raw_files']"
            ".every(a => document.body.innerText.includes(a))",
        ),
    }
    saved = []
    with HeadlessChromium(chromium, width, height) as browser:
        for name, (path, rendered) in shots.items():
            browser.navigate(dev.url + path)
            browser.wait_for(f"document.body && ({rendered})", timeout=60)
            time.sleep(1.5)  # let the graph finish its layout and zoom-to-fit
            png = browser.screenshot(dev.assets / "ui" / name)
            _assert_not_blank(png, width, height)
            saved.append(png)
    if (ROOT / "assets").is_dir():  # a checkout: keep the latest screenshots in the git-ignored assets/ui/
        (ROOT / "assets" / "ui").mkdir(exist_ok=True)
        for png in saved:
            shutil.copy(png, ROOT / "assets" / "ui" / png.name)
