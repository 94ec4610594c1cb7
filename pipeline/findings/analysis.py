"""``analysis_respondents``: the flat file every estimate is computed from.

One row per *complete* respondent (org) and wave with its frame attributes, post-stratum, N_h (orgs in the
stratum), respondents_h (n_h; named so because DuckDB, SPSS and SAS do not tell N_h from n_h), weight,
population and one column per finding item (named exactly as the ``item`` in the findings tables). A
statistician can re-run every number from it in R::

    a1 <- subset(a, wave == w & org_type == t)
    d <- svydesign(ids = ~1, strata = ~stratum, fpc = ~N_h, weights = ~weight, data = a1)
    svyciprop(~barriers_capacity, d, method = "logit")                    # share of organisations
    svyratio(~I(population * barriers_capacity), ~population, d)          # share of inhabitants

Population = every org of the wave's frame and org type; sample = complete respondents (partial ones count in
response rates only). Weights post-stratify to county × size class (municipalities) or one stratum (county
authorities), w = N_h / n_h, with the collapsing rule of :mod:`pipeline.survey.weights`.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from pipeline.codebook.questionnaire import load_questionnaire
from pipeline.findings import items as item_defs
from pipeline.findings import maturity
from pipeline.findings.config import FindingsConfig, load_config
from pipeline.geography import size_class
from pipeline.survey import assert_weights_reproduce_totals, poststratify

ID_COLUMNS = [
    "wave",
    "org_type",
    "org_code",
    "respondent_id",
    "org_name",
    "county_number",
    "county_name",
    "population",
    "size_class",
    "centrality_class",
    "merged_2020",
    "network_member",
    "stratum",
    "N_h",
    "respondents_h",
    "weight",
    "weight_inhabitants",
]


@dataclass
class Inputs:
    """The warehouse tables findings are computed from."""

    waves: pd.DataFrame
    orgs: pd.DataFrame
    population: pd.DataFrame
    respondents: pd.DataFrame
    responses: pd.DataFrame
    wave_questions: pd.DataFrame
    crosswalk: pd.DataFrame


def load_inputs(con: duckdb.DuckDBPyConnection) -> Inputs:
    """Read the harmonised tables (only what findings need)."""
    q = lambda sql: con.execute(sql).df()  # noqa: E731
    return Inputs(
        waves=q("SELECT * FROM dim_wave ORDER BY field_start, wave"),
        orgs=q("SELECT * FROM dim_org"),
        population=q("SELECT * FROM dim_population"),
        respondents=q("SELECT * FROM fact_respondent"),
        responses=q(
            "SELECT wave, respondent_id, question_id, option_code, value_num FROM fact_response "
            "WHERE option_code IS NOT NULL OR value_num IS NOT NULL"
        ),
        wave_questions=q("SELECT * FROM wave_question"),
        crosswalk=q("SELECT * FROM dim_crosswalk"),
    )


@dataclass
class InputParts:
    """The input tables split once by the keys :func:`wave_frame` selects on."""

    orgs: dict[tuple, pd.DataFrame]
    population: dict[tuple, pd.DataFrame]
    respondents: dict[tuple, pd.DataFrame]


def split_inputs(inputs: Inputs) -> InputParts:
    """``inputs`` split by (frame year, org type), (frame year, org type, year) and (wave, org type)."""

    def split(frame: pd.DataFrame, keys: list[str]) -> dict[tuple, pd.DataFrame]:
        return {key: part for key, part in frame.groupby(keys, sort=False)} if len(frame) else {}

    return InputParts(
        orgs=split(inputs.orgs, ["frame_year", "org_type"]),
        population=split(inputs.population, ["frame_year", "org_type", "year"]),
        respondents=split(inputs.respondents, ["wave", "org_type"]),
    )


def wave_frame(inputs: Inputs, wave: pd.Series, org_type: str, parts: InputParts | None = None) -> pd.DataFrame:
    """Every org of the wave's frame and org type, with population of the wave's population year, size class
    and response status (``complete``, ``partial`` or ``none``). ``parts``: :func:`split_inputs` of ``inputs``,
    when the caller builds many frames."""
    parts = parts or split_inputs(inputs)
    orgs = parts.orgs.get((wave["frame_year"], org_type), inputs.orgs.iloc[0:0])
    pop = parts.population.get((wave["frame_year"], org_type, wave["population_year"]), inputs.population.iloc[0:0])
    pop = pop.set_index("org_code")["population"]
    frame = orgs[
        [
            "org_code",
            "org_type",
            "name",
            "county_number",
            "county_name",
            "population",
            "population_year",
            "size_class",
            "centrality_index",
            "centrality_class",
            "merged_2020",
            "split_2024",
        ]
    ].rename(columns={"name": "org_name"})
    if len(pop):
        frame["population"] = frame["org_code"].map(pop).astype("Int64")
        frame["population_year"] = int(wave["population_year"])
    if org_type == "kommune":
        frame["size_class"] = pd.array([size_class(p) for p in frame["population"]], dtype="Int64")
    resp = parts.respondents.get((wave["wave"], org_type), inputs.respondents.iloc[0:0])
    status = resp.set_index("org_code")["status"]
    frame["status"] = frame["org_code"].map(status).fillna("none")
    frame["respondent_id"] = frame["org_code"].map(resp.set_index("org_code")["respondent_id"])
    return frame.reset_index(drop=True)


def weights_for(frame: pd.DataFrame, org_type: str):
    """Post-stratification of one wave × org type (county × size class; one stratum for county authorities)."""
    units = pd.DataFrame(
        {
            "org_code": frame["org_code"],
            "county": frame["county_number"] if org_type == "kommune" else "all",
            "size_class": frame["size_class"] if org_type == "kommune" else pd.NA,
            "responded": frame["status"] == "complete",
        }
    )
    result = poststratify(units)
    assert_weights_reproduce_totals(result.units)
    return result


@dataclass
class Analysis:
    """analysis_respondents plus the frames (with strata) and weighting notes it was built from."""

    respondents: pd.DataFrame
    frames: pd.DataFrame
    collapse_steps: pd.DataFrame
    catalogue: pd.DataFrame


def build_analysis(inputs: Inputs, config: FindingsConfig | None = None) -> Analysis:
    """analysis_respondents for every wave and org type in the warehouse."""
    config = config or load_config()
    q = load_questionnaire()
    rows, frames, steps = [], [], []
    wide = item_defs.respondent_items(inputs.responses, q)
    mat = maturity.stages(wide, config)
    wide = wide.join(maturity.stage_items(mat["maturity_stage"], config, mat["maturity_stage_min"])).join(mat)
    parts = split_inputs(inputs)
    for _, wave in inputs.waves.iterrows():
        wave_wide = wide.xs(wave["wave"], level="wave") if wave["wave"] in wide.index.get_level_values(0) else None
        for org_type in str(wave["org_types"]).split(";"):
            frame = wave_frame(inputs, wave, org_type, parts)
            if (frame["status"] == "complete").sum() < 2 or wave_wide is None:
                continue
            ps = weights_for(frame, org_type)
            units = ps.units  # one row per frame row, in the frame's order
            frame = frame.assign(
                stratum=units["stratum"].to_numpy(),
                N_h=units["N_h"].to_numpy(),
                respondents_h=units["n_h"].to_numpy(),
                weight=units["weight"].to_numpy(),
                wave=wave["wave"],
            )
            frames.append(frame)
            steps.append(
                ps.collapse_steps.rename(columns={"n": "respondents", "N": "frame_orgs"}).assign(
                    wave=wave["wave"], org_type=org_type
                )
            )
            complete = frame[frame["status"] == "complete"].join(wave_wide, on="respondent_id")
            network = complete["networks_any"] if "networks_any" in complete else pd.Series(pd.NA, index=complete.index)
            complete["network_member"] = network.map({1.0: True, 0.0: False}).astype("boolean")
            complete["weight_inhabitants"] = complete["weight"] * complete["population"].astype(float)
            rows.append(complete)
    if not rows:
        raise ValueError("no wave has at least two complete respondents: nothing to analyse")
    data = pd.concat(rows, ignore_index=True)
    catalogue = pd.concat([item_defs.catalogue(q), maturity.stage_catalogue(config)], ignore_index=True)
    item_cols = [c for c in catalogue["item"] if c in data.columns]
    criteria = sorted(c for c in data.columns if c.startswith("criterion_"))
    extra = ["maturity_stage", "maturity_stage_min", *criteria]
    data = data[ID_COLUMNS + extra + item_cols]
    for col in ("size_class", "centrality_class", "population", "N_h", "respondents_h"):
        data[col] = data[col].astype("Int64")
    catalogue = catalogue[catalogue["item"].isin(item_cols)].reset_index(drop=True)
    catalogue["position"] = range(1, len(catalogue) + 1)
    return Analysis(data, pd.concat(frames, ignore_index=True), pd.concat(steps, ignore_index=True), catalogue)


def load_analysis(con: duckdb.DuckDBPyConnection) -> Analysis:
    """The analysis tables as written to the warehouse (for computing findings table by table)."""
    q = lambda sql: con.execute(sql).df()  # noqa: E731
    return Analysis(
        respondents=q("SELECT * FROM analysis_respondents"),
        frames=q("SELECT * FROM weighting_strata"),
        collapse_steps=q("SELECT * FROM weighting_collapse_steps"),
        catalogue=q("SELECT * FROM dim_item ORDER BY position"),
    )
