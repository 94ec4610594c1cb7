"""The Excel workbook of one wave in one language (``ks-sdg-<wave>-<lang>.xlsx``) that researchers paste from.

Sheets (Norwegian / English names): front page (title, wave, field period, municipal structure, response rates,
sources and licences, run provenance, a red banner for synthetic data), one sheet per finding (response rates,
barriers, maturity, goal coverage, context, and the trends that involve the wave), the charts (PNG files embedded)
and the method note. Finding sheets hold real numbers: shares (and differences of shares) as fractions with a
percent format (0.0 %), mean scores with 0.00; SE and the interval bounds in the unit of their estimate; n
(unweighted respondents) and N (organisations in the population). A suppressed cell has empty estimate, SE and
interval cells and says so in the Note column — it never carries a number. Every finding sheet has its header
in row 1, frozen, with an autofilter over the table.

The workbook is written in openpyxl's write-only mode; the findings tables' data rows (most of the cells) are
written as text by :mod:`pipeline.report.sheetrows` and put into their sheets when the file is saved.

Output is deterministic for the same inputs and ``RunInfo``: document times come from ``run_info.generated_at``
(or a fixed time) and the zip entries carry that time too, so two runs give byte-identical files.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from pipeline.reference import ATTRIBUTION, ATTRIBUTION_EN
from pipeline.report import labels as L
from pipeline.report.sheetrows import (
    NumberColumn,
    SheetRows,
    TextColumn,
    splice_rows,
    style_id,
    styled_cell,
    table_rows,
)

FIXED_TIME = datetime(2000, 1, 1)  # document time when no RunInfo is given (keeps the file reproducible)
PERCENT = "0.0%"
DECIMAL = "0.00"
COUNT = "#,##0"
#: Portrait A4 less the print margins holds about 720 px (at 96 dpi) or 100 characters of Excel column width: the
#: chart sheet is laid out within it. The method sheet is one column of wrapped text, which LibreOffice does not
#: shrink to the page width (it fits only sheets with two or more used columns) and draws wider than Excel: 75
#: characters fit the page in both.
MAX_IMAGE_WIDTH_PX = 720
PORTRAIT_WIDTH_CHARS = 100
METHOD_WIDTH_CHARS = 75
METHOD_CHARS_PER_LINE = 70  # characters a wrapped line holds in that width (generous: fonts differ)
ROW_HEIGHT_PX = 20  # default Excel row height (15 pt) in pixels, used to stack images

SHEETS = {
    "front": ("Forside", "Front page"),
    "finding_response_rates": ("Svarprosent", "Response rates"),
    "finding_barriers": ("Barrierer", "Barriers"),
    "finding_maturity": ("Modenhet", "Maturity"),
    "finding_goal_coverage": ("Måldekning", "Goal coverage"),
    "finding_context": ("Kontekst", "Context"),
    "finding_trends": ("Utvikling", "Trends"),
    "charts": ("Figurer", "Charts"),
    "method": ("Metode", "Method"),
}
FINDING_TABLES = [key for key in SHEETS if key.startswith("finding_")]

HEADERS = {
    "wave_from": ("Fra undersøkelse", "From wave"),
    "wave_to": ("Til undersøkelse", "To wave"),
    "population": ("Respondenter", "Respondents"),
    "org_type": ("Organisasjonstype", "Organisation type"),
    "estimand": ("Estimand", "Estimand"),
    "breakdown": ("Inndeling", "Breakdown"),
    "group": ("Gruppe", "Group"),
    "question": ("Spørsmål", "Question"),
    "item_label": ("Indikator", "Indicator"),
    "item": ("Kode", "Code"),
    "measure": ("Mål", "Measure"),
    "estimate": ("Estimat", "Estimate"),
    "change": ("Endring", "Change"),
    "estimate_from": ("Estimat fra", "Estimate (from)"),
    "estimate_to": ("Estimat til", "Estimate (to)"),
    "ci_low": ("KI nedre", "CI lower"),
    "ci_high": ("KI øvre", "CI upper"),
    "se": ("Standardfeil", "Standard error"),
    "n_respondents": ("Svar (n)", "Respondents (n)"),
    "n_population": ("Populasjon (N)", "Population (N)"),
    "n_invited": ("Inviterte (N)", "Invited (N)"),
    "n_complete": ("Fullførte", "Complete"),
    "n_partial": ("Delvise", "Partial"),
    "n_unmatched": ("Ikke koblet", "Not matched"),
    "note": ("Merknad", "Note"),
}

TEXT = {
    "title_fallback": ("KS-kartlegging av bærekraftsarbeid", "KS survey of work on the SDGs"),
    "synthetic": (
        "SYNTETISKE DATA — ikke ekte KS-data. Tallene er generert for testing og skal ikke brukes i rapporter.",
        "SYNTHETIC DATA — not real KS data. The numbers are generated for testing and must not be used in reports.",
    ),
    "wave": ("Undersøkelse (kode)", "Wave (code)"),
    "field": ("Feltperiode", "Field period"),
    "frame": ("Kommuneinndeling", "Municipal structure"),
    "frame_value": ("Kommuneinndelingen per 1. januar {year}", "Municipal structure as of 1 January {year}"),
    "population_year": ("Folketall fra", "Population figures from"),
    "population_value": ("SSB, 1. januar {year}", "Statistics Norway, 1 January {year}"),
    "org_types": ("Organisasjonstyper", "Organisation types"),
    "response": ("Svarprosent, {orgs}", "Response rate, {orgs}"),
    "response_detail": (
        "{complete} fullførte av {invited} inviterte; delvise svar: {partial}",
        "{complete} complete of {invited} invited; partial responses: {partial}",
    ),
    "codebook": ("Kodebokversjon", "Codebook version"),
    "sources": ("Datakilder og lisenser", "Data sources and licences"),
    "survey_source": (
        "Spørreundersøkelse: KS. Estimater beregnet av ks-sdg (vekting, konfidensintervaller; se Metode).",
        "Survey: KS. Estimates computed by ks-sdg (weighting, confidence intervals; see Method).",
    ),
    "generated": ("Generert", "Generated"),
    "run_id": ("Dagster-kjøring (run id)", "Dagster run id"),
    "code_version": ("Kodeversjon", "Code version"),
    "not_given": ("ikke oppgitt", "not given"),
    "notes": ("Merknader til undersøkelsen", "Notes on the wave"),
    "reading": ("Lesehjelp", "How to read"),
    "reading_text": (
        "Andeler vises i prosent og er lagret som tall (0,25 = 25 %). Snittskårer vises med to desimaler. KI = "
        "konfidensintervall, n = antall svar (uvektet), N = antall organisasjoner i populasjonen. Celler med for "
        "få svar er undertrykt: de har ingen tall, og kolonnen Merknad sier «undertrykt».",
        "Shares are shown as percentages and stored as numbers (0.25 = 25%). Mean scores have two decimals. CI = "
        "confidence interval, n = number of respondents (unweighted), N = number of organisations in the "
        "population. Cells with too few respondents are suppressed: they hold no number and the Note column says "
        "'suppressed'.",
    ),
    "contents": ("Innhold", "Contents"),
    "no_charts": ("Ingen figurer ble levert til denne arbeidsboken.", "No charts were supplied to this workbook."),
    "no_rows": ("Ingen rader for denne undersøkelsen.", "No rows for this wave."),
    "no_method": ("Metodenotatet mangler.", "The method note is missing."),
}
CONTENTS = {
    "finding_response_rates": (
        "Svarprosent etter gruppe og stratum; svarerne sammenlignet med populasjonen, før og etter vekting",
        "Response rates by group and stratum; respondents compared with the population, before and after weighting",
    ),
    "finding_barriers": ("Barrierer for arbeidet med bærekraftsmålene", "Barriers to the work on the SDGs"),
    "finding_maturity": ("Modenhetstrinn og drivere", "Maturity stages and their drivers"),
    "finding_goal_coverage": ("Prioriterte mål og mål i samfunnsdelen", "Prioritised goals and goals in plans"),
    "finding_context": ("Rolle, nettverk, partnerskap, m.m.", "Role, networks, partnerships, etc."),
    "finding_trends": (
        "Endring mellom undersøkelser, hele landet (etter størrelse i finding_trends.csv)",
        "Change between waves, all of Norway (by size class in finding_trends.csv)",
    ),
    "charts": ("Figurer", "Charts"),
    "method": ("Metodenotat", "Method note"),
}

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
BANNER_FILL = PatternFill("solid", fgColor="C00000")
BANNER_FONT = Font(bold=True, color="FFFFFF", size=14)
SYNTHETIC_TAB = "C00000"


@dataclass(frozen=True)
class ChartRef:
    """One chart to embed: a short ``name`` (id), the ``title`` shown above it, and the PNG file."""

    name: str
    title: str
    png_path: Path


@dataclass(frozen=True)
class RunInfo:
    """Provenance printed on the front page: Dagster run id, generation time (UTC) and code version."""

    run_id: str
    generated_at: datetime
    code_version: str


@dataclass(frozen=True)
class Column:
    """One output column: ``key`` in the prepared frame, its header key and kind (text | value | count)."""

    key: str
    header: str
    kind: str = "text"
    width: int | None = None


def _t(key: str, lang: str) -> str:
    return TEXT[key][L.check_lang(lang)]


def workbook_filename(wave: str, lang: str) -> str:
    """The file name of a wave's workbook, e.g. ``ks-sdg-2025-vnr-nb.xlsx``."""
    L.check_lang(lang)
    return f"ks-sdg-{wave}-{lang}.xlsx"


