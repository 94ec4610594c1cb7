"""Tidy CSV exports of the findings and the analysis file (flat file per wave) as CSV and SPSS ``.sav``.

Files written to ``out_dir``:

* ``<finding table>.csv`` — one per findings table (all waves), exactly the warehouse rows and columns plus
  ``item_label_nb`` / ``item_label_en`` after ``item``; suppressed cells have an empty estimate.
* ``analysis_respondents_<wave>.csv`` and ``.sav`` — one row per complete respondent of the wave: ids, design
  (stratum, N_h, respondents_h, weights), breakdown variables and one 0/1 or score column per item. Booleans are
  written as 0/1 (1 = yes) in both files; in the CSV, columns holding only whole numbers are written without decimals.
  The ``.sav`` carries Norwegian variable labels (item labels from ``dim_item``) and value labels (0 "Nei"/1 "Ja",
  size and centrality classes, org type, maturity stage, answer scales).
* ``analysis_respondents_<wave>.R`` — re-runs the published barrier estimates of the wave from the CSV with R's
  ``survey`` package and stops unless they are reproduced (:mod:`pipeline.report.rerun`).
* ``analysis_respondents_codebook.csv`` — variable, label_nb, label_en, type (numeric | string), values (nb),
  values_en, and the waves in which the variable has data.

All CSVs are UTF-8 (no BOM), comma-separated, ``.`` as decimal mark, empty field = missing. Files are written
atomically (temporary file, then rename).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from pipeline.findings import LAYOUT_TABLES
from pipeline.reference import ATTRIBUTION
from pipeline.report import labels as L
from pipeline.report.rerun import rerun_script

FINDING_TABLES = LAYOUT_TABLES
FLAT_TABLE = "analysis_respondents"
SPSS_MAX_NAME_BYTES = 64
SPSS_MAX_LABEL_BYTES = 256
SPSS_RESERVED = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}
_SPSS_NAME = re.compile(r"^[A-Za-z@][A-Za-z0-9@#$_.]*$")

# Labels (nb, en) of the non-item columns of the analysis file.
FLAT_LABELS: dict[str, tuple[str, str]] = {
    "wave": ("Undersøkelse (kode)", "Wave (code)"),
    "org_type": ("Organisasjonstype", "Organisation type"),
    "org_code": ("Kommune-/fylkesnummer i undersøkelsens inndeling", "Municipality/county number in the wave's frame"),
    "respondent_id": ("Respondent-id i eksportfilen", "Respondent id in the export file"),
    "org_name": ("Navn på kommune/fylkeskommune", "Name of the municipality/county authority"),
    "county_number": ("Fylkesnummer", "County number"),
    "county_name": ("Fylke", "County"),
    "population": ("Folketall (1. januar, befolkningsåret for undersøkelsen)", "Population (1 January of the wave)"),
    "size_class": ("Størrelsesklasse (innbyggere)", "Size class (inhabitants)"),
    "centrality_class": ("Sentralitetsklasse (SSB, 1 = mest sentral)", "Centrality class (SSB, 1 = most central)"),
    "merged_2020": ("Sammenslått 1. januar 2020", "Merged on 1 January 2020"),
    "network_member": ("Medlem i minst ett nettverk om bærekraftsmålene", "Member of at least one SDG network"),
    "stratum": ("Stratum (fylke × størrelse, etter sammenslåing av små strata)", "Stratum (county × size, collapsed)"),
    "N_h": ("Antall organisasjoner i stratum (N_h)", "Organisations in the stratum (N_h)"),
    "respondents_h": ("Antall fullførte svar i stratum (n_h)", "Complete respondents in the stratum (n_h)"),
    "weight": ("Vekt N_h / n_h (andel organisasjoner)", "Weight N_h / n_h (share of organisations)"),
    "weight_inhabitants": ("Vekt × folketall (andel innbyggere)", "Weight × population (share of inhabitants)"),
    "maturity_stage": ("Modenhetstrinn (0–4)", "Maturity stage (0–4)"),
}
CRITERION = ("Kriterium for modenhetstrinn {k}: {label}", "Criterion of maturity stage {k}: {label}")
SCALE_COLUMNS = {"population", "N_h", "respondents_h", "weight", "weight_inhabitants"}
ORDINAL_COLUMNS = {"size_class", "centrality_class", "maturity_stage"}


def _atomic_write(path: Path, write: Callable[[str], None]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` as UTF-8 CSV without index (empty field = missing), atomically."""
    return _atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n"))


