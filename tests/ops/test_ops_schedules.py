"""The HLPF refresh schedule evaluated for chosen dates (peak boundaries, weekly days, DST changes)."""

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from dagster._utils.schedules import cron_string_iterator

from pipeline.defs.schedules import hlpf_refresh_schedule

OSLO = ZoneInfo("Europe/Oslo")


def evaluate(when: dt.datetime) -> dg.RunRequest | dg.SkipReason:
    return hlpf_refresh_schedule(dg.build_schedule_context(scheduled_execution_time=when))


def at6(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T06:00").replace(tzinfo=OSLO)


def test_schedule_definition():
    assert hlpf_refresh_schedule.cron_schedule == "0 6 * * *"
    assert hlpf_refresh_schedule.execution_timezone == "Europe/Oslo"
    assert hlpf_refresh_schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert hlpf_refresh_schedule.job_name == "downstream_job"


def test_outside_peak_a_tuesday_skips_with_the_reason():
    result = evaluate(at6("2026-11-24"))
    assert isinstance(result, dg.SkipReason)
    assert result.skip_message == (
        "outside peak period: next deadline VNR main messages 2027-05-07 (planned date) in 164 days "
        "(daily refresh from 2027-03-26); weekly refresh runs on Mondays"
    )


def test_outside_peak_a_monday_runs_the_weekly_refresh():
    result = evaluate(at6("2026-11-23"))
    assert isinstance(result, dg.RunRequest)
    assert result.run_key == "refresh-2026-11-23"
    assert result.tags["ks_sdg/refresh"] == "weekly"
    assert result.tags["ks_sdg/next_deadline"] == "VNR main messages 2027-05-07 (planned date)"


@pytest.mark.parametrize(
    ("day", "runs", "mode"),
    [
        ("2027-03-25", False, None),  # Thursday, 6 weeks + 1 day before the main messages
        ("2027-03-26", True, "daily"),  # exactly 6 weeks before 7 May
        ("2027-05-07", True, "daily"),  # main messages due
        ("2027-06-11", True, "daily"),  # full report due
        ("2027-07-21", True, "daily"),  # last day of the forum
        ("2027-07-22", False, None),  # Thursday after the forum
        ("2027-07-26", True, "weekly"),  # Monday after the forum
    ],
)
def test_peak_boundaries(day, runs, mode):
    result = evaluate(at6(day))
    assert isinstance(result, dg.RunRequest) is runs
    if runs:
        assert result.tags["ks_sdg/refresh"] == mode and result.run_key == f"refresh-{day}"


def test_peak_reason_text():
    result = evaluate(at6("2027-06-01"))
    assert result.tags["ks_sdg/refresh_reason"] == (
        "peak period: VNR full report 2027-06-11 (planned date) in 10 days "
        "(daily refresh in the 6 weeks before each deadline)"
    )
    assert evaluate(at6("2027-07-14")).tags["ks_sdg/refresh_reason"] == (
        "peak period: HLPF 2027 in session until 2027-07-21 (daily refresh)"
    )


def test_peak_weeks_from_the_environment(monkeypatch):
    monkeypatch.setenv("KS_SDG_PEAK_WEEKS", "2")
    assert isinstance(evaluate(at6("2027-03-26")), dg.SkipReason)  # a Friday, now outside the peak
    assert isinstance(evaluate(at6("2027-04-23")), dg.RunRequest)  # 2 weeks before 7 May
    assert "daily refresh from 2027-04-23" in evaluate(at6("2027-04-22")).skip_message


def test_dst_spring_forward_and_fall_back():
    # Sunday 28 March 2027: clocks go from 02:00 to 03:00; 06:00 CEST = 04:00 UTC, inside the peak
    spring = evaluate(dt.datetime(2027, 3, 28, 4, 0, tzinfo=dt.UTC))
    assert isinstance(spring, dg.RunRequest) and spring.run_key == "refresh-2027-03-28"
    # Sunday 25 October 2026: 06:00 CET = 05:00 UTC, outside the peak, not a Monday
    autumn = evaluate(dt.datetime(2026, 10, 25, 5, 0, tzinfo=dt.UTC))
    assert isinstance(autumn, dg.SkipReason)
    # the day is read in Oslo: 23:30 UTC on Sunday is Monday 00:30 in Oslo
    assert isinstance(evaluate(dt.datetime(2026, 11, 22, 23, 30, tzinfo=dt.UTC)), dg.RunRequest)


def test_ticks_stay_at_six_oslo_time_across_dst():
    start = dt.datetime(2027, 3, 27, tzinfo=dt.UTC).timestamp()
    ticks = cron_string_iterator(start, hlpf_refresh_schedule.cron_schedule, hlpf_refresh_schedule.execution_timezone)
    spring = [next(ticks) for _ in range(3)]
    assert [t.hour for t in spring] == [6, 6, 6]
    assert [t.utcoffset() for t in spring] == [dt.timedelta(hours=1), dt.timedelta(hours=2), dt.timedelta(hours=2)]
    ticks = cron_string_iterator(
        dt.datetime(2026, 10, 24, tzinfo=dt.UTC).timestamp(), "0 6 * * *", hlpf_refresh_schedule.execution_timezone
    )
    autumn = [next(ticks) for _ in range(3)]
    assert [(t.date().isoformat(), t.hour) for t in autumn] == [("2026-10-24", 6), ("2026-10-25", 6), ("2026-10-26", 6)]
    assert autumn[1].utcoffset() == dt.timedelta(hours=1)


def test_invalid_calendar_keeps_the_weekly_refresh(tmp_path, monkeypatch):
    bad = tmp_path / "cal.yaml"
    bad.write_text(
        "years:\n  2027:\n    hlpf: {start: 2027-07-40, end: 2027-07-21, status: planned}\n", encoding="utf-8"
    )
    monkeypatch.setenv("KS_SDG_HLPF_CALENDAR", str(bad))
    skip = evaluate(at6("2026-11-24"))
    assert isinstance(skip, dg.SkipReason)
    assert "HLPF calendar invalid (cal.yaml, year 2027, hlpf.start: '2027-07-40' is not a date" in skip.skip_message
    monday = evaluate(at6("2026-11-23"))
    assert isinstance(monday, dg.RunRequest) and monday.tags["ks_sdg/refresh"] == "weekly"


def test_stale_freshness_choice_is_logged_not_fatal(monkeypatch, capfd):
    from pipeline.defs import freshness

    monkeypatch.setattr(freshness, "_applied", freshness.choose_freshness(dt.date(2026, 11, 24)))  # off-peak
    result = evaluate(at6("2027-04-01"))  # peak
    assert isinstance(result, dg.RunRequest) and result.tags["ks_sdg/refresh"] == "daily"
    assert "reload the code location" in "".join(capfd.readouterr())
