"""Drafting a ``codebook.yaml`` from an export's own metadata, for a researcher to finish.

Every export column gets an entry: personal-data columns under ``pii``, reader system columns under ``ignore``,
and every other column a mapping whose question is guessed from its label (text similarity to the canonical
questions) and whose values are guessed from value labels. Guesses carry a comment with the similarity; anything
without a good guess is ``TODO``, which fails validation until the researcher decides.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from pipeline.codebook.questionnaire import Question, Questionnaire, load_questionnaire
from pipeline.codebook.wave import WAVE_ID, header_is_pii
from pipeline.readers.model import RawExport, Variable

GUESS_CUTOFF = 0.55
IDENTITY_HINTS = ("kommunenummer", "kommunenr", "knr", "kommune", "fylkeskommune", "organisasjon", "municipality")
COUNTY_HINTS = ("fylke", "county")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", str(text).casefold())).strip()


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, _norm(a), _norm(b)).ratio()


def guess_question(label: str, questionnaire: Questionnaire) -> tuple[Question | None, float]:
    """The canonical question whose nb/en text is most similar to an export label, with the similarity 0–1."""
    best, score = None, 0.0
    for q in questionnaire.questions.values():
        s = max(_similarity(label, q.text_nb), _similarity(label, q.text_en))
        if s > score:
            best, score = q, s
    return (best, score) if score >= GUESS_CUTOFF else (None, score)


def guess_option(label: str, question: Question) -> tuple[str | None, float]:
    """The option of ``question`` whose label is most similar to ``label``."""
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


def _identity_column(variables: list[Variable]) -> tuple[str | None, str]:
    """The column that most likely identifies the org: a code column ("kommunenummer") first, then a name column."""
    best: tuple[int, str, str] | None = None
    for var in variables:
        if var.type == "system" or header_is_pii(var.name) or header_is_pii(var.label):
            continue
        key = _norm(f"{var.name} {var.label}")
        if not any(h in key for h in IDENTITY_HINTS):
            continue
        is_code = any(h in key for h in ("nummer", " nr", "knr", "code", "kode"))
        score = 2 if is_code else 1
        if best is None or score > best[0]:
            best = (score, var.name, "code" if is_code else "name")
    return (best[1], best[2]) if best else (None, "code")


def _county_column(variables: list[Variable], skip: str | None) -> str | None:
    for var in variables:
        if var.name != skip and any(_norm(var.label or var.name).startswith(h) for h in COUNTY_HINTS):
            return var.name
    return None


def draft_codebook(
    export: RawExport, wave: str | None = None, frame_year: int = 2024, questionnaire: Questionnaire | None = None
) -> str:
    """YAML text of a starting codebook for ``export`` (comments explain every guess)."""
    q = questionnaire or load_questionnaire()
    folder = Path(export.path).resolve().parent
    wave = wave or (folder.name if WAVE_ID.match(folder.name) else "YYYY-name")
    identity, by = _identity_column(export.variables)
    county = _county_column(export.variables, identity)
    files = sorted({Path(f).name for f in (export.files or [export.path])})
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
        "field_period: {start: TODO, end: TODO}",
        "respondent:",
        f"  identity: {{column: {_q(identity or 'TODO')}, by: {by}}}",
    ]
    if county:
        lines.append(f"  county: {{column: {_q(county)}}}")
    lines += ["status:", "  rule: reader   # or: column / required (see docs/codebook.md)", "variables:"]
    ignore, pii = [], []
    done_dummies: set[str] = set()
    for var in export.variables:
        if var.name in (identity, county):
            continue
        if header_is_pii(var.name) or header_is_pii(var.label):
            pii.append(var.name)
            continue
        if var.type == "system":
            ignore.append(var.name)
            continue
        label = var.label or var.name
        if var.type == "multiple_dummy":
            group_label = label
            question, score = guess_question(group_label, q)
            option, oscore = guess_option(label.split(" - ")[-1], question) if question else (None, 0.0)
            if question is None and var.question and var.question not in done_dummies:
                done_dummies.add(var.question)
            target = question.id if question and question.type == "multiple" else "TODO"
            lines.append(
                f"  {_q(var.name)}: {{question: {target}, option: {option or 'TODO'}}}"
                f"  # {label[:70]!s} (question {score:.2f}, option {oscore:.2f})"
            )
            continue
        question, score = guess_question(label, q)
        if question is None:
            lines.append(
                f"  {_q(var.name)}: {{question: TODO}}  # {label[:90]} — no close canonical question; "
                "map it or move it to ignore"
            )
            continue
        entry = f"question: {question.id}"
        if question.type == "multiple":
            entry += ', split: ";"'
        lines.append(f"  {_q(var.name)}:  # {label[:90]} (similarity {score:.2f})")
        if question.is_choice and var.value_labels:
            pairs = []
            for value, value_label in var.value_labels.items():
                code, _ = guess_option(value_label, question)
                pairs.append(f"{_q(value)}: {_q(code) if code else 'TODO'}")
            lines.append(f"    {{{entry}, values: {{{', '.join(pairs)}}}}}")
        else:
            lines.append(f"    {{{entry}}}")
    lines.append("ignore: [" + ", ".join(_q(n) for n in ignore) + "]")
    lines.append("pii: [" + ", ".join(_q(n) for n in pii) + "]")
    return "\n".join(lines) + "\n"
