"""Blocking asset checks on each ingested wave; they read what the warehouse actually holds (one step, one
read-only connection for all five)."""

from collections.abc import Callable

import dagster as dg
import duckdb

from pipeline.defs.partitions import wave_partitions
from pipeline.defs.resources import WarehouseResource
from pipeline.report.markdown import markdown_table
from pipeline.warehouse import checks
from pipeline.warehouse.checks import CheckOutcome

WAVE_CHECKS: dict[tuple[str, str], Callable[[duckdb.DuckDBPyConnection, str], CheckOutcome]] = {
    ("fact_respondent", "respondents_in_frame"): checks.respondents_in_frame,
    ("fact_respondent", "one_respondent_per_org"): checks.one_respondent_per_org,
    ("fact_response", "option_codes_in_domain"): checks.option_codes_in_domain,
    ("fact_response", "no_pii_in_warehouse"): checks.no_pii,
    ("ingest_manifest", "counts_reconcile_with_manifest"): checks.counts_reconcile,
}


def check_result(asset: str, name: str, outcome: CheckOutcome) -> dg.AssetCheckResult:
    """A Dagster check result with the description, numbers and (up to 25) offending rows."""
    metadata = {"description": outcome.description, **outcome.metadata}
    if not outcome.offending.empty:
        metadata["offending rows"] = dg.MetadataValue.md(markdown_table(outcome.offending, max_rows=25))
    return dg.AssetCheckResult(asset_key=asset, check_name=name, passed=bool(outcome.passed), metadata=metadata)


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            name, asset=asset, blocking=True, partitions_def=wave_partitions, description=(fn.__doc__ or "").strip()
        )
        for (asset, name), fn in WAVE_CHECKS.items()
    ],
    pool="warehouse",
    name="wave_checks",
)
def wave_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    """Every integrity check of one wave against what the warehouse stores."""
    with warehouse.connection(read_only=True) as con:
        for (asset, name), fn in WAVE_CHECKS.items():
            yield check_result(asset, name, fn(con, context.partition_key))
