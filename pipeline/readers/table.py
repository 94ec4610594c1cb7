"""Shared machinery of the readers: a file's grid of cells → canonical columns → :class:`RawExport`.

Every reader turns its file(s) into a :class:`Grid` (header names plus one canonical text column per header, with
the row number a person sees for every data row), decides the variables' metadata, the record-id column, the
submission time and the status, and calls :func:`assemble`. Workbooks are read with python-calamine (not openpyxl:
about 8× faster on large exports); delimited text with :mod:`csv` after :mod:`~pipeline.readers.sniff` found the
encoding and delimiter.

Also here: the *roles* of system columns (respondent id, submission time, …) under the names each tool gives them,
shared with the writers in :mod:`pipeline.sample.formats`.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import python_calamine as calamine

from pipeline.errors import InputError
from pipeline.readers.model import RawExport, Variable
from pipeline.readers.sniff import (
    Column,
    DecodedText,
    canonical_column,
    canonical_value,
    parse_delimited,
    read_text,
    sniff_delimiter,
)

#: Names each tool gives its system columns, by role (matched case-insensitively after stripping).
ROLE_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("responde", "respondent", "respondentid", "respondent_id", "$submission_id", "nr", "id", "record_id"),
    "submitted": (
        "closetim",
        "closetime",
        "$created",
        "opprettet",
        "completion time",
        "fullføringstidspunkt",
        "submitted_at",
    ),
    "started": ("starttim", "starttime", "start time", "starttidspunkt"),
    "modified": ("modified", "endret", "last modified time", "tidspunkt for siste endring"),
    "email": ("email", "e-post", "e-postadresse", "epost"),
    "name": ("name", "navn"),
    "answer_time": ("$answer_time_ms", "svartid", "difftime"),
    "status": ("stato_1", "stato_2", "stato_3", "stato_4", "stato_5"),
}
_ROLE_OF = {alias: role for role, aliases in ROLE_ALIASES.items() for alias in aliases}


def role_of(name: str) -> str | None:
    """The system role of a column name under any tool's naming (``"$created"`` → ``"submitted"``), else None."""
    return _ROLE_OF.get(name.strip().casefold())


def column_letter(index: int) -> str:
    """Excel column letter of a 0-based column index (0 → ``A``, 27 → ``AB``)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class Grid:
    """One table of an export: header names and canonical columns, with the file row of every data row."""

    file: Path
    sheet: str | None
    header: list[str]
    columns: dict[str, Column]
    rows: np.ndarray  # int64 row numbers as shown in the file (header = 1)
    encoding: str | None = None
    delimiter: str | None = None

    @property
    def n_rows(self) -> int:
        return len(self.rows)

    def values(self, name: str) -> np.ndarray:
        return self.columns[name].values

    def error(self, problem: str, expected: str = "", **where: object) -> InputError:
        """An :class:`InputError` located in this grid's file and sheet."""
        return InputError(self.file, problem, expected=expected, sheet=self.sheet, **where)  # type: ignore[arg-type]


# --- building grids -----------------------------------------------------------------------------------------------


