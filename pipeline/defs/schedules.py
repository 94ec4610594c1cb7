"""The HLPF refresh schedule: ``downstream_job`` (findings and deliverables) at 06:00 Europe/Oslo every day in the
peak weeks before each HLPF deadline, and on the weekly refresh day (Mondays) otherwise; other days skip with the
reason. One daily tick decides from the calendar (:mod:`pipeline.ops.calendar`), read afresh each tick so edits to
``hlpf_calendar.yaml`` or ``$KS_SDG_PEAK_WEEKS`` apply without a reload.
"""

import datetime as dt

import dagster as dg

from pipeline.defs.freshness import applied_choice
from pipeline.defs.jobs import downstream_job
from pipeline.ops.calendar import OSLO, CalendarError, load_calendar, local_date

REFRESH_CRON = "0 6 * * *"
TIMEZONE = "Europe/Oslo"


def _tags(mode: str, reason: str, deadline: str | None) -> dict[str, str]:
    tags = {"ks_sdg/refresh": mode, "ks_sdg/refresh_reason": reason[:250]}
    if deadline:
        tags["ks_sdg/next_deadline"] = deadline
    return tags


@dg.schedule(
    name="hlpf_refresh_schedule",
    cron_schedule=REFRESH_CRON,
    execution_timezone=TIMEZONE,
    job=downstream_job,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Refreshes findings and deliverables at 06:00 Europe/Oslo: daily in the N weeks before each HLPF "
    "deadline (VNR main messages, VNR full report, the forum; N = $KS_SDG_PEAK_WEEKS or peak_weeks in "
    "pipeline/ops/hlpf_calendar.yaml, default 6) and weekly on Mondays otherwise; other days skip with the reason.",
)
def hlpf_refresh_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    when = context.scheduled_execution_time or dt.datetime.now(OSLO)
    day = local_date(when)
    try:
        decision = load_calendar().refresh_decision(when)
    except CalendarError as exc:
        # a broken calendar must not stop refreshes altogether: keep the weekly refresh and say why
        context.log.error(f"HLPF calendar invalid, refreshing weekly only until it is fixed: {exc}")
        reason = f"HLPF calendar invalid ({exc}); weekly refresh only"
        if day.weekday() == 0:
            return dg.RunRequest(run_key=f"refresh-{day}", tags=_tags("weekly", reason, None))
        return dg.SkipReason(reason)
    applied = applied_choice()
    if applied is not None and (applied.mode == "peak") != (decision.mode == "daily"):
        context.log.warning(
            f"freshness policies were loaded as {applied.mode} on {applied.day} but {day} is "
            f"{'in' if decision.mode == 'daily' else 'outside'} a peak period: reload the code location so the "
            "freshness policies follow the calendar"
        )
    if not decision.run:
        return dg.SkipReason(decision.reason)
    deadline = decision.deadline.describe() if decision.deadline else None
    return dg.RunRequest(run_key=f"refresh-{day}", tags=_tags(decision.mode, decision.reason, deadline))
