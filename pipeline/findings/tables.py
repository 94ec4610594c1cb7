"""The findings tables, one function each, all in the shared long layout (:data:`pipeline.findings.estimate.LAYOUT`).

* ``finding_response_rates`` — invited N, complete, partial and response rate per wave, org type and group
  (including the final post-strata): non-response made visible. A census count: no sampling error.
* ``finding_barriers`` — each barrier's share, the largest barrier, the "I hvilken grad" grid (share in the top
  two categories and mean score), and county authorities vs municipalities.
* ``org_maturity`` / ``finding_maturity`` — stage per org with the criteria that put it there; the stage
  distribution, share at stage ≥ 3, and differences between groups with CIs.
* ``finding_goal_coverage`` — for each of the 17 SDGs the share prioritising it and the share covering it in the
  samfunnsdel, by every breakdown including county (goal × county).
* ``finding_context`` — roles, networks, partnerships, leave no one behind, Covid-19.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.findings.analysis import Analysis
from pipeline.findings.config import FindingsConfig
from pipeline.findings.estimate import (
    LAYOUT,
    Group,
    clip_share_differences,
    contrast_rows,
    design_of,
    estimate_items,
    groups,
    suppress,
)
from pipeline.survey.design import SurveyDesign
from pipeline.survey.intervals import z_quantile

CONTRAST_ITEMS = {
    "maturity": ["maturity_stage_ge3", "maturity_self_top2", "maturity_self_score"],
    "barriers": [
        "barriers_resources",
        "barriers_capacity",
        "barriers_competence",
        "barriers_methods",
        "barriers_political_priority",
        "barriers_national_guidance",
        "barriers_data",
    ],
}


def _breakdowns(config: FindingsConfig, org_type: str) -> list[str]:
    return [b for b, types in config.breakdowns.items() if org_type in types]


@dataclass
class Cell:
    """One wave × org type: its respondents, frame, design and breakdowns (built once, used by every table)."""

    wave: str
    org_type: str
    data: pd.DataFrame
    frame: pd.DataFrame
    design: SurveyDesign
    breakdowns: list[str]


def cells(analysis: Analysis, config: FindingsConfig) -> list[Cell]:
    """Every wave × org type with at least two complete respondents."""
    frames = {key: f for key, f in analysis.frames.groupby(["wave", "org_type"], sort=False)}
    out = []
    for (wave, org_type), data in analysis.respondents.groupby(["wave", "org_type"], sort=False):
        data = data.reset_index(drop=True)
        out.append(Cell(wave, org_type, data, frames[(wave, org_type)], design_of(data), _breakdowns(config, org_type)))
    return out


def estimate_all(analysis: Analysis, config: FindingsConfig) -> pd.DataFrame:
    """Every item of every finding for every cell, breakdown and estimand, plus the configured contrasts — one
    estimation call per cell, estimand and measure. Rows carry ``finding`` (the table they belong to)."""
    cat = analysis.catalogue
    finding_of = cat.set_index("item")["finding"]
    items = cat["item"].tolist()
    contrast_items = [i for f in CONTRAST_ITEMS.values() for i in f]
    out = []
    for cell in cells(analysis, config):
        rows = estimate_items(cell.data, cell.frame, cat, items, cell.breakdowns, config, cell.design)
        diffs = contrast_rows(cell.data, cat, contrast_items, config, cell.breakdowns, cell.design)
        out.append(pd.concat([rows, diffs], ignore_index=True).assign(wave=cell.wave, org_type=cell.org_type))
    if not out:
        return pd.DataFrame(columns=[*LAYOUT, "finding"])
    rows = pd.concat(out, ignore_index=True)
    rows["finding"] = rows["item"].map(finding_of)
    return rows


def _select(estimates: pd.DataFrame, finding: str) -> pd.DataFrame:
    rows = estimates[estimates["finding"] == finding]
    return _finish(rows) if not rows.empty else pd.DataFrame(columns=LAYOUT)


def _finish(rows: pd.DataFrame) -> pd.DataFrame:
    rows = clip_share_differences(rows[LAYOUT]).reset_index(drop=True)
    rows["n_respondents"] = rows["n_respondents"].astype("int64")
    rows["suppressed"] = rows["suppressed"].astype(bool)
    for col in ("estimate", "se", "ci_low", "ci_high", "n_population"):
        rows[col] = rows[col].astype("float64")
    return rows


def org_type_contrast(rows: pd.DataFrame, level: float, min_n: int) -> pd.DataFrame:
    """County authorities minus municipalities (total rows), per wave, estimand and item: independent strata, so
    var = var_fylkeskommune + var_kommune; Wald interval."""
    total = rows[(rows["breakdown"] == "total") & (rows["measure"] != "difference")]
    a = total[total["org_type"] == "fylkeskommune"]
    b = total[total["org_type"] == "kommune"]
    keys = ["wave", "estimand", "item", "measure"]
    both = a.merge(b, on=keys, suffixes=("_a", "_b"))
    if both.empty:
        return pd.DataFrame(columns=LAYOUT)
    z = z_quantile(level)
    est = both["estimate_a"] - both["estimate_b"]
    se = np.sqrt(both["se_a"] ** 2 + both["se_b"] ** 2)
    out = pd.DataFrame(
        {
            "wave": both["wave"],
            "org_type": "fylkeskommune - kommune",
            "estimand": both["estimand"],
            "breakdown": "org_type",
            "grp": "fylkeskommune - kommune",
            "grp_label_nb": "Fylkeskommuner mot kommuner",
            "grp_label_en": "County authorities vs municipalities",
            "item": both["item"],
            "measure": "difference",
            "estimate": est,
            "se": se,
            "ci_low": est - z * se,
            "ci_high": est + z * se,
            "n_respondents": np.minimum(both["n_respondents_a"], both["n_respondents_b"]),
            "n_population": both["n_population_a"] + both["n_population_b"],
        }
    )
    out = suppress(out, min_n)
    out["n_respondents"] = (both["n_respondents_a"] + both["n_respondents_b"]).to_numpy()
    return out


def finding_barriers(analysis: Analysis, config: FindingsConfig, estimates: pd.DataFrame | None = None) -> pd.DataFrame:
    est = estimate_all(analysis, config) if estimates is None else estimates
    rows = _select(est, "barriers")
    return _finish(pd.concat([rows, org_type_contrast(rows, config.level, config.min_n)], ignore_index=True))


def finding_maturity(analysis: Analysis, config: FindingsConfig, estimates: pd.DataFrame | None = None) -> pd.DataFrame:
    est = estimate_all(analysis, config) if estimates is None else estimates
    rows = _select(est, "maturity")
    return _finish(pd.concat([rows, org_type_contrast(rows, config.level, config.min_n)], ignore_index=True))


def finding_goal_coverage(
    analysis: Analysis, config: FindingsConfig, estimates: pd.DataFrame | None = None
) -> pd.DataFrame:
    return _select(estimate_all(analysis, config) if estimates is None else estimates, "goal_coverage")


def finding_context(analysis: Analysis, config: FindingsConfig, estimates: pd.DataFrame | None = None) -> pd.DataFrame:
    return _select(estimate_all(analysis, config) if estimates is None else estimates, "context")


def org_maturity(analysis: Analysis, config: FindingsConfig) -> pd.DataFrame:
    """One row per responding org and wave: its maturity stage and the criteria (1/0/NaN) that put it there."""
    data = analysis.respondents
    criteria = [c for c in data.columns if c.startswith("criterion_")]
    evidence = [
        c
        for c in (
            "sdg_decision_yes",
            "maturity_self_score",
            "sdg_in_plans_samfunnsdel",
            "sdg_in_plans_okonomiplan",
            "sdg_in_plans_budsjett",
            "sdg_in_plans_arsrapport",
            "indicators_use_u4ssc",
            "indicators_use_own",
        )
        if c in data.columns
    ]
    labels = {st.stage: (st.label_nb, st.label_en) for st in config.stages}
    out = data[
        [
            "wave",
            "org_type",
            "org_code",
            "org_name",
            "county_number",
            "size_class",
            "centrality_class",
            "merged_2020",
            "network_member",
            "maturity_stage",
            "maturity_stage_min",
            *criteria,
            *evidence,
        ]
    ].copy()
    out["maturity_stage"] = out["maturity_stage"].astype("Int64")
    out["maturity_stage_min"] = out["maturity_stage_min"].astype("Int64")
    out.insert(
        out.columns.get_loc("maturity_stage") + 1,
        "stage_label_nb",
        out["maturity_stage"].map(lambda s: labels[int(s)][0] if pd.notna(s) else None),
    )
    out.insert(
        out.columns.get_loc("stage_label_nb") + 1,
        "stage_label_en",
        out["maturity_stage"].map(lambda s: labels[int(s)][1] if pd.notna(s) else None),
    )
    return out.reset_index(drop=True)


#: Items of finding_response_rates: census counts and descriptions of the respondents, not survey estimates (no
#: interval, never suppressed).
CENSUS_ITEMS = (
    "response_rate",
    "response_rate_any",
    "population_share",
    "respondent_share",
    "weighted_share",
    "dissimilarity_unweighted",
    "dissimilarity_weighted",
)


def _representativeness(base: pd.DataFrame, invited: np.ndarray, complete: np.ndarray, weighted: np.ndarray):
    """Who answered, against who was invited, per group of each breakdown (total excluded): the group's share of
    the invited organisations, of the complete respondents (unweighted) and of the weighted respondents; and per
    breakdown the dissimilarity index ½ Σ |respondent share − population share|, before and after weighting (0 =
    the respondents mirror the population on that variable; post-stratification makes the strata margins exact)."""
    groups = (base["breakdown"] != "total").to_numpy()
    total = int(invited[~groups][0]), int(complete[~groups][0]), float(weighted[~groups][0])
    part = base[groups]
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = {
            "population_share": invited[groups] / total[0],
            "respondent_share": complete[groups] / total[1],
            "weighted_share": weighted[groups] / total[2],
        }
    rows = [part.assign(item=item, estimate=value, n_respondents=complete[groups]) for item, value in shares.items()]
    table = pd.DataFrame({"breakdown": part["breakdown"].to_numpy(), **shares})
    for which, column in (("unweighted", "respondent_share"), ("weighted", "weighted_share")):
        gap = (table[column] - table["population_share"]).abs().groupby(table["breakdown"], sort=False).sum() / 2
        first = part.drop_duplicates("breakdown").set_index("breakdown").loc[gap.index].reset_index()
        rows.append(
            first.assign(
                grp="all",
                grp_label_nb="Alle grupper",
                grp_label_en="All groups",
                item=f"dissimilarity_{which}",
                estimate=gap.to_numpy(),
                n_respondents=total[1],
                n_population=float(total[0]),
                n_complete=total[1],
                n_partial=int(base.loc[~groups, "n_partial"].iloc[0]),
            )
        )
    return pd.concat(rows, ignore_index=True)


def finding_response_rates(analysis: Analysis, config: FindingsConfig) -> pd.DataFrame:
    """Invited N, complete, partial and the response rates complete/N and (complete+partial)/N per group; and how
    the respondents compare with the population on each breakdown (:func:`_representativeness`)."""
    out = []
    for (wave, org_type), frame in analysis.frames.groupby(["wave", "org_type"], sort=False):
        frame = frame.reset_index(drop=True)
        breakdowns = [b for b in _breakdowns(config, org_type) if b != "network_member"]
        grps = groups(frame.assign(weight=1.0), frame, breakdowns)
        for label in sorted(frame["stratum"].unique()):
            mask = (frame["stratum"] == label).to_numpy()
            grps.append(Group("stratum", label, label, label, mask, float(mask.sum())))
        status = frame["status"].to_numpy()
        complete_all, partial_all = status == "complete", status == "partial"
        masks = np.column_stack([g.mask for g in grps])
        invited = masks.sum(axis=0)
        complete = (masks & complete_all[:, None]).sum(axis=0)
        partial = (masks & partial_all[:, None]).sum(axis=0)
        base = pd.DataFrame(
            {
                "wave": wave,
                "org_type": org_type,
                "estimand": "orgs",
                "breakdown": [g.breakdown for g in grps],
                "grp": [g.grp for g in grps],
                "grp_label_nb": [g.label_nb for g in grps],
                "grp_label_en": [g.label_en for g in grps],
                "measure": "proportion",
                "se": np.nan,
                "ci_low": np.nan,
                "ci_high": np.nan,
                "n_population": invited.astype(float),
                "suppressed": False,
                "n_complete": complete,
                "n_partial": partial,
            }
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = base.assign(item="response_rate", estimate=complete / invited, n_respondents=complete)
            rate_any = base.assign(
                item="response_rate_any", estimate=(complete + partial) / invited, n_respondents=complete + partial
            )
        weight = frame["weight"].fillna(0.0).to_numpy(dtype=float)  # complete respondents carry the weights
        weighted = (masks * weight[:, None]).sum(axis=0)
        out.append(pd.concat([rate, rate_any]).sort_index(kind="stable"))
        out.append(_representativeness(base, invited, complete, weighted))
    rows = pd.concat(out, ignore_index=True)
    result = _finish(rows)
    result["n_complete"] = rows["n_complete"].astype("int64")
    result["n_partial"] = rows["n_partial"].astype("int64")
    return result