# --------------------------------------------------------------------------------------------- findings


def findings_csv_frame(frame: pd.DataFrame, dim_item: pd.DataFrame | None) -> pd.DataFrame:
    """The findings table as published: warehouse columns plus ``item_label_nb``/``item_label_en`` after ``item``."""
    out = frame.copy()
    position = list(out.columns).index("item") + 1
    for offset, lang in enumerate(L.LANGS):
        labels = L.item_labels(dim_item, lang)
        out.insert(position + offset, f"item_label_{lang}", out["item"].map(lambda v, m=labels: m.get(v, v)))
    suppressed = out["suppressed"].astype(bool)
    if suppressed.any():
        out.loc[suppressed, ["estimate", "se", "ci_low", "ci_high"]] = np.nan
    return out


# --------------------------------------------------------------------------------------------- analysis file


def spss_name_problems(names: list[str]) -> list[str]:
    """Why each invalid SPSS variable name is invalid (empty list when all are valid and unique)."""
    problems = []
    seen: dict[str, str] = {}
    for name in names:
        if len(name.encode("utf-8")) > SPSS_MAX_NAME_BYTES:
            problems.append(f"{name!r}: longer than {SPSS_MAX_NAME_BYTES} bytes")
        if not _SPSS_NAME.match(name) or name.endswith("."):
            problems.append(f"{name!r}: must start with a letter or @ and hold only letters, digits, @ # $ _ .")
        if name.upper() in SPSS_RESERVED:
            problems.append(f"{name!r}: reserved SPSS keyword")
        key = name.upper()
        if key in seen:
            problems.append(f"{name!r}: same as {seen[key]!r} (SPSS names are case-insensitive)")
        seen.setdefault(key, name)
    return problems


def check_spss_names(names: list[str]) -> None:
    """Raise ValueError listing every variable name SPSS would reject (length, characters, keyword, duplicate)."""
    problems = spss_name_problems(names)
    if problems:
        raise ValueError("analysis file: invalid SPSS variable names:\n  " + "\n  ".join(problems))


def _stage_labels(tables: dict[str, pd.DataFrame], lang: str) -> dict[int, str]:
    org = tables.get("org_maturity")
    if org is None or org.empty:
        return {}
    known = org.dropna(subset=["maturity_stage"]).drop_duplicates("maturity_stage").sort_values("maturity_stage")
    return {int(s): str(lab) for s, lab in zip(known["maturity_stage"], known[f"stage_label_{lang}"], strict=True)}


def _scale_labels(tables: dict[str, pd.DataFrame], lang: str) -> dict[str, dict[float, str]]:
    """Score item -> {ordinal: option label} from ``dim_option`` (answer scales of the score items)."""
    dim_item, dim_option = tables.get("dim_item"), tables.get("dim_option")
    if dim_item is None or dim_option is None:
        return {}
    scales = dim_option.dropna(subset=["ordinal"])
    result = {}
    for item, question in zip(dim_item["item"], dim_item["question_id"], strict=True):
        if item.endswith("_score"):
            options = scales[scales["question_id"] == question]
            result[item] = {
                float(o): str(lab) for o, lab in zip(options["ordinal"], options[f"label_{lang}"], strict=True)
            }
    return result


def flat_labels(tables: dict[str, pd.DataFrame], columns: list[str], lang: str) -> dict[str, str]:
    """Variable label of each analysis-file column in ``lang`` (items from ``dim_item``, design from FLAT_LABELS)."""
    i = L.check_lang(lang)
    items = L.item_labels(tables.get("dim_item"), lang)
    stages = _stage_labels(tables, lang)
    result = {}
    for col in columns:
        if col in FLAT_LABELS:
            result[col] = FLAT_LABELS[col][i]
        elif col in items:
            # a respondent's own score, not the mean of the finding table
            result[col] = items[col].replace("snittskår", "skår").replace("mean score", "score")
        elif match := re.fullmatch(r"criterion_(\d+)", col):
            k = int(match.group(1))
            result[col] = CRITERION[i].format(k=k, label=stages.get(k, "?"))
        else:
            result[col] = col
    return result


