"""The reference (dimension) tables, built from packaged reference data and the canonical questionnaire."""

from __future__ import annotations

import pandas as pd

from pipeline import reference
from pipeline.codebook.questionnaire import load_questionnaire
from pipeline.geography import dim_crosswalk, dim_org, population_table


def sdg_goals() -> pd.DataFrame:
    """``dim_sdg_goal``: the 17 goals with nb/en names and official colours (UN; open-sdg; FN-sambandet)."""
    g = reference.load("sdg_goals")
    return pd.DataFrame(
        {
            "goal": g["goal"],
            "short_name_nb": g["short_name_nb"],
            "short_name_en": g["short_name_en"],
            "title_nb": g["title_nb_opensdg"],
            "title_en": g["title_en"],
            "colour_hex": g["colour_hex"],
        }
    )


def sdg_targets() -> pd.DataFrame:
    """``dim_sdg_target``: the 169 targets (English text, open-sdg / UN)."""
    return reference.load("sdg_targets")[["target", "goal", "text_en"]]


def dimension_tables() -> dict[str, pd.DataFrame]:
    """Every dimension table of the warehouse contract, keyed by table name."""
    q = load_questionnaire()
    return {
        "dim_org": dim_org(),
        "dim_population": population_table(),
        "dim_crosswalk": dim_crosswalk(),
        "dim_sdg_goal": sdg_goals(),
        "dim_sdg_target": sdg_targets(),
        "dim_question": q.dim_question(),
        "dim_option": q.dim_option(),
    }
