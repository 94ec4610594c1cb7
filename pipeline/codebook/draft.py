"""Drafting a ``codebook.yaml`` from an export's own metadata and answers, for a researcher to finish.

Every export column gets an entry: personal-data columns under ``pii``, reader system columns under ``ignore``,
and every other column a mapping whose question is guessed and whose values are guessed. What the guesses read:

* the **respondent identity** is the column whose answers are most often codes or names of the frame's orgs
  (checked against the geography, so a code column beats its label, and typed names are found in any export);
  the **county** column is one whose answers are county names or numbers; an ``org_type`` question becomes the
  respondent's org type too; a submission-time column the reader did not take (a plain workbook or SPSS file of a
  SurveyXact export: ``closetim``) becomes ``respondent.submitted_at``, which the dedupe rule needs;
* a **question** from the column label's similarity to the canonical question texts, to a grid row's own label
  (Forms heads a grid row with the row text only) or, for exports without labels (Nettskjema), from the words of
  the column name (``barrierer.3`` → barriers);
* **values** from the export's value labels, or else from the answers seen in the column (joined multi-selects item
  by item). Only values seen at least ``MIN_SEEN`` times are copied: the codebook is tracked in git, free-text
  answers must not end up in it. Unmatched items of a joined multi-select go to the question's ``*_other`` text.

Every guess carries a comment with its score; anything without a good guess is ``TODO``, which fails validation
until the researcher decides (so do the field period and the titles, which need a person anyway).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from pipeline.codebook.harmonise import parse_submission_times
from pipeline.codebook.locate import values_of
from pipeline.codebook.questionnaire import Question, Questionnaire, load_questionnaire
from pipeline.codebook.wave import WAVE_ID, header_is_pii
from pipeline.geography import Geography
from pipeline.geography.names import fold_name
from pipeline.readers.model import RawExport, Variable
from pipeline.readers.table import role_of

GUESS_CUTOFF = 0.55
#: A grid row heading must match the row's label this well (its text alone is short and generic).
GRID_ROW_CUTOFF = 0.85
#: Score given to a question found from the words of a column name alone.
NAME_WORD_SCORE = 0.6
#: An answer value is copied into the draft only when this many records gave it (never one person's free text).
MIN_SEEN = 3
#: Distinct values probed per column when looking for the identity and county columns.
IDENTITY_PROBE = 400
MAX_VALUES = 40
OSLO = ZoneInfo("Europe/Oslo")
NUMBER = re.compile(r"-?\d+")
CODE_HINT = re.compile(r"(nummer|nr|knr|kode|code|number)\b")
IDENTITY_HINTS = ("kommunenummer", "kommunenr", "knr", "kommune", "fylkeskommune", "organisasjon", "municipality")
COUNTY_HINTS = ("fylke", "county")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", str(text).casefold())).strip()


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, _norm(a), _norm(b)).ratio()


def _row_label(question: Question) -> str:
    """A grid row's own label (the question text after the grid's, ``"… — Mangel på kompetanse"``)."""
    return question.text_nb.rsplit(" — ", 1)[-1]


def _words(text: str) -> list[str]:
    return fold_name(_norm(text)).replace("_", " ").split()


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def guess_by_name(name: str, questionnaire: Questionnaire, kinds: tuple[str, ...]) -> tuple[list[Question], float]:
    """Questions of the given types whose id or texts hold every word (≥ 4 letters) of a bare column name, a word
    counting when both share their first five letters (``vedtak`` ~ ``vedtatt``, ``barrierer`` ~ ``barriers``).
    The best by letters shared per word of the question text (the most specific text) first; several only when
    they tie."""
    stems = [w for w in _words(re.sub(r"[\d.]+", " ", name)) if len(w) >= 4]
    if not stems:
        return [], 0.0
    scored: list[tuple[float, Question]] = []
    for q in questionnaire.questions.values():
        if q.type not in kinds:
            continue
        words = _words(f"{q.id} {q.text_nb} {q.text_en}")
        shared = [max((_common_prefix(stem, w) for w in words), default=0) for stem in stems]
        if all(k >= min(5, len(stem)) for k, stem in zip(shared, stems, strict=True)):
            scored.append((sum(shared) / len(_words(q.text_nb)), q))
    if not scored:
        return [], 0.0
    top = max(score for score, _ in scored)
    return [q for score, q in scored if score == top], NAME_WORD_SCORE


def guess_question(
    label: str, questionnaire: Questionnaire, kinds: tuple[str, ...] | None = None
) -> tuple[Question | None, float]:
    """The canonical question whose nb/en text (or grid row label) is most similar to an export label, with the
    similarity 0–1; ``kinds`` limits the question types."""
    best, score = None, 0.0
    for q in questionnaire.questions.values():
        if kinds is not None and q.type not in kinds:
            continue
        s = max(_similarity(label, q.text_nb), _similarity(label, q.text_en))
        if q.grid is not None:
            row = _similarity(label, _row_label(q))
            s = max(s, row if row >= GRID_ROW_CUTOFF else 0.0)
        if s > score:
            best, score = q, s
    return (best, score) if score >= GUESS_CUTOFF else (None, score)


def guess_option(label: str, question: Question) -> tuple[str | None, float]:
    """The option of ``question`` whose code or label is most similar to ``label``."""
    best, score = None, 0.0
    for opt in question.options:
        s = max(_similarity(label, opt.label_nb), _similarity(label, opt.label_en), float(label == opt.code))
        if s > score:
            best, score = opt.code, s
    return (best, score) if score >= GUESS_CUTOFF else (None, score)


def _q(text: object) -> str:
    """A YAML double-quoted scalar."""
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{escaped}"'


def observed_values(export: RawExport) -> dict[str, pd.Series]:
    """Per variable: how many records gave each value (joined multi-selects item by item), most frequent first."""
    if export.answers.empty:
        return {}
    answers = export.answers.drop_duplicates(["record_id", "variable", "value"])
    counts = answers.groupby("variable", sort=False)["value"].value_counts()
    return {str(var): part.droplevel(0) for var, part in counts.groupby(level=0, sort=False)}


def _candidate(var: Variable) -> bool:
    """Whether a column could identify the respondent or its county (not system, personal data or a dummy)."""
    return not (
        var.type in ("system", "multiple_dummy", "multiple_joined")
        or header_is_pii(var.name)
        or header_is_pii(var.label)
    )


@dataclass(frozen=True)
class Identity:
    """The respondent identity column, how it identifies (code or name), and the evidence (distinct values that are
    frame orgs / distinct values probed; None when found from the header alone)."""

    column: str | None
    by: str
    matched: int | None = None
    probed: int | None = None

    def comment(self) -> str:
        if self.column is None:
            return "no column looks like org codes or names: name the column"
        if self.matched is None:
            return "guessed from the column header: check"
        kind = "codes" if self.by == "code" else "names"
        return f"{self.matched} of {self.probed} distinct answers are {kind} of the frame's orgs"


def identity_column(export: RawExport, values: dict[str, pd.Series], geography: Geography) -> Identity:
    """The column whose answers are most often frame org codes or names (more distinct orgs wins), else a column
    whose header says so."""
    best: Identity | None = None
    for var in export.variables:
        seen = values.get(var.name)
        if not _candidate(var) or seen is None:
            continue
        probe = [str(v) for v in seen.index[:IDENTITY_PROBE]]
        codes = sum(geography.knows_code(v) for v in probe)
        names = sum(geography.knows_name(v) for v in probe)
        matched, by = (codes, "code") if codes >= names else (names, "name")
        if matched >= 3 and matched >= 0.5 * len(probe) and (best is None or matched > (best.matched or 0)):
            best = Identity(var.name, by, matched, len(probe))
    if best is not None:
        return best
    for var in export.variables:  # no answers to go by: the header
        key = _norm(f"{var.name} {var.label}")
        if _candidate(var) and any(h in key for h in IDENTITY_HINTS):
            return Identity(var.name, "code" if CODE_HINT.search(key) else "name")
    return Identity(None, "code")


def county_column(
    export: RawExport, values: dict[str, pd.Series], geography: Geography, skip: str | None
) -> str | None:
    """A column (other than the identity) whose answers are county names or numbers, else one headed "fylke"."""
    for var in export.variables:
        seen = values.get(var.name)
        if var.name == skip or not _candidate(var) or seen is None:
            continue
        probe = [str(v) for v in seen.index[:IDENTITY_PROBE]]
        if probe and sum(geography.knows_county(v) for v in probe) >= 0.8 * len(probe):
            return var.name
    for var in export.variables:
        if (
            var.name != skip
            and _candidate(var)
            and any(_norm(var.label or var.name).startswith(h) for h in COUNTY_HINTS)
        ):
            return var.name
    return None


SELECTED_LABEL = re.compile(r"^(ikke |not |un)?(valgt|selected|checked|avkrysset|krysset av)$", re.IGNORECASE)
NEGATED = re.compile(r"^(ikke |not |un)", re.IGNORECASE)


def selection_values(var: Variable, seen: pd.Series | None) -> tuple[list[str], list[str]] | None:
    """(selected, unselected) values when the column is the 0/1 column of one multi-select option — typed so by the
    reader, or 0/1 labelled "Valgt"/"Ikke valgt" (SPSS), or the words themselves in an export with labels instead of
    codes; else None. The default 1/0 is ([], [])."""
    if var.type == "multiple_dummy":
        return [], []
    if var.value_labels:
        labels = var.value_labels.values()
        if set(var.value_labels) <= {"0", "1"} and all(SELECTED_LABEL.match(label.strip()) for label in labels):
            return [], []
        return None
    words = [] if seen is None else [str(v) for v in seen.index]
    if not words or not all(SELECTED_LABEL.match(w.strip()) for w in words):
        return None
    selected = [w for w in words if not NEGATED.match(w)]
    unselected = [w for w in words if NEGATED.match(w)]
    if not selected:  # nobody ticked it: the word without its negation
        selected = [NEGATED.sub("", unselected[0]).capitalize()]
    if not unselected:
        unselected = [("Ikke " if selected[0].casefold() == "valgt" else "Not ") + selected[0].casefold()]
    return selected, unselected


@dataclass(frozen=True)
class ValueGuess:
    """One source value and the option code guessed for it (None = TODO); ``note`` explains a doubtful guess."""

    source: str
    code: str | None
    note: str = ""


def value_guesses(question: Question, var: Variable, seen: pd.Series | None) -> tuple[list[ValueGuess], int]:
    """Guessed option codes for a choice column's values (from value labels, else the answers seen at least
    ``MIN_SEEN`` times); and how many distinct values were left out because they were seen less often."""
    if var.value_labels:
        pairs = list(var.value_labels.items())
        left_out = 0
    else:
        common = [] if seen is None else [str(v) for v, n in seen.items() if n >= MIN_SEEN]
        pairs = [(v, v) for v in common[:MAX_VALUES]]
        left_out = 0 if seen is None else len(seen) - len(pairs)
    guesses = []
    for source, label in pairs:
        code, score = guess_option(label, question)
        if code is None:
            unlabelled = not var.value_labels and NUMBER.fullmatch(source)
            guesses.append(ValueGuess(source, None, "no label in the export: see the form" if unlabelled else ""))
        elif score < 1.0:
            guesses.append(ValueGuess(source, code, f"similarity {score:.2f}"))
        elif not var.value_labels and source == code:
            guesses.append(ValueGuess(source, code, "a code without a label in the export: check"))
        else:
            guesses.append(ValueGuess(source, code))
    order = {code: i for i, code in enumerate(question.option_codes)}
    guesses.sort(key=lambda g: (order.get(g.code, len(order)) if g.code else len(order) + 1, _natural(g.source)))
    return guesses, left_out


def _natural(text: str) -> tuple[int, float, str]:
    """Sort key: numbers by value, then text."""
    return (0, float(text), "") if NUMBER.fullmatch(text) else (1, 0.0, text)


def submitted_column(export: RawExport) -> str | None:
    """A column with the submission time (SurveyXact ``closetim``, Nettskjema ``$created``, Forms ``Completion
    time`` …) when the reader did not take the times itself (an export read as a plain workbook or CSV)."""
    if export.records["submitted_at"].notna().any():
        return None
    return next((v.name for v in export.variables if role_of(v.name) == "submitted"), None)


def _field_period_comment(export: RawExport, column: str | None) -> str:
    if column is not None:
        times = parse_submission_times(values_of(export, column)).dropna()
    else:
        times = export.records["submitted_at"].dropna()
    if times.empty:
        return "no submission times in the export"
    local = pd.to_datetime(times, utc=True).dt.tz_convert(OSLO)
    return f"submissions in the export: {local.min():%Y-%m-%d} to {local.max():%Y-%m-%d}"


class _Writer:
    """Lines of the ``variables:`` section."""

    def __init__(self, questionnaire: Questionnaire, values: dict[str, pd.Series]) -> None:
        self.q = questionnaire
        self.values = values
        self.lines: list[str] = []
        self.org_type: tuple[str, list[ValueGuess]] | None = None

    def dummy(self, var: Variable, selected: list[str], unselected: list[str]) -> None:
        """One 0/1 column of a multi-select: question and option from the label ("question - option", also as the
        header of an export without metadata), else from the column name; its selected/unselected words unless
        they are 1/0."""
        label = var.label or var.name
        labelled = (bool(var.label) and var.label != var.name) or " - " in label
        question, score = guess_question(label, self.q, kinds=("multiple",))
        how = f"question {score:.2f}"
        if question is None and not labelled:
            hits, score = guess_by_name(var.question or var.name, self.q, ("multiple",))
            question = hits[0] if len(hits) == 1 else None
            how = _name_note(hits)
        option, oscore = guess_option(label.split(" - ")[-1], question) if question and labelled else (None, 0.0)
        option_note = f"option {oscore:.2f}" if labelled else f"option {var.option or '?'}: its label is in the form"
        target = question.id if question else "TODO"
        words = ""
        if selected:
            words = f", selected: [{', '.join(map(_q, selected))}], unselected: [{', '.join(map(_q, unselected))}]"
        self.lines.append(
            f"  {_q(var.name)}: {{question: {target}, option: {_q(option) if option else 'TODO'}{words}}}"
            f"  # {label[:60]} ({how}, {option_note})"
        )

    def column(self, var: Variable) -> None:
        """Any other column: question from its label (or name), values from labels or answers."""
        label = var.label or var.name
        kinds = ("multiple",) if var.type == "multiple_joined" else None
        question, score = guess_question(label, self.q, kinds=kinds)
        how = f"similarity {score:.2f}" if question else f"no close canonical question (best similarity {score:.2f})"
        if question is None and (not var.label or var.label == var.name):
            hits, _ = guess_by_name(var.name, self.q, kinds or ("single", "scale", "text", "number"))
            question = hits[0] if len(hits) == 1 else None
            how = _name_note(hits)
        if question is None:
            self.lines.append(f"  {_q(var.name)}: {{question: TODO}}  # {label[:80]} — {how}; map it or ignore it")
            return
        self.lines.append(f"  {_q(var.name)}:  # {label[:80]} ({how})")
        self.lines.append(f"    question: {question.id}")
        if var.type == "multiple_joined" or (question.type == "multiple" and var.type != "multiple_dummy"):
            self.lines.append('    split: ";"')
        if not question.is_choice:
            return
        guesses, left_out = value_guesses(question, var, self.values.get(var.name))
        if question.id == "org_type":
            self.org_type = (var.name, guesses)
        other = f"{question.id}_other"
        unmatched = [g for g in guesses if g.code is None]
        if question.type == "multiple" and other in self.q and (unmatched or left_out):
            guesses = [g for g in guesses if g.code is not None]
            self.lines.append(f"    other: {other}  # items matching no option (free text) go to {other}")
            left_out += len(unmatched)
        self._values(guesses, left_out)

    def _values(self, guesses: list[ValueGuess], left_out: int) -> None:
        if guesses:
            self.lines.append("    values:")
        for g in guesses:
            note = f"  # {g.note}" if g.note else ""
            self.lines.append(f"      {_q(g.source)}: {_q(g.code) if g.code else 'TODO'}{note}")
        if left_out:
            self.lines.append(
                f"    # {left_out} more distinct value(s) not copied here (given by fewer than {MIN_SEEN} records, or "
                f"beyond the first {MAX_VALUES}: answers never go into the codebook); `ks-sdg check-wave` names any "
                "it cannot map"
            )


def _name_note(hits: list[Question]) -> str:
    if len(hits) == 1:
        return "from the column name: check"
    if hits:
        return "column name fits several questions: " + ", ".join(h.id for h in hits[:4])
    return "no close canonical question"


def draft_codebook(
    export: RawExport, wave: str | None = None, frame_year: int = 2024, questionnaire: Questionnaire | None = None
) -> str:
    """YAML text of a starting codebook for ``export`` (comments explain every guess)."""
    q = questionnaire or load_questionnaire()
    geography = Geography(frame_year)
    values = observed_values(export)
    folder = Path(export.path).resolve().parent
    wave = wave or (folder.name if WAVE_ID.match(folder.name) else "YYYY-name")
    identity = identity_column(export, values, geography)
    county = county_column(export, values, geography, identity.column)
    files = sorted({Path(f).name for f in (export.files or [export.path])})

    # SurveyXact's "Gjennomført" dummy outside its own reader (SPSS, CSV) says what is complete
    status_column = "stato_4" if export.format.startswith("spss") or export.format.startswith("generic") else None
    status_column = status_column if status_column in export.variable_names else None
    submitted = submitted_column(export)
    writer = _Writer(q, values)
    ignore, pii = [], []
    for var in export.variables:
        if var.name in (identity.column, county):
            continue
        if header_is_pii(var.name) or header_is_pii(var.label):
            pii.append(var.name)
        elif var.type == "system" or role_of(var.name) is not None:  # also a tool's system column in SPSS or CSV
            if var.name not in (status_column, submitted):
                ignore.append(var.name)
        elif (selection := selection_values(var, values.get(var.name))) is not None:
            writer.dummy(var, *selection)
        else:
            writer.column(var)

    lines = [
        f"# Draft codebook written by `ks-sdg draft-codebook` from {Path(export.path).name} ({export.format}).",
        "# Check every guess and replace every TODO; `ks-sdg check-wave <folder>` validates the result.",
        f"wave: {wave}",
        "codebook_version: 1",
        f"title_nb: {_q('TODO tittel')}",
        f"title_en: {_q('TODO title')}",
        "synthetic: false",
        f"files: [{_q(files[0])}]",
        f"reader: {export.format}",
        f"frame_year: {frame_year}",
        "org_types: [kommune, fylkeskommune]",
        f"field_period: {{start: TODO, end: TODO}}  # {_field_period_comment(export, submitted)}",
        "respondent:",
        f"  identity: {{column: {_q(identity.column or 'TODO')}, by: {identity.by}}}  # {identity.comment()}",
    ]
    if submitted:
        lines.append(f"  submitted_at: {_q(submitted)}  # submission time: the latest submission wins duplicates")
    if county:
        lines.append(f"  county: {{column: {_q(county)}}}  # resolves duplicate names (Herøy, Våler)")
    if writer.org_type is not None:
        column, guesses = writer.org_type
        pairs = ", ".join(f"{_q(g.source)}: {g.code or 'TODO'}" for g in guesses)
        lines.append(f"  org_type: {{column: {_q(column)}, values: {{{pairs}}}}}")
    if status_column:
        words = selection_values(export.variable(status_column), values.get(status_column))
        complete, partial = words if words and words[0] else (["1"], ["0"])  # "Valgt" in an export with labels
        lines += [
            "status:  # SurveyXact's status dummy 'Gjennomført' (stato_4): ticked = completed",
            f"  {{rule: column, column: {status_column}, complete: [{', '.join(map(_q, complete))}], "
            f"partial: [{', '.join(map(_q, partial))}]}}",
        ]
    else:
        lines += ["status:", "  rule: reader   # or: column / required (see docs/codebook.md)"]
    lines.append("variables:")
    lines += writer.lines
    lines.append("# the export tool's own columns (ids, times, status dummies)")
    lines.append("ignore: [" + ", ".join(_q(n) for n in ignore) + "]")
    lines.append("pii: [" + ", ".join(_q(n) for n in pii) + "]")
    return "\n".join(lines) + "\n"
