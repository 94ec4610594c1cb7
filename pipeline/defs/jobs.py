"""Jobs: reference tables, ingest of one wave (partitioned), and everything downstream of the harmonised tables."""

from __future__ import annotations

import dagster as dg

reference_job = dg.define_asset_job(
    "reference_job",
    selection=dg.AssetSelection.groups("reference"),
    description="Reference tables: frames, crosswalks, SDGs, canonical questionnaire.",
)
ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=dg.AssetSelection.groups("ingest"),
    description="Read, harmonise and check one wave (partition) into the warehouse.",
)

downstream_job = dg.define_asset_job(
    "downstream_job",
    selection=dg.AssetSelection.groups("findings", "deliverables"),
    description="Everything computed from the harmonised tables: weights, findings, charts, reports, exports, the "
    "published warehouse.",
)


def all_jobs() -> list:
    """Every job of the code location."""
    return [reference_job, ingest_job, downstream_job]
