"""The estimation engine behind every findings table: items × breakdown groups for one wave and org type.

Estimands:

* ``orgs`` — share (or mean score) of organisations: the design's weights w = N_h / n_h;
* ``inhabitants`` — share of inhabitants: the ratio Σ w·pop·y / Σ w·pop (R ``svyratio``), i.e. each org counts
  with its population.

Proportions get R ``svyciprop`` logit intervals (t quantile with the domain's design degrees of freedom; the
Korn–Graubard rule at 0 and 1), mean scores and differences Wald intervals. Cells with fewer than ``min_n``
unweighted respondents are flagged ``suppressed`` and carry no estimate, SE or interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.findings.config import FindingsConfig
from pipeline.geography import SIZE_CLASS_LABELS
from pipeline.survey import differences, shares_and_scores, svydesign
from pipeline.survey.design import SurveyDesign

LAYOUT = [
    "wave",
    "org_type",
    "estimand",
    "breakdown",
    "grp",
    "grp_label_nb",
    "grp_label_en",
    "item",
    "measure",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "n_respondents",
    "n_population",
    "suppressed",
]
ESTIMANDS = ("orgs", "inhabitants")
BOOL_LABELS = {
    "merged_2020": {True: ("Sammenslått 2020", "Merged 2020"), False: ("Ikke sammenslått", "Not merged")},
    "network_member": {True: ("I nettverk", "In a network"), False: ("Ikke i nettverk", "Not in a network")},
}


@dataclass(frozen=True)
class Group:
    """One breakdown group: respondent mask and the frame count of orgs (estimated when not a frame variable)."""

    breakdown: str
    grp: str
    label_nb: str
    label_en: str
    mask: np.ndarray
    n_population: float


def _label(breakdown: str, value: object, county_names: dict[str, str]) -> tuple[str, str]:
    if breakdown == "size_class":
        return SIZE_CLASS_LABELS["nb"][int(value)], SIZE_CLASS_LABELS["en"][int(value)]
    if breakdown == "centrality_class":
        return f"Sentralitet {int(value)}", f"Centrality {int(value)}"
    if breakdown in BOOL_LABELS:
        return BOOL_LABELS[breakdown][bool(value)]
    if breakdown == "county":
        return county_names.get(str(value), str(value)), county_names.get(str(value), str(value))
    return str(value), str(value)


COLUMN_OF = {
    "size_class": "size_class",
    "centrality_class": "centrality_class",
    "merged_2020": "merged_2020",
    "network_member": "network_member",
    "county": "county_number",
}


def groups(data: pd.DataFrame, frame: pd.DataFrame, breakdowns: list[str]) -> list[Group]:
    """The groups of each breakdown that applies (values from the frame; network membership from answers)."""
    county_names = dict(zip(frame["county_number"], frame["county_name"], strict=False))
    result = [Group("total", "all", "Alle", "All", np.ones(len(data), dtype=bool), float(len(frame)))]
    for breakdown in breakdowns:
        if breakdown == "total":
            continue
        column = COLUMN_OF[breakdown]
        values = data[column].to_numpy(dtype=object, na_value=None)
        if breakdown == "network_member":
            if all(v is None for v in values):
                continue
            weights = data["weight"].to_numpy(dtype=float)
            for value in (True, False):
                mask = values == value
                nb, en = _label(breakdown, value, county_names)
                result.append(Group(breakdown, str(value).lower(), nb, en, mask, float(weights[mask].sum())))
            continue
        frame_values = frame[column].to_numpy(dtype=object, na_value=None)
        counts = pd.Series(frame_values[frame_values != None]).value_counts()  # noqa: E711
        for value in sorted(counts.index.tolist()):
            mask = values == value
            nb, en = _label(breakdown, value, county_names)
            grp = str(value).lower() if isinstance(value, bool | np.bool_) else str(value)
            result.append(Group(breakdown, grp, nb, en, mask, float(counts[value])))
    return result


def design_of(data: pd.DataFrame) -> SurveyDesign:
    """The stratified design with FPC of one wave × org type (R: svydesign(ids=~1, strata, fpc, weights))."""
    return svydesign(data.reset_index(drop=True), strata="stratum", weights="weight", fpc="N_h")


def item_matrix(data: pd.DataFrame, items: list[str]) -> np.ndarray:
    """The (n, k) float matrix of the item columns, NaN where unanswered."""
    return data[items].to_numpy(dtype=float, na_value=np.nan)


def answered_item_matrix(data: pd.DataFrame, items: list[str]) -> tuple[list[str], np.ndarray]:
    """The items of ``items`` that ``data`` has and someone answered, with their (n, k) float matrix."""
    present = [i for i in items if i in data.columns]
    Y = item_matrix(data, present) if present else np.empty((len(data), 0))
    answered = ~np.isnan(Y).all(axis=0)
    return [i for i, ok in zip(present, answered, strict=True) if ok], Y[:, answered]


def estimate_items(
    data: pd.DataFrame,
    frame: pd.DataFrame,
    catalogue: pd.DataFrame,
    items: list[str],
    breakdowns: list[str],
    config: FindingsConfig,
    design: SurveyDesign | None = None,
) -> pd.DataFrame:
    """Long findings rows for the given items, every applicable breakdown group and both estimands."""
    items, Y = answered_item_matrix(data, items)
    if not items:
        return pd.DataFrame(columns=LAYOUT)
    design = design or design_of(data)
    grps = groups(data, frame, breakdowns)
    D = np.column_stack([g.mask for g in grps])
    measure_of = catalogue.set_index("item")["measure"]
    measures = np.array([measure_of.get(i, "proportion") for i in items], dtype=object)
    population = data["population"].to_numpy(dtype=float, na_value=np.nan)
    out = []
    for estimand in ESTIMANDS:
        size = population if estimand == "inhabitants" else None
        est = shares_and_scores(
            design, Y, proportion=measures == "proportion", size=size, domains=D, level=config.level
        )
        out.append(_rows(est, grps, items, measures, estimand, config.min_n))
    return pd.concat(out, ignore_index=True)


def _rows(est, grps: list[Group], items: list[str], measure, estimand: str, min_n: int) -> pd.DataFrame:
    """Long rows (group-major, item-minor) of one estimand's estimates, cells below ``min_n`` withheld."""
    G, k = est.estimate.shape
    rep = lambda values: np.repeat(np.asarray(values, dtype=object), k)  # noqa: E731
    n = est.n.ravel().astype(np.int64)
    estimate = est.estimate.ravel()
    small = withheld(n, estimate, min_n)
    return pd.DataFrame(
        {
            "estimand": estimand,
            "breakdown": rep([g.breakdown for g in grps]),
            "grp": rep([g.grp for g in grps]),
            "grp_label_nb": rep([g.label_nb for g in grps]),
            "grp_label_en": rep([g.label_en for g in grps]),
            "item": np.tile(np.asarray(items, dtype=object), G),
            "measure": np.tile(np.asarray(measure, dtype=object), G) if not isinstance(measure, str) else measure,
            **withhold(
                small, estimate=estimate, se=est.se.ravel(), ci_low=est.ci_low.ravel(), ci_high=est.ci_high.ravel()
            ),
            "n_respondents": n,
            "n_population": np.repeat([g.n_population for g in grps], k).astype(float),
            "suppressed": small,
        }
    )


