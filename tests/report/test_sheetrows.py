"""Table rows written as SpreadsheetML text (pipeline.report.sheetrows): what openpyxl reads back from them."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from pipeline.report.sheetrows import NumberColumn, SheetRows, TextColumn, splice_rows, style_id, table_rows
from pipeline.report.workbook import save_deterministic


def _saved(tmp_path, columns, header=("text", "share", "n")):
    """A one-sheet write-only workbook with a header row and ``columns`` as rows 2…, reopened."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Tabell")
    ws.append(list(header))
    rows = table_rows(ws.title, columns(ws), first_row=2)
    path = tmp_path / "t.xlsx"
    save_deterministic(wb, path, pd.Timestamp("2026-06-01").to_pydatetime(), {ws: rows})
    return load_workbook(path)["Tabell"]


def test_texts_numbers_and_formats_read_back(tmp_path):
    def columns(ws):
        pct, count = style_id(ws, number_format="0.0%"), style_id(ws, number_format="#,##0")
        return [
            TextColumn(["Bø & Våler <i>", "  leading space", "=SUM(A1)", None, "", math.nan]),
            NumberColumn([0.4425770308123249, 1 / 3, None, math.nan, pd.NA, 0.25], [pct] * 6),
            NumberColumn([158, 357.0, 12_345_678, None, 0, 7], [count] * 6),
        ]

    ws = _saved(tmp_path, columns)
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_row=7)]
    assert got == [
        ["Bø & Våler <i>", 0.4425770308123249, 158],
        ["  leading space", 1 / 3, 357],
        ["=SUM(A1)", None, 12_345_678],  # text stays text: never a formula
        [None, None, None],
        [None, None, 0],
        [None, 0.25, 7],
    ]
    assert ws["A4"].data_type == "s"
    assert ws["B2"].number_format == "0.0%" and ws["C2"].number_format == "#,##0"
    # a missing number is an empty cell that keeps its format (the column reads as one in Excel)
    assert ws["B4"].value is None and ws["B4"].number_format == "0.0%"
    assert isinstance(ws["C3"].value, int)


def test_a_control_character_names_sheet_and_cell():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Barrierer")
    with pytest.raises(IllegalCharacterError, match=r"sheet 'Barrierer', cell A3: .*control character"):
        table_rows(ws.title, [TextColumn(["ok", "bad\x07bell"])], first_row=2)


def test_text_in_a_number_column_names_the_cell():
    with pytest.raises(ValueError, match=r"sheet 'S', cell B2: expected a number, got 'mye'"):
        table_rows("S", [TextColumn(["a"]), NumberColumn(["mye"], [0])], first_row=2)


def test_columns_of_unequal_length_are_refused():
    with pytest.raises(ValueError, match="unequal length"):
        table_rows("S", [TextColumn(["a", "b"]), NumberColumn([1.0], [0])])


def test_splice_into_empty_and_filled_sheet_data():
    rows = SheetRows("S", 2, '<row r="2"><c r="A2" t="n"><v>1</v></c></row>', 1)
    assert splice_rows(b"<worksheet><sheetData/></worksheet>", rows) == (
        b'<worksheet><sheetData><row r="2"><c r="A2" t="n"><v>1</v></c></row></sheetData></worksheet>'
    )
    head = b'<worksheet><sheetData><row r="1"/></sheetData><autoFilter ref="A1:A2"/></worksheet>'
    assert splice_rows(head, rows).startswith(b'<worksheet><sheetData><row r="1"/><row r="2">')
    with pytest.raises(ValueError, match="row 2 was written twice"):
        splice_rows(b'<worksheet><sheetData><row r="2"/></sheetData></worksheet>', rows)
    with pytest.raises(ValueError, match="no <sheetData>"):
        splice_rows(b"<worksheet/>", rows)
