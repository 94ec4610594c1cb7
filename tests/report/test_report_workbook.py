"""The Excel workbook: reopened with openpyxl and checked against the warehouse tables."""

from __future__ import annotations

import math
import tempfile
import zipfile
from datetime import UTC
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from report_cases import RUN, WAVE

from pipeline.report import labels as L
from pipeline.report.workbook import (
    DECIMAL,
    PERCENT,
    ChartRef,
    method_paragraphs,
    method_text,
    write_workbook,
)

NB_SHEETS = [
    "Forside",
    "Svarprosent",
    "Barrierer",
    "Modenhet",
    "Måldekning",
    "Kontekst",
    "Utvikling",
    "Figurer",
    "Metode",
]
EN_SHEETS = [
    "Front page",
    "Response rates",
    "Barriers",
    "Maturity",
    "Goal coverage",
    "Context",
    "Trends",
    "Charts",
    "Method",
]
FINDING_SHEETS_NB = {
    "finding_response_rates": "Svarprosent",
    "finding_barriers": "Barrierer",
    "finding_maturity": "Modenhet",
    "finding_goal_coverage": "Måldekning",
    "finding_context": "Kontekst",
    "finding_trends": "Utvikling",
}


def sheet_frame(ws) -> pd.DataFrame:
    rows = list(ws.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def calamine_frame(path, sheet: str) -> pd.DataFrame:
    """A sheet's values (empty cell -> None) read with python-calamine."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
    body = [[None if v == "" else v for v in row] for row in rows[1:]]
    return pd.DataFrame(body, columns=rows[0])


def col(ws, header: str) -> int:
    """1-based column of ``header`` in row 1."""
    return [c.value for c in ws[1]].index(header) + 1


def wave_rows(tables: dict, name: str) -> pd.DataFrame:
    frame = tables[name]
    if name == "finding_trends":  # the sheet shows national totals; by size class is in the CSV
        return frame[((frame["wave_from"] == WAVE) | (frame["wave_to"] == WAVE)) & (frame["breakdown"] == "total")]
    return frame[frame["wave"] == WAVE]


def test_sheet_names_in_both_languages(full_workbook_path, workbook_nb, workbook_en):
    from python_calamine import CalamineWorkbook

    assert CalamineWorkbook.from_path(str(full_workbook_path)).sheet_names == NB_SHEETS
    assert workbook_nb.sheetnames == NB_SHEETS
    assert workbook_en.sheetnames == EN_SHEETS


def test_headers_are_translated(workbook_nb, workbook_en):
    nb = [c.value for c in workbook_nb["Barrierer"][1]]
    en = [c.value for c in workbook_en["Barriers"][1]]
    assert nb[:4] == ["Organisasjonstype", "Estimand", "Inndeling", "Gruppe"]
    assert en[:4] == ["Organisation type", "Estimand", "Breakdown", "Group"]
    assert "Estimat" in nb and "KI nedre" in nb and "Merknad" in nb
    assert "Estimate" in en and "CI lower" in en and "Note" in en
    assert workbook_nb["Barrierer"].cell(2, col(workbook_nb["Barrierer"], "Gruppe")).value == "Alle"
    assert workbook_en["Barriers"].cell(2, col(workbook_en["Barriers"], "Group")).value == "All"
    assert workbook_en["Barriers"].cell(2, 1).value == "Municipality"


@pytest.mark.parametrize("name", list(FINDING_SHEETS_NB))
def test_every_estimate_of_the_wave_is_in_its_sheet(full_workbook_path, sample_tables, name):
    expected = wave_rows(sample_tables, name)
    shown = calamine_frame(full_workbook_path, FINDING_SHEETS_NB[name])
    assert len(shown) == len(expected)
    assert sorted(shown["Kode"]) == sorted(expected["item"])
    values = sorted(float(v) for v in shown["Estimat" if name != "finding_trends" else "Endring"].dropna())
    truth = sorted(float(v) for v in expected["estimate"].dropna())
    assert values == pytest.approx(truth, abs=1e-12)


def test_a_given_cell_equals_the_warehouse(full_workbook_path, sample_tables):
    frame = sample_tables["finding_barriers"]
    truth = frame[
        (frame["wave"] == WAVE)
        & (frame["org_type"] == "kommune")
        & (frame["estimand"] == "inhabitants")
        & (frame["breakdown"] == "size_class")
        & (frame["grp"] == "2")
        & (frame["item"] == "barriers_competence")
    ].iloc[0]
    shown = calamine_frame(full_workbook_path, "Barrierer")
    hit = shown[
        (shown["Organisasjonstype"] == "Kommune")
        & (shown["Estimand"] == "Andel innbyggere")
        & (shown["Inndeling"] == "Størrelse")
        & (shown["Gruppe"] == "5 000–19 999 innb.")
        & (shown["Kode"] == "barriers_competence")
    ]
    assert len(hit) == 1
    row = hit.iloc[0]
    assert row["Indikator"] == "Mangel på kompetanse"
    assert row["Spørsmål"].startswith("Hva er de viktigste barrierene")
    for header, column in [
        ("Estimat", "estimate"),
        ("KI nedre", "ci_low"),
        ("KI øvre", "ci_high"),
        ("Standardfeil", "se"),
    ]:
        assert row[header] == pytest.approx(truth[column], abs=1e-12)
    assert row["Svar (n)"] == truth["n_respondents"]
    assert row["Populasjon (N)"] == truth["n_population"]
    assert pd.isna(row["Merknad"])


def test_number_formats_percent_for_shares_decimals_for_scores(workbook_nb):
    ws = workbook_nb["Barrierer"]
    c_est, c_code, c_measure, c_n = col(ws, "Estimat"), col(ws, "Kode"), col(ws, "Mål"), col(ws, "Svar (n)")
    seen = set()
    for r in range(2, ws.max_row + 1):
        code, measure = ws.cell(r, c_code).value, ws.cell(r, c_measure).value
        fmt = ws.cell(r, c_est).number_format
        for k in range(c_est, c_est + 4):  # estimate, CI low, CI high, SE share the format
            assert ws.cell(r, k).number_format == fmt
        assert ws.cell(r, c_n).number_format == "#,##0"
        if measure == "Gjennomsnitt":
            assert fmt == DECIMAL, code
            seen.add("mean")
        elif code.endswith("_score"):  # a difference of mean scores
            assert fmt == DECIMAL, code
            seen.add("score difference")
        else:  # shares and differences of shares
            assert fmt == PERCENT, code
            seen.add(measure)
    assert {"Andel", "Differanse", "mean", "score difference"} <= seen


def test_trend_formats_follow_the_item(workbook_nb):
    ws = workbook_nb["Utvikling"]
    shown = sheet_frame(ws)
    assert set(shown["Fra undersøkelse"]) | set(shown["Til undersøkelse"]) >= {WAVE}
    assert ((shown["Fra undersøkelse"] == WAVE) | (shown["Til undersøkelse"] == WAVE)).all()
    c_code, c_change, c_from = col(ws, "Kode"), col(ws, "Endring"), col(ws, "Estimat fra")
    for row in ws.iter_rows(min_row=2):
        expected = DECIMAL if row[c_code - 1].value.endswith("_score") else PERCENT
        assert row[c_change - 1].number_format == expected
        assert row[c_from - 1].number_format == expected


def test_suppressed_cells_hold_no_number(workbook_nb, small_tables):
    for name, title in FINDING_SHEETS_NB.items():
        ws = workbook_nb[title]
        shown = sheet_frame(ws)
        suppressed = shown["Merknad"] == L.SUPPRESSED[0]
        assert suppressed.sum() == wave_rows(small_tables, name)["suppressed"].sum()
        value_headers = [
            h for h in ("Estimat", "Endring", "KI nedre", "KI øvre", "Standardfeil", "Estimat fra") if h in shown
        ]
        for header in value_headers:
            assert shown.loc[suppressed, header].isna().all(), (title, header)
    assert (sheet_frame(workbook_nb["Barrierer"])["Merknad"] == "undertrykt (for få svar)").any()


def test_numbers_are_numbers(workbook_nb):
    ws = workbook_nb["Måldekning"]
    for c in (col(ws, "Estimat"), col(ws, "Svar (n)"), col(ws, "Populasjon (N)")):
        values = [ws.cell(r, c).value for r in range(2, ws.max_row + 1)]
        assert all(v is None or isinstance(v, int | float) for v in values)
        assert all(not (isinstance(v, float) and math.isnan(v)) for v in values)


def test_frozen_header_and_autofilter(workbook_nb):
    for title in FINDING_SHEETS_NB.values():
        ws = workbook_nb[title]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
        assert ws.cell(1, 1).font.bold
        assert ws.column_dimensions["A"].width >= 8


def test_ready_to_print(workbook_nb, workbook_en):
    """A4 on one page width: finding tables in landscape with the header row on every page, sheet name and page
    numbers in the footer, and the synthetic warning in the header of every printed page."""
    for ws in workbook_nb.worksheets:
        table = ws.title in FINDING_SHEETS_NB.values()
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), ws.title
        assert ws.page_setup.paperSize == 9  # A4
        assert ws.page_setup.orientation == ("landscape" if table else "portrait"), ws.title
        assert ws.print_title_rows == ("$1:$1" if table else None), ws.title
        assert (ws.oddFooter.left.text, ws.oddFooter.right.text) == ("&A", "&P / &N")
        assert ws.oddHeader.center.text == "SYNTETISKE DATA – ikke ekte KS-data"
    assert workbook_en["Front page"].oddHeader.center.text == "SYNTHETIC DATA – not real KS data"
    charts = workbook_en["Charts"]  # one chart per printed page: a break after each
    starts = [image.anchor._from.row for image in charts._images]  # 0-based row below each title
    assert len(starts) == 2 and [b.id for b in charts.row_breaks.brk] == [start - 1 for start in starts[1:]]


def test_charts_are_embedded(workbook_nb, workbook_en):
    assert len(workbook_nb["Figurer"]._images) == 1
    assert workbook_nb["Figurer"]["A1"].value == "Måldekning per fylke"
    assert len(workbook_en["Charts"]._images) == 2
    anchor = workbook_nb["Figurer"]._images[0].anchor
    width, height = anchor.ext.width / 9525, anchor.ext.height / 9525  # EMU -> px
    assert width == 720  # scaled down from 1200 px to the printable width, keeping the aspect ratio
    assert height == pytest.approx(360, abs=1)
    assert anchor._from.row == 1  # below the title in row 1 (0-based row index)


def test_front_page(workbook_nb, sample_tables):
    ws = workbook_nb["Forside"]
    pairs = {ws.cell(r, 1).value: (ws.cell(r, 2), ws.cell(r, 3).value) for r in range(1, ws.max_row + 1)}
    wave = sample_tables["dim_wave"].set_index("wave").loc[WAVE]
    assert ws["A1"].value == wave["title_nb"]
    assert ws["A1"].font.bold
    assert pairs["Undersøkelse (kode)"][0].value == WAVE
    assert pairs["Feltperiode"][0].value == "08.03.2021 – 16.04.2021"
    assert "1. januar 2020" in pairs["Kommuneinndeling"][0].value
    rates = sample_tables["finding_response_rates"]
    truth = rates[
        (rates["wave"] == WAVE)
        & (rates["org_type"] == "kommune")
        & (rates["breakdown"] == "total")
        & (rates["item"] == "response_rate")
    ].iloc[0]
    cell, detail = pairs["Svarprosent, kommuner"]
    assert cell.value == pytest.approx(truth["estimate"])
    assert cell.number_format == PERCENT
    invited = int(truth["n_population"])
    assert detail == f"{truth['n_complete']} fullførte av {invited} inviterte; delvise svar: {truth['n_partial']}"
    assert "Svarprosent, fylkeskommuner" in pairs
    assert "Statistisk sentralbyrå" in pairs["Datakilder og lisenser"][0].value
    assert pairs["Dagster-kjøring (run id)"][0].value == RUN["run_id"]
    assert pairs["Kodeversjon"][0].value == RUN["code_version"]
    assert pairs["Generert"][0].value == "2025-05-02 10:30:00 UTC"


def test_synthetic_banner(workbook_nb, workbook_en):
    banner = workbook_nb["Forside"]["A2"]
    assert banner.value.startswith("SYNTETISKE DATA")
    assert banner.fill.fgColor.rgb.endswith("C00000")
    assert banner.font.bold
    assert workbook_en["Front page"]["A2"].value.startswith("SYNTHETIC DATA")
    assert all(ws.sheet_properties.tabColor.rgb.endswith("C00000") for ws in workbook_nb.worksheets)


def test_no_banner_for_real_data(tiny_tables, tmp_path):
    tables = dict(tiny_tables)
    tables["dim_wave"] = tiny_tables["dim_wave"].assign(synthetic=False)
    wb = load_workbook(write_workbook(tables, WAVE, "nb", tmp_path))
    texts = [c.value for row in wb["Forside"].iter_rows() for c in row if isinstance(c.value, str)]
    assert not any("SYNTETISKE DATA —" in t for t in texts)
    assert wb["Forside"].sheet_properties.tabColor is None
    assert wb["Forside"].oddHeader.center.text is None
    # no RunInfo: provenance says so, the document time is the fixed one
    pairs = {wb["Forside"].cell(r, 1).value: wb["Forside"].cell(r, 2).value for r in range(1, 40)}
    assert pairs["Dagster-kjøring (run id)"] == "ikke oppgitt"
    assert wb.properties.created.year == 2000


def test_method_sheet_holds_the_method_note(workbook_nb):
    expected = method_paragraphs(method_text("nb"))
    ws = workbook_nb["Metode"]
    shown = [ws.cell(r, 1).value for r in range(1, len(expected) + 1)]
    assert shown == [text for text, _ in expected]
    for r, (_, level) in enumerate(expected, start=1):
        assert bool(ws.cell(r, 1).font.bold) == bool(level)


def test_method_markdown_parsing():
    text = """# Metode

Utvalget er alle kommuner.
Vektene er **N_h / n_h**; se [SSB](https://www.ssb.no).

## Undertrykking
- celler med n < 5
- `min_n` i config

| a | b |
|---|---|
| 1 | 2 |
"""
    assert method_paragraphs(text) == [
        ("Metode", 1),
        ("Utvalget er alle kommuner. Vektene er N_h / n_h; se SSB (https://www.ssb.no).", 0),
        ("Undertrykking", 2),
        ("• celler med n < 5", 0),
        ("• min_n i config", 0),
        ("a | b", 0),
        ("1 | 2", 0),
    ]


def test_document_properties_and_determinism(tiny_tables, chart_png, run_info, tmp_path):
    charts = [ChartRef("c", "C", chart_png)]
    first = write_workbook(tiny_tables, WAVE, "en", tmp_path / "a", charts=charts, run_info=run_info)
    second = write_workbook(tiny_tables, WAVE, "en", tmp_path / "b", charts=charts, run_info=run_info)
    assert first.name == second.name == f"ks-sdg-{WAVE}-en.xlsx"
    assert first.read_bytes() == second.read_bytes()
    props = load_workbook(first, read_only=True).properties
    assert props.created == props.modified == run_info.generated_at.replace(tzinfo=None)
    assert props.creator == "ks-sdg"
    assert props.identifier == run_info.run_id
    assert not list((tmp_path / "a").glob(".*.tmp"))  # no temporary file left behind


def test_explicit_xlsx_path_and_bad_arguments(tiny_tables, tmp_path):
    target = tmp_path / "custom.xlsx"
    assert write_workbook(tiny_tables, WAVE, "nb", target) == target
    with pytest.raises(ValueError, match="language"):
        write_workbook(tiny_tables, WAVE, "sv", tmp_path)
    with pytest.raises(ValueError, match="dim_wave"):
        write_workbook(tiny_tables, "1999-none", "nb", tmp_path)
    with pytest.raises(FileNotFoundError, match="missing"):
        write_workbook(tiny_tables, WAVE, "nb", tmp_path, charts=[ChartRef("missing", "M", tmp_path / "no.png")])


def test_a_failed_workbook_leaves_the_previous_file_and_no_temporary_files(tiny_tables, chart_png, tmp_path):
    """Rows stream to temporary files while the workbook is built: a failure half-way deletes them and keeps the
    previous workbook as it was."""

    previous = write_workbook(tiny_tables, WAVE, "nb", tmp_path, charts=[ChartRef("c", "C", chart_png)])
    before = previous.read_bytes()
    streams = set(Path(tempfile.gettempdir()).glob("openpyxl*"))
    with pytest.raises(FileNotFoundError, match="missing"):
        write_workbook(tiny_tables, WAVE, "nb", tmp_path, charts=[ChartRef("missing", "M", tmp_path / "no.png")])
    assert previous.read_bytes() == before
    assert set(Path(tempfile.gettempdir()).glob("openpyxl*")) == streams
    assert not list(tmp_path.glob(".*.tmp"))


def test_zip_entries_carry_the_run_time_and_images_are_stored(tiny_tables, chart_png, run_info, tmp_path):

    path = write_workbook(tiny_tables, WAVE, "en", tmp_path, charts=[ChartRef("c", "C", chart_png)], run_info=run_info)
    stamp = run_info.generated_at.astimezone(UTC)
    with zipfile.ZipFile(path) as archive:
        entries = archive.infolist()
    assert {e.date_time for e in entries} == {stamp.timetuple()[:6]}
    images = [e for e in entries if e.filename.endswith(".png")]
    assert images and all(e.compress_type == zipfile.ZIP_STORED for e in images)
    assert all(e.compress_type == zipfile.ZIP_DEFLATED for e in entries if e.filename.endswith(".xml"))