def sheet_name(key: str, lang: str) -> str:
    """The sheet name of ``key`` (``front``, a findings table name, ``charts``, ``method``) in ``lang``."""
    return SHEETS[key][L.check_lang(lang)]


# --------------------------------------------------------------------------------------------- prepared rows


def _rank(values: pd.Series, order: Sequence) -> pd.Series:
    lookup = {v: k for k, v in enumerate(order)}
    return values.map(lambda v: lookup.get(v, len(order))).astype("int64")


def finding_rows(tables: dict[str, pd.DataFrame], name: str, wave: str, lang: str) -> pd.DataFrame:
    """The rows of findings table ``name`` for ``wave`` with human labels in ``lang``, in reading order.

    Adds ``org_type_label``, ``estimand_label``, ``breakdown_label``, ``group``, ``question``, ``item_label``,
    ``measure_label``, ``number_format`` (percent for shares and differences of shares, 0.00 for scores) and
    ``note`` (the suppression text). Trends are those with ``wave`` as their start or end.
    """
    frame = tables.get(name)
    if frame is None:
        return pd.DataFrame()
    if name == "finding_trends":
        # Totals only: the breakdown by size class is in the CSV export (it would triple the sheet).
        rows = frame[((frame["wave_from"] == wave) | (frame["wave_to"] == wave)) & (frame["breakdown"] == "total")]
        rows = rows.copy()
    else:
        rows = frame[frame["wave"] == wave].copy()
    dim_item = tables.get("dim_item")
    items = L.item_labels(dim_item, lang)
    measures = L.item_measures(dim_item)
    positions = L.item_positions(dim_item)
    questions = L.question_texts(dim_item, tables.get("dim_question"), lang)

    rows["org_type_label"] = rows["org_type"].map(lambda v: L.org_type_label(v, lang))
    rows["estimand_label"] = rows["estimand"].map(lambda v: L.label(L.ESTIMAND, v, lang))
    rows["breakdown_label"] = rows["breakdown"].map(lambda v: L.label(L.BREAKDOWN, v, lang))
    rows["group"] = rows[f"grp_label_{lang}"].fillna(rows["grp"])
    rows["question"] = rows["item"].map(lambda v: questions.get(v, ""))
    rows["item_label"] = rows["item"].map(lambda v: items.get(v, v))
    rows["measure_label"] = rows["measure"].map(lambda v: L.label(L.MEASURE, v, lang))
    is_score = (rows["measure"] == "mean") | (rows["item"].map(measures) == "mean")
    rows["number_format"] = [DECIMAL if s else PERCENT for s in is_score]
    rows["note"] = [L.SUPPRESSED[L.check_lang(lang)] if s else "" for s in rows["suppressed"].astype(bool)]
    if "population" in rows:
        rows["population_label"] = rows["population"].map(lambda v: L.label(L.POPULATION, v, lang))

    org_order = ["kommune", "fylkeskommune"]
    keys = {
        "_org": _rank(rows["org_type"], org_order),
        "_estimand": _rank(rows["estimand"], list(L.ESTIMAND)),
        "_breakdown": _rank(rows["breakdown"], L.BREAKDOWN_ORDER),
        "_grp": pd.Series(pd.factorize(rows["breakdown"] + "\x00" + rows["grp"].astype(str))[0], index=rows.index),
        "_item": rows["item"].map(lambda v: positions.get(v, 10_000)).astype("int64"),
    }
    if name == "finding_trends":
        keys = {
            "_from": rows["wave_from"],
            "_to": rows["wave_to"],
            "_population": _rank(rows["population"], list(L.POPULATION)),
            **keys,
        }
    for key, values in keys.items():
        rows[key] = values
    rows = rows.sort_values(list(keys), kind="stable").drop(columns=list(keys))
    return rows.reset_index(drop=True)


