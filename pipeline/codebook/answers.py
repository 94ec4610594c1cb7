"""Step 4 of harmonisation: answers turned into canonical option codes, numbers and texts, then into
``fact_response`` rows (single/scale with the option's ordinal, multi-selects with 1/0 for every option the wave
asked, texts with personal data scrubbed)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipeline.codebook.locate import Locator
from pipeline.codebook.pii import scrub_text
from pipeline.codebook.questionnaire import Question, Questionnaire
from pipeline.codebook.wave import VariableMap, WaveCodebook
from pipeline.readers.model import RawExport

RESPONSE_COLUMNS = ["wave", "respondent_id", "question_id", "option_code", "value_num", "value_text"]


def _lookup_for(question: Question, mapping: VariableMap) -> dict[str, str]:
    """Accepted source text (exact, then case-folded) → option code for a choice question."""
    lookup: dict[str, str] = {}
    for opt in question.options:
        for text in (opt.code, opt.label_nb, opt.label_en):
            lookup.setdefault(text.casefold().strip(), opt.code)
    for source, code in mapping.values.items():
        lookup[source.casefold().strip()] = code
    return lookup


def _expected(question: Question, mapping: VariableMap) -> str:
    if mapping.values:
        shown = [f"{k!r}" for k in list(mapping.values)[:12]]
    else:
        shown = [f"{o.code!r} ({o.label_nb})" for o in question.options][:12]
    return f"one of the codes of question {question.id}: " + ", ".join(shown)


@dataclass
class Mapped:
    singles: list[pd.DataFrame]
    selections: list[pd.DataFrame]  # record_id, question_id, option_code, selected (0/1)
    texts: list[pd.DataFrame]
    numbers: list[pd.DataFrame]
    domains: dict[str, list[str]]
    n_scrubbed: int = 0


def map_answers(
    export: RawExport, codebook: WaveCodebook, questionnaire: Questionnaire, locate: Locator, keep: set[str]
) -> Mapped:
    """Answers of the records in ``keep`` turned into canonical codes (see module docstring, step 4)."""
    answers = export.answers[export.answers["record_id"].isin(keep)]
    by_variable = {name: part for name, part in answers.groupby("variable", sort=False)}
    out = Mapped([], [], [], [], {})
    for source, mapping in codebook.variables.items():
        question = questionnaire[mapping.question]
        part = by_variable.get(source)
        domain = out.domains.setdefault(question.id, [])
        if question.type == "multiple":
            if mapping.option is not None:
                wanted = [mapping.option]
            elif mapping.values:
                wanted = list(dict.fromkeys(mapping.values.values()))
            else:
                wanted = list(question.option_codes)
            if mapping.other:
                wanted.append(mapping.other_option)
            domain.extend(c for c in wanted if c not in domain)
        if part is None or part.empty:
            continue
        values = part["value"].astype("str").str.strip()
        if question.type in ("single", "scale"):
            lookup = _lookup_for(question, mapping)
            codes = values.str.casefold().map(lookup)
            bad = codes.isna()
            if bad.any():
                locate.report_values(
                    part["record_id"],
                    values,
                    bad,
                    source,
                    one=f"value {{value}} is not a code of question {question.id}",
                    many=f"values that are not codes of question {question.id}",
                    expected=_expected(question, mapping),
                )
            out.singles.append(
                pd.DataFrame({"record_id": part["record_id"], "question_id": question.id, "option_code": codes})[~bad]
            )
        elif question.type == "multiple" and mapping.option is not None:
            selected = values.isin(mapping.selected)
            unselected = values.isin(mapping.unselected)
            bad = ~(selected | unselected)
            if bad.any():
                locate.report_values(
                    part["record_id"],
                    values,
                    bad,
                    source,
                    one=f"value {{value}} in a 0/1 column of multi-select {question.id}",
                    many=f"values in a 0/1 column of multi-select {question.id}",
                    expected=f"{'/'.join(mapping.selected)} (selected) or "
                    f"{'/'.join(mapping.unselected)} (not selected)",
                )
            out.selections.append(
                pd.DataFrame(
                    {
                        "record_id": part["record_id"],
                        "question_id": question.id,
                        "option_code": mapping.option,
                        "selected": selected.astype(int),
                    }
                )
            )
        elif question.type == "multiple":
            items = values.str.split(mapping.split or ";", regex=False).explode().str.strip()
            items = items[items.notna() & (items != "")]
            lookup = _lookup_for(question, mapping)
            codes = items.str.casefold().map(lookup)
            unknown = codes.isna()
            record_of = part["record_id"]
            if unknown.any() and not mapping.other:
                locate.report_values(
                    record_of[items.index],
                    items,
                    unknown,
                    source,
                    one=f"item {{value}} is not an option of multi-select {question.id}",
                    many=f"items that are not options of multi-select {question.id}",
                    expected=_expected(question, mapping),
                )
                items, codes, unknown = items[~unknown], codes[~unknown], unknown[~unknown]
            if unknown.any():
                other_text = items[unknown].groupby(level=0).agg("; ".join)
                out.texts.append(
                    pd.DataFrame(
                        {"record_id": record_of[other_text.index], "question_id": mapping.other, "text": other_text}
                    )
                )
                codes = codes.where(~unknown, mapping.other_option)
            answered_records = record_of.drop_duplicates()
            chosen = pd.DataFrame({"record_id": record_of[codes.index], "option_code": codes.to_numpy()})
            out.selections.append(chosen.assign(question_id=question.id, selected=1))
            # Records that answered this cell get an explicit 0 for every option of the wave's domain (added later).
            out.selections.append(
                pd.DataFrame(
                    {"record_id": answered_records, "question_id": question.id, "option_code": None, "selected": 0}
                )
            )
        elif question.type == "text":
            out.texts.append(pd.DataFrame({"record_id": part["record_id"], "question_id": question.id, "text": values}))
        elif question.type == "number":
            numbers = pd.to_numeric(values.str.replace(",", ".", regex=False).str.replace(" ", ""), errors="coerce")
            bad = numbers.isna()
            if bad.any():
                locate.report_values(
                    part["record_id"],
                    values,
                    bad,
                    source,
                    one="value {value} is not a number",
                    many="values that are not numbers",
                    expected="a number",
                )
            out.numbers.append(
                pd.DataFrame({"record_id": part["record_id"], "question_id": question.id, "num": numbers})
            )
    return out


def response_rows(
    mapped: Mapped, questionnaire: Questionnaire, respondent_of: dict[str, str]
) -> tuple[pd.DataFrame, int]:
    """fact_response rows (without wave) from mapped answers; and the number of PII strings removed."""
    frames = []
    if mapped.singles:
        singles = pd.concat(mapped.singles, ignore_index=True)
        ordinal = {(q.id, o.code): o.ordinal for q in questionnaire.questions.values() for o in q.options}
        singles["value_num"] = [
            ordinal.get(k) for k in zip(singles["question_id"], singles["option_code"], strict=True)
        ]
        singles["value_text"] = None
        frames.append(singles)
    if mapped.selections:
        sel = pd.concat(mapped.selections, ignore_index=True)
        answered = sel[["record_id", "question_id"]].drop_duplicates()
        domain = pd.DataFrame(
            [(q, code) for q, codes in mapped.domains.items() for code in codes], columns=["question_id", "option_code"]
        )
        grid = answered.merge(domain, on="question_id")
        chosen = (
            sel[sel["selected"] == 1]
            .groupby(["record_id", "question_id", "option_code"], as_index=False)["selected"]
            .max()
        )
        grid = grid.merge(chosen, on=["record_id", "question_id", "option_code"], how="left")
        grid["value_num"] = grid["selected"].fillna(0).astype(float)
        grid["value_text"] = None
        frames.append(grid.drop(columns="selected"))
    n_scrubbed = 0
    if mapped.texts:
        texts = pd.concat(mapped.texts, ignore_index=True)
        texts = texts.groupby(["record_id", "question_id"], as_index=False, sort=False)["text"].agg("; ".join)
        cleaned = [scrub_text(t) for t in texts["text"]]
        n_scrubbed = sum(n for _, n in cleaned)
        frames.append(
            texts.assign(option_code=None, value_num=None, value_text=[t for t, _ in cleaned]).drop(columns="text")
        )
    if mapped.numbers:
        numbers = pd.concat(mapped.numbers, ignore_index=True)
        frames.append(numbers.rename(columns={"num": "value_num"}).assign(option_code=None, value_text=None))
    if not frames:
        return pd.DataFrame(columns=["respondent_id", *RESPONSE_COLUMNS[2:]]), 0
    result = pd.concat([f[["record_id", "question_id", "option_code", "value_num", "value_text"]] for f in frames])
    result = result[result["record_id"].isin(respondent_of)]
    result.insert(0, "respondent_id", result.pop("record_id").map(respondent_of))
    result["value_num"] = result["value_num"].astype("float64")
    result["option_code"] = result["option_code"].astype("str")
    result["value_text"] = result["value_text"].astype("str")
    order = {q: i for i, q in enumerate(questionnaire.questions)}
    result = result.assign(_q=result["question_id"].map(order)).sort_values(
        ["respondent_id", "_q", "option_code"], kind="stable"
    )
    return result.drop(columns="_q").reset_index(drop=True), n_scrubbed
