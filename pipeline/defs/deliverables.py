"""Deliverable assets: charts, Excel workbooks, CSV/SPSS/Open SDG exports under assets/, and the published
read-only warehouse that notebooks open."""

import datetime as dt
import json
import os
import shutil
import subprocess
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
import pandas as pd

import pipeline
from pipeline.defs.findings import FINDINGS as FINDING_DESCRIPTIONS
from pipeline.defs.metadata import table_metadata
from pipeline.defs.resources import WarehouseResource
from pipeline.paths import assets_dir, project_root
from pipeline.report.markdown import markdown_table
from pipeline.warehouse import publish_copy, table_names

if TYPE_CHECKING:
    from pipeline.report.workbook import RunInfo

# matplotlib and openpyxl (charts, workbooks) are imported inside the assets: loading the definitions stays fast.
AUTOMATION = dg.AutomationCondition.eager()
FINDINGS = list(FINDING_DESCRIPTIONS)
PREVIEW = ("goals", "barriers", "maturity")  # charts shown inline in the UI, for the latest wave, in Norwegian


def code_version() -> str:
    """Package version and the git commit of the checkout (when it is one)."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=project_root(), capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return f"{pipeline.__version__}+{sha}" if sha else pipeline.__version__


@contextmanager
def replaced_folder(target: Path):
    """Build into a fresh sibling folder, then swap it in: readers never see a half-written folder and files of
    waves that no longer exist disappear."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = target.with_name(f".{target.name}.new-{os.getpid()}")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir()
    try:
        yield fresh
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        if target.exists():
            target.rename(old)
        fresh.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)


def _tables(warehouse: WarehouseResource) -> dict[str, pd.DataFrame]:
    from pipeline.report import deliverables as build

    with warehouse.connection(read_only=True) as con:
        return build.load_tables(con)


def _relocate(charts: list, fresh: Path, target: Path) -> list:
    """Chart records pointing at ``target`` instead of the build folder ``fresh``."""
    from pipeline.charts.render import ChartFile

    moved = []
    for c in charts:
        png = target / c.png.relative_to(fresh)
        svg = target / c.svg.relative_to(fresh)
        moved.append(ChartFile(**{**c.__dict__, "png": png, "svg": svg}))
    return moved


CHARTS_DESCRIPTION = (
    "Charts for every wave in Norwegian and English (PNG 150 dpi and SVG) under assets/charts/<wave>/: barriers (total "
    "and by size), maturity stages by group, the 17 SDGs in their official colours, goal × county, response rates "
    "and trends. A manifest.json lists them with their titles."
)
WORKBOOKS_DESCRIPTION = (
    "The Excel workbook per wave and language (assets/reports/ks-sdg-<wave>-<lang>.xlsx): front page with sources, "
    "licences, run id and code version; one sheet per finding with estimates, CIs, n and N as numbers in percent "
    "formats; the charts; the method note."
)


EXPORTS_DESCRIPTION = (
    "assets/csv/: one tidy CSV per findings table, the analysis file per wave as CSV and SPSS .sav (variable and "
    "value labels) with its codebook and an R script that re-runs the published barrier estimates from it, and "
    "Open SDG-shaped CSVs under opensdg/ for national SDG platforms."
)


def _deliverable(key: str, kind: str, deps: list[str], description: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        key,
        group_name="deliverables",
        kinds={kind},
        deps=deps,
        description=description,
        automation_condition=AUTOMATION,
    )


#: each deliverable asset and its folder under assets/
FOLDERS = {"charts": "charts", "report_workbooks": "reports", "csv_exports": "csv"}


