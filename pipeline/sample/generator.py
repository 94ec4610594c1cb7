"""Synthetic waves → export rows and codebooks, written with the writers of :mod:`pipeline.sample.formats`.

Each wave has a *layout*: the export's columns in order, each a :class:`Field` saying what the column holds (a
system value, the respondent's typed identity, or an answer to a canonical question coded the way that tool codes
it). One layout gives both the rows for the writer and the wave's ``codebook.yaml``, so the two always agree.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from pipeline.codebook.questionnaire import Question, load_questionnaire
from pipeline.geography import frame
from pipeline.readers.model import Variable
from pipeline.sample import formats
from pipeline.sample.truth import (
    BARRIER_ITEMS,
    WAVES,
    Submission,
    WaveSample,
    predecessors_2024,
    rng_for,
    simulate_wave,
)

_ODDITY = 6  # random stream for typed identities and persons

FIRST_NAMES = (
    "Kari", "Ola", "Ingrid", "Lars", "Marit", "Per", "Anne", "Jon", "Silje", "Erik", "Hilde", "Knut", "Ragnhild",
    "Tor", "Solveig", "Bjørn", "Astrid", "Geir", "Liv", "Trond", "Nina", "Arne", "Berit", "Øystein", "Camilla",
    "Håkon", "Tone", "Sigurd", "Randi", "Espen", "Mari", "Vegard", "Elin", "Magnus", "Åse", "Sindre",
)  # fmt: skip
LAST_NAMES = (
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen", "Karlsen",
    "Berg", "Haugen", "Hagen", "Eriksen", "Bakken", "Solberg", "Dahl", "Lund", "Moen", "Strand", "Lie", "Holm",
    "Sæther", "Aas", "Myhre", "Brekke", "Nygård", "Halvorsen", "Vik", "Rønning",
)  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One export column.

    ``role``: ``system`` (``system`` names which value: id, submitted, started, email, name, answer_time, stato_N),
    ``identity``, ``county``, ``org_type`` or ``answer``. ``header`` is the column's name in the export (what the
    codebook maps). ``codes``: canonical option code → the value written (single choice). ``option``: the canonical
    option of a 0/1 dummy. ``labels``: canonical code → item label of a joined multi-select.
    """

    var: Variable
    role: str
    header: str
    question: str | None = None
    option: str | None = None
    codes: dict[str, object] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    system: str | None = None
    pii: bool = False
    other: str | None = None  # joined multi-select: the text question whose answer is written as an extra item


@dataclass
class Layout:
    """The columns of one wave's export and what its codebook says besides the variables."""

    wave: str
    file_name: str
    fields: list[Field]
    identity: Callable[[Submission, np.random.Generator], object]
    county: Callable[[Submission, np.random.Generator], object] | None = None


def _q(question: str) -> Question:
    return load_questionnaire()[question]


def _label(question: str, code: str) -> str:
    return _q(question).option(code).label_nb


def _sys(name: str, system: str, label: str = "", pii: bool = False, **kw: object) -> Field:
    return Field(Variable(name=name, label=label or name, type="system", **kw), "system", name, system=system, pii=pii)


def _numbered(question: str, codes: tuple[str, ...] | None = None) -> dict[str, object]:
    """Canonical code → 1, 2, … in the questionnaire's option order (or the given order)."""
    return {c: i for i, c in enumerate(codes or _q(question).option_codes, start=1)}


def _single(name: str, question: str, codes: dict[str, object], header: str | None = None, label: str = "") -> Field:
    value_labels = {str(v): _label(question, c) for c, v in codes.items()}
    var = Variable(name=name, label=label or _q(question).text_nb, type="single", value_labels=value_labels)
    return Field(var, "answer", header or name, question=question, codes=codes)


def _dummies(stem: str, question: str, sep: str, codes: dict[str, object] | None = None) -> list[Field]:
    """One 0/1 column per option: ``<stem><sep><code>`` (SurveyXact ``v_6_1``, Nettskjema ``planer.1``)."""
    out = []
    text = _q(question).text_nb
    for code, value in (codes or _numbered(question)).items():
        name = f"{stem}{sep}{value}"
        var = Variable(
            name=name,
            label=f"{text} - {_label(question, code)}",
            type="multiple_dummy",
            question=stem,
            option=str(value),
        )
        out.append(Field(var, "answer", name, question=question, option=code))
    return out


