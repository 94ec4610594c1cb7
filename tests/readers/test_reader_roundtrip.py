"""Writer → reader round trips for every format and every SurveyXact CSV variant, asserting actual values."""

from __future__ import annotations

import pytest
from reader_cases import BARRIER_Q, DUMMY, IDS, STATUS, SUBMITTED_UTC, TEXT_1, TEXT_3, YES_NO, submitted, values

from pipeline.readers import detect_format, read_export
from pipeline.readers.model import Variable
from pipeline.sample import formats

STATUS_NAMES = [f"stato_{k}" for k in range(1, 6)]
SX_NAMES = ["responde", "closetim", "s_1", "v_1_1", "v_1_2", "v_1_3", "s_2", "n_1", *STATUS_NAMES]
QUESTION = "Har kommunen vedtatt å bruke bærekraftsmålene?"


def check_surveyxact(export, fmt: str, source_file: str, sheet: str | None, decimal_comma: bool = False) -> None:
    """Everything a SurveyXact round trip must keep: ids, rows, labels, value labels, answers, status, times."""
    assert export.format == fmt
    assert export.variable_names == SX_NAMES
    records = export.records
    assert records["record_id"].tolist() == IDS
    assert records["source_row"].tolist() == [2, 3, 4]
    assert records["source_file"].tolist() == [source_file] * 3
    assert records["source_sheet"].tolist() == [sheet] * 3
    assert records["status_hint"].tolist() == STATUS
    assert submitted(export) == SUBMITTED_UTC
    s_1 = export.variable("s_1")
    assert (s_1.type, s_1.label, s_1.value_labels) == ("single", QUESTION, YES_NO)
    dummy = export.variable("v_1_3")
    assert dummy.type == "multiple_dummy"
    assert (dummy.question, dummy.option, dummy.value_labels) == ("v_1", "3", DUMMY)
    assert dummy.label == f"{BARRIER_Q} - Politisk prioritering"
    assert export.variable("responde").type == "system"
    assert export.variable("stato_4").question == "statoverall"
    assert (export.variable("s_2").type, export.variable("n_1").type) == ("text", "numeric")
    assert values(export, "1001", "s_1") == ["1"]
    assert [values(export, "1001", f"v_1_{k}") for k in (1, 2, 3)] == [["1"], ["0"], ["1"]]
    assert values(export, "1001", "s_2") == [TEXT_1]
    assert values(export, "1003", "s_2") == [TEXT_3]
    assert values(export, "1001", "n_1") == ["693494"]
    assert values(export, "1001", "closetim") == ["2024-03-01T12:30:00"]
    assert values(export, "1002", "closetim") == []  # empty cells are not answers
    assert values(export, "1003", "v_1_1") == []
    assert values(export, "1003", "s_1") == []
    assert values(export, "1002", "stato_3") == ["1"]
    assert export.answers["value"].map(type).eq(str).all()


def test_surveyxact_xlsx(tmp_path, variables, rows):
    path = tmp_path / "export.xlsx"
    formats.write_surveyxact_xlsx(path, variables, rows)
    assert detect_format(path) == "surveyxact_xlsx"
    export = read_export(path)
    check_surveyxact(export, "surveyxact_xlsx", "export.xlsx", "Dataset")
    assert export.sheets == ["Dataset"]


@pytest.mark.parametrize("continuation", ["Dataset ({n})", "Dataset({n})", "Dataset{n}", "Dataset_{n}"])
def test_surveyxact_xlsx_split_over_sheets_aligned_by_id(tmp_path, variables, rows, continuation):
    path = tmp_path / "wide.xlsx"
    formats.write_surveyxact_xlsx(path, variables, rows, max_columns_per_sheet=5, continuation=continuation)
    export = read_export(path)
    check_surveyxact(export, "surveyxact_xlsx", "wide.xlsx", "Dataset")
    assert export.sheets == ["Dataset"] + [continuation.format(n=n) for n in (2, 3)]