def _is_flag(col: str) -> bool:
    return col in ("merged_2020", "network_member") or re.fullmatch(r"criterion_\d+", col) is not None


def flat_value_labels(tables: dict[str, pd.DataFrame], columns: list[str], lang: str) -> dict[str, dict]:
    """Value labels per column in ``lang``: 0/1 items and flags (Nei/Ja), classes, org type, stages, scales."""
    i = L.check_lang(lang)
    yes_no = {0.0: L.YES_NO[0][i], 1.0: L.YES_NO[1][i]}
    measures = L.item_measures(tables.get("dim_item"))
    scales = _scale_labels(tables, lang)
    result: dict[str, dict] = {}
    for col in columns:
        if col == "org_type":
            result[col] = {code: pair[i] for code, pair in L.ORG_TYPE.items()}
        elif col == "size_class":
            result[col] = {float(k): v for k, v in L.size_class_labels(lang).items()}
        elif col == "centrality_class":
            result[col] = {float(k): v for k, v in L.centrality_labels(lang).items()}
        elif col == "maturity_stage":
            result[col] = {float(k): v for k, v in _stage_labels(tables, lang).items()}
        elif _is_flag(col) or measures.get(col) == "proportion":
            result[col] = dict(yes_no)
        elif scales.get(col):
            result[col] = scales[col]
    return {col: labels for col, labels in result.items() if labels}


def spss_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns as SPSS/CSV can hold them: booleans as 0/1, nullable integers as int64 or float (NaN = missing)."""
    out = {}
    for col in frame.columns:
        values = frame[col]
        nullable = pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_integer_dtype(values.dtype)
        if nullable and values.isna().any():
            out[col] = values.astype("Float64").astype("float64")
        elif nullable:
            out[col] = values.astype("int64")
        elif pd.api.types.is_float_dtype(values.dtype):
            out[col] = values.astype("float64")
        else:
            out[col] = values
    return pd.DataFrame(out, index=frame.index)


def csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Float columns holding only whole numbers (0/1 items, scores, counts) as nullable integers, so the CSV
    says ``1`` rather than ``1.0``; other columns unchanged."""
    out = frame.copy()
    for col in out.columns:
        values = out[col]
        if pd.api.types.is_float_dtype(values.dtype):
            known = values.dropna()
            if not known.empty and (known == np.round(known)).all() and known.abs().max() < 2**53:
                out[col] = values.astype("Int64")
    return out


def analysis_frame(tables: dict[str, pd.DataFrame], wave: str) -> pd.DataFrame:
    """The analysis file of ``wave`` (rows of ``analysis_respondents``) ready for CSV and SPSS (``spss_ready``)."""
    flat = tables[FLAT_TABLE]
    return spss_ready(flat[flat["wave"] == wave].reset_index(drop=True))


def _cut(text: str, max_bytes: int) -> str:
    """``text`` cut to ``max_bytes`` of UTF-8 at a character boundary, the cut marked with an ellipsis."""
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    cut = text
    while len((cut + "…").encode("utf-8")) > max_bytes:
        cut = cut[:-1]
    return cut + "…"


def _fit_label(text: str) -> str:
    """A label cut to SPSS's 256 bytes (UTF-8)."""
    return _cut(text, SPSS_MAX_LABEL_BYTES)


def _note_lines(paragraphs: list[str], max_bytes: int = 80) -> list[str]:
    """Paragraphs word-wrapped into SPSS document lines of at most ``max_bytes`` bytes (UTF-8)."""
    lines = []
    for paragraph in paragraphs:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if len(candidate.encode("utf-8")) <= max_bytes:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = _cut(word, max_bytes)
        if line:
            lines.append(line)
    return lines


def _measure(col: str, frame: pd.DataFrame, value_labels: dict) -> str:
    if col in SCALE_COLUMNS:
        return "scale"
    if col in ORDINAL_COLUMNS or col.endswith("_score"):
        return "ordinal"
    if col in value_labels or not pd.api.types.is_numeric_dtype(frame[col].dtype):
        return "nominal"
    return "scale"