def _columns(name: str) -> list[Column]:
    if name == "finding_response_rates":
        return [
            Column("org_type_label", "org_type"),
            Column("breakdown_label", "breakdown"),
            Column("group", "group"),
            Column("item_label", "item_label", width=40),
            Column("item", "item"),
            Column("estimate", "estimate", "value"),
            Column("n_complete", "n_complete", "count"),
            Column("n_partial", "n_partial", "count"),
            Column("n_respondents", "n_respondents", "count"),
            Column("n_population", "n_invited", "count"),
            Column("note", "note"),
        ]
    common = [
        Column("org_type_label", "org_type"),
        Column("estimand_label", "estimand"),
        Column("breakdown_label", "breakdown"),
        Column("group", "group"),
        Column("question", "question", width=50),
        Column("item_label", "item_label", width=50),
        Column("item", "item"),
    ]
    if name == "finding_trends":
        return [
            Column("wave_from", "wave_from"),
            Column("wave_to", "wave_to"),
            Column("population_label", "population"),
            *common,
            Column("estimate_from", "estimate_from", "value"),
            Column("estimate_to", "estimate_to", "value"),
            Column("estimate", "change", "value"),
            Column("ci_low", "ci_low", "value"),
            Column("ci_high", "ci_high", "value"),
            Column("se", "se", "value"),
            Column("n_respondents", "n_respondents", "count"),
            Column("n_population", "n_population", "count"),
            Column("n_unmatched", "n_unmatched", "count"),
            Column("note", "note"),
        ]
    return [
        *common,
        Column("measure_label", "measure"),
        Column("estimate", "estimate", "value"),
        Column("ci_low", "ci_low", "value"),
        Column("ci_high", "ci_high", "value"),
        Column("se", "se", "value"),
        Column("n_respondents", "n_respondents", "count"),
        Column("n_population", "n_population", "count"),
        Column("note", "note"),
    ]