@dg.multi_asset(
    specs=[
        _deliverable("charts", "matplotlib", FINDINGS, CHARTS_DESCRIPTION),
        _deliverable("report_workbooks", "excel", [*FINDINGS, "charts"], WORKBOOKS_DESCRIPTION),
        _deliverable("csv_exports", "csv", [*FINDINGS, "analysis_respondents"], EXPORTS_DESCRIPTION),
    ],
    name="deliverable_files",
    can_subset=True,
)
def deliverable_files(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Charts, workbooks and exports — those selected — in one process pool: each wave × language's workbook
    starts as soon as its charts are drawn, the exports run beside them. Each folder is swapped in whole when
    everything succeeded; workbooks materialised without the charts asset embed freshly drawn charts."""
    from pipeline.report import deliverables as build
    from pipeline.report.workbook import RunInfo

    selected = {key.to_user_string() for key in context.selected_asset_keys}
    tables = _tables(warehouse)
    info = RunInfo(run_id=context.run.run_id, generated_at=dt.datetime.now(dt.UTC), code_version=code_version())
    target = {key: assets_dir() / folder for key, folder in FOLDERS.items()}
    with ExitStack() as stack:
        fresh = {key: stack.enter_context(replaced_folder(target[key])) for key in sorted(selected)}
        built = build.build_in_pool(
            tables,
            chart_dir=fresh.get("charts"),
            report_dir=fresh.get("report_workbooks"),
            exports_dir=fresh.get("csv_exports"),
            run_info=info,
        )
        charts = _relocate(built.charts, fresh["charts"], target["charts"]) if "charts" in selected else []
        if "charts" in selected:
            _write_chart_manifest(charts, fresh["charts"], target["charts"])
    if "charts" in selected:
        yield _charts_result(charts, build._waves(tables)[-1], target["charts"])
    if "report_workbooks" in selected:
        yield _workbooks_result(built.workbooks, target["report_workbooks"], info)
    if "csv_exports" in selected:
        listing = pd.DataFrame([{"file": str(p.relative_to(fresh["csv_exports"]))} for p in built.exports])
        yield dg.MaterializeResult(
            asset_key="csv_exports",
            metadata={
                "files": len(built.exports),
                "folder": dg.MetadataValue.path(str(target["csv_exports"])),
                "listing": dg.MetadataValue.md(markdown_table(listing, max_rows=60)),
            },
        )


def _write_chart_manifest(files: list, fresh: Path, target: Path) -> None:
    manifest = [
        {**c.to_dict(), "png": str(c.png.relative_to(target)), "svg": str(c.svg.relative_to(target))} for c in files
    ]
    (fresh / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")


def _charts_result(files: list, latest: str, target: Path) -> dg.MaterializeResult:
    """The charts asset's metadata: inline previews of the latest wave's headline charts, the file list."""
    from pipeline.charts.render import png_thumbnail_base64

    previews = []
    for name in PREVIEW:
        hit = [c for c in files if c.wave == latest and c.lang == "nb" and c.name == name]
        if hit:
            previews.append(
                f"**{hit[0].title}** ({latest})\n\n![{name}](data:image/png;base64,{png_thumbnail_base64(hit[0].png)})"
            )
    summary = pd.DataFrame([{"wave": c.wave, "chart": c.name, "lang": c.lang, "png": str(c.png)} for c in files])
    return dg.MaterializeResult(
        asset_key="charts",
        metadata={
            "preview": dg.MetadataValue.md("\n\n".join(previews) or "no charts"),
            "charts": len(files),
            "folder": dg.MetadataValue.path(str(target)),
            "files": dg.MetadataValue.md(markdown_table(summary, max_rows=60)),
        },
    )


def _workbooks_result(paths: list[Path], target: Path, info: "RunInfo") -> dg.MaterializeResult:
    books = pd.DataFrame([{"file": p.name, "kB": round((target / p.name).stat().st_size / 1024)} for p in paths])
    return dg.MaterializeResult(
        asset_key="report_workbooks",
        metadata={
            "workbooks": len(paths),
            "folder": dg.MetadataValue.path(str(target)),
            "files": dg.MetadataValue.md(markdown_table(books)),
            "code_version": info.code_version,
            "run_id": info.run_id,
        },
    )


@dg.asset(
    group_name="deliverables",
    kinds={"duckdb"},
    deps=[
        *FINDINGS,
        "analysis_respondents",
        "fact_respondent",
        "fact_response",
        "dim_org",
        "charts",
        "report_workbooks",
        "csv_exports",
    ],
    pool="warehouse",
    automation_condition=AUTOMATION,
    description="warehouse/ks_sdg_published.duckdb: a copy of the warehouse written as a new file and renamed into "
    "place, so notebooks (read-only, `pipeline.connect_published()`) never block or see a half-written state. Its "
    "metadata lists the published estimates that changed since the previous publication, largest first.",
)
def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from pipeline.findings.changes import estimate_changes, findings_in
    from pipeline.warehouse import connect

    previous = findings_in(warehouse.published_path)  # the last publication ({} the first time)
    current = findings_in(warehouse.path)
    path = publish_copy(warehouse.path, warehouse.published_path)
    changed = _changes_metadata(estimate_changes(previous, current) if previous else None)
    context.log.info(f"published {path}: {changed['changes_since_last_publication'].value}")

    con = connect(path, read_only=True)
    try:
        counts = pd.DataFrame(
            [(t, con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in table_names(con)],
            columns=["table", "rows"],
        )
    finally:
        con.close()
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "size_mb": round(path.stat().st_size / 2**20, 2),
            **changed,
            **table_metadata(counts, rows=40),
        }
    )


CHANGES_SHOWN = 15


def _changes_metadata(changes: pd.DataFrame | None) -> dict:
    """What moved since the previous publication: a one-line summary and the largest changes as a table."""
    from pipeline.findings.changes import summarise_changes
    from pipeline.report.markdown import markdown_table

    if changes is None:
        return {"changes_since_last_publication": dg.MetadataValue.text("first publication")}
    counts = summarise_changes(changes)
    summary = (
        f"{counts['changed']} estimates changed, {counts['new']} new, {counts['removed']} removed "
        f"in {counts['waves']} wave(s)"
        if len(changes)
        else "no published estimate changed"
    )
    shown = changes.drop(columns=["measure"]).head(CHANGES_SHOWN)
    return {
        "changes_since_last_publication": dg.MetadataValue.text(summary),
        "largest_changes": dg.MetadataValue.md(
            markdown_table(shown, max_rows=CHANGES_SHOWN, digits=4) if len(changes) else summary
        ),
    }


deliverable_assets = [deliverable_files, published_warehouse]
