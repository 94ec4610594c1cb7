"""The HLPF calendar: the bundled file, validation errors naming year and field, peak periods at their boundaries."""

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from pipeline.ops.calendar import (
    DEFAULT_PATH,
    CalendarError,
    HlpfCalendar,
    in_peak_period,
    load_calendar,
    local_date,
    next_deadline,
    parse_calendar,
    peak_reason,
    refresh_decision,
)

D = dt.date.fromisoformat
OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture(scope="module")
def calendar() -> HlpfCalendar:
    return load_calendar()


def small(**years: dict) -> dict:
    """A minimal valid calendar with one planned year, plus overrides."""
    data = {
        "years": {
            2030: {
                "hlpf": {"start": "2030-07-08", "end": "2030-07-17", "status": "planned"},
                "deadlines": {
                    "vnr_main_messages": {"date": "2030-05-03", "status": "planned"},
                    "vnr_report": {"date": "2030-06-14", "status": "planned"},
                },
            }
        }
    }
    data["years"].update(years)
    return data


# ---- the bundled calendar ----


def test_bundled_calendar_is_valid_and_packaged(calendar):
    assert calendar.path == DEFAULT_PATH and DEFAULT_PATH.name == "hlpf_calendar.yaml"
    assert calendar.peak_weeks == 6 and calendar.weekly_refresh_day == 0
    assert min(calendar.years) <= 2019 and max(calendar.years) >= 2027


@pytest.mark.parametrize("year", [2019, 2024])
def test_full_vnr_report_was_due_14_june(calendar, year):
    (report,) = [d for d in calendar.years[year].deadlines if d.kind == "vnr_report"]
    assert report.date == dt.date(year, 6, 14) and report.status == "published" and report.source


def test_published_entries_have_sources_and_past_forums_are_published(calendar):
    for year, entry in calendar.years.items():
        for deadline in (*entry.deadlines, entry.forum):
            assert deadline.status == "planned" or deadline.source.startswith("http"), (year, deadline)
        if year <= 2025:
            assert entry.status == "published", year
        assert entry.start.month == 7, year
    assert calendar.years[2024].start == D("2024-07-08") and calendar.years[2024].end == D("2024-07-17")
    assert calendar.years[2025].start == D("2025-07-14") and calendar.years[2025].end == D("2025-07-23")


def test_future_years_are_planned_estimates(calendar):
    for year in (2027, 2028):
        entry = calendar.years[year]
        assert entry.status == "planned"
        assert {d.kind for d in entry.deadlines} == {"vnr_main_messages", "vnr_report"}
        assert all(d.planned and d.source is None for d in entry.deadlines)


# ---- validation ----


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["years"][2030]["hlpf"].update(start="2030-07-32"),
            "year 2030, hlpf.start: '2030-07-32' is not a date",
        ),
        (lambda d: d["years"][2030]["hlpf"].update(end="2030-07-01"), "year 2030, hlpf.end: the forum ends"),
        (
            lambda d: d["years"][2030]["hlpf"].update(start="2031-07-08"),
            "year 2030, hlpf.start: 2031-07-08 is not in 2030",
        ),
        (
            lambda d: d["years"][2030]["deadlines"]["vnr_report"].update(date="2030-07-10"),
            "year 2030, deadlines.vnr_report.date: the deadline 2030-07-10 is not before the forum starts",
        ),
        (
            lambda d: d["years"][2030]["deadlines"].update(vnr_draft={"date": "2030-04-01", "status": "planned"}),
            "year 2030, deadlines.vnr_draft: unknown deadline kind 'vnr_draft'",
        ),
        (
            lambda d: d["years"][2030]["deadlines"]["vnr_report"].update(status="published"),
            "year 2030, deadlines.vnr_report.source: a published date needs its source",
        ),
        (
            lambda d: d["years"][2030]["hlpf"].update(status="confirmed"),
            "year 2030, hlpf.status: status 'confirmed' must be one of published, planned",
        ),
        (
            lambda d: d["years"][2030]["hlpf"].update(status="published", source="un.org"),
            "year 2030, hlpf.source: source 'un.org' must be a URL",
        ),
        (lambda d: d["years"][2030]["hlpf"].update(sorce="https://x"), "year 2030, hlpf.sorce: unknown key(s) sorce"),
        (lambda d: d["years"][2030].pop("hlpf"), "year 2030, hlpf: missing"),
        (lambda d: d["years"][2030]["deadlines"]["vnr_report"].pop("date"), "deadlines.vnr_report.date: missing date"),
        (lambda d: d.update(peak_weeks=-1), "peak_weeks: -1 must be a whole number of weeks"),
        (lambda d: d.update(weekly_refresh_day="funday"), "weekly_refresh_day: 'funday' is not a weekday"),
        (lambda d: d["years"].update({"20x1": d["years"][2030]}), "years: '20x1' is not a year"),
        (lambda d: d.update(extra=1), "unknown key(s) extra"),
    ],
)
def test_validation_errors_name_year_and_field(mutate, expected):
    data = small()
    mutate(data)
    with pytest.raises(CalendarError) as info:
        parse_calendar(data, Path("hlpf_calendar.yaml"))
    assert expected in str(info.value)
    assert str(info.value).startswith("hlpf_calendar.yaml")