# --------------------------------------------------------------------------------------------- sheet writers


def _number(value: object) -> float | int | None:
    """A cell value for a number: None for missing/NaN (never a NaN or a string in a number cell)."""
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(number):
        return None
    return int(number) if number.is_integer() and not isinstance(value, float) else number


def _text(value: object) -> str | None:
    """A cell value for text: None (an empty cell) for missing values and empty strings."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value) or None


def _widths(ws: WriteOnlyWorksheet, columns: list[Column], headers: list[str], frame: pd.DataFrame) -> None:
    for k, (col, header) in enumerate(zip(columns, headers, strict=True), start=1):
        if col.width is not None:
            width = col.width
        elif col.kind == "text" and not frame.empty:
            longest = frame[col.key].map(lambda v: len(str(v)) if _text(v) is not None else 0).max()
            width = max(len(header), int(longest)) + 2
        else:
            width = max(len(header) + 2, 11)
        ws.column_dimensions[get_column_letter(k)].width = min(max(width, 8), 60)


def write_table(ws: WriteOnlyWorksheet, frame: pd.DataFrame, columns: list[Column], lang: str) -> SheetRows | None:
    """Write ``frame`` into the empty sheet ``ws`` as a table: bold frozen header row, autofilter, number formats
    per row, column widths.

    ``value`` columns take the row's ``number_format``; ``count`` columns get ``#,##0``; missing numbers stay
    empty (formatted) cells. The header row is streamed now; the data rows are returned as text for
    :func:`save_deterministic` to put into the sheet (see :mod:`pipeline.report.sheetrows`), or None when the
    frame has no rows.
    """
    i = L.check_lang(lang)
    headers = [HEADERS[c.header][i] for c in columns]
    # column widths and the frozen pane belong to the sheet's head: set before the first row is written
    _widths(ws, columns, headers, frame)
    ws.freeze_panes = "A2"
    head_alignment = Alignment(wrap_text=True, vertical="top")
    ws.append([styled_cell(ws, h, font=HEADER_FONT, fill=HEADER_FILL, alignment=head_alignment) for h in headers])
    last = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A1:{last}{max(len(frame) + 1, 1)}"
    if frame.empty:
        return None
    formats = frame["number_format"].tolist() if "number_format" in frame else [PERCENT] * len(frame)
    ids = {fmt: style_id(ws, number_format=fmt) for fmt in {*formats, COUNT}}
    value_ids = [ids[fmt] for fmt in formats]
    count_ids = [ids[COUNT]] * len(frame)
    cells = [
        TextColumn(frame[c.key].tolist())
        if c.kind == "text"
        else NumberColumn(frame[c.key].tolist(), value_ids if c.kind == "value" else count_ids)
        for c in columns
    ]
    return table_rows(ws.title, cells, first_row=2)


def _wave_row(tables: dict[str, pd.DataFrame], wave: str) -> pd.Series | None:
    waves = tables.get("dim_wave")
    if waves is None:
        return None
    match = waves[waves["wave"] == wave]
    return None if match.empty else match.iloc[0]


def _date(value: object, lang: str) -> str:
    if value is None or pd.isna(value):
        return ""
    stamp = pd.Timestamp(value)
    return stamp.strftime("%d.%m.%Y") if lang == "nb" else stamp.strftime("%Y-%m-%d")


def _front(
    ws: WriteOnlyWorksheet,
    tables: dict[str, pd.DataFrame],
    wave: str,
    lang: str,
    run_info: RunInfo | None,
    keys: list[str],
) -> None:
    """Stream the front page into the empty sheet ``ws``: title, synthetic banner, facts about the wave, sources,
    provenance, how to read, contents."""
    i = L.check_lang(lang)
    info = _wave_row(tables, wave)
    title = _t("title_fallback", lang) if info is None else str(info[f"title_{lang}"])
    synthetic = bool(info is not None and bool(info["synthetic"]))
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 70
    ws.column_dimensions["C"].width = 50
    rows: list[tuple[list[object], float | None]] = [([styled_cell(ws, title, font=Font(bold=True, size=16))], None)]
    if synthetic:
        banner = styled_cell(
            ws,
            _t("synthetic", lang),
            fill=BANNER_FILL,
            font=BANNER_FONT,
            alignment=Alignment(wrap_text=True, vertical="center"),
        )
        rows.append(([banner], 40))
        ws.merged_cells.add("A2:C2")
    rows.append(([], None))
    key_alignment = Alignment(vertical="top", wrap_text=True)
    value_alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")

    def put(key: str, value: object, fmt: str | None = None, detail: str | None = None, height: float | None = None):
        label = styled_cell(ws, _t(key, lang) if key in TEXT else key, font=HEADER_FONT, alignment=key_alignment)
        cell = styled_cell(ws, value, alignment=value_alignment)
        if fmt:
            cell.number_format = fmt
        rows.append(([label, cell, detail or None], height))

    put("wave", wave)
    if info is not None:
        put("field", f"{_date(info['field_start'], lang)} – {_date(info['field_end'], lang)}")
        put("frame", TEXT["frame_value"][i].format(year=int(info["frame_year"])))
        if pd.notna(info.get("population_year")):
            put("population_year", TEXT["population_value"][i].format(year=int(info["population_year"])))
        org_types = [o for o in str(info["org_types"]).split(";") if o]
        put("org_types", ", ".join(L.label(L.ORG_TYPE, o, lang) for o in org_types))
    rates = tables.get("finding_response_rates")
    if rates is not None:
        total = rates[(rates["wave"] == wave) & (rates["breakdown"] == "total") & (rates["item"] == "response_rate")]
        for org_type in ["kommune", "fylkeskommune"]:
            hit = total[total["org_type"] == org_type]
            if hit.empty:
                continue
            r = hit.iloc[0]
            detail = TEXT["response_detail"][i].format(
                complete=int(r["n_complete"]), invited=int(r["n_population"]), partial=int(r["n_partial"])
            )
            orgs = L.label(L.ORG_TYPE_PLURAL, org_type, lang)
            put(TEXT["response"][i].format(orgs=orgs), _number(r["estimate"]), PERCENT, detail)
    if info is not None and pd.notna(info.get("codebook_version")):
        put("codebook", int(info["codebook_version"]))
    sources = _t("survey_source", lang) + "\n" + (ATTRIBUTION if lang == "nb" else ATTRIBUTION_EN)
    put("sources", sources, height=75)
    not_given = _t("not_given", lang)
    when = run_info.generated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if run_info else not_given
    put("generated", when)
    put("run_id", run_info.run_id if run_info else not_given)
    put("code_version", run_info.code_version if run_info else not_given)
    if info is not None and _text(info.get("notes")):
        put("notes", str(info["notes"]), height=90)
    put("reading", _t("reading_text", lang), height=75)
    rows.append(([], None))
    rows.append(([styled_cell(ws, _t("contents", lang), font=Font(bold=True, size=12))], None))
    rows.extend(([sheet_name(key, lang), CONTENTS[key][i]], None) for key in keys)
    for number, (cells, height) in enumerate(rows, start=1):
        if height is not None:
            ws.row_dimensions[number].height = height  # row heights are written with the row: set them first
        ws.append(cells)


def _charts(ws: WriteOnlyWorksheet, charts: Sequence[ChartRef], lang: str) -> int:
    """Stream each chart's PNG below its bold title into the empty sheet ``ws``; returns the number of images."""
    ws.column_dimensions["A"].width = PORTRAIT_WIDTH_CHARS
    if not charts:
        ws.append([_t("no_charts", lang)])
        return 0
    missing = [chart for chart in charts if not Path(chart.png_path).is_file()]
    if missing:
        raise FileNotFoundError(f"chart {missing[0].name!r}: PNG not found at {missing[0].png_path}")
    row = 1
    for index, chart in enumerate(charts):
        if index:
            ws.row_breaks.append(Break(id=row - 1))  # printed: each chart starts a page
        path = Path(chart.png_path)
        ws.append([styled_cell(ws, chart.title, font=Font(bold=True, size=12))])
        image = Image(str(path))
        if image.width > MAX_IMAGE_WIDTH_PX:
            scale = MAX_IMAGE_WIDTH_PX / image.width
            image.width, image.height = MAX_IMAGE_WIDTH_PX, round(image.height * scale)
        ws.add_image(image, f"A{row + 1}")
        rows_below = math.ceil(image.height / ROW_HEIGHT_PX) + 2
        for _ in range(rows_below):
            ws.append([])
        row += 1 + rows_below
    return len(charts)


