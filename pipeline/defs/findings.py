"""Findings assets: analysis_respondents (weights, items), then one asset per findings table, with blocking checks."""

import dagster as dg
import pandas as pd

from pipeline.defs.checks import check_result
from pipeline.defs.metadata import table_metadata
from pipeline.defs.resources import WarehouseResource
from pipeline.findings import checks
from pipeline.findings.config import load_config
from pipeline.warehouse import replace_tables

# The estimation modules are imported inside the assets: loading the definitions (UI, sensors) stays fast.

AUTOMATION = dg.AutomationCondition.eager()


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            "analysis_respondents",
            description="One row per complete respondent (org) and wave: frame attributes, post-stratum, N_h, "
            "respondents_h, weight (N_h/n_h), weight_inhabitants, population and one 0/1 or score column per "
            "finding item — the flat file to re-run every estimate in R/Stata/SPSS. Also writes dim_item (item "
            "catalogue), weighting_strata (every frame org with its stratum and response status) and "
            "weighting_collapse_steps.",
            group_name="findings",
            kinds={"duckdb"},
            deps=["fact_respondent", "fact_response", "dim_org"],
            automation_condition=AUTOMATION,
        )
    ],
    pool="warehouse",
    name="analysis_respondents_asset",
)
def analysis_respondents(warehouse: WarehouseResource):
    from pipeline.findings import analysis as analysis_mod

    config = load_config()
    with warehouse.connection() as con:
        built = analysis_mod.build_analysis(analysis_mod.load_inputs(con), config)
        replace_tables(
            con,
            {
                "analysis_respondents": built.respondents,
                "dim_item": built.catalogue,
                "weighting_strata": built.frames,
                "weighting_collapse_steps": built.collapse_steps,
            },
        )
    data = built.respondents
    per_wave = (
        data.groupby(["wave", "org_type"])
        .agg(respondents=("org_code", "size"), weight_sum=("weight", "sum"))
        .reset_index()
    )
    yield dg.MaterializeResult(
        asset_key="analysis_respondents",
        metadata={
            **table_metadata(data[data.columns[:20]], preview=per_wave),
            "dagster/row_count": dg.MetadataValue.int(len(data)),
            "columns": len(data.columns),
            "strata collapsed": len(built.collapse_steps),
        },
    )


FINDINGS = {
    "finding_response_rates": "Response rates per wave and org type: invited N, complete, partial, complete/N and "
    "(complete+partial)/N, by total, size class, centrality, merged_2020, county and post-stratum (census counts, no "
    "sampling error); and who answered against who was invited: each group's share of the population, of the "
    "respondents and of the weighted respondents, with a dissimilarity index per breakdown before and after "
    "weighting.",
    "finding_barriers": "Share naming each barrier, the largest barrier, the 'I hvilken grad' grid (top-two share and "
    "mean score), by breakdown, for shares of organisations and of inhabitants, with logit CIs; differences between "
    "size groups and between county authorities and municipalities.",
    "org_maturity": "One row per responding org and wave: maturity stage 0–4 (configurable stage model) and the "
    "criteria that put it there.",
    "finding_maturity": "Maturity stage distribution, share at stage ≥ 3 and the answers behind it (SDGs in plans, "
    "decision, indicators, political anchoring), by breakdown, with differences between groups (size, centrality, "
    "merged_2020, network) and their CIs.",
    "finding_goal_coverage": "For each of the 17 SDGs: share prioritising it and share covering it in the "
    "samfunnsdel, by breakdown including county (goal × county).",
    "finding_context": "Respondent roles, networks, partnerships, leave no one behind and Covid-19 effect, by "
    "breakdown.",
    "finding_trends": "Change between waves for items both waves asked, on the 2024 geography: all respondents "
    "(independent waves) and the panel of orgs answering both (paired differences), with CIs.",
}