def _text(name: str, question: str, header: str | None = None, label: str = "") -> Field:
    var = Variable(name=name, label=label or _q(question).text_nb, type="text")
    return Field(var, "answer", header or name, question=question)


# ---------------------------------------------------------------------------------------------------------------
# Typed identities
# ---------------------------------------------------------------------------------------------------------------

#: 2021: respondents who typed an old (2019) code or a stripped number; codes of the 2020 frame → what they typed.
VSR_TYPED: dict[str, object] = {
    "0301": 301,  # Excel stripped the leading zero
    "3030": "0226",  # Lillestrøm respondent typed the old code of Sørum (2019 → 2020 merger, one-to-one)
    "4601": "1201",  # Bergen's code until 2019
    "3024": 219,  # Bærum's 2019 code 0219, leading zero stripped
    "5401": "1902",  # Tromsø's code until 2019
    "1804": "Bodø kommune",  # a name in the code field: identified by a codebook override
    "fk:50": 50,
}
NORDIC_TYPED: dict[str, object] = {
    "0301": "301",
    "3005": "0602",  # Drammen's 2019 code (merged with Nedre Eiker and Svelvik, one-to-one)
    "5401": "1902",
    "4601": "1201",
}
#: 2025: typed names and county column of the showcase orgs (2024 frame codes).
VNR_TYPED: dict[str, tuple[str, str | None]] = {
    "5612": ("Guovdageaidnu", "Finnmark"),
    "5610": ("Kárášjohka", "Finnmárku"),
    "5001": ("Tråante", "Trøndelag"),
    "5622": ("Porsanki", "Finnmark"),
    "5628": ("Deatnu – Tana", "Finnmark"),
    "5605": ("Sør–Varanger kommune", "Troms og Finnmark"),
    "1515": ("Herøy", "Møre og Romsdal"),
    "1818": ("Herøy (Nordland)", None),
    "3114": ("Våler", "Viken"),
    "3419": ("Våler kommune", "Innlandet"),
    "3201": ("BÆRUM", "Akershus"),
    "3436": ("  nord-fron  ", "Innlandet"),
    "fk:46": ("Vestland fylkeskommune", "Vestland"),
    "fk:55": ("Troms fylkeskommune", "Troms"),
    "fk:32": ("Akershus fylkeskommune", "Viken"),
}


def _vsr_identity(sub: Submission, rng: np.random.Generator) -> object:
    if sub.org.key in VSR_TYPED:
        return VSR_TYPED[sub.org.key]
    if rng.random() < 0.15:
        return int(sub.org.code)  # typed as a number
    if rng.random() < 0.04:
        return f" {sub.org.code} "
    return sub.org.code


def _nordic_identity(sub: Submission, rng: np.random.Generator) -> object:
    return NORDIC_TYPED.get(sub.org.key, sub.org.code)


def _previous_county(code: str, org_type: str) -> str:
    """The 2020–2023 county name of a 2024-frame org (what a respondent may still write in 2025)."""
    pred = predecessors_2024()[(org_type, code)]
    f20 = frame(2020, [org_type]).set_index("org_code")
    return str(f20.loc[pred, "county_name"])


def _vnr_identity(sub: Submission, rng: np.random.Generator) -> object:
    org = sub.org
    if org.key in VNR_TYPED:
        return VNR_TYPED[org.key][0]
    if org.org_type == "fylkeskommune":
        return f"{org.county_name} fylkeskommune" if rng.random() < 0.8 else f"{org.county_name} fylke"
    name = org.name.replace("-", "–") if "-" in org.name and rng.random() < 0.5 else org.name
    draw = rng.random()
    if draw < 0.22:
        return f"{name} kommune"
    if draw < 0.27:
        return name.lower()
    if draw < 0.32:
        return f"{name}  "
    if draw < 0.35:
        return f"{name} Kommune"
    return name


