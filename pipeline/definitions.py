"""The Dagster code location: every asset, check, job, schedule and sensor (``dagster dev -m pipeline.definitions``).

Runs use the in-process executor (the multiprocess executor costs about 1.3 s per step on a 2-core machine);
warehouse writers share the pool ``warehouse``, limited to 1 in dagster.yaml.
"""

import warnings

import dagster as dg

warnings.filterwarnings("ignore", category=dg.PreviewWarning)
warnings.filterwarnings("ignore", category=dg.BetaWarning)

from pipeline.defs import (  # noqa: E402
    checks,
    deliverables,
    findings,
    freshness,
    ingest,
    jobs,
    reference,
    schedules,
    sensors,
)
from pipeline.defs.resources import WarehouseResource, default_warehouse  # noqa: E402


def make_definitions(warehouse: WarehouseResource | None = None) -> dg.Definitions:
    """All definitions, writing to ``warehouse`` (default: the project's warehouse/ folder)."""
    return dg.Definitions(
        assets=freshness.with_freshness(
            [
                reference.reference_tables,
                ingest.raw_files,
                ingest.wave_tables,
                findings.analysis_respondents,
                findings.findings_tables,
                *deliverables.deliverable_assets,
            ]
        ),
        asset_checks=[checks.wave_checks, *findings.finding_checks],
        jobs=jobs.all_jobs(),
        schedules=[schedules.hlpf_refresh_schedule],
        sensors=[sensors.raw_files_sensor, freshness.automation_sensor, sensors.stale_pool_slots_sensor],
        resources={"warehouse": warehouse or default_warehouse()},
        executor=dg.in_process_executor,
    )


defs = make_definitions()
