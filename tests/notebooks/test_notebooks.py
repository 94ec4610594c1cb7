"""The notebooks: stored without outputs, executed top to bottom against a published copy of the sample warehouse,
and each one's final table checked against values recomputed here from the warehouse.

Each notebook ends with a DataFrame as the last expression of its last code cell. After running the notebook the
test runs one extra cell in the same kernel that prints that value (``Out[<last execution count>]``) as JSON.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
EXPECTED = [
    "00_start_here.ipynb",
    "01_barriers.ipynb",
    "02_maturity.ipynb",
    "03_goal_coverage.ipynb",
    "04_comparing_waves.ipynb",
]
CELL_TIMEOUT_S = 120
ATOL = 1e-9


def code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


# --- stored form ----------------------------------------------------------------------------------------------------


def test_the_five_notebooks_are_there():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == EXPECTED
    assert (NOTEBOOKS / "README.md").is_file()


@pytest.mark.parametrize("name", EXPECTED)
def test_stored_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for i, cell in enumerate(code_cells(nb)):
        assert cell.outputs == [], f"{name}: code cell {i} has stored outputs (clear them)"
        assert cell.execution_count is None, f"{name}: code cell {i} has an execution count (clear it)"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# "), "start with a title"


# --- execution ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def published(sample_warehouse, tmp_path_factory) -> Path:
    """The published read-only copy the notebooks open (via KS_SDG_PUBLISHED)."""
    from pipeline.warehouse import publish_copy

    return publish_copy(sample_warehouse, tmp_path_factory.mktemp("published") / "ks_sdg_published.duckdb")


@pytest.fixture(scope="session")
def con(published):
    from pipeline import connect_published

    connection = connect_published(published)
    yield connection
    connection.close()


def sql(con, query: str, *params) -> pd.DataFrame:
    return con.execute(query, list(params)).df()


def execute(name: str, published: Path) -> tuple[nbformat.NotebookNode, pd.DataFrame, float]:
    """Run a notebook in a fresh kernel (working dir notebooks/); return it, its final table and the seconds taken."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    last = len(code_cells(nb))
    probe = (
        "import json as _json, pandas as _pd\n"
        f"assert isinstance(Out.get({last}), _pd.DataFrame), 'the last code cell must end with a DataFrame'\n"
        f"print(_json.dumps(Out[{last}].to_dict(orient='split', index=False), default=str))"
    )
    nb.cells.append(nbformat.v4.new_code_cell(probe))
    env = {**os.environ, "KS_SDG_PUBLISHED": str(published), "MPLBACKEND": "Agg"}
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=CELL_TIMEOUT_S,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    started = time.perf_counter()
    client.execute(env=env)  # raises CellExecutionError on any error
    seconds = time.perf_counter() - started
    probe_cell = nb.cells.pop()
    text = "".join(o.text for o in probe_cell.outputs if o.output_type == "stream" and o.name == "stdout")
    split = json.loads(text)
    return nb, pd.DataFrame(split["data"], columns=split["columns"]), seconds


@pytest.fixture(scope="session")
def executed(published) -> dict[str, tuple[nbformat.NotebookNode, pd.DataFrame]]:
    """Every notebook executed once (shared by the checks below)."""
    results, timings = {}, {}
    for name in EXPECTED:
        nb, final, seconds = execute(name, published)
        results[name] = (nb, final)
        timings[name] = seconds
    print("notebook execution (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
    return results


@pytest.fixture(scope="session")
def latest_wave(con) -> str:
    return sql(con, "SELECT wave FROM dim_wave ORDER BY field_start, wave")["wave"].iloc[-1]


def outputs_text(nb) -> str:
    parts = []
    for cell in code_cells(nb):
        for out in cell.outputs:
            if out.output_type == "stream":
                parts.append(out.text)
            elif out.output_type in ("execute_result", "display_data"):
                parts.extend(str(v) for k, v in out.data.items() if k.startswith("text/"))
    return "\n".join(parts)


@pytest.mark.parametrize("name", EXPECTED)
def test_runs_top_to_bottom_with_synthetic_banner(name, executed, con):
    nb, final = executed[name]
    cells = code_cells(nb)
    assert all(c.execution_count is not None for c in cells)
    assert not [o for c in cells for o in c.outputs if o.output_type == "error"]
    results = [o for o in cells[-1].outputs if o.output_type == "execute_result"]
    assert results and "text/html" in results[0].data, "the final table is displayed as the last expression"
    assert len(final) > 0
    if sql(con, "SELECT bool_or(synthetic) AS s FROM dim_wave")["s"].iloc[0]:
        assert "SYNTHETIC DATA" in outputs_text(nb)


# --- final tables against the warehouse -----------------------------------------------------------------------------


def close(a, b) -> bool:
    return np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=0, atol=ATOL, equal_nan=True)


