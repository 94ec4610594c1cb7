"""The data-generating model of the synthetic sample: the documented truth that findings must recover.

Every coefficient below is stated in ``pipeline/sample/TRUTH.md``. In short: a latent *progress* score η per org
and wave drives maturity, decisions, plans, indicators, anchoring and partnerships; barriers depend on size class and
org type only; prioritised goals have goal-specific base rates; response propensity rises with size and progress.

Randomness is drawn from NumPy generators keyed by (seed, stream, org), so an org's draws never depend on which other
orgs exist or on iteration order, and the org effect ``u`` and network propensity persist across waves (a panel).
Orgs created by the 2024 reform inherit their 2020 predecessor's persistent draws.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd

from pipeline.geography import dim_crosswalk, frame, population_table, size_class
from pipeline.reference import load as load_reference

# ---------------------------------------------------------------------------------------------------------------
# Waves
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WaveSpec:
    """One synthetic wave: frame, population year, who is invited, field period and wave-level parameters."""

    wave: str
    index: int
    frame_year: int
    population_year: int
    org_types: tuple[str, ...]
    field_start: dt.date
    field_end: dt.date
    delta: float  # shift of the latent progress score relative to 2021
    response_intercept: float  # ρ0 of the municipal response model
    county_response: float  # response probability of a county authority (Oslo 03 never answers as county)
    n_resubmit: int  # orgs with an earlier partial and a later complete submission by the same person
    n_second_person: int  # orgs where two people both submitted complete answers
    n_not_started: int  # invited non-respondents listed with status "Distribuert" (SurveyXact only)
    forced: tuple[str, ...] = ()  # orgs (kommune codes, or "fk:NN" for county authorities) that always respond


WAVES: dict[str, WaveSpec] = {
    "2021-vsr": WaveSpec(
        wave="2021-vsr",
        index=1,
        frame_year=2020,
        population_year=2021,
        org_types=("kommune", "fylkeskommune"),
        field_start=dt.date(2021, 3, 8),
        field_end=dt.date(2021, 4, 16),
        delta=0.0,
        response_intercept=0.3,
        county_response=0.8,
        n_resubmit=2,
        n_second_person=2,
        n_not_started=6,
        forced=("0301", "3030", "4601", "3024", "5401", "1804", "fk:46", "fk:50"),
    ),
    "2023-nordic": WaveSpec(
        wave="2023-nordic",
        index=2,
        frame_year=2020,
        population_year=2022,
        org_types=("kommune",),
        field_start=dt.date(2023, 9, 18),
        field_end=dt.date(2023, 10, 27),
        delta=0.15,
        response_intercept=0.0,
        county_response=0.0,
        n_resubmit=2,
        n_second_person=1,
        n_not_started=0,
        forced=("0301", "3005", "5401", "4601"),
    ),
    "2025-vnr": WaveSpec(
        wave="2025-vnr",
        index=3,
        frame_year=2024,
        population_year=2024,
        org_types=("kommune", "fylkeskommune"),
        field_start=dt.date(2025, 1, 13),
        field_end=dt.date(2025, 3, 14),
        delta=0.30,
        response_intercept=0.0,
        county_response=0.75,
        n_resubmit=2,
        n_second_person=2,
        n_not_started=0,
        forced=(
            "5612",
            "5610",
            "5001",
            "5622",
            "5628",
            "1515",
            "1818",
            "3114",
            "3419",
            "3201",
            "3436",
            "5605",
            "fk:46",
            "fk:55",
            "fk:32",
        ),
    ),
}

# ---------------------------------------------------------------------------------------------------------------
# Coefficients (all stated in TRUTH.md)
# ---------------------------------------------------------------------------------------------------------------

#: Network membership: logit P = a + b_lp·lp + b_cen·cen (municipalities); county authorities: fixed logit.
NETWORK = {"intercept": -0.8, "lp": 1.2, "cen": 1.0, "county_logit": 1.5}
#: Latent progress η = intercept + Σ coef·x + δ_wave + u, u ~ N(0, u_sd²).
PROGRESS = {
    "intercept": -0.5,
    "lp": 0.7,
    "cen": 0.8,
    "merged": 0.5,
    "network": 0.8,
    "county_intercept": 0.5,
    "u_sd": 0.8,
}
#: maturity_self = 1 + #{k: κ_k < η + ε}, ε ~ Logistic(0, 1).
MATURITY_CUTS = (-2.0, -0.8, 0.3, 1.6)
#: sdg_decision: "dont_know" with this probability, else yes with logit P = a + b·η.
DECISION = {"dont_know": 0.04, "intercept": 0.2, "eta": 1.2}
#: sdg_in_plans: logit P(plan) = a_plan + PLAN_SLOPE·η; "none" when no plan is drawn.
PLAN_INTERCEPTS = {
    "samfunnsdel": 0.6,
    "arealdel": -1.8,
    "okonomiplan": -0.8,
    "planstrategi": 0.0,
    "sektorplaner": -0.3,
    "budsjett": -1.6,
    "arsrapport": -1.4,
}
PLAN_SLOPE = 1.2
#: political_anchoring (extent 1–4) = 1 + #{k: τ_k < b·η + ε}; "dont_know" with the given probability.
ANCHORING = {"cuts": (-1.5, 0.0, 1.5), "eta": 1.0, "dont_know": 0.04}
#: leave_no_one_behind, same form.
LNOB = {"cuts": (-1.2, 0.2, 1.8), "eta": 0.7, "dont_know": 0.06}
#: indicators_use: U4SSC network members say "u4ssc" when y = η + ε > 0; otherwise y > own → "own",
#: y > planned → "planned", else "no".
INDICATORS = {"own": 1.0, "planned": -0.3}
#: networks named by members (probabilities per network; at least one: "regional" when none drawn).
NETWORKS_KOMMUNE = {"ks_network": 0.6, "regional": 0.6, "international": 0.15, "international_size4": 0.30}
NETWORKS_U4SSC = {"large": 0.35, "other": 0.03}  # large = 50 000 inhabitants or more
NETWORKS_COUNTY = {"ks_network": 0.7, "regional": 0.5, "international": 0.5}
#: partnerships: logit P = a + 0.8·η (+0.8·lp for research); county authorities +0.5 and never "county".
PARTNER_INTERCEPTS = {
    "business": -0.3,
    "civil_society": -0.4,
    "research": -1.0,
    "municipalities": 0.3,
    "county": 0.0,
    "state": -1.2,
}
PARTNER_SLOPE = 0.8
PARTNER_RESEARCH_LP = 0.8
PARTNER_COUNTY_SHIFT = 0.5
#: Barriers: independent Bernoulli probabilities by group (small = size class 1–2, large = 3–4, county authority).
BARRIERS: dict[str, dict[str, float]] = {
    "resources": {"small": 0.65, "large": 0.65, "county": 0.50},
    "capacity": {"small": 0.70, "large": 0.40, "county": 0.35},
    "competence": {"small": 0.50, "large": 0.25, "county": 0.20},
    "methods": {"small": 0.35, "large": 0.35, "county": 0.35},
    "political_priority": {"small": 0.25, "large": 0.25, "county": 0.20},
    "national_guidance": {"small": 0.25, "large": 0.25, "county": 0.65},
    "data": {"small": 0.30, "large": 0.30, "county": 0.30},
    "other": {"small": 0.05, "large": 0.05, "county": 0.05},
}
#: barrier_largest: one of the named barriers, drawn with these relative weights.
LARGEST_WEIGHTS = {
    "resources": 3.0,
    "capacity": 3.0,
    "competence": 1.5,
    "methods": 1.0,
    "political_priority": 1.5,
    "national_guidance": 2.0,
    "data": 1.0,
    "other": 0.5,
}
#: barrier_extent_* grid: named barrier → P(3), P(4); not named → P(1), P(2), P(3); "dont_know" first.
EXTENT_NAMED = {"3": 0.5, "4": 0.5}
EXTENT_NOT_NAMED = {"1": 0.3, "2": 0.5, "3": 0.2}
EXTENT_DONT_KNOW = 0.03
#: sdg_prioritised: base rate per goal; goal 14 (life below water) in the coastal counties instead.
GOAL_RATES = {
    1: 0.10,
    2: 0.08,
    3: 0.70,
    4: 0.45,
    5: 0.25,
    6: 0.10,
    7: 0.25,
    8: 0.40,
    9: 0.25,
    10: 0.30,
    11: 0.65,
    12: 0.30,
    13: 0.65,
    14: 0.15,
    15: 0.20,
    16: 0.20,
    17: 0.35,
}
GOAL14_COASTAL = 0.40
#: Coastal counties (a proxy for fisheries and aquaculture): the west and north coast, 2020 and 2024 numbers.
COASTAL_COUNTIES = frozenset({"11", "15", "18", "46", "50", "54", "55", "56"})
#: sdg_samfunnsdel (asked when the SDGs are in the samfunnsdel): P(goal covered | prioritised / not prioritised).
SAMFUNNSDEL_COVER = {"prioritised": 0.80, "other": 0.20}
COVID = {"strengthened": 0.15, "no_effect": 0.40, "weakened": 0.35, "dont_know": 0.10}
ROLES = {"chief_executive": 0.15, "manager": 0.25, "planner": 0.50, "politician": 0.05, "other": 0.05}
#: Response: logit P = ρ0(wave) + 0.7·lp + 0.3·η for municipalities.
RESPONSE = {"lp": 0.7, "eta": 0.3}
#: Share of respondents who break off (partial); item non-response of optional questions among the rest.
P_PARTIAL = 0.10
P_ITEM_MISSING = 0.03
P_COMMENT = 0.12
#: Questions a respondent always answers unless breaking off (the "required" status rule uses sdg_prioritised).
ALWAYS_ANSWERED = ("org_type", "respondent_role", "maturity_self", "barriers", "sdg_prioritised")

BARRIER_OTHER_TEXTS = (
    "Lite engasjement i befolkningen",
    "Uklar ansvarsfordeling mellom sektorene",
    "Vanskelig å prioritere i en presset kommuneøkonomi",
    "Mangler en felles forståelse av hva bærekraft betyr for oss",
    "Få fagmiljøer å samarbeide med i regionen",
    "Krevende å samordne med statlige sektormyndigheter",
)
COMMENT_TEXTS = (
    "Vi er i startfasen og ser fram til å lære av andre.",
    "Planstrategien rulleres i år, og bærekraftsmålene blir sentrale der.",
    "Det er krevende å finne tid til dette arbeidet i en liten organisasjon.",
    "Fint med en slik kartlegging.",
    "Vi ønsker flere gode eksempler fra andre kommuner.",
    "Mange av spørsmålene var vanskelige å svare på for hele organisasjonen.",
    "Bærekraftsmålene er godt forankret i kommuneplanen, men oppfølgingen kan bli bedre.",
    "Vi trenger bedre indikatorer på kommunenivå.",
)

#: Canonical question order within a questionnaire (break-offs stop somewhere along it).
QUESTION_ORDER = (
    "org_type",
    "respondent_role",
    "maturity_self",
    "sdg_decision",
    "sdg_in_plans",
    "political_anchoring",
    "indicators_use",
    "networks",
    "partnerships",
    "leave_no_one_behind",
    "barriers",
    "barriers_other",
    "barrier_largest",
    "barrier_extent",  # the whole grid
    "sdg_prioritised",
    "sdg_samfunnsdel",
    "covid_effect",
    "comments",
)
BARRIER_ITEMS = ("resources", "capacity", "competence", "methods", "political_priority", "national_guidance", "data")

# Random streams
_PANEL, _WAVE, _ANSWERS, _SECOND, _TIME = 1, 2, 3, 4, 5


def logistic(x: float) -> float:
    """The logistic function 1 / (1 + e^-x)."""
    return 1.0 / (1.0 + math.exp(-x))


def rng_for(seed: int, *keys: int) -> np.random.Generator:
    """The random generator of one stream: keyed by the seed and integers (stream, wave, org …)."""
    return np.random.default_rng([seed, *keys])


def _org_key(org_type: str, code: str) -> int:
    return (2 if org_type == "fylkeskommune" else 1) * 100_000 + int(code)


def _choice(rng: np.random.Generator, probs: dict[str, float]) -> str:
    keys = list(probs)
    p = np.array([probs[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


# ---------------------------------------------------------------------------------------------------------------
# Orgs
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Org:
    """A frame org with the covariates the model uses.

    ``lp`` = log10(population / 10 000) (0 at 10 000 inhabitants); ``cen`` = (6 − centrality class) / 5
    (1 most central … 0 least central); both 0 for county authorities. ``panel_key`` identifies the 2020-frame
    org whose persistent draws this org carries.
    """

    code: str
    org_type: str
    name: str
    county_number: str
    county_name: str
    population: int
    size_class: int | None
    centrality_class: int | None
    merged_2020: bool
    panel_key: int
    lp: float
    cen: float

    @property
    def key(self) -> str:
        """``"0301"`` for a municipality, ``"fk:46"`` for a county authority."""
        return f"fk:{self.code}" if self.org_type == "fylkeskommune" else self.code

    @property
    def group(self) -> str:
        """Barrier group: ``small`` (size class 1–2), ``large`` (3–4) or ``county``."""
        if self.org_type == "fylkeskommune":
            return "county"
        return "small" if (self.size_class or 1) <= 2 else "large"

    @property
    def coastal(self) -> bool:
        return self.county_number in COASTAL_COUNTIES


@cache
def predecessors_2024() -> dict[tuple[str, str], str]:
    """(org_type, 2024 code) → its 2020-frame code (a split org maps to the org it was split from)."""
    m24 = load_reference("municipalities_2024")
    out = {("kommune", c): p for c, p in zip(m24["kommunenummer"], m24["kommunenummer_2023"], strict=True)}
    cw = dim_crosswalk()
    counties = cw[(cw["org_type"] == "fylkeskommune") & (cw["from_year"] == 2020)]
    out.update({("fylkeskommune", t): f for f, t in zip(counties["from_code"], counties["to_code"], strict=True)})
    return out


@cache
def wave_orgs(wave: str) -> tuple[Org, ...]:
    """Every org invited to the wave (its frame and org types), with model covariates."""
    spec = WAVES[wave]
    orgs = frame(spec.frame_year, list(spec.org_types))
    pop = population_table()
    pop = pop[(pop["frame_year"] == spec.frame_year) & (pop["year"] == spec.population_year)]
    population = {(t, c): int(p) for t, c, p in zip(pop["org_type"], pop["org_code"], pop["population"], strict=True)}
    pred = predecessors_2024()
    out = []
    for row in orgs.itertuples(index=False):
        is_county = row.org_type == "fylkeskommune"
        n = population[(row.org_type, row.org_code)]
        key_code = pred[(row.org_type, row.org_code)] if spec.frame_year == 2024 else row.org_code
        out.append(
            Org(
                code=row.org_code,
                org_type=row.org_type,
                name=row.name,
                county_number=row.county_number,
                county_name=row.county_name,
                population=n,
                size_class=None if is_county else size_class(n),
                centrality_class=None if is_county else int(row.centrality_class),
                merged_2020=bool(row.merged_2020),
                panel_key=_org_key(row.org_type, key_code),
                lp=0.0 if is_county else math.log10(n / 10_000),
                cen=0.0 if is_county else (6 - int(row.centrality_class)) / 5,
            )
        )
    return tuple(out)


# ---------------------------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgTruth:
    """An org's latent state in one wave: network membership, org effect, progress and response probability."""

    org: Org
    p_network: float
    network: bool
    u: float
    eta: float
    p_respond: float
    responds: bool


