"""Per-wave codebooks: ``raw/<wave>/codebook.yaml`` maps one wave's export(s) onto the canonical questionnaire.

Format (every key documented in docs/codebook.md)::

    wave: 2021-vsr                      # partition key; unique across raw/
    codebook_version: 1                 # bump when the mapping changes
    title_nb: "…"                       # report title (nb / en)
    title_en: "…"
    synthetic: false                    # true for the generated sample (banners in every output)
    files: ["*.xlsx"]                   # export file(s) in the wave folder, glob patterns
    reader: auto                        # or a format id: surveyxact_xlsx, surveyxact_csv, nettskjema_csv, ...
    frame_year: 2020                    # 2019 | 2020 | 2024 — the municipal structure of the field period
    org_types: [kommune, fylkeskommune] # who was invited
    field_period: {start: 2021-02-01, end: 2021-03-15}
    population_year: 2021               # population 1 January used for size classes and inhabitant shares
    respondent:
      id: respondent                    # record id column (default: the reader's own id)
      submitted_at: closetime           # submission time column (default: the reader's)
      identity: {column: kommunenr, by: code}     # by: code | name
      county: {column: fylke}           # optional, resolves duplicate names (Herøy, Våler)
      org_type: {column: q0, values: {"1": kommune, "2": fylkeskommune}}   # optional
      overrides: {"<record id>": "1818"}          # optional manual identifications, each documented
    status:                             # what counts as a complete response
      rule: reader                      # reader | column | required
      # column:   {column: status, complete: ["Fullført"], partial: ["Delvis"]}
      # required: {questions: [maturity_self, barriers], min_answered: 1}
    variables:
      q1: {question: respondent_role, values: {"1": chief_executive, "2": manager}}
      v_3_1: {question: barriers, option: resources}            # one 0/1 column per option
      q9: {question: sdg_prioritised, split: ";", values: {"Mål 1 …": "1"}, other: barriers_other}
      q12: {question: comments}                                 # free text
    ignore: [stato_1, lastchanged]      # export columns deliberately not used
    pii: [email, name]                  # personal data, dropped at ingest, never stored

Every export column must be mapped, ignored, declared PII, used by ``respondent`` or be a reader system column.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipeline import yamlio
from pipeline.codebook.questionnaire import Questionnaire, load_questionnaire
from pipeline.errors import CodebookError, KsSdgError, raise_all

ORG_TYPES = ("kommune", "fylkeskommune")
STATUS_RULES = ("reader", "column", "required")
IDENTITY_KINDS = ("code", "name")
WAVE_ID = re.compile(r"^[0-9]{4}-[a-z0-9][a-z0-9-]*$")
#: Column headers that always hold personal data (compared after lower-casing and removing spaces/hyphens).
PII_HEADERS = {
    "email",
    "epost",
    "emailaddress",
    "epostadresse",
    "mail",
    "name",
    "navn",
    "fulltnavn",
    "fullname",
    "respondentnavn",
    "respondentname",
    "telefon",
    "telefonnummer",
    "phone",
    "phonenumber",
    "mobil",
    "mobilnummer",
    "ip",
    "ipadresse",
    "ipaddress",
}


def header_is_pii(header: str) -> bool:
    """True for a column header that names personal data (e-mail, name, phone, IP address)."""
    key = re.sub(r"[\s_\-.:$]", "", str(header).casefold())
    return key in PII_HEADERS


@dataclass(frozen=True)
class VariableMap:
    """How one export variable maps onto a canonical question.

    ``option``: the variable is a 0/1 column for this option of a multi-select; ``selected`` / ``unselected`` list
    its values. ``split``: one cell holds several items joined by this separator. ``values``: source value (text)
    → option code; without it, source values must be option codes or option labels (nb or en).
    ``other``: the text question that receives unmatched items of a joined multi-select (Forms' "Other" text),
    which also selects the option ``other_option``.
    """

    source: str
    question: str
    option: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    split: str | None = None
    selected: tuple[str, ...] = ("1",)
    unselected: tuple[str, ...] = ("0",)
    other: str | None = None
    other_option: str = "other"


@dataclass(frozen=True)
class Respondent:
    """Which columns identify the respondent, its org, county context and org type."""

    identity_column: str
    identity_by: str
    id_column: str | None = None
    submitted_at_column: str | None = None
    county_column: str | None = None
    org_type_column: str | None = None
    org_type_values: dict[str, str] = field(default_factory=dict)
    overrides: dict[str, str] = field(default_factory=dict)

    @property
    def columns(self) -> set[str]:
        cols = {
            self.identity_column,
            self.id_column,
            self.submitted_at_column,
            self.county_column,
            self.org_type_column,
        }
        return {c for c in cols if c}


@dataclass(frozen=True)
class StatusRule:
    """What counts as a complete response: the reader's status, a status column, or required questions."""

    rule: str = "reader"
    column: str | None = None
    complete: tuple[str, ...] = ()
    partial: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    min_answered: int = 1


@dataclass
class WaveCodebook:
    """One wave's codebook, loaded and validated against the canonical questionnaire."""

    wave: str
    path: Path
    codebook_version: int
    title_nb: str
    title_en: str
    synthetic: bool
    files: list[str]
    reader: str
    frame_year: int
    org_types: tuple[str, ...]
    field_start: dt.date
    field_end: dt.date
    population_year: int
    respondent: Respondent
    status: StatusRule
    variables: dict[str, VariableMap]
    ignore: set[str]
    pii: set[str]
    notes: str = ""

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    def export_files(self) -> list[Path]:
        """The export files of this wave, in name order (error when a pattern matches nothing)."""
        found: list[Path] = []
        for pattern in self.files:
            matches = sorted(p for p in self.folder.glob(pattern) if p.is_file() and p.name != "codebook.yaml")
            if not matches:
                raise CodebookError(self.wave, f"no file matches {pattern!r} in {self.folder}", file=self.path)
            found.extend(m for m in matches if m not in found)
        return found

    def questions(self) -> list[str]:
        """Canonical question ids this wave asks, in questionnaire order."""
        asked = {m.question for m in self.variables.values()} | {m.other for m in self.variables.values() if m.other}
        return [q for q in load_questionnaire().questions if q in asked]


def _date(value: object, wave: str, key: str, path: Path) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise CodebookError(wave, f"{key} {value!r} is not a date (YYYY-MM-DD)", file=path) from exc


def _texts(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return (str(value),)


def _value_map(raw: object, wave: str, source: str, path: Path) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise CodebookError(wave, "values must be a mapping source value → option code", source, path)
    return {_key_text(k): str(v) for k, v in raw.items()}


def _key_text(key: object) -> str:
    if isinstance(key, float) and key.is_integer():
        return str(int(key))
    if isinstance(key, bool):
        return "1" if key else "0"
    return str(key)


def parse_codebook(data: dict, path: Path, questionnaire: Questionnaire | None = None) -> WaveCodebook:
    """Build and validate a wave codebook from its YAML structure."""
    q = questionnaire or load_questionnaire()
    wave = str(data.get("wave", "")).strip()
    if not WAVE_ID.match(wave):
        raise CodebookError(wave or path.parent.name, f"wave id {wave!r} must look like 2021-vsr", file=path)

    def need(key: str) -> object:
        if key not in data or data[key] in (None, ""):
            raise CodebookError(wave, f"missing required key {key!r}", file=path)
        return data[key]

    frame_year = int(need("frame_year"))  # type: ignore[arg-type]
    from pipeline.geography import FRAME_YEARS, population_years

    if frame_year not in FRAME_YEARS:
        raise CodebookError(wave, f"frame_year {frame_year} unknown; expected one of {FRAME_YEARS}", file=path)
    org_types = tuple(_texts(need("org_types")))
    for org_type in org_types:
        if org_type not in ORG_TYPES:
            raise CodebookError(wave, f"org type {org_type!r} unknown; expected {ORG_TYPES}", file=path)
    period = need("field_period")
    if not isinstance(period, dict):
        raise CodebookError(wave, "field_period must have start and end", file=path)
    start = _date(period.get("start"), wave, "field_period.start", path)
    end = _date(period.get("end"), wave, "field_period.end", path)
    if end < start:
        raise CodebookError(wave, f"field period ends ({end}) before it starts ({start})", file=path)
    years = population_years(frame_year)
    population_year = int(data.get("population_year") or min(years, key=lambda y: abs(y - start.year), default=0))
    if years and population_year not in years:
        raise CodebookError(
            wave,
            f"population_year {population_year} not available for frame {frame_year}; available: {years}",
            file=path,
        )

    resp_raw = need("respondent")
    if not isinstance(resp_raw, dict) or not isinstance(resp_raw.get("identity"), dict):
        raise CodebookError(wave, "respondent.identity must give a column and by: code|name", file=path)
    identity = resp_raw["identity"]
    if identity.get("by") not in IDENTITY_KINDS:
        raise CodebookError(wave, f"respondent.identity.by must be one of {IDENTITY_KINDS}", file=path)
    org_type_raw = resp_raw.get("org_type") or {}
    respondent = Respondent(
        identity_column=str(identity.get("column") or ""),
        identity_by=str(identity["by"]),
        id_column=resp_raw.get("id"),
        submitted_at_column=resp_raw.get("submitted_at"),
        county_column=(resp_raw.get("county") or {}).get("column"),
        org_type_column=org_type_raw.get("column"),
        org_type_values={_key_text(k): str(v) for k, v in (org_type_raw.get("values") or {}).items()},
        overrides={str(k): str(v) for k, v in (resp_raw.get("overrides") or {}).items()},
    )
    if not respondent.identity_column:
        raise CodebookError(wave, "respondent.identity.column is required", file=path)
    for value in respondent.org_type_values.values():
        if value not in ORG_TYPES:
            raise CodebookError(wave, f"org type value {value!r} unknown; expected {ORG_TYPES}", file=path)

    status_raw = data.get("status") or {"rule": "reader"}
    rule = status_raw.get("rule", "reader")
    if rule not in STATUS_RULES:
        raise CodebookError(wave, f"status.rule {rule!r} unknown; expected {STATUS_RULES}", file=path)
    status = StatusRule(
        rule=rule,
        column=status_raw.get("column"),
        complete=_texts(status_raw.get("complete")),
        partial=_texts(status_raw.get("partial")),
        questions=_texts(status_raw.get("questions")),
        min_answered=int(status_raw.get("min_answered", 1)),
    )
    if rule == "column" and not (status.column and status.complete):
        raise CodebookError(wave, "status rule 'column' needs column and complete values", file=path)
    if rule == "required" and not status.questions:
        raise CodebookError(wave, "status rule 'required' needs a list of questions", file=path)
    for question in status.questions:
        if question not in q:
            raise CodebookError(
                wave, f"status requires question {question!r}, which is not in the questionnaire", file=path
            )

    variables: dict[str, VariableMap] = {}
    problems: list[KsSdgError] = []  # every variable is checked: all their problems are raised together
    for source, spec in (data.get("variables") or {}).items():
        source = str(source)
        if isinstance(spec, str):
            spec = {"question": spec}
        if not isinstance(spec, dict) or "question" not in spec:
            problems.append(CodebookError(wave, "mapping needs at least 'question'", source, path))
            continue
        try:
            variables[source] = _variable_map(source, spec, wave, q, path)
        except CodebookError as exc:
            problems.append(exc)
    raise_all(problems)
    if not variables:
        raise CodebookError(wave, "no variables mapped", file=path)
    seen: dict[str, str] = {}
    for source, mapping in variables.items():
        if q[mapping.question].type != "multiple":
            if mapping.question in seen:
                raise CodebookError(
                    wave,
                    f"question {mapping.question!r} is already mapped from {seen[mapping.question]!r}; a "
                    "single-answer question takes one column",
                    source,
                    path,
                )
            seen[mapping.question] = source

    reader = str(data.get("reader", "auto"))
    return WaveCodebook(
        wave=wave,
        path=path,
        codebook_version=int(data.get("codebook_version", 1)),
        title_nb=str(data.get("title_nb", wave)),
        title_en=str(data.get("title_en", data.get("title_nb", wave))),
        synthetic=bool(data.get("synthetic", False)),
        files=list(_texts(need("files"))),
        reader=reader,
        frame_year=frame_year,
        org_types=org_types,
        field_start=start,
        field_end=end,
        population_year=population_year,
        respondent=respondent,
        status=status,
        variables=variables,
        ignore=set(_texts(data.get("ignore"))),
        pii=set(_texts(data.get("pii"))),
        notes=str(data.get("notes", "")),
    )


def _variable_map(source: str, spec: dict, wave: str, q: Questionnaire, path: Path) -> VariableMap:
    """One ``variables:`` entry parsed and checked against the questionnaire."""
    mapping = VariableMap(
        source=source,
        question=str(spec["question"]),
        option=None if spec.get("option") is None else _key_text(spec["option"]),
        values=_value_map(spec.get("values"), wave, source, path),
        split=spec.get("split"),
        selected=_texts(spec.get("selected", ["1"])),
        unselected=_texts(spec.get("unselected", ["0"])),
        other=spec.get("other"),
        other_option=str(spec.get("other_option", "other")),
    )
    validate_mapping(mapping, wave, q, path)
    return mapping


def validate_mapping(m: VariableMap, wave: str, q: Questionnaire, path: Path) -> None:
    """Check one variable mapping against the canonical questionnaire."""
    if m.question not in q:
        raise CodebookError(
            wave,
            f"maps to question {m.question!r}, which does not exist in the canonical questionnaire",
            m.source,
            path,
        )
    question = q[m.question]
    codes = set(question.option_codes)
    if m.option is not None:
        if question.type != "multiple":
            raise CodebookError(
                wave, f"'option' is only for multi-select questions; {m.question!r} is {question.type}", m.source, path
            )
        if m.option not in codes:
            raise CodebookError(
                wave,
                f"option {m.option!r} is not an option of {m.question!r} (options: {', '.join(sorted(codes))})",
                m.source,
                path,
            )
    if m.split is not None and question.type != "multiple":
        raise CodebookError(
            wave, f"'split' is only for multi-select questions; {m.question!r} is {question.type}", m.source, path
        )
    if question.type == "multiple" and m.option is None and m.split is None:
        raise CodebookError(
            wave, f"multi-select {m.question!r} needs 'option' (0/1 column) or 'split' (joined cell)", m.source, path
        )
    for source_value, code in m.values.items():
        if code not in codes:
            raise CodebookError(
                wave,
                f"value {source_value!r} maps to {code!r}, not an option of "
                f"{m.question!r} (options: {', '.join(sorted(codes))})",
                m.source,
                path,
            )
    if m.values and not question.is_choice:
        raise CodebookError(wave, f"'values' given for {question.type} question {m.question!r}", m.source, path)
    if m.other is not None:
        if m.other not in q or q[m.other].type != "text":
            raise CodebookError(wave, f"'other' must name a text question; {m.other!r} is not one", m.source, path)
        if m.other_option not in codes:
            raise CodebookError(
                wave, f"other_option {m.other_option!r} is not an option of {m.question!r}", m.source, path
            )


def load_codebook(path: str | Path, questionnaire: Questionnaire | None = None) -> WaveCodebook:
    """Read and validate ``codebook.yaml``; errors name the wave, variable and problem."""
    path = Path(path)
    try:
        data = yamlio.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CodebookError(path.parent.name, f"not valid YAML: {exc}", file=path) from exc
    if not isinstance(data, dict):
        raise CodebookError(path.parent.name, "codebook must be a YAML mapping", file=path)
    return parse_codebook(data, path, questionnaire)


def discover_codebooks(raw: Path) -> dict[str, Path]:
    """Wave id → codebook path for every ``codebook.yaml`` under ``raw`` (up to three folders deep).

    Only reads the ``wave:`` key, so a broken codebook still gets its partition and fails at ingest with a clear
    error. Two codebooks claiming one wave id are an error.
    """
    found: dict[str, Path] = {}
    if not raw.exists():
        return found
    for path in (
        sorted(raw.glob("codebook.yaml"))
        + sorted(raw.glob("*/codebook.yaml"))
        + sorted(raw.glob("*/*/codebook.yaml"))
        + sorted(raw.glob("*/*/*/codebook.yaml"))
    ):
        try:
            data = yamlio.safe_load(path.read_text(encoding="utf-8")) or {}
            wave = str(data.get("wave") or path.parent.name) if isinstance(data, dict) else path.parent.name
        except (yaml.YAMLError, OSError, UnicodeDecodeError):
            wave = path.parent.name
        if wave in found:
            raise CodebookError(wave, f"two codebooks claim this wave: {found[wave]} and {path}", file=path)
        found[wave] = path
    return found