def _vnr_county(sub: Submission, rng: np.random.Generator) -> object:
    org = sub.org
    if org.key in VNR_TYPED:
        return VNR_TYPED[org.key][1]
    draw = rng.random()
    if draw < 0.10:
        return None
    if draw < 0.20:
        return _previous_county(org.code, org.org_type)
    if draw < 0.24:
        return org.county_name.lower()
    return org.county_name


# ---------------------------------------------------------------------------------------------------------------
# The three layouts
# ---------------------------------------------------------------------------------------------------------------


def _extent_codes(dont_know: object) -> dict[str, object]:
    return {"1": 1, "2": 2, "3": 3, "4": 4, "dont_know": dont_know}


def _goal_labels() -> dict[str, str]:
    """Goal labels as a form would show them: ``Mål 3: God helse og livskvalitet``."""
    return {o.code: f"Mål {o.code}: {o.label_nb.split(' ', 1)[1]}" for o in _q("sdg_prioritised").options}


def vsr_layout() -> Layout:
    """2021-vsr: a SurveyXact workbook, the full questionnaire, 0/1 dummies and numeric codes."""
    status = [
        _sys(f"stato_{i}", f"stato_{i}", f"Status - {t}", question="statoverall", option=str(i))
        for i, t in enumerate(("Ny", "Distribuert", "Noen svar", "Gjennomført", "Frafalt"), start=1)
    ]
    extent = _extent_codes(5)
    org_type_codes = {"kommune": 1, "fylkeskommune": 2}
    fields: list[Field] = [
        _sys("responde", "id", "Respondent-id"),
        _sys("email", "email", "E-post", pii=True),
        _sys("name", "name", "Navn", pii=True),
        _sys("starttim", "started", "Starttidspunkt"),
        _sys("closetim", "submitted", "Lukket tidspunkt"),
        *status,
        Field(
            Variable(
                "s_1",
                _q("org_type").text_nb,
                "single",
                {str(v): _label("org_type", c) for c, v in org_type_codes.items()},
            ),
            "org_type",
            "s_1",
            question="org_type",
            codes=org_type_codes,
        ),
        Field(
            Variable("s_2", "Oppgi kommunenummer (fire siffer) eller fylkesnummer (to siffer)", "text"),
            "identity",
            "s_2",
        ),
        _single("s_3", "respondent_role", _numbered("respondent_role")),
        _single("s_4", "maturity_self", _numbered("maturity_self")),
        _single("s_5", "sdg_decision", _numbered("sdg_decision")),
        *_dummies("v_6", "sdg_in_plans", "_"),
        _single("s_7", "political_anchoring", extent),
        _single("s_8", "indicators_use", _numbered("indicators_use")),
        *_dummies("v_9", "networks", "_"),
        *_dummies("v_10", "partnerships", "_"),
        _single("s_11", "leave_no_one_behind", extent),
        *_dummies("v_12", "barriers", "_"),
        _text("s_13", "barriers_other"),
        _single("s_14", "barrier_largest", _numbered("barrier_largest")),
        *[_single(f"s_{15 + i}", f"barrier_extent_{item}", extent) for i, item in enumerate(BARRIER_ITEMS)],
        *_dummies("v_22", "sdg_prioritised", "_"),
        *_dummies("v_23", "sdg_samfunnsdel", "_"),
        _single("s_24", "covid_effect", _numbered("covid_effect")),
        _text("s_25", "comments"),
    ]
    return Layout("2021-vsr", "ks-sdg-2021-vsr-SYNTHETIC-surveyxact.xlsx", fields, _vsr_identity)


