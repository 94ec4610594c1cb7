"""Bad input → exactly one InputError whose message names the file, the location and what was expected."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from pipeline.errors import InputError
from pipeline.readers import read_export
from pipeline.sample import formats

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"


def error_of(path: Path, fmt: str | None = None) -> InputError:
    with pytest.raises(InputError) as info:
        read_export(path, fmt)
    return info.value


def test_empty_file():
    err = error_of(BAD / "empty.csv")
    assert str(err).startswith("file empty.csv: the file is empty (0 bytes)")


@pytest.mark.parametrize("fmt", [None, "surveyxact_xlsx", "msforms_xlsx", "spss_sav", "nettskjema_csv"])
def test_empty_file_in_every_reader(tmp_path, fmt):
    path = tmp_path / "eksport.xlsx"
    path.write_bytes(b"")
    assert "file eksport.xlsx: the file is empty (0 bytes)" in str(error_of(path, fmt))


def test_header_only():
    err = error_of(BAD / "header_only.csv")
    assert str(err) == (
        "file header_only.csv: the export has a header row but no data rows; "
        "expected one row per respondent below the header"
    )


def test_header_only_dataset_sheet(tmp_path, variables):
    path = tmp_path / "sx.xlsx"
    formats.write_surveyxact_xlsx(path, variables, [])
    err = error_of(path)
    assert "file sx.xlsx, sheet 'Dataset': the Dataset sheet has a header row but no data rows" in str(err)


def test_truncated_xlsx():
    err = error_of(BAD / "truncated.xlsx")
    assert str(err).startswith("file truncated.xlsx: not a readable xlsx (zip) file")


def test_xlsx_without_expected_sheets(tmp_path, variables, rows):
    path = tmp_path / "ark.xlsx"
    formats.write_generic_xlsx(path, variables, rows, sheet="Ark1")
    err = error_of(path, "surveyxact_xlsx")
    assert str(err) == (
        "file ark.xlsx: the workbook lacks the sheet(s) Structure, Labels, Dataset; sheets found: Ark1; "
        "expected a SurveyXact workbook with the sheets Dataset, Structure, Labels"
    )


def test_surveyxact_workbook_missing_labels_is_detected_and_explained(tmp_path, variables, rows):
    path = tmp_path / "sx.xlsx"
    formats.write_surveyxact_xlsx(path, variables, rows)
    workbook = openpyxl.load_workbook(path)
    del workbook["Labels"]
    workbook.save(path)
    err = error_of(path)
    assert "file sx.xlsx: the workbook lacks the sheet(s) Labels; sheets found: Dataset, Structure" in str(err)


def test_undecodable_bytes():
    err = error_of(BAD / "undecodable.csv")
    assert str(err) == (
        "file undecodable.csv: cannot decode byte 0x81 at byte offset 33 (line 3); tried utf-8, windows-1252 "
        "(UTF-8 fails at byte offset 33); expected text in UTF-8, UTF-8 with BOM, Windows-1252 or UTF-16 with BOM"
    )


def test_mixed_encodings():
    err = error_of(BAD / "mixed_encoding.csv")
    assert "file mixed_encoding.csv: mixed encodings: byte 0xF8 at byte offset 36 (line 3) is not UTF-8" in str(err)


def test_bad_utf16(tmp_path):
    path = tmp_path / "dataset.csv"
    path.write_bytes(b"\xff\xfea\x00\t\x00b\x00\n\x00\x00\xd8\n\x00")  # a lone surrogate on line 2
    err = error_of(path, "generic_csv")
    assert "file dataset.csv: cannot decode bytes at byte offset 10 (line 2) as utf-16-le" in str(err)


def test_surveyxact_column_absent_from_structure(tmp_path, variables, rows):
    path = tmp_path / "sx.xlsx"
    formats.write_surveyxact_xlsx(path, variables, rows)
    workbook = openpyxl.load_workbook(path)
    workbook["Dataset"].cell(1, 7, "s_2x")
    workbook.save(path)
    err = error_of(path)
    assert str(err) == (
        "file sx.xlsx, sheet 'Dataset', row 1, column 's_2x': dataset column 's_2x' is not described in the "
        "Structure table; expected a Structure row (variableName) for every dataset column"
    )


def test_surveyxact_csv_column_absent_from_structure(tmp_path, variables, rows):
    formats.write_surveyxact_csv(tmp_path, variables, rows, "semicolon-cp1252")
    dataset = tmp_path / "dataset.csv"
    dataset.write_bytes(dataset.read_bytes().replace(b"n_1;", b"antall;", 1))
    err = error_of(tmp_path)
    assert "file dataset.csv, row 1, column 'antall': dataset column 'antall' is not described" in str(err)


def test_surveyxact_csv_missing_file(tmp_path, variables, rows):
    formats.write_surveyxact_csv(tmp_path, variables, rows, "comma-cp1252")
    (tmp_path / "labels.csv").unlink()
    err = error_of(tmp_path / "dataset.csv", "surveyxact_csv")
    assert f"file {tmp_path.name}: the SurveyXact CSV export lacks labels.csv; files found: dataset.csv, " in str(err)


def test_continuation_sheet_with_other_rows(tmp_path, variables, rows):
    variables = [v for v in variables if v.name != "responde"]
    path = tmp_path / "wide.xlsx"
    formats.write_surveyxact_xlsx(path, variables, rows, max_columns_per_sheet=6)
    workbook = openpyxl.load_workbook(path)
    workbook["Dataset (2)"].delete_rows(4)
    workbook.save(path)
    err = error_of(path)
    assert "file wide.xlsx, sheet 'Dataset (2)': the sheet has 2 data rows but sheet 'Dataset' has 3" in str(err)


def test_continuation_sheet_missing_a_respondent(tmp_path, variables, rows):
    path = tmp_path / "wide.xlsx"
    formats.write_surveyxact_xlsx(path, variables, rows, max_columns_per_sheet=6)
    workbook = openpyxl.load_workbook(path)
    workbook["Dataset (2)"].cell(3, 1, 9999)
    workbook.save(path)
    err = error_of(path)
    assert "sheet 'Dataset (2)', column 'responde': respondent '1002' (sheet 'Dataset' row 3) is missing" in str(err)


def test_duplicate_column_headers():
    err = error_of(BAD / "duplicate_headers.csv")
    assert str(err) == (
        "file duplicate_headers.csv, row 1, column 'svar': duplicate column header 'svar' (columns B and C); "
        "expected unique column headers"
    )


def test_duplicate_headers_in_workbook(tmp_path):
    path = tmp_path / "ark.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["ID", "Start time", "Completion time", "Email", "Name", "Spørsmål", "Spørsmål"])
    workbook.active.append([1, None, None, "anonymous", None, "Ja", "Nei"])
    workbook.save(path)
    err = error_of(path)
    assert "file ark.xlsx, sheet 'Sheet', row 1, column 'Spørsmål': duplicate column header 'Spørsmål'" in str(err)


def test_nettskjema_without_submission_id():
    err = error_of(BAD / "nettskjema_no_submission_id.txt")
    assert str(err) == (
        "file nettskjema_no_submission_id.txt, row 1, column '$submission_id': the column $submission_id is missing; "
        "the header starts $created, q1, $answer_time_ms; expected a Nettskjema csv-report whose columns start "
        "with $submission_id; $created"
    )


def test_ragged_rows():
    err = error_of(BAD / "ragged.csv")
    assert str(err) == (
        "file ragged.csv, row 3: the row has 2 fields but the header has 3; expected the same number of fields on "
        "every row (a field with the delimiter inside must be quoted)"
    )


def test_duplicate_respondent_id(tmp_path, variables, rows):
    rows[2]["responde"] = 1001
    path = tmp_path / "sx.xlsx"
    formats.write_surveyxact_xlsx(path, variables, rows)
    err = error_of(path)
    assert "file sx.xlsx, sheet 'Dataset', row 4, column 'responde': respondent id '1001' occurs on rows 2, 4" in str(
        err
    )


def test_empty_respondent_id(tmp_path, variables, rows):
    rows[1]["$submission_id"] = None
    formats.write_nettskjema_csv(tmp_path / "ns.txt", variables, rows)
    text = (tmp_path / "ns.txt").read_text(encoding="utf-8").replace('"1002"', '""')
    (tmp_path / "ns.txt").write_text(text, encoding="utf-8")
    err = error_of(tmp_path / "ns.txt")
    assert "file ns.txt, row 3, column '$submission_id': the respondent id is empty" in str(err)


def test_forms_header_expected(tmp_path, variables, rows):
    path = tmp_path / "ark.xlsx"
    formats.write_generic_xlsx(path, variables, rows)
    err = error_of(path, "msforms_xlsx")
    assert "file ark.xlsx, sheet 'Sheet1', row 1: the header does not start like a Microsoft Forms download" in str(err)


def test_corrupt_sav(tmp_path):
    path = tmp_path / "data.sav"
    path.write_bytes(b"$FL2" + b"\x00" * 40)
    assert str(error_of(path)).startswith("file data.sav: not a readable SPSS .sav file")


def test_unknown_format_and_missing_path(tmp_path):
    path = shutil.copy(BAD / "ragged.csv", tmp_path / "x.csv")
    err = error_of(Path(path), "qualtrics")
    assert "unknown export format 'qualtrics'" in str(err) and "surveyxact_xlsx" in str(err)
    assert "no such file or folder" in str(error_of(tmp_path / "nope.csv"))