# --------------------------------------------------------------------------------------------- method note

_LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")
_EMPHASIS = re.compile(r"(\*\*|__|`)")


def _inline(text: str) -> str:
    text = _LINK.sub(r"\1 (\2)", text)
    return _EMPHASIS.sub("", text).strip()


def method_paragraphs(markdown: str) -> list[tuple[str, int]]:
    """Markdown -> (text, heading level) per row: level 1–6 for headings, 0 for paragraphs, list items, table rows.

    Consecutive text lines form one paragraph; each list item, table row and code line is its own row; inline
    emphasis and code marks are dropped and links become ``text (url)``.
    """
    rows: list[tuple[str, int]] = []
    paragraph: list[str] = []
    in_code = False

    def flush() -> None:
        if paragraph:
            rows.append((_inline(" ".join(paragraph)), 0))
            paragraph.clear()

    for raw in markdown.splitlines():
        line = raw.rstrip()
        if line.strip().startswith("```"):
            flush()
            in_code = not in_code
            continue
        if in_code:
            rows.append((line, 0))
            continue
        stripped = line.strip()
        heading = re.match(r"^(#{1,6})\s+(.*)$", stripped)
        if not stripped:
            flush()
        elif heading:
            flush()
            rows.append((_inline(heading.group(2).rstrip("#").strip()), len(heading.group(1))))
        elif re.match(r"^([-*+]|\d+[.)])\s+", stripped):
            flush()
            rows.append((_inline(re.sub(r"^([-*+])\s+", "• ", stripped)), 0))
        elif stripped.startswith("|"):
            flush()
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
                continue
            rows.append((_inline(" | ".join(cells)), 0))
        else:
            paragraph.append(stripped)
    flush()
    return rows