def test_00_final_table_reproduces_finding_barriers(executed, con, latest_wave):
    _, final = executed["00_start_here.ipynb"]
    published = sql(
        con,
        "SELECT estimand, item, estimate, ci_low, ci_high, n_respondents FROM finding_barriers "
        "WHERE wave = ? AND org_type = 'kommune' AND breakdown = 'total'",
        latest_wave,
    )
    both = final.merge(published, on=["estimand", "item"], validate="one_to_one")
    assert len(both) == len(final) == 6 and set(final["estimand"]) == {"orgs", "inhabitants"}
    assert (final["wave"] == latest_wave).all()
    assert close(both["published"], both["estimate"])
    assert close(both["recomputed"], both["estimate"])
    assert close(both["ci_low_x"], both["ci_low_y"]) and close(both["ci_high_x"], both["ci_high_y"])
    assert (both["n"] == both["n_respondents"]).all()
    assert (final["abs_diff"] < ATOL).all()


def test_01_final_table_large_vs_small(executed, con, latest_wave):
    from pipeline import survey

    _, final = executed["01_barriers.ipynb"]
    a = sql(con, "SELECT * FROM analysis_respondents WHERE wave = ? AND org_type = 'kommune'", latest_wave)
    large = a["size_class"].isin([3, 4])
    small = a["size_class"] == 1
    design = survey.svydesign(a, strata="stratum", weights="weight", fpc="N_h")
    published = sql(
        con,
        "SELECT item, estimand, estimate, ci_low, ci_high FROM finding_barriers WHERE wave = ? "
        "AND org_type = 'kommune' AND breakdown = 'size_class' AND measure = 'difference' AND grp = '3+4 - 1'",
        latest_wave,
    ).set_index(["item", "estimand"])
    assert len(final) == 4 and (final["wave"] == latest_wave).all()
    for row in final.itertuples():
        y = a[row.item].astype(float)
        w = a["weight"] * (a["population"].astype(float) if row.estimand == "inhabitants" else 1.0)

        def share(mask, y=y, w=w):
            m = mask & y.notna()
            return float((w[m] * y[m]).sum() / w[m].sum()), int(m.sum())

        (p_large, n_large), (p_small, n_small) = share(large), share(small)
        assert close(row.share_large, p_large) and close(row.share_small, p_small), row
        assert close(row.difference, p_large - p_small), row
        assert (row.n_large, row.n_small) == (n_large, n_small), row
        pub = published.loc[(row.item, row.estimand)]
        assert close(row.difference, pub["estimate"]), row
        assert close(row.ci_low, pub["ci_low"]) and close(row.ci_high, pub["ci_high"]), row
        kwargs = {"size": "population"} if row.estimand == "inhabitants" else {}
        d = survey.svydiff(design, row.item, large.to_numpy(), small.to_numpy(), statistic="ciprop", **kwargs)
        assert close(row.ci_low, d["ci_low"].iloc[0]) and close(row.ci_high, d["ci_high"].iloc[0]), row


def _all_of(*conditions: pd.Series) -> pd.Series:
    """1/0/NaN: all conditions hold / one fails / otherwise unknown."""
    parts = pd.concat(conditions, axis=1)
    return pd.Series(
        np.where((parts == 0).any(axis=1), 0.0, np.where((parts == 1).all(axis=1), 1.0, np.nan)), index=parts.index
    )


def _stage_ge3(data: pd.DataFrame, criterion_3: pd.Series) -> pd.Series:
    """Share-at-stage-≥3 item from the stored criteria 1, 2, 4 and a replacement criterion 3 (cumulative model)."""
    criteria = [data["criterion_1"], data["criterion_2"], criterion_3, data["criterion_4"]]
    stage = pd.Series(np.nan, index=data.index)
    open_ = pd.Series(True, index=data.index)
    for k, c in enumerate(criteria, start=1):
        stage[open_ & (c == 0)] = k - 1
        open_ &= c == 1
    stage[open_] = len(criteria)
    return (stage >= 3).astype(float).where(stage.notna())


def test_02_final_table_stage_model_sensitivity(executed, con):
    from pipeline import survey

    _, final = executed["02_maturity.ipynb"]
    assert set(final["rule"]) == {"published", "strict", "stricter"}

    published = sql(
        con,
        "SELECT wave, org_type, estimate, ci_low, ci_high, n_respondents FROM finding_maturity "
        "WHERE item = 'maturity_stage_ge3' AND breakdown = 'total' AND estimand = 'orgs'",
    )
    rows = final[final["rule"] == "published"].merge(published, on=["wave", "org_type"], validate="one_to_one")
    assert len(rows) == len(published) == len(final) // 3
    assert close(rows["share_ge3"], rows["estimate"])
    assert close(rows["ci_low_x"], rows["ci_low_y"]) and close(rows["ci_high_x"], rows["ci_high_y"])
    assert (rows["n"] == rows["n_respondents"]).all()

    everyone = sql(con, "SELECT * FROM analysis_respondents")
    for (wave, org_type), part in everyone.groupby(["wave", "org_type"]):
        part = part.reset_index(drop=True)
        plans = _all_of(part["sdg_in_plans_okonomiplan"], part["sdg_in_plans_budsjett"])
        score = part["political_anchoring_score"]
        anchored = (score >= 3).astype(float).where(score.notna())
        part["strict"] = _stage_ge3(part, plans)
        part["stricter"] = _stage_ge3(part, _all_of(plans, anchored))
        assert close(_stage_ge3(part, part["criterion_3"]), part["maturity_stage_ge3"])  # the model, re-implemented
        design = survey.svydesign(part, strata="stratum", weights="weight", fpc="N_h")
        for rule in ("strict", "stricter"):
            got = final[(final["wave"] == wave) & (final["org_type"] == org_type) & (final["rule"] == rule)]
            assert len(got) == 1, (wave, org_type, rule)
            known = part[rule].notna()
            share = (part["weight"][known] * part[rule][known]).sum() / part["weight"][known].sum()
            ci = survey.svyciprop(design, rule)
            assert close(got["share_ge3"], share), (wave, org_type, rule)
            assert close(got["ci_low"], ci["ci_low"]) and close(got["ci_high"], ci["ci_high"])
            assert int(got["n"].iloc[0]) == int(known.sum())
        assert (part["strict"].fillna(0) <= part["maturity_stage_ge3"].fillna(1)).all()  # stricter never adds


