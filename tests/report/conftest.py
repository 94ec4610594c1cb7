"""Fixtures for the report deliverables: workbooks, CSV/SPSS exports and Open SDG files written from the sample."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from report_cases import RUN, WAVE


@pytest.fixture(scope="session")
def run_info():
    from pipeline.report.workbook import RunInfo

    return RunInfo(**RUN)


@pytest.fixture(scope="session")
def chart_png(tmp_path_factory) -> Path:
    """A small PNG (1200 × 600 px) standing in for a chart."""
    from PIL import Image

    path = tmp_path_factory.mktemp("charts") / "goal_coverage.png"
    Image.new("RGB", (1200, 600), (31, 119, 180)).save(path)
    return path


def _cut(tables: dict, breakdowns: list[str]) -> dict:
    out = dict(tables)
    for name, frame in tables.items():
        if name.startswith("finding_"):
            keep = frame["breakdown"].isin(breakdowns) & (frame["estimand"] == "orgs")
            out[name] = frame[keep].reset_index(drop=True)
    return out


@pytest.fixture(scope="session")
def small_tables(sample_tables) -> dict:
    """Findings cut to share-of-orgs estimates by total, org type (contrasts) and centrality.

    Still has every kind of row (shares, mean scores, differences of shares and of scores, suppressed cells,
    trends with suppressed cells) but is small enough for openpyxl to reopen quickly.
    """
    return _cut(sample_tables, ["total", "org_type", "centrality_class"])


@pytest.fixture(scope="session")
def tiny_tables(sample_tables) -> dict:
    """Findings cut to the share-of-orgs totals (for tests of the file itself: paths, properties, banner)."""
    return _cut(sample_tables, ["total"])


@pytest.fixture(scope="session")
def full_workbook_path(sample_tables, chart_png, run_info, tmp_path_factory) -> Path:
    """The complete Norwegian workbook of the wave (read back with calamine: openpyxl needs seconds)."""
    from pipeline.report.workbook import ChartRef, write_workbook

    out = tmp_path_factory.mktemp("xlsx")
    charts = [ChartRef("goal_coverage", "Måldekning per fylke", chart_png)]
    return write_workbook(sample_tables, WAVE, "nb", out, charts=charts, run_info=run_info)


@pytest.fixture(scope="session")
def workbook_nb(small_tables, chart_png, run_info, tmp_path_factory):
    """The Norwegian workbook of the reduced tables, reopened with openpyxl (formats, panes, images)."""
    from pipeline.report.workbook import ChartRef, write_workbook

    out = tmp_path_factory.mktemp("xlsx_nb")
    charts = [ChartRef("goal_coverage", "Måldekning per fylke", chart_png)]
    return load_workbook(write_workbook(small_tables, WAVE, "nb", out, charts=charts, run_info=run_info))


@pytest.fixture(scope="session")
def workbook_en(small_tables, chart_png, run_info, tmp_path_factory):
    from pipeline.report.workbook import ChartRef, write_workbook

    out = tmp_path_factory.mktemp("xlsx_en")
    charts = [ChartRef("a", "Chart A", chart_png), ChartRef("b", "Chart B", chart_png)]
    return load_workbook(write_workbook(small_tables, WAVE, "en", out, charts=charts, run_info=run_info))


@pytest.fixture(scope="session")
def exports(sample_tables, tmp_path_factory) -> list[Path]:
    from pipeline.report.exports import write_csv_exports

    return write_csv_exports(sample_tables, tmp_path_factory.mktemp("csv"))


@pytest.fixture(scope="session")
def opensdg_files(sample_tables, tmp_path_factory) -> list[Path]:
    from pipeline.report.opensdg import write_opensdg

    return write_opensdg(sample_tables, tmp_path_factory.mktemp("opensdg"))