def method_text(lang: str) -> str:
    """The method note in ``lang`` (``pipeline/report/method.<lang>.md``), or an empty string if missing."""
    L.check_lang(lang)
    resource = resources.files("pipeline.report").joinpath(f"method.{lang}.md")
    return resource.read_text(encoding="utf-8") if resource.is_file() else ""


def _method(ws: WriteOnlyWorksheet, markdown: str, lang: str) -> None:
    """Stream the method note into the empty sheet ``ws``: one row per heading or paragraph."""
    ws.column_dimensions["A"].width = METHOD_WIDTH_CHARS
    paragraphs = method_paragraphs(markdown) or [(_t("no_method", lang), 0)]
    alignment = Alignment(wrap_text=True, vertical="top")
    for r, (text, level) in enumerate(paragraphs, start=1):
        cell = styled_cell(ws, text, alignment=alignment)
        if level:
            cell.font = Font(bold=True, size={1: 16, 2: 13}.get(level, 11))
        lines = max(1, math.ceil(len(text) / METHOD_CHARS_PER_LINE))
        if lines > 1:
            ws.row_dimensions[r].height = 15 * lines
        ws.append([cell])


# --------------------------------------------------------------------------------------------- save


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)


class _StampedZip(zipfile.ZipFile):
    """A zip for writing whose entries all carry one timestamp and fixed permissions, whatever openpyxl passes
    (``writestr`` with a name would take the current time, ``write`` the temporary file's). PNG images are
    stored, not deflated: they are compressed already. Sheets in ``rows`` get those rows put into their
    ``<sheetData>`` as they are written (a sheet's part name is only known once openpyxl numbers the sheets)."""

    def __init__(
        self, file: str, stamp: tuple[int, int, int, int, int, int], rows: dict[WriteOnlyWorksheet, SheetRows]
    ) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self._stamp = stamp
        self._rows = dict(rows)
        self.spliced: set[str] = set()

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None) -> None:  # type: ignore[no-untyped-def]
        name = zinfo_or_arcname.filename if isinstance(zinfo_or_arcname, zipfile.ZipInfo) else zinfo_or_arcname
        info = zipfile.ZipInfo(name, date_time=self._stamp)
        info.compress_type = zipfile.ZIP_STORED if name.lower().endswith(".png") else zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        super().writestr(info, data)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None) -> None:  # type: ignore[no-untyped-def]
        name = arcname or os.path.basename(filename)
        with open(filename, "rb") as handle:
            data = handle.read()
        for ws, rows in self._rows.items():
            if ws.path[1:] == name:
                data = splice_rows(data, rows)
                self.spliced.add(rows.sheet)
        self.writestr(name, data)