def test_surveyxact_xlsx_split_sheets_reordered_rows_align_by_id(tmp_path, variables, rows):
    import openpyxl

    path = tmp_path / "wide.xlsx"
    formats.write_surveyxact_xlsx(path, variables, rows, max_columns_per_sheet=5)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Dataset (2)"]
    data = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    for i, row in enumerate(reversed(data), start=2):  # respondents in the opposite order on the continuation
        for j, value in enumerate(row, start=1):
            sheet.cell(i, j, value)
    workbook.save(path)
    check_surveyxact(read_export(path), "surveyxact_xlsx", "wide.xlsx", "Dataset")


def test_surveyxact_xlsx_split_without_id_aligns_by_position(tmp_path, variables, rows):
    variables = [v for v in variables if v.name != "responde"]
    path = tmp_path / "wide.xlsx"
    formats.write_surveyxact_xlsx(path, variables, rows, max_columns_per_sheet=4)
    export = read_export(path)
    assert export.records["record_id"].tolist() == ["row-2", "row-3", "row-4"]
    assert values(export, "row-2", "stato_4") == ["1"]
    assert values(export, "row-4", "s_2") == [TEXT_3]
    assert export.records["status_hint"].tolist() == STATUS


@pytest.mark.parametrize(
    ("variant", "encoding", "delimiter"),
    [
        ("comma-cp1252", "windows-1252", ","),
        ("semicolon-cp1252", "windows-1252", ";"),
        ("tab-utf16", "utf-16-le", "\t"),
    ],
)
def test_surveyxact_csv_variants(tmp_path, variables, rows, variant, encoding, delimiter):
    folder = tmp_path / "sx"
    formats.write_surveyxact_csv(folder, variables, rows, variant)
    for given in (folder, folder / "dataset.csv", folder / "structure.csv", folder / "labels.csv"):
        assert detect_format(given) == "surveyxact_csv"
    export = read_export(folder / "labels.csv")
    check_surveyxact(export, "surveyxact_csv", "dataset.csv", None)
    assert (export.encoding, export.delimiter) == (encoding, delimiter)
    assert [p.name for p in export.files] == ["dataset.csv", "structure.csv", "labels.csv"]


def test_surveyxact_csv_keeps_decimal_comma_as_written(tmp_path, variables, rows):
    rows[0]["n_1"] = 12.5
    formats.write_surveyxact_csv(tmp_path, variables, rows, "semicolon-cp1252")
    assert values(read_export(tmp_path), "1001", "n_1") == ["12,5"]


def test_nettskjema_csv(tmp_path, variables, rows):
    path = tmp_path / "data-123456-2024-06-20-1200.txt"
    formats.write_nettskjema_csv(path, variables, rows)
    assert path.read_text(encoding="utf-8").startswith('"$submission_id";"$created";"s_1";"v_1.1"')
    assert detect_format(path) == "nettskjema_csv"
    export = read_export(path)
    assert export.variable_names == [
        "$submission_id", "$created", "s_1", "v_1.1", "v_1.2", "v_1.3", "s_2", "n_1", "$answer_time_ms"
    ]  # fmt: skip
    assert (export.encoding, export.delimiter) == ("utf-8", ";")
    assert export.records["record_id"].tolist() == IDS
    assert export.records["source_row"].tolist() == [2, 3, 4]
    assert submitted(export) == SUBMITTED_UTC
    assert export.records["status_hint"].tolist() == ["complete"] * 3
    dummy = export.variable("v_1.2")
    assert (dummy.type, dummy.question, dummy.option) == ("multiple_dummy", "v_1", "2")
    assert export.variable("s_1").type == "single"
    assert export.variable("$created").type == "system"
    assert values(export, "1001", "$created") == ["2024-03-01T12:30:00+01:00"]
    assert values(export, "1003", "$created") == ["2024-06-15T08:00:00+02:00"]
    assert [values(export, "1001", f"v_1.{k}") for k in (1, 2, 3)] == [["1"], ["0"], ["1"]]
    assert values(export, "1001", "s_2") == [TEXT_1]
    assert values(export, "1003", "s_2") == [TEXT_3]


