"""Broken exports and codebooks: each gives one actionable error naming the file, the sheet/row/column and what
was expected — and the warehouse keeps exactly what it had (the wave is replaced atomically or not at all)."""

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest
import yaml

from ks_testing import SAMPLE
from pipeline.build import build_wave
from pipeline.codebook.wave import load_codebook
from pipeline.definitions import make_definitions
from pipeline.defs.resources import WarehouseResource
from pipeline.defs.runner import materialize_all
from pipeline.errors import CodebookError, InputError, KsSdgError, Problems
from pipeline.warehouse import table_names

VSR = "2021-vsr"
NORDIC = "2023-nordic"
VNR = "2025-vnr"
FILES = {
    VSR: "ks-sdg-2021-vsr-SYNTHETIC-surveyxact.xlsx",
    NORDIC: "ks-sdg-2023-nordic-SYNTHETIC-nettskjema.csv",
    VNR: "ks-sdg-2025-vnr-SYNTHETIC-msforms.xlsx",
}
NAME_COLUMN = "Hvilken kommune eller fylkeskommune representerer du?"


def snapshot(path: Path) -> dict:
    """Every table's full content, in a stable order, to compare before and after."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in table_names(con)}
    finally:
        con.close()


@pytest.fixture
def setup(tmp_path, sample_warehouse):
    """A private copy of the sample warehouse and of the raw sample, plus a function that breaks one wave."""
    warehouse = tmp_path / "wh.duckdb"
    shutil.copy(sample_warehouse, warehouse)
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw / "sample")
    return warehouse, raw


def wave_dir(raw: Path, wave: str) -> Path:
    return raw / "sample" / wave


def edit_nettskjema(raw: Path, line_no: int, old: str, new: str) -> None:
    path = wave_dir(raw, NORDIC) / FILES[NORDIC]
    lines = path.read_text(encoding="utf-8").split("\n")
    assert old in lines[line_no - 1]
    lines[line_no - 1] = lines[line_no - 1].replace(old, new, 1)
    path.write_text("\n".join(lines), encoding="utf-8")


def edit_forms(raw: Path, row: int, header: str, value: object) -> None:
    path = wave_dir(raw, VNR) / FILES[VNR]
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    col = [c.value for c in ws[1]].index(header) + 1
    ws.cell(row=row, column=col).value = value
    wb.save(path)


def break_empty(raw):
    (wave_dir(raw, VNR) / FILES[VNR]).write_bytes(b"")
    return VNR


def break_sheets(raw):
    wb = openpyxl.Workbook()
    wb.active.title = "Ark1"
    wb.active["A1"] = "respondent"
    wb.save(wave_dir(raw, VSR) / FILES[VSR])
    return VSR


def break_truncated(raw):
    path = wave_dir(raw, VSR) / FILES[VSR]
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return VSR


def break_bytes(raw):
    path = wave_dir(raw, NORDIC) / FILES[NORDIC]
    data = path.read_bytes().split(b"\n")
    data[4] = data[4].replace(b'"', b'"\x81', 1)
    path.write_bytes(b"\n".join(data))
    return NORDIC


def break_unknown_column(raw):
    path = wave_dir(raw, NORDIC) / FILES[NORDIC]
    lines = path.read_text(encoding="utf-8").split("\n")
    lines = [line + (';"tilleggsspm"' if i == 0 else ';"x"') if line else line for i, line in enumerate(lines)]
    path.write_text("\n".join(lines), encoding="utf-8")
    return NORDIC


def break_text_in_codes(raw):
    path = wave_dir(raw, NORDIC) / FILES[NORDIC]
    header = path.read_text(encoding="utf-8").split("\n")[0].split(";")
    col = header.index('"modenhet"')
    lines = path.read_text(encoding="utf-8").split("\n")
    fields = lines[6].split(";")
    fields[col] = '"ganske langt"'
    lines[6] = ";".join(fields)
    path.write_text("\n".join(lines), encoding="utf-8")
    return NORDIC


def break_unknown_name(raw):
    edit_forms(raw, 5, NAME_COLUMN, "Atlantis kommune")
    return VNR


def break_ambiguous_name(raw):
    edit_forms(raw, 6, NAME_COLUMN, "Herøy")
    edit_forms(raw, 6, "Fylke", None)
    return VNR


def break_codebook_question(raw):
    path = wave_dir(raw, NORDIC) / "codebook.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["variables"]["modenhet"]["question"] = "maturity_selfie"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return NORDIC


CASES = {
    "empty file": (break_empty, InputError, ["ks-sdg-2025-vnr-SYNTHETIC-msforms.xlsx", "empty"]),
    "missing sheets": (break_sheets, InputError, ["lacks the sheet(s)", "Dataset", "sheets found: Ark1"]),
    "truncated xlsx": (break_truncated, InputError, ["not a readable xlsx"]),
    "undecodable bytes": (break_bytes, InputError, ["byte 0x81 at byte offset", "(line 5)", "expected one encoding"]),
    "unknown column": (
        break_unknown_column,
        InputError,
        ["column 'tilleggsspm'", "not in the codebook", "listed under 'ignore'"],
    ),
    "text where codes belong": (
        break_text_in_codes,
        InputError,
        [
            "row 7",
            "column 'modenhet'",
            "'ganske langt' is not a code of question maturity_self",
            "expected one of the codes",
        ],
    ),
    "unknown name": (
        break_unknown_name,
        InputError,
        [
            "sheet 'Sheet1'",
            "row 5",
            f"column {NAME_COLUMN!r}",
            "no municipality or county authority named 'Atlantis kommune'",
        ],
    ),
    "ambiguous name": (
        break_ambiguous_name,
        InputError,
        ["row 6", "'Herøy' is ambiguous", "1515 Herøy (kommune, Møre og Romsdal)", "1818 Herøy (kommune, Nordland)"],
    ),
    "codebook question": (
        break_codebook_question,
        CodebookError,
        ["wave '2023-nordic'", "variable 'modenhet'", "'maturity_selfie', which does not exist"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_gives_one_clear_error_and_leaves_the_warehouse(setup, case):
    warehouse, raw = setup
    breaker, error_type, fragments = CASES[case]
    before = snapshot(warehouse)
    wave = breaker(raw)
    with pytest.raises(error_type) as err:
        build_wave(warehouse, wave_dir(raw, wave) / "codebook.yaml")
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message, message
    assert snapshot(warehouse) == before


def test_input_error_names_the_file_row_and_column(setup):
    _, raw = setup
    break_text_in_codes(raw)
    with pytest.raises(InputError) as err:
        build_wave(setup[0], wave_dir(raw, NORDIC) / "codebook.yaml")
    assert (Path(err.value.file).name, err.value.row, err.value.column) == (FILES[NORDIC], 7, "modenhet")


def test_failed_dagster_ingest_leaves_the_warehouse(setup, monkeypatch):
    """The same through the Dagster asset: the run fails with the message and nothing of the wave changes."""
    warehouse, raw = setup
    before = snapshot(warehouse)
    break_unknown_name(raw)
    monkeypatch.setenv("KS_SDG_RAW_DIR", str(raw))
    defs = make_definitions(WarehouseResource(path=str(warehouse), published_path=str(warehouse.with_name("p.duckdb"))))
    summaries = materialize_all(defs, dg.DagsterInstance.ephemeral(), waves=[VNR], downstream=False)
    failed = [s for s in summaries if not s.success]
    assert [s.partition for s in failed] == [VNR]
    assert "Atlantis kommune" in failed[0].error
    after = snapshot(warehouse)
    assert {t: v for t, v in after.items() if t.startswith(("fact_", "ingest_", "wave_", "dim_wave"))} == {
        t: v for t, v in before.items() if t.startswith(("fact_", "ingest_", "wave_", "dim_wave"))
    }


def test_raw_files_are_never_modified(tmp_path, sample_warehouse):
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw / "sample")
    before = {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()}
    for wave in (VSR, NORDIC, VNR):
        build_wave(tmp_path / "wh.duckdb", wave_dir(raw, wave) / "codebook.yaml")
    assert {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()} == before


def test_every_error_is_a_ks_sdg_error():
    for _, error_type, _ in CASES.values():
        assert issubclass(error_type, KsSdgError)
    assert load_codebook(SAMPLE / NORDIC / "codebook.yaml").wave == NORDIC


def test_every_problem_of_a_wave_is_reported_at_once(setup):
    """A researcher finishing a codebook sees all that is wrong in one pass: two unknown names, several bad values
    in one column (with how many records gave each, located at the first) and a bad value in another column."""
    warehouse, raw = setup
    before = snapshot(warehouse)
    edit_forms(raw, 5, NAME_COLUMN, "Atlantis kommune")
    edit_forms(raw, 9, NAME_COLUMN, "Lilleputt")
    role = "Hvilken rolle har du?"
    for row, value in ((7, "Vaktmester"), (8, "Vaktmester"), (11, "Ordfører")):
        edit_forms(raw, row, role, value)
    maturity = "Hvor langt har dere kommet i arbeidet med å ta i bruk bærekraftsmålene?"
    edit_forms(raw, 12, maturity, "Langt")
    with pytest.raises(Problems) as err:
        build_wave(warehouse, wave_dir(raw, VNR) / "codebook.yaml")
    problems = err.value.problems
    assert all(isinstance(p, InputError) for p in problems)
    located = {(p.row, p.column): p.problem for p in problems}
    assert set(located) == {(5, NAME_COLUMN), (9, NAME_COLUMN), (7, role), (12, maturity)}
    assert "'Atlantis kommune'" in located[(5, NAME_COLUMN)] and "'Lilleputt'" in located[(9, NAME_COLUMN)]
    assert located[(7, role)] == (
        "values that are not codes of question respondent_role: 'Vaktmester' (2 records), 'Ordfører' "
        "(the first at this row)"
    )
    assert located[(12, maturity)] == "value 'Langt' is not a code of question maturity_self"
    assert str(err.value).startswith("4 problems:\n  - file ks-sdg-2025-vnr-SYNTHETIC-msforms.xlsx, sheet 'Sheet1', ")
    assert snapshot(warehouse) == before


def test_every_bad_variable_of_a_codebook_is_reported_at_once(setup):
    _, raw = setup
    path = wave_dir(raw, NORDIC) / "codebook.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["variables"]["modenhet"]["question"] = "maturity_selfie"
    data["variables"]["rolle"]["values"]["1"] = "boss"
    data["variables"]["lnob"] = {"values": {"1": "1"}}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(Problems) as err:
        load_codebook(path)
    found = {(p.variable, p.problem.split(",")[0]) for p in err.value.problems}
    assert found == {
        ("modenhet", "maps to question 'maturity_selfie'"),
        ("rolle", "value '1' maps to 'boss'"),
        ("lnob", "mapping needs at least 'question'"),
    }
