"""Plain exports: a header row and data rows in a CSV (``generic_csv``) or the first sheet of a workbook
(``generic_xlsx``).

Facts relied on: Norwegian Excel saves "CSV (semikolonseparert)" in Windows-1252 with ``;`` and decimal comma, and
"CSV UTF-8" with a BOM; Excel shows a kommunenummer typed as ``0301`` as the number ``301`` once it is stored as a
number. Decisions: values are kept as written (``"12,5"``, ``"301"``: geography normalises codes later); a column's
type is inferred from its values (``numeric`` when every value is a number, decimal comma or point; ``datetime``
when every value is an ISO, ``dd.mm.yyyy`` or Excel date, converted to ISO 8601 text; otherwise ``text``); a column
named like a respondent id (``id``, ``respondent``, ``responde``, ``$submission_id``, ``NR``, ``record_id``) whose
values are unique becomes the record id, otherwise records are ``row-<n>``. The format says nothing about
completion: ``status_hint`` is None.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.errors import InputError
from pipeline.readers.model import RawExport, Variable
from pipeline.readers.sniff import (
    INTEGER_RE,
    KIND_DATETIME,
    KIND_NUMBER,
    NUMBER_RE,
    Column,
    all_match,
    to_iso_dates,
)
from pipeline.readers.table import (
    Grid,
    Parts,
    assemble,
    open_workbook,
    read_delimited,
    read_sheet,
    role_of,
    worksheet_names,
)


def infer_type(column: Column) -> str:
    """``numeric``, ``datetime`` or ``text`` from the values of a column (converting date texts to ISO 8601)."""
    if column.kind == KIND_NUMBER:
        return "numeric"
    if column.kind == KIND_DATETIME:
        return "datetime"
    if column.kind == "empty":
        return "text"
    if all_match(column.values, NUMBER_RE):
        return "numeric"
    iso = to_iso_dates(column.values)
    if iso is not None:
        column.values = iso
        return "datetime"
    return "text"


def looks_coded(column: Column, max_codes: int = 30) -> bool:
    """Whether a column holds option codes: few distinct small integers (``1``, ``2``, ``-1`` …)."""
    values = pd.Series(column.values, dtype=object).dropna()
    if values.empty or not all_match(column.values, INTEGER_RE):
        return False
    numbers = pd.to_numeric(values)
    return numbers.nunique() <= max_codes and bool((numbers.abs() <= 999).all())


def find_id_column(grid: Grid) -> str | None:
    """The first column named like a respondent id whose values are all present and unique."""
    for name in grid.header:
        if role_of(name) != "id":
            continue
        values = pd.Series(grid.values(name), dtype=object)
        if values.notna().all() and values.is_unique:
            return name
    return None


def generic_parts(grid: Grid) -> Parts:
    """Variables with inferred types (the id column typed ``system``) and the id column of a plain grid."""
    id_column = find_id_column(grid)
    variables = []
    for name in grid.header:
        vtype = "system" if name == id_column else infer_type(grid.columns[name])
        variables.append(Variable(name=name, label=name, type=vtype))
    return Parts(variables, id_column)


def read_generic_csv(path: Path) -> RawExport:
    """Read a delimited text file with a header row (delimiter and encoding sniffed)."""
    grid = read_delimited(path)
    return assemble("generic_csv", path, grid, generic_parts(grid))


def read_generic_xlsx(path: Path, sheet: str | None = None) -> RawExport:
    """Read the first worksheet (or ``sheet``) of a workbook with a header row."""
    workbook = open_workbook(path)
    names = worksheet_names(workbook)
    name = sheet or (names[0] if names else None)
    if name is None or name not in names:
        raise InputError(
            path,
            f"the workbook has no worksheet {name!r}; sheets found: {', '.join(names) or 'none'}",
            expected="a workbook with a header row on its first sheet",
        )
    grid = read_sheet(workbook, name, path)
    return assemble("generic_xlsx", path, grid, generic_parts(grid), sheets=[name])