def test_nettskjema_legacy(tmp_path, variables, rows):
    path = tmp_path / "data-82087-legacy.txt"
    formats.write_nettskjema_legacy(path, variables, rows, encoding="cp1252")
    assert detect_format(path) == "nettskjema_legacy"
    export = read_export(path)
    assert export.encoding == "windows-1252" and export.delimiter == "\t"
    assert export.variable_names[:4] == ["NR", "E-post", "Opprettet", "Endret"]
    assert export.variable_names[-1] == "Svartid"
    assert export.records["record_id"].tolist() == IDS
    assert submitted(export) == SUBMITTED_UTC
    assert values(export, "1001", "Opprettet") == ["2024-03-01T12:30:00"]
    dummy = export.variable("v_1_3")
    assert (dummy.type, dummy.question, dummy.option) == ("multiple_dummy", "v_1", "3")
    assert values(export, "1001", "v_1_3") == ["3"]  # the legacy export writes the chosen option's code
    assert values(export, "1001", "v_1_2") == []
    assert values(export, "1001", "s_2") == [TEXT_1]
    assert export.variable("s_2").type == "text"


@pytest.mark.parametrize(
    ("language", "system"),
    [
        ("nb", ["ID", "Starttidspunkt", "Fullføringstidspunkt", "E-postadresse", "Navn"]),
        ("en", ["ID", "Start time", "Completion time", "Email", "Name"]),
    ],
)
def test_msforms_xlsx(tmp_path, variables, rows, language, system):
    path = tmp_path / "Skjema.xlsx"
    formats.write_msforms_xlsx(path, variables, rows, language=language)
    assert detect_format(path) == "msforms_xlsx"
    export = read_export(path)
    question = QUESTION
    assert export.variable_names == [*system, question, BARRIER_Q, "Annet, hvilke(t)", "Antall innbyggere"]
    assert [export.variable(n).type for n in system] == ["system"] * 5
    assert export.variable(BARRIER_Q).type == "multiple_joined"
    assert export.records["record_id"].tolist() == IDS
    assert export.records["source_sheet"].tolist() == ["Sheet1"] * 3
    assert submitted(export) == SUBMITTED_UTC
    assert export.records["status_hint"].tolist() == ["complete"] * 3
    assert values(export, "1001", question) == ["Ja"]  # Forms writes the option text
    assert values(export, "1001", BARRIER_Q) == ["Ressurser", "Politisk prioritering"]  # one row per item
    assert values(export, "1002", BARRIER_Q) == ["Kompetanse"]
    assert values(export, "1003", BARRIER_Q) == []
    assert values(export, "1001", system[2]) == ["2024-03-01T12:30:00"]
    assert values(export, "1001", "Annet, hvilke(t)") == [TEXT_1]
    assert export.wide().loc["1001", BARRIER_Q] == "Ressurser;Politisk prioritering"


def test_spss_sav(tmp_path, variables, rows):
    path = tmp_path / "survey.sav"
    formats.write_spss_sav(path, variables, rows)
    assert detect_format(path) == "spss_sav"
    export = read_export(path)
    assert export.variable_names == SX_NAMES
    assert export.records["record_id"].tolist() == IDS
    assert export.records["source_row"].tolist() == [1, 2, 3]  # SPSS case numbers
    s_1 = export.variable("s_1")
    assert (s_1.type, s_1.label, s_1.value_labels) == ("single", QUESTION, YES_NO)
    assert export.variable("n_1").type == "numeric"
    assert export.variable("s_2").type == "text"
    assert export.variable("closetim").type == "datetime"
    assert values(export, "1001", "s_1") == ["1"]  # 1.0 in the file
    assert values(export, "1001", "n_1") == ["693494"]
    assert values(export, "1001", "s_2") == [TEXT_1]
    assert values(export, "1001", "closetim") == ["2024-03-01T12:30:00"]
    assert values(export, "1003", "s_1") == []


