"""Readers of survey exports: every supported format → one :class:`~pipeline.readers.model.RawExport`.

``read_export(path)`` detects the format (:func:`detect_format`) unless told; each reader raises exactly one
:class:`~pipeline.errors.InputError` naming file, sheet, row and column for bad input. Format ids are the keys of
:data:`FORMATS`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pipeline.errors import InputError
from pipeline.readers.detect import detect_format
from pipeline.readers.generic import read_generic_csv, read_generic_xlsx
from pipeline.readers.model import RawExport, Variable
from pipeline.readers.msforms import read_msforms_xlsx
from pipeline.readers.nettskjema import read_nettskjema_csv, read_nettskjema_legacy
from pipeline.readers.spss import read_spss_sav
from pipeline.readers.surveyxact import read_surveyxact_csv, read_surveyxact_xlsx

#: Format id → what it is.
FORMATS: dict[str, str] = {
    "surveyxact_xlsx": "SurveyXact workbook (sheets Dataset, Structure, Labels)",
    "surveyxact_csv": "SurveyXact CSV export (dataset.csv, structure.csv, labels.csv)",
    "nettskjema_csv": "Nettskjema csv-report ($submission_id; $created; …; $answer_time_ms)",
    "nettskjema_legacy": "Nettskjema legacy tab-separated export (NR, E-post, Opprettet, Endret, …, Svartid)",
    "msforms_xlsx": "Microsoft Forms response workbook (ID, Start time, Completion time, Email, Name, …)",
    "spss_sav": "SPSS system file (.sav)",
    "generic_csv": "delimited text with a header row",
    "generic_xlsx": "workbook with a header row on its first sheet",
}

_READERS: dict[str, Callable[[Path], RawExport]] = {
    "surveyxact_xlsx": read_surveyxact_xlsx,
    "surveyxact_csv": read_surveyxact_csv,
    "nettskjema_csv": read_nettskjema_csv,
    "nettskjema_legacy": read_nettskjema_legacy,
    "msforms_xlsx": read_msforms_xlsx,
    "spss_sav": read_spss_sav,
    "generic_csv": read_generic_csv,
    "generic_xlsx": read_generic_xlsx,
}


def read_export(path: str | Path, format: str | None = None) -> RawExport:
    """Read an export file (or a SurveyXact CSV folder) into a :class:`RawExport`; ``format`` skips detection."""
    path = Path(path)
    if format is None:
        format = detect_format(path)
    elif format not in _READERS:
        raise InputError(path, f"unknown export format {format!r}", candidates=list(FORMATS))
    if not path.exists():
        raise InputError(path, "no such file or folder", expected="the path of an export")
    if path.is_dir() and format != "surveyxact_csv":
        raise InputError(path, f"a folder cannot be read as {format}", expected="the path of one export file")
    return _READERS[format](path)


__all__ = ["FORMATS", "InputError", "RawExport", "Variable", "detect_format", "read_export"]