def org_truth(org: Org, spec: WaveSpec, seed: int) -> OrgTruth:
    """Draw an org's persistent effects (panel stream) and this wave's response."""
    panel = rng_for(seed, _PANEL, org.panel_key)
    u = float(panel.normal(0.0, PROGRESS["u_sd"]))
    net_draw = float(panel.random())
    if org.org_type == "fylkeskommune":
        p_net = logistic(NETWORK["county_logit"])
    else:
        p_net = logistic(NETWORK["intercept"] + NETWORK["lp"] * org.lp + NETWORK["cen"] * org.cen)
    network = net_draw < p_net
    eta = progress(org, network, u, spec.delta)
    if org.org_type == "fylkeskommune":
        p_resp = 0.0 if org.code == "03" else spec.county_response
    else:
        p_resp = logistic(spec.response_intercept + RESPONSE["lp"] * org.lp + RESPONSE["eta"] * eta)
    wave_rng = rng_for(seed, _WAVE, spec.index, org.panel_key, int(org.code))
    responds = bool(wave_rng.random() < p_resp) or org.key in spec.forced
    return OrgTruth(org, p_net, network, u, eta, p_resp, responds)


def progress(org: Org, network: bool, u: float, delta: float) -> float:
    """The latent progress score η of an org (see TRUTH.md)."""
    c = PROGRESS
    if org.org_type == "fylkeskommune":
        base = c["county_intercept"]
    else:
        base = c["intercept"] + c["lp"] * org.lp + c["cen"] * org.cen + c["merged"] * org.merged_2020
    return base + c["network"] * network + delta + u


