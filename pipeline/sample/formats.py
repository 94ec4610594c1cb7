"""Writers of every export format the readers understand: the files a real survey tool would produce.

Every writer takes ``variables`` (:class:`~pipeline.readers.model.Variable`) and ``rows`` (variable name → value;
``None`` = empty cell; a list of item labels for ``multiple_joined``; 0/1 for ``multiple_dummy``; ``datetime``
objects for times, naive = Europe/Oslo local time) and writes one export. Layout facts are those documented in the
reader modules (:mod:`pipeline.readers.surveyxact`, ``nettskjema``, ``msforms``, ``spss``, ``generic``).

One variable list can be written to every format: system columns are recognised by their *role* under any tool's
name (``responde``/``$submission_id``/``NR``/``ID`` = respondent id; ``closetim``/``$created``/``Opprettet``/
``Completion time`` = submission time; ``email``, ``name``, ``starttim``, ``modified``, ``$answer_time_ms``; the
``stato_1..5`` status dummies) and written under the target tool's own header; formats without a place for a role
leave that column out (status dummies exist only in SurveyXact). The label of a multi-select dummy is
``"<question text> - <option text>"`` (split at the last ``" - "`` where a tool needs the two parts).

Writers are deterministic: the same input gives the same bytes (fixed workbook times and zip entry times, fixed
SPSS header date).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from pipeline.readers.model import Variable
from pipeline.readers.table import role_of

Rows = Sequence[dict[str, object]]

LOCAL_TZ = ZoneInfo("Europe/Oslo")
#: Workbook created/modified time and zip entry time written into every file.
FIXED_TIME = dt.datetime(2024, 1, 1, 0, 0, 0)
MULTIPLE_LABELS = {"0": "Ikke valgt", "1": "Valgt"}
SURVEYXACT_VARIANTS = {
    "comma-cp1252": (",", "cp1252", "text"),
    "semicolon-cp1252": (";", "cp1252", "minimal"),
    "tab-utf16": ("\t", "utf-16-le", "minimal"),
}
#: SurveyXact questionName and variable name of each role.
_SX_QUESTION = {
    "id": "respondentid",
    "submitted": "closeTime",
    "started": "startTime",
    "modified": "modified",
    "email": "email",
    "name": "name",
    "answer_time": "diffTime",
}
_SX_VARIABLE = {
    "id": "responde",
    "submitted": "closetim",
    "started": "starttim",
    "modified": "modified",
    "email": "email",
    "name": "name",
}
_FORMS_HEADERS = {
    "en": ("ID", "Start time", "Completion time", "Email", "Name", "Last modified time"),
    "nb": ("ID", "Starttidspunkt", "Fullføringstidspunkt", "E-postadresse", "Navn", "Tidspunkt for siste endring"),
}
_FORMS_ROLES = ("id", "started", "submitted", "email", "name", "modified")


# --- values ---------------------------------------------------------------------------------------------------------


class _Bare(str):
    """CSV text quoted only when it must be (numbers, names, codes): never quoted by the ``text`` quoting style."""


def _local(value: dt.datetime) -> dt.datetime:
    """A naive local (Europe/Oslo) datetime; aware values are converted first."""
    return value.astimezone(LOCAL_TZ).replace(tzinfo=None) if value.tzinfo else value


def _as_number(value: object) -> int | float | None:
    """The number a value stands for (``"3"`` → 3, ``2.0`` → 2), or None when it is not a number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return int(value) if float(value).is_integer() else float(value)
    if isinstance(value, str) and re.fullmatch(r"[-+]?(0|[1-9]\d*)(\.\d+)?", value.strip()):
        number = float(value)
        return int(number) if number.is_integer() and "." not in value else number
    return None


def _number_text(number: int | float, decimal: str = ".") -> _Bare:
    text = str(number) if isinstance(number, int) else repr(number)
    return _Bare(text.replace(".", decimal) if decimal != "." else text)


