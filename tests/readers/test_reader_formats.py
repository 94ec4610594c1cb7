"""Format details beyond the round trips: layouts as the tools write them, detection, sniffing, canonical text."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import numpy as np
import openpyxl
import pytest
from reader_cases import values

from pipeline.errors import InputError
from pipeline.readers import FORMATS, detect_format, read_export
from pipeline.readers.describe import describe, describe_text
from pipeline.readers.sniff import canonical_column, canonical_value, decode_bytes, sniff_delimiter, to_iso_dates
from pipeline.sample import formats

# --- layouts as the tools write them --------------------------------------------------------------------------------

CSV_REPORT = (
    '"$submission_id";"$created";"kommentar";"valg";"barrierer.ressurser";"barrierer.kompetanse";'
    '"matrise.plan";"matrise_kryss.1.oslo";"matrise_kryss.1.bergen";"dato";"desimal";"$answer_time_ms"\n'
    '"31000001";"2025-02-03T09:15:00+01:00";"Økt kapasitet";"1";"1";"0";"3";"1";"0";"2025-01-31";"4.5";"81234"\n'
    '"31000002";"2025-02-04T22:40:10+01:00";"";"-1";"0";"1";"2";"0";"1";"2024-12-01";"10.0";"5321"\n'
)


def test_nettskjema_csv_report_layout(tmp_path):
    path = tmp_path / "data-654321-2025-02-05-1010.txt"
    path.write_text(CSV_REPORT, encoding="utf-8")
    assert detect_format(path) == "nettskjema_csv"
    export = read_export(path)
    types = {v.name: v.type for v in export.variables}
    assert types == {
        "$submission_id": "system", "$created": "system", "kommentar": "text", "valg": "single",
        "barrierer.ressurser": "multiple_dummy", "barrierer.kompetanse": "multiple_dummy", "matrise.plan": "single",
        "matrise_kryss.1.oslo": "multiple_dummy", "matrise_kryss.1.bergen": "multiple_dummy", "dato": "datetime",
        "desimal": "numeric", "$answer_time_ms": "system",
    }  # fmt: skip
    matrix = export.variable("matrise_kryss.1.bergen")
    assert (matrix.question, matrix.option) == ("matrise_kryss.1", "bergen")
    assert [ts.isoformat() for ts in export.records["submitted_at"]] == [
        "2025-02-03T08:15:00+00:00",
        "2025-02-04T21:40:10+00:00",
    ]
    assert values(export, "31000002", "valg") == ["-1"]
    assert values(export, "31000002", "desimal") == ["10.0"]  # text files keep numbers as written
    assert values(export, "31000002", "kommentar") == []
    assert values(export, "31000001", "kommentar") == ["Økt kapasitet"]


def test_nettskjema_legacy_layout_windows_1252(tmp_path):
    text = (
        "NR\tE-post\tOpprettet\tEndret\tKommune\tInklusjon_1\tBarriere_1\tBarriere_2\tKommentar\tSvartid\r\n"
        "1735123\tpost@kommune.no\t09.04.2017 08:50\t09.04.2017 08:50\tBodø\tJa\tR\t\tFor lite tid\t1 minutt\r\n"
        "1735124\t\t12.04.2017 23:05\t13.04.2017 10:12\tTromsø\t\t\tK\t\t3 minutt\r\n"
    )
    path = tmp_path / "data-82087-2017-04-13-1015.txt"
    path.write_bytes(text.encode("cp1252"))
    assert detect_format(path) == "nettskjema_legacy"
    export = read_export(path)
    assert export.encoding == "windows-1252"
    assert export.records["record_id"].tolist() == ["1735123", "1735124"]
    assert [ts.isoformat() for ts in export.records["submitted_at"]] == [
        "2017-04-09T06:50:00+00:00",
        "2017-04-12T21:05:00+00:00",
    ]
    assert values(export, "1735124", "Endret") == ["2017-04-13T10:12:00"]
    assert values(export, "1735123", "Kommune") == ["Bodø"]
    inclusion = export.variable("Inklusjon_1")
    assert (inclusion.type, inclusion.question, inclusion.option) == ("multiple_dummy", "Inklusjon", "1")
    assert export.variable("Barriere_2").type == "multiple_dummy"
    assert export.variable("Kommentar").type == "text"
    assert export.variable("E-post").type == "system"


@pytest.mark.parametrize(
    ("header", "start", "completion", "expected"),
    [
        (["ID", "Start time", "Completion time", "Email", "Name"], 45352.5, 45352.520833333, "2024-03-01T12:30:00"),
        (["ID", "Start time", "Completion time", "Email", "Name"], "3/1/24 12:00:00", "3/1/24 12:30:00 PM", None),
        (["ID", "Starttidspunkt", "Fullføringstidspunkt", "E-post", "Navn"], "01.03.2024 12:00", "01.03.2024 12:30",
         "2024-03-01T12:30:00"),
    ],
)  # fmt: skip
def test_msforms_times_as_serials_or_text(tmp_path, header, start, completion, expected):
    path = tmp_path / "svar.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append([*header, "Last modified time", "Hvilke mål?", "Kommentar"])
    workbook.active.append([7, start, completion, "anonymous", None, None, "Mål 3;Mål 11;", "Bra"])
    workbook.save(path)
    export = read_export(path)
    assert export.format == "msforms_xlsx"
    assert export.variable("Last modified time").type == "system"
    assert values(export, "7", header[2]) == [expected or "2024-03-01T12:30:00"]
    assert export.records["submitted_at"].iloc[0].isoformat() == "2024-03-01T11:30:00+00:00"
    assert values(export, "7", "Hvilke mål?") == ["Mål 3", "Mål 11"]


# --- detection -------------------------------------------------------------------------------------------------------


def test_detect_by_content_not_name(tmp_path, variables, rows):
    disguised = tmp_path / "download"  # no extension at all
    formats.write_surveyxact_xlsx(disguised, variables, rows)
    assert detect_format(disguised) == "surveyxact_xlsx"
    sav = tmp_path / "export.dat"
    formats.write_spss_sav(sav, variables, rows)
    assert detect_format(sav) == "spss_sav"
    csv_as_txt = tmp_path / "tabell.txt"
    formats.write_generic_csv(csv_as_txt, variables, rows)
    assert detect_format(csv_as_txt) == "generic_csv"


def test_detect_folder_and_formats_list(tmp_path):
    assert set(FORMATS) == {
        "surveyxact_xlsx", "surveyxact_csv", "nettskjema_csv", "nettskjema_legacy", "msforms_xlsx", "spss_sav",
        "generic_csv", "generic_xlsx",
    }  # fmt: skip
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InputError, match=r"the folder is not a SurveyXact CSV export; files found: notes\.txt"):
        detect_format(tmp_path)


# --- sniffing and canonical text -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("a;ø\n".encode(), "utf-8"),
        ("a;ø\n".encode("utf-8-sig"), "utf-8-sig"),
        ("a;ø\n".encode("cp1252"), "windows-1252"),
        (b"\xff\xfe" + "a;ø\n".encode("utf-16-le"), "utf-16-le"),
        (b"\xfe\xff" + "a;ø\n".encode("utf-16-be"), "utf-16-be"),
        ("a;ø\nb;c\n".encode("utf-16-le"), "utf-16-le"),
    ],
)
def test_encodings(data, encoding):
    decoded = decode_bytes(data, "f.csv")
    assert (decoded.text.splitlines()[0], decoded.encoding) == ("a;ø", encoding)


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("a;b;c\n1;2,5;3\n", ";"),
        ('a,"b;c",d\n1,2,3\n', ","),
        ("a\tb\n1\t2\n", "\t"),
        ("navn;tekst, med komma\n1;2\n", ";"),
    ],
)
def test_delimiters(text, delimiter):
    assert sniff_delimiter(text, "f.csv") == delimiter


def test_canonical_values():
    assert canonical_value(301.0) == "301"
    assert canonical_value(1.5) == "1.5"
    assert canonical_value("  Oslo ") == "Oslo"
    assert canonical_value("") is None and canonical_value("   ") is None and canonical_value(None) is None
    assert canonical_value(float("nan")) is None
    assert canonical_value(dt.date(2024, 3, 1)) == "2024-03-01"
    assert canonical_value(dt.datetime(2024, 3, 1, 12, 30)) == "2024-03-01T12:30:00"
    assert canonical_value(True) == "TRUE"
    column = canonical_column([1.0, "", True, 2, " a ", None, 1.0])
    assert column.values.tolist() == ["1", None, "TRUE", "2", "a", None, "1"]
    assert canonical_column(np.array([1.0, np.nan])).values.tolist() == ["1", None]


def test_date_texts_to_iso():
    assert to_iso_dates(np.array(["09.04.2017 08:50", None, "1.2.2024"], dtype=object)).tolist() == [
        "2017-04-09T08:50:00",
        None,
        "2024-02-01",
    ]
    assert to_iso_dates(np.array(["3/14/24 1:05:09 PM"], dtype=object)).tolist() == ["2024-03-14T13:05:09"]
    assert to_iso_dates(np.array(["2024-03-01 12:00:00"], dtype=object)).tolist() == ["2024-03-01T12:00:00"]
    assert to_iso_dates(np.array(["snart"], dtype=object)) is None


# --- describe, determinism, inputs untouched --------------------------------------------------------------------------


def test_describe(tmp_path, variables, rows):
    path = tmp_path / "sx.xlsx"
    formats.write_surveyxact_xlsx(path, variables, rows)
    export = read_export(path)
    info = describe(export)
    assert set(info) == {"format", "encoding", "delimiter", "n_respondents", "variables"}
    assert (info["format"], info["n_respondents"]) == ("surveyxact_xlsx", 3)
    assert info["variables"][2] == {
        "name": "s_1",
        "label": "Har kommunen vedtatt å bruke bærekraftsmålene?",
        "type": "single",
        "value_labels": {"1": "Ja", "2": "Nei", "3": "Vet ikke"},
    }
    json.dumps(info)
    text = describe_text(export)
    assert "surveyxact_xlsx" in text and "respondents   3" in text
    assert "complete 1, not_started 1, partial 1" in text
    assert "s_1       single               3  Har kommunen vedtatt å bruke bærekraftsmålene?" in text


WRITERS = {
    "sx.xlsx": lambda p, v, r: formats.write_surveyxact_xlsx(p, v, r, max_columns_per_sheet=6),
    "forms.xlsx": formats.write_msforms_xlsx,
    "generic.xlsx": formats.write_generic_xlsx,
    "data.sav": formats.write_spss_sav,
    "ns.txt": formats.write_nettskjema_csv,
    "legacy.txt": formats.write_nettskjema_legacy,
    "generic.csv": formats.write_generic_csv,
}


@pytest.mark.parametrize("name", list(WRITERS))
def test_writers_are_deterministic_and_reading_leaves_files_untouched(tmp_path, variables, rows, name):
    first, second = tmp_path / "a" / name, tmp_path / "b" / name
    for path in (first, second):
        path.parent.mkdir()
        WRITERS[name](path, variables, rows)
    assert first.read_bytes() == second.read_bytes()
    digest, mtime = hashlib.sha256(first.read_bytes()).hexdigest(), first.stat().st_mtime_ns
    read_export(first)
    assert hashlib.sha256(first.read_bytes()).hexdigest() == digest and first.stat().st_mtime_ns == mtime


def test_surveyxact_csv_writer_is_deterministic(tmp_path, variables, rows):
    for folder in ("a", "b"):
        formats.write_surveyxact_csv(tmp_path / folder, variables, rows, "tab-utf16")
    for name in ("dataset.csv", "structure.csv", "labels.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "dataset.csv").read_bytes()[:2] == b"\xff\xfe"


def test_blank_rows_are_skipped_but_row_numbers_stay_true(tmp_path):
    path = tmp_path / "svar.csv"
    path.write_text('id;svar\n1;"to\nlinjer"\n\n2;ja\n', encoding="utf-8")
    export = read_export(path)
    assert export.records["source_row"].tolist() == [2, 4]  # a quoted line break stays inside row 2
    assert values(export, "1", "svar") == ["to\nlinjer"]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["id", 2024])  # a numeric header reads as a person sees it
    sheet.append([1, "a"])
    sheet.append([None, None])
    sheet.append([2, "b"])
    sheet.cell(10, 5).number_format = "0.00"  # formatting far below the data is not a row
    workbook.save(tmp_path / "ark.xlsx")
    export = read_export(tmp_path / "ark.xlsx")
    assert export.variable_names == ["id", "2024"]
    assert export.records["source_row"].tolist() == [2, 4]


def test_every_format_has_a_writer_that_the_reader_detects(tmp_path, variables, rows):
    assert set(formats.WRITERS) == set(FORMATS)
    for fmt, write in formats.WRITERS.items():
        path = tmp_path / fmt
        write(path, variables, rows)
        assert detect_format(path) == fmt
        assert read_export(path).n_records == 3
