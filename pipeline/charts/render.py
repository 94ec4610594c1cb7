"""Entry point: render every chart of a wave (or of all waves) to ``<out_dir>/<wave>/<chart>.<lang>.png|svg``.

Pure matplotlib (Agg), no Dagster. Charts a wave lacks the data for (no barrier grid in 2023-nordic, no county
breakdown for county authorities, no earlier wave to compare with) are skipped, logged and listed in the result's
``skipped``. The same tables give byte-identical files.
"""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from pipeline.charts import barriers, goals, maturity, response, style, trends
from pipeline.charts.data import NoData, Tables

log = logging.getLogger(__name__)

Builder = Callable[[Tables, str, str, str, str], Figure]


@dataclass(frozen=True)
class ChartFile:
    """One rendered chart in one language: where its files are and the facts tests and metadata need."""

    name: str
    wave: str
    lang: str
    title: str
    png: Path
    svg: Path
    n_bars: int
    n_suppressed: int
    org_type: str = "kommune"
    estimand: str = "orgs"
    facts: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly summary (paths as strings, without the detailed facts)."""
        d = asdict(self)
        d.pop("facts")
        d["png"], d["svg"] = str(self.png), str(self.svg)
        return d


@dataclass(frozen=True)
class SkippedChart:
    """A chart not drawn for a wave, and why."""

    name: str
    wave: str
    reason: str


class ChartList(list):
    """The rendered charts (a list of :class:`ChartFile`) plus ``skipped``: the charts a wave had no data for."""

    def __init__(self, items: Iterable[ChartFile] = (), skipped: Iterable[SkippedChart] = ()) -> None:
        super().__init__(items)
        self.skipped: list[SkippedChart] = list(skipped)


# name -> builder(tables, wave, lang, org_type, estimand); trends are added per earlier wave.
CHARTS: dict[str, Builder] = {
    "barriers": lambda t, w, lang, o, e: barriers.barriers_chart(t, w, lang, org_type=o, estimand=e),
    "barriers-largest": lambda t, w, lang, o, e: barriers.barriers_chart(
        t, w, lang, kind="largest", org_type=o, estimand=e
    ),
    "barriers-extent": lambda t, w, lang, o, e: barriers.barriers_chart(
        t, w, lang, kind="extent", org_type=o, estimand=e
    ),
    "barriers-by-size": lambda t, w, lang, o, e: barriers.barriers_by_group_chart(t, w, lang, org_type=o, estimand=e),
    "maturity": lambda t, w, lang, o, e: maturity.maturity_chart(t, w, lang, org_type=o, estimand=e),
    "goals": lambda t, w, lang, o, e: goals.goals_chart(t, w, lang, org_type=o, estimand=e),
    "goals-by-county": lambda t, w, lang, o, e: goals.goal_county_heatmap(t, w, lang, org_type=o, estimand=e),
    "response-rates": lambda t, w, lang, o, e: _response(t, w, lang, o, e),
}
CHART_NAMES = (*CHARTS, "trends-from-<earlier wave>")


def _response(t: Tables, w: str, lang: str, o: str, e: str) -> Figure:
    if e != "orgs":
        raise NoData("response rates are counted over organisations, not inhabitants")
    return response.response_chart(t, w, lang, org_type=o)


def _trend_builder(wave_from: str) -> Builder:
    def build(t: Tables, w: str, lang: str, o: str, e: str) -> Figure:
        return trends.trends_chart(t, w, lang, wave_from=wave_from, org_type=o, estimand=e)

    return build


def wave_charts(tables: Tables, wave: str) -> dict[str, Builder]:
    """The charts of ``wave``: the fixed set plus one trend chart per earlier wave compared with it."""
    out = dict(CHARTS)
    for earlier in trends.wave_pairs_to(tables, wave):
        out[f"trends-from-{earlier}"] = _trend_builder(earlier)
    return out


def file_stem(name: str, org_type: str, estimand: str) -> str:
    """'barriers' for municipalities/share of orgs; '…-fylkeskommune', '…-inhabitants' otherwise."""
    stem = name
    if org_type != "kommune":
        stem += f"-{org_type}"
    if estimand != "orgs":
        stem += f"-{estimand}"
    return stem


def render_wave_charts(
    tables: Tables,
    wave: str,
    out_dir: Path,
    langs: Iterable[str] = ("nb", "en"),
    *,
    org_type: str = "kommune",
    estimand: str = "orgs",
    charts: Iterable[str] | None = None,
) -> ChartList:
    """Render the charts of ``wave`` in each language to ``out_dir/<wave>/<chart>.<lang>.png|svg``.

    ``charts`` limits the set to the given names (default: all of :func:`wave_charts`). Returns the files written;
    ``result.skipped`` lists the charts the wave had no data for."""
    langs = tuple(langs)
    for lang in langs:
        if lang not in style.LANGS:
            raise ValueError(f"unknown language {lang!r}; known: {style.LANGS}")
    available = wave_charts(tables, wave)
    result = ChartList()
    surveyed = wave_org_types(tables, wave)
    if surveyed is not None and org_type not in surveyed:
        reason = f"{wave} did not survey {org_type} (org types: {', '.join(surveyed) or 'none'})"
        log.info("charts skipped: %s", reason)
        result.skipped.append(SkippedChart(file_stem("*", org_type, estimand), wave, reason))
        return result
    if charts is None:
        selected = available
        if not any(name.startswith("trends-from-") for name in available):
            result.skipped.append(SkippedChart("trends", wave, "no earlier wave to compare with"))
    else:
        selected = {}
        for name in charts:
            if name in available:
                selected[name] = available[name]
            elif name.startswith("trends-from-"):
                result.skipped.append(SkippedChart(name, wave, "finding_trends has no such comparison"))
            else:
                raise ValueError(f"unknown chart {name!r}; known: {list(CHART_NAMES)}")
    folder = Path(out_dir) / wave
    for name, build in selected.items():
        stem = file_stem(name, org_type, estimand)
        for lang in langs:
            try:
                fig = build(tables, wave, lang, org_type, estimand)
            except NoData as exc:
                log.info("chart %s skipped for %s (%s/%s): %s", name, wave, org_type, estimand, exc)
                result.skipped.append(SkippedChart(stem, wave, str(exc)))
                break
            png = folder / f"{stem}.{lang}.png"
            svg = folder / f"{stem}.{lang}.svg"
            facts = dict(fig.ks_facts)  # type: ignore[attr-defined]
            title = fig.ks_title  # type: ignore[attr-defined]
            style.save_figure(fig, png, svg)
            result.append(
                ChartFile(
                    name=stem,
                    wave=wave,
                    lang=lang,
                    title=title,
                    png=png,
                    svg=svg,
                    n_bars=int(facts.get("n_bars", 0)),
                    n_suppressed=int(facts.get("n_suppressed", 0)),
                    org_type=org_type,
                    estimand=estimand,
                    facts=facts,
                )
            )
    return result


def wave_org_types(tables: Tables, wave: str) -> list[str] | None:
    """Org types ``wave`` surveyed (``dim_wave.org_types``), None when unknown."""
    dim = tables.get("dim_wave")
    if dim is None or "org_types" not in dim.columns:
        return None
    row = dim.loc[dim["wave"] == wave, "org_types"]
    if row.empty or pd.isna(row.iloc[0]):
        return None
    return [t.strip() for t in str(row.iloc[0]).split(";") if t.strip()]


def waves_in_order(tables: Tables) -> list[str]:
    """Waves of ``dim_wave`` in field-period order."""
    dim = tables["dim_wave"]
    sort_cols = [c for c in ("field_start", "wave") if c in dim.columns]
    return dim.sort_values(sort_cols)["wave"].astype(str).tolist()


def render_all(
    tables: Tables,
    out_dir: Path,
    langs: Iterable[str] = ("nb", "en"),
    *,
    org_type: str = "kommune",
    estimand: str = "orgs",
) -> ChartList:
    """Render the charts of every wave in ``dim_wave``; ``result.skipped`` collects every wave's skipped charts."""
    langs = tuple(langs)
    out = ChartList()
    for wave in waves_in_order(tables):
        part = render_wave_charts(tables, wave, out_dir, langs, org_type=org_type, estimand=estimand)
        out.extend(part)
        out.skipped.extend(part.skipped)
    return out


def png_thumbnail_base64(path: Path, max_width: int = 480) -> str:
    """A small PNG of the chart (at most ``max_width`` pixels wide), base64-encoded for inline previews."""
    from PIL import Image

    with Image.open(path) as im:
        im = im.convert("RGB")
        if im.width > max_width:
            height = max(1, round(im.height * max_width / im.width))
            im = im.resize((max_width, height), Image.Resampling.LANCZOS)
        buf = io.BytesIO()
        im.save(buf, format="PNG", optimize=True)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def summary_table(files: Iterable[ChartFile]) -> pd.DataFrame:
    """One row per rendered file (name, wave, lang, title, paths, n_bars, n_suppressed)."""
    return pd.DataFrame([f.to_dict() for f in files])