def _ordinal(rng: np.random.Generator, cuts: tuple[float, ...], x: float) -> str:
    """An ordered answer ``1 + #{k: cut_k < x + ε}`` with one logistic draw ε (a proportional-odds model)."""
    e = float(rng.logistic())
    return str(1 + sum(k < x + e for k in cuts))


def draw_answers(truth: OrgTruth, rng: np.random.Generator) -> dict[str, object]:
    """Canonical answers of one complete respondent: question id → option code, tuple of codes, or text.

    Every question of the canonical questionnaire is drawn (a wave's layout uses the ones it asks); the draw order
    is fixed so the sample is reproducible.
    """
    org, eta = truth.org, truth.eta
    is_county = org.org_type == "fylkeskommune"
    a: dict[str, object] = {"org_type": org.org_type, "respondent_role": _choice(rng, ROLES)}
    a["maturity_self"] = _ordinal(rng, MATURITY_CUTS, eta)
    if rng.random() < DECISION["dont_know"]:
        a["sdg_decision"] = "dont_know"
    else:
        a["sdg_decision"] = "yes" if rng.random() < logistic(DECISION["intercept"] + DECISION["eta"] * eta) else "no"
    plans = tuple(p for p, a0 in PLAN_INTERCEPTS.items() if rng.random() < logistic(a0 + PLAN_SLOPE * eta))
    a["sdg_in_plans"] = plans or ("none",)
    a["political_anchoring"] = (
        "dont_know" if rng.random() < ANCHORING["dont_know"] else _ordinal(rng, ANCHORING["cuts"], eta)
    )
    # Networks
    if not truth.network:
        networks: tuple[str, ...] = ("none",)
    elif is_county:
        networks = tuple(n for n, p in NETWORKS_COUNTY.items() if rng.random() < p)
    else:
        p_int = NETWORKS_KOMMUNE["international_size4" if org.size_class == 4 else "international"]
        p_u4 = NETWORKS_U4SSC["large" if org.population >= 50_000 else "other"]
        chosen = {
            "ks_network": rng.random() < NETWORKS_KOMMUNE["ks_network"],
            "u4ssc": rng.random() < p_u4,
            "regional": rng.random() < NETWORKS_KOMMUNE["regional"],
            "international": rng.random() < p_int,
        }
        networks = tuple(n for n in ("ks_network", "u4ssc", "regional", "international") if chosen[n])
    if truth.network and not networks:
        networks = ("regional",)
    a["networks"] = networks
    y = eta + float(rng.logistic())
    if "u4ssc" in networks and y > 0:
        a["indicators_use"] = "u4ssc"
    elif y > INDICATORS["own"]:
        a["indicators_use"] = "own"
    elif y > INDICATORS["planned"]:
        a["indicators_use"] = "planned"
    else:
        a["indicators_use"] = "no"
    partners = []
    for p, a0 in PARTNER_INTERCEPTS.items():
        x = a0 + PARTNER_SLOPE * eta + (PARTNER_RESEARCH_LP * org.lp if p == "research" else 0.0)
        x += PARTNER_COUNTY_SHIFT if is_county else 0.0
        hit = rng.random() < logistic(x)
        if hit and not (is_county and p == "county"):
            partners.append(p)
    a["partnerships"] = tuple(partners) or ("none",)
    a["leave_no_one_behind"] = (
        "dont_know" if rng.random() < LNOB["dont_know"] else _ordinal(rng, LNOB["cuts"], LNOB["eta"] * eta)
    )
    # Barriers
    barriers = tuple(b for b, p in BARRIERS.items() if rng.random() < p[org.group])
    a["barriers"] = barriers
    other_text = BARRIER_OTHER_TEXTS[int(rng.integers(len(BARRIER_OTHER_TEXTS)))]
    if "other" in barriers:
        a["barriers_other"] = other_text
    if barriers:
        a["barrier_largest"] = _choice(rng, {b: LARGEST_WEIGHTS[b] for b in barriers})
    for item in BARRIER_ITEMS:
        if rng.random() < EXTENT_DONT_KNOW:
            a[f"barrier_extent_{item}"] = "dont_know"
        else:
            a[f"barrier_extent_{item}"] = _choice(rng, EXTENT_NAMED if item in barriers else EXTENT_NOT_NAMED)
    # Goals
    goals = []
    for g, p in GOAL_RATES.items():
        rate = GOAL14_COASTAL if g == 14 and org.coastal else p
        if rng.random() < rate:
            goals.append(str(g))
    a["sdg_prioritised"] = tuple(goals) or ("3",)
    covered = []
    for g in range(1, 18):
        p = SAMFUNNSDEL_COVER["prioritised" if str(g) in a["sdg_prioritised"] else "other"]
        if rng.random() < p:
            covered.append(str(g))
    if "samfunnsdel" in plans:
        a["sdg_samfunnsdel"] = tuple(covered)
    a["covid_effect"] = _choice(rng, COVID)
    comment = COMMENT_TEXTS[int(rng.integers(len(COMMENT_TEXTS)))]
    if rng.random() < P_COMMENT:
        a["comments"] = comment
    # Item non-response (optional questions only)
    for q in list(a):
        if q not in ALWAYS_ANSWERED and q not in ("barriers_other", "comments") and rng.random() < P_ITEM_MISSING:
            del a[q]
    return a


