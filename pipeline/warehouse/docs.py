"""docs/warehouse.md, generated from the contract (schema comments) so the documentation cannot drift.

``python -m pipeline.warehouse.docs > docs/warehouse.md``; a test checks the file is up to date.
"""

from __future__ import annotations

from pipeline.findings.estimate import LAYOUT
from pipeline.warehouse.schema import DIMENSION_TABLES, TABLES, WAVE_TABLES

INTRO = """# Warehouse contract

`warehouse/ks_sdg.duckdb` (the pipeline's file) and `warehouse/ks_sdg_published.duckdb` (the read-only copy that
notebooks open, replaced atomically at the end of every run). Generated from `pipeline/warehouse/schema.py` by
`python -m pipeline.warehouse.docs`.

Dimension tables are replaced whole; wave tables are replaced one wave at a time in one transaction (a failed
ingest leaves the previous version of the wave); findings tables are replaced whole, in one transaction.
"""

FINDINGS = f"""## Findings tables

Written by the findings step; every table shares one long layout:

`{"`, `".join(LAYOUT)}`

| column | meaning |
| --- | --- |
| wave | wave id (partition), or `"<from> → <to>"` in `finding_trends` |
| org_type | `kommune`, `fylkeskommune`, or `fylkeskommune - kommune` for differences between them |
| estimand | `orgs` = share of organisations (weights N_h/n_h); `inhabitants` = share of inhabitants (ratio weighted by population) |
| breakdown | `total`, `size_class`, `centrality_class`, `merged_2020`, `network_member`, `county`, `org_type`, `stratum` (response rates) |
| grp, grp_label_nb, grp_label_en | the group (`all` for the total; `a - b` for a difference) and its labels |
| item | the item: a column of `analysis_respondents`, described in `dim_item` |
| measure | `proportion` (share in [0, 1]), `mean` (score), `difference` (a − b, or change between waves) |
| estimate, se, ci_low, ci_high | estimate, linearisation standard error and 95 % interval (see the method note) |
| n_respondents | unweighted respondents behind the cell (both groups for differences) |
| n_population | orgs of the frame in the group (estimated from the weights for network membership) |
| suppressed | fewer than `min_n` (default 5) respondents: estimate, SE and interval are withheld |

| table | rows |
| --- | --- |
| `analysis_respondents` | one per complete respondent (org) and wave: frame attributes, stratum, N_h (orgs in the stratum), respondents_h (n_h), weight, weight_inhabitants, population, one 0/1 or score column per item — re-run any estimate from it |
| `dim_item` | item catalogue: item, question_id, option_code, measure, finding, label_nb, label_en, position |
| `weighting_strata` | every org of every wave's frame: response status, post-stratum, N_h, respondents_h (n_h), weight |
| `weighting_collapse_steps` | every merge of strata with fewer than two respondents |
| `finding_response_rates` | invited N, complete, partial, rate; respondents vs population per group (`population_share`, `respondent_share`, `weighted_share`, dissimilarity before/after weighting); adds `n_complete`, `n_partial` |
| `finding_barriers` | barriers, largest barrier, the "I hvilken grad" grid, group differences |
| `org_maturity` | one row per responding org and wave: maturity stage, criteria, the answers behind them |
| `finding_maturity` | stage distribution, stage ≥ 3, decision, plans, indicators, anchoring, group differences |
| `finding_goal_coverage` | per SDG: prioritised, covered in the samfunnsdel; by county for the goal × county view |
| `finding_context` | roles, networks, partnerships, leave no one behind, Covid-19 |
| `finding_trends` | changes between waves; adds `wave_from`, `wave_to`, `population` (all/panel), `estimate_from`, `estimate_to`, `n_unmatched` |
"""


def _table_markdown(name: str) -> str:
    rows = []
    for line in TABLES[name].splitlines():
        body, _, comment = line.partition("--")
        body = body.strip().rstrip(",")
        if not body or body.startswith("PRIMARY KEY"):
            continue
        parts = [p.strip() for p in body.split(",") if p.strip()]
        for i, part in enumerate(parts):
            column, *kind = part.split()
            note = comment.strip().replace("|", "\\|") if i == len(parts) - 1 else ""
            rows.append(f"| `{column}` | {' '.join(kind)} | {note} |")
    key = [line.strip() for line in TABLES[name].splitlines() if line.strip().startswith("PRIMARY KEY")]
    header = f"### `{name}`\n\n" + (f"Key: {key[0].removeprefix('PRIMARY KEY').strip()}\n\n" if key else "")
    return header + "| column | type | meaning |\n| --- | --- | --- |\n" + "\n".join(rows) + "\n"


def contract_markdown() -> str:
    """The whole contract as Markdown."""
    parts = [INTRO, "## Reference (dimension) tables\n"]
    parts += [_table_markdown(t) for t in DIMENSION_TABLES]
    parts.append("## Wave tables (partitioned by wave)\n")
    parts += [_table_markdown(t) for t in WAVE_TABLES]
    parts.append(FINDINGS)
    return "\n".join(parts)


if __name__ == "__main__":
    print(contract_markdown(), end="")
