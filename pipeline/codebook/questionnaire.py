"""The canonical questionnaire (``questionnaire.yaml``): question ids, themes, types, options, nb/en labels."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import pandas as pd

from pipeline import reference, yamlio

QUESTION_TYPES = ("single", "multiple", "scale", "text", "number")
CHOICE_TYPES = ("single", "multiple", "scale")


@dataclass(frozen=True)
class Option:
    """One answer option: stable code, labels, numeric value of ordered scales (None = non-substantive)."""

    code: str
    label_nb: str
    label_en: str
    ordinal: float | None = None
    exclusive: bool = False

    def label(self, lang: str = "nb") -> str:
        return self.label_en if lang == "en" else self.label_nb


@dataclass(frozen=True)
class Question:
    """A canonical question. Grid rows are questions of their own with ``grid`` naming the grid."""

    id: str
    theme: str
    type: str
    text_nb: str
    text_en: str
    options: tuple[Option, ...] = ()
    grid: str | None = None
    grid_item: str | None = None

    def text(self, lang: str = "nb") -> str:
        return self.text_en if lang == "en" else self.text_nb

    @property
    def option_codes(self) -> tuple[str, ...]:
        return tuple(o.code for o in self.options)

    def option(self, code: str) -> Option:
        for opt in self.options:
            if opt.code == code:
                return opt
        raise KeyError(f"{self.id}: no option {code!r}")

    @property
    def is_choice(self) -> bool:
        return self.type in CHOICE_TYPES


@dataclass
class Questionnaire:
    """All canonical questions in questionnaire order, with theme labels."""

    version: int
    questions: dict[str, Question]
    themes: dict[str, dict[str, str]] = field(default_factory=dict)

    def __getitem__(self, question_id: str) -> Question:
        return self.questions[question_id]

    def __contains__(self, question_id: object) -> bool:
        return question_id in self.questions

    def grid_items(self, grid: str) -> list[Question]:
        return [q for q in self.questions.values() if q.grid == grid]

    def dim_question(self) -> pd.DataFrame:
        """``dim_question``: question_id, theme, type, text_nb, text_en, grid, grid_item, position."""
        rows = [
            {
                "question_id": q.id,
                "theme": q.theme,
                "theme_nb": self.themes.get(q.theme, {}).get("nb", q.theme),
                "theme_en": self.themes.get(q.theme, {}).get("en", q.theme),
                "type": q.type,
                "text_nb": q.text_nb,
                "text_en": q.text_en,
                "grid": q.grid,
                "grid_item": q.grid_item,
                "position": i,
            }
            for i, q in enumerate(self.questions.values(), start=1)
        ]
        return pd.DataFrame(rows)

    def dim_option(self) -> pd.DataFrame:
        """``dim_option``: question_id, code, label_nb, label_en, ordinal, exclusive, position."""
        rows = [
            {
                "question_id": q.id,
                "code": o.code,
                "label_nb": o.label_nb,
                "label_en": o.label_en,
                "ordinal": o.ordinal,
                "exclusive": o.exclusive,
                "position": i,
            }
            for q in self.questions.values()
            for i, o in enumerate(q.options, start=1)
        ]
        frame = pd.DataFrame(rows)
        frame["ordinal"] = frame["ordinal"].astype("Float64")
        return frame


def _flatten(items: list) -> list[dict]:
    out: list[dict] = []
    for item in items:
        if isinstance(item, list):
            out.extend(_flatten(item))
        else:
            out.append(item)
    return out


def _options(raw: list) -> tuple[Option, ...]:
    return tuple(
        Option(
            code=str(o["code"]),
            label_nb=o["nb"],
            label_en=o["en"],
            ordinal=None if o.get("ordinal") is None else float(o["ordinal"]),
            exclusive=bool(o.get("exclusive", False)),
        )
        for o in _flatten(raw)
    )


def _goal_options() -> tuple[Option, ...]:
    goals = reference.load("sdg_goals")
    return tuple(
        Option(str(g.goal), f"{g.goal} {g.short_name_nb}", f"{g.goal} {g.short_name_en}")
        for g in goals.itertuples(index=False)
    )


def parse_questionnaire(data: dict) -> Questionnaire:
    """Build the questionnaire from its YAML structure (validates types, unique ids and codes)."""
    scales = {name: _options(opts) for name, opts in data.get("scales", {}).items()}
    questions: dict[str, Question] = {}

    def add(q: Question) -> None:
        if q.id in questions:
            raise ValueError(f"questionnaire: duplicate question id {q.id!r}")
        if q.type not in QUESTION_TYPES:
            raise ValueError(f"questionnaire: question {q.id!r} has unknown type {q.type!r}")
        codes = q.option_codes
        if len(set(codes)) != len(codes):
            raise ValueError(f"questionnaire: question {q.id!r} repeats an option code")
        if q.is_choice and not codes:
            raise ValueError(f"questionnaire: choice question {q.id!r} has no options")
        questions[q.id] = q

    for raw in data["questions"]:
        if "scale" in raw:
            options = scales[raw["scale"]]
        elif raw.get("options_from") == "sdg_goals":
            options = _goal_options()
        else:
            options = _options(raw.get("options", []))
        if "grid" in raw:
            for item in _flatten(raw["items"]):
                add(
                    Question(
                        id=f"{raw['grid']}_{item['code']}",
                        theme=raw["theme"],
                        type=raw["type"],
                        text_nb=f"{raw['nb']} — {item['nb']}",
                        text_en=f"{raw['en']} — {item['en']}",
                        options=options,
                        grid=raw["grid"],
                        grid_item=str(item["code"]),
                    )
                )
        else:
            add(Question(raw["id"], raw["theme"], raw["type"], raw["nb"], raw["en"], options))
    return Questionnaire(version=int(data.get("version", 1)), questions=questions, themes=data.get("themes", {}))


@cache
def load_questionnaire() -> Questionnaire:
    """The packaged canonical questionnaire."""
    text = resources.files(__package__).joinpath("questionnaire.yaml").read_text(encoding="utf-8")
    return parse_questionnaire(yamlio.safe_load(text))
