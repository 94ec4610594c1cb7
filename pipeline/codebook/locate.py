"""Where a record came from, for error messages that name file, sheet, row and column — and the collector of a
wave's problems (every problem of an export is gathered, then raised together)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.errors import InputError, KsSdgError
from pipeline.readers.model import RawExport


def values_of(export: RawExport, column: str | None) -> pd.Series:
    """record_id → the (first) value of one column."""
    if not column:
        return pd.Series(dtype="str")
    part = export.answers[export.answers["variable"] == column]
    return part.drop_duplicates("record_id").set_index("record_id")["value"]


class Locator:
    """Maps a record id to its file / sheet / row for error messages."""

    def __init__(self, export: RawExport) -> None:
        self.export = export
        self.records = export.records.set_index("record_id")
        self.problems: list[KsSdgError] = []

    def report(self, record_id: str, column: str | None, problem: str, expected: str = "", candidates=None) -> None:
        """Note a problem and go on (the whole export is checked; every problem is raised together at the end)."""
        self.problems.append(self.error(record_id, column, problem, expected, candidates))

    def report_values(
        self,
        record_ids: pd.Series,
        values: pd.Series,
        bad: pd.Series,
        column: str | None,
        one: str,
        many: str,
        expected: str,
    ) -> None:
        """One problem per column for all its bad values (each with how many records gave it), located at the first
        record with one. The three series align by position; ``one`` takes ``{value}``; ``many`` is the phrase
        before the list of values."""
        mask = bad.to_numpy(dtype=bool)
        first = int(mask.argmax())
        counts = values[mask].value_counts(sort=False)
        if len(counts) == 1 and int(counts.iloc[0]) == 1:
            problem = one.format(value=repr(values.iloc[first]))
        else:
            shown = [f"{v!r} ({n} records)" if n > 1 else repr(v) for v, n in list(counts.items())[:10]]
            more = f" and {len(counts) - 10} more" if len(counts) > 10 else ""
            problem = f"{many}: {', '.join(shown)}{more} (the first at this row)"
        self.report(record_ids.iloc[first], column, problem, expected=expected)

    def error(self, record_id: str, column: str | None, problem: str, expected: str = "", candidates=None):
        row = self.records.loc[record_id] if record_id in self.records.index else None
        return InputError(
            self.export.path if row is None else Path(str(row["source_file"])),
            problem,
            expected=expected,
            sheet=None if row is None or pd.isna(row["source_sheet"]) else str(row["source_sheet"]),
            row=None if row is None else int(row["source_row"]),
            column=column,
            candidates=list(candidates or []),
        )