def nordic_layout() -> Layout:
    """2023-nordic: a Nettskjema csv-report, 15 questions, external option codes (9 = Vet ikke)."""
    yes_no = {"yes": 1, "no": 2, "dont_know": 9}
    extent = _extent_codes(9)
    fields: list[Field] = [
        _sys("$submission_id", "id"),
        _sys("$created", "submitted"),
        Field(Variable("kommunenr", "Kommunenummer (fire siffer)", "text"), "identity", "kommunenr"),
        Field(Variable("navn", "Navn på kontaktperson", "text"), "system", "navn", system="name", pii=True),
        Field(Variable("epost", "E-postadresse", "text"), "system", "epost", system="email", pii=True),
        _single("rolle", "respondent_role", _numbered("respondent_role")),
        _single("modenhet", "maturity_self", _numbered("maturity_self")),
        _single("vedtak", "sdg_decision", yes_no),
        *_dummies("planer", "sdg_in_plans", ".", {**_numbered("sdg_in_plans"), "none": 99}),
        _single("forankring", "political_anchoring", extent),
        _single("indikatorer", "indicators_use", _numbered("indicators_use")),
        *_dummies("nettverk", "networks", ".", {**_numbered("networks"), "none": 99}),
        *_dummies("partnerskap", "partnerships", ".", {**_numbered("partnerships"), "none": 99}),
        _single("lnob", "leave_no_one_behind", extent),
        *_dummies("barrierer", "barriers", "."),
        _text("barrierer_annet", "barriers_other"),
        _single("storste_barriere", "barrier_largest", _numbered("barrier_largest")),
        *_dummies("mal", "sdg_prioritised", "."),
        _single("covid", "covid_effect", _numbered("covid_effect")),
        _text("kommentar", "comments"),
        _sys("$answer_time_ms", "answer_time"),
    ]
    return Layout("2023-nordic", "ks-sdg-2023-nordic-SYNTHETIC-nettskjema.csv", fields, _nordic_identity)


def _forms_single(question: str, header: str | None = None, labels: dict[str, str] | None = None) -> Field:
    text = header or _q(question).text_nb
    codes: dict[str, object] = dict(labels or {c: _label(question, c) for c in _q(question).option_codes})
    var = Variable(name=f"q_{question}", label=text, type="single")
    return Field(var, "answer", text, question=question, codes=codes)


def _forms_joined(question: str, labels: dict[str, str] | None = None, other: str | None = None) -> Field:
    text = _q(question).text_nb
    item_labels = dict(labels or {c: _label(question, c) for c in _q(question).option_codes})
    if other:
        item_labels.pop("other", None)
    var = Variable(name=f"q_{question}", label=text, type="multiple_joined")
    return Field(var, "answer", text, question=question, labels=item_labels, other=other)


def vnr_layout() -> Layout:
    """2025-vnr: a Microsoft Forms workbook (Norwegian headers), respondents identified by typed name and county."""
    org_type = _forms_single("org_type")
    goal_labels = _goal_labels()
    fields: list[Field] = [
        _sys("ID", "id"),
        _sys("Starttidspunkt", "started"),
        _sys("Fullføringstidspunkt", "submitted"),
        _sys("E-postadresse", "email", pii=True),
        _sys("Navn", "name", pii=True),
        Field(org_type.var, "org_type", org_type.header, question="org_type", codes=org_type.codes),
        Field(
            Variable("q_identity", "Hvilken kommune eller fylkeskommune representerer du?", "text"),
            "identity",
            "Hvilken kommune eller fylkeskommune representerer du?",
        ),
        Field(Variable("q_county", "Fylke", "text"), "county", "Fylke"),
        _forms_single("respondent_role"),
        _forms_single("maturity_self"),
        _forms_single("sdg_decision"),
        _forms_joined("sdg_in_plans"),
        _forms_single("political_anchoring"),
        _forms_single("indicators_use"),
        _forms_joined("networks"),
        _forms_joined("partnerships"),
        _forms_single("leave_no_one_behind"),
        _forms_joined("barriers", other="barriers_other"),
        _forms_single("barrier_largest"),
        *[_forms_single(f"barrier_extent_{item}", header=_label("barriers", item)) for item in BARRIER_ITEMS],
        _forms_joined("sdg_prioritised", labels=goal_labels),
        _forms_joined("sdg_samfunnsdel", labels=goal_labels),
        _text("q_comments", "comments", header=_q("comments").text_nb),
    ]
    return Layout("2025-vnr", "ks-sdg-2025-vnr-SYNTHETIC-msforms.xlsx", fields, _vnr_identity, _vnr_county)


