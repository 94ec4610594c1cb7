"""Nettskjema (University of Oslo) exports: the API csv-report (``nettskjema_csv``) and the older tab-separated
export (``nettskjema_legacy``).

Facts relied on (capro-uio/nettskjemar: ``tests/fixtures/ns_get_data_original.yml`` — a recorded
``/api/v3/form/<id>/csv-report`` response — ``R/ns-data.R``, ``R/ns-checkbox.R`` and
``tests/data-82087-2018-09-03-1550-utf.txt``; other public scripts reading ``data-<form>-<date>.txt`` files):

* csv-report: served as ``data-<form id>-<yyyy-mm-dd-hhmm>.txt``, UTF-8, ``;``-separated, every field in double
  quotes, header row of element codes; first columns ``$submission_id``, ``$created`` (ISO 8601 with offset,
  ``2023-06-01T20:57:15+02:00``), last ``$answer_time_ms``; other ``$``-columns (``$forwarded_to_form``) may
  appear. Radio/dropdown answers are the option code (``1``, ``-1``); a checkbox is one ``0``/``1`` column per
  option, ``<question>.<option>``; a radio matrix is ``<matrix>.<row>`` with the code; a checkbox matrix
  ``<matrix>.<row>.<option>`` with 0/1; numbers as written (``4.5``, ``77.0``); dates ``2023-06-01``; no labels.
* legacy export: tab-separated, UTF-8 (``-utf`` files) or Windows-1252, header ``NR, E-post, Opprettet, Endret,
  <questions…>, Svartid``; dates ``09.04.2017 08:50`` (local time); a checkbox option is a column
  ``<question>_<n>`` holding the option's code (``Ja``) when chosen and nothing otherwise; ``Svartid`` reads
  ``3 minutt``.

Decisions: ``$submission_id``/``NR`` is the record id, ``$created``/``Opprettet`` the submission time (offset-less
times are Europe/Oslo); Nettskjema exports only delivered submissions, so ``status_hint`` is ``complete``; types
are inferred (0/1 ``q.opt`` columns → ``multiple_dummy``; few small integer codes → ``single``; decimals →
``numeric``; dates → ``datetime`` as ISO 8601; else ``text``); the codebook has the last word.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline.errors import InputError
from pipeline.readers.generic import infer_type, looks_coded
from pipeline.readers.model import RawExport, Variable
from pipeline.readers.sniff import iso_to_utc, to_iso_dates
from pipeline.readers.table import Grid, Parts, assemble, read_delimited

ID_COLUMN = "$submission_id"
CREATED_COLUMN = "$created"
ANSWER_TIME_COLUMN = "$answer_time_ms"
LEGACY_SYSTEM = ("NR", "E-post", "Opprettet", "Endret", "Svartid")
_LEGACY_OPTION = re.compile(r"^(.+)_(\d+)$")


def _distinct(grid: Grid, name: str) -> set[str]:
    return set(pd.Series(grid.values(name), dtype=object).dropna())


def _answer_type(grid: Grid, name: str) -> str:
    """``single`` for few small integer codes, else the inferred ``numeric``/``datetime``/``text``."""
    column = grid.columns[name]
    if looks_coded(column):
        return "single"
    return infer_type(column)


def _csv_variable(grid: Grid, name: str) -> Variable:
    if name.startswith("$"):
        return Variable(name=name, label=name, type="system")
    if "." in name and _distinct(grid, name) <= {"0", "1"}:
        question, option = name.rsplit(".", 1)
        return Variable(name=name, label=name, type="multiple_dummy", question=question, option=option)
    return Variable(name=name, label=name, type=_answer_type(grid, name))


def read_nettskjema_csv(path: Path) -> RawExport:
    """Read a Nettskjema csv-report (``$submission_id``; ``$created``; … ; ``$answer_time_ms``)."""
    grid = read_delimited(path)
    if ID_COLUMN not in grid.columns:
        raise InputError(
            path,
            f"the column {ID_COLUMN} is missing; the header starts {', '.join(grid.header[:4])}",
            expected=f"a Nettskjema csv-report whose columns start with {ID_COLUMN}; {CREATED_COLUMN}",
            row=1,
            column=ID_COLUMN,
        )
    variables = [_csv_variable(grid, name) for name in grid.header]
    submitted = iso_to_utc(grid.values(CREATED_COLUMN)) if CREATED_COLUMN in grid.columns else None
    parts = Parts(variables, ID_COLUMN, submitted, ["complete"] * grid.n_rows)
    return assemble("nettskjema_csv", path, grid, parts)


def _option_columns(grid: Grid) -> dict[str, tuple[str, str]]:
    """Legacy checkbox option columns: ``<question>_<n>`` holding one short code (no spaces) when chosen.

    A lone ``_<n>`` column counts only as ``_1`` (a one-option checkbox such as ``Inklusjon_1``); otherwise at least
    two sibling columns of the same question must look like options. A heuristic: the codebook has the last word.
    """
    candidates: dict[str, list[tuple[str, str]]] = {}
    for name in grid.header:
        match = _LEGACY_OPTION.match(name)
        values = _distinct(grid, name)
        if match and len(values) == 1 and re.fullmatch(r"\S{1,30}", next(iter(values))):
            candidates.setdefault(match.group(1), []).append((name, match.group(2)))
    out: dict[str, tuple[str, str]] = {}
    for question, columns in candidates.items():
        if len(columns) >= 2 or columns[0][1] == "1":
            out.update({name: (question, option) for name, option in columns})
    return out


def _legacy_variable(grid: Grid, name: str, options: dict[str, tuple[str, str]]) -> Variable:
    if name.casefold() in {s.casefold() for s in LEGACY_SYSTEM}:
        if name.casefold() in ("opprettet", "endret"):
            iso = to_iso_dates(grid.values(name))
            if iso is not None:
                grid.columns[name].values = iso
        return Variable(name=name, label=name, type="system")
    if name in options:
        question, option = options[name]
        return Variable(name=name, label=name, type="multiple_dummy", question=question, option=option)
    return Variable(name=name, label=name, type=_answer_type(grid, name))


def read_nettskjema_legacy(path: Path) -> RawExport:
    """Read a legacy tab-separated Nettskjema export (``NR``, ``E-post``, ``Opprettet``, ``Endret`` … ``Svartid``)."""
    grid = read_delimited(path)
    by_key = {h.casefold(): h for h in grid.header}
    if "nr" not in by_key:
        raise InputError(
            path,
            f"the column NR is missing; the header starts {', '.join(grid.header[:4])}",
            expected="a Nettskjema export whose columns start with NR, E-post, Opprettet, Endret",
            row=1,
            column="NR",
        )
    options = _option_columns(grid)
    variables = [_legacy_variable(grid, name, options) for name in grid.header]
    created = by_key.get("opprettet")
    submitted = iso_to_utc(grid.values(created)) if created else None
    parts = Parts(variables, by_key["nr"], submitted, ["complete"] * grid.n_rows)
    return assemble("nettskjema_legacy", path, grid, parts)
