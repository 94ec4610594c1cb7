"""The Dagster layer end to end: definitions load, and every asset materialises into a temporary warehouse with
the real counts of the synthetic sample."""

import shutil

import dagster as dg
import duckdb
import pytest

from ks_testing import SAMPLE
from pipeline.definitions import make_definitions
from pipeline.defs.resources import WarehouseResource
from pipeline.defs.runner import materialize_all

EXPECTED = {  # wave: (respondents, complete, partial, superseded duplicates)
    "2021-vsr": (193, 168, 25, 4),
    "2023-nordic": (160, 148, 12, 3),
    "2025-vnr": (187, 167, 20, 4),
}


def test_definitions_load():
    defs = make_definitions()
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {
        "raw_files",
        "fact_respondent",
        "fact_response",
        "ingest_manifest",
        "dim_org",
        "analysis_respondents",
        "finding_barriers",
        "finding_trends",
    } <= keys
    checks = {k.name for k in graph.asset_check_keys}
    assert {
        "respondents_in_frame",
        "one_respondent_per_org",
        "option_codes_in_domain",
        "no_pii_in_warehouse",
        "counts_reconcile_with_manifest",
        "weights_reproduce_totals",
    } <= checks
    assert graph.get(dg.AssetKey("fact_respondent")).partitions_def.name == "wave"
    for key in ("fact_respondent", "finding_barriers", "dim_org"):
        assert graph.get(dg.AssetKey(key)).pools == {"warehouse"}
    assert {j.name for j in defs.jobs} >= {"reference_job", "ingest_job", "downstream_job"}


@pytest.fixture(scope="module")
def materialised(tmp_path_factory):
    """Every job run through Dagster against a copy of the sample, in a temporary instance and warehouse."""
    tmp = tmp_path_factory.mktemp("dagster")
    raw = tmp / "raw"
    shutil.copytree(SAMPLE, raw / "sample")
    mp = pytest.MonkeyPatch()
    mp.setenv("KS_SDG_RAW_DIR", str(raw))
    mp.setenv("KS_SDG_ASSETS_DIR", str(tmp / "assets"))
    warehouse = WarehouseResource(path=str(tmp / "wh.duckdb"), published_path=str(tmp / "pub.duckdb"))
    instance = dg.DagsterInstance.ephemeral()
    summaries = materialize_all(make_definitions(warehouse), instance)
    yield tmp, summaries, instance
    mp.undo()


def test_every_run_succeeds(materialised):
    _, summaries, instance = materialised
    assert [(s.job, s.partition, s.success) for s in summaries] == [
        ("reference_job", None, True),
        ("ingest_job", "2021-vsr", True),
        ("ingest_job", "2023-nordic", True),
        ("ingest_job", "2025-vnr", True),
        ("downstream_job", None, True),
    ], [s.error for s in summaries]
    assert sorted(instance.get_dynamic_partitions("wave")) == sorted(EXPECTED)


def test_warehouse_holds_the_real_counts(materialised):
    tmp, _, _ = materialised
    con = duckdb.connect(str(tmp / "wh.duckdb"), read_only=True)
    for wave, (n, complete, partial, superseded) in EXPECTED.items():
        row = con.execute(
            "SELECT count(*), count(*) FILTER (status = 'complete'), count(*) FILTER (status = 'partial') "
            "FROM fact_respondent WHERE wave = ?",
            [wave],
        ).fetchone()
        assert row == (n, complete, partial)
        assert (
            con.execute(
                "SELECT count(*) FROM ingest_issue WHERE wave = ? AND kind = 'superseded_duplicate'", [wave]
            ).fetchone()[0]
            == superseded
        )
        manifest = con.execute(
            "SELECT sum(n_respondents), sum(n_responses) FROM ingest_manifest WHERE wave = ?", [wave]
        ).fetchone()
        responses = con.execute("SELECT count(*) FROM fact_response WHERE wave = ?", [wave]).fetchone()[0]
        assert manifest == (n, responses)
    # every respondent is a frame org of its wave; one per org
    assert (
        con.execute("""SELECT count(*) FROM fact_respondent r JOIN dim_wave w USING (wave)
                          LEFT JOIN dim_org o ON o.frame_year = w.frame_year AND o.org_code = r.org_code
                          AND o.org_type = r.org_type WHERE o.org_code IS NULL""").fetchone()[0]
        == 0
    )
    assert (
        con.execute(
            "SELECT count(*) FROM (SELECT wave, org_type, org_code FROM fact_respondent GROUP BY ALL "
            "HAVING count(*) > 1)"
        ).fetchone()[0]
        == 0
    )
    # analysis file: complete respondents only, weights add up to the frame
    weights = con.execute(
        "SELECT wave, org_type, count(*), round(sum(weight), 9) FROM analysis_respondents GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert weights == [
        ("2021-vsr", "fylkeskommune", 9, 11.0),
        ("2021-vsr", "kommune", 159, 356.0),
        ("2023-nordic", "kommune", 148, 356.0),
        ("2025-vnr", "fylkeskommune", 9, 15.0),
        ("2025-vnr", "kommune", 158, 357.0),
    ]
    con.close()