LAYOUTS: dict[str, Callable[[], Layout]] = {
    "2021-vsr": vsr_layout,
    "2023-nordic": nordic_layout,
    "2025-vnr": vnr_layout,
}


# ---------------------------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------------------------


def _ascii(text: str) -> str:
    text = text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c if c.isalnum() else "-" for c in text).strip("-")


def person(sub: Submission, seed: int) -> tuple[str, str]:
    """A made-up respondent name and e-mail address (reserved ``.example`` domain; no real person)."""
    rng = rng_for(seed, _ODDITY, WAVES[sub.wave].index, sub.org.panel_key, int(sub.org.code), 100 + sub.person)
    first = FIRST_NAMES[int(rng.integers(len(FIRST_NAMES)))]
    last = LAST_NAMES[int(rng.integers(len(LAST_NAMES)))]
    place = _ascii(sub.org.county_name if sub.org.org_type == "fylkeskommune" else sub.org.name)
    domain = f"{place}fylke.example" if sub.org.org_type == "fylkeskommune" else f"{place}.kommune.example"
    return f"{first} {last}", f"{_ascii(first)}.{_ascii(last)}@{domain}"


def _answer_value(f: Field, answers: dict[str, object]) -> object:
    value = answers.get(f.question or "")
    if value is None:
        return None
    if f.var.type == "multiple_dummy":
        return int(f.option in value)  # type: ignore[operator]
    if f.var.type == "multiple_joined":
        items = [f.labels[c] for c in value if c in f.labels]  # type: ignore[union-attr]
        if f.other and "other" in value and answers.get(f.other):  # type: ignore[operator]
            items.append(str(answers[f.other]))
        return items or None
    if f.codes:
        return f.codes[str(value)]
    return value


def _record_ids(layout: Layout, subs: list[Submission], seed: int) -> dict[int, object]:
    """Record ids as each tool assigns them: SurveyXact by invitation order, Nettskjema/Forms by submission order."""
    rng = rng_for(seed, _ODDITY, WAVES[layout.wave].index, 0)
    if layout.wave == "2021-vsr":
        invited = {o.key: i for i, o in enumerate(sorted({s.org for s in subs}, key=lambda o: o.key))}
        order = sorted(range(len(subs)), key=lambda i: (invited[subs[i].org.key], subs[i].started_at))
        ids, current = {}, 41_873_000
        for i in order:
            current += int(rng.integers(1, 4))
            ids[i] = current
        return ids
    if layout.wave == "2023-nordic":
        ids, current = {}, 31_204_000
        for i in range(len(subs)):
            current += int(rng.integers(1, 40))
            ids[i] = current
        return ids
    return {i: i + 1 for i in range(len(subs))}


def build_rows(layout: Layout, sample: WaveSample) -> tuple[list[dict[str, object]], dict[str, str]]:
    """The export rows (in file order) and the codebook overrides (record id → org code) they need."""
    seed = sample.seed
    subs = sorted(sample.submissions, key=lambda s: (s.submitted_at, s.org.key, s.person))
    ids = _record_ids(layout, subs, seed)
    rows: list[tuple[object, dict[str, object]]] = []
    overrides: dict[str, str] = {}
    spec = WAVES[layout.wave]
    for i, sub in enumerate(subs):
        rng = rng_for(seed, _ODDITY, spec.index, sub.org.panel_key, int(sub.org.code), sub.person)
        name, email = person(sub, seed)
        started = sub.status != "not_started"
        status = {"not_started": 2, "partial": 3, "complete": 4}[sub.status]
        system: dict[str, object] = {
            "id": ids[i],
            "email": email,
            "name": name,
            "started": sub.started_at if started else None,
            "submitted": sub.submitted_at if started else None,
            "answer_time": int((sub.submitted_at - sub.started_at).total_seconds() * 1000) + int(rng.integers(1000)),
            **{f"stato_{k}": int(k == status) for k in range(1, 6)},
        }
        row: dict[str, object] = {}
        for f in layout.fields:
            if f.role == "system":
                row[f.var.name] = system[f.system or ""]
            elif not started:
                row[f.var.name] = None
            elif f.role == "identity":
                row[f.var.name] = typed = layout.identity(sub, rng)
                if layout.county is None and isinstance(typed, str) and not typed.strip().isdigit():
                    overrides[str(ids[i])] = sub.org.code  # a name in a code field: identified by hand
            elif f.role == "county":
                row[f.var.name] = layout.county(sub, rng) if layout.county else None
            else:
                row[f.var.name] = _answer_value(f, sub.answers)
        rows.append((ids[i], row))
    rows.sort(key=lambda r: r[0])  # type: ignore[arg-type, return-value]
    return [r for _, r in rows], overrides


