"""The one representation every reader produces, whatever the export format.

An export is read into three parts:

* ``records`` — one row per source record (submission), with where it came from;
* ``answers`` — long format, one row per non-empty cell (a joined multi-select cell such as ``"A;B;"`` gives one
  row per selected item), values as text exactly as a person reads them in the file (integers without ``.0``);
* ``variables`` — the export's own metadata: label (question text), type and value labels.

Readers never interpret answers against a codebook; harmonisation does that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

#: Variable types a reader can report.
VARIABLE_TYPES = (
    "system",  # submission metadata: id, timestamps, e-mail/name columns the tool adds, status dummies
    "single",  # one code per record (value labels give the options)
    "multiple_dummy",  # one 0/1 column per option of a multi-select (``question``/``option`` say which)
    "multiple_joined",  # several options joined in one cell (Microsoft Forms: ``"A;B;"``); answers are split
    "numeric",
    "text",
    "datetime",
)

RECORD_COLUMNS = ("record_id", "source_file", "source_sheet", "source_row", "submitted_at", "status_hint")
ANSWER_COLUMNS = ("record_id", "variable", "value")


@dataclass
class Variable:
    """One column of an export.

    ``question``/``option`` group dummy columns of one multi-select (``v_1_3`` → question ``v_1``, option ``3``;
    Nettskjema ``q5.2`` → ``q5``, ``2``). ``value_labels`` maps a code as text to its label.
    """

    name: str
    label: str = ""
    type: str = "text"
    value_labels: dict[str, str] = field(default_factory=dict)
    question: str | None = None
    option: str | None = None

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "value_labels": dict(self.value_labels),
            "question": self.question,
            "option": self.option,
        }


@dataclass
class RawExport:
    """An export read into the uniform representation.

    ``records`` columns: ``record_id`` (str, unique), ``source_file`` (str, file name), ``source_sheet``
    (str or None), ``source_row`` (int, row number as shown in the file, header = row 1), ``submitted_at``
    (tz-aware UTC timestamp or NaT), ``status_hint`` ("complete", "partial", "not_started" or None when the
    format does not say). ``answers`` columns: ``record_id``, ``variable``, ``value`` (str).
    """

    path: Path
    format: str
    records: pd.DataFrame
    answers: pd.DataFrame
    variables: list[Variable]
    files: list[Path] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    sheets: list[str] = field(default_factory=list)

    @property
    def n_records(self) -> int:
        return len(self.records)

    def variable(self, name: str) -> Variable:
        for var in self.variables:
            if var.name == name:
                return var
        raise KeyError(name)

    @property
    def variable_names(self) -> list[str]:
        return [v.name for v in self.variables]

    def wide(self) -> pd.DataFrame:
        """Answers back in one row per record, one column per variable (joined multi-selects re-joined by ';')."""
        if self.answers.empty:
            return pd.DataFrame(index=self.records["record_id"], columns=self.variable_names)
        joined = self.answers.groupby(["record_id", "variable"], sort=False)["value"].agg(";".join)
        wide = joined.unstack("variable")
        return wide.reindex(index=self.records["record_id"], columns=self.variable_names)
