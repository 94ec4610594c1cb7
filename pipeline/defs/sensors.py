"""Sensor on raw/: a new wave folder becomes a ``wave`` partition and is ingested; a changed export or codebook
re-ingests only its wave; an unreadable file is reported (once, then listed while it lasts) and never crashes the tick.

The logic is in :mod:`pipeline.ops.rawscan`; this module only turns its plan into Dagster requests. Ingest needs the
reference tables (its checks match respondents to ``dim_org``): while they were never materialised (a fresh clone
started with ``make dev`` instead of ``make run``) the sensor requests ``reference_job`` once and holds the ingests
until it has run.
"""

import os

import dagster as dg

from pipeline.defs.jobs import ingest_job, reference_job
from pipeline.defs.partitions import wave_partitions
from pipeline.defs.runner import free_stale_pool_slots
from pipeline.ops.rawscan import Cursor, Plan, plan_ingest
from pipeline.paths import raw_dir

#: Seconds a file must be untouched before it is hashed (a copy in progress waits for the next tick).
SETTLE_SECONDS = float(os.environ.get("KS_SDG_RAW_SETTLE_SECONDS", "5"))
RAW_SENSOR_INTERVAL = 30
#: The reference tables ``wave_tables`` depends on; ingest waits until each has been materialised once.
REFERENCE_ASSETS = ("dim_org", "dim_question", "dim_option")
REFERENCE_RUN_KEY = "reference-bootstrap"


def _missing_reference(instance: dg.DagsterInstance) -> list[str]:
    return [k for k in REFERENCE_ASSETS if instance.get_latest_materialization_event(dg.AssetKey(k)) is None]


def _hold(plan: Plan, previous: Cursor) -> Cursor:
    """The plan's cursor with the waves it would ingest reset to their previous state (retried next tick)."""
    held = Cursor(waves=dict(plan.cursor.waves), error=plan.cursor.error)
    for request in plan.ingest:
        if request.wave in previous.waves:
            held.waves[request.wave] = previous.waves[request.wave]
        else:
            held.waves.pop(request.wave, None)
    return held


_TRIGGER = {"ks_sdg/trigger": "raw_files_sensor"}


def _requests(plan: Plan) -> list[dg.RunRequest]:
    return [
        dg.RunRequest(
            run_key=req.run_key,
            partition_key=req.wave,
            job_name=ingest_job.name,
            tags={**_TRIGGER, "ks_sdg/raw_digest": req.digest[:16]},
        )
        for req in plan.ingest
    ]


@dg.sensor(
    name="raw_files_sensor",
    jobs=[ingest_job, reference_job],
    minimum_interval_seconds=RAW_SENSOR_INTERVAL,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Every 30 s: hashes each wave's codebook.yaml and export files under raw/ ($KS_SDG_RAW_DIR). A new "
    "wave folder becomes a partition and is ingested; a changed file re-ingests its wave only; an unreadable file is "
    "reported in the tick and skipped until it is fixed. Runs reference_job first when the reference tables were never "
    "materialised. Cursor: wave → file hashes (JSON).",
)
def raw_files_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    previous = Cursor.from_json(context.cursor)
    try:
        existing = set(context.instance.get_dynamic_partitions(wave_partitions.name))
        plan = plan_ingest(raw_dir(), previous, existing_partitions=existing, settle_seconds=SETTLE_SECONDS)
    except Exception as exc:
        context.log.exception("raw/ scan failed")
        return dg.SensorResult(skip_reason=f"raw/ scan failed: {type(exc).__name__}: {exc}", cursor=context.cursor)
    if plan.new_error and plan.error:
        context.log.error(f"raw folder not scanned: {plan.error}")
    for problem in plan.new_problems:
        context.log.error(f"cannot read {problem}; wave {problem.wave} is not ingested until the file is fixed")
    partitions = [wave_partitions.build_add_request(plan.add_partitions)] if plan.add_partitions else []
    missing = _missing_reference(context.instance) if plan.ingest else []
    if missing:
        waves = ", ".join(r.wave for r in plan.ingest)
        context.log.warning(
            f"reference tables never materialised ({', '.join(missing)}): requesting reference_job "
            f"(run key {REFERENCE_RUN_KEY}); ingest of {waves} waits for it"
        )
        reference = dg.RunRequest(run_key=REFERENCE_RUN_KEY, job_name=reference_job.name, tags=_TRIGGER)
        return dg.SensorResult(
            run_requests=[reference], dynamic_partitions_requests=partitions, cursor=_hold(plan, previous).to_json()
        )
    for request in plan.ingest:
        context.log.info(f"ingest {request.wave}: {request.reason} (run key {request.run_key})")
    runs = _requests(plan)
    return dg.SensorResult(
        run_requests=runs,
        dynamic_partitions_requests=partitions,
        cursor=plan.cursor.to_json(),
        skip_reason=None if runs else plan.summary(),
    )


@dg.sensor(
    name="stale_pool_slots_sensor",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Gives back the 'warehouse' pool slot of a run whose process died (killed, out of memory) and marks "
    "that run failed — otherwise, with the pool limited to 1, every later run would wait for the slot forever.",
)
def stale_pool_slots_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    freed = free_stale_pool_slots(context.instance)
    return dg.SkipReason(f"freed the pool slots of dead runs {', '.join(freed)}" if freed else "no stale pool slots")