# ---------------------------------------------------------------------------------------------------------------
# Codebooks
# ---------------------------------------------------------------------------------------------------------------

TITLES = {
    "2021-vsr": (
        "KS-kartlegging til Norges frivillige subnasjonale gjennomgang (VSR) 2021 (SYNTETISKE DATA)",
        "KS survey for Norway's Voluntary Subnational Review (VSR) 2021 (SYNTHETIC DATA)",
    ),
    "2023-nordic": (
        "Nordisk kartlegging av kommunenes arbeid med bærekraftsmålene 2023 (SYNTETISKE DATA)",
        "Nordic survey of municipalities' work on the SDGs 2023 (SYNTHETIC DATA)",
    ),
    "2025-vnr": (
        "KS-kartlegging til Norges frivillige nasjonale gjennomgang (VNR) 2025 (SYNTETISKE DATA)",
        "KS survey for Norway's Voluntary National Review (VNR) 2025 (SYNTHETIC DATA)",
    ),
}
READERS = {"2021-vsr": "surveyxact_xlsx", "2023-nordic": "nettskjema_csv", "2025-vnr": "msforms_xlsx"}
#: Column names each writer gives the system roles (the codebook names export columns).
SYSTEM_HEADERS = {
    "2021-vsr": {},
    "2023-nordic": {},
    "2025-vnr": {
        "id": "ID",
        "started": "Starttidspunkt",
        "submitted": "Fullføringstidspunkt",
        "email": "E-postadresse",
        "name": "Navn",
    },
}


def _header(layout: Layout, f: Field) -> str:
    if f.role == "system" and f.system in SYSTEM_HEADERS[layout.wave]:
        return SYSTEM_HEADERS[layout.wave][f.system]  # type: ignore[index]
    return f.header


def _mapping(f: Field) -> dict[str, object]:
    spec: dict[str, object] = {"question": f.question}
    if f.var.type == "multiple_dummy":
        spec["option"] = f.option
    elif f.var.type == "multiple_joined":
        spec["split"] = ";"
        spec["values"] = {label: code for code, label in f.labels.items()}
        if f.other:
            spec["other"] = f.other
    elif f.codes:
        spec["values"] = {str(v): c for c, v in f.codes.items()}
    return spec