def _is_blank(row: Sequence[object]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def grid_from_rows(
    rows: list[list[object]],
    file: Path,
    sheet: str | None = None,
    *,
    header_row: int = 1,
    what: str = "export",
    ragged: bool = False,
) -> Grid:
    """A :class:`Grid` from raw rows (first row = header). Validates the header and (for text files) row lengths.

    ``header_row`` is the file row number of ``rows[0]``. Blank rows are skipped (their numbers are kept for the rows
    after them); trailing columns without header and data are dropped. With ``ragged`` (delimited text) a row with
    fewer fields than the header, or with non-empty fields beyond it, is an :class:`InputError`.
    """
    if not rows or _is_blank(rows[0]):
        raise InputError(
            file, f"the {what} has no header row", expected="column names in the first row", sheet=sheet, row=1
        )
    header_raw = [canonical_value(v) or "" for v in rows[0]]
    data = rows[1:]
    keep = [i for i, row in enumerate(data) if not _is_blank(row)]
    if not keep:
        raise InputError(
            file,
            f"the {what} has a header row but no data rows",
            expected="one row per respondent below the header",
            sheet=sheet,
        )
    width = len(header_raw)
    if ragged:
        _check_ragged(data, keep, width, file, sheet, header_row)
    else:
        width = max(width, max((len(data[i]) for i in keep), default=0))
    header_raw += [""] * (width - len(header_raw))
    data_rows = [data[i] for i in keep]
    if data_rows:
        cells = list(zip(*(_fit(row, width) for row in data_rows), strict=True))
    else:
        cells = [() for _ in range(width)]
    columns: dict[str, Column] = {}
    header: list[str] = []
    first_seen: dict[str, int] = {}
    for j, name in enumerate(header_raw):
        col = canonical_column(cells[j])
        if not name:
            if col.kind == "empty":
                continue
            raise InputError(
                file,
                f"column {column_letter(j)} has data but no header",
                expected="a name in the header row for every column with data",
                sheet=sheet,
                row=header_row,
                column=column_letter(j),
            )
        if name in first_seen:
            raise InputError(
                file,
                f"duplicate column header {name!r} (columns {column_letter(first_seen[name])} and {column_letter(j)})",
                expected="unique column headers",
                sheet=sheet,
                row=header_row,
                column=name,
            )
        first_seen[name] = j
        header.append(name)
        columns[name] = col
    rows_out = np.asarray(keep, dtype=np.int64) + header_row + 1
    return Grid(file, sheet, header, columns, rows_out)


def _fit(row: Sequence[object], width: int) -> Sequence[object]:
    n = len(row)
    if n == width:
        return row
    return list(row[:width]) if n > width else [*row, *([None] * (width - n))]


def _check_ragged(
    data: list[list[object]], keep: list[int], width: int, file: Path, sheet: str | None, header_row: int
) -> None:
    """Raise on the first data row whose field count does not fit the header (extra empty fields are allowed)."""
    lengths = np.fromiter((len(data[i]) for i in keep), dtype=np.int64, count=len(keep))
    for pos in np.flatnonzero(lengths != width):
        i = keep[pos]
        row = data[i]
        if len(row) > width and _is_blank(row[width:]):
            continue
        raise InputError(
            file,
            f"the row has {len(row)} fields but the header has {width}",
            expected="the same number of fields on every row (a field with the delimiter inside must be quoted)",
            sheet=sheet,
            row=header_row + 1 + i,
        )


def read_delimited_rows(path: Path) -> tuple[list[list[str]], DecodedText, str]:
    """Decoded, parsed rows of a delimited text file with its encoding and sniffed delimiter."""
    decoded = read_text(path)
    delimiter = sniff_delimiter(decoded.text, path)
    return parse_delimited(decoded.text, delimiter), decoded, delimiter


def read_delimited(path: Path, *, what: str = "export") -> Grid:
    """A delimited text export (header row + data) as a :class:`Grid`."""
    rows, decoded, delimiter = read_delimited_rows(path)
    grid = grid_from_rows(rows, path, what=what, ragged=True)
    grid.encoding, grid.delimiter = decoded.encoding, delimiter
    return grid


# --- workbooks ------------------------------------------------------------------------------------------------------


def open_workbook(path: Path) -> calamine.CalamineWorkbook:
    """Open an xlsx with python-calamine; an empty, truncated or non-zip file is an :class:`InputError`."""
    size = path.stat().st_size
    if size == 0:
        raise InputError(path, "the file is empty (0 bytes)", expected="an xlsx workbook")
    try:
        if path.suffix.lower() != ".xls" and not zipfile.is_zipfile(path):
            raise InputError(
                path,
                "not a readable xlsx (zip) file: the file is truncated or corrupt",
                expected="an xlsx workbook saved completely by Excel or the survey tool",
            )
        return calamine.CalamineWorkbook.from_path(str(path))
    except calamine.CalamineError as err:
        raise InputError(
            path,
            f"not a readable xlsx (zip) file ({type(err).__name__}: {err})",
            expected="an xlsx workbook saved completely by Excel or the survey tool",
        ) from None


def sheet_rows(workbook: calamine.CalamineWorkbook, name: str, path: Path) -> list[list[object]]:
    """All rows of a worksheet as Python values, from cell A1 (so list positions are file rows and columns)."""
    try:
        rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except calamine.CalamineError as err:
        raise InputError(
            path, f"cannot read the sheet ({type(err).__name__}: {err})", sheet=name, expected="a readable worksheet"
        ) from None
    return rows  # type: ignore[return-value]


def worksheet_names(workbook: calamine.CalamineWorkbook) -> list[str]:
    """Names of the workbook's worksheets (chart and macro sheets left out), in workbook order."""
    return [m.name for m in workbook.sheets_metadata if m.typ == calamine.SheetTypeEnum.WorkSheet]


def read_sheet(workbook: calamine.CalamineWorkbook, name: str, path: Path, *, what: str = "sheet") -> Grid:
    """One worksheet (header row + data) as a :class:`Grid`."""
    return grid_from_rows(sheet_rows(workbook, name, path), path, name, what=what)


# --- assembling the RawExport ---------------------------------------------------------------------------------------


@dataclass
class Parts:
    """What a reader decided about a grid, ready for :func:`assemble`."""

    variables: list[Variable]
    id_column: str | None = None
    submitted_at: pd.Series | None = None  # UTC timestamps aligned with the grid rows
    status_hint: Sequence[str | None] | None = None
    joined: set[str] = field(default_factory=set)  # multiple_joined variables, split on ';'


def record_ids(grid: Grid, id_column: str | None) -> np.ndarray:
    """Record ids: the id column's text (non-empty, unique), or ``row-<n>`` when the export has no id column."""
    if id_column is None:
        return np.array([f"row-{n}" for n in grid.rows], dtype=object)
    ids = grid.values(id_column)
    missing = pd.isna(ids)
    if missing.any():
        row = int(grid.rows[np.flatnonzero(missing)[0]])
        raise grid.error("the respondent id is empty", expected="an id on every data row", row=row, column=id_column)
    dup = pd.Series(ids).duplicated(keep=False).to_numpy()
    if dup.any():
        first = np.flatnonzero(dup)[0]
        rows = grid.rows[dup & (ids == ids[first])]
        raise grid.error(
            f"respondent id {ids[first]!r} occurs on rows {', '.join(str(r) for r in rows)}",
            expected="a unique respondent id per row",
            row=int(rows[1]),
            column=id_column,
        )
    return ids


def _split_items(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row position, item) of every item of ``;``-joined cells (``"A;B;"`` → ``A``, ``B``)."""
    items = pd.Series(values, dtype=object).dropna().astype(str).str.split(";").explode().str.strip()
    items = items[items.astype(bool)]
    return items.index.to_numpy(dtype=np.int64), items.to_numpy(dtype=object)


def _answers(ids: np.ndarray, grid: Grid, names: list[str], joined: set[str]) -> pd.DataFrame:
    """The long answers table: one row per non-empty cell, record-major, variables in file order."""
    plain = [j for j, name in enumerate(names) if name not in joined]
    mat = np.empty((len(ids), len(plain)), dtype=object)
    for k, j in enumerate(plain):
        mat[:, k] = grid.values(names[j])
    rows, cols = np.nonzero(~pd.isna(mat))
    found = mat[rows, cols]
    cols = np.asarray(plain, dtype=np.int64)[cols]
    if joined:
        parts = [(rows, cols, found)]
        for j, name in enumerate(names):
            if name in joined:
                pos, items = _split_items(grid.values(name))
                parts.append((pos, np.full(len(pos), j, dtype=np.int64), items))
        rows, cols, found = (np.concatenate(p) for p in zip(*parts, strict=True))
        order = np.lexsort((cols, rows))  # stable: items keep their order within a cell
        rows, cols, found = rows[order], cols[order], found[order]
    return pd.DataFrame(
        {
            "record_id": pd.Series(ids[rows], dtype="str"),
            "variable": pd.Series(np.asarray(names, dtype=object)[cols], dtype="str"),
            "value": pd.Series(found, dtype="str"),
        }
    )


def assemble(
    fmt: str,
    path: Path,
    grid: Grid,
    parts: Parts,
    *,
    files: Iterable[Path] | None = None,
    sheets: Sequence[str] = (),
) -> RawExport:
    """The :class:`RawExport` of a grid and the reader's decisions about it."""
    ids = record_ids(grid, parts.id_column)
    n = grid.n_rows
    submitted = parts.submitted_at
    if submitted is None:
        submitted = pd.Series(pd.NaT, index=range(n), dtype="datetime64[us, UTC]")
    status = list(parts.status_hint) if parts.status_hint is not None else [None] * n
    records = pd.DataFrame(
        {
            "record_id": pd.Series(ids, dtype="str"),
            "source_file": pd.Series([grid.file.name] * n, dtype="str"),
            "source_sheet": pd.Series([grid.sheet] * n, dtype="str" if grid.sheet else object),
            "source_row": pd.Series(grid.rows, dtype="int64"),
            "submitted_at": pd.Series(submitted.to_numpy(), dtype=submitted.dtype),
            "status_hint": pd.Series(status, dtype=object),
        }
    )
    names = [v.name for v in parts.variables]
    answers = _answers(ids, grid, names, parts.joined)
    return RawExport(
        path=path,
        format=fmt,
        records=records,
        answers=answers,
        variables=parts.variables,
        files=list(files) if files is not None else [grid.file],
        encoding=grid.encoding,
        delimiter=grid.delimiter,
        sheets=list(sheets) if sheets else ([grid.sheet] if grid.sheet else []),
    )
