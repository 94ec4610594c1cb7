"""Human labels (Norwegian ``nb`` and English ``en``) shared by the workbook, the CSV/SPSS exports and Open SDG.

Codes come from the warehouse (org types, estimands, breakdowns, measures, items); labels of items come from
``dim_item`` and questions from ``dim_question``. Everything here is a pure lookup; unknown codes fall back to the
code itself so that a new breakdown or item never breaks a report, it only shows its code.
"""

from __future__ import annotations

import pandas as pd

from pipeline.geography.frames import CENTRALITY_LABELS, SIZE_CLASS_LABELS

LANGS = ("nb", "en")

ORG_TYPE = {
    "kommune": ("Kommune", "Municipality"),
    "fylkeskommune": ("Fylkeskommune", "County authority"),
}
ORG_TYPE_PLURAL = {
    "kommune": ("kommuner", "municipalities"),
    "fylkeskommune": ("fylkeskommuner", "county authorities"),
}
ESTIMAND = {
    "orgs": ("Andel organisasjoner", "Share of organisations"),
    "inhabitants": ("Andel innbyggere", "Share of inhabitants"),
}
BREAKDOWN = {
    "total": ("Totalt", "Total"),
    "size_class": ("Størrelse", "Size class"),
    "centrality_class": ("Sentralitet", "Centrality"),
    "merged_2020": ("Sammenslått 2020", "Merged 2020"),
    "network_member": ("Nettverk", "Network membership"),
    "county": ("Fylke", "County"),
    "org_type": ("Organisasjonstype", "Organisation type"),
    "stratum": ("Stratum", "Stratum"),
}
BREAKDOWN_ORDER = list(BREAKDOWN)
MEASURE = {
    "proportion": ("Andel", "Share"),
    "mean": ("Gjennomsnitt", "Mean"),
    "difference": ("Differanse", "Difference"),
}
POPULATION = {
    "all": ("Alle svar", "All respondents"),
    "panel": ("Panel (svarte i begge)", "Panel (answered both)"),
}
# Items that are not questionnaire items (no row in dim_item).
EXTRA_ITEMS = {
    "response_rate": ("Svarprosent (fullførte svar)", "Response rate (complete responses)", "proportion"),
    "response_rate_any": (
        "Svarprosent (fullførte og delvise svar)",
        "Response rate (complete or partial responses)",
        "proportion",
    ),
    "population_share": ("Andel av de inviterte (populasjonen)", "Share of the invited (population)", "proportion"),
    "respondent_share": (
        "Andel av de fullførte svarene, uvektet",
        "Share of complete respondents, unweighted",
        "proportion",
    ),
    "weighted_share": (
        "Andel av de fullførte svarene, vektet",
        "Share of complete respondents, weighted",
        "proportion",
    ),
    "dissimilarity_unweighted": (
        "Skjevhet før vekting (½ Σ |andel svar − andel populasjon|)",
        "Imbalance before weighting (½ Σ |respondent share − population share|)",
        "proportion",
    ),
    "dissimilarity_weighted": (
        "Skjevhet etter vekting (½ Σ |vektet andel − andel populasjon|)",
        "Imbalance after weighting (½ Σ |weighted share − population share|)",
        "proportion",
    ),
}
DERIVED_QUESTION = ("Modenhetstrinn (avledet av svarene)", "Maturity stage (derived from the answers)")
YES_NO = {0: ("Nei", "No"), 1: ("Ja", "Yes")}
SUPPRESSED = ("undertrykt (for få svar)", "suppressed (too few respondents)")


def check_lang(lang: str) -> int:
    """The index of ``lang`` in the (nb, en) label pairs; ValueError for any other language."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {LANGS}")
    return LANGS.index(lang)


def label(mapping: dict, code: object, lang: str) -> str:
    """The ``lang`` label of ``code`` in a mapping of code -> (nb, en, ...); the code itself when unknown."""
    pair = mapping.get(code)
    return str(code) if pair is None else pair[check_lang(lang)]


def org_type_label(code: str, lang: str) -> str:
    """Label of an org type, or of a contrast ``"fylkeskommune - kommune"`` ("Fylkeskommune − kommune")."""
    parts = [p.strip() for p in str(code).split(" - ")]
    if len(parts) == 2:
        return f"{label(ORG_TYPE, parts[0], lang)} − {label(ORG_TYPE, parts[1], lang).lower()}"
    return label(ORG_TYPE, code, lang)


def item_labels(dim_item: pd.DataFrame | None, lang: str) -> dict[str, str]:
    """Item code -> human label (question option or derived indicator) in ``lang``, incl. response-rate items."""
    i = check_lang(lang)
    result = {code: pair[i] for code, pair in EXTRA_ITEMS.items()}
    if dim_item is not None:
        result.update(zip(dim_item["item"], dim_item[f"label_{lang}"].fillna(dim_item["item"]), strict=True))
    return result


def item_measures(dim_item: pd.DataFrame | None) -> dict[str, str]:
    """Item code -> ``proportion`` (0/1 indicator, shown as percent) or ``mean`` (score, shown with decimals)."""
    result = {code: spec[2] for code, spec in EXTRA_ITEMS.items()}
    if dim_item is not None:
        result.update(zip(dim_item["item"], dim_item["measure"], strict=True))
    return result


def item_positions(dim_item: pd.DataFrame | None) -> dict[str, int]:
    """Item code -> questionnaire position (sort key); response-rate items first."""
    result = {code: -len(EXTRA_ITEMS) + k for k, code in enumerate(EXTRA_ITEMS)}
    if dim_item is not None:
        result.update(zip(dim_item["item"], dim_item["position"].astype(int), strict=True))
    return result


def question_texts(dim_item: pd.DataFrame | None, dim_question: pd.DataFrame | None, lang: str) -> dict[str, str]:
    """Item code -> the question it comes from (``dim_question.text_<lang>``); derived items get a fixed text."""
    i = check_lang(lang)
    if dim_item is None:
        return {}
    texts: dict[str, str] = {}
    if dim_question is not None:
        texts = dict(zip(dim_question["question_id"], dim_question[f"text_{lang}"], strict=True))
    result = {}
    for item, question in zip(dim_item["item"], dim_item["question_id"], strict=True):
        if question is None or pd.isna(question):
            result[item] = DERIVED_QUESTION[i]
        else:
            result[item] = texts.get(question, str(question))
    return result


def size_class_labels(lang: str) -> dict[int, str]:
    """Size class (1–4) -> label, e.g. 1 -> "Under 5 000 innb."."""
    check_lang(lang)
    return dict(SIZE_CLASS_LABELS[lang])


def centrality_labels(lang: str) -> dict[int, str]:
    """SSB centrality class (1–6) -> label."""
    check_lang(lang)
    return dict(CENTRALITY_LABELS[lang])