def _headline(rows: pd.DataFrame) -> pd.DataFrame:
    """Preview rows: totals (and org-type contrasts), share of organisations."""
    if "breakdown" not in rows:
        return rows.head(15)
    head = rows[rows["breakdown"].isin(["total", "org_type"]) & (rows["estimand"] == "orgs")]
    cols = [
        c
        for c in (
            "wave",
            "org_type",
            "item",
            "estimate",
            "ci_low",
            "ci_high",
            "n_respondents",
            "n_population",
            "suppressed",
        )
        if c in head
    ]
    return head[cols].head(20)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            name,
            description=text,
            group_name="findings",
            kinds={"duckdb"},
            deps=["analysis_respondents"],
            automation_condition=AUTOMATION,
        )
        for name, text in FINDINGS.items()
    ],
    pool="warehouse",
    name="findings_tables",
)
def findings_tables(warehouse: WarehouseResource):
    """Every findings table from analysis_respondents, estimated in one pass (one estimation per wave, org type,
    estimand and measure) and written in one transaction."""
    from pipeline.findings import analysis as analysis_mod
    from pipeline.findings import tables, trends

    config = load_config()
    with warehouse.connection() as con:
        analysis = analysis_mod.load_analysis(con)
        inputs = analysis_mod.load_inputs(con)
        estimates = tables.estimate_all(analysis, config)
        result = {
            "finding_response_rates": tables.finding_response_rates(analysis, config),
            "finding_barriers": tables.finding_barriers(analysis, config, estimates),
            "org_maturity": tables.org_maturity(analysis, config),
            "finding_maturity": tables.finding_maturity(analysis, config, estimates),
            "finding_goal_coverage": tables.finding_goal_coverage(analysis, config, estimates),
            "finding_context": tables.finding_context(analysis, config, estimates),
            "finding_trends": trends.finding_trends(analysis, inputs, config, estimates),
        }
        replace_tables(con, result)
    for name, rows in result.items():
        meta = table_metadata(rows, preview=_headline(rows), rows=20)
        if "suppressed" in rows:
            meta["suppressed cells"] = int(rows["suppressed"].sum())
        yield dg.MaterializeResult(asset_key=name, metadata=meta)


TABLE_CHECKS = {
    "estimates_in_range": "Proportions and their CIs lie in [0, 1], differences of shares in [-1, 1].",
    "intervals_contain_estimates": "Every confidence interval contains its estimate.",
    "suppressed_cells_empty": "Suppressed cells carry no value; no published cell rests on fewer than min_n "
    "respondents.",
}
CHECKED = [name for name in FINDINGS if name != "org_maturity"]


@dg.asset_check(
    asset="analysis_respondents",
    blocking=True,
    pool="warehouse",
    description="Weighted respondents of every post-stratum add up to its frame count N_h.",
)
def weights_reproduce_totals(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connection(read_only=True) as con:
        frames = con.execute("SELECT wave, org_type, stratum, status, weight FROM weighting_strata").df()
    return check_result("analysis_respondents", "weights_reproduce_totals", checks.weights_reproduce_totals(frames))


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(check, asset=table, blocking=True, description=text)
        for table in CHECKED
        for check, text in TABLE_CHECKS.items()
    ],
    pool="warehouse",
    name="findings_checks",
)
def findings_checks(warehouse: WarehouseResource):
    """Every findings table checked in one step (each table read once)."""
    config = load_config()
    with warehouse.connection(read_only=True) as con:
        for table in CHECKED:
            rows = con.execute(f"SELECT * FROM {table}").df()
            yield check_result(table, "estimates_in_range", checks.estimates_in_unit_interval(rows))
            yield check_result(table, "intervals_contain_estimates", checks.intervals_contain_estimates(rows))
            yield check_result(table, "suppressed_cells_empty", checks.suppressed_cells_are_empty(rows, config.min_n))


finding_checks = [weights_reproduce_totals, findings_checks]
