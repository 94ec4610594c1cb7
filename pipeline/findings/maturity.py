"""The maturity stage model (configured in ``config.yaml``; described in the method note).

Stages are cumulative: an org is at stage k when the criteria of stages 1..k all hold and the criterion of
stage k+1 does not. A criterion with ``any`` holds when one of its conditions holds, with ``all`` when every
condition holds. A condition on a question the org did not answer (or the wave did not ask) is unknown; an
org whose exact stage depends on an unknown criterion gets no stage (NaN) rather than a guess, but still counts
for "stage 3 or higher" when criteria 1–3 are known to hold. An org that fails stage 1 is at stage 0 whatever
else it answered.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.findings.config import Condition, FindingsConfig, Stage


def _condition(items: pd.DataFrame, cond: Condition) -> pd.Series:
    """1.0 / 0.0 / NaN per respondent for one condition, from the item columns."""
    if cond.min is not None:
        col = f"{cond.question}_score"
        if col not in items:
            return pd.Series(np.nan, index=items.index)
        score = items[col]
        return (score >= cond.min).astype(float).where(score.notna())
    cols = [f"{cond.question}_{code}" for code in cond.any_of if f"{cond.question}_{code}" in items]
    if not cols:
        return pd.Series(np.nan, index=items.index)
    values = items[cols]
    known = values.notna().any(axis=1)
    return (values.fillna(0).max(axis=1) > 0).astype(float).where(known)


def criterion(items: pd.DataFrame, stage: Stage) -> pd.Series:
    """1.0 / 0.0 / NaN per respondent: does the org meet this stage's criterion?"""
    parts = pd.concat([_condition(items, c) for c in stage.conditions], axis=1)
    if stage.mode == "all":
        false = (parts == 0).any(axis=1)
        true = (parts == 1).all(axis=1)
    else:
        true = (parts == 1).any(axis=1)
        false = (parts == 0).all(axis=1)
    return pd.Series(np.where(true, 1.0, np.where(false, 0.0, np.nan)), index=items.index)


def stages(items: pd.DataFrame, config: FindingsConfig) -> pd.DataFrame:
    """Per respondent: ``criterion_<k>`` (1/0/NaN) for every stage k ≥ 1, the exact ``maturity_stage`` (NaN when an
    unknown criterion decides it) and ``maturity_stage_min``, the stage the org has certainly reached."""
    out = pd.DataFrame(index=items.index)
    stage = pd.Series(np.nan, index=items.index)
    at_least = pd.Series(0.0, index=items.index)
    undecided = pd.Series(True, index=items.index)
    climbing = pd.Series(True, index=items.index)  # every criterion so far known to hold
    for st in config.stages[1:]:
        met = criterion(items, st)
        out[f"criterion_{st.stage}"] = met
        fails = undecided & (met == 0)
        unknown = undecided & met.isna()
        stage[fails] = st.stage - 1
        undecided &= ~(fails | unknown)
        climbing &= met == 1
        at_least[climbing] = st.stage
    stage[undecided] = config.stages[-1].stage
    out["maturity_stage"] = stage
    out["maturity_stage_min"] = at_least
    return out


def stage_items(stage: pd.Series, config: FindingsConfig, at_least: pd.Series | None = None) -> pd.DataFrame:
    """0/1 items ``maturity_stage_<k>`` per stage (NaN where the exact stage is unknown) and
    ``maturity_stage_ge3`` (known also when only a lower bound of 3 or more is known)."""
    known = stage.notna()
    items = {f"maturity_stage_{st.stage}": (stage == st.stage).astype(float).where(known) for st in config.stages}
    ge3 = (stage >= 3).astype(float).where(known)
    if at_least is not None:
        ge3[at_least >= 3] = 1.0
    items["maturity_stage_ge3"] = ge3
    return pd.DataFrame(items, index=stage.index)


def stage_catalogue(config: FindingsConfig) -> pd.DataFrame:
    """Catalogue rows for the stage items."""
    rows = [
        (
            f"maturity_stage_{st.stage}",
            None,
            str(st.stage),
            "proportion",
            "maturity",
            f"{st.stage} {st.label_nb}",
            f"{st.stage} {st.label_en}",
        )
        for st in config.stages
    ]
    rows.append(
        ("maturity_stage_ge3", None, None, "proportion", "maturity", "Trinn 3 eller høyere", "Stage 3 or higher")
    )
    return pd.DataFrame(
        rows, columns=["item", "question_id", "option_code", "measure", "finding", "label_nb", "label_en"]
    )
