"""The raw/ sensor evaluated with Dagster's test context on a temporary raw folder ($KS_SDG_RAW_DIR)."""

import dagster as dg
import pytest

from pipeline.defs import sensors
from pipeline.defs.sensors import raw_files_sensor
from pipeline.ops.rawscan import Cursor

NORDIC_CSV = "ks-sdg-2023-nordic-SYNTHETIC-nettskjema.csv"


def ephemeral(with_reference: bool = True) -> dg.DagsterInstance:
    """An in-memory instance; ``with_reference``: the reference tables count as materialised."""
    instance = dg.DagsterInstance.ephemeral()
    if with_reference:
        for key in sensors.REFERENCE_ASSETS:
            instance.report_runless_asset_event(dg.AssetMaterialization(key))
    return instance


@pytest.fixture
def instance() -> dg.DagsterInstance:
    return ephemeral()


@pytest.fixture(autouse=True)
def _no_settle(monkeypatch):
    monkeypatch.setattr(sensors, "SETTLE_SECONDS", 0.0)


def evaluate(instance: dg.DagsterInstance, cursor: str | None) -> dg.SensorResult:
    """One tick; applies the partition requests to the instance as the sensor daemon would."""
    result = raw_files_sensor(dg.build_sensor_context(instance=instance, cursor=cursor))
    assert isinstance(result, dg.SensorResult)
    for request in result.dynamic_partitions_requests:
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    return result


def test_sensor_definition():
    assert raw_files_sensor.name == "raw_files_sensor"
    assert raw_files_sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert raw_files_sensor.minimum_interval_seconds == 30
    assert {t.job_name for t in raw_files_sensor.targets} == {"ingest_job", "reference_job"}


def test_new_wave_then_unchanged_then_changed_export_then_new_folder(raw, instance, copy_wave):
    copy_wave(raw, "2023-nordic")
    first = evaluate(instance, None)
    [add] = first.dynamic_partitions_requests
    assert isinstance(add, dg.AddDynamicPartitionsRequest)
    assert (add.partitions_def_name, list(add.partition_keys)) == ("wave", ["2023-nordic"])
    [run] = first.run_requests
    assert run.partition_key == "2023-nordic" and run.run_key.startswith("2023-nordic-1-")
    assert run.tags["ks_sdg/trigger"] == "raw_files_sensor"
    assert first.skip_reason is None
    assert set(Cursor.from_json(first.cursor).waves["2023-nordic"].files) == {"codebook.yaml", NORDIC_CSV}

    quiet = evaluate(instance, first.cursor)
    assert quiet.run_requests == [] and quiet.dynamic_partitions_requests == []
    assert quiet.skip_reason.skip_message == "no changes in raw/ (1 wave unchanged)"

    # drop a changed export into the wave folder
    csv = raw / "2023-nordic" / NORDIC_CSV
    csv.write_text(csv.read_text(encoding="utf-8").replace("\n", "\r\n", 1), encoding="utf-8")
    changed = evaluate(instance, quiet.cursor)
    [run] = changed.run_requests
    assert run.partition_key == "2023-nordic" and run.run_key.startswith("2023-nordic-2-")
    assert changed.dynamic_partitions_requests == []

    # a new wave folder with a codebook becomes a partition and is ingested
    copy_wave(raw, "2021-vsr")
    new = evaluate(instance, changed.cursor)
    [add] = new.dynamic_partitions_requests
    assert list(add.partition_keys) == ["2021-vsr"]
    assert [r.partition_key for r in new.run_requests] == ["2021-vsr"]
    assert set(instance.get_dynamic_partitions("wave")) == {"2023-nordic", "2021-vsr"}


def test_unreadable_file_is_visible_recorded_and_retried_when_fixed(raw, instance, copy_wave):
    copy_wave(raw, "2023-nordic")
    first = evaluate(instance, None)
    csv = raw / "2023-nordic" / NORDIC_CSV
    original = csv.read_bytes()
    csv.write_bytes(b"")

    broken = evaluate(instance, first.cursor)
    assert broken.run_requests == []
    message = broken.skip_reason.skip_message
    assert f"2023-nordic/{NORDIC_CSV}: the file is empty (0 bytes)" in message and "not ingested" in message
    assert Cursor.from_json(broken.cursor).waves["2023-nordic"].errors  # recorded: not re-reported every tick

    still = evaluate(instance, broken.cursor)
    assert still.run_requests == [] and still.skip_reason.skip_message.startswith("still unreadable")

    csv.write_bytes(original)
    fixed = evaluate(instance, still.cursor)
    assert [r.partition_key for r in fixed.run_requests] == ["2023-nordic"]


def test_new_wave_with_broken_codebook_is_not_a_partition(raw, instance, copy_wave):
    folder = copy_wave(raw, "2025-vnr")
    (folder / "codebook.yaml").write_text("wave: 2025-vnr\nfiles: [\n", encoding="utf-8")
    result = evaluate(instance, None)
    assert result.run_requests == [] and result.dynamic_partitions_requests == []
    assert "2025-vnr/codebook.yaml: not valid YAML" in result.skip_reason.skip_message
    assert instance.get_dynamic_partitions("wave") == []


def test_existing_partitions_are_not_requested_again(raw, instance, copy_wave):
    copy_wave(raw, "2023-nordic")
    instance.add_dynamic_partitions("wave", ["2023-nordic"])  # e.g. added by `ks-sdg materialize`
    result = evaluate(instance, None)
    assert result.dynamic_partitions_requests == []
    assert [r.partition_key for r in result.run_requests] == ["2023-nordic"]


def test_scan_failure_never_raises(raw, instance, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(sensors, "plan_ingest", boom)
    result = evaluate(instance, '{"kept": true}')
    assert result.skip_reason.skip_message == "raw/ scan failed: RuntimeError: disk on fire"
    assert result.cursor == '{"kept": true}'


def test_fresh_instance_runs_reference_job_first_and_holds_ingest(raw, copy_wave):
    instance = ephemeral(with_reference=False)
    copy_wave(raw, "2023-nordic")
    first = evaluate(instance, None)
    [run] = first.run_requests
    assert (run.job_name, run.run_key, run.partition_key) == ("reference_job", "reference-bootstrap", None)
    assert [list(r.partition_keys) for r in first.dynamic_partitions_requests] == [["2023-nordic"]]
    assert "2023-nordic" not in Cursor.from_json(first.cursor).waves  # held: retried next tick

    waiting = evaluate(instance, first.cursor)  # reference run still queued: same request, deduplicated by run key
    assert [r.run_key for r in waiting.run_requests] == ["reference-bootstrap"]

    for key in sensors.REFERENCE_ASSETS:
        instance.report_runless_asset_event(dg.AssetMaterialization(key))
    ready = evaluate(instance, waiting.cursor)
    [run] = ready.run_requests
    assert (run.job_name, run.partition_key) == ("ingest_job", "2023-nordic")
    assert run.run_key.startswith("2023-nordic-1-")
