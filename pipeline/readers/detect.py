"""Which export format a file is, from its extension and content (never from file names chosen by us).

Rules, in order: a folder (or a file beside them) with SurveyXact's ``dataset.csv``/``structure.csv``/``labels.csv``
→ ``surveyxact_csv``; content starting ``$FL2``/``$FL3`` → ``spss_sav``; a zip (xlsx) or OLE (xls) workbook → by its
sheets: any of ``Dataset``/``Structure``/``Labels`` → ``surveyxact_xlsx``, a first sheet whose header starts ``ID``,
start/completion time (English or Norwegian) → ``msforms_xlsx``, else ``generic_xlsx``; delimited text → by its
header: SurveyXact's Structure header (``questionName, variableName, …``) or a dataset/labels file with a
SurveyXact ``structure.csv`` beside it → ``surveyxact_csv``; first column ``$submission_id`` (or a ``$created``/
``$answer_time_ms`` column) → ``nettskjema_csv``;
``NR`` first with ``Opprettet``/``Svartid`` → ``nettskjema_legacy``; else ``generic_csv``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from pipeline.errors import InputError
from pipeline.readers.msforms import is_forms_header
from pipeline.readers.sniff import canonical_value, decode_bytes, parse_delimited, sniff_delimiter
from pipeline.readers.surveyxact import CSV_FILES, DATASET_SHEET_RE
from pipeline.readers.table import open_workbook, worksheet_names

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SAV_MAGIC = (b"$FL2", b"$FL3")
_HEAD_BYTES = 64 * 1024


def _header_fields(path: Path) -> list[str]:
    """The first row of a delimited text file (decoded and split), for detection."""
    with path.open("rb") as handle:
        head = handle.read(_HEAD_BYTES)
    if not head:
        raise InputError(path, "the file is empty (0 bytes)", expected="an export with a header row and data rows")
    try:
        text = decode_bytes(head, path).text
    except InputError:
        # the 64 KiB cut may split a multi-byte character: decode what is safely whole
        text = decode_bytes(head[: head.rfind(b"\n") + 1] or head, path).text
    first = text.splitlines()[0] if text.strip() else ""
    try:
        delimiter = sniff_delimiter(text, path)
    except InputError:
        return [first.strip()]
    rows = parse_delimited(text, delimiter)
    return [f.strip() for f in rows[0]] if rows else []


def _is_structure_header(fields: list[str]) -> bool:
    return [f.casefold() for f in fields[:3]] == ["questionname", "variablename", "questiontype"]


def _has_surveyxact_files(folder: Path) -> bool:
    names = {p.name.casefold() for p in folder.iterdir() if p.is_file()}
    if not all(n in names for n in CSV_FILES):
        return False
    structure = next(p for p in folder.iterdir() if p.name.casefold() == "structure.csv")
    return structure.stat().st_size > 0 and _is_structure_header(_header_fields(structure))


def _detect_workbook(path: Path) -> str:
    workbook = open_workbook(path)
    names = worksheet_names(workbook)
    if any(DATASET_SHEET_RE.match(n.strip()) for n in names) or {"Structure", "Labels"} & set(names):
        return "surveyxact_xlsx"
    if names:
        rows = workbook.get_sheet_by_name(names[0]).to_python(skip_empty_area=False, nrows=1)
        header = [canonical_value(v) or "" for v in rows[0]] if rows else []
        if is_forms_header(header):
            return "msforms_xlsx"
    return "generic_xlsx"


def _detect_text(path: Path) -> str:
    fields = _header_fields(path)
    if _is_structure_header(fields):
        return "surveyxact_csv"
    if path.name.casefold() in CSV_FILES and _has_surveyxact_files(path.parent):
        return "surveyxact_csv"
    keys = [f.casefold() for f in fields]
    if keys and (keys[0].lstrip("\ufeff") == "$submission_id" or {"$created", "$answer_time_ms"} & set(keys)):
        return "nettskjema_csv"  # without $submission_id the reader says what is missing
    if keys and keys[0] == "nr" and ({"opprettet", "svartid", "endret"} & set(keys)):
        return "nettskjema_legacy"
    return "generic_csv"


def detect_format(path: str | Path) -> str:
    """The format id of an export file or folder (see the module docstring for the rules)."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "no such file or folder", expected="the path of an export")
    if path.is_dir():
        if _has_surveyxact_files(path):
            return "surveyxact_csv"
        found = sorted(p.name for p in path.iterdir())
        raise InputError(
            path,
            "the folder is not a SurveyXact CSV export; files found: " + (", ".join(found) or "none"),
            expected="a folder with dataset.csv, structure.csv and labels.csv, or the path of one export file",
        )
    with path.open("rb") as handle:
        magic = handle.read(8)
    if not magic:
        raise InputError(path, "the file is empty (0 bytes)", expected="an export with a header row and data rows")
    suffix = path.suffix.casefold()
    if magic.startswith(_SAV_MAGIC) or suffix in (".sav", ".zsav"):
        return "spss_sav"
    if magic.startswith(_ZIP_MAGIC) or magic == _OLE_MAGIC or suffix in (".xlsx", ".xlsm", ".xls"):
        if magic.startswith(_ZIP_MAGIC) and not zipfile.is_zipfile(path):
            open_workbook(path)  # raises the "not a readable xlsx (zip) file" error
        return _detect_workbook(path)
    return _detect_text(path)