def test_03_final_table_goal_coverage(executed, con, latest_wave):
    _, final = executed["03_goal_coverage.ipynb"]
    assert list(final["goal"]) == list(range(1, 18))
    goals = sql(con, "SELECT goal, short_name_nb FROM dim_sdg_goal ORDER BY goal")
    assert list(final["short_name_nb"]) == list(goals["short_name_nb"])
    cov = sql(
        con,
        "SELECT f.*, i.question_id, CAST(i.option_code AS INTEGER) AS goal FROM finding_goal_coverage f "
        "JOIN dim_item i USING (item) WHERE f.wave = ? AND f.org_type = 'kommune' AND f.estimand = 'orgs'",
        latest_wave,
    )
    for question, name in (("sdg_prioritised", "prioritised"), ("sdg_samfunnsdel", "samfunnsdel")):
        total = cov[(cov["breakdown"] == "total") & (cov["question_id"] == question)].set_index("goal")
        if total.empty:
            assert final[name].isna().all()
            continue
        total = total.loc[final["goal"]]
        assert close(final[name], total["estimate"])
        assert close(final[f"{name}_ci_low"], total["ci_low"]) and close(final[f"{name}_ci_high"], total["ci_high"])
    prio = cov[cov["question_id"] == "sdg_prioritised"]
    n_total = prio[prio["breakdown"] == "total"].set_index("goal")["n_respondents"]
    assert (final["n"].to_numpy() == n_total.loc[final["goal"]].to_numpy()).all()
    county = prio[prio["breakdown"] == "county"]
    assert county.loc[county["suppressed"], "estimate"].isna().all()  # suppressed cells carry no number
    shown = county.groupby("goal")["suppressed"].agg(lambda s: int((~s).sum())).loc[final["goal"]]
    hidden = county.groupby("goal")["suppressed"].agg(lambda s: int(s.sum())).loc[final["goal"]]
    assert (final["counties_shown"].to_numpy() == shown.to_numpy()).all()
    assert (final["counties_suppressed"].to_numpy() == hidden.to_numpy()).all()
    assert (final["counties_shown"] + final["counties_suppressed"] == county["grp"].nunique()).all()


def test_04_final_table_trends(executed, con):
    _, final = executed["04_comparing_waves.ipynb"]
    waves = sql(con, "SELECT wave FROM dim_wave ORDER BY field_start, wave")["wave"]
    first, last = waves.iloc[0], waves.iloc[-1]
    assert (final["wave_from"] == first).all() and (final["wave_to"] == last).all()
    assert set(final["population"]) == {"all", "panel"}
    trends = sql(
        con,
        "SELECT * FROM finding_trends WHERE wave_from = ? AND wave_to = ? AND org_type = 'kommune' "
        "AND estimand = 'orgs' AND breakdown = 'total'",
        first,
        last,
    )
    both = final.merge(trends, on=["item", "population"], validate="one_to_one", suffixes=("", "_wh"))
    assert len(both) == len(final)
    assert close(both["change"], both["estimate"])
    for col in ("estimate_from", "estimate_to", "ci_low", "ci_high"):
        assert close(both[col], both[f"{col}_wh"]), col
    assert (both["n"] == both["n_respondents"]).all()

    # 'all' = the difference of the two waves' own published estimates
    finding = sql(con, "SELECT item, finding FROM dim_item").set_index("item")["finding"]
    for row in final[final["population"] == "all"].itertuples():
        per_wave = sql(
            con,
            f"SELECT wave, estimate FROM finding_{finding[row.item]} WHERE item = ? AND org_type = 'kommune' "
            "AND estimand = 'orgs' AND breakdown = 'total' AND wave IN (?, ?)",
            row.item,
            first,
            last,
        ).set_index("wave")["estimate"]
        assert close(row.estimate_from, per_wave[first]) and close(row.estimate_to, per_wave[last]), row.item
        assert close(row.change, per_wave[last] - per_wave[first]), row.item
