"""Survey-correct findings from the harmonised warehouse (pure functions; no Dagster).

``compute_findings(load_inputs(con))`` returns every findings table keyed by its warehouse name.
"""

from __future__ import annotations

import pandas as pd

from pipeline.findings.analysis import Analysis, Inputs, build_analysis, load_inputs
from pipeline.findings.config import FindingsConfig, load_config
from pipeline.findings.estimate import LAYOUT
from pipeline.findings.tables import (
    estimate_all,
    finding_barriers,
    finding_context,
    finding_goal_coverage,
    finding_maturity,
    finding_response_rates,
    org_maturity,
)
from pipeline.findings.trends import finding_trends

FINDINGS_TABLES = (
    "finding_response_rates",
    "finding_barriers",
    "org_maturity",
    "finding_maturity",
    "finding_goal_coverage",
    "finding_context",
    "finding_trends",
)
#: The findings tables in the shared long layout (all but org_maturity, which has one row per organisation).
LAYOUT_TABLES = tuple(name for name in FINDINGS_TABLES if name != "org_maturity")

__all__ = [
    "FINDINGS_TABLES",
    "LAYOUT",
    "LAYOUT_TABLES",
    "Analysis",
    "FindingsConfig",
    "Inputs",
    "build_analysis",
    "compute_findings",
    "load_config",
    "load_inputs",
]


def compute_findings(inputs: Inputs, config: FindingsConfig | None = None) -> dict[str, pd.DataFrame]:
    """analysis_respondents, the item catalogue, weighting notes and every findings table."""
    config = config or load_config()
    analysis = build_analysis(inputs, config)
    estimates = estimate_all(analysis, config)
    return {
        "analysis_respondents": analysis.respondents,
        "dim_item": analysis.catalogue,
        "weighting_strata": analysis.frames,
        "weighting_collapse_steps": analysis.collapse_steps,
        "finding_response_rates": finding_response_rates(analysis, config),
        "finding_barriers": finding_barriers(analysis, config, estimates),
        "org_maturity": org_maturity(analysis, config),
        "finding_maturity": finding_maturity(analysis, config, estimates),
        "finding_goal_coverage": finding_goal_coverage(analysis, config, estimates),
        "finding_context": finding_context(analysis, config, estimates),
        "finding_trends": finding_trends(analysis, inputs, config, estimates),
    }
