"""Summaries of a read export for ``ks-sdg inspect`` (``--json`` gives :func:`describe`, else
:func:`describe_text`)."""

from __future__ import annotations

from collections import Counter

import pandas as pd

from pipeline.readers.model import RawExport
from pipeline.readers.sniff import DELIMITER_NAMES


def describe(export: RawExport) -> dict:
    """JSON-ready facts of an export: format, encoding, delimiter, respondent count and the variables' metadata."""
    return {
        "format": export.format,
        "encoding": export.encoding,
        "delimiter": export.delimiter,
        "n_respondents": export.n_records,
        "variables": [
            {"name": v.name, "label": v.label, "type": v.type, "value_labels": dict(v.value_labels)}
            for v in export.variables
        ],
    }


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _time_range(submitted: pd.Series) -> str:
    stamps = submitted.dropna()
    if stamps.empty:
        return "not in the export"
    return f"{stamps.min():%Y-%m-%d %H:%M} – {stamps.max():%Y-%m-%d %H:%M} UTC"


def describe_text(export: RawExport, max_label: int = 60) -> str:
    """A readable multi-line summary: source, counts, status, submission times and one line per variable."""
    delimiter = DELIMITER_NAMES.get(export.delimiter or "", export.delimiter) if export.delimiter else None
    lines = [
        f"{export.path}",
        f"  format        {export.format}",
        f"  files         {', '.join(p.name for p in export.files)}",
    ]
    if export.sheets:
        lines.append(f"  sheets        {', '.join(export.sheets)}")
    if export.encoding:
        lines.append(f"  encoding      {export.encoding}" + (f", {delimiter}-separated" if delimiter else ""))
    status = Counter(s for s in export.records["status_hint"] if s is not None)
    types = ", ".join(f"{t} {n}" for t, n in Counter(v.type for v in export.variables).items())
    lines += [
        f"  respondents   {export.n_records}",
        f"  answers       {len(export.answers)} non-empty cells",
        f"  status        {', '.join(f'{k} {v}' for k, v in sorted(status.items())) or 'not in the export'}",
        f"  submitted     {_time_range(export.records['submitted_at'])}",
        f"  variables     {len(export.variables)} ({types})",
        "",
    ]
    width = max((len(v.name) for v in export.variables), default=4)
    lines.append(f"  {'name':<{width}}  {'type':<15}  {'codes':>5}  label")
    for v in export.variables:
        codes = str(len(v.value_labels)) if v.value_labels else ""
        lines.append(f"  {v.name:<{width}}  {v.type:<15}  {codes:>5}  {_shorten(v.label, max_label)}")
    return "\n".join(lines)
