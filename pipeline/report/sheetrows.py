"""Table rows for a write-only openpyxl sheet, written as SpreadsheetML text and spliced into the saved sheet.

openpyxl's write-only mode still builds a cell object, binds its value and emits it through lxml for every cell:
about 6 µs a cell, most of a findings workbook's build time (~130 000 cells per workbook). A findings table only
has three kinds of cells — text, a number with a number format, an empty formatted number — so its rows are
written here as text in one pass (well under 1 µs a cell) and put into the sheet's ``<sheetData>`` when the
workbook is saved (see :func:`splice_rows`). The cells are what openpyxl itself writes for the same values:
inline strings, numbers as ``%.16g``, style ids taken from the workbook's own style table. One difference on
purpose: text is always text — a value starting with ``=`` never becomes a formula.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

MAX_CELL_TEXT = 32_767  # Excel's limit on characters in a cell (openpyxl truncates the same way)


def styled_cell(ws: WriteOnlyWorksheet, value: object = None, **style: object) -> WriteOnlyCell:
    """A cell for a streamed row, with ``font``, ``fill``, ``alignment`` or ``number_format`` given as keywords."""
    cell = WriteOnlyCell(ws, value)
    for key, val in style.items():
        setattr(cell, key, val)
    return cell


def style_id(ws: WriteOnlyWorksheet, **style: object) -> int:
    """The workbook's cell-format index for the style keywords of :func:`styled_cell` (registered in the
    workbook's style table if new), as openpyxl writes it into a cell's ``s`` attribute."""
    return styled_cell(ws, **style).style_id


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass
class TextColumn:
    """Cells of text (``None``/NaN/empty string = no cell)."""

    values: Sequence[object]


@dataclass
class NumberColumn:
    """Numeric cells with a number format per row (``style_ids``: the format's style id for each row); a missing
    value (None, NA, NaN) gives an empty cell that keeps its format."""

    values: Sequence[object]
    style_ids: Sequence[int]


@dataclass
class SheetRows:
    """Rows ``first_row``, ``first_row + 1``, … of one sheet as SpreadsheetML ``<row>`` elements."""

    sheet: str
    first_row: int
    xml: str = field(repr=False)
    n_rows: int


class _Texts:
    """Inline-string cell bodies of text values, each distinct text checked and escaped once."""

    def __init__(self, sheet: str) -> None:
        self.sheet = sheet
        self.cache: dict[str, str] = {}

    def body(self, value: str, where: str) -> str:
        body = self.cache.get(value)
        if body is None:
            text = value[:MAX_CELL_TEXT]
            if ILLEGAL_CHARACTERS_RE.search(text):
                raise IllegalCharacterError(
                    f"sheet {self.sheet!r}, cell {where}: the text {text[:60]!r} holds a control character that "
                    "Excel files cannot store"
                )
            space = ' xml:space="preserve"' if text != text.strip() else ""
            body = f' t="inlineStr"><is><t{space}>{_escape(text)}</t></is></c>'
            self.cache[value] = body
        return body


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN and pd.NA (whose comparison is NA: truthiness raises)
    except TypeError:
        return True


def _number_text(value: object, sheet: str, where: str) -> str | None:
    """``%.16g`` of a number (what openpyxl writes); None for a missing value."""
    if _missing(value):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"sheet {sheet!r}, cell {where}: expected a number, got {value!r}") from None
    if math.isinf(number):
        return None
    if not isinstance(value, float) and number.is_integer():
        return f"{int(number):.16g}"
    return f"{number:.16g}"


def table_rows(sheet: str, columns: Sequence[TextColumn | NumberColumn], first_row: int = 2) -> SheetRows:
    """The rows of ``columns`` (equal lengths, column A first) from ``first_row`` on, as SpreadsheetML text."""
    n = len(columns[0].values) if columns else 0
    if any(len(c.values) != n for c in columns):
        raise ValueError(f"sheet {sheet!r}: columns of unequal length {[len(c.values) for c in columns]}")
    letters = [get_column_letter(k) for k in range(1, len(columns) + 1)]
    texts = _Texts(sheet)
    # one list of cell strings per column, then joined row by row
    cells: list[list[str]] = []
    for letter, column in zip(letters, columns, strict=True):
        out: list[str] = []
        if isinstance(column, TextColumn):
            for i, value in enumerate(column.values):
                if _missing(value):
                    out.append("")
                    continue
                text = value if isinstance(value, str) else str(value)
                if not text:
                    out.append("")
                    continue
                r = first_row + i
                out.append(f'<c r="{letter}{r}"{texts.body(text, f"{letter}{r}")}')
        else:
            for i, (value, sid) in enumerate(zip(column.values, column.style_ids, strict=True)):
                r = first_row + i
                number = _number_text(value, sheet, f"{letter}{r}")
                if number is None:
                    out.append(f'<c r="{letter}{r}" s="{sid}" t="n"/>')
                else:
                    out.append(f'<c r="{letter}{r}" s="{sid}" t="n"><v>{number}</v></c>')
        cells.append(out)
    rows = [f'<row r="{first_row + i}">{"".join(row)}</row>' for i, row in enumerate(zip(*cells, strict=True))]
    return SheetRows(sheet, first_row, "".join(rows), n)


def splice_rows(sheet_xml: bytes, rows: SheetRows) -> bytes:
    """``sheet_xml`` (a worksheet part as openpyxl wrote it) with ``rows`` appended to its ``<sheetData>``.

    The rows must follow the ones openpyxl wrote: a sheet whose data already reach ``rows.first_row`` is refused
    rather than given two rows of the same number."""
    body = rows.xml.encode("utf-8")
    if f'<row r="{rows.first_row}"'.encode() in sheet_xml:
        raise ValueError(f"sheet {rows.sheet!r}: row {rows.first_row} was written twice")
    if b"</sheetData>" in sheet_xml:
        head, tail = sheet_xml.split(b"</sheetData>", 1)
        return head + body + b"</sheetData>" + tail
    if b"<sheetData/>" in sheet_xml:
        head, tail = sheet_xml.split(b"<sheetData/>", 1)
        return head + b"<sheetData>" + body + b"</sheetData>" + tail
    raise ValueError(f"sheet {rows.sheet!r}: no <sheetData> element to put {rows.n_rows} rows into")
