"""Freshness policies chosen from the calendar, the automation sensor, and the whole code location with them."""

import datetime as dt

import dagster as dg
import pytest

from pipeline.defs import freshness
from pipeline.defs.freshness import (
    OFF_PEAK_POLICY,
    PEAK_POLICY,
    applied_choice,
    automation_sensor,
    choose_freshness,
    with_freshness,
)

D = dt.date.fromisoformat
pytestmark = pytest.mark.filterwarnings("ignore::dagster.BetaWarning", "ignore::dagster.PreviewWarning")


def test_policies_are_time_windows():
    assert PEAK_POLICY.fail_window.to_timedelta() == dt.timedelta(hours=30)
    assert PEAK_POLICY.warn_window.to_timedelta() == dt.timedelta(hours=25)
    assert OFF_PEAK_POLICY.fail_window.to_timedelta() == dt.timedelta(days=8)


def test_choice_follows_the_calendar(tmp_path, monkeypatch):
    peak = choose_freshness(D("2027-04-01"))
    assert (peak.mode, peak.policy) == ("peak", PEAK_POLICY)
    assert peak.reason == "peak period for VNR main messages 2027-05-07 (planned date)"
    off = choose_freshness(D("2026-11-24"))
    assert (off.mode, off.policy) == ("off-peak", OFF_PEAK_POLICY)
    assert off.describe().startswith(
        "off-peak (warn 7 d 6 h, fail 8 d), chosen when the definitions loaded on 2026-11-24"
    )
    bad = tmp_path / "cal.yaml"
    bad.write_text("years: {}\n", encoding="utf-8")
    monkeypatch.setenv("KS_SDG_HLPF_CALENDAR", str(bad))
    assert choose_freshness(D("2027-04-01")).mode == "off-peak"  # a broken calendar never breaks the code location


def test_with_freshness_maps_only_findings_and_deliverables():
    @dg.asset(group_name="findings")
    def finding() -> None: ...

    @dg.asset(group_name="ingest")
    def raw_thing() -> None: ...

    @dg.multi_asset(specs=[dg.AssetSpec("report_nb", group_name="deliverables"), dg.AssetSpec("report_en")])
    def reports():
        yield dg.MaterializeResult(asset_key="report_nb")
        yield dg.MaterializeResult(asset_key="report_en")

    external = dg.AssetSpec("outside", group_name="deliverables")
    mapped = with_freshness([finding, raw_thing, reports, external], now=D("2027-06-01"))
    graph = dg.Definitions(assets=mapped).resolve_asset_graph()
    policy = {key.to_user_string(): graph.get(key).freshness_policy for key in graph.get_all_asset_keys()}
    assert policy == {
        "finding": PEAK_POLICY,
        "raw_thing": None,
        "report_nb": PEAK_POLICY,
        "report_en": None,
        "outside": PEAK_POLICY,
    }
    meta = graph.get(dg.AssetKey("finding")).metadata["ks_sdg/freshness"]
    assert meta.startswith("peak (warn 25 h, fail 30 h)")
    assert applied_choice().mode == "peak"


def test_automation_sensor_definition():
    assert automation_sensor.name == "automation_sensor"
    assert automation_sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert automation_sensor.asset_selection == dg.AssetSelection.all()


def test_eager_downstream_refreshes_when_a_wave_is_reingested():
    waves = dg.DynamicPartitionsDefinition(name="wave")

    @dg.asset(partitions_def=waves, group_name="ingest")
    def fact_respondent() -> None: ...

    @dg.asset(deps=[fact_respondent], group_name="findings", automation_condition=dg.AutomationCondition.eager())
    def finding() -> None: ...

    defs = dg.Definitions(assets=[fact_respondent, finding], sensors=[automation_sensor])
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("wave", ["2021-vsr", "2025-vnr"])

    def ingest(wave: str) -> None:
        instance.report_runless_asset_event(dg.AssetMaterialization("fact_respondent", partition=wave))

    result = dg.evaluate_automation_conditions(defs=defs, instance=instance)  # first tick: the baseline
    assert result.total_requested == 0
    ingest("2021-vsr")
    ingest("2025-vnr")
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=result.cursor)
    assert result.get_num_requested(dg.AssetKey("finding")) == 1
    instance.report_runless_asset_event(dg.AssetMaterialization("finding"))
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=result.cursor)
    assert result.total_requested == 0
    ingest("2025-vnr")  # the sensor re-ingests one wave
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=result.cursor)
    assert result.get_num_requested(dg.AssetKey("finding")) == 1


@pytest.fixture(scope="module")
def code_location() -> dg.Definitions:
    """The project's definitions with the operations objects wired in, as the lead will do."""
    from pipeline.definitions import defs
    from pipeline.defs.schedules import hlpf_refresh_schedule
    from pipeline.defs.sensors import raw_files_sensor

    wired = dg.Definitions(
        assets=with_freshness(defs.assets),
        asset_checks=defs.asset_checks,
        jobs=defs.jobs,
        schedules=[hlpf_refresh_schedule],
        sensors=[raw_files_sensor, automation_sensor],
        resources=defs.resources,
        executor=defs.executor,
    )
    dg.Definitions.validate_loadable(wired)
    return wired


def test_code_location_loads_with_schedule_sensors_and_freshness(code_location):
    repo = code_location.get_repository_def()
    assert repo.get_schedule_def("hlpf_refresh_schedule").default_status == dg.DefaultScheduleStatus.RUNNING
    for name in ("raw_files_sensor", "automation_sensor"):
        assert repo.get_sensor_def(name).default_status == dg.DefaultSensorStatus.RUNNING
    graph = code_location.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.group_name in freshness.FRESHNESS_GROUPS:
            assert node.freshness_policy in (PEAK_POLICY, OFF_PEAK_POLICY), key
        elif node.group_name in ("ingest", "reference"):
            assert node.freshness_policy is None, key
    assert graph.get(dg.AssetKey("analysis_respondents")).freshness_policy is not None


def test_reingesting_a_wave_requests_everything_downstream_of_it():
    """With the project's own asset graph: after one wave is re-ingested, one tick of the automation sensor
    requests the findings, every deliverable (charts, workbooks, exports: one subsettable step) and the
    published warehouse — and nothing upstream."""
    from pipeline.definitions import defs

    graph = defs.resolve_asset_graph()
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("wave", ["2021-vsr", "2025-vnr"])
    for key in graph.get_all_asset_keys():  # everything materialised once
        node = graph.get(key)
        partitions = ["2021-vsr", "2025-vnr"] if node.partitions_def is not None else [None]
        for partition in partitions:
            instance.report_runless_asset_event(dg.AssetMaterialization(key, partition=partition))
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    assert result.total_requested == 0
    for key in ("raw_files", "fact_respondent", "fact_response", "ingest_manifest"):
        instance.report_runless_asset_event(dg.AssetMaterialization(key, partition="2025-vnr"))
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=result.cursor)
    requested = {key.to_user_string() for key in graph.get_all_asset_keys() if result.get_num_requested(key)}
    downstream = {
        k.to_user_string()
        for k in graph.get_all_asset_keys()
        if graph.get(k).group_name in ("findings", "deliverables")
    }
    assert {"charts", "report_workbooks", "csv_exports", "published_warehouse", "finding_barriers"} <= downstream
    assert requested == downstream
