"""The HLPF calendar: forum dates and the deadlines before it, and whether a day falls in a peak period.

The calendar lives in ``hlpf_calendar.yaml`` beside this module (``$KS_SDG_HLPF_CALENDAR`` points elsewhere) and is
validated on load. A *peak period* is the N weeks before a deadline, up to and including the deadline day; for the
forum itself it lasts until the forum's last day. N comes from, in order: the ``weeks`` argument,
``$KS_SDG_PEAK_WEEKS``, the file's ``peak_weeks``, 6. Times are read in Europe/Oslo.

No Dagster here: the schedule (``pipeline/defs/schedules.py``) and the freshness policies only ask
:func:`refresh_decision` / :func:`in_peak_period`.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from pipeline.errors import KsSdgError

OSLO = ZoneInfo("Europe/Oslo")
DEFAULT_PATH = Path(__file__).with_name("hlpf_calendar.yaml")
CALENDAR_ENV = "KS_SDG_HLPF_CALENDAR"
PEAK_WEEKS_ENV = "KS_SDG_PEAK_WEEKS"
DEFAULT_PEAK_WEEKS = 6
MAX_PEAK_WEEKS = 52
#: Deadline kinds a year may list under ``deadlines`` → label. ``hlpf`` (the forum) comes from the ``hlpf`` block.
DEADLINE_KINDS = {"vnr_main_messages": "VNR main messages", "vnr_report": "VNR full report"}
KIND_LABELS = {**DEADLINE_KINDS, "hlpf": "HLPF"}
STATUSES = ("published", "planned")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_TOP_KEYS = {"peak_weeks", "weekly_refresh_day", "years"}
_YEAR_KEYS = {"hlpf", "deadlines", "note"}
_HLPF_KEYS = {"start", "end", "status", "source"}
_DEADLINE_KEYS = {"date", "status", "source"}


class CalendarError(KsSdgError):
    """A problem in the HLPF calendar file, naming the file, the year and the field."""

    def __init__(self, path: Path | str, problem: str, year: int | str | None = None, field: str | None = None):
        self.path = Path(path)
        self.year = year
        self.field = field
        self.problem = problem
        where = self.path.name
        if year is not None:
            where += f", year {year}"
        if field:
            where += f", {field}"
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True, order=True)
class Deadline:
    """One dated deadline; ``until`` is the last day of its peak period (the forum's last day for ``hlpf``)."""

    date: dt.date
    until: dt.date
    kind: str
    year: int
    status: str = "published"
    source: str | None = None

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def planned(self) -> bool:
        return self.status == "planned"

    def describe(self) -> str:
        """E.g. ``VNR full report 2026-06-12 (planned date)``."""
        text = f"{self.label} {self.date.isoformat()}"
        return text + " (planned date)" if self.planned else text

    def peak_start(self, weeks: int) -> dt.date:
        """First day of the daily-refresh period before this deadline."""
        return self.date - dt.timedelta(weeks=weeks)


@dataclass(frozen=True)
class HlpfYear:
    """One year's forum and deadlines."""

    year: int
    start: dt.date
    end: dt.date
    status: str
    source: str | None
    deadlines: tuple[Deadline, ...]
    note: str = ""

    @property
    def forum(self) -> Deadline:
        return Deadline(self.start, self.end, "hlpf", self.year, self.status, self.source)


@dataclass(frozen=True)
class RefreshDecision:
    """What the daily 06:00 schedule tick should do: ``mode`` is ``daily`` (peak), ``weekly`` or ``skip``."""

    run: bool
    mode: str
    reason: str
    day: dt.date
    deadline: Deadline | None


@dataclass(frozen=True)
class HlpfCalendar:
    """The validated calendar; see the module docstring for the peak rule."""

    years: dict[int, HlpfYear]
    peak_weeks: int = DEFAULT_PEAK_WEEKS
    weekly_refresh_day: int = 0
    path: Path = DEFAULT_PATH

    def deadlines(self) -> list[Deadline]:
        """Every deadline including the forums, in date order."""
        found = [d for y in self.years.values() for d in (*y.deadlines, y.forum)]
        return sorted(found)

    def next_deadline(self, now: dt.datetime | dt.date | None = None) -> Deadline | None:
        """The first deadline whose day (or forum) is today or later; None past the calendar's end."""
        today = local_date(now)
        return next((d for d in self.deadlines() if d.until >= today), None)

    def in_peak_period(
        self, now: dt.datetime | dt.date | None = None, weeks: int | None = None
    ) -> tuple[bool, Deadline | None]:
        """(True, the deadline) inside a peak period, else (False, the next deadline or None)."""
        today = local_date(now)
        weeks = self.resolve_weeks(weeks)
        for deadline in self.deadlines():
            if deadline.peak_start(weeks) <= today <= deadline.until:
                return True, deadline
        return False, self.next_deadline(today)

    def resolve_weeks(self, weeks: int | None = None) -> int:
        """Peak length in weeks: the argument, else ``$KS_SDG_PEAK_WEEKS``, else the file's ``peak_weeks``."""
        if weeks is not None:
            return _check_weeks(weeks, "weeks argument")
        env = os.environ.get(PEAK_WEEKS_ENV, "").strip()
        if env:
            try:
                value = int(env)
            except ValueError:
                raise CalendarError(self.path, f"${PEAK_WEEKS_ENV}={env!r} is not a whole number of weeks") from None
            return _check_weeks(value, f"${PEAK_WEEKS_ENV}", self.path)
        return self.peak_weeks

    def reason(self, now: dt.datetime | dt.date | None = None, weeks: int | None = None) -> str:
        """Why today is (not) a peak day, with the deadline and the weekly rule."""
        return self.refresh_decision(now, weeks).reason

    def refresh_decision(self, now: dt.datetime | dt.date | None = None, weeks: int | None = None) -> RefreshDecision:
        """Daily refresh in a peak period; weekly on ``weekly_refresh_day`` otherwise; else skip, with the reason."""
        today = local_date(now)
        weeks = self.resolve_weeks(weeks)
        peak, deadline = self.in_peak_period(today, weeks)
        weekly = f"weekly refresh runs on {WEEKDAYS[self.weekly_refresh_day].capitalize()}s"
        if peak and deadline is not None:
            return RefreshDecision(True, "daily", f"peak period: {_when(deadline, today, weeks)}", today, deadline)
        if deadline is None:
            last = self.deadlines()[-1] if self.years else None
            tail = f" (last: {last.label} {last.year} ended {last.until})" if last else ""
            outside = (
                f"outside peak period: no upcoming deadline in the HLPF calendar{tail} - add the next year to "
                f"{self.path.name}"
            )
        else:
            days = (deadline.date - today).days
            outside = (
                f"outside peak period: next deadline {deadline.describe()} in {days} days "
                f"(daily refresh from {deadline.peak_start(weeks)})"
            )
        if today.weekday() == self.weekly_refresh_day:
            return RefreshDecision(True, "weekly", f"{outside}; weekly refresh today", today, deadline)
        return RefreshDecision(False, "skip", f"{outside}; {weekly}", today, deadline)


def _when(deadline: Deadline, today: dt.date, weeks: int) -> str:
    days = (deadline.date - today).days
    if deadline.kind == "hlpf" and days < 0:
        return f"{deadline.label} {deadline.year} in session until {deadline.until} (daily refresh)"
    when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
    return f"{deadline.describe()} {when} (daily refresh in the {weeks} weeks before each deadline)"


def local_date(now: dt.datetime | dt.date | None = None) -> dt.date:
    """The Europe/Oslo calendar day of ``now`` (a naive datetime is taken as Oslo time; None means now)."""
    if now is None:
        return dt.datetime.now(OSLO).date()
    if isinstance(now, dt.datetime):
        return (now.astimezone(OSLO) if now.tzinfo else now).date()
    return now


def _check_weeks(value: object, field: str, path: Path = DEFAULT_PATH) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PEAK_WEEKS:
        raise CalendarError(path, f"{value!r} must be a whole number of weeks from 0 to {MAX_PEAK_WEEKS}", field=field)
    return value


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that refuses duplicate mapping keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise _DuplicateKey(key, seen[key], key_node.start_mark.line + 1)
        seen[key] = key_node.start_mark.line + 1
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


class _DuplicateKey(Exception):
    def __init__(self, key: Any, first: int, second: int) -> None:
        super().__init__(key, first, second)
        self.key, self.first, self.second = key, first, second


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# dates stay text until _date parses them, so "2027-07-40" is reported with its year and field (PyYAML would raise)
_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


def calendar_path() -> Path:
    """The calendar file in use: ``$KS_SDG_HLPF_CALENDAR`` or the packaged ``hlpf_calendar.yaml``."""
    env = os.environ.get(CALENDAR_ENV)
    return Path(env).expanduser().resolve() if env else DEFAULT_PATH


def load_calendar(path: str | Path | None = None) -> HlpfCalendar:
    """Read and validate the calendar; every error is a :class:`CalendarError` naming the year and field."""
    path = Path(path) if path is not None else calendar_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CalendarError(path, f"cannot read the calendar: {exc.strerror or exc}") from exc
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except _DuplicateKey as dup:
        year = dup.key if isinstance(dup.key, int) else None
        raise CalendarError(
            path, f"{dup.key!r} appears twice (lines {dup.first} and {dup.second})", year=year
        ) from None
    except yaml.YAMLError as exc:
        raise CalendarError(path, f"not valid YAML: {exc}") from exc
    return parse_calendar(data, path)


def parse_calendar(data: object, path: Path = DEFAULT_PATH) -> HlpfCalendar:
    """Validate the YAML structure of a calendar (see ``hlpf_calendar.yaml`` for the format)."""
    if not isinstance(data, dict):
        raise CalendarError(path, "the calendar must be a mapping with a 'years' key")
    _no_unknown(data, _TOP_KEYS, path, None, None)
    peak_weeks = _check_weeks(data.get("peak_weeks", DEFAULT_PEAK_WEEKS), "peak_weeks", path)
    day = str(data.get("weekly_refresh_day", "monday")).strip().lower()
    if day not in WEEKDAYS:
        raise CalendarError(
            path, f"{day!r} is not a weekday; expected one of {', '.join(WEEKDAYS)}", None, "weekly_refresh_day"
        )
    raw_years = data.get("years")
    if not isinstance(raw_years, dict) or not raw_years:
        raise CalendarError(path, "'years' must map each year to its forum and deadlines", field="years")
    years: dict[int, HlpfYear] = {}
    for key, entry in raw_years.items():
        year = _year(key, path)
        if year in years:
            raise CalendarError(path, "the year appears twice", year=year)
        years[year] = _parse_year(year, entry, path)
    return HlpfCalendar(dict(sorted(years.items())), peak_weeks, WEEKDAYS.index(day), path)


def _year(key: object, path: Path) -> int:
    try:
        year = int(str(key))
    except ValueError:
        raise CalendarError(path, f"{key!r} is not a year", field="years") from None
    if not 2015 <= year <= 2100:
        raise CalendarError(path, "must be between 2015 and 2100", year=year, field="years")
    return year


def _parse_year(year: int, entry: object, path: Path) -> HlpfYear:
    if not isinstance(entry, dict):
        raise CalendarError(path, "must be a mapping with 'hlpf' and optional 'deadlines'", year)
    _no_unknown(entry, _YEAR_KEYS, path, year, None)
    forum = entry.get("hlpf")
    if not isinstance(forum, dict):
        raise CalendarError(path, "missing: the forum's start and end", year, "hlpf")
    _no_unknown(forum, _HLPF_KEYS, path, year, "hlpf")
    start = _date(forum.get("start"), path, year, "hlpf.start")
    end = _date(forum.get("end"), path, year, "hlpf.end")
    if end < start:
        raise CalendarError(path, f"the forum ends ({end}) before it starts ({start})", year, "hlpf.end")
    status, source = _status_source(forum, path, year, "hlpf")
    raw_deadlines = entry.get("deadlines") or {}
    if not isinstance(raw_deadlines, dict):
        raise CalendarError(path, "must map a deadline kind to its date", year, "deadlines")
    deadlines = []
    for kind, spec in raw_deadlines.items():
        field = f"deadlines.{kind}"
        if kind not in DEADLINE_KINDS:
            raise CalendarError(
                path, f"unknown deadline kind {kind!r}; expected one of {', '.join(DEADLINE_KINDS)}", year, field
            )
        if not isinstance(spec, dict):
            raise CalendarError(path, "must be a mapping with date, status and source", year, field)
        _no_unknown(spec, _DEADLINE_KEYS, path, year, field)
        day = _date(spec.get("date"), path, year, f"{field}.date")
        if day >= start:
            raise CalendarError(
                path, f"the deadline {day} is not before the forum starts ({start})", year, f"{field}.date"
            )
        d_status, d_source = _status_source(spec, path, year, field)
        deadlines.append(Deadline(day, day, str(kind), year, d_status, d_source))
    return HlpfYear(year, start, end, status, source, tuple(sorted(deadlines)), str(entry.get("note") or ""))


def _date(value: object, path: Path, year: int, field: str) -> dt.date:
    if value is None or value == "":
        raise CalendarError(path, "missing date (YYYY-MM-DD)", year, field)
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise CalendarError(path, f"{value!r} is not a date (YYYY-MM-DD)", year, field) from None
    if value.year != year:
        raise CalendarError(path, f"{value} is not in {year}", year, field)
    return value


def _status_source(spec: dict, path: Path, year: int, field: str) -> tuple[str, str | None]:
    status = str(spec.get("status") or "").strip()
    if status not in STATUSES:
        raise CalendarError(
            path, f"status {status or None!r} must be one of {', '.join(STATUSES)}", year, f"{field}.status"
        )
    source = spec.get("source")
    source = str(source).strip() if source else None
    if status == "published" and not source:
        raise CalendarError(
            path, "a published date needs its source (URL); mark estimates 'status: planned'", year, f"{field}.source"
        )
    if source and not source.startswith(("http://", "https://")):
        raise CalendarError(path, f"source {source!r} must be a URL", year, f"{field}.source")
    return status, source


def _no_unknown(mapping: dict, allowed: set[str], path: Path, year: int | None, field: str | None) -> None:
    unknown = sorted(str(k) for k in mapping if str(k) not in allowed)
    if unknown:
        where = f"{field}." if field else ""
        raise CalendarError(
            path,
            f"unknown key(s) {', '.join(unknown)}; expected {', '.join(sorted(allowed))}",
            year,
            where + unknown[0],
        )


def next_deadline(now: dt.datetime | dt.date | None = None, calendar: HlpfCalendar | None = None) -> Deadline | None:
    """The next deadline (or running forum) after ``now`` in the packaged calendar."""
    return (calendar or load_calendar()).next_deadline(now)


def in_peak_period(
    now: dt.datetime | dt.date | None = None, weeks: int | None = None, calendar: HlpfCalendar | None = None
) -> tuple[bool, Deadline | None]:
    """(in a peak period?, the deadline concerned) for ``now``; ``weeks`` defaults as described above."""
    return (calendar or load_calendar()).in_peak_period(now, weeks)


def peak_reason(
    now: dt.datetime | dt.date | None = None, weeks: int | None = None, calendar: HlpfCalendar | None = None
) -> str:
    """The human reason for the refresh decision at ``now``."""
    return (calendar or load_calendar()).reason(now, weeks)


def refresh_decision(
    now: dt.datetime | dt.date | None = None, weeks: int | None = None, calendar: HlpfCalendar | None = None
) -> RefreshDecision:
    """Run daily (peak), weekly (refresh day) or skip at ``now``, with the reason."""
    return (calendar or load_calendar()).refresh_decision(now, weeks)
