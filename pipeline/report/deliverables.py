"""Everything researchers hand on, built from the warehouse tables (no Dagster): charts, workbooks, CSV exports.

Charts and workbooks are independent per wave and language, so they are built in a small process pool together
with the exports (``workers`` processes; default: the number of CPUs, at most 4; 1 = in this process).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.charts.render import ChartFile, render_wave_charts, wave_charts
from pipeline.report.exports import write_csv_exports
from pipeline.report.opensdg import write_opensdg
from pipeline.report.workbook import ChartRef, RunInfo, write_workbook

LANGS = ("nb", "en")
#: Tables the deliverables read (everything else in the warehouse is left alone).
TABLES = (
    "dim_wave",
    "dim_item",
    "dim_question",
    "dim_option",
    "dim_sdg_goal",
    "dim_org",
    "analysis_respondents",
    "org_maturity",
    "finding_response_rates",
    "finding_barriers",
    "finding_maturity",
    "finding_goal_coverage",
    "finding_context",
    "finding_trends",
    "ingest_manifest",
)


def load_tables(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """The tables deliverables need, as DataFrames."""
    existing = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    return {name: con.execute(f"SELECT * FROM {name}").df() for name in TABLES if name in existing}


def default_workers() -> int:
    env = os.environ.get("KS_SDG_WORKERS")
    return max(1, int(env)) if env else max(1, min(4, os.cpu_count() or 1))


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Keep this process's objects out of reach of the garbage collector of workers forked inside the block.

    A forked worker inherits every object of its parent (Dagster, pandas, the tables): left as they are, each of
    the worker's full collections walks all of them — 10–15 % of chart rendering time — and copies the memory
    pages it touches. ``gc.freeze()`` moves them to the permanent generation first; afterwards they are
    released to the collector again, unless something froze objects before (then that caller keeps them)."""
    owner = gc.get_freeze_count() == 0
    gc.freeze()
    try:
        yield
    finally:
        if owner:
            gc.unfreeze()


# Worker-process state: the tables are sent once per worker, not once per task.
_TABLES: dict[str, pd.DataFrame] = {}


def _init(tables: dict[str, pd.DataFrame]) -> None:
    _TABLES.clear()
    _TABLES.update(tables)


def _charts_task(wave: str, lang: str, out_dir: Path) -> list[ChartFile]:
    return list(render_wave_charts(_TABLES, wave, out_dir, langs=(lang,)))


def _workbook_task(wave: str, lang: str, out_dir: Path, charts: list[ChartRef], run_info: RunInfo | None) -> Path:
    return write_workbook(_TABLES, wave, lang, out_dir, charts, run_info)


def _waves(tables: dict[str, pd.DataFrame]) -> list[str]:
    waves = tables["dim_wave"].sort_values(["field_start", "wave"])
    return waves["wave"].tolist()


def _exports_task(out_dir: Path) -> list[Path]:
    return build_exports(_TABLES, out_dir)


def build_exports(tables: dict[str, pd.DataFrame], out_dir: Path) -> list[Path]:
    """Tidy CSVs, the analysis file as CSV and SPSS .sav per wave, and Open SDG-shaped CSVs (``opensdg/``)."""
    return [*write_csv_exports(tables, Path(out_dir)), *write_opensdg(tables, Path(out_dir) / "opensdg")]


@dataclass
class Deliverables:
    charts: list[ChartFile]
    workbooks: list[Path]
    exports: list[Path]


def build_in_pool(
    tables: dict[str, pd.DataFrame],
    *,
    chart_dir: Path | None = None,
    report_dir: Path | None = None,
    exports_dir: Path | None = None,
    run_info: RunInfo | None = None,
    langs: Iterable[str] = LANGS,
    workers: int | None = None,
) -> Deliverables:
    """Charts into ``chart_dir``, workbooks into ``report_dir``, exports into ``exports_dir`` — whichever are
    given — in one process pool: each wave × language's workbook starts as soon as its charts exist and the
    exports run beside the charts, so both cores stay busy to the end. Workbooks without a ``chart_dir`` embed
    charts drawn into a temporary folder."""
    workers = workers or default_workers()
    with tempfile.TemporaryDirectory(prefix="ks-sdg-charts-") as scratch:
        drawn_dir = Path(chart_dir) if chart_dir is not None else Path(scratch)
        draw = chart_dir is not None or report_dir is not None
        keys = [(wave, lang) for wave in _waves(tables) for lang in langs] if draw else []
        if not keys:
            workers = 1  # the exports alone: one task, no pool
        charts: dict[tuple[str, str], list[ChartFile]] = {}
        books: dict[tuple[str, str], Path] = {}
        exports: list[Path] = []

        def refs(key: tuple[str, str]) -> list[ChartRef]:
            return [ChartRef(c.name, c.title, c.png) for c in charts[key]]

        if workers <= 1:
            _init(tables)
            for key in keys:
                charts[key] = _charts_task(key[0], key[1], drawn_dir)
                if report_dir is not None:
                    books[key] = _workbook_task(key[0], key[1], Path(report_dir), refs(key), run_info)
            if exports_dir is not None:
                exports = _exports_task(Path(exports_dir))
        else:
            context = multiprocessing.get_context("fork")
            with (
                frozen_heap(),
                ProcessPoolExecutor(
                    max_workers=workers, mp_context=context, initializer=_init, initargs=(tables,)
                ) as pool,
            ):
                # waves with the most charts first, so the last tasks to finish are short ones
                by_size = sorted(keys, key=lambda key: -len(wave_charts(tables, key[0])))
                pending = {pool.submit(_charts_task, *key, drawn_dir): ("chart", key) for key in by_size}
                if exports_dir is not None:
                    pending[pool.submit(_exports_task, Path(exports_dir))] = ("exports", None)
                try:
                    while pending:
                        done, _ = wait(pending, return_when=FIRST_COMPLETED)
                        for future in done:
                            kind, key = pending.pop(future)
                            if kind == "chart":
                                charts[key] = future.result()
                                if report_dir is not None:
                                    task = pool.submit(
                                        _workbook_task, key[0], key[1], Path(report_dir), refs(key), run_info
                                    )
                                    pending[task] = ("book", key)
                            elif kind == "book":
                                books[key] = future.result()
                            else:
                                exports = future.result()
                except BaseException:
                    pool.shutdown(wait=True, cancel_futures=True)  # the first failure ends the build
                    raise
    return Deliverables(
        [c for key in keys for c in charts[key]] if chart_dir is not None else [],
        [books[key] for key in keys] if report_dir is not None else [],
        exports,
    )


def build_deliverables(
    tables: dict[str, pd.DataFrame], assets: Path, run_info: RunInfo | None = None, workers: int | None = None
) -> Deliverables:
    """Charts, workbooks and exports under ``assets/charts``, ``assets/reports`` and ``assets/csv``."""
    return build_in_pool(
        tables,
        chart_dir=assets / "charts",
        report_dir=assets / "reports",
        exports_dir=assets / "csv",
        run_info=run_info,
        workers=workers,
    )