def _text(value: object, *, decimal: str = ".", datetime_format: str = "%Y-%m-%d %H:%M:%S") -> str | None:
    """The text a CSV cell holds for a value (numbers as ``_Bare``; lists joined by ``;``)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return _Bare(_local(value).strftime(datetime_format))
    if isinstance(value, dt.date):
        return _Bare(value.isoformat())
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    number = _as_number(value)
    if number is not None and not isinstance(value, str):
        return _number_text(number, decimal)
    if isinstance(value, str) and number is not None:
        return _Bare(value.strip().replace(".", decimal) if decimal != "." else value.strip())
    return str(value)


def _cell(value: object) -> object:
    """The value a workbook cell holds (numbers as numbers, times as naive local datetimes)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return _local(value)
    if isinstance(value, list | tuple):
        return "".join(f"{v};" for v in value)
    number = _as_number(value)
    return number if number is not None else value


def _split_label(var: Variable) -> tuple[str, str]:
    """(question text, option text) of a multi-select dummy from its ``"question - option"`` label."""
    if " - " in var.label:
        question, option = var.label.rsplit(" - ", 1)
        return question, option
    return var.label or (var.question or var.name), var.option or var.name


def _is_status(var: Variable) -> bool:
    return role_of(var.name) == "status" or (var.question or "").casefold() == "statoverall"


def _column(rows: Rows, name: str) -> list[object]:
    return [row.get(name) for row in rows]


# --- deterministic files --------------------------------------------------------------------------------------------


def _save_workbook(workbook: Workbook, path: Path) -> None:
    """Save an openpyxl workbook with fixed document and zip entry times (same input → same bytes)."""
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    workbook.properties.creator = "ks-sdg"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()  # bypasses save_workbook, which stamps the current time
    _rezip(buffer.getvalue(), path)


def _rezip(data: bytes, path: Path) -> None:
    """Rewrite a zip with every entry dated ``FIXED_TIME``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, src.read(info.filename))
    Path(path).write_bytes(out.getvalue())


def _sheet(workbook: Workbook, title: str, rows: Iterable[Sequence[object]]) -> None:
    sheet = workbook.create_sheet(title)
    for row in rows:
        sheet.append(list(row))


def _line(fields: Sequence[str | None], delimiter: str, quoting: str) -> str:
    """One CSV line; ``quoting`` is ``minimal`` (when needed), ``text`` (all text) or ``all`` (every field)."""
    out = []
    for field in fields:
        if field is None:
            out.append('""' if quoting == "all" else "")
            continue
        needs = any(c in field for c in (delimiter, '"', "\n", "\r"))
        quote = quoting == "all" or needs or (quoting == "text" and not isinstance(field, _Bare))
        out.append('"' + field.replace('"', '""') + '"' if quote else field)
    return delimiter.join(out)


def _write_text(
    path: Path,
    lines: Iterable[Sequence[str | None]],
    *,
    delimiter: str,
    encoding: str,
    quoting: str = "minimal",
    newline: str = "\r\n",
    bom: bool = False,
) -> None:
    text = "".join(_line(fields, delimiter, quoting) + newline for fields in lines)
    data = text.encode(encoding)
    if bom and encoding == "utf-16-le":
        data = b"\xff\xfe" + data
    Path(path).write_bytes(data)


# --- SurveyXact -----------------------------------------------------------------------------------------------------


def _sx_kind(var: Variable, rows: Rows) -> tuple[str, str]:
    """(questionType, subType) of a variable in SurveyXact's Structure."""
    if var.type == "multiple_joined":
        raise ValueError(f"{var.name}: SurveyXact has no joined multi-select; give one multiple_dummy per option")
    if var.type == "multiple_dummy" or (var.type == "system" and var.question and var.option):
        return "Closed", "Multiple"
    if var.type == "single":
        return "Closed", "Single"
    fixed = {"text": ("Open", "String"), "numeric": ("Open", "Double"), "datetime": ("Open", "Date")}
    if var.type in fixed:
        return fixed[var.type]
    role = role_of(var.name)
    values = [v for v in _column(rows, var.name) if v is not None]
    if role in ("submitted", "started", "modified") or (values and all(isinstance(v, dt.date) for v in values)):
        return "Open", "Date"
    if role in ("email", "name"):
        return "Open", "String"
    if var.value_labels:
        return "Closed", "Single"
    if role == "id" or (values and all(_as_number(v) is not None for v in values)):
        return "Open", "Double"
    return "Open", "String"