def test_duplicate_year_in_the_file_is_an_error(tmp_path):
    path = tmp_path / "cal.yaml"
    entry = yaml.safe_dump(small()["years"][2030], default_flow_style=True, width=10_000).strip()
    path.write_text(f"years:\n  2030: {entry}\n  2031: {entry}\n  2030: {entry}\n", encoding="utf-8")
    with pytest.raises(CalendarError, match=r"cal.yaml, year 2030: 2030 appears twice \(lines 2 and 4\)"):
        load_calendar(path)


def test_unreadable_and_invalid_yaml(tmp_path):
    with pytest.raises(CalendarError, match="cannot read the calendar"):
        load_calendar(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("years: [\n", encoding="utf-8")
    with pytest.raises(CalendarError, match="not valid YAML"):
        load_calendar(bad)
    bad.write_text("- 2030\n", encoding="utf-8")
    with pytest.raises(CalendarError, match="must be a mapping"):
        load_calendar(bad)


def test_env_var_points_at_another_calendar(tmp_path, monkeypatch):
    path = tmp_path / "cal.yaml"
    path.write_text(yaml.safe_dump(small()), encoding="utf-8")
    monkeypatch.setenv("KS_SDG_HLPF_CALENDAR", str(path))
    assert list(load_calendar().years) == [2030]


# ---- peak periods ----


@pytest.mark.parametrize(
    ("day", "peak", "kind"),
    [
        ("2030-03-21", False, "vnr_main_messages"),  # 6 weeks + 1 day before 3 May
        ("2030-03-22", True, "vnr_main_messages"),  # exactly 6 weeks before
        ("2030-05-03", True, "vnr_main_messages"),  # the deadline day itself
        ("2030-05-04", True, "vnr_report"),  # already 6 weeks before 14 June
        ("2030-07-08", True, "hlpf"),  # forum opens
        ("2030-07-17", True, "hlpf"),  # last day of the forum
        ("2030-07-18", False, None),  # after the last forum: nothing left
    ],
)
def test_peak_boundaries_default_six_weeks(day, peak, kind):
    cal = parse_calendar(small())
    in_peak, deadline = cal.in_peak_period(D(day))
    assert in_peak is peak
    assert (deadline.kind if deadline else None) == kind


def test_gaps_between_deadlines_with_a_short_peak():
    cal = parse_calendar(small())
    assert cal.in_peak_period(D("2030-05-06"), weeks=1) == (False, cal.next_deadline(D("2030-05-06")))
    assert cal.next_deadline(D("2030-05-06")).kind == "vnr_report"
    assert cal.in_peak_period(D("2030-06-07"), weeks=1)[0] is True
    assert cal.in_peak_period(D("2030-06-15"), weeks=1)[0] is False
    assert cal.in_peak_period(D("2030-07-01"), weeks=1)[0] is True  # a week before the forum
    assert cal.in_peak_period(D("2030-05-03"), weeks=0)[0] is True  # 0 weeks: the deadline day only
    assert cal.in_peak_period(D("2030-05-02"), weeks=0)[0] is False


def test_peak_weeks_from_env_file_and_argument(monkeypatch, tmp_path):
    cal = parse_calendar({**small(), "peak_weeks": 2})
    assert cal.resolve_weeks() == 2
    monkeypatch.setenv("KS_SDG_PEAK_WEEKS", "4")
    assert cal.resolve_weeks() == 4
    assert cal.resolve_weeks(8) == 8
    assert cal.in_peak_period(D("2030-04-05"))[0] is True  # 4 weeks before 3 May
    assert cal.in_peak_period(D("2030-04-04"))[0] is False
    monkeypatch.setenv("KS_SDG_PEAK_WEEKS", "six")
    with pytest.raises(CalendarError, match=r"\$KS_SDG_PEAK_WEEKS='six' is not a whole number"):
        cal.resolve_weeks()
    monkeypatch.setenv("KS_SDG_PEAK_WEEKS", "99")
    with pytest.raises(CalendarError, match="0 to 52"):
        cal.resolve_weeks()


def test_next_deadline_and_reasons():
    cal = parse_calendar(small())
    assert cal.next_deadline(D("2030-01-01")).describe() == "VNR main messages 2030-05-03 (planned date)"
    assert cal.next_deadline(D("2030-07-10")).kind == "hlpf"  # forum in session
    assert cal.next_deadline(D("2030-07-18")) is None
    assert cal.reason(D("2030-01-01")) == (
        "outside peak period: next deadline VNR main messages 2030-05-03 (planned date) in 122 days "
        "(daily refresh from 2030-03-22); weekly refresh runs on Mondays"
    )
    assert cal.reason(D("2030-06-14")).startswith("peak period: VNR full report 2030-06-14 (planned date) today")
    assert cal.reason(D("2030-06-13")).startswith("peak period: VNR full report 2030-06-14 (planned date) in 1 day ")
    assert cal.reason(D("2030-07-10")) == "peak period: HLPF 2030 in session until 2030-07-17 (daily refresh)"
    assert "no upcoming deadline in the HLPF calendar (last: HLPF 2030 ended 2030-07-17)" in cal.reason(D("2030-08-01"))


def test_refresh_decision_daily_weekly_skip():
    cal = parse_calendar(small())
    assert cal.refresh_decision(D("2030-04-02")).mode == "daily"  # a Tuesday in the peak
    monday, tuesday = cal.refresh_decision(D("2030-01-07")), cal.refresh_decision(D("2030-01-08"))
    assert (monday.run, monday.mode) == (True, "weekly")
    assert (tuesday.run, tuesday.mode) == (False, "skip")
    friday = parse_calendar({**small(), "weekly_refresh_day": "friday"}).refresh_decision(D("2030-01-11"))
    assert friday.mode == "weekly"
    assert "runs on Fridays" in parse_calendar({**small(), "weekly_refresh_day": "friday"}).reason(D("2030-01-08"))


def test_module_functions_use_the_bundled_calendar():
    day = D("2024-06-01")
    assert in_peak_period(day) == (True, next_deadline(day))
    assert next_deadline(day).kind == "vnr_report" and next_deadline(day).date == D("2024-06-14")
    assert peak_reason(day).startswith("peak period: VNR full report 2024-06-14 in 13 days")
    assert refresh_decision(day).run


def test_local_date_reads_times_in_oslo():
    assert local_date(dt.datetime(2026, 11, 22, 23, 30, tzinfo=dt.UTC)) == D("2026-11-23")
    assert local_date(dt.datetime(2027, 3, 28, 22, 30, tzinfo=dt.UTC)) == D("2027-03-29")  # CEST, UTC+2
    assert local_date(dt.datetime(2027, 3, 28, 21, 59, tzinfo=dt.UTC)) == D("2027-03-28")
    assert local_date(dt.datetime(2027, 1, 5, 23, 30)) == D("2027-01-05")  # naive: already Oslo time
    assert local_date(D("2027-01-05")) == D("2027-01-05")
    assert isinstance(local_date(), dt.date)


def test_impossible_date_in_the_file_names_year_and_field(tmp_path):
    path = tmp_path / "cal.yaml"
    path.write_text(
        "years:\n  2030:\n    hlpf: {start: 2030-07-40, end: 2030-07-21, status: planned}\n", encoding="utf-8"
    )
    with pytest.raises(CalendarError, match=r"cal.yaml, year 2030, hlpf.start: '2030-07-40' is not a date"):
        load_calendar(path)
