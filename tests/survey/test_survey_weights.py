"""Post-stratification weights and each branch of the collapsing rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.survey import (
    SurveyError,
    assert_weights_reproduce_totals,
    poststratify,
    svydesign,
    svymean,
)


def frame(spec: list[tuple[str, int | None, int, int]]) -> pd.DataFrame:
    """Frame from (county, size_class, N cell units, n respondents among them)."""
    rows = []
    for county, size, N, n in spec:
        for i in range(N):
            rows.append({"county": county, "size_class": size, "responded": i < n})
    df = pd.DataFrame(rows)
    df.insert(0, "org_code", [f"{i:04d}" for i in range(len(df))])
    df["size_class"] = df["size_class"].astype("Int64")
    return df


def strata_of(ps) -> dict[str, tuple[int, int]]:
    return {r.stratum: (r.N_h, r.n_h) for r in ps.strata.itertuples()}


def test_no_collapse_needed() -> None:
    ps = poststratify(frame([("46", 1, 5, 2), ("46", 2, 4, 3)]))
    assert strata_of(ps) == {"46:1": (5, 2), "46:2": (4, 3)}
    assert ps.collapse_steps.empty
    u = ps.units
    assert list(u.columns) == [
        "org_code",
        "county",
        "size_class",
        "responded",
        "stratum",
        "N_h",
        "n_h",
        "weight",
    ]
    assert u.loc[u["responded"] & (u["stratum"] == "46:1"), "weight"].tolist() == [2.5, 2.5]
    assert u.loc[~u["responded"], "weight"].isna().all()
    assert_weights_reproduce_totals(u)


def test_deficient_class_merges_with_next_larger() -> None:
    ps = poststratify(frame([("46", 1, 4, 1), ("46", 2, 6, 3), ("46", 3, 5, 2)]))
    assert strata_of(ps) == {"46:1+2": (10, 4), "46:3": (5, 2)}
    step = ps.collapse_steps.iloc[0]
    assert (step["rule"], step["merged"], step["into"], step["n"]) == ("size_class", "46:1|46:2", "46:1+2", "1|3")


def test_largest_class_merges_with_next_smaller_present_class() -> None:
    # class 2 absent from this county: the neighbour of class 3 is class 1
    ps = poststratify(frame([("46", 1, 6, 3), ("46", 3, 2, 1)]))
    assert strata_of(ps) == {"46:1+3": (8, 4)}


def test_empty_stratum_with_population_is_merged_and_chained() -> None:
    # class 1: N = 3 but no respondent (n = 0); class 2: n = 1; class 3: n = 3.
    # 1 → 1+2 (n = 1, still deficient) → 1+2+3.
    ps = poststratify(frame([("11", 1, 3, 0), ("11", 2, 2, 1), ("11", 3, 5, 3)]))
    assert strata_of(ps) == {"11:1+2+3": (10, 4)}
    assert ps.collapse_steps["into"].tolist() == ["11:1+2", "11:1+2+3"]
    assert_weights_reproduce_totals(ps.units)


def test_first_deficient_in_class_order_is_merged_first() -> None:
    # 2 (n = 0) is the first deficient: merged with 3 → 2+3 (n = 1), which is the last → merged with 1.
    ps = poststratify(frame([("11", 1, 4, 3), ("11", 2, 2, 0), ("11", 3, 3, 1), ("12", 1, 2, 2)]))
    assert ps.collapse_steps["into"].tolist() == ["11:2+3", "11:1+2+3"]
    assert strata_of(ps) == {"11:1+2+3": (9, 4), "12:1": (2, 2)}


def test_missing_size_class_is_its_own_class_after_the_largest() -> None:
    ps = poststratify(frame([("46", 1, 3, 2), ("46", 2, 3, 2), ("46", None, 2, 1)]))
    assert strata_of(ps) == {"46:1": (3, 2), "46:2+NA": (5, 3)}


def test_deficient_county_merges_with_next_and_last_with_previous() -> None:
    # county 01: 1 respondent in total; 02: enough; 03 (last): none.
    spec = [
        ("01", 1, 2, 1),
        ("02", 1, 4, 2),
        ("02", 2, 3, 2),
        ("03", 2, 2, 0),
    ]
    ps = poststratify(frame(spec))
    steps = ps.collapse_steps
    assert steps["rule"].tolist()[:2] == ["county", "county"]
    assert steps["into"].tolist()[:2] == ["01+02", "01+02+03"]
    # then rule 1 inside the county group 01+02+03, starting from the original classes:
    # class 1: N = 6, n = 3; class 2: N = 5, n = 2 → no further merge.
    assert strata_of(ps) == {"01+02+03:1": (6, 3), "01+02+03:2": (5, 2)}
    assert_weights_reproduce_totals(ps.units)


def test_merged_county_group_is_collapsed_afresh() -> None:
    # 01 alone: class 1 n = 1, class 2 n = 0 → deficient county; merged with 02, then class 2 of the
    # group (n = 0 + 1) is merged with class 1.
    spec = [("01", 1, 2, 1), ("01", 2, 2, 0), ("02", 1, 3, 2), ("02", 2, 3, 1)]
    ps = poststratify(frame(spec))
    assert ps.collapse_steps["rule"].tolist() == ["county", "size_class"]
    assert strata_of(ps) == {"01+02:1+2": (10, 4)}


def test_too_few_respondents_raise() -> None:
    with pytest.raises(ValueError, match="only 1 respondent"):
        poststratify(frame([("01", 1, 5, 1), ("02", 2, 5, 0)]))
    with pytest.raises(SurveyError, match="only 0 respondent"):
        poststratify(frame([("01", 1, 5, 0)]))


def test_county_authorities_with_constant_county() -> None:
    spec = [("all", None, 15, 9)]
    ps = poststratify(frame(spec))
    assert strata_of(ps) == {"all": (15, 9)}
    w = ps.units["weight"].dropna()
    assert np.allclose(w, 15 / 9)


def test_no_size_classes_gives_county_strata() -> None:
    ps = poststratify(frame([("30", None, 4, 2), ("34", None, 5, 1), ("38", None, 3, 3)]))
    # 34 (n = 1) merges with the next county 38
    assert strata_of(ps) == {"30": (4, 2), "34+38": (8, 4)}


def test_invalid_frames() -> None:
    good = frame([("01", 1, 3, 2)])
    with pytest.raises(SurveyError, match="duplicate org_code"):
        poststratify(pd.concat([good, good.iloc[:1]]))
    with pytest.raises(SurveyError, match="lacks column"):
        poststratify(good.drop(columns="responded"))
    bad = good.copy()
    bad["size_class"] = [1.5, 1.0, 1.0]
    with pytest.raises(SurveyError, match="integer"):
        poststratify(bad)
    with pytest.raises(SurveyError, match="at least 2"):
        poststratify(good, min_respondents=1)


def test_float_and_object_size_classes_are_accepted() -> None:
    f = frame([("01", 1, 3, 2), ("01", None, 3, 2)])
    as_float = f.assign(size_class=f["size_class"].astype("Float64").astype(float))
    as_object = f.assign(size_class=[1, 1, 1, None, None, None])
    for variant in (as_float, as_object):
        assert strata_of(poststratify(variant)) == {"01:1": (3, 2), "01:NA": (3, 2)}


def test_realistic_frame_reproduces_totals_and_builds_a_design() -> None:
    rng = np.random.default_rng(7)
    counties = [f"{c:02d}" for c in (3, 11, 15, 18, 31, 32, 33, 34, 39, 40, 42, 46, 50, 55, 56)]
    n_units = 357
    df = pd.DataFrame(
        {
            "org_code": [f"{i:04d}" for i in range(n_units)],
            "county": rng.choice(counties, n_units),
            "size_class": pd.array(rng.choice([1, 2, 3, 4], n_units, p=[0.55, 0.3, 0.1, 0.05]), dtype="Int64"),
            "responded": rng.random(n_units) < 0.45,
        }
    )
    df.loc[df["county"] == "03", "responded"] = False  # one county without any respondent
    ps = poststratify(df)
    assert_weights_reproduce_totals(ps.units)
    assert (ps.strata["n_h"] >= 2).all()
    assert ps.strata["N_h"].sum() == n_units
    resp = ps.units[ps.units["responded"]].assign(y=rng.integers(0, 2, int(df["responded"].sum())))
    design = svydesign(resp, strata="stratum", fpc="N_h", weights="weight")
    r = svymean(design, "y").iloc[0]
    assert r["N"] == pytest.approx(n_units)
    assert 0 < r["se"] < 0.1


def test_assert_weights_reproduce_totals_raises() -> None:
    ps = poststratify(frame([("46", 1, 5, 2), ("46", 2, 4, 3)]))
    u = ps.units.copy()
    first = u.index[u["responded"]][0]
    u.loc[first, "weight"] = u.loc[first, "weight"] + 1e-6
    with pytest.raises(SurveyError, match="46:1"):
        assert_weights_reproduce_totals(u)
    u = ps.units.copy()
    u.loc[first, "weight"] = np.nan
    with pytest.raises(SurveyError, match="no finite weight"):
        assert_weights_reproduce_totals(u)
    u = ps.units.copy()
    u["N_h"] = u["N_h"] + 1
    with pytest.raises(SurveyError, match="frame units"):
        assert_weights_reproduce_totals(u)
