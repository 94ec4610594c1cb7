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


def test_a_wave_exported_in_two_files_harmonises_as_one(tmp_path):
    """A Forms wave downloaded in two parts (say, before and after the reminder): `files: ["*.xlsx"]` combines them —
    the same organisations and answers as the single file, ids kept apart per file, duplicates across the files
    resolved by the same rule, both files in the manifest."""
    import openpyxl

    source = SAMPLE / "2025-vnr"
    book = openpyxl.load_workbook(next(source.glob("*.xlsx")))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    whole = harmonise_wave(load_codebook(source / "codebook.yaml"))
    # one duplicate pair split over the files: its winning submission goes to the second file
    pair = whole.issues[whole.issues["kind"] == "superseded_duplicate"].iloc[0]
    winner = pair["detail"].split("superseded by ")[1].split(":")[0]
    first = [r for r in body[: len(body) // 2] if str(r[0]) != winner]
    second = [r for r in body if r not in first]
    assert str(pair["respondent_id"]) in {str(r[0]) for r in first} and winner in {str(r[0]) for r in second}
    folder = tmp_path / "2025-vnr"
    folder.mkdir()
    for name, part in (("part1.xlsx", first), ("part2.xlsx", second)):
        out = openpyxl.Workbook()
        out.active.title = sheet.title
        out.active.append(header)
        for row in part:
            out.active.append(row)
        out.save(folder / name)
    codebook = yaml.safe_load((source / "codebook.yaml").read_text(encoding="utf-8"))
    codebook["files"] = ["*.xlsx"]
    (folder / "codebook.yaml").write_text(yaml.safe_dump(codebook, allow_unicode=True), encoding="utf-8")

    parts = harmonise_wave(load_codebook(folder / "codebook.yaml"))
    key = ["org_type", "org_code", "status"]
    assert (
        parts.respondents[key]
        .sort_values(key)
        .reset_index(drop=True)
        .equals(whole.respondents[key].sort_values(key).reset_index(drop=True))
    )
    assert set(parts.respondents["respondent_id"].str.split("#").str[0]) == {"part1", "part2"}
    assert len(parts.responses) == len(whole.responses)
    assert list(parts.manifest["source_file"]) == ["part1.xlsx", "part2.xlsx"]
    assert parts.manifest["n_respondents"].sum() == len(parts.respondents)
    superseded = parts.issues[parts.issues["kind"] == "superseded_duplicate"]
    assert len(superseded) == len(whole.issues[whole.issues["kind"] == "superseded_duplicate"])
    across = superseded[superseded["respondent_id"] == f"part1#{pair['respondent_id']}"]
    assert across["detail"].iloc[0].split("superseded by ")[1].startswith(f"part2#{winner}:")