def _discard(wb: Workbook) -> None:
    """Close the streams of an abandoned write-only workbook and delete their temporary files."""
    for ws in wb.worksheets:
        try:
            if not ws.closed:
                ws.close()
        finally:
            if ws._writer is not None:
                ws._writer.cleanup()


def save_deterministic(
    wb: Workbook, path: Path, when: datetime, rows: dict[WriteOnlyWorksheet, SheetRows] | None = None
) -> None:
    """Save ``wb`` atomically with document and zip-entry times set to ``when`` (byte-identical reruns), with the
    table ``rows`` (by sheet, from :func:`write_table`) put into their sheets."""
    moment = _naive_utc(when)
    wb.properties.created = moment
    wb.properties.modified = moment
    stamp = (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        # unlike openpyxl's save(), ExcelWriter keeps our modified time; it closes the archive
        archive = _StampedZip(tmp, stamp, rows or {})
        ExcelWriter(wb, archive).save()
        lost = sorted({r.sheet for r in (rows or {}).values()} - archive.spliced)
        if lost:
            raise RuntimeError(f"{path.name}: the rows of sheet(s) {lost} found no sheet part to go into")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


PRINT_SYNTHETIC = {"nb": "SYNTETISKE DATA – ikke ekte KS-data", "en": "SYNTHETIC DATA – not real KS data"}


def _print_setup(ws: WriteOnlyWorksheet, table: bool, synthetic: bool, lang: str) -> None:
    """Ready to print or save as PDF: A4, every column on one page width (tables in landscape with their header
    row repeated on each page), the sheet name and page numbers in the footer, and on synthetic data a red
    warning in the header of every page. Must run before the sheet's first row (the fit flag is in its head)."""
    if synthetic:
        ws.sheet_properties.tabColor = SYNTHETIC_TAB
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if table else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages as the rows need
    ws.page_margins.left = ws.page_margins.right = 0.4  # inches
    ws.page_margins.top = ws.page_margins.bottom = 0.75
    ws.page_margins.header = ws.page_margins.footer = 0.3
    if table:
        ws.print_title_rows = "1:1"
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.right.text = "&P / &N"
    if synthetic:
        ws.oddHeader.center.text = PRINT_SYNTHETIC[lang]
        ws.oddHeader.center.color = "C00000"


def write_workbook(
    tables: dict[str, pd.DataFrame],
    wave: str,
    lang: str,
    path: Path,
    charts: Sequence[ChartRef] = (),
    run_info: RunInfo | None = None,
) -> Path:
    """Write the workbook of ``wave`` in ``lang`` (``nb``/``en``) and return its path.

    ``path`` is the folder (the file is named ``ks-sdg-<wave>-<lang>.xlsx``); a path ending in ``.xlsx`` is used
    as the file itself. ``tables`` are warehouse tables by name (findings, ``dim_item``, ``dim_wave``, optionally
    ``dim_question``); ``charts`` are PNGs to embed; ``run_info`` is printed on the front page and sets the
    document time (a fixed time when None). The file is written atomically.
    """
    L.check_lang(lang)
    path = Path(path)
    target = path if path.suffix.lower() == ".xlsx" else path / workbook_filename(wave, lang)
    waves = tables.get("dim_wave")
    if waves is not None and wave not in set(waves["wave"]):
        raise ValueError(f"wave {wave!r} is not in dim_wave (known: {sorted(waves['wave'])})")
    info = _wave_row(tables, wave)
    synthetic = bool(info is not None and bool(info["synthetic"]))

    # Write-only workbook: rows stream to disk as they are appended (less memory, ~2x faster than cell objects);
    # sheets appear in the order they are created, so the front page comes first and is filled in last.
    wb = Workbook(write_only=True)
    front = wb.create_sheet(sheet_name("front", lang))
    present = [name for name in FINDING_TABLES if name in tables]
    finding_sheets = [(name, wb.create_sheet(sheet_name(name, lang))) for name in present]
    chart_sheet = wb.create_sheet(sheet_name("charts", lang))
    method_sheet = wb.create_sheet(sheet_name("method", lang))
    for ws in wb.worksheets:
        _print_setup(ws, table=any(ws is sheet for _, sheet in finding_sheets), synthetic=synthetic, lang=lang)
    sheet_rows: dict[WriteOnlyWorksheet, SheetRows] = {}
    try:
        for name, ws in finding_sheets:
            rows = finding_rows(tables, name, wave, lang)
            written = write_table(ws, rows, _columns(name), lang)
            if written is not None:
                sheet_rows[ws] = written
            else:
                ws.append([_t("no_rows", lang)])
        _charts(chart_sheet, charts, lang)
        _method(method_sheet, method_text(lang), lang)
        _front(front, tables, wave, lang, run_info, [*present, "charts", "method"])
    except BaseException:
        _discard(wb)
        raise

    when = run_info.generated_at if run_info else FIXED_TIME
    title = str(info[f"title_{lang}"]) if info is not None else _t("title_fallback", lang)
    wb.properties.title = title
    wb.properties.creator = "ks-sdg"
    wb.properties.lastModifiedBy = "ks-sdg"
    wb.properties.identifier = run_info.run_id if run_info else None
    wb.properties.version = run_info.code_version if run_info else None
    wb.properties.language = lang
    wb.properties.keywords = "SYNTHETIC" if synthetic else None
    save_deterministic(wb, target, when, sheet_rows)
    return target
