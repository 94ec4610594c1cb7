"""Codebook loading and validation: every error names the wave, the variable and the problem."""

import copy
from pathlib import Path

import pytest
import yaml

from pipeline.codebook.questionnaire import load_questionnaire
from pipeline.codebook.wave import discover_codebooks, header_is_pii, load_codebook
from pipeline.errors import CodebookError

VALID = {
    "wave": "2027-test",
    "codebook_version": 2,
    "title_nb": "Test",
    "files": ["export.csv"],
    "frame_year": 2024,
    "org_types": ["kommune"],
    "field_period": {"start": "2027-02-01", "end": "2027-03-01"},
    "respondent": {"identity": {"column": "knr", "by": "code"}},
    "status": {"rule": "required", "questions": ["maturity_self"]},
    "variables": {
        "q1": {"question": "respondent_role", "values": {1: "chief_executive", 2: "planner"}},
        "q2": "maturity_self",
        "b_1": {"question": "barriers", "option": "resources"},
        "goals": {"question": "sdg_prioritised", "split": ";"},
        "txt": {"question": "comments"},
    },
    "ignore": ["lastchanged"],
    "pii": ["email"],
}


def write(tmp_path: Path, data: dict) -> Path:
    folder = tmp_path / data.get("wave", "w")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "codebook.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_valid_codebook_loads(tmp_path):
    cb = load_codebook(write(tmp_path, VALID))
    assert cb.wave == "2027-test" and cb.frame_year == 2024 and cb.codebook_version == 2
    assert cb.population_year == 2024  # nearest year with population in the 2024 frame
    assert cb.variables["q1"].values == {"1": "chief_executive", "2": "planner"}
    assert cb.variables["q2"].question == "maturity_self"
    assert cb.questions() == ["respondent_role", "maturity_self", "barriers", "sdg_prioritised", "comments"]
    assert cb.respondent.identity_column == "knr" and cb.pii == {"email"}


def broken(**changes):
    data = copy.deepcopy(VALID)
    for key, value in changes.items():
        if key.startswith("var_"):
            data["variables"][key[4:]] = value
        else:
            data[key] = value
    return data


@pytest.mark.parametrize(
    ("data", "variable", "fragment"),
    [
        (broken(var_x={"question": "no_such_question"}), "x", "does not exist in the canonical questionnaire"),
        (broken(var_b_1={"question": "barriers", "option": "weather"}), "b_1", "option 'weather' is not an option"),
        (broken(var_q2={"question": "maturity_self", "option": "3"}), "q2", "only for multi-select"),
        (broken(var_q1={"question": "respondent_role", "values": {1: "boss"}}), "q1", "maps to 'boss'"),
        (broken(var_b_1={"question": "barriers"}), "b_1", "needs 'option'"),
        (broken(var_q3={"question": "maturity_self"}), "q3", "already mapped from 'q2'"),
        (broken(var_txt={"question": "comments", "values": {1: "x"}}), "txt", "maps to 'x'"),
        (
            broken(var_goals={"question": "sdg_prioritised", "split": ";", "other": "maturity_self"}),
            "goals",
            "'other' must name a text question",
        ),
    ],
)
def test_mapping_errors_name_wave_variable_and_problem(tmp_path, data, variable, fragment):
    with pytest.raises(CodebookError) as err:
        load_codebook(write(tmp_path, data))
    message = str(err.value)
    assert "wave '2027-test'" in message and f"variable {variable!r}" in message and fragment in message


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (broken(wave="test"), "must look like 2021-vsr"),
        (broken(frame_year=2021), "frame_year 2021 unknown"),
        (broken(org_types=["bydel"]), "org type 'bydel' unknown"),
        (broken(field_period={"start": "2027-03-01", "end": "2027-02-01"}), "ends (2027-02-01) before it starts"),
        (broken(field_period={"start": "soon", "end": "2027-02-01"}), "is not a date"),
        (broken(status={"rule": "required", "questions": ["nope"]}), "status requires question 'nope'"),
        (broken(status={"rule": "vibes"}), "status.rule 'vibes' unknown"),
        (broken(population_year=2023), "population_year 2023 not available for frame 2024"),
        (broken(respondent={"identity": {"column": "knr", "by": "email"}}), "identity.by must be one of"),
        (broken(variables={}), "no variables mapped"),
    ],
)
def test_wave_level_errors(tmp_path, data, fragment):
    with pytest.raises(CodebookError) as err:
        load_codebook(write(tmp_path, data))
    assert fragment in str(err.value)


