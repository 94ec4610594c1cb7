"""Findings configuration (``config.yaml``): suppression threshold, interval level, breakdowns, contrasts, and the
maturity stage model — validated on load."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from pipeline import yamlio
from pipeline.codebook.questionnaire import load_questionnaire

BREAKDOWNS = ("total", "size_class", "centrality_class", "merged_2020", "network_member", "county")


@dataclass(frozen=True)
class Condition:
    """One condition of a maturity criterion: an option chosen/selected, or a scale at least ``min``."""

    question: str
    any_of: tuple[str, ...] = ()
    min: float | None = None


@dataclass(frozen=True)
class Stage:
    stage: int
    label_nb: str
    label_en: str
    mode: str = "any"  # "any": one condition suffices; "all": every condition must hold
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Contrast:
    breakdown: str
    a: tuple
    b: tuple
    label_nb: str
    label_en: str


@dataclass(frozen=True)
class FindingsConfig:
    min_n: int = 5
    level: float = 0.95
    trend_reference_frame: int = 2024
    breakdowns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    contrasts: tuple[Contrast, ...] = ()
    stages: tuple[Stage, ...] = ()


def parse_config(data: dict) -> FindingsConfig:
    """Validate and build the configuration (ValueError naming the problem)."""
    q = load_questionnaire()
    min_n = int(data.get("min_n", 5))
    level = float(data.get("level", 0.95))
    if min_n < 1:
        raise ValueError("findings config: min_n must be at least 1")
    if not 0.5 < level < 1:
        raise ValueError("findings config: level must be between 0.5 and 1")
    breakdowns = {}
    for name, org_types in (data.get("breakdowns") or {}).items():
        if name not in BREAKDOWNS:
            raise ValueError(f"findings config: unknown breakdown {name!r}; known: {BREAKDOWNS}")
        breakdowns[name] = tuple(org_types)
    contrasts = []
    for name, spec in (data.get("contrasts") or {}).items():
        if name not in BREAKDOWNS:
            raise ValueError(f"findings config: contrast on unknown breakdown {name!r}")
        contrasts.append(Contrast(name, tuple(spec["a"]), tuple(spec["b"]), spec["label_nb"], spec["label_en"]))
    stages = []
    for i, raw in enumerate((data.get("maturity") or {}).get("stages", [])):
        if int(raw["stage"]) != i:
            raise ValueError(f"findings config: maturity stages must be numbered 0, 1, 2, … (got {raw['stage']})")
        mode = "all" if "all" in raw else "any"
        conditions = []
        for cond in raw.get(mode, []) or []:
            if cond["question"] not in q:
                raise ValueError(f"findings config: maturity stage {i} uses unknown question {cond['question']!r}")
            question = q[cond["question"]]
            any_of = tuple(str(c) for c in cond.get("any_of", []))
            for code in any_of:
                if code not in question.option_codes:
                    raise ValueError(f"findings config: stage {i}: {code!r} is not an option of {question.id}")
            if "min" in cond and question.type != "scale":
                raise ValueError(f"findings config: stage {i}: 'min' needs a scale question, {question.id} is not")
            conditions.append(Condition(question.id, any_of, cond.get("min")))
        if i > 0 and not conditions:
            raise ValueError(f"findings config: maturity stage {i} has no conditions")
        stages.append(Stage(i, raw["nb"], raw["en"], mode, tuple(conditions)))
    return FindingsConfig(
        min_n, level, int(data.get("trend_reference_frame", 2024)), breakdowns, tuple(contrasts), tuple(stages)
    )


@cache
def load_config(path: str | None = None) -> FindingsConfig:
    """The packaged configuration, or the file at ``path``."""
    if path:
        text = Path(path).read_text(encoding="utf-8")
    else:
        text = resources.files(__package__).joinpath("config.yaml").read_text(encoding="utf-8")
    return parse_config(yamlio.safe_load(text))
