"""Sniffing of text exports (encoding, delimiter) and canonical text for cell values.

Encodings, in the order they are tried (facts from the exports this package reads):

* a byte-order mark decides first: ``EF BB BF`` → UTF-8 with BOM (Excel's "CSV UTF-8"), ``FF FE`` → UTF-16 LE and
  ``FE FF`` → UTF-16 BE (SurveyXact's "tab + UTF-16" CSV variant starts with ``FF FE``);
* without a BOM, strict UTF-8 (Nettskjema csv-report, most modern tools), then Windows-1252 (SurveyXact's "ANSI"
  CSV variants, older Nettskjema legacy exports, Excel "CSV (semikolonseparert)" on Norwegian Windows);
* text without a BOM whose every other byte is NUL is taken as BOM-less UTF-16.

A file that is not valid UTF-8 but contains valid UTF-8 sequences for non-ASCII letters (``Ã¸`` when misread) mixes
two encodings; it is rejected instead of being silently decoded to mojibake.

Canonical text of a cell value (:func:`canonical_value`, vectorised in :func:`canonical_column`): strings are stripped
and an empty string is missing (``None``); a float that holds an integer is written without decimals (``301.0`` →
``"301"``; Excel stores every number as a float); other floats use Python's shortest round-trip form; dates and
times become ISO 8601 (``2024-03-01``, ``2024-03-01T12:30:00``); Excel booleans become ``TRUE``/``FALSE``.
Text read from CSV files is kept as written (a decimal comma stays a comma; nothing is reinterpreted).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.errors import InputError

#: Delimiters a text export may use, in order of preference on a tie.
DELIMITERS = (";", "\t", ",")
#: Human-readable names of the delimiters (for messages and ``describe``).
DELIMITER_NAMES = {";": "semicolon", ",": "comma", "\t": "tab"}
#: Encodings tried on a file without a byte-order mark.
ENCODINGS_TRIED = ("utf-8", "windows-1252")

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_UTF8_LETTER = re.compile(rb"[\xc2-\xdf][\x80-\xbf]")


@dataclass
class DecodedText:
    """The text of a file and how it was decoded."""

    text: str
    encoding: str  # utf-8, utf-8-sig, windows-1252, utf-16-le or utf-16-be


def read_bytes(path: Path) -> bytes:
    """Read a whole file; an empty (0-byte) file is an :class:`InputError`."""
    data = path.read_bytes()
    if not data:
        raise InputError(path, "the file is empty (0 bytes)", expected="an export with a header row and data rows")
    return data


def _line_of(data: bytes, offset: int, unit: int = 1) -> int:
    """1-based line number of the byte at ``offset`` (``unit`` = bytes per newline code unit)."""
    newline = b"\n" if unit == 1 else (b"\n\x00" if data[:2] != b"\xfe\xff" else b"\x00\n")
    return data.count(newline, 0, offset) + 1


def _bomless_utf16(data: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when the bytes look like UTF-16 text without a BOM, else None."""
    head = data[:2000]
    if len(head) < 4 or len(head) % 2:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def decode_bytes(data: bytes, file: Path | str) -> DecodedText:
    """Decode the bytes of a text export (see the module docstring for the rules)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return DecodedText(_decode_strict(data, encoding, file, skip=len(bom)), encoding)
    utf16 = _bomless_utf16(data)
    if utf16:
        return DecodedText(_decode_strict(data, utf16, file), utf16)
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as err:
        utf8_error = err
    offset = utf8_error.start
    if _UTF8_LETTER.search(data):
        raise InputError(
            file,
            f"mixed encodings: byte 0x{data[offset]:02X} at byte offset {offset} (line {_line_of(data, offset)}) "
            "is not UTF-8, but other parts of the file are UTF-8",
            expected="one encoding for the whole file (tried " + ", ".join(ENCODINGS_TRIED) + ")",
        )
    try:
        return DecodedText(data.decode("cp1252"), "windows-1252")
    except UnicodeDecodeError as err:
        bad = err.start
        raise InputError(
            file,
            f"cannot decode byte 0x{data[bad]:02X} at byte offset {bad} (line {_line_of(data, bad)}); "
            f"tried {', '.join(ENCODINGS_TRIED)} (UTF-8 fails at byte offset {offset})",
            expected="text in UTF-8, UTF-8 with BOM, Windows-1252 or UTF-16 with BOM",
        ) from None


def _decode_strict(data: bytes, encoding: str, file: Path | str, skip: int = 0) -> str:
    """Decode with one known encoding, turning a failure into an :class:`InputError` with its offset."""
    try:
        return data[skip:].decode(encoding)
    except UnicodeDecodeError as err:
        offset = err.start + skip
        unit = 2 if encoding.startswith("utf-16") else 1
        raise InputError(
            file,
            f"cannot decode bytes at byte offset {offset} (line {_line_of(data, offset, unit)}) as {encoding} "
            f"({err.reason})",
            expected=f"valid {encoding} text",
        ) from None


def read_text(path: Path) -> DecodedText:
    """Read and decode a text export; 0 bytes or undecodable bytes raise :class:`InputError`."""
    return decode_bytes(read_bytes(path), path)


def _count_outside_quotes(line: str, char: str) -> int:
    """How often ``char`` occurs in ``line`` outside double-quoted stretches."""
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            count += 1
    return count


def sniff_delimiter(text: str, file: Path | str, candidates: Sequence[str] = DELIMITERS) -> str:
    """The delimiter of a delimited text: the candidate occurring most often in the first line (outside quotes).

    A tie is broken by how consistently the candidate splits the next lines, then by ``candidates`` order.
    A single-column text (no candidate in the header) is an :class:`InputError`.
    """
    lines = text.splitlines()[:20]
    header = lines[0] if lines else ""
    counts = {d: _count_outside_quotes(header, d) for d in candidates}
    best = max(counts.values())
    if best == 0:
        raise InputError(
            file,
            "cannot find the delimiter: the first line has no " + ", ".join(DELIMITER_NAMES[d] for d in candidates),
            row=1,
            expected="a header row with columns separated by semicolons, commas or tabs",
        )
    tied = [d for d in candidates if counts[d] == best]
    if len(tied) == 1:
        return tied[0]
    rest = lines[1:]

    def consistency(d: str) -> int:
        return sum(_count_outside_quotes(line, d) == best for line in rest)

    return max(tied, key=consistency)


def parse_delimited(text: str, delimiter: str) -> list[list[str]]:
    """Rows of a delimited text (RFC 4180 quoting; blank lines give empty rows so row numbers stay true)."""
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=False))


# --- canonical text ------------------------------------------------------------------------------------------------


def format_float(value: float) -> str | None:
    """Text of a float as a person reads it: integers without ``.0``; NaN is missing."""
    if math.isnan(value):
        return None
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def format_datetime(value: dt.datetime) -> str:
    """ISO 8601 text of a datetime (seconds precision unless it has fractions)."""
    if isinstance(value, pd.Timestamp):
        if value is pd.NaT:
            return ""
        value = value.to_pydatetime()
    return value.isoformat(timespec="seconds" if value.microsecond == 0 else "microseconds")


def _format_timedelta(value: dt.timedelta) -> str:
    seconds = int(value.total_seconds())
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def canonical_value(value: object) -> str | None:
    """Canonical text of one cell value (see the module docstring); ``None`` when the cell is empty."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float | np.floating):
        return format_float(float(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, dt.datetime):
        return format_datetime(value) or None
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return _format_timedelta(value)
    if value is pd.NaT:
        return None
    return str(value).strip() or None


#: Kinds of cell values seen in a column (``kind`` of :class:`Column`).
KIND_EMPTY, KIND_NUMBER, KIND_TEXT, KIND_DATETIME, KIND_BOOL = "empty", "number", "text", "datetime", "bool"


@dataclass
class Column:
    """A column's canonical text (object array of ``str`` or ``None``) and the kinds of raw values it held."""

    values: np.ndarray
    kinds: frozenset[str]

    @property
    def kind(self) -> str:
        """The single kind of the non-empty values, ``"mixed"`` when several, ``"empty"`` when none."""
        if not self.kinds:
            return KIND_EMPTY
        return next(iter(self.kinds)) if len(self.kinds) == 1 else "mixed"


def _kind_of(value: object) -> str:
    if isinstance(value, str):
        return KIND_TEXT
    if isinstance(value, bool | np.bool_):
        return KIND_BOOL
    if isinstance(value, int | float | np.integer | np.floating):
        return KIND_NUMBER
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return KIND_DATETIME
    return KIND_TEXT


def canonical_column(values: Sequence[object] | np.ndarray) -> Column:
    """Canonical text of a whole column, computed once per distinct value (fast on long, repetitive columns)."""
    arr = np.empty(len(values), dtype=object)
    arr[:] = list(values)
    if arr.size == 0:
        return Column(arr, frozenset())
    types = np.frompyfunc(type, 1, 1)(arr)
    is_bool = np.asarray(np.equal(types, bool), dtype=bool)
    has_bool = bool(is_bool.any())
    if has_bool:  # True == 1.0 for hashing: give booleans their own text before factorising
        arr[is_bool] = np.where(arr[is_bool].astype(bool), "TRUE", "FALSE")
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    canon = [canonical_value(u) for u in uniques]
    kinds = {_kind_of(u) for u, c in zip(uniques, canon, strict=True) if c is not None}
    if has_bool:
        kinds.add(KIND_BOOL)
        if not np.equal(types, str).any():
            kinds.discard(KIND_TEXT)
    lookup = np.array([*canon, None], dtype=object)  # code -1 (missing) takes the trailing None
    return Column(lookup[codes], frozenset(kinds))


# --- text patterns of numbers and dates ---------------------------------------------------------------------------

NUMBER_RE = r"[-+−]?(?:\d+|\d{1,3}(?:[  ]\d{3})+)(?:[.,]\d+)?(?:[eE][-+]?\d+)?"
INTEGER_RE = r"[-+]?\d+"
ISO_DATE_RE = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?"
NORDIC_DATE_RE = r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?: (\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?"
US_DATE_RE = r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?(?: ?([AaPp][Mm]))?)?"


def _nonempty(values: np.ndarray) -> pd.Series:
    s = pd.Series(values, dtype=object)
    return s[s.notna()].astype(str)


def all_match(values: np.ndarray, pattern: str) -> bool:
    """Whether every non-empty value fully matches ``pattern`` (False when the column is empty)."""
    s = _nonempty(values)
    return bool(len(s)) and bool(s.str.fullmatch(pattern).all())


def _iso_from_parts(parts: pd.DataFrame, year: str, month: str, day: str) -> pd.Series:
    """ISO 8601 text built from day/month/year (+ optional hour/minute/second) columns of ``str.extract``."""
    yyyy = parts[year].where(parts[year].str.len() == 4, "20" + parts[year])
    date = yyyy + "-" + parts[month].str.zfill(2) + "-" + parts[day].str.zfill(2)
    hour = parts[3]
    if len(parts.columns) > 6:  # US AM/PM
        ampm = parts[6].fillna("").str.upper()
        h = pd.to_numeric(hour, errors="coerce")
        h = h.where(~((ampm == "PM") & (h < 12)), h + 12).where(~((ampm == "AM") & (h == 12)), 0)
        hour = h.astype("Int64").astype(str).where(hour.notna())
    time = "T" + hour.str.zfill(2) + ":" + parts[4] + ":" + parts[5].fillna("00")
    return date + time.where(hour.notna(), "")


def to_iso_dates(values: np.ndarray) -> np.ndarray | None:
    """ISO 8601 text for a column of date texts (ISO, ``dd.mm.yyyy[ hh:mm[:ss]]`` or US ``m/d/yyyy``).

    Returns None when some non-empty value is not such a date. ISO values keep their offset; a space before the time
    becomes ``T``.
    """
    s = _nonempty(values)
    if s.empty:
        return None
    out = pd.Series(values, dtype=object).copy()
    if s.str.fullmatch(ISO_DATE_RE).all():
        out[s.index] = s.str.replace(" ", "T", n=1, regex=False)
        return out.to_numpy(dtype=object)
    for pattern, order in ((NORDIC_DATE_RE, (2, 1, 0)), (US_DATE_RE, (2, 0, 1))):
        if s.str.fullmatch(pattern).all():
            parts = s.str.extract("^" + pattern + "$")
            out[s.index] = _iso_from_parts(parts, *order)
            return out.to_numpy(dtype=object)
    return None


def iso_to_utc(values: np.ndarray, local_tz: str = "Europe/Oslo") -> pd.Series:
    """Timestamps (UTC) of ISO 8601 texts; texts without an offset are local time in ``local_tz``; bad → NaT."""
    s = pd.Series(values, dtype=object)
    result = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us, UTC]")
    text = s[s.notna()].astype(str)
    if text.empty:
        return result
    has_offset = text.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True)
    if has_offset.any():
        aware = pd.to_datetime(text[has_offset], format="ISO8601", errors="coerce", utc=True)
        result[aware.index] = aware
    naive_text = text[~has_offset]
    if not naive_text.empty:
        naive = pd.to_datetime(naive_text, format="ISO8601", errors="coerce")
        local = naive.dt.tz_localize(local_tz, ambiguous=np.zeros(len(naive), dtype=bool), nonexistent="shift_forward")
        result[local.index] = local.dt.tz_convert("UTC")
    return result


def excel_serial_to_iso(values: np.ndarray) -> np.ndarray:
    """ISO 8601 text of Excel serial day numbers given as text (``45366.5`` → ``2024-03-15T12:00:00``)."""
    s = pd.Series(values, dtype=object)
    num = pd.to_numeric(s, errors="coerce")
    stamps = pd.Timestamp("1899-12-30") + pd.to_timedelta(num.round(8), unit="D")
    iso = stamps.dt.round("s").dt.strftime("%Y-%m-%dT%H:%M:%S")
    return iso.where(num.notna(), s).to_numpy(dtype=object)
