"""The same wave exported in another supported format harmonises to exactly the same respondents and answers:
the pipeline does not depend on the sample's own layout."""

import pytest
import yaml

from ks_testing import SAMPLE
from pipeline.codebook.harmonise import harmonise_wave
from pipeline.codebook.wave import load_codebook
from pipeline.readers import read_export
from pipeline.sample import formats

WAVE = SAMPLE / "2021-vsr"
IDENTITY = ["wave", "respondent_id", "org_code_reported", "org_code", "org_type", "identified_by", "role", "status"]


@pytest.fixture(scope="module")
def original():
    return harmonise_wave(load_codebook(WAVE / "codebook.yaml"))


@pytest.fixture(scope="module")
def content():
    export = read_export(next(WAVE.glob("*.xlsx")))
    rows = [{k: (None if v != v else v) for k, v in r.items()} for r in export.wide().to_dict("records")]
    return export.variables, rows


@pytest.mark.parametrize("variant", ["comma-cp1252", "semicolon-cp1252", "tab-utf16", "spss"])
def test_same_wave_other_format(tmp_path, original, content, variant):
    variables, rows = content
    folder = tmp_path / "2021-vsr"
    folder.mkdir()
    codebook = yaml.safe_load((WAVE / "codebook.yaml").read_text(encoding="utf-8"))
    if variant == "spss":
        formats.write_spss_sav(folder / "export.sav", variables, rows)
        codebook.update(files=["export.sav"], reader="spss_sav")
        # SPSS carries SurveyXact's status dummies as plain variables: the codebook names the rule
        codebook["status"] = {"rule": "column", "column": "stato_4", "complete": ["1"], "partial": ["0"]}
        codebook["ignore"] = [c for c in codebook["ignore"] if c != "stato_4"]
    else:
        formats.write_surveyxact_csv(folder, variables, rows, variant)
        codebook.update(files=["dataset.csv"], reader="surveyxact_csv")
    (folder / "codebook.yaml").write_text(yaml.safe_dump(codebook, allow_unicode=True), encoding="utf-8")
    other = harmonise_wave(load_codebook(folder / "codebook.yaml"))
    assert (
        other.respondents[IDENTITY].reset_index(drop=True).equals(original.respondents[IDENTITY].reset_index(drop=True))
    )
    keys = ["respondent_id", "question_id", "option_code"]
    assert (
        other.responses.sort_values(keys)
        .reset_index(drop=True)
        .equals(original.responses.sort_values(keys).reset_index(drop=True))
    )
    first = other.manifest.iloc[0]
    assert (first["n_respondents"], first["n_responses"]) == (len(original.respondents), len(original.responses))
    if variant != "spss":
        assert list(other.manifest["source_file"]) == ["dataset.csv", "structure.csv", "labels.csv"]
        assert other.manifest["n_respondents"].isna().tolist() == [False, True, True]
