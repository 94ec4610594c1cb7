"""Finding items: one analysis column per thing we estimate, derived from the harmonised answers.

Item names are the column names of ``analysis_respondents`` and the ``item`` values of the findings tables:

* ``<question>_<option>`` — 0/1: the option was chosen (single choice) or selected (multi-select), among the
  respondents who answered the question; NaN when not answered or not asked in the wave;
* ``<question>_any`` — 0/1: at least one substantive option of a multi-select (networks, partnerships);
* ``<scale>_top2`` — 0/1: one of the two highest categories, among substantive answers ("Vet ikke" = NaN);
* ``<scale>_score`` — the mean score (ordinal 1–4 or 1–5), among substantive answers;
* ``maturity_stage_<k>``, ``maturity_stage_ge3`` — from the stage model (:mod:`pipeline.findings.maturity`).

``measure`` is ``proportion`` (a share in [0, 1]) or ``mean`` (a score).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.codebook.questionnaire import Questionnaire

THEME_FINDING = {
    "barriers": "barriers",
    "goals": "goal_coverage",
    "maturity": "maturity",
    "plans": "maturity",
    "politics": "maturity",
    "indicators": "maturity",
}
ANY_QUESTIONS = ("networks", "partnerships")
SKIP_QUESTIONS = ("org_type",)


def _top_two(question) -> float:
    ordinals = sorted(o.ordinal for o in question.options if o.ordinal is not None)
    return ordinals[-2]


def catalogue(q: Questionnaire) -> pd.DataFrame:
    """Every possible item with its question, option, measure, finding table and nb/en labels."""
    rows = []
    for question in q.questions.values():
        if question.type in ("text", "number") or question.id in SKIP_QUESTIONS:
            continue
        finding = THEME_FINDING.get(question.theme, "context")
        grid_label_nb = question.text_nb.split(" — ")[-1] if question.grid else question.text_nb
        grid_label_en = question.text_en.split(" — ")[-1] if question.grid else question.text_en
        if question.type == "scale":
            top = _top_two(question)
            tops = [o for o in question.options if o.ordinal is not None and o.ordinal >= top]
            top_nb = " / ".join(o.label_nb.lower() for o in tops)
            top_en = " / ".join(o.label_en.lower() for o in tops)
            max_ordinal = int(max(o.ordinal for o in question.options if o.ordinal is not None))
            rows.append(
                (
                    f"{question.id}_top2",
                    question.id,
                    None,
                    "proportion",
                    finding,
                    f"{grid_label_nb} ({top_nb})",
                    f"{grid_label_en} ({top_en})",
                )
            )
            rows.append(
                (
                    f"{question.id}_score",
                    question.id,
                    None,
                    "mean",
                    finding,
                    f"{grid_label_nb} (snittskår 1–{max_ordinal})",
                    f"{grid_label_en} (mean score 1–{max_ordinal})",
                )
            )
            continue
        for opt in question.options:
            rows.append(
                (f"{question.id}_{opt.code}", question.id, opt.code, "proportion", finding, opt.label_nb, opt.label_en)
            )
        if question.id in ANY_QUESTIONS:
            rows.append(
                (
                    f"{question.id}_any",
                    question.id,
                    None,
                    "proportion",
                    finding,
                    f"{question.text_nb} (minst ett)",
                    f"{question.text_en} (at least one)",
                )
            )
    frame = pd.DataFrame(
        rows, columns=["item", "question_id", "option_code", "measure", "finding", "label_nb", "label_en"]
    )
    frame["position"] = np.arange(1, len(frame) + 1)
    return frame


def respondent_items(responses: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """One row per respondent and wave (index: wave, respondent_id), one column per item; NaN where a question was
    not answered or not asked in that wave. Vectorised across waves: one pass per question."""
    keys = ["wave", "respondent_id"]
    index = pd.MultiIndex.from_frame(responses[keys].drop_duplicates())
    columns: dict[str, pd.Series] = {}
    for question_id, part in responses.groupby("question_id", sort=False):
        if question_id not in q:
            continue
        question = q[question_id]
        if question.type in ("text", "number") or question.id in SKIP_QUESTIONS:
            continue
        if question.type == "scale":
            score = part.set_index(keys)["value_num"].reindex(index)
            columns[f"{question_id}_score"] = score
            columns[f"{question_id}_top2"] = (score >= _top_two(question)).astype(float).where(score.notna())
        elif question.type == "single":
            chosen = part.set_index(keys)["option_code"].reindex(index)
            answered = chosen.notna()
            for code in question.option_codes:
                columns[f"{question_id}_{code}"] = (chosen == code).astype(float).where(answered)
        else:  # multiple: one 1/0 row per option the wave offered
            wide = part.set_index([*keys, "option_code"])["value_num"].unstack("option_code").reindex(index)
            for code in question.option_codes:
                if code in wide.columns:
                    columns[f"{question_id}_{code}"] = wide[code]
            if question_id in ANY_QUESTIONS:
                substantive = [c for c in question.option_codes if not question.option(c).exclusive and c in wide]
                answered = wide.notna().any(axis=1)
                columns[f"{question_id}_any"] = (
                    (wide[substantive].fillna(0).max(axis=1) > 0).astype(float).where(answered)
                )
    return pd.DataFrame(columns, index=index)