def test_checks_passed_and_recorded(materialised):
    _, summaries, instance = materialised
    records = instance.get_records_for_run(summaries[1].run_id).records
    evaluations = [
        r.event_log_entry.dagster_event
        for r in records
        if r.event_log_entry.dagster_event
        and r.event_log_entry.dagster_event.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    passed = {e.event_specific_data.check_name: e.event_specific_data.passed for e in evaluations}
    assert passed == {
        "respondents_in_frame": True,
        "one_respondent_per_org": True,
        "option_codes_in_domain": True,
        "no_pii_in_warehouse": True,
        "counts_reconcile_with_manifest": True,
    }


def _files(folder) -> dict[str, int]:
    """Relative path -> modification time (ns) of every file under ``folder``."""
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_deliverable_files_build_only_what_is_selected(materialised):
    """charts, report_workbooks and csv_exports share one step; selecting one replaces only its folder."""
    tmp, _, instance = materialised
    assets = tmp / "assets"
    before = {name: _files(assets / name) for name in ("charts", "reports", "csv")}
    assert before["charts"] and before["reports"] and before["csv"]
    defs = make_definitions(WarehouseResource(path=str(tmp / "wh.duckdb"), published_path=str(tmp / "pub.duckdb")))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KS_SDG_ASSETS_DIR", str(assets))
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=instance, asset_selection=[dg.AssetKey("report_workbooks")]
        )
    materialised_keys = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert materialised_keys == {"report_workbooks"}
    assert _files(assets / "charts") == before["charts"]  # untouched
    assert _files(assets / "csv") == before["csv"]
    after = _files(assets / "reports")
    assert sorted(after) == sorted(before["reports"]) and all(after[f] != before["reports"][f] for f in after)
    # the rewritten workbooks still embed every chart of their wave (drawn into a scratch folder)
    from openpyxl import load_workbook

    for name in after:
        wave = name.removeprefix("ks-sdg-").rsplit("-", 1)[0]
        n_charts = len([f for f in before["charts"] if f.startswith(f"{wave}/") and f.endswith(".nb.png")])
        book = load_workbook(assets / "reports" / name)
        images = [img for ws in book.worksheets for img in ws._images]
        assert len(images) == n_charts > 0, name


def _published_metadata(instance: dg.DagsterInstance) -> dict:
    event = instance.get_latest_materialization_event(dg.AssetKey("published_warehouse"))
    return {k: v.value for k, v in event.asset_materialization.metadata.items()}


def test_publication_lists_the_estimates_a_corrected_export_moved(materialised, tmp_path):
    """Re-ingesting a corrected export: the new publication says which published estimates changed — only those
    of that wave and of the trends that include it — and how many."""
    from pipeline.findings.changes import estimate_changes, findings_in, summarise_changes

    tmp, _, instance = materialised
    assert _published_metadata(instance)["changes_since_last_publication"] == "first publication"
    for name in ("raw", "assets"):
        shutil.copytree(tmp / name, tmp_path / name)
    for name in ("wh.duckdb", "pub.duckdb"):
        shutil.copy(tmp / name, tmp_path / name)
    export = tmp_path / "raw" / "sample" / "2023-nordic" / "ks-sdg-2023-nordic-SYNTHETIC-nettskjema.csv"
    lines = export.read_bytes().splitlines(keepends=True)
    export.write_bytes(b"".join(lines[:-1]))  # the last submission withdrawn
    warehouse = WarehouseResource(path=str(tmp_path / "wh.duckdb"), published_path=str(tmp_path / "pub.duckdb"))
    again = dg.DagsterInstance.ephemeral()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KS_SDG_RAW_DIR", str(tmp_path / "raw"))
        mp.setenv("KS_SDG_ASSETS_DIR", str(tmp_path / "assets"))
        summaries = materialize_all(make_definitions(warehouse), again, waves=["2023-nordic"])
    assert all(s.success for s in summaries), [s.error for s in summaries]
    changes = estimate_changes(findings_in(tmp / "pub.duckdb"), findings_in(tmp_path / "pub.duckdb"))
    assert len(changes) > 0
    assert all("2023-nordic" in wave for wave in changes["wave"])
    assert {"finding_response_rates", "finding_barriers", "finding_trends"} <= set(changes["table"])
    counts = summarise_changes(changes)
    metadata = _published_metadata(again)
    assert metadata["changes_since_last_publication"] == (
        f"{counts['changed']} estimates changed, {counts['new']} new, {counts['removed']} removed "
        f"in {counts['waves']} wave(s)"
    )
    assert "| table | wave |" in metadata["largest_changes"]
