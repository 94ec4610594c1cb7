"""Errors a researcher can act on: each names where the problem is (file, sheet, row, column) and what was expected."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class KsSdgError(Exception):
    """Base class of every error this package raises on bad input or configuration."""


@dataclass
class InputError(KsSdgError):
    """A problem in an input export, with its location.

    ``row`` is the row number as a person sees it in the file (1-based, header row included for
    spreadsheets and CSVs), ``column`` the column header as written in the file.
    """

    file: str | Path
    problem: str
    expected: str = ""
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    candidates: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def location(self) -> str:
        parts = [f"file {Path(self.file).name!s}" if self.file else "input"]
        if self.sheet is not None:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)

    @property
    def message(self) -> str:
        text = f"{self.location}: {self.problem}"
        if self.expected:
            text += f"; expected {self.expected}"
        if self.candidates:
            text += "; candidates: " + ", ".join(self.candidates)
        return text

    def __str__(self) -> str:
        return self.message


@dataclass
class CodebookError(KsSdgError):
    """A problem in a wave's codebook.yaml (or its fit to the export)."""

    wave: str
    problem: str
    variable: str | None = None
    file: str | Path | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"wave {self.wave!r}"
        if self.file:
            where += f" ({Path(self.file).name})"
        if self.variable:
            where += f", variable {self.variable!r}"
        return f"{where}: {self.problem}"


class Problems(KsSdgError):
    """Several problems found in one pass (a wave is checked whole, so a researcher fixes them all at once)."""

    SHOWN = 40

    def __init__(self, problems: list[KsSdgError]) -> None:
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [f"{len(self.problems)} problems:"]
        lines += [f"  - {p}" for p in self.problems[: self.SHOWN]]
        if len(self.problems) > self.SHOWN:
            lines.append(f"  … and {len(self.problems) - self.SHOWN} more")
        return "\n".join(lines)


def raise_all(problems: list[KsSdgError]) -> None:
    """Raise nothing, the one problem itself, or all of them together as :class:`Problems`."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise Problems(problems)


class GeographyError(KsSdgError):
    """A municipality / county authority that cannot be identified unambiguously."""

    def __init__(self, problem: str, candidates: list[str] | None = None) -> None:
        self.problem = problem
        self.candidates = list(candidates or [])
        text = problem + ("; candidates: " + ", ".join(self.candidates) if self.candidates else "")
        super().__init__(text)