def codebook(layout: Layout, overrides: dict[str, str], notes: str) -> dict[str, object]:
    """The wave's codebook as a YAML-ready mapping."""
    spec = WAVES[layout.wave]
    by_role = {f.role: f for f in layout.fields if f.role != "answer"}
    systems = {f.system: f for f in layout.fields if f.role == "system"}
    respondent: dict[str, object] = {
        "id": _header(layout, systems["id"]),
        "submitted_at": _header(layout, systems["submitted"]),
        "identity": {"column": by_role["identity"].header, "by": "name" if layout.county else "code"},
    }
    if "county" in by_role:
        respondent["county"] = {"column": by_role["county"].header}
    if "org_type" in by_role:
        ot = by_role["org_type"]
        respondent["org_type"] = {"column": ot.header, "values": {str(v): c for c, v in ot.codes.items()}}
    if overrides:
        respondent["overrides"] = dict(sorted(overrides.items()))
    if layout.wave == "2021-vsr":
        status: dict[str, object] = {"rule": "reader"}
    else:
        status = {"rule": "required", "questions": ["sdg_prioritised"], "min_answered": 1}
    variables = {
        f.header: _mapping(f) for f in layout.fields if f.role in ("answer", "org_type") and f.question is not None
    }
    used = {respondent["id"], respondent["submitted_at"]}
    ignore = [_header(layout, f) for f in layout.fields if f.role == "system" and not f.pii]
    return {
        "wave": layout.wave,
        "codebook_version": 1,
        "title_nb": TITLES[layout.wave][0],
        "title_en": TITLES[layout.wave][1],
        "synthetic": True,
        "files": [layout.file_name],
        "reader": READERS[layout.wave],
        "frame_year": spec.frame_year,
        "org_types": list(spec.org_types),
        "field_period": {"start": spec.field_start, "end": spec.field_end},
        "population_year": spec.population_year,
        "respondent": respondent,
        "status": status,
        "variables": variables,
        "ignore": [c for c in ignore if c not in used],
        "pii": [_header(layout, f) for f in layout.fields if f.pii],
        "notes": notes,
    }


NOTES = {
    "2021-vsr": (
        "SYNTHETIC sample generated by `ks-sdg make-sample` (pipeline/sample, truth in pipeline/sample/TRUTH.md); "
        "not real KS data. Kommunenummer typed by respondents: some stripped of the leading zero (301), some old 2019 "
        "codes (0226 Sørum -> 3030 Lillestrøm, 1201 Bergen, 0219 Bærum, 1902 Tromsø), county authorities with two "
        "digits; one respondent typed a name instead of a code (identified by an override). Rows with status "
        "Distribuert were invited but answered nothing."
    ),
    "2023-nordic": (
        "SYNTHETIC sample generated by `ks-sdg make-sample`; not real KS data. Nettskjema option codes: 9 = Vet ikke, "
        "99 = Ingen. A response counts as complete when the goal question (mal.*) was answered; submissions that "
        "stop earlier are partial."
    ),
    "2025-vnr": (
        "SYNTHETIC sample generated by `ks-sdg make-sample`; not real KS data. Respondents typed the name of their "
        "municipality or county authority (Sami/Kven names, suffixes, odd case and dashes); the county column "
        "resolves Herøy and Våler and sometimes gives the pre-2024 county (Viken). Forms' 'Other' text arrives as an "
        "extra item in the barriers cell. The covid question was not asked in 2025."
    ),
}

_HEADER = (
    "# SYNTHETIC DATA — generated by `ks-sdg make-sample` (pipeline/sample/generator.py, seed {seed}).\n"
    "# Not real KS survey data. Do not edit by hand: regenerate. The truth it encodes: pipeline/sample/TRUTH.md\n"
)


def dump_codebook(data: dict[str, object], seed: int) -> str:
    """The codebook as YAML text with a header comment."""
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120, default_flow_style=False)
    return _HEADER.format(seed=seed) + body


# ---------------------------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------------------------


def write_wave(wave: str, out_dir: Path, seed: int) -> tuple[list[Path], WaveSample, list[dict[str, object]]]:
    """Write one wave's export and codebook into ``out_dir/<wave>/``; returns the paths, the sample and the rows."""
    layout = LAYOUTS[wave]()
    sample = simulate_wave(wave, seed)
    rows, overrides = build_rows(layout, sample)
    folder = out_dir / wave
    folder.mkdir(parents=True, exist_ok=True)
    export = folder / layout.file_name
    variables = [f.var for f in layout.fields]
    if wave == "2021-vsr":
        formats.write_surveyxact_xlsx(export, variables, rows, max_columns_per_sheet=60)
    elif wave == "2023-nordic":
        formats.write_nettskjema_csv(export, variables, rows)
    else:
        formats.write_msforms_xlsx(export, variables, rows, language="nb")
    book = folder / "codebook.yaml"
    text = dump_codebook(codebook(layout, overrides, NOTES[wave]), seed)
    book.write_bytes(text.encode("utf-8"))
    return [book, export], sample, rows
