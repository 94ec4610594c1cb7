"""Blocking asset checks on each ingested wave; they read what the warehouse actually holds."""

from collections.abc import Callable

import dagster as dg
import duckdb

from pipeline.defs.partitions import wave_partitions
from pipeline.defs.resources import WarehouseResource
from pipeline.report.markdown import markdown_table
from pipeline.warehouse import checks
from pipeline.warehouse.checks import CheckOutcome


def _result(outcome: CheckOutcome) -> dg.AssetCheckResult:
    metadata = {"description": outcome.description, **outcome.metadata}
    if not outcome.offending.empty:
        metadata["offending rows"] = dg.MetadataValue.md(markdown_table(outcome.offending, max_rows=25))
    return dg.AssetCheckResult(passed=bool(outcome.passed), metadata=metadata)


def _wave_check(asset: str, name: str, fn: Callable[[duckdb.DuckDBPyConnection, str], CheckOutcome]):
    @dg.asset_check(
        asset=asset,
        name=name,
        blocking=True,
        pool="warehouse",
        partitions_def=wave_partitions,
        description=(fn.__doc__ or "").strip(),
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connection(read_only=True) as con:
            return _result(fn(con, context.partition_key))

    return _check


wave_checks = [
    _wave_check("fact_respondent", "respondents_in_frame", checks.respondents_in_frame),
    _wave_check("fact_respondent", "one_respondent_per_org", checks.one_respondent_per_org),
    _wave_check("fact_response", "option_codes_in_domain", checks.option_codes_in_domain),
    _wave_check("fact_response", "no_pii_in_warehouse", checks.no_pii),
    _wave_check("ingest_manifest", "counts_reconcile_with_manifest", checks.counts_reconcile),
]