def is_score_item(items: pd.Series) -> np.ndarray:
    """Which items are mean scores (``*_score``), not shares (one test per distinct item)."""
    scores = [item for item in items.unique() if str(item).endswith("_score")]
    return items.isin(scores).to_numpy(dtype=bool)


def clip_share_differences(rows: pd.DataFrame) -> pd.DataFrame:
    """Wald intervals of differences between shares truncated to [-1, 1], the range a difference of two
    proportions can take (mean-score items, ``*_score``, are left as they are)."""
    shares = (rows["measure"] == "difference").to_numpy(dtype=bool) & ~is_score_item(rows["item"])
    low, high = rows["ci_low"].to_numpy(dtype=float), rows["ci_high"].to_numpy(dtype=float)
    return rows.assign(
        ci_low=np.where(shares, np.maximum(low, -1.0), low),  # NaN stays NaN
        ci_high=np.where(shares, np.minimum(high, 1.0), high),
    )


def withheld(n_respondents: np.ndarray, estimate: np.ndarray, min_n: int) -> np.ndarray:
    """Cells to suppress: fewer than ``min_n`` respondents, or no estimate at all (e.g. a group without
    respondents)."""
    return (np.asarray(n_respondents) < min_n) | np.isnan(np.asarray(estimate, dtype=float))


