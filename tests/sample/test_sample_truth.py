"""The documented truth (pipeline/sample/TRUTH.md) shows in the generated answers, and the model is deterministic."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.codebook.questionnaire import load_questionnaire
from pipeline.readers import read_export
from pipeline.sample import truth
from pipeline.sample.truth import WAVES, Submission, expected_shares, simulate_wave, wave_orgs

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def samples() -> dict[str, truth.WaveSample]:
    return {wave: simulate_wave(wave) for wave in WAVES}


def _complete(sample: truth.WaveSample, org_type: str = "kommune") -> list[Submission]:
    return [s for s in sample.kept() if s.status == "complete" and s.org.org_type == org_type]


def _share(subs: list[Submission], question: str, code: str) -> float:
    answered = [s for s in subs if question in s.answers]
    return float(np.mean([code in s.answers[question] for s in answered]))


def _mean_maturity(subs: list[Submission]) -> float:
    return float(np.mean([int(s.answers["maturity_self"]) for s in subs]))


def test_simulation_is_deterministic() -> None:
    a, b = simulate_wave("2023-nordic", 5), simulate_wave("2023-nordic", 5)
    assert [(s.org.key, s.kind, s.submitted_at, s.answers) for s in a.submissions] == [
        (s.org.key, s.kind, s.submitted_at, s.answers) for s in b.submissions
    ]
    c = simulate_wave("2023-nordic", 6)
    assert [s.answers for s in a.submissions] != [s.answers for s in c.submissions]


def test_frames_are_the_real_frames() -> None:
    counts = {w: (sum(o.org_type == "kommune" for o in wave_orgs(w)), len(wave_orgs(w))) for w in WAVES}
    assert counts == {"2021-vsr": (356, 367), "2023-nordic": (356, 356), "2025-vnr": (357, 372)}


def test_answers_use_questionnaire_codes(samples: dict[str, truth.WaveSample]) -> None:
    q = load_questionnaire()
    for sample in samples.values():
        for sub in sample.submissions:
            for question, value in sub.answers.items():
                spec = q[question]
                if spec.type == "text":
                    assert isinstance(value, str) and value
                elif spec.type == "multiple":
                    assert set(value) <= set(spec.option_codes), (question, value)  # type: ignore[arg-type]
                else:
                    assert value in spec.option_codes, (question, value)


@pytest.mark.parametrize("wave", list(WAVES))
def test_small_municipalities_cite_capacity_and_competence_more(wave: str, samples: dict) -> None:
    munis = _complete(samples[wave])
    small = [s for s in munis if s.org.group == "small"]
    large = [s for s in munis if s.org.group == "large"]
    assert _share(small, "barriers", "capacity") > _share(large, "barriers", "capacity") + 0.15
    assert _share(small, "barriers", "competence") > _share(large, "barriers", "competence") + 0.05
    assert _share(small, "barriers", "resources") > 0.5 and _share(large, "barriers", "resources") > 0.5


def test_county_authorities_cite_national_guidance_more(samples: dict) -> None:
    counties = _complete(samples["2021-vsr"], "fylkeskommune") + _complete(samples["2025-vnr"], "fylkeskommune")
    munis = _complete(samples["2021-vsr"]) + _complete(samples["2025-vnr"])
    assert len(counties) >= 15
    assert _share(counties, "barriers", "national_guidance") > _share(munis, "barriers", "national_guidance") + 0.2


@pytest.mark.parametrize("wave", list(WAVES))
def test_progress_drivers(wave: str, samples: dict) -> None:
    munis = _complete(samples[wave])
    small = [s for s in munis if s.org.group == "small"]
    large = [s for s in munis if s.org.group == "large"]
    assert _mean_maturity(large) > _mean_maturity(small) + 0.3
    merged = [s for s in munis if s.org.merged_2020]
    assert _mean_maturity(merged) > _mean_maturity([s for s in munis if not s.org.merged_2020])
    members = [s for s in munis if "none" not in s.answers.get("networks", ("none",))]
    assert _mean_maturity(members) > _mean_maturity([s for s in munis if s.answers.get("networks") == ("none",)])
    assert _share(large, "sdg_decision", "yes") > _share(small, "sdg_decision", "yes")
    assert _share(large, "sdg_in_plans", "samfunnsdel") > _share(small, "sdg_in_plans", "samfunnsdel")


def test_network_membership_and_response_rise_with_size(samples: dict) -> None:
    truths = [t for t in samples["2021-vsr"].truths if t.org.org_type == "kommune"]
    by_size = {c: [t for t in truths if t.org.size_class == c] for c in (1, 2, 3, 4)}
    p_net = [np.mean([t.p_network for t in by_size[c]]) for c in (1, 2, 3, 4)]
    p_resp = [np.mean([t.p_respond for t in by_size[c]]) for c in (1, 2, 3, 4)]
    assert p_net == sorted(p_net) and p_resp == sorted(p_resp)
    realised = [np.mean([t.responds for t in by_size[c]]) for c in (1, 2, 3, 4)]
    assert realised[0] < realised[1] < realised[3]


def test_goals(samples: dict) -> None:
    subs = [s for w in WAVES for s in _complete(samples[w])]
    shares = {str(g): _share(subs, "sdg_prioritised", str(g)) for g in range(1, 18)}
    assert set(sorted(shares, key=shares.get, reverse=True)[:3]) == {"3", "11", "13"}
    coastal = [s for s in subs if s.org.coastal]
    inland = [s for s in subs if not s.org.coastal]
    assert _share(coastal, "sdg_prioritised", "14") > _share(inland, "sdg_prioritised", "14") + 0.15
    counts = [len(s.answers["sdg_prioritised"]) for s in subs]  # type: ignore[arg-type]
    assert 4 <= np.mean(counts) <= 8 and min(counts) >= 1
    covered = prioritised = 0
    other = not_prioritised = 0
    for s in subs:
        for g in s.answers.get("sdg_samfunnsdel", ()):  # type: ignore[union-attr]
            if g in s.answers["sdg_prioritised"]:  # type: ignore[operator]
                covered += 1
            else:
                other += 1
        if "sdg_samfunnsdel" in s.answers:
            n = len(s.answers["sdg_prioritised"])  # type: ignore[arg-type]
            prioritised += n
            not_prioritised += 17 - n
    assert covered / prioritised > other / not_prioritised + 0.4


def test_trend_and_panel(samples: dict) -> None:
    eta = {w: np.mean([t.eta for t in samples[w].truths if t.org.org_type == "kommune"]) for w in WAVES}
    assert 0.2 < eta["2025-vnr"] - eta["2021-vsr"] < 0.4
    assert eta["2021-vsr"] < eta["2023-nordic"] < eta["2025-vnr"]
    u21 = {t.org.code: t.u for t in samples["2021-vsr"].truths if t.org.org_type == "kommune"}
    u25 = {t.org.code: t.u for t in samples["2025-vnr"].truths if t.org.org_type == "kommune"}
    assert u21["4601"] == u25["4601"] and u21["3024"] == u25["3201"]  # Bergen; Bærum renumbered in 2024
    assert u25["1508"] == u25["1580"] == u21["1507"]  # Ålesund split: both inherit


def test_duplicates_and_partials(samples: dict) -> None:
    for wave, sample in samples.items():
        spec = WAVES[wave]
        kinds = [s.kind for s in sample.submissions]
        assert kinds.count("resubmit_partial") == spec.n_resubmit
        assert kinds.count("second_person") == spec.n_second_person
        assert kinds.count("not_started") == spec.n_not_started
        main = {s.org.key: s for s in sample.kept()}
        for s in sample.submissions:
            if s.kind in ("resubmit_partial", "second_person"):
                assert s.submitted_at < main[s.org.key].submitted_at and main[s.org.key].status == "complete"
        partial = [s for s in sample.kept() if s.status == "partial"]
        assert 0.03 < len(partial) / len(main) < 0.2
        assert all("sdg_prioritised" not in s.answers for s in partial)
        assert all(o in main for o in spec.forced)


def test_expected_shares_show_non_response_bias() -> None:
    table = expected_shares("2021-vsr").set_index(["estimand", "group"])["expected"]
    assert table[("barrier_capacity", "small")] == pytest.approx(0.70)
    assert table[("barrier_capacity", "large")] == pytest.approx(0.40)
    assert table[("sdg_decision_yes", "resp_all")] > table[("sdg_decision_yes", "all")]
    assert table[("barrier_capacity", "resp_all")] < table[("barrier_capacity", "all")]


def test_export_carries_the_truth() -> None:
    """Read back the committed SurveyXact export: capacity (v_12_2) by size class of the typed org code."""
    sample = simulate_wave("2021-vsr")
    export = read_export(REPO / "raw/sample/2021-vsr/ks-sdg-2021-vsr-SYNTHETIC-surveyxact.xlsx")
    wide = export.wide()
    complete = export.records.set_index("record_id")["status_hint"] == "complete"
    wide = wide[complete.reindex(wide.index).to_numpy() & (wide["s_1"] == "1").to_numpy()]
    size = {o.code: o.size_class for o in wave_orgs("2021-vsr")}
    from pipeline.geography import Geography

    geo = Geography(2020)
    overrides = {"Bodø kommune": "1804"}
    codes = [overrides.get(v) or geo.by_code(v).org_code for v in wide["s_2"]]
    small = np.array([size[c] <= 2 for c in codes])
    capacity = wide["v_12_2"].astype(float).to_numpy()
    assert np.nanmean(capacity[small]) > np.nanmean(capacity[~small]) + 0.15
    assert len(codes) == sum(s.status == "complete" and s.org.org_type == "kommune" for s in sample.submissions)
