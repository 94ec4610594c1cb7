"""SurveyXact exports: an xlsx workbook (``surveyxact_xlsx``) or three CSV files (``surveyxact_csv``).

Facts relied on (public example exports and parsers: NIFU-NO/readSX ``R/read_surveyxact.R`` and its
``inst/extdata/ex_survey2*`` files; berthott/laravel-sx ``tests/Feature/Sxable/structure.csv``, ``import.csv`` and
``tests/Feature/Routes/RoutesTest.php``):

* Workbook sheets ``Dataset`` (header row of variable names, one row per respondent, answer *codes*), ``Structure``
  (header ``questionName, variableName, questionType, subType, questionText, choiceValue, choiceText``) and
  ``Labels`` (*no* header row: ``variableName, value, valueLabel``). readSX collects every sheet whose name starts
  with ``Dataset`` and binds them column-wise, so a wide dataset is split over several sheets; the continuation
  names accepted here are ``Dataset (2)``, ``Dataset(2)``, ``Dataset2``, ``Dataset_2``, ``Dataset-2``. Continuation
  rows are aligned by the respondent id when the sheet repeats that column, otherwise by position.
* CSV variant: ``dataset.csv`` (header), ``structure.csv`` (header; SurveyXact leaves a redundant empty trailing
  column on the data rows), ``labels.csv`` (no header). Variants: comma + Windows-1252, semicolon + Windows-1252
  (decimal comma, text quoted only when needed), tab + UTF-16 with BOM.
* ``questionType`` ``Closed``/``Open``; ``subType`` ``Single``/``Multiple`` (closed), ``String``/``Double``/``Date``
  (open). A multi-select is one 0/1 variable per option (``v_1_1 … v_1_16``, ``questionName`` ``v_1``,
  ``choiceValue`` the option code, labels 0 "Ikke valgt"/1 "Valgt"); its "Annet, hvilke(t)" text is a separate
  Open/String variable (``s_1`` …) at the end.
* Background variables carry 8-character names: ``respondentid`` → ``responde`` (the respondent id),
  ``closeTime`` → ``closetim`` (when the respondent closed the questionnaire), ``created``, ``modified``,
  ``startTime`` → ``starttim``, ``diffTime`` → ``difftime``, ``email``, ``name``, ``lang``; status dummies of the
  questions ``statoverall`` (``stato_1..5`` = Ny, Distribuert, Noen svar, Gjennomført, Frafalt), ``statinternal``,
  ``statcompletion``, ``statcreation``, ``statdistribution``, ``statsource``, ``statcollect``. Dates in the CSV
  variant read ``2021-10-20 18:54:25`` (local time).

Decisions: every Dataset column must be described in Structure (else :class:`InputError`); the label of a
multi-select dummy is ``questionText - choiceText`` (as readSX does); ``statoverall`` gives ``status_hint``
(Ny, Distribuert → not_started; Noen svar, Frafalt → partial; Gjennomført → complete); ``closetim`` gives
``submitted_at`` (Europe/Oslo local time → UTC); without a respondent id column the record id is ``row-<n>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.errors import InputError
from pipeline.readers.model import RawExport, Variable
from pipeline.readers.sniff import canonical_value, iso_to_utc, parse_delimited, read_text, to_iso_dates
from pipeline.readers.table import (
    Grid,
    Parts,
    assemble,
    grid_from_rows,
    open_workbook,
    read_delimited,
    role_of,
    sheet_rows,
    worksheet_names,
)

STRUCTURE_COLUMNS = (
    "questionName",
    "variableName",
    "questionType",
    "subType",
    "questionText",
    "choiceValue",
    "choiceText",
)
REQUIRED_SHEETS = ("Dataset", "Structure", "Labels")
CSV_FILES = ("dataset.csv", "structure.csv", "labels.csv")
DATASET_SHEET_RE = re.compile(r"^dataset(?:\s*[(\[_\-]?\s*(\d+)\s*[)\]]?)?$", re.IGNORECASE)

#: ``statoverall`` choice value → status hint.
STATUS_BY_CHOICE = {"1": "not_started", "2": "not_started", "3": "partial", "4": "complete", "5": "partial"}
#: questionName of SurveyXact's own background and status variables (casefolded).
SYSTEM_QUESTIONS = frozenset(
    {
        "survey",
        "respondentid",
        "organization",
        "created",
        "modified",
        "closetime",
        "starttime",
        "difftime",
        "responsecollectsessions",
        "numberofreturnedmail",
        "importgroup",
        "distributionschedule",
        "email",
        "name",
        "lang",
        "digitaldistributionstatus",
        "digitaldistributionerrormessage",
        "statinternal",
        "statcompletion",
        "statcreation",
        "statdistribution",
        "statsource",
        "statcollect",
        "statoverall",
    }
)
_OPEN_TYPES = {"string": "text", "double": "numeric", "integer": "numeric", "number": "numeric", "date": "datetime"}


@dataclass
class StructureRow:
    """One row of Structure: the metadata of one dataset variable."""

    question: str
    variable: str
    question_type: str
    sub_type: str
    text: str
    choice_value: str
    choice_text: str
    row: int


def dataset_sheet_order(names: list[str]) -> list[str]:
    """The Dataset sheets of a workbook in reading order (``Dataset`` first, then by continuation number)."""
    found = [(int(m.group(1) or 0), i, n) for i, n in enumerate(names) if (m := DATASET_SHEET_RE.match(n.strip()))]
    return [n for _, _, n in sorted(found)]


def _text(value: object) -> str:
    return canonical_value(value) or ""


def parse_structure(rows: list[list[object]], file: Path, sheet: str | None) -> dict[str, StructureRow]:
    """Structure rows by variable name (header row required; a trailing empty column is ignored)."""
    grid = grid_from_rows(rows, file, sheet, what="Structure table", ragged=False)
    by_key = {h.casefold(): h for h in grid.header}
    missing = [c for c in ("variableName", "questionType", "subType") if c.casefold() not in by_key]
    if missing:
        raise InputError(
            file,
            f"the Structure table lacks the column(s) {', '.join(missing)}; found {', '.join(grid.header)}",
            expected="the header " + ", ".join(STRUCTURE_COLUMNS),
            sheet=sheet,
            row=1,
        )

    def col(name: str) -> list[str]:
        key = by_key.get(name.casefold())
        if key is None:
            return [""] * grid.n_rows
        return ["" if v is None else v for v in grid.values(key)]

    fields = [col(c) for c in STRUCTURE_COLUMNS]
    out: dict[str, StructureRow] = {}
    for i, values in enumerate(zip(*fields, strict=True)):
        entry = StructureRow(*values, row=int(grid.rows[i]))
        if not entry.variable:
            continue
        if entry.variable in out:
            raise InputError(
                file,
                f"variable {entry.variable!r} is described twice (rows {out[entry.variable].row} and {entry.row})",
                expected="one Structure row per variable",
                sheet=sheet,
                row=entry.row,
                column="variableName",
            )
        out[entry.variable] = entry
    return out


def parse_labels(rows: list[list[object]], file: Path, sheet: str | None) -> dict[str, dict[str, str]]:
    """Value labels by variable from the header-less Labels table (``variableName, value, valueLabel``)."""
    labels: dict[str, dict[str, str]] = {}
    for i, row in enumerate(rows, start=1):
        cells = [_text(v) for v in row[:3]]
        if not any(cells):
            continue
        if i == 1 and [c.casefold() for c in cells[:2]] == ["variablename", "value"]:
            continue  # a header row some tools add
        if len(cells) < 2 or not cells[0] or not cells[1]:
            raise InputError(
                file,
                "a value label row needs a variable name and a value",
                expected="three columns without header: variableName, value, valueLabel",
                sheet=sheet,
                row=i,
            )
        labels.setdefault(cells[0], {})[cells[1]] = cells[2] if len(cells) > 2 else ""
    return labels


def _variable_type(entry: StructureRow) -> str:
    if entry.question.casefold() in SYSTEM_QUESTIONS:
        return "system"
    sub = entry.sub_type.casefold()
    if entry.question_type.casefold() == "closed":
        return "multiple_dummy" if sub == "multiple" else "single"
    return _OPEN_TYPES.get(sub, "text")


def _variable(entry: StructureRow, labels: dict[str, str]) -> Variable:
    vtype = _variable_type(entry)
    multiple = entry.sub_type.casefold() == "multiple"
    label = f"{entry.text} - {entry.choice_text}" if multiple and entry.choice_text else entry.text
    return Variable(
        name=entry.variable,
        label=label,
        type=vtype,
        value_labels=dict(labels),
        question=entry.question if multiple else None,
        option=entry.choice_value if multiple and entry.choice_value else None,
    )


def _is_id(entry: StructureRow) -> bool:
    return entry.question.casefold() == "respondentid" or role_of(entry.variable) == "id"


def _is_submitted(entry: StructureRow) -> bool:
    return entry.question.casefold() == "closetime" or entry.variable.casefold() == "closetim"


def _status_hints(grid: Grid, structure: dict[str, StructureRow]) -> list[str | None] | None:
    """Status per record from the ``statoverall`` dummies (the first dummy set to 1 wins)."""
    dummies = [
        (e.variable, e.choice_value or e.variable.rsplit("_", 1)[-1])
        for e in structure.values()
        if e.variable in grid.columns and (e.question.casefold() == "statoverall" or role_of(e.variable) == "status")
    ]
    if not dummies:
        return None
    hints = pd.Series([None] * grid.n_rows, dtype=object)
    for name, choice in dummies:
        hint = STATUS_BY_CHOICE.get(choice)
        if hint is None:
            continue
        chosen = (pd.Series(grid.values(name), dtype=object) == "1") & hints.isna()
        hints[chosen] = hint
    return hints.tolist()


def build_parts(grid: Grid, structure: dict[str, StructureRow], labels: dict[str, dict[str, str]]) -> Parts:
    """Variables, id, submission time and status of a SurveyXact dataset described by its Structure and Labels."""
    for name in grid.header:
        if name not in structure:
            raise grid.error(
                f"dataset column {name!r} is not described in the Structure table",
                expected="a Structure row (variableName) for every dataset column",
                row=1,
                column=name,
            )
    entries = [structure[name] for name in grid.header]
    variables = [_variable(e, labels.get(e.variable, {})) for e in entries]
    submitted = None
    for var, entry in zip(variables, entries, strict=True):
        if var.type in ("datetime", "system") and entry.sub_type.casefold() == "date":
            iso = to_iso_dates(grid.values(var.name))
            if iso is not None:
                grid.columns[var.name].values = iso
        if submitted is None and _is_submitted(entry):
            submitted = iso_to_utc(grid.values(var.name))
    id_column = next((e.variable for e in entries if _is_id(e)), None)
    return Parts(variables, id_column, submitted, _status_hints(grid, structure))


def _merge_continuation(base: Grid, extra: Grid, id_column: str | None) -> None:
    """Add the columns of a continuation Dataset sheet to ``base`` (aligned by respondent id, else by position)."""
    if id_column and id_column in extra.columns and id_column in base.columns:
        position = pd.Index(extra.values(id_column))
        if position.has_duplicates:
            raise extra.error("the respondent id repeats", expected="unique respondent ids", column=id_column)
        take = position.get_indexer(base.values(id_column))
        if (take < 0).any():
            i = int(np.flatnonzero(take < 0)[0])
            raise extra.error(
                f"respondent {base.values(id_column)[i]!r} (sheet {base.sheet!r} row {base.rows[i]}) is missing",
                expected=f"every respondent of sheet {base.sheet!r} on each Dataset sheet",
                column=id_column,
            )
        skip = {id_column}
    else:
        if not np.array_equal(extra.rows, base.rows):
            raise extra.error(
                f"the sheet has {extra.n_rows} data rows but sheet {base.sheet!r} has {base.n_rows}",
                expected="continuation Dataset sheets with the same rows (or a respondent id column to match on)",
            )
        take, skip = np.arange(base.n_rows), set()
    for name in extra.header:
        if name in skip:
            continue
        if name in base.columns:
            raise extra.error(
                f"duplicate column header {name!r} (also on sheet {base.sheet!r})",
                expected="each variable on one Dataset sheet",
                row=1,
                column=name,
            )
        col = extra.columns[name]
        col.values = col.values[take]
        base.columns[name] = col
        base.header.append(name)


def read_surveyxact_xlsx(path: Path) -> RawExport:
    """Read a SurveyXact xlsx export (sheets Dataset…, Structure, Labels)."""
    workbook = open_workbook(path)
    names = worksheet_names(workbook)
    datasets = dataset_sheet_order(names)
    missing = [s for s in ("Structure", "Labels") if s not in names] + ([] if datasets else ["Dataset"])
    if missing:
        raise InputError(
            path,
            f"the workbook lacks the sheet(s) {', '.join(missing)}; sheets found: {', '.join(names) or 'none'}",
            expected="a SurveyXact workbook with the sheets " + ", ".join(REQUIRED_SHEETS),
        )
    structure = parse_structure(sheet_rows(workbook, "Structure", path), path, "Structure")
    labels = parse_labels(sheet_rows(workbook, "Labels", path), path, "Labels")
    grid = grid_from_rows(sheet_rows(workbook, datasets[0], path), path, datasets[0], what="Dataset sheet")
    id_column = next((n for n in grid.header if n in structure and _is_id(structure[n])), None)
    for name in datasets[1:]:
        extra = grid_from_rows(sheet_rows(workbook, name, path), path, name, what="Dataset sheet")
        _merge_continuation(grid, extra, id_column)
    return assemble("surveyxact_xlsx", path, grid, build_parts(grid, structure, labels), sheets=datasets)


def find_csv_files(path: Path) -> dict[str, Path]:
    """The three files of a SurveyXact CSV export, given their folder or any one of them."""
    folder = path if path.is_dir() else path.parent
    present = {p.name.casefold(): p for p in folder.iterdir() if p.is_file()}
    files = {name: present.get(name) for name in CSV_FILES}
    missing = [name for name, p in files.items() if p is None]
    if missing:
        found = sorted(p.name for p in present.values() if p.suffix.lower() in (".csv", ".txt"))
        raise InputError(
            folder,
            f"the SurveyXact CSV export lacks {', '.join(missing)}; files found: {', '.join(found) or 'none'}",
            expected="the files " + ", ".join(CSV_FILES) + " side by side",
        )
    return {name.split(".")[0]: p for name, p in files.items() if p is not None}


def _delimited_rows(path: Path, delimiter: str, *, may_be_empty: bool = False) -> list[list[str]]:
    """Rows of one of the export's CSV files, parsed with the dataset's delimiter."""
    if may_be_empty and path.stat().st_size == 0:
        return []
    return parse_delimited(read_text(path).text, delimiter)


def read_surveyxact_csv(path: Path) -> RawExport:
    """Read a SurveyXact CSV export (``dataset.csv``, ``structure.csv``, ``labels.csv``) from its folder or a file."""
    files = find_csv_files(path)
    grid = read_delimited(files["dataset"], what="dataset file")
    delimiter = grid.delimiter or ";"
    structure = parse_structure(_delimited_rows(files["structure"], delimiter), files["structure"], None)
    labels = parse_labels(_delimited_rows(files["labels"], delimiter, may_be_empty=True), files["labels"], None)
    parts = build_parts(grid, structure, labels)
    ordered = [files["dataset"], files["structure"], files["labels"]]
    return assemble("surveyxact_csv", path, grid, parts, files=ordered)