def _sx_name(var: Variable) -> str:
    role = role_of(var.name)
    return _SX_VARIABLE.get(role, var.name) if role and role != "status" else var.name


def _structure_rows(variables: Sequence[Variable], rows: Rows) -> list[list[object]]:
    """Structure table (header + one row per variable) of a SurveyXact export."""
    table: list[list[object]] = [
        ["questionName", "variableName", "questionType", "subType", "questionText", "choiceValue", "choiceText"]
    ]
    for var in variables:
        qtype, subtype = _sx_kind(var, rows)
        role = role_of(var.name)
        question = var.question or (_SX_QUESTION.get(role or "") if var.type == "system" else None) or var.name
        if subtype == "Multiple":
            text, choice_text = _split_label(var)
            choice = _as_number(var.option) if _as_number(var.option) is not None else var.option
        else:
            text, choice, choice_text = var.label, None, None
        table.append([question, _sx_name(var), qtype, subtype, text, choice, choice_text])
    return table


def _label_rows(variables: Sequence[Variable]) -> list[list[object]]:
    """Labels table (no header): variableName, value, valueLabel."""
    table: list[list[object]] = []
    for var in variables:
        labels = var.value_labels or (MULTIPLE_LABELS if var.type == "multiple_dummy" or _is_status(var) else {})
        for code, label in labels.items():
            number = _as_number(code)
            table.append([_sx_name(var), number if number is not None else code, label])
    return table


def _dataset_chunks(names: list[str], id_name: str | None, limit: int | None) -> list[list[str]]:
    """Column lists of the Dataset sheets (continuations repeat the respondent id column first)."""
    if not limit or len(names) <= limit:
        return [names]
    if id_name and limit < 2:
        raise ValueError("max_columns_per_sheet must be at least 2 to repeat the respondent id column")
    chunks, rest = [names[:limit]], [n for n in names[limit:] if n != id_name]
    step = limit - 1 if id_name else limit
    for start in range(0, len(rest), step):
        chunks.append(([id_name] if id_name else []) + rest[start : start + step])
    return chunks


def write_surveyxact_xlsx(
    path: str | Path,
    variables: Sequence[Variable],
    rows: Rows,
    max_columns_per_sheet: int | None = None,
    continuation: str = "Dataset ({n})",
) -> None:
    """A SurveyXact workbook: Dataset sheet(s) of codes, Structure and Labels (no header).

    With ``max_columns_per_sheet`` a wide dataset continues on sheets named by ``continuation`` (``n`` = 2, 3 …),
    each starting with the respondent id column when there is one.
    """
    names = [_sx_name(v) for v in variables]
    values = {_sx_name(v): [_cell(x) for x in _column(rows, v.name)] for v in variables}
    id_name = next((_sx_name(v) for v in variables if role_of(v.name) == "id"), None)
    workbook = Workbook(write_only=True)
    for i, chunk in enumerate(_dataset_chunks(names, id_name, max_columns_per_sheet)):
        title = "Dataset" if i == 0 else continuation.format(n=i + 1)
        _sheet(workbook, title, [chunk, *zip(*(values[n] for n in chunk), strict=True)])
    _sheet(workbook, "Structure", _structure_rows(variables, rows))
    _sheet(workbook, "Labels", _label_rows(variables))
    _save_workbook(workbook, Path(path))