def write_sav(tables: dict[str, pd.DataFrame], wave: str, path: Path) -> Path:
    """Write the analysis file of ``wave`` as SPSS ``.sav`` with Norwegian variable and value labels."""
    frame = analysis_frame(tables, wave)
    columns = list(frame.columns)
    check_spss_names(columns)
    variable_labels = {c: _fit_label(v) for c, v in flat_labels(tables, columns, "nb").items()}
    value_labels = {
        col: {key: _fit_label(text) for key, text in labels.items()}
        for col, labels in flat_value_labels(tables, columns, "nb").items()
    }
    measures = {col: _measure(col, frame, value_labels) for col in columns}
    file_label, note = f"ks-sdg {wave}", [f"ks-sdg {wave}"]
    waves = tables.get("dim_wave")
    if waves is not None and (waves["wave"] == wave).any():
        info = waves[waves["wave"] == wave].iloc[0]
        note = [str(info["title_nb"])]
        if bool(info["synthetic"]):
            file_label = f"SYNTETISKE DATA - ks-sdg {wave}"
            note.append("SYNTETISKE DATA: ikke ekte KS-data, skal ikke brukes i rapporter.")
    note.append(ATTRIBUTION)

    def write(tmp: str) -> None:
        pyreadstat.write_sav(
            frame,
            tmp,
            file_label=_cut(file_label, 64),
            note=_note_lines(note),
            column_labels=variable_labels,
            variable_value_labels=value_labels,
            variable_measure=measures,
        )

    return _atomic_write(path, write)


def _values_text(labels: dict | None) -> str:
    if not labels:
        return ""

    def key(value: object) -> str:
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)

    return "; ".join(f"{key(k)}={v}" for k, v in labels.items())


def flat_codebook(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Codebook of the analysis file: variable, label_nb, label_en, type, values (nb), values_en, waves with data."""
    flat = tables[FLAT_TABLE]
    frame = spss_ready(flat)
    columns = list(flat.columns)
    labels = {lang: flat_labels(tables, columns, lang) for lang in L.LANGS}
    values = {lang: flat_value_labels(tables, columns, lang) for lang in L.LANGS}
    rows = []
    for col in columns:
        numeric = pd.api.types.is_numeric_dtype(frame[col].dtype)
        has_data = flat.loc[flat[col].notna(), "wave"].drop_duplicates().tolist()
        rows.append(
            {
                "variable": col,
                "label_nb": labels["nb"][col],
                "label_en": labels["en"][col],
                "type": "numeric" if numeric else "string",
                "values": _values_text(values["nb"].get(col)),
                "values_en": _values_text(values["en"].get(col)),
                "waves": ";".join(has_data),
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------- entry point


def write_csv_exports(tables: dict[str, pd.DataFrame], out_dir: Path) -> list[Path]:
    """Write the findings CSVs, the analysis file per wave (CSV + SPSS) and its codebook; returns the paths.

    Fails (ValueError) before writing anything when an analysis-file variable name is not a valid SPSS name.
    """
    out_dir = Path(out_dir)
    dim_item = tables.get("dim_item")
    paths: list[Path] = []
    flat = tables.get(FLAT_TABLE)
    if flat is not None:
        check_spss_names(list(flat.columns))
    for name in FINDING_TABLES:
        if name in tables:
            paths.append(write_csv(findings_csv_frame(tables[name], dim_item), out_dir / f"{name}.csv"))
    if flat is not None:
        for wave in sorted(flat["wave"].dropna().unique()):
            flat_csv = csv_ready(analysis_frame(tables, wave))
            paths.append(write_csv(flat_csv, out_dir / f"{FLAT_TABLE}_{wave}.csv"))
            paths.append(write_sav(tables, wave, out_dir / f"{FLAT_TABLE}_{wave}.sav"))
            script = out_dir / f"{FLAT_TABLE}_{wave}.R"
            text = rerun_script(wave, flat_csv=f"{FLAT_TABLE}_{wave}.csv", script=script.name)
            paths.append(_atomic_write(script, lambda tmp, text=text: Path(tmp).write_text(text, encoding="utf-8")))
        paths.append(write_csv(flat_codebook(tables), out_dir / f"{FLAT_TABLE}_codebook.csv"))
    return paths
