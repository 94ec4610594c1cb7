"""SPSS system files (``spss_sav``), read with pyreadstat.

Facts relied on (pyreadstat documentation): ``read_sav(..., user_missing=True)`` keeps user-defined missing codes
(``99`` "Vet ikke") as values instead of turning them into NaN; ``meta.column_names_to_labels`` holds variable
labels, ``meta.variable_value_labels`` value labels keyed by the numeric code, ``meta.original_variable_types`` the
SPSS formats (``F8.0``, ``A20``, ``DATE11``, ``DATETIME20``); date formats arrive as Python dates/datetimes; every
number arrives as a float.

Decisions: codes are canonical text (``1.0`` → ``"1"``); a variable with value labels is ``single``, other numbers
``numeric``, strings ``text``, date/time formats ``datetime``; a variable named like a respondent id (``id``,
``respondent``, ``responde``, ``NR``…) with unique values is the record id and ``system``; ``source_row`` is the SPSS
case number (row 1 = first case, as the Data View shows it); the format says nothing about completion
(``status_hint`` None).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyreadstat

from pipeline.errors import InputError
from pipeline.readers.generic import find_id_column
from pipeline.readers.model import RawExport, Variable
from pipeline.readers.sniff import canonical_column, canonical_value
from pipeline.readers.table import Grid, Parts, assemble

_DATE_FORMATS = ("DATE", "ADATE", "EDATE", "SDATE", "JDATE", "DATETIME", "YMDHMS", "TIME", "DTIME", "MOYR", "QYR")


def _type(meta: pyreadstat.metadata_container, name: str, has_labels: bool) -> str:
    fmt = (meta.original_variable_types.get(name) or "").upper()
    if fmt.startswith(_DATE_FORMATS):
        return "datetime"
    if meta.readstat_variable_types.get(name) == "string":
        return "text"
    return "single" if has_labels else "numeric"


def read_spss_sav(path: Path) -> RawExport:
    """Read an SPSS .sav/.zsav file with variable labels, value labels and user-missing codes kept."""
    if path.stat().st_size == 0:
        raise InputError(path, "the file is empty (0 bytes)", expected="an SPSS .sav file")
    try:
        frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    except Exception as err:  # pyreadstat raises its own ReadstatError/PyreadstatError types
        raise InputError(path, f"not a readable SPSS .sav file ({err})", expected="an SPSS system file") from None
    if frame.empty:
        raise InputError(path, "the file has variables but no cases", expected="one case per respondent")
    columns = {name: canonical_column(frame[name].to_numpy(dtype=object)) for name in frame.columns}
    grid = Grid(path, None, list(frame.columns), columns, np.arange(1, len(frame) + 1, dtype=np.int64))
    id_column = find_id_column(grid)
    variables = []
    for name in grid.header:
        raw_labels = meta.variable_value_labels.get(name, {})
        labels = {canonical_value(k) or "": str(v) for k, v in raw_labels.items()}
        vtype = "system" if name == id_column else _type(meta, name, bool(labels))
        label = meta.column_names_to_labels.get(name) or ""
        variables.append(Variable(name=name, label=label, type=vtype, value_labels=labels))
    return assemble("spss_sav", path, grid, Parts(variables, id_column))
