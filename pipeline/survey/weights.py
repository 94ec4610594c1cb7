"""Post-stratification weights with a deterministic collapsing rule.

Input: the wave's frame, one row per population unit (org) with ``org_code``, ``county`` (str),
``size_class`` (ordered int 1..K, or missing) and ``responded`` (bool). Strata are county × size class;
N_h is the number of frame units in stratum h, n_h the number of respondents, and every respondent gets
the weight w = N_h / n_h (non-respondents NaN), so the weighted respondents of each stratum add up to N_h.
The design is then ``svydesign(ids=~1, strata=~stratum, fpc=~N_h, weights=~weight)`` on the respondents.

Collapsing rule (applied when a stratum has n_h < 2, including n_h = 0 with N_h > 0):

1. *Within a county*, the size classes present in the frame are ordered 1 < 2 < … < K, with the class of
   units without a size class ("NA") placed after the largest. While the county has more than one stratum
   and some stratum has fewer than 2 respondents, the first such stratum (in that order) is merged with the
   next larger stratum of the county, or with the next smaller one if it is the largest.
2. *Across counties*: if a county still ends as a single stratum with fewer than 2 respondents, it is
   merged with the next county in sorted county order (the previous county if it is the last one), and
   rule 1 is applied afresh to the merged county group, starting from its original size classes; repeat.

A county is left deficient after rule 1 exactly when its total number of respondents is below 2, so the
implementation first forms the county groups (rule 2, on county totals, first deficient group first) and
then applies rule 1 once per county group; the result is the same. If the whole frame has fewer than 2
respondents no valid design exists and ``ValueError`` (:class:`SurveyError`) is raised.

Stratum labels read ``"<counties>:<size classes>"``, e.g. ``"46:1+2"`` (county 46, classes 1 and 2) or
``"03+11:4"`` (counties 03 and 11 merged, class 4); the size part is omitted when the frame has no size
classes at all. Frames without size classes (county authorities) are post-stratified by county only; to
get a single stratum for such a frame, the *caller* passes the same constant ``county`` value (e.g.
``"all"``) for every unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.survey.design import SurveyError

__all__ = ["PostStratification", "assert_weights_reproduce_totals", "poststratify"]

MIN_RESPONDENTS = 2

_NA_CLASS = "NA"


@dataclass(frozen=True, eq=False)
class PostStratification:
    """Result of :func:`poststratify`.

    Attributes:
        units: one row per frame unit, in the frame's row order: org_code, county, size_class, responded,
            stratum, N_h (frame units in the stratum), n_h (respondents in the stratum), weight (N_h / n_h; NaN
            for non-respondents).
        strata: one row per final stratum: stratum, counties, size_classes, N_h, n_h, weight.
        collapse_steps: one row per merge, in order: step, rule ("county" or "size_class"), county_group,
            merged (labels of the merged parts, "|"-separated), into (resulting label), n (respondents per
            part, "|"-separated), N (frame units per part, "|"-separated).
    """

    units: pd.DataFrame
    strata: pd.DataFrame
    collapse_steps: pd.DataFrame


def _class_key(c: int | None) -> tuple[int, int]:
    return (1, 0) if c is None else (0, c)


def _class_label(classes: list[int | None]) -> str:
    return "+".join(_NA_CLASS if c is None else str(c) for c in sorted(classes, key=_class_key))


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    required = ["org_code", "county", "size_class", "responded"]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise SurveyError(f"frame lacks column(s) {missing}; expected {required}")
    if len(frame) == 0:
        raise SurveyError("the frame is empty")
    if frame["org_code"].isna().any():
        raise SurveyError("frame has a missing org_code")
    dup = frame["org_code"][frame["org_code"].duplicated()]
    if len(dup):
        raise SurveyError(f"duplicate org_code in the frame: {sorted(map(str, dup.unique()))[:10]}")
    if frame["county"].isna().any():
        raise SurveyError("frame has units without a county")
    if frame["responded"].isna().any():
        raise SurveyError("frame has units with a missing 'responded' flag")
    resp = frame["responded"]
    if not (resp.dtype == bool or isinstance(resp.dtype, pd.BooleanDtype)):
        raise SurveyError("'responded' must be boolean")
    sizes: list[int | None] = []
    for v in frame["size_class"].astype(object):
        if v is None or pd.isna(v):
            sizes.append(None)
            continue
        f = float(v)
        if not f.is_integer():
            raise SurveyError(f"size_class must be an integer class or missing, got {v!r}")
        sizes.append(int(f))
    return pd.DataFrame(
        {
            "org_code": frame["org_code"].to_numpy(),
            "county": frame["county"].astype(str).to_numpy(),
            "size_class": pd.array([s for s in sizes], dtype="Int64"),
            "responded": resp.to_numpy(dtype=bool),
        }
    )


def poststratify(frame: pd.DataFrame, *, min_respondents: int = MIN_RESPONDENTS) -> PostStratification:
    """Post-stratify ``frame`` to county × size class with the collapsing rule of the module docstring.

    Args:
        frame: one row per population unit: org_code, county (str), size_class (int or missing),
            responded (bool).
        min_respondents: minimum respondents per stratum (≥ 2; the documented rule uses 2).

    Raises:
        SurveyError (a ValueError): bad frame, or fewer than ``min_respondents`` respondents in total.
    """
    if min_respondents < 2:
        raise SurveyError("min_respondents must be at least 2 (variance needs two units per stratum)")
    units = _normalise(frame)
    total = int(units["responded"].sum())
    if total < min_respondents:
        raise SurveyError(
            f"only {total} respondent(s) in a frame of {len(units)} units; at least {min_respondents} "
            "are needed to estimate anything with a standard error"
        )
    has_classes = bool(units["size_class"].notna().any())
    sizes: list[int | None] = [None if pd.isna(v) else int(v) for v in units["size_class"]]
    counties = units["county"].tolist()
    responded = units["responded"].to_numpy()

    # counts per (county, class), and per county
    cell_N: dict[tuple[str, int | None], int] = {}
    cell_n: dict[tuple[str, int | None], int] = {}
    for c, s, r in zip(counties, sizes, responded, strict=True):
        cell_N[(c, s)] = cell_N.get((c, s), 0) + 1
        cell_n[(c, s)] = cell_n.get((c, s), 0) + int(r)
    county_N: dict[str, int] = {}
    county_n: dict[str, int] = {}
    for (c, s), count in cell_N.items():
        county_N[c] = county_N.get(c, 0) + count
        county_n[c] = county_n.get(c, 0) + cell_n[(c, s)]

    steps: list[dict[str, object]] = []

    # Rule 2 (on county totals): county groups, in sorted order of their first county.
    groups: list[list[str]] = [[c] for c in sorted(set(counties))]

    def group_n(g: list[str]) -> int:
        return sum(county_n[c] for c in g)

    def group_N(g: list[str]) -> int:
        return sum(county_N[c] for c in g)

    while len(groups) > 1:
        deficient = [i for i, g in enumerate(groups) if group_n(g) < min_respondents]
        if not deficient:
            break
        i = deficient[0]
        j = i + 1 if i + 1 < len(groups) else i - 1
        lo, hi = min(i, j), max(i, j)
        merged = sorted(groups[lo] + groups[hi])
        steps.append(
            {
                "rule": "county",
                "county_group": "+".join(merged),
                "merged": f"{'+'.join(groups[lo])}|{'+'.join(groups[hi])}",
                "into": "+".join(merged),
                "n": f"{group_n(groups[lo])}|{group_n(groups[hi])}",
                "N": f"{group_N(groups[lo])}|{group_N(groups[hi])}",
            }
        )
        groups[lo : hi + 1] = [merged]

    # Rule 1: within each county group, merge size classes.
    assignment: dict[tuple[str, int | None], str] = {}
    strata_rows: list[dict[str, object]] = []
    for g in groups:
        gset = set(g)
        glabel = "+".join(g)
        # counts per size class within the county group
        class_N: dict[int | None, int] = {}
        class_n: dict[int | None, int] = {}
        for (c, s), count in cell_N.items():
            if c in gset:
                class_N[s] = class_N.get(s, 0) + count
                class_n[s] = class_n.get(s, 0) + cell_n[(c, s)]
        classes = sorted(class_N, key=_class_key)
        cells: list[list[int | None]] = [[s] for s in classes]

        def cn(cell: list[int | None], class_n: dict[int | None, int] = class_n) -> int:
            return sum(class_n[s] for s in cell)

        def cN(cell: list[int | None], class_N: dict[int | None, int] = class_N) -> int:
            return sum(class_N[s] for s in cell)

        def label(cell: list[int | None], glabel: str = glabel) -> str:
            return f"{glabel}:{_class_label(cell)}" if has_classes else glabel

        while len(cells) > 1:
            deficient = [i for i, cell in enumerate(cells) if cn(cell) < min_respondents]
            if not deficient:
                break
            i = deficient[0]
            j = i + 1 if i + 1 < len(cells) else i - 1
            lo, hi = min(i, j), max(i, j)
            merged_cell = cells[lo] + cells[hi]
            steps.append(
                {
                    "rule": "size_class",
                    "county_group": glabel,
                    "merged": f"{label(cells[lo])}|{label(cells[hi])}",
                    "into": label(merged_cell),
                    "n": f"{cn(cells[lo])}|{cn(cells[hi])}",
                    "N": f"{cN(cells[lo])}|{cN(cells[hi])}",
                }
            )
            cells[lo : hi + 1] = [merged_cell]
        for cell in cells:
            lab = label(cell)
            N_h, n_h = cN(cell), cn(cell)
            strata_rows.append(
                {
                    "stratum": lab,
                    "counties": glabel,
                    "size_classes": _class_label(cell) if has_classes else "",
                    "N_h": N_h,
                    "n_h": n_h,
                    "weight": N_h / n_h,
                }
            )
            for c in g:
                for s in cell:
                    if (c, s) in cell_N:
                        assignment[(c, s)] = lab

    strata = pd.DataFrame(strata_rows)
    stratum = [assignment[(c, s)] for c, s in zip(counties, sizes, strict=True)]
    position = {row["stratum"]: h for h, row in enumerate(strata_rows)}
    h = np.fromiter((position[label] for label in stratum), dtype=np.int64, count=len(stratum))
    N_h = strata["N_h"].to_numpy(dtype=np.int64)[h]
    n_h = strata["n_h"].to_numpy(dtype=np.int64)[h]
    out = units.assign(
        stratum=pd.array(stratum, dtype="str"),
        N_h=N_h,
        n_h=n_h,
        weight=np.where(responded, N_h / n_h, np.nan),
    )
    steps_df = pd.DataFrame(steps, columns=["rule", "county_group", "merged", "into", "n", "N"])
    steps_df.insert(0, "step", np.arange(1, len(steps_df) + 1, dtype=np.int64))
    return PostStratification(units=out, strata=strata, collapse_steps=steps_df)


def assert_weights_reproduce_totals(units: pd.DataFrame, *, tol: float = 1e-9) -> None:
    """Check that, in every stratum, the respondents' weights add up to N_h and N_h is the frame count.

    ``units`` is :attr:`PostStratification.units` (or any frame with stratum, N_h, responded, weight).
    Raises:
        SurveyError (a ValueError) naming the offending strata, if |Σ w − N_h| > tol (absolute), if
        N_h differs from the number of frame units in the stratum, or if a respondent lacks a weight.
    """
    need = ["stratum", "N_h", "responded", "weight"]
    missing = [c for c in need if c not in units.columns]
    if missing:
        raise SurveyError(f"units lack column(s) {missing}")
    resp = units["responded"].to_numpy(dtype=bool)
    w = units["weight"].to_numpy(dtype=float)
    if np.any(resp & ~np.isfinite(w)):
        raise SurveyError("a respondent has no finite weight")
    labels, inverse = np.unique(units["stratum"].astype(str).to_numpy(), return_inverse=True)
    N = units["N_h"].to_numpy(dtype=float)
    count = np.bincount(inverse, minlength=len(labels))
    weighted = np.bincount(inverse, weights=np.where(resp, w, 0.0), minlength=len(labels))
    n_min = np.full(len(labels), np.inf)
    n_max = np.full(len(labels), -np.inf)
    np.minimum.at(n_min, inverse, N)
    np.maximum.at(n_max, inverse, N)
    problems: list[str] = []
    for h, label in enumerate(labels):
        if n_min[h] != n_max[h]:
            problems.append(f"{label}: N_h not constant")
        elif n_min[h] != count[h]:
            problems.append(f"{label}: N_h = {n_min[h]:g} but {count[h]} frame units")
        elif abs(weighted[h] - n_min[h]) > tol:
            problems.append(f"{label}: weighted total {weighted[h]:.12g} ≠ N_h {n_min[h]:g}")
    if problems:
        raise SurveyError("weights do not reproduce the stratum totals: " + "; ".join(problems))