def test_not_yaml(tmp_path):
    path = tmp_path / "2027-x" / "codebook.yaml"
    path.parent.mkdir()
    path.write_text("wave: [unclosed", encoding="utf-8")
    with pytest.raises(CodebookError, match="not valid YAML"):
        load_codebook(path)


def test_discover_finds_nested_waves_and_rejects_duplicates(tmp_path):
    write(tmp_path / "real", VALID)
    other = dict(VALID, wave="2028-test")
    write(tmp_path / "sample", other)
    assert set(discover_codebooks(tmp_path)) == {"2027-test", "2028-test"}
    write(tmp_path / "again", VALID)
    with pytest.raises(CodebookError, match="two codebooks claim this wave"):
        discover_codebooks(tmp_path)


@pytest.mark.parametrize("header", ["E-post", "Email", "Navn", "Name", "Telefon", "IP-adresse", "e_mail"])
def test_pii_headers(header):
    assert header_is_pii(header)


@pytest.mark.parametrize("header", ["Kommunenavn", "Hvilken kommune", "q1", "Fylke"])
def test_not_pii_headers(header):
    assert not header_is_pii(header)


def test_questionnaire_structure():
    q = load_questionnaire()
    assert len(q["sdg_prioritised"].options) == 17
    assert q["sdg_prioritised"].option("13").label_nb == "13 Stoppe klimaendringene"
    grid = q.grid_items("barrier_extent")
    assert [g.grid_item for g in grid] == [
        "resources",
        "capacity",
        "competence",
        "methods",
        "political_priority",
        "national_guidance",
        "data",
    ]
    assert [o.ordinal for o in q["political_anchoring"].options] == [1.0, 2.0, 3.0, 4.0, None]
    assert q["barriers"].option_codes[-1] == "other"
    options = q.dim_option()
    assert not options.duplicated(["question_id", "code"]).any()
    assert set(q.dim_question()["type"]) <= {"single", "multiple", "scale", "text", "number"}


def test_dedupe_complete_first_then_latest_and_a_missing_time_counts_as_earliest():
    import pandas as pd

    from pipeline.codebook.harmonise import _dedupe

    def at(text: str | None) -> pd.Timestamp:
        return pd.NaT if text is None else pd.Timestamp(text, tz="UTC")

    rows = [  # (respondent, org, status, submitted_at, source_row)
        ("a", "0301", "complete", None, 2),
        ("b", "0301", "complete", "2021-03-10", 3),
        ("c", "0301", "partial", "2021-04-01", 4),
        ("d", "1804", "complete", None, 5),
        ("e", "1804", "complete", None, 6),
        ("f", "4601", "partial", None, 7),
        ("g", "4601", "partial", "2021-03-01", 8),
    ]
    candidates = pd.DataFrame(
        {
            "respondent_id": [r[0] for r in rows],
            "org_type": "kommune",
            "org_code": [r[1] for r in rows],
            "status": [r[2] for r in rows],
            # seconds resolution, as SPSS and Forms times arrive
            "submitted_at": pd.Series([at(r[3]) for r in rows]).astype("datetime64[s, UTC]"),
            "source_file": "export.sav",
            "source_row": [r[4] for r in rows],
        }
    )
    kept, superseded = _dedupe(candidates)
    assert kept["respondent_id"].tolist() == ["b", "e", "g"]
    assert dict(zip(superseded["respondent_id"], superseded["superseded_by"], strict=True)) == {
        "a": "b",
        "c": "b",
        "d": "e",
        "f": "g",
    }