def break_off(answers: dict[str, object], rng: np.random.Generator) -> dict[str, object]:
    """A partial response: the answers up to a random point after maturity_self and before sdg_prioritised."""
    stop = int(rng.integers(QUESTION_ORDER.index("sdg_decision"), QUESTION_ORDER.index("sdg_prioritised") + 1))
    kept = set(QUESTION_ORDER[:stop])
    return {q: v for q, v in answers.items() if _order_key(q) in kept}


def _order_key(question: str) -> str:
    """The entry of ``QUESTION_ORDER`` a question belongs to (grid rows belong to their grid)."""
    return "barrier_extent" if question.startswith("barrier_extent_") else question


# ---------------------------------------------------------------------------------------------------------------
# Submissions
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Submission:
    """One record of an export: who, when, status, and canonical answers.

    ``kind``: ``main`` (the org's kept submission), ``resubmit_partial`` (an earlier break-off by the same person),
    ``second_person`` (an earlier complete answer by a colleague) or ``not_started`` (invited, nothing answered).
    """

    wave: str
    org: Org
    kind: str
    status: str  # complete | partial | not_started
    started_at: dt.datetime
    submitted_at: dt.datetime
    person: int  # index of the person (0 = main respondent, 1 = a colleague)
    answers: dict[str, object] = field(default_factory=dict)

    @property
    def kept(self) -> bool:
        return self.kind == "main"


