"""The truths encoded in the synthetic sample (pipeline/sample/TRUTH.md) come out of the pipeline with their
uncertainty. Which truths, exactly:

1. the published 95 % CIs of barrier shares cover the realised finite-population shares (every invited org's
   simulated answer, respondent or not) for at least 90 % of the 35 wave × org type × barrier cells;
2. small municipalities cite lack of capacity more than large ones: the difference "20 000+ minus under 5 000
   inhabitants" is negative with its whole CI below 0 in every wave, and for lack of competence in 2021 and 2023;
3. county authorities miss national guidance more than municipalities (CI above 0 in 2021 and 2025);
4. larger, more central, recently merged and network-member municipalities are further along: the difference in
   the share at maturity stage ≥ 3 is positive with the whole CI above 0, for all four drivers in every wave;
5. municipalities moved forward between 2021 and 2025: the change in the share at stage ≥ 3 has its CI above 0;
6. weighting corrects non-response: the weighted share with a council decision is closer to the realised frame
   share than the unweighted mean of the respondents, in every wave (large, advanced orgs answer more often).
"""

import numpy as np
import pytest

from pipeline.sample.truth import population_answers

WAVES = ("2021-vsr", "2023-nordic", "2025-vnr")
BARRIERS = ("resources", "capacity", "competence", "methods", "political_priority", "national_guidance", "data")


def row(table, **where):
    hit = table
    for key, value in where.items():
        hit = hit[hit[key] == value]
    assert len(hit) == 1, where
    return hit.iloc[0]


@pytest.fixture(scope="module")
def population():
    return {wave: population_answers(wave) for wave in WAVES}


def test_barrier_intervals_cover_the_realised_population_shares(sample_tables, population):
    barriers = sample_tables["finding_barriers"]
    cells, covered = 0, 0
    for wave in WAVES:
        for org_type in ("kommune", "fylkeskommune"):
            answers = [a for (t, _), a in population[wave].items() if t == org_type]
            if not answers:
                continue
            for item in BARRIERS:
                r = row(
                    barriers, wave=wave, org_type=org_type, estimand="orgs", breakdown="total", item=f"barriers_{item}"
                )
                truth = np.mean([item in a.get("barriers", ()) for a in answers])
                cells += 1
                covered += bool(r["ci_low"] <= truth <= r["ci_high"])
    assert cells == 35
    assert covered / cells >= 0.90, f"{covered} of {cells} intervals cover the realised share"


def contrast(table, wave, item, breakdown, org_type="kommune"):
    return row(
        table, wave=wave, org_type=org_type, estimand="orgs", breakdown=breakdown, item=item, measure="difference"
    )


@pytest.mark.parametrize(
    ("item", "waves"), [("barriers_capacity", WAVES), ("barriers_competence", ("2021-vsr", "2023-nordic"))]
)
def test_small_municipalities_cite_capacity_and_competence_more(sample_tables, item, waves):
    for wave in waves:
        r = contrast(sample_tables["finding_barriers"], wave, item, "size_class")
        assert r["grp"] == "3+4 - 1"
        assert r["estimate"] < 0 and r["ci_high"] < 0, (wave, r["estimate"], r["ci_low"], r["ci_high"])


def test_county_authorities_miss_national_guidance(sample_tables):
    for wave in ("2021-vsr", "2025-vnr"):
        r = contrast(
            sample_tables["finding_barriers"],
            wave,
            "barriers_national_guidance",
            "org_type",
            org_type="fylkeskommune - kommune",
        )
        assert r["ci_low"] > 0, (wave, r["estimate"], r["ci_low"])


@pytest.mark.parametrize("breakdown", ["size_class", "centrality_class", "merged_2020", "network_member"])
def test_drivers_of_maturity(sample_tables, breakdown):
    for wave in WAVES:
        r = contrast(sample_tables["finding_maturity"], wave, "maturity_stage_ge3", breakdown)
        assert r["ci_low"] > 0, (wave, breakdown, r["estimate"], r["ci_low"])


def test_progress_between_2021_and_2025(sample_tables):
    r = row(
        sample_tables["finding_trends"],
        wave="2021-vsr → 2025-vnr",
        org_type="kommune",
        estimand="orgs",
        breakdown="total",
        item="maturity_stage_ge3",
        population="all",
    )
    assert r["estimate"] > 0 and r["ci_low"] > 0
    assert r["estimate"] == pytest.approx(r["estimate_to"] - r["estimate_from"])


def test_weighting_corrects_non_response(sample_tables, population):
    analysis = sample_tables["analysis_respondents"]
    for wave in WAVES:
        answers = [a for (t, _), a in population[wave].items() if t == "kommune"]
        truth = np.mean([a.get("sdg_decision") == "yes" for a in answers if a.get("sdg_decision")])
        weighted = row(
            sample_tables["finding_maturity"],
            wave=wave,
            org_type="kommune",
            estimand="orgs",
            breakdown="total",
            item="sdg_decision_yes",
        )["estimate"]
        naive = analysis.loc[
            (analysis["wave"] == wave) & (analysis["org_type"] == "kommune"), "sdg_decision_yes"
        ].mean()
        assert abs(weighted - truth) < abs(naive - truth), (wave, truth, weighted, naive)