def test_spss_user_missing_codes_are_kept(tmp_path):
    import pandas as pd
    import pyreadstat

    path = tmp_path / "missing.sav"
    frame = pd.DataFrame({"id": [1.0, 2.0], "q": [1.0, 99.0]})
    pyreadstat.write_sav(
        frame, str(path), variable_value_labels={"q": {1.0: "Ja", 99.0: "Vet ikke"}}, missing_ranges={"q": [99.0]}
    )
    export = read_export(path)
    assert values(export, "2", "q") == ["99"]
    assert export.variable("q").value_labels == {"1": "Ja", "99": "Vet ikke"}


@pytest.mark.parametrize(
    ("delimiter", "encoding", "expected_encoding"),
    [(";", "utf-8-sig", "utf-8-sig"), (",", "utf-8", "utf-8"), ("\t", "cp1252", "windows-1252")],
)
def test_generic_csv(tmp_path, variables, rows, delimiter, encoding, expected_encoding):
    path = tmp_path / "tabell.csv"
    formats.write_generic_csv(path, variables, rows, delimiter=delimiter, encoding=encoding)
    assert detect_format(path) == "generic_csv"
    export = read_export(path)
    assert (export.encoding, export.delimiter) == (expected_encoding, delimiter)
    assert export.variable_names == SX_NAMES
    assert export.records["record_id"].tolist() == IDS  # "responde" is recognised as the respondent id
    assert export.records["status_hint"].tolist() == [None] * 3
    assert export.variable("n_1").type == "numeric"
    assert export.variable("closetim").type == "datetime"
    assert values(export, "1001", "closetim") == ["2024-03-01T12:30:00"]
    assert values(export, "1001", "s_2") == [TEXT_1]
    assert values(export, "1003", "s_2") == [TEXT_3]


def test_generic_csv_keeps_decimal_comma_and_stripped_kommunenummer(tmp_path):
    path = tmp_path / "kommuner.csv"
    path.write_bytes("Kommunenr;Navn;Andel\r\n301;Oslo;12,5\r\n1103;Stavanger;7\r\n".encode("cp1252"))
    export = read_export(path)
    assert export.records["record_id"].tolist() == ["row-2", "row-3"]
    assert values(export, "row-2", "Kommunenr") == ["301"]  # geography restores 0301 later
    assert values(export, "row-2", "Andel") == ["12,5"]
    assert export.variable("Andel").type == "numeric"
    assert export.variable("Navn").type == "text"


def test_generic_xlsx(tmp_path, variables, rows):
    path = tmp_path / "tabell.xlsx"
    rows[0]["s_2"] = 301.0  # Excel stored a kommunenummer as a number
    formats.write_generic_xlsx(path, variables, rows)
    assert detect_format(path) == "generic_xlsx"
    export = read_export(path)
    assert export.records["record_id"].tolist() == IDS
    assert export.records["source_sheet"].tolist() == ["Sheet1"] * 3
    assert values(export, "1001", "s_2") == ["301"]
    assert values(export, "1001", "s_1") == ["1"]
    assert values(export, "1001", "closetim") == ["2024-03-01T12:30:00"]
    assert export.variable("closetim").type == "datetime"


def test_one_variable_list_writes_to_every_format(tmp_path, variables, rows):
    """Role-named system columns appear under each tool's own headers."""
    formats.write_nettskjema_legacy(tmp_path / "legacy.txt", variables, rows)
    header = (tmp_path / "legacy.txt").read_text(encoding="utf-8").splitlines()[0].split("\t")
    assert header[:4] == ["NR", "E-post", "Opprettet", "Endret"] and header[-1] == "Svartid"
    assert not any(h.startswith("stato") for h in header)
    variables.append(Variable("$answer_time_ms", "Svartid", "system"))
    rows[0]["$answer_time_ms"] = 180_000
    formats.write_nettskjema_legacy(tmp_path / "legacy.txt", variables, rows)
    assert values(read_export(tmp_path / "legacy.txt"), "1001", "Svartid") == ["3 minutt"]