def write_surveyxact_csv(folder: str | Path, variables: Sequence[Variable], rows: Rows, variant: str) -> None:
    """SurveyXact's three CSV files in ``folder``; ``variant`` is comma-cp1252, semicolon-cp1252 or tab-utf16."""
    if variant not in SURVEYXACT_VARIANTS:
        raise ValueError(f"unknown SurveyXact CSV variant {variant!r}; use one of {', '.join(SURVEYXACT_VARIANTS)}")
    delimiter, encoding, quoting = SURVEYXACT_VARIANTS[variant]
    decimal = "," if delimiter == ";" else "."
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    options = {"delimiter": delimiter, "encoding": encoding, "quoting": quoting, "bom": encoding == "utf-16-le"}

    def text(value: object) -> str | None:
        if isinstance(value, str):
            return value
        return _text(value, decimal=decimal)

    header = [_Bare(_sx_name(v)) for v in variables]
    data = [[text(_cell(row.get(v.name))) for v in variables] for row in rows]
    _write_text(folder / "dataset.csv", [header, *data], **options)
    structure = _structure_rows(variables, rows)
    trailing = [None] if variant != "semicolon-cp1252" else []  # SurveyXact's redundant empty column
    lines = [[_Bare(h) for h in structure[0]]]
    for row in structure[1:]:  # identifiers bare, question and option texts quoted (comma variant)
        fields = [text(v) for v in row]
        lines.append([_Bare(f) if f is not None and i in (0, 1, 2, 3, 5) else f for i, f in enumerate(fields)])
        lines[-1] += trailing
    _write_text(folder / "structure.csv", lines, **options)
    _write_text(folder / "labels.csv", [[text(v) for v in row] for row in _label_rows(variables)], **options)


# --- Nettskjema -----------------------------------------------------------------------------------------------------


def _by_role(variables: Sequence[Variable], role: str) -> Variable | None:
    return next((v for v in variables if role_of(v.name) == role), None)


def _question_variables(variables: Sequence[Variable]) -> list[Variable]:
    """The variables a tool without SurveyXact's background variables writes as questions."""
    return [v for v in variables if v.type != "system" and not _is_status(v)]


def _nettskjema_time(value: object, seconds: bool = True) -> str | None:
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ)
        return aware.astimezone(LOCAL_TZ).isoformat(timespec="seconds" if seconds else "minutes")
    return _text(value)


def _nettskjema_value(var: Variable, value: object) -> str | None:
    if isinstance(value, dt.datetime):
        return _local(value).isoformat(timespec="minutes")
    if var.type == "multiple_joined":
        raise ValueError(f"{var.name}: Nettskjema has no joined multi-select; give one multiple_dummy per option")
    return _text(value)


def write_nettskjema_csv(path: str | Path, variables: Sequence[Variable], rows: Rows) -> None:
    """A Nettskjema csv-report: UTF-8, ``;``, all fields quoted; ``$submission_id``, ``$created`` … ``$answer_time_ms``.

    A multi-select dummy is headed ``<question>.<option>``; without an id variable submissions are numbered from 1.
    """
    id_var, created_var = _by_role(variables, "id"), _by_role(variables, "submitted")
    time_var = _by_role(variables, "answer_time")
    questions = _question_variables(variables)
    header = ["$submission_id", "$created"]
    header += [
        f"{v.question}.{v.option}" if v.type == "multiple_dummy" and v.question and v.option else v.name
        for v in questions
    ]
    header.append("$answer_time_ms")
    lines: list[list[str | None]] = [header]
    for i, row in enumerate(rows, start=1):
        line = [_text(row.get(id_var.name)) if id_var else str(i)]
        line.append(_nettskjema_time(row.get(created_var.name)) if created_var else None)
        line += [_nettskjema_value(v, row.get(v.name)) for v in questions]
        line.append(_text(row.get(time_var.name)) if time_var else None)
        lines.append(line)
    _write_text(Path(path), lines, delimiter=";", encoding="utf-8", quoting="all", newline="\n")


def _minutes(value: object) -> str | None:
    number = _as_number(value)
    if number is None:
        return _text(value)
    return f"{max(1, round(number / 60000))} minutt"


