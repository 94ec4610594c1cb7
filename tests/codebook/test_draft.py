"""``draft_codebook``: its guesses agree with the hand-written sample codebooks wherever it makes one, it finds the
respondent identity from the answers (not the headers), and it never copies a respondent's free text."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import pytest
import yaml

from ks_testing import SAMPLE
from pipeline.codebook.draft import draft_codebook
from pipeline.readers import read_export

EXPORTS = {
    "2021-vsr": ("ks-sdg-2021-vsr-SYNTHETIC-surveyxact.xlsx", 2020),
    "2023-nordic": ("ks-sdg-2023-nordic-SYNTHETIC-nettskjema.csv", 2020),
    "2025-vnr": ("ks-sdg-2025-vnr-SYNTHETIC-msforms.xlsx", 2024),
}


@cache
def _draft(wave: str) -> tuple[str, dict, dict, str]:
    """(wave, draft as data, the sample's own codebook, draft text) for one sample export."""
    name, frame_year = EXPORTS[wave]
    text = draft_codebook(read_export(SAMPLE / wave / name), wave=wave, frame_year=frame_year)
    hand = yaml.safe_load((SAMPLE / wave / "codebook.yaml").read_text(encoding="utf-8"))
    return wave, yaml.safe_load(text), hand, text


@pytest.fixture(params=list(EXPORTS))
def drafted(request) -> tuple[str, dict, dict, str]:
    return _draft(request.param)


def _question(spec: object) -> str:
    return spec if isinstance(spec, str) else spec["question"]


def test_identity_county_and_org_type_are_those_of_the_hand_codebook(drafted):
    _, draft, hand, _ = drafted
    assert draft["respondent"]["identity"] == hand["respondent"]["identity"]
    assert draft["respondent"].get("county") == hand["respondent"].get("county")
    if "org_type" in hand["respondent"]:
        assert draft["respondent"]["org_type"] == hand["respondent"]["org_type"]
    assert draft["pii"] == hand["pii"]


def test_every_guess_agrees_with_the_hand_codebook(drafted):
    """No wrong guess: a question, option or value the draft fills in is the one the researcher chose."""
    _, draft, hand, _ = drafted
    for column, spec in draft["variables"].items():
        if spec["question"] == "TODO":
            continue
        assert _question(hand["variables"][column]) == spec["question"], column
        mine = hand["variables"][column] if isinstance(hand["variables"][column], dict) else {}
        if spec.get("option", "TODO") != "TODO":
            assert spec["option"] == mine["option"], column
        for source, code in (spec.get("values") or {}).items():
            if code != "TODO" and mine.get("values"):
                assert mine["values"][source] == code, (column, source)
        assert spec.get("other") == mine.get("other"), column


def test_what_is_left_to_the_researcher(drafted):
    """SurveyXact and Forms carry their labels: every question is found. A Nettskjema report has only column
    names: the draft finds the questions whose names say them and leaves the rest (and the codes) to the form."""
    wave, draft, _, _ = drafted
    todo = {column for column, spec in draft["variables"].items() if spec["question"] == "TODO"}
    if wave == "2023-nordic":
        assert todo == {"modenhet", "lnob"} | {f"mal.{g}" for g in range(1, 18)}
        assert draft["variables"]["vedtak"]["question"] == "sdg_decision"
        assert draft["variables"]["barrierer.3"] == {"question": "barriers", "option": "TODO"}
        assert set(draft["variables"]["rolle"]["values"].values()) == {"TODO"}  # codes without labels
    else:
        assert todo == set()
    assert draft["field_period"] == {"start": "TODO", "end": "TODO"}  # a person decides


def test_forms_values_come_from_the_answers():
    _, draft, hand, text = _draft("2025-vnr")
    grid = "Mangel på kompetanse"  # a Forms grid row is headed by the row text alone
    assert draft["variables"][grid] == hand["variables"][grid]
    maturity = "Hvor langt har dere kommet i arbeidet med å ta i bruk bærekraftsmålene?"
    assert draft["variables"][maturity] == hand["variables"][maturity]
    barriers = draft["variables"]["Hva er de viktigste barrierene for arbeidet med bærekraftsmålene?"]
    assert barriers["other"] == "barriers_other" and len(barriers["values"]) == 7
    assert "submissions in the export: 2025-01-13 to 2025-03-12" in text


def test_no_free_text_answer_is_copied_into_the_draft():
    name, frame_year = EXPORTS["2025-vnr"]
    export = read_export(SAMPLE / "2025-vnr" / name)
    text = draft_codebook(export, wave="2025-vnr", frame_year=frame_year)
    hand = yaml.safe_load((SAMPLE / "2025-vnr" / "codebook.yaml").read_text(encoding="utf-8"))
    barriers = "Hva er de viktigste barrierene for arbeidet med bærekraftsmålene?"
    options = set(hand["variables"][barriers]["values"])
    answers = export.answers
    free = answers[(answers["variable"] == "Har du andre kommentarer?") | (answers["variable"] == barriers)]
    free = {v for v in free["value"] if v not in options and len(v) > 8}
    assert len(free) >= 4  # the sample has free text to protect
    assert not [v for v in free if v in text]
    identity = answers[answers["variable"] == "Hvilken kommune eller fylkeskommune representerer du?"]
    assert not [v for v in identity["value"].unique() if f'"{v}"' in text]


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_identity_found_from_the_answers_of_any_export(tmp_path):
    """A plain CSV whose headers say nothing: codes Excel stripped of their zero identify, the unit type column
    does not; a column of county names is the county."""
    rows = [
        [i, code, kind, county, level]
        for i, (code, kind, county, level) in enumerate(
            [
                (301, "Kommune", "Oslo", "Ikke startet"),
                (1804, "Kommune", "Nordland", "Vurderer eller utreder"),
                (4601, "Kommune", "Vestland", "Ikke startet"),
                (5001, "Kommune", "Trøndelag", "Vurderer eller utreder"),
                (46, "Fylkeskommune", "Vestland", "Ikke startet"),
                (1103, "Kommune", "Rogaland", "Vurderer eller utreder"),
            ]
        )
    ]
    export = read_export(_write_csv(tmp_path / "export.csv", ["lopenr", "enhet", "type", "region", "status_sdg"], rows))
    draft = yaml.safe_load(draft_codebook(export, wave="2027-test", frame_year=2024))
    assert draft["respondent"]["identity"] == {"column": "enhet", "by": "code"}
    assert draft["respondent"]["county"] == {"column": "region"}


def test_typed_names_beat_a_header_that_mentions_kommune(tmp_path):
    names = ["Herøy", "Våler", "Guovdageaidnu - Kautokeino", "Bodø", "Tromsø", "Ålesund"]
    rows = [[f"Kommunen vår er flott ({i})", name, "Ja"] for i, name in enumerate(names)]
    export = read_export(_write_csv(tmp_path / "export.csv", ["Om kommunen", "Hvem svarer", "Samtykke"], rows))
    draft = yaml.safe_load(draft_codebook(export, wave="2027-test", frame_year=2024))
    assert draft["respondent"]["identity"] == {"column": "Hvem svarer", "by": "name"}
    assert "county" not in draft["respondent"]


def test_a_forms_draft_with_its_dates_filled_in_harmonises_the_wave(tmp_path):
    """Only what a person must decide (titles, field period) filled in: the draft validates and identifies the
    same organisations as the hand-written codebook."""
    from pipeline.codebook.harmonise import harmonise_wave
    from pipeline.codebook.wave import load_codebook

    name, _ = EXPORTS["2025-vnr"]
    folder = tmp_path / "2027-test"
    folder.mkdir()
    (folder / name).write_bytes((SAMPLE / "2025-vnr" / name).read_bytes())
    text = _draft("2025-vnr")[3].replace("wave: 2025-vnr", "wave: 2027-test")
    text = text.replace("{start: TODO, end: TODO}", "{start: 2025-01-13, end: 2025-03-14}").replace("TODO", "Test")
    (folder / "codebook.yaml").write_text(text, encoding="utf-8")
    drafted = harmonise_wave(load_codebook(folder / "codebook.yaml"))
    hand = harmonise_wave(load_codebook(SAMPLE / "2025-vnr" / "codebook.yaml"))
    assert set(drafted.respondents["org_code"]) == set(hand.respondents["org_code"])
    assert len(drafted.respondents) == len(hand.respondents)


def _finish_2021_and_harmonise(text: str, folder: Path):
    """A 2021-vsr draft finished as a researcher would — titles, the field period and the one override check-wave
    asks for (a respondent typed a name into the code field) — saved in ``folder`` and harmonised, beside the
    hand-written codebook's harmonisation. Asserts both give the same respondents; returns (drafted, hand)."""
    from pipeline.codebook.harmonise import harmonise_wave
    from pipeline.codebook.wave import load_codebook

    text = text.replace("{start: TODO, end: TODO}", "{start: 2021-03-08, end: 2021-04-16}").replace("TODO", "Test")
    finished = yaml.safe_load(text)
    hand_codebook = yaml.safe_load((SAMPLE / "2021-vsr" / "codebook.yaml").read_text(encoding="utf-8"))
    finished["respondent"]["overrides"] = hand_codebook["respondent"]["overrides"]
    (folder / "codebook.yaml").write_text(yaml.safe_dump(finished, allow_unicode=True), encoding="utf-8")
    drafted = harmonise_wave(load_codebook(folder / "codebook.yaml"))
    hand = harmonise_wave(load_codebook(SAMPLE / "2021-vsr" / "codebook.yaml"))
    columns = ["respondent_id", "org_code", "org_type", "status"]
    assert drafted.respondents[columns].reset_index(drop=True).equals(hand.respondents[columns].reset_index(drop=True))
    return drafted, hand


def test_an_spss_export_of_surveyxact_drafts_to_the_same_harmonised_wave(tmp_path):
    """The 2021 wave saved as SPSS (labels, value labels, SurveyXact's column names but no Structure sheet): the
    draft recognises the tool's own columns and its status dummy, and — titles and dates filled in — harmonises to
    exactly the respondents and answers of the hand-written SurveyXact codebook."""
    from pipeline.sample import formats

    source = read_export(SAMPLE / "2021-vsr" / EXPORTS["2021-vsr"][0])
    rows = [{k: (None if v != v else v) for k, v in r.items()} for r in source.wide().to_dict("records")]
    folder = tmp_path / "2021-vsr"
    folder.mkdir()
    formats.write_spss_sav(folder / "export.sav", source.variables, rows)
    text = draft_codebook(read_export(folder / "export.sav"), wave="2021-vsr", frame_year=2020)
    draft = yaml.safe_load(text)
    assert draft["status"] == {"rule": "column", "column": "stato_4", "complete": ["1"], "partial": ["0"]}
    assert {"starttim", "stato_1", "stato_5"} <= set(draft["ignore"])
    assert draft["respondent"]["submitted_at"] == "closetim"
    assert not [c for c, spec in draft["variables"].items() if spec["question"] == "TODO"]
    drafted, hand = _finish_2021_and_harmonise(text, folder)
    keys = ["respondent_id", "question_id", "option_code"]
    assert len(drafted.responses) == len(hand.responses)
    assert (
        drafted.responses.sort_values(keys)[keys]
        .reset_index(drop=True)
        .equals(hand.responses.sort_values(keys)[keys].reset_index(drop=True))
    )


def test_an_export_with_labels_instead_of_codes_drafts_to_the_same_harmonised_wave(tmp_path):
    """SurveyXact's 2021 dataset saved to a plain workbook with the labels instead of the codes (question texts as
    headers, option texts as answers, "Valgt"/"Ikke valgt" in the multi-select columns, no Structure sheet): the
    draft maps every column, finds the words of the 0/1 columns and the status dummy, and — titles, dates and the
    one override filled in — harmonises to exactly the respondents and answers of the hand-written codebook."""
    import openpyxl

    source = read_export(SAMPLE / "2021-vsr" / EXPORTS["2021-vsr"][0])
    wide = source.wide()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([v.label if v.type != "system" and v.label else v.name for v in source.variables])
    for _, row in wide.iterrows():
        cells = []
        for var in source.variables:
            value = row[var.name]
            if value is None or value != value:
                cells.append(None)
            else:
                cells.append(var.value_labels.get(str(value), value) if var.value_labels else value)
        sheet.append(cells)
    folder = tmp_path / "2021-vsr"
    folder.mkdir()
    book.save(folder / "labels.xlsx")

    text = draft_codebook(read_export(folder / "labels.xlsx"), wave="2021-vsr", frame_year=2020)
    draft = yaml.safe_load(text)
    assert draft["reader"] == "generic_xlsx"
    assert draft["respondent"]["submitted_at"] == "closetim"  # the times the plain reader does not know
    assert "submissions in the export: 2021-03-08 to 2021-04-1" in text
    assert draft["status"] == {"rule": "column", "column": "stato_4", "complete": ["Valgt"], "partial": ["Ikke valgt"]}
    assert not [c for c, spec in draft["variables"].items() if spec["question"] == "TODO"]
    plans = "I hvilke planer og styringsdokumenter er bærekraftsmålene tatt inn? - Kommuneplanens arealdel"
    assert draft["variables"][plans] == {
        "question": "sdg_in_plans",
        "option": "arealdel",
        "selected": ["Valgt"],
        "unselected": ["Ikke valgt"],
    }
    drafted, hand = _finish_2021_and_harmonise(text, folder)
    keys = ["respondent_id", "question_id", "option_code", "value_num"]
    assert (
        drafted.responses.sort_values(keys)[keys]
        .reset_index(drop=True)
        .equals(hand.responses.sort_values(keys)[keys].reset_index(drop=True))
    )
