"""Microsoft Forms response workbooks (``msforms_xlsx``).

Facts relied on (public scripts and docs reading Forms downloads, e.g. apps deleting the columns ``ID,
Starttidspunkt, Fullføringstidspunkt, E-postadresse, Navn, Tidspunkt for siste endring``; scripts reading
``Fullføringstidspunkt`` as Excel datetimes; Microsoft's support article on the response workbook):

* one sheet; the first columns are ``ID``, ``Start time``, ``Completion time``, ``Email``, ``Name`` and, in newer
  downloads, ``Last modified time``; Norwegian (bokmål) downloads use ``ID``, ``Starttidspunkt``,
  ``Fullføringstidspunkt``, ``E-postadresse`` (also seen as ``E-post``), ``Navn``, ``Tidspunkt for siste endring``;
* every other column is one question, headed by its text; a choice answer is the option's *text*; a multi-select
  answer is one cell with the chosen options each followed by ``;`` (``Ressurser;Kompetanse;``);
* times are Excel datetimes in the form owner's local time; some downloads (and CSV-converted files) carry them as
  serial numbers or as text (``3/14/24 10:21:33`` in English, ``14.03.2024 10:21:33`` in Norwegian).

Decisions: the first five/six columns are ``system`` variables; ``ID`` is the record id; ``Completion time`` the
submission time (Europe/Oslo → UTC) and its values are ISO 8601 text; a column whose every non-empty value ends with
``;`` is ``multiple_joined`` (one answers row per item); Forms stores only submitted responses, so ``status_hint`` is
``complete``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.errors import InputError
from pipeline.readers.generic import infer_type
from pipeline.readers.model import RawExport, Variable
from pipeline.readers.sniff import NUMBER_RE, all_match, excel_serial_to_iso, iso_to_utc, to_iso_dates
from pipeline.readers.table import Grid, Parts, assemble, open_workbook, read_sheet, worksheet_names

#: System column headers by role, per language of the download (matched case-insensitively).
SYSTEM_HEADERS: dict[str, dict[str, str]] = {
    "en": {
        "id": "ID",
        "started": "Start time",
        "submitted": "Completion time",
        "email": "Email",
        "name": "Name",
        "modified": "Last modified time",
    },
    "nb": {
        "id": "ID",
        "started": "Starttidspunkt",
        "submitted": "Fullføringstidspunkt",
        "email": "E-postadresse",
        "name": "Navn",
        "modified": "Tidspunkt for siste endring",
    },
}
_EXTRA_ALIASES = {"e-post": "email", "email address": "email"}
ROLE_BY_HEADER = {h.casefold(): role for names in SYSTEM_HEADERS.values() for role, h in names.items()}
ROLE_BY_HEADER.update(_EXTRA_ALIASES)
_TIME_ROLES = ("started", "submitted", "modified")


def is_forms_header(header: list[str]) -> bool:
    """Whether a header row is a Forms download's (``ID`` first, a start or completion time among the next five)."""
    keys = [h.strip().casefold() for h in header[:7]]
    if not keys or keys[0] != "id":
        return False
    return any(ROLE_BY_HEADER.get(k) in ("started", "submitted") for k in keys[1:])


def _times_to_iso(grid: Grid, name: str) -> None:
    """Make a time column ISO 8601 text whether it held Excel datetimes, serial numbers or date texts."""
    column = grid.columns[name]
    if column.kind == "number" or (column.kind == "text" and all_match(column.values, NUMBER_RE)):
        column.values = excel_serial_to_iso(column.values)
    elif column.kind != "datetime":
        iso = to_iso_dates(column.values)
        if iso is not None:
            column.values = iso


def _is_joined(grid: Grid, name: str) -> bool:
    values = pd.Series(grid.values(name), dtype=object).dropna().astype(str)
    return not values.empty and bool(values.str.endswith(";").all())


def forms_parts(grid: Grid) -> Parts:
    """Variables (system columns, joined multi-selects, inferred types), id and submission time of a Forms grid."""
    roles: dict[str, str] = {}
    for name in grid.header[:7]:
        role = ROLE_BY_HEADER.get(name.casefold())
        if role and role not in roles.values():
            roles[name] = role
    variables: list[Variable] = []
    joined: set[str] = set()
    for name in grid.header:
        if name in roles:
            if roles[name] in _TIME_ROLES:
                _times_to_iso(grid, name)
            variables.append(Variable(name=name, label=name, type="system"))
        elif _is_joined(grid, name):
            joined.add(name)
            variables.append(Variable(name=name, label=name, type="multiple_joined"))
        else:
            variables.append(Variable(name=name, label=name, type=infer_type(grid.columns[name])))
    by_role = {role: name for name, role in roles.items()}
    submitted = iso_to_utc(grid.values(by_role["submitted"])) if "submitted" in by_role else None
    return Parts(variables, by_role.get("id"), submitted, ["complete"] * grid.n_rows, joined)


def read_msforms_xlsx(path: Path) -> RawExport:
    """Read a Microsoft Forms response workbook (English or Norwegian headers)."""
    workbook = open_workbook(path)
    names = worksheet_names(workbook)
    if not names:
        raise InputError(path, "the workbook has no worksheet", expected="a Forms response workbook")
    grid = read_sheet(workbook, names[0], path)
    if not is_forms_header(grid.header):
        expected = ", ".join(SYSTEM_HEADERS["en"][r] for r in ("id", "started", "submitted", "email", "name"))
        raise grid.error(
            f"the header does not start like a Microsoft Forms download: {', '.join(grid.header[:5])}",
            expected=f"the columns {expected} (or Norwegian ID, Starttidspunkt, Fullføringstidspunkt, …)",
            row=1,
        )
    return assemble("msforms_xlsx", path, grid, forms_parts(grid), sheets=[names[0]])