def write_nettskjema_legacy(
    path: str | Path, variables: Sequence[Variable], rows: Rows, encoding: str = "utf-8"
) -> None:
    """A legacy Nettskjema export: tab-separated, ``NR, E-post, Opprettet, Endret, <questions>, Svartid``.

    Dates read ``dd.mm.yyyy hh:mm``; a multi-select option is a column ``<question>_<option>`` holding the option code
    when chosen; ``Svartid`` is whole minutes (``3 minutt``) from milliseconds.
    """
    role_vars = {r: _by_role(variables, r) for r in ("id", "email", "submitted", "modified", "answer_time")}
    questions = _question_variables(variables)
    header = ["NR", "E-post", "Opprettet", "Endret"]
    header += [
        f"{v.question}_{v.option}" if v.type == "multiple_dummy" and v.question and v.option else v.name
        for v in questions
    ]
    header.append("Svartid")
    stamp = "%d.%m.%Y %H:%M"

    def get(row: dict[str, object], role: str) -> object:
        var = role_vars[role]
        return row.get(var.name) if var else None

    lines: list[list[str | None]] = [header]
    for i, row in enumerate(rows, start=1):
        created = get(row, "submitted")
        modified = get(row, "modified") or created
        line = [_text(get(row, "id")) or str(i), _text(get(row, "email"))]
        line += [_text(created, datetime_format=stamp), _text(modified, datetime_format=stamp)]
        for var in questions:
            value = row.get(var.name)
            if var.type == "multiple_dummy":
                value = (var.option or "1") if _as_number(value) == 1 else None
            line.append(_text(value, datetime_format=stamp))
        line.append(_minutes(get(row, "answer_time")))
        lines.append(line)
    _write_text(Path(path), lines, delimiter="\t", encoding=encoding, newline="\n")


# --- Microsoft Forms ------------------------------------------------------------------------------------------------


def _forms_columns(variables: Sequence[Variable]) -> list[tuple[str, list[Variable]]]:
    """(header, variables) of each question column; the dummies of one multi-select share a column."""
    columns: list[tuple[str, list[Variable]]] = []
    groups: dict[str, list[Variable]] = {}
    for var in _question_variables(variables):
        if var.type == "multiple_dummy":
            key = var.question or _split_label(var)[0]
            if key not in groups:
                groups[key] = []
                columns.append((_split_label(var)[0], groups[key]))
            groups[key].append(var)
        else:
            columns.append((var.label or var.name, [var]))
    return columns


def _forms_answer(group: list[Variable], row: dict[str, object]) -> object:
    first = group[0]
    if first.type == "multiple_dummy":
        chosen = [_split_label(v)[1] for v in group if _as_number(row.get(v.name)) == 1]
        return "".join(f"{c};" for c in chosen) or None
    value = row.get(first.name)
    if first.type == "single" and value is not None:
        return first.value_labels.get(_text(value) or "", value)
    return _cell(value)


def write_msforms_xlsx(path: str | Path, variables: Sequence[Variable], rows: Rows, language: str = "nb") -> None:
    """A Microsoft Forms response workbook with English (``en``) or Norwegian (``nb``) system headers.

    Choice answers are the option *text*; a multi-select is one ``;``-terminated cell; without an email variable
    the Email column reads ``anonymous`` (as Forms writes for anonymous responses).
    """
    if language not in _FORMS_HEADERS:
        raise ValueError(f"language must be one of {', '.join(_FORMS_HEADERS)}")
    role_vars = {r: _by_role(variables, r) for r in _FORMS_ROLES}
    roles = [r for r in _FORMS_ROLES if r != "modified" or role_vars["modified"]]
    headers = dict(zip(_FORMS_ROLES, _FORMS_HEADERS[language], strict=True))
    columns = _forms_columns(variables)
    table: list[list[object]] = [[headers[r] for r in roles] + [h for h, _ in columns]]
    for i, row in enumerate(rows, start=1):
        system = []
        for role in roles:
            var = role_vars[role]
            value = _cell(row.get(var.name)) if var else None
            if role == "id" and value is None:
                value = i
            if role == "email" and var is None:
                value = "anonymous"
            system.append(value)
        table.append(system + [_forms_answer(group, row) for _, group in columns])
    workbook = Workbook(write_only=True)
    _sheet(workbook, "Sheet1", table)
    _save_workbook(workbook, Path(path))


# --- SPSS -----------------------------------------------------------------------------------------------------------


def _spss_name(name: str, taken: set[str]) -> str:
    """A valid, unique SPSS variable name for ``name`` (invalid characters → ``_``, leading letter)."""
    clean = re.sub(r"[^\w.@#$]", "_", name).strip(".") or "v"
    if not (clean[0].isalpha() or clean[0] == "@"):
        clean = "v" + clean
    clean, base, n = clean[:64], clean[:60], 1
    while clean.casefold() in taken:
        n += 1
        clean = f"{base}_{n}"
    taken.add(clean.casefold())
    return clean


