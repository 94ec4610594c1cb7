"""Freshness policies for findings and deliverables tied to the HLPF calendar, and the automation sensor.

Dagster 1.13's freshness policies (``dg.FreshnessPolicy.time_window``; evaluated by the freshness daemon that
``dagster dev`` runs, shown as Pass/Warn/Fail on each asset and in asset health) are static per asset definition, so
the policy is chosen from the calendar when the definitions load:

* peak period (the N weeks before a deadline, or the forum): warn after 25 h, fail after 30 h without a
  materialisation — the schedule refreshes daily at 06:00;
* otherwise: warn after 7 days 6 h, fail after 8 days — the schedule refreshes on Mondays.

The choice is written into each asset's metadata (``ks_sdg/freshness``). A code location loaded before a peak
period starts keeps the off-peak policy until it is reloaded (UI: Deployment → Reload, or restart ``make dev``); the
refresh schedule logs a warning on each tick while the loaded policy and the calendar disagree.

``automation_sensor`` evaluates the assets' automation conditions (``AutomationCondition.eager()`` on findings and
deliverables), so they refresh after a wave is re-ingested.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import dagster as dg

from pipeline.ops.calendar import CalendarError, HlpfCalendar, load_calendar, local_date

FRESHNESS_GROUPS = ("findings", "deliverables")
PEAK_POLICY = dg.FreshnessPolicy.time_window(fail_window=dt.timedelta(hours=30), warn_window=dt.timedelta(hours=25))
OFF_PEAK_POLICY = dg.FreshnessPolicy.time_window(
    fail_window=dt.timedelta(days=8), warn_window=dt.timedelta(days=7, hours=6)
)


@dataclass(frozen=True)
class FreshnessChoice:
    """The policy chosen for a day and why."""

    mode: str  # "peak" | "off-peak"
    policy: dg.FreshnessPolicy
    reason: str
    day: dt.date

    def describe(self) -> str:
        window = "warn 25 h, fail 30 h" if self.mode == "peak" else "warn 7 d 6 h, fail 8 d"
        return f"{self.mode} ({window}), chosen when the definitions loaded on {self.day}: {self.reason}"


#: The choice the last :func:`with_freshness` call applied (the schedule compares it with the calendar).
_applied: FreshnessChoice | None = None


def choose_freshness(now: dt.datetime | dt.date | None = None, calendar: HlpfCalendar | None = None) -> FreshnessChoice:
    """Peak or off-peak policy for ``now`` (default: today in Oslo); an invalid calendar falls back to off-peak."""
    day = local_date(now)
    try:
        peak, deadline = (calendar or load_calendar()).in_peak_period(day)
    except CalendarError as exc:
        return FreshnessChoice("off-peak", OFF_PEAK_POLICY, f"HLPF calendar invalid ({exc})", day)
    about = deadline.describe() if deadline else "no upcoming deadline in the calendar"
    if peak:
        return FreshnessChoice("peak", PEAK_POLICY, f"peak period for {about}", day)
    return FreshnessChoice("off-peak", OFF_PEAK_POLICY, f"outside peak periods; next {about}", day)


def applied_choice() -> FreshnessChoice | None:
    """The freshness choice the loaded definitions use (None when :func:`with_freshness` was not called)."""
    return _applied


def with_freshness(
    assets_defs: Iterable,
    now: dt.datetime | dt.date | None = None,
    groups: Iterable[str] = FRESHNESS_GROUPS,
    calendar: HlpfCalendar | None = None,
) -> list:
    """``assets_defs`` with the calendar's freshness policy on every asset in ``groups`` (others unchanged)."""
    global _applied
    choice = choose_freshness(now, calendar)
    wanted = set(groups)

    def apply(spec: dg.AssetSpec) -> dg.AssetSpec:
        if spec.group_name not in wanted:
            return spec
        return spec.replace_attributes(freshness_policy=choice.policy).merge_attributes(
            metadata={"ks_sdg/freshness": choice.describe()}
        )

    mapped = []
    for item in assets_defs:
        if isinstance(item, dg.AssetsDefinition | dg.AssetSpec):
            mapped.extend(dg.map_asset_specs(apply, [item]))
        else:
            mapped.append(item)
    _applied = choice
    return mapped


automation_sensor = dg.AutomationConditionSensorDefinition(
    "automation_sensor",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Evaluates automation conditions every 30 s: findings and deliverables (AutomationCondition.eager()) "
    "are refreshed after a wave is re-ingested.",
)
