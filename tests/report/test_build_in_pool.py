"""build_in_pool builds what it is given folders for — in this process (workers=1) as in the pool."""

from __future__ import annotations

from pipeline.report.deliverables import build_in_pool


def test_exports_alone_write_no_charts_or_workbooks(sample_tables, tmp_path):
    built = build_in_pool(sample_tables, exports_dir=tmp_path / "csv", workers=2)
    assert built.charts == [] and built.workbooks == []
    names = {p.name for p in built.exports}
    assert {"finding_barriers.csv", "analysis_respondents_2025-vnr.sav"} <= names
    assert all(p.is_file() and p.is_relative_to(tmp_path / "csv") for p in built.exports)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["csv"]


def test_workbooks_without_a_chart_folder_embed_scratch_charts(sample_tables, tmp_path):
    tables = {**sample_tables, "dim_wave": sample_tables["dim_wave"].query("wave == '2023-nordic'")}
    built = build_in_pool(tables, report_dir=tmp_path / "reports", langs=("en",), workers=1)
    assert built.charts == [] and [p.name for p in built.workbooks] == ["ks-sdg-2023-nordic-en.xlsx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]  # the charts were drawn elsewhere
    from openpyxl import load_workbook

    book = load_workbook(built.workbooks[0])
    assert sum(len(ws._images) for ws in book.worksheets) > 0