def _patch_sav_header(path: Path) -> None:
    """Fix the creation date/time in a .sav header (bytes 92–108) so the same data gives the same bytes."""
    data = bytearray(path.read_bytes())
    if data[:4] in (b"$FL2", b"$FL3"):
        data[92:109] = b"01 Jan 2400:00:00"
        path.write_bytes(bytes(data))


def write_spss_sav(path: str | Path, variables: Sequence[Variable], rows: Rows) -> None:
    """An SPSS .sav: numbers as numeric variables with value labels, text as strings, times as DATETIME."""
    import pyreadstat  # local: pyreadstat is only needed when writing SPSS

    frame: dict[str, object] = {}
    labels: dict[str, str] = {}
    value_labels: dict[str, dict[float, str]] = {}
    measure: dict[str, str] = {}
    taken: set[str] = set()
    for var in variables:
        name = _spss_name(var.name, taken)
        values = _column(rows, var.name)
        present = [v for v in values if v is not None]
        if present and all(isinstance(v, dt.datetime) for v in present):
            frame[name] = pd.to_datetime(pd.Series([_local(v) if v else None for v in values]))
        elif all(_as_number(v) is not None for v in present):
            frame[name] = pd.Series([_as_number(v) for v in values], dtype="float64")
            codes = {float(c): lab for c, lab in var.value_labels.items() if _as_number(c) is not None}
            if codes:
                value_labels[name] = codes
            measure[name] = "nominal" if codes or var.type in ("single", "multiple_dummy") else "scale"
        else:
            frame[name] = pd.Series(["" if v is None else _text(v) for v in values], dtype=object)
            measure[name] = "nominal"
        labels[name] = var.label
    pyreadstat.write_sav(
        pd.DataFrame(frame),
        str(path),
        column_labels=labels,
        variable_value_labels=value_labels,
        variable_measure=measure,
    )
    _patch_sav_header(Path(path))


# --- generic --------------------------------------------------------------------------------------------------------


def write_generic_csv(
    path: str | Path,
    variables: Sequence[Variable],
    rows: Rows,
    delimiter: str = ";",
    encoding: str = "utf-8-sig",
    decimal: str | None = None,
) -> None:
    """A plain CSV with a header row (Excel's style: CRLF, quotes only when needed; decimal comma with ``;``)."""
    decimal = decimal or ("," if delimiter == ";" else ".")
    header = [v.name for v in variables]
    lines = [header] + [[_text(row.get(v.name), decimal=decimal) for v in variables] for row in rows]
    _write_text(Path(path), lines, delimiter=delimiter, encoding=encoding)


def write_generic_xlsx(path: str | Path, variables: Sequence[Variable], rows: Rows, sheet: str = "Sheet1") -> None:
    """A workbook with a header row and one typed row per record on one sheet."""
    workbook = Workbook(write_only=True)
    table = [[v.name for v in variables]] + [[_cell(row.get(v.name)) for v in variables] for row in rows]
    _sheet(workbook, sheet, table)
    _save_workbook(workbook, Path(path))


#: Format id → writer taking ``(path, variables, rows)`` with each format's defaults (SurveyXact CSV: semicolon +
#: Windows-1252 into the folder ``path``; Forms: Norwegian headers).
WRITERS = {
    "surveyxact_xlsx": write_surveyxact_xlsx,
    "surveyxact_csv": lambda path, variables, rows: write_surveyxact_csv(path, variables, rows, "semicolon-cp1252"),
    "nettskjema_csv": write_nettskjema_csv,
    "nettskjema_legacy": write_nettskjema_legacy,
    "msforms_xlsx": write_msforms_xlsx,
    "spss_sav": write_spss_sav,
    "generic_csv": write_generic_csv,
    "generic_xlsx": write_generic_xlsx,
}

__all__ = [
    "WRITERS",
    "write_generic_csv",
    "write_generic_xlsx",
    "write_msforms_xlsx",
    "write_nettskjema_csv",
    "write_nettskjema_legacy",
    "write_spss_sav",
    "write_surveyxact_csv",
    "write_surveyxact_xlsx",
]
