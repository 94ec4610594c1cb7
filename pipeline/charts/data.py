"""Reading the findings tables for charts: cell selection, labels, group order, wave facts (pure pandas)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd

from pipeline.charts import style

Tables = dict[str, pd.DataFrame]


class NoData(LookupError):
    """The wave has no data for this chart (e.g. no barrier grid in 2023-nordic, no county authorities)."""


@cache
def default_min_n() -> int:
    """The suppression threshold of the findings configuration (5 unless configured)."""
    try:
        from pipeline.findings.config import load_config

        return int(load_config().min_n)
    except Exception:  # pragma: no cover - a broken config is reported by the findings, not here
        return 5


@dataclass(frozen=True)
class WaveInfo:
    """One row of ``dim_wave`` in a chosen language."""

    wave: str
    title: str
    synthetic: bool
    field_start: Any
    field_end: Any
    frame_year: int

    @property
    def year(self) -> str:
        """The wave's year as shown on charts ('2021' from '2021-vsr')."""
        return wave_year(self.wave)


def wave_info(tables: Tables, wave: str, lang: str) -> WaveInfo:
    """Title, synthetic flag and field period of ``wave``."""
    dim = tables["dim_wave"]
    row = dim[dim["wave"] == wave]
    if row.empty:
        raise NoData(f"wave {wave!r} is not in dim_wave")
    r = row.iloc[0]
    return WaveInfo(
        wave=wave,
        title=str(r[f"title_{lang}"]),
        synthetic=bool(r["synthetic"]),
        field_start=r.get("field_start"),
        field_end=r.get("field_end"),
        frame_year=int(r["frame_year"]),
    )


def wave_year(wave: str) -> str:
    """'2021' for '2021-vsr' (the wave id when it does not start with a year)."""
    head = wave.split("-", 1)[0]
    return head if head.isdigit() else wave


def source(tables: Tables, wave: str, lang: str) -> str:
    """The source line of a chart of ``wave``."""
    info = wave_info(tables, wave, lang)
    return style.source_line(lang, info.title, info.field_start, info.field_end)


def item_labels(tables: Tables, lang: str) -> dict[str, str]:
    """Item → label in ``lang`` (from ``dim_item``)."""
    dim = tables["dim_item"]
    return dict(zip(dim["item"], dim[f"label_{lang}"], strict=True))


def question_text(tables: Tables, question_id: str, lang: str) -> str:
    """The question's wording in ``lang`` (empty when unknown)."""
    dim = tables.get("dim_question")
    if dim is None:
        return ""
    row = dim[dim["question_id"] == question_id]
    return "" if row.empty else str(row.iloc[0][f"text_{lang}"])


def goals(tables: Tables) -> pd.DataFrame:
    """The 17 SDGs in goal order: goal, short_name_nb/en, colour_hex."""
    dim = tables["dim_sdg_goal"].copy()
    dim["goal"] = dim["goal"].astype(int)
    return dim.sort_values("goal").reset_index(drop=True)


def cells(
    tables: Tables,
    table: str,
    *,
    wave: str,
    org_type: str,
    estimand: str,
    breakdown: str,
    items: list[str] | None = None,
    prefix: str | None = None,
    measure: str = "proportion",
) -> pd.DataFrame:
    """Cells of one finding for one wave, org type, estimand and breakdown (contrast rows left out).

    Raises :class:`NoData` when nothing matches."""
    df = tables.get(table)
    if df is None or df.empty:
        raise NoData(f"no table {table}")
    mask = (
        (df["wave"] == wave)
        & (df["org_type"] == org_type)
        & (df["estimand"] == estimand)
        & (df["breakdown"] == breakdown)
        & (df["measure"] == measure)
    )
    if items is not None:
        mask &= df["item"].isin(items)
    if prefix is not None:
        mask &= df["item"].str.startswith(prefix)
    out = df[mask].copy()
    if out.empty:
        what = prefix or (items[0] if items else "") or table
        raise NoData(f"{table}: no {what} cells for {wave}/{org_type}/{estimand}/{breakdown}")
    out["suppressed"] = out["suppressed"].fillna(False).astype(bool) | out["estimate"].isna()
    return out.reset_index(drop=True)


_BOOL_ORDER = {"true": 0, "false": 1}


def group_order(df: pd.DataFrame, breakdown: str) -> list[str]:
    """Groups of a breakdown in reading order: classes numerically, true before false, counties by number."""
    grps = list(dict.fromkeys(df["grp"].astype(str)))
    if breakdown in ("merged_2020", "network_member"):
        return sorted(grps, key=lambda g: _BOOL_ORDER.get(g, 2))

    def key(g: str) -> tuple[int, Any]:
        return (0, int(g)) if g.isdigit() else (1, g)

    return sorted(grps, key=key)


def group_labels(df: pd.DataFrame, lang: str) -> dict[str, str]:
    """Group code → label in ``lang``."""
    first = df.drop_duplicates("grp")
    return dict(zip(first["grp"].astype(str), first[f"grp_label_{lang}"].astype(str), strict=True))


def group_n(df: pd.DataFrame) -> dict[str, int]:
    """Group code → respondents (the largest n over the group's items)."""
    return {str(k): int(v) for k, v in df.groupby("grp")["n_respondents"].max().items()}


def n_text(df: pd.DataFrame, lang: str, org_type: str) -> str:
    """'n = 159 av 356 kommuner' (or a range 'n = 144–159 …' when items differ)."""
    n = df["n_respondents"].astype(int)
    lo, hi = int(n.min()), int(n.max())
    n_s = str(hi) if lo == hi else f"{lo}–{hi}"
    pop = df["n_population"].dropna()
    if pop.empty:
        return style.text(lang, "n", n=n_s)
    return style.text(
        lang, "n_of", n=n_s, N=style.fmt_int(float(pop.max()), lang), orgs=style.orgs_word(lang, org_type)
    )
