"""Harmonising one wave: its export(s) + codebook → canonical respondents and responses, ready for the warehouse.

Steps, each failing with an error that names file, sheet, row and column:

1. every export column is accounted for by the codebook (mapped, ignored, PII, respondent column or reader
   system column); a column that looks like personal data must be declared ``pii``;
2. each record's org is identified in the wave's frame by code or name (county context for duplicate names);
3. status: complete / partial / not started, by the codebook's rule; records not started are dropped;
4. answers are mapped to canonical option codes: single/scale → one row with the option's ordinal in
   ``value_num``; multi-select → one row per option the wave asked, ``value_num`` 1 (selected) or 0; text →
   ``value_text`` with e-mail addresses and phone numbers removed; number → ``value_num``;
5. **dedupe rule** — at most one respondent per org: a complete submission beats a partial one; among equals the
   latest ``submitted_at`` wins, then the later row in the file. Superseded submissions are reported in
   ``ingest_issue`` (kind ``superseded_duplicate``) and kept out of the facts.

Step 2 lives in :mod:`pipeline.codebook.identity`, step 4 in :mod:`pipeline.codebook.answers`; problems are
collected by :class:`pipeline.codebook.locate.Locator` and raised together once the export has been read whole.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.codebook.answers import RESPONSE_COLUMNS, Mapped, map_answers, response_rows
from pipeline.codebook.identity import identify
from pipeline.codebook.locate import Locator, values_of
from pipeline.codebook.questionnaire import Questionnaire, load_questionnaire
from pipeline.codebook.wave import WaveCodebook, header_is_pii
from pipeline.errors import CodebookError, InputError, KsSdgError, raise_all
from pipeline.geography import Geography
from pipeline.readers import read_export
from pipeline.readers.model import RawExport

RESPONDENT_COLUMNS = [
    "wave",
    "respondent_id",
    "org_code_reported",
    "org_code",
    "org_type",
    "identified_by",
    "role",
    "status",
    "submitted_at",
    "source_file",
    "source_sheet",
    "source_row",
]
ISSUE_COLUMNS = ["wave", "source_file", "source_row", "respondent_id", "org_code", "kind", "detail"]
MANIFEST_COLUMNS = [
    "wave",
    "source_file",
    "export_file",
    "format",
    "encoding",
    "delimiter",
    "size_bytes",
    "sha256",
    "n_records",
    "n_not_started",
    "n_complete",
    "n_partial",
    "n_superseded",
    "n_respondents",
    "n_responses",
    "codebook_version",
    "codebook_sha256",
    "ingested_at",
]
WAVE_QUESTION_COLUMNS = ["wave", "question_id", "source_variables", "option_codes"]
DIM_WAVE_COLUMNS = [
    "wave",
    "title_nb",
    "title_en",
    "synthetic",
    "frame_year",
    "org_types",
    "field_start",
    "field_end",
    "population_year",
    "codebook_version",
    "codebook_sha256",
    "reader",
    "notes",
]


@dataclass
class HarmonisedWave:
    """Everything one wave contributes to the warehouse (each DataFrame in its table's column order)."""

    wave: str
    respondents: pd.DataFrame
    responses: pd.DataFrame
    issues: pd.DataFrame
    manifest: pd.DataFrame
    questions: pd.DataFrame
    info: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """Warehouse table name → rows of this wave."""
        return {
            "fact_respondent": self.respondents,
            "fact_response": self.responses,
            "ingest_issue": self.issues,
            "ingest_manifest": self.manifest,
            "wave_question": self.questions,
            "dim_wave": self.info,
        }


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_columns(export: RawExport, codebook: WaveCodebook) -> None:
    """Every export column is accounted for; every mapped column exists; PII-looking columns are declared."""
    known = set(codebook.variables) | codebook.ignore | codebook.pii | codebook.respondent.columns
    if codebook.status.column:
        known.add(codebook.status.column)
    problems: list[KsSdgError] = []
    for var in export.variables:
        if var.name in codebook.pii:
            continue
        if header_is_pii(var.name) or header_is_pii(var.label):
            problems.append(
                InputError(
                    export.path,
                    f"column {var.name!r} holds personal data but is not declared",
                    expected=f"the column listed under 'pii' in {codebook.path.name}",
                    column=var.name,
                )
            )
        elif var.name not in known and var.type != "system":
            problems.append(
                InputError(
                    export.path,
                    f"column {var.name!r} ({var.label or 'no label'}) is not in the codebook of wave {codebook.wave}",
                    expected="it mapped under 'variables', listed under 'ignore' or under 'pii' in "
                    + codebook.path.name,
                    column=var.name,
                )
            )
    names = set(export.variable_names)
    for source in [*codebook.variables, *sorted(codebook.respondent.columns)]:
        if source not in names:
            problems.append(
                InputError(
                    export.path,
                    f"codebook of wave {codebook.wave} uses column {source!r}, which this export does not have",
                    expected="one of the export's columns: " + ", ".join(export.variable_names[:40]),
                    column=source,
                )
            )
    raise_all(problems)


def parse_submission_times(values: pd.Series) -> pd.Series:
    """Submission times as UTC: ISO 8601 first (what readers produce), then day-first formats (31.12.2024 10:00).
    Times without an offset are Norwegian local time (Europe/Oslo), as the survey tools export them."""
    text = values.astype("str").str.strip()
    has_offset = text.str.contains(r"(?:[+-]\d\d:?\d\d|Z)$", regex=True, na=False)
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")
    if has_offset.any():
        result[has_offset] = pd.to_datetime(text[has_offset], errors="coerce", utc=True, format="ISO8601")
    naive = ~has_offset & values.notna()
    if naive.any():
        local = pd.to_datetime(text[naive], errors="coerce", format="ISO8601")
        rest = local.isna()
        if rest.any():
            local[rest] = pd.to_datetime(text[naive][rest], errors="coerce", format="mixed", dayfirst=True)
        result[naive] = local.dt.tz_localize("Europe/Oslo", ambiguous="NaT", nonexistent="shift_forward").dt.tz_convert(
            "UTC"
        )
    return result


def _status(export: RawExport, codebook: WaveCodebook, mapped_any: pd.Series, locate: Locator) -> pd.Series:
    """record_id → complete | partial | not_started, by the codebook's rule."""
    records = export.records.set_index("record_id")
    rule = codebook.status
    if rule.rule == "reader":
        hint = records["status_hint"].astype("object")
        answered = mapped_any.reindex(records.index, fill_value=False)
        status = hint.where(hint.notna(), other=None)
        status = status.where(status.notna(), answered.map({True: "complete", False: "not_started"}))
        return status.astype("str")
    if rule.rule == "column":
        values = values_of(export, rule.column).reindex(records.index)
        status = pd.Series("not_started", index=records.index, dtype="str")
        status[values.isin(rule.complete)] = "complete"
        status[values.isin(rule.partial)] = "partial"
        unknown = values.notna() & ~values.isin(rule.complete + rule.partial)
        if unknown.any():
            locate.report_values(
                values.index.to_series(),
                values,
                unknown,
                rule.column,
                one="status value {value} not understood",
                many="status values not understood",
                expected="one of " + ", ".join(rule.complete + rule.partial),
            )
        return status
    # rule == "required": complete when at least min_answered … all required questions answered.
    required_sources = [s for s, m in codebook.variables.items() if m.question in rule.questions]
    ans = export.answers[export.answers["variable"].isin(required_sources)]
    question_of = {s: codebook.variables[s].question for s in required_sources}
    n_required = ans.assign(q=ans["variable"].map(question_of)).groupby("record_id")["q"].nunique()
    n_required = n_required.reindex(records.index, fill_value=0)
    answered = mapped_any.reindex(records.index, fill_value=False)
    status = pd.Series("not_started", index=records.index, dtype="str")
    status[answered] = "partial"
    status[n_required >= len(set(rule.questions))] = "complete"
    return status


def _dedupe(candidates: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One respondent per org (complete > partial, then latest submitted_at, then last row): (kept, superseded)."""
    ranked = candidates.assign(
        _complete=(candidates["status"] == "complete").astype(int),
        _time=candidates["submitted_at"],
    ).sort_values(  # a submission without a time counts as the earliest (NaT sorts last, as the oldest would)
        ["org_type", "org_code", "_complete", "_time", "source_file", "source_row"], ascending=False, na_position="last"
    )
    first = ~ranked.duplicated(["org_type", "org_code"], keep="first")
    kept = ranked[first].drop(columns=["_complete", "_time"])
    superseded = ranked[~first].drop(columns=["_complete", "_time"])
    winner = kept.set_index(["org_type", "org_code"])["respondent_id"]
    superseded = superseded.assign(
        superseded_by=[winner[(t, c)] for t, c in zip(superseded["org_type"], superseded["org_code"], strict=True)]
    )
    return kept.sort_values(["source_file", "source_row"]), superseded


def harmonise_export(
    export: RawExport, codebook: WaveCodebook, questionnaire: Questionnaire, geography: Geography, prefix: str = ""
) -> tuple[pd.DataFrame, Mapped, dict[str, int]]:
    """One export's candidate respondents (before dedupe), its mapped answers and its counts."""
    check_columns(export, codebook)
    locate = Locator(export)
    ids = identify(export, codebook, geography, locate)
    mapped_sources = list(codebook.variables)
    mapped_any = pd.Series(
        True, index=pd.Index(export.answers["record_id"][export.answers["variable"].isin(mapped_sources)].unique())
    )
    status = _status(export, codebook, mapped_any, locate)
    # Whatever the rule says, a record without a single mapped answer has not started.
    status = status.where(status.index.isin(mapped_any.index), "not_started")
    records = export.records.set_index("record_id")
    submitted = records["submitted_at"]
    if codebook.respondent.submitted_at_column:
        times = values_of(export, codebook.respondent.submitted_at_column)
        submitted = parse_submission_times(times).reindex(records.index)
    source_ids = records.index.to_series()
    if codebook.respondent.id_column:
        own = values_of(export, codebook.respondent.id_column)
        source_ids = own.reindex(records.index).fillna(source_ids)
    ids = ids.assign(status=ids["record_id"].map(status))
    n_not_started = int((status == "not_started").sum())
    ids = ids[ids["status"] != "not_started"]
    candidates = pd.DataFrame(
        {
            "record_id": ids["record_id"].to_numpy(),
            "respondent_id": [prefix + str(source_ids[r]) for r in ids["record_id"]],
            "org_code_reported": ids["org_code_reported"].to_numpy(),
            "org_code": ids["org_code"].to_numpy(),
            "org_type": ids["org_type"].to_numpy(),
            "identified_by": ids["identified_by"].to_numpy(),
            "status": ids["status"].to_numpy(),
            "submitted_at": pd.to_datetime(submitted.reindex(ids["record_id"]).to_numpy(), utc=True),
            "source_file": [str(records.at[r, "source_file"]) for r in ids["record_id"]],
            "source_sheet": [records.at[r, "source_sheet"] for r in ids["record_id"]],
            "source_row": [int(records.at[r, "source_row"]) for r in ids["record_id"]],
        }
    )
    for dup in candidates.loc[candidates["respondent_id"].duplicated(), "record_id"]:
        locate.report(dup, codebook.respondent.id_column, "respondent id occurs twice", expected="unique ids")
    mapped = map_answers(export, codebook, questionnaire, locate, set(candidates["record_id"]))
    raise_all(locate.problems)
    counts = {"n_records": export.n_records, "n_not_started": n_not_started}
    return candidates, mapped, counts


def harmonise_wave(
    codebook: WaveCodebook,
    questionnaire: Questionnaire | None = None,
    exports: list[RawExport] | None = None,
    now: dt.datetime | None = None,
) -> HarmonisedWave:
    """Read (unless ``exports`` are given) and harmonise every export of a wave."""
    q = questionnaire or load_questionnaire()
    geography = Geography(codebook.frame_year)
    if exports is None:
        reader = None if codebook.reader == "auto" else codebook.reader
        exports = [read_export(path, reader) for path in codebook.export_files()]
    if not exports:
        raise CodebookError(codebook.wave, "no export files", file=codebook.path)
    now = now or dt.datetime.now(dt.UTC)
    all_candidates, all_responses, issue_rows, manifest_rows = [], [], [], []
    scrubbed = 0
    domains: dict[str, list[str]] = {}
    for index, export in enumerate(exports):
        prefix = f"{export.path.stem}#" if len(exports) > 1 else ""
        candidates, mapped, counts = harmonise_export(export, codebook, q, geography, prefix)
        respondent_of = dict(zip(candidates["record_id"], candidates["respondent_id"], strict=True))
        responses, n_scrubbed = response_rows(mapped, q, respondent_of)
        scrubbed += n_scrubbed
        for question_id, codes in mapped.domains.items():
            domains.setdefault(question_id, [])
            domains[question_id].extend(c for c in codes if c not in domains[question_id])
        all_candidates.append(candidates.assign(_export=index))
        all_responses.append(responses)
        files = export.files or [export.path]
        for i, path in enumerate(files):
            manifest_rows.append(
                {
                    "wave": codebook.wave,
                    "source_file": _relative(path, codebook.folder),
                    "export_file": _relative(export.path, codebook.folder),
                    "format": export.format,
                    "encoding": export.encoding,
                    "delimiter": export.delimiter,
                    "size_bytes": path.stat().st_size,
                    "sha256": sha256_file(path),
                    **({k: None for k in counts} if i else counts),
                    "_export": None if i else index,
                }
            )
    candidates = pd.concat(all_candidates, ignore_index=True)
    kept, superseded = _dedupe(candidates)
    responses = pd.concat(all_responses, ignore_index=True)
    responses = responses[responses["respondent_id"].isin(set(kept["respondent_id"]))]
    for row in superseded.itertuples(index=False):
        issue_rows.append(
            (
                row.source_file,
                row.source_row,
                row.respondent_id,
                row.org_code,
                "superseded_duplicate",
                f"another submission for {row.org_code} ({row.status}) superseded by {row.superseded_by}: "
                "a complete submission beats a partial one, then the latest submission wins",
            )
        )
    for row in kept[kept["identified_by"] == "code_crosswalk"].itertuples(index=False):
        issue_rows.append(
            (
                row.source_file,
                row.source_row,
                row.respondent_id,
                row.org_code,
                "old_code_mapped",
                f"reported code {row.org_code_reported} carried forward through the reform crosswalk to {row.org_code}",
            )
        )
    if scrubbed:
        issue_rows.append((None, None, None, None, "pii_removed_from_text", f"{scrubbed} e-mail/phone/IP strings"))
    role = responses[responses["question_id"] == "respondent_role"].set_index("respondent_id")["option_code"]
    respondents = kept.assign(wave=codebook.wave, role=kept["respondent_id"].map(role))[RESPONDENT_COLUMNS]
    responses = responses.assign(wave=codebook.wave)[RESPONSE_COLUMNS].reset_index(drop=True)
    issues = pd.DataFrame(issue_rows, columns=ISSUE_COLUMNS[1:]).assign(wave=codebook.wave)[ISSUE_COLUMNS]
    issues["source_row"] = issues["source_row"].astype("Int64")
    manifest = _manifest(manifest_rows, kept, superseded, responses, codebook, now)
    questions = pd.DataFrame(
        [
            (
                codebook.wave,
                question_id,
                ";".join(s for s, m in codebook.variables.items() if question_id in (m.question, m.other)),
                ";".join(domains.get(question_id, [])) or None,
            )
            for question_id in codebook.questions()
        ],
        columns=WAVE_QUESTION_COLUMNS,
    )
    info = pd.DataFrame(
        [
            {
                "wave": codebook.wave,
                "title_nb": codebook.title_nb,
                "title_en": codebook.title_en,
                "synthetic": codebook.synthetic,
                "frame_year": codebook.frame_year,
                "org_types": ";".join(codebook.org_types),
                "field_start": codebook.field_start,
                "field_end": codebook.field_end,
                "population_year": codebook.population_year,
                "codebook_version": codebook.codebook_version,
                "codebook_sha256": codebook.sha256,
                "reader": ";".join(sorted({e.format for e in exports})),
                "notes": codebook.notes,
            }
        ],
        columns=DIM_WAVE_COLUMNS,
    )
    return HarmonisedWave(
        codebook.wave, respondents.reset_index(drop=True), responses, issues, manifest, questions, info
    )


def _relative(path: Path, folder: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(folder.resolve()))
    except ValueError:
        return Path(path).name


def _manifest(rows, kept, superseded, responses, codebook: WaveCodebook, now: dt.datetime) -> pd.DataFrame:
    """Manifest rows: per file; the counts of an export on its first file (NULL on its other files)."""
    frame = pd.DataFrame(rows)
    counted = ("n_complete", "n_partial", "n_superseded", "n_respondents", "n_responses")
    per_export = {}
    for index in frame["_export"].dropna().astype(int):
        mine = kept[kept["_export"] == index]
        per_export[index] = {
            "n_complete": int((mine["status"] == "complete").sum()),
            "n_partial": int((mine["status"] == "partial").sum()),
            "n_superseded": int((superseded["_export"] == index).sum()),
            "n_respondents": len(mine),
            "n_responses": int(responses["respondent_id"].isin(set(mine["respondent_id"])).sum()),
        }
    for col in counted:
        frame[col] = [per_export[int(e)][col] if pd.notna(e) else None for e in frame["_export"]]
    frame["codebook_version"] = codebook.codebook_version
    frame["codebook_sha256"] = codebook.sha256
    frame["ingested_at"] = pd.Timestamp(now)
    for col in (
        "n_records",
        "n_not_started",
        "n_complete",
        "n_partial",
        "n_superseded",
        "n_respondents",
        "n_responses",
    ):
        frame[col] = frame[col].astype("Int64")
    return frame[MANIFEST_COLUMNS]