def withhold(small: np.ndarray, **values: object) -> dict[str, np.ndarray]:
    """The ``values`` (estimate, se, interval bounds) as float arrays with NaN in the withheld cells."""
    return {name: np.where(small, np.nan, np.asarray(v, dtype=float)) for name, v in values.items()}


def suppress(rows: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """Flag cells with fewer than ``min_n`` respondents and withhold their numbers (also cells with no
    estimate at all, e.g. a group without respondents)."""
    small = withheld(rows["n_respondents"].to_numpy(), rows["estimate"].to_numpy(dtype=float), min_n)
    values = withhold(small, **{col: rows[col] for col in ("estimate", "se", "ci_low", "ci_high")})
    return rows.assign(**values, suppressed=small)


def contrast_rows(
    data: pd.DataFrame,
    catalogue: pd.DataFrame,
    items: list[str],
    config: FindingsConfig,
    breakdowns: list[str],
    design: SurveyDesign | None = None,
) -> pd.DataFrame:
    """Differences a − b between the configured groups (e.g. 20 000+ vs < 5 000 inhabitants), both estimands,
    with SE from the joint linearisation and a Wald interval; ``measure`` = ``difference``."""
    contrasts = [c for c in config.contrasts if c.breakdown in breakdowns]
    if not contrasts:
        return pd.DataFrame(columns=LAYOUT)
    items, Y = answered_item_matrix(data, items)
    if not items:
        return pd.DataFrame(columns=LAYOUT)
    design = design or design_of(data)
    da, db, kept = [], [], []
    for c in contrasts:
        column = data[COLUMN_OF[c.breakdown]]
        a = column.isin(list(c.a)).fillna(False).to_numpy(dtype=bool)
        b = column.isin(list(c.b)).fillna(False).to_numpy(dtype=bool)
        if a.sum() and b.sum():
            da.append(a)
            db.append(b)
            kept.append(c)
    if not kept:
        return pd.DataFrame(columns=LAYOUT)
    population = data["population"].to_numpy(dtype=float, na_value=np.nan)
    out = []
    for estimand in ESTIMANDS:
        if estimand == "orgs":
            est = differences(
                design, Y, domains_a=np.column_stack(da), domains_b=np.column_stack(db), level=config.level
            )
        else:
            est = differences(
                design,
                Y * population[:, None],
                np.broadcast_to(population[:, None], Y.shape),
                domains_a=np.column_stack(da),
                domains_b=np.column_stack(db),
                answered=~np.isnan(Y),
                level=config.level,
            )
        k = len(items)
        # a difference is withheld when either group has fewer than min_n respondents
        small = withheld(np.minimum(est.extra["n_a"], est.extra["n_b"]).ravel(), est.estimate.ravel(), config.min_n)
        frame = pd.DataFrame(
            {
                "estimand": estimand,
                "breakdown": np.repeat([c.breakdown for c in kept], k),
                "grp": np.repeat(
                    ["+".join(map(str, c.a)).lower() + " - " + "+".join(map(str, c.b)).lower() for c in kept], k
                ),
                "grp_label_nb": np.repeat([c.label_nb for c in kept], k),
                "grp_label_en": np.repeat([c.label_en for c in kept], k),
                "item": np.tile(items, len(kept)),
                "measure": "difference",
                **withhold(
                    small,
                    estimate=est.estimate.ravel(),
                    se=est.se.ravel(),
                    ci_low=est.ci_low.ravel(),
                    ci_high=est.ci_high.ravel(),
                ),
                "n_respondents": est.n.ravel().astype(np.int64),
                "n_population": est.N.ravel().astype(float),
                "suppressed": small,
            }
        )
        out.append(frame)
    return pd.concat(out, ignore_index=True)