@dataclass
class WaveSample:
    """The truth and the submissions of one wave."""

    spec: WaveSpec
    seed: int
    truths: list[OrgTruth]
    submissions: list[Submission]

    def kept(self) -> list[Submission]:
        """One submission per responding org: the latest (the main one)."""
        return [s for s in self.submissions if s.kind == "main"]


def _when(rng: np.random.Generator, spec: WaveSpec) -> tuple[dt.datetime, dt.datetime]:
    """A (start, submit) pair of local times in the field period, front-loaded after invitation and reminders."""
    days = (spec.field_end - spec.field_start).days
    day = min(days, int(rng.beta(1.1, 2.2) * (days + 1)))
    date = spec.field_start + dt.timedelta(days=day)
    if date.weekday() >= 5:
        date -= dt.timedelta(days=date.weekday() - 4)
    start = dt.datetime.combine(date, dt.time(8)) + dt.timedelta(seconds=int(rng.integers(0, 8 * 3600)))
    duration = dt.timedelta(seconds=int(rng.lognormal(math.log(14 * 60), 0.5)))
    return start, start + duration


def simulate_wave(wave: str, seed: int = 2021) -> WaveSample:
    """Every org's truth and every submission of one wave, deterministic in ``seed``."""
    spec = WAVES[wave]
    truths = [org_truth(org, spec, seed) for org in wave_orgs(wave)]
    subs: list[Submission] = []
    respondents: list[tuple[float, OrgTruth, Submission]] = []
    non_respondents: list[tuple[float, OrgTruth]] = []
    for t in truths:
        code = int(t.org.code)
        rng = rng_for(seed, _ANSWERS, spec.index, t.org.panel_key, code)
        answers = draw_answers(t, rng)
        partial = rng.random() < P_PARTIAL
        if partial:
            answers = break_off(answers, rng)
        pick = float(rng.random())
        trng = rng_for(seed, _TIME, spec.index, t.org.panel_key, code)
        start, end = _when(trng, spec)
        if not t.responds:
            non_respondents.append((pick, t))
            continue
        sub = Submission(wave, t.org, "main", "partial" if partial else "complete", start, end, 0, answers)
        subs.append(sub)
        if not partial and (start.date() - spec.field_start).days >= 2:  # room for an earlier submission
            respondents.append((pick, t, sub))
    respondents.sort(key=lambda r: r[0])
    for i, (_, t, main) in enumerate(respondents[: spec.n_resubmit + spec.n_second_person]):
        srng = rng_for(seed, _SECOND, spec.index, t.org.panel_key, int(t.org.code))
        room = (main.started_at.date() - spec.field_start).days
        gap = dt.timedelta(days=int(srng.integers(1, min(room, 7) + 1)), minutes=int(srng.integers(-90, 90)))
        start, end = main.started_at - gap, main.submitted_at - gap
        if i < spec.n_resubmit:
            early = break_off(main.answers, srng)
            end = start + dt.timedelta(seconds=(end - start).total_seconds() // 3)
            subs.append(Submission(wave, t.org, "resubmit_partial", "partial", start, end, 0, early))
        else:
            other = draw_answers(t, srng)
            subs.append(Submission(wave, t.org, "second_person", "complete", start, end, 1, other))
    non_respondents.sort(key=lambda r: r[0])
    for _, t in non_respondents[: spec.n_not_started]:
        trng = rng_for(seed, _TIME, spec.index, t.org.panel_key, 0)
        start, _end = _when(trng, spec)
        subs.append(Submission(wave, t.org, "not_started", "not_started", start, start, 0, {}))
    subs.sort(key=lambda s: (s.submitted_at, s.org.key, s.kind))
    return WaveSample(spec, seed, truths, subs)


# ---------------------------------------------------------------------------------------------------------------
# Expected values (what an unbiased estimator should recover for the frame)
# ---------------------------------------------------------------------------------------------------------------


def expected_shares(wave: str, seed: int = 2021) -> pd.DataFrame:
    """Frame-level expected values of headline estimands, given each org's realised η (municipalities).

    Columns: estimand, group (``all``, ``small``, ``large``), expected (mean over the frame's municipalities of each
    org's probability), n_orgs. Also the same, unweighted, for the complete respondents (group prefixed ``resp_``):
    the non-response bias that weighting must correct.
    """
    sample = simulate_wave(wave, seed)
    rows = []
    munis = [t for t in sample.truths if t.org.org_type == "kommune"]
    complete = {s.org.key for s in sample.kept() if s.status == "complete"}
    for label, subset in (("", munis), ("resp_", [t for t in munis if t.org.key in complete])):
        for group in ("all", "small", "large"):
            ts = [t for t in subset if group == "all" or t.org.group == group]
            if not ts:
                continue
            etas = np.array([t.eta for t in ts])
            sig = 1 / (1 + np.exp(-(DECISION["intercept"] + DECISION["eta"] * etas)))
            values = {
                "sdg_decision_yes": float(np.mean((1 - DECISION["dont_know"]) * sig)),
                "samfunnsdel": float(np.mean(1 / (1 + np.exp(-(PLAN_INTERCEPTS["samfunnsdel"] + PLAN_SLOPE * etas))))),
                "maturity_4plus": float(np.mean(1 / (1 + np.exp(-(etas - MATURITY_CUTS[2]))))),
                "network_member": float(np.mean([t.network for t in ts])),
                "eta_mean": float(np.mean(etas)),
            }
            for b, probs in BARRIERS.items():
                values[f"barrier_{b}"] = float(np.mean([probs[t.org.group] for t in ts]))
            for est, value in values.items():
                rows.append({"estimand": est, "group": label + group, "expected": value, "n_orgs": len(ts)})
    return pd.DataFrame(rows)


def population_answers(wave: str, seed: int = 2021) -> dict[tuple[str, str], dict[str, object]]:
    """The realised answers of *every* invited org (respondent or not), before any break-off: the finite
    population whose shares the weighted estimates target. Keys: (org_type, code)."""
    spec = WAVES[wave]
    out = {}
    for t in (org_truth(org, spec, seed) for org in wave_orgs(wave)):
        rng = rng_for(seed, _ANSWERS, spec.index, t.org.panel_key, int(t.org.code))
        out[(t.org.org_type, t.org.code)] = draw_answers(t, rng)
    return out
