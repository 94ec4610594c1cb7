"""The maturity stage model on crafted answers (config.yaml's stages)."""

import numpy as np
import pandas as pd
import pytest

from pipeline.findings.config import load_config, parse_config
from pipeline.findings.maturity import stage_items, stages

NAN = np.nan
COLUMNS = [
    "sdg_decision_yes",
    "maturity_self_score",
    "sdg_in_plans_samfunnsdel",
    "sdg_in_plans_okonomiplan",
    "sdg_in_plans_budsjett",
    "sdg_in_plans_arsrapport",
    "indicators_use_u4ssc",
    "indicators_use_own",
]
CASES = {  # org: answers in COLUMNS order, expected (stage, stage_min, ge3)
    "nothing": ([0, 1, 0, 0, 0, 0, 0, 0], (0, 0, 0)),
    "decided only": ([1, 2, 0, 0, 0, 0, 0, 0], (1, 1, 0)),
    "self-assessed decided": ([0, 3, 0, 0, 0, 0, 0, 0], (1, 1, 0)),
    "samfunnsdel": ([1, 3, 1, 0, 0, 0, 0, 0], (2, 2, 0)),
    "operationalised via budget": ([1, 3, 1, 0, 1, 0, 0, 0], (3, 3, 1)),
    "measured and reported": ([1, 4, 1, 1, 0, 1, 0, 1], (4, 4, 1)),
    "reported without indicators": ([1, 4, 1, 1, 0, 1, 0, 0], (3, 3, 1)),
    "plans without samfunnsdel": ([1, 4, 0, 1, 1, 1, 1, 0], (1, 1, 0)),  # cumulative: stuck at 1
    "stage 4 unknown": ([1, 4, 1, 1, 0, NAN, NAN, NAN], (NAN, 3, 1)),
    "plans unknown": ([1, 4, NAN, NAN, NAN, NAN, 0, 1], (NAN, 1, NAN)),
    "undecided, plans unknown": ([0, 1, NAN, NAN, NAN, NAN, NAN, NAN], (0, 0, 0)),
}


@pytest.fixture(scope="module")
def result():
    items = pd.DataFrame([a for a, _ in CASES.values()], index=list(CASES), columns=COLUMNS, dtype=float)
    config = load_config()
    st = stages(items, config)
    return st.join(stage_items(st["maturity_stage"], config, st["maturity_stage_min"]))


@pytest.mark.parametrize("org", list(CASES))
def test_stage_model(result, org):
    stage, stage_min, ge3 = CASES[org][1]
    row = result.loc[org]
    assert (np.isnan(stage) and np.isnan(row["maturity_stage"])) or row["maturity_stage"] == stage
    assert row["maturity_stage_min"] == stage_min
    assert (np.isnan(ge3) and np.isnan(row["maturity_stage_ge3"])) or row["maturity_stage_ge3"] == ge3


def test_stage_items_are_one_hot_where_known(result):
    one_hot = result[[f"maturity_stage_{k}" for k in range(5)]]
    known = result["maturity_stage"].notna()
    assert (one_hot[known].sum(axis=1) == 1).all()
    assert one_hot[~known].isna().all().all()


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"maturity": {"stages": [{"stage": 1, "nb": "a", "en": "a"}]}}, "numbered 0, 1, 2"),
        (
            {
                "maturity": {
                    "stages": [
                        {"stage": 0, "nb": "a", "en": "a"},
                        {"stage": 1, "nb": "b", "en": "b", "any": [{"question": "nope", "any_of": ["x"]}]},
                    ]
                }
            },
            "unknown question 'nope'",
        ),
        (
            {
                "maturity": {
                    "stages": [
                        {"stage": 0, "nb": "a", "en": "a"},
                        {"stage": 1, "nb": "b", "en": "b", "any": [{"question": "sdg_decision", "any_of": ["maybe"]}]},
                    ]
                }
            },
            "'maybe' is not",
        ),
        ({"min_n": 0}, "min_n must be at least 1"),
        ({"breakdowns": {"shoe_size": ["kommune"]}}, "unknown breakdown 'shoe_size'"),
    ],
)
def test_config_validation(bad, message):
    with pytest.raises(ValueError, match=message):
        parse_config(bad)
