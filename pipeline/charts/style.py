"""Shared look of every ks-sdg chart: rcParams, colours, texts in both languages, number formats, the figure frame
(title, subtitle, SYNTHETIC mark, source line) and deterministic saving.

Figures are built with :class:`matplotlib.figure.Figure` on an Agg canvas (never pyplot), so nothing is kept in a
global figure registry and nothing needs closing beyond dropping the reference.
"""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib as mpl
from matplotlib import image as mpl_image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

DPI = 150
WIDTH_IN = 7.2  # full report text width (about 18 cm)

# Colours: one calm primary for single-series bars, greys for structure, a sequential ramp for ordered groups.
PRIMARY = "#1F5A8C"
PRIMARY_LIGHT = "#9CBEDB"
INK = "#222222"
MUTED = "#5F6368"
GRID = "#E3E5E8"
SUPPRESSED_FACE = "#EEEEEE"
SUPPRESSED_EDGE = "#9E9E9E"
SYNTHETIC = "#C0392B"
POSITIVE = "#1F7A4D"
NEGATIVE = "#B03A2E"
# Ordered groups (size classes 1..4, maturity stages 0..4): light to dark, stage 0 a neutral grey.
RAMP4 = ("#C6DBEF", "#6BAED6", "#2E7EBC", "#0B4A84")
MATURITY = ("#D5D8DC", "#C6DBEF", "#7FB2DA", "#2E7EBC", "#0B3D6E")
HEATMAP_CMAP = "Blues"

FONT_BASE = 9.0
FONT_TITLE = 12.5
FONT_SUBTITLE = 9.0
FONT_SOURCE = 7.5

RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": FONT_BASE,
    "axes.titlesize": FONT_BASE,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 6.0,
    "axes.labelsize": FONT_BASE,
    "axes.labelcolor": INK,
    "axes.edgecolor": "#9AA0A6",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.axisbelow": True,
    "axes.facecolor": "white",
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
    "xtick.labelsize": FONT_BASE - 0.5,
    "ytick.labelsize": FONT_BASE,
    "xtick.major.size": 0,
    "ytick.major.size": 0,
    "grid.color": GRID,
    "grid.linewidth": 0.8,
    "legend.frameon": False,
    "legend.fontsize": FONT_BASE - 0.5,
    "figure.facecolor": "white",
    "figure.dpi": 100,
    "savefig.dpi": DPI,
    "savefig.facecolor": "white",
    "hatch.color": SUPPRESSED_EDGE,
    "hatch.linewidth": 0.6,
    "svg.hashsalt": "ks-sdg",
    "svg.id": "ks-sdg-chart",
    "svg.fonttype": "none",  # real text: faster to write, selectable and editable in the SVG
    "path.simplify": True,
}


@contextlib.contextmanager
def styled() -> Iterator[None]:
    """Apply the ks-sdg rcParams for the duration (building and saving both happen inside)."""
    with mpl.rc_context(RC):
        yield


# ---------------------------------------------------------------------------------------------------------------
# Texts

TEXT: dict[str, dict[str, str]] = {
    "nb": {
        "share_orgs_kommune": "Andel kommuner",
        "share_orgs_fylkeskommune": "Andel fylkeskommuner",
        "share_inhabitants": "Andel av innbyggerne",
        "orgs_kommune": "kommuner",
        "orgs_fylkeskommune": "fylkeskommuner",
        "inhabitants_note": "kommunene vektet med innbyggertall",
        "inhabitants_note_fylkeskommune": "fylkeskommunene vektet med innbyggertall",
        "ci": "Strekene viser 95\u00a0% konfidensintervall",
        "suppressed": "undertrykt (n\u00a0<\u00a0{min_n})",
        "suppressed_short": "–",
        "synthetic": "SYNTETISKE DATA",
        "source": "Kilde: {title}, feltperiode {start}–{end}. Beregninger: ks-sdg.",
        "n_of": "n\u00a0=\u00a0{n} av {N} {orgs}",
        "n": "n\u00a0=\u00a0{n}",
        "all": "Alle",
        "n_per_group": "n per gruppe i tegnforklaringen",
        "percentage_points": "Endring i prosentpoeng",
    },
    "en": {
        "share_orgs_kommune": "Share of municipalities",
        "share_orgs_fylkeskommune": "Share of county authorities",
        "share_inhabitants": "Share of inhabitants",
        "orgs_kommune": "municipalities",
        "orgs_fylkeskommune": "county authorities",
        "inhabitants_note": "municipalities weighted by population",
        "inhabitants_note_fylkeskommune": "county authorities weighted by population",
        "ci": "Whiskers show 95% confidence intervals",
        "suppressed": "suppressed (n\u00a0<\u00a0{min_n})",
        "suppressed_short": "–",
        "synthetic": "SYNTHETIC DATA",
        "source": "Source: {title}, fieldwork {start} to {end}. Calculations: ks-sdg.",
        "n_of": "n\u00a0=\u00a0{n} of {N} {orgs}",
        "n": "n\u00a0=\u00a0{n}",
        "all": "All",
        "n_per_group": "n per group in the legend",
        "percentage_points": "Change in percentage points",
    },
}

LANGS = ("nb", "en")

BREAKDOWN_TITLES: dict[str, dict[str, str]] = {
    "nb": {
        "total": "Alle",
        "size_class": "Innbyggertall",
        "centrality_class": "Sentralitet (SSBs indeks, 1 = mest sentral)",
        "merged_2020": "Kommunereformen",
        "network_member": "Nettverk om bærekraftsmålene",
        "county": "Fylke",
    },
    "en": {
        "total": "All",
        "size_class": "Population size",
        "centrality_class": "Centrality (Statistics Norway index, 1 = most central)",
        "merged_2020": "Local government reform",
        "network_member": "SDG networks",
        "county": "County",
    },
}


def breakdown_title(lang: str, breakdown: str) -> str:
    """Heading of a breakdown's panel ('Innbyggertall', 'Population size', …)."""
    return BREAKDOWN_TITLES[lang].get(breakdown, breakdown)


def check_lang(lang: str) -> str:
    """``lang`` when it is one of :data:`LANGS`, else ValueError."""
    if lang not in TEXT:
        raise ValueError(f"unknown language {lang!r}; known: {LANGS}")
    return lang


def text(lang: str, key: str, **kwargs: Any) -> str:
    """A UI string in ``lang`` (``nb`` or ``en``), formatted with ``kwargs``."""
    if lang not in TEXT:
        raise ValueError(f"unknown language {lang!r}; known: {LANGS}")
    return TEXT[lang][key].format(**kwargs)


def share_label(lang: str, org_type: str, estimand: str) -> str:
    """Axis label of a share: of organisations of ``org_type`` or of inhabitants."""
    if estimand == "inhabitants":
        return text(lang, "share_inhabitants")
    return text(lang, f"share_orgs_{org_type}")


def orgs_word(lang: str, org_type: str) -> str:
    """'kommuner' / 'county authorities' …"""
    return text(lang, f"orgs_{org_type}")


def estimand_note(lang: str, org_type: str, estimand: str) -> str:
    """A short clause saying what the share is of (empty for organisations)."""
    if estimand != "inhabitants":
        return ""
    key = "inhabitants_note_fylkeskommune" if org_type == "fylkeskommune" else "inhabitants_note"
    return text(lang, key)


# ---------------------------------------------------------------------------------------------------------------
# Numbers

NBSP = "\u00a0"


def fmt_int(n: float, lang: str) -> str:
    """Whole number with a thousands separator (nb: space, en: comma)."""
    s = f"{round(n):,}"
    return s.replace(",", NBSP) if lang == "nb" else s


def fmt_pct(x: float, lang: str, decimals: int = 0) -> str:
    """A proportion as percent: nb ``72 %`` (no-break space), en ``72%``."""
    s = f"{x * 100:.{decimals}f}"
    if lang == "nb":
        return s.replace(".", ",") + NBSP + "%"
    return s + "%"


def fmt_pp(x: float, lang: str, decimals: int = 1) -> str:
    """A difference of proportions in signed percentage points (``+4,4`` / ``+4.4``)."""
    s = f"{x * 100:+.{decimals}f}".replace("-", "−")
    return s.replace(".", ",") if lang == "nb" else s


def pct_formatter(lang: str) -> FuncFormatter:
    """Tick formatter for a 0–1 axis shown in percent."""
    return FuncFormatter(lambda x, _pos: fmt_pct(x, lang))


def pp_formatter(lang: str) -> FuncFormatter:
    """Tick formatter for differences in percentage points (0 without sign)."""
    return FuncFormatter(lambda x, _pos: "0" if abs(x) < 1e-12 else fmt_pp(x, lang, 0))


def fmt_date(value: Any, lang: str) -> str:
    """A field-period date: nb ``8.3.2021``, en ``8 Mar 2021``."""
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "?"
    ts = pd.Timestamp(value)
    if lang == "nb":
        return f"{ts.day}.{ts.month}.{ts.year}"
    return f"{ts.day} {ts.strftime('%b')} {ts.year}"


def text_colour_on(hex_colour: str) -> str:
    """Black or white, whichever reads better on ``hex_colour``."""
    r, g, b = mpl.colors.to_rgb(hex_colour)
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return INK if lum > 0.55 else "white"


# ---------------------------------------------------------------------------------------------------------------
# The frame: title, subtitle, synthetic mark, source line


@dataclass
class Frame:
    """Where the header, an optional legend row and the footer went (figure fractions)."""

    legend_top: float  # top of the legend row, figure fraction (equal to body top when no legend)
    body: tuple[float, float, float, float]  # (left, bottom, width, height) handed to constrained layout
    facts: dict[str, Any] = field(default_factory=dict)


def _wrap(s: str, width_in: float, fontsize: float) -> list[str]:
    chars = max(20, int(width_in * 72 / (fontsize * 0.56)))
    return textwrap.wrap(s, chars) or [""]


def _line_in(fontsize: float) -> float:
    return fontsize * 1.32 / 72


MARGIN_IN = 0.18


def new_figure(
    *,
    name: str,
    lang: str,
    title: str,
    subtitle: str,
    source: str,
    synthetic: bool,
    body_height_in: float,
    legend_rows: int = 0,
    width_in: float = WIDTH_IN,
) -> tuple[Figure, Frame]:
    """A figure with the common frame; the body (axes area) is laid out by constrained layout within
    ``Frame.body``. ``legend_rows`` reserves rows under the subtitle for a figure legend."""
    mark_w = 1.55 if synthetic else 0.0
    title_lines = _wrap(title, width_in - 2 * MARGIN_IN - mark_w, FONT_TITLE)
    subtitle_lines = _wrap(subtitle, width_in - 2 * MARGIN_IN, FONT_SUBTITLE) if subtitle else []
    source_lines = _wrap(source, width_in - 2 * MARGIN_IN, FONT_SOURCE)

    header_in = (
        MARGIN_IN
        + len(title_lines) * _line_in(FONT_TITLE)
        + (0.06 + len(subtitle_lines) * _line_in(FONT_SUBTITLE) if subtitle_lines else 0)
        + 0.12
    )
    legend_in = legend_rows * 0.2 + (0.08 if legend_rows else 0)
    footer_in = 0.1 + len(source_lines) * _line_in(FONT_SOURCE) + MARGIN_IN * 0.8
    height_in = header_in + legend_in + body_height_in + footer_in

    fig = Figure(figsize=(width_in, height_in), dpi=100)
    FigureCanvasAgg(fig)
    fx = MARGIN_IN / width_in

    def y_of(inches_from_top: float) -> float:
        return 1 - inches_from_top / height_in

    fig.text(
        fx,
        y_of(MARGIN_IN),
        "\n".join(title_lines),
        ha="left",
        va="top",
        fontsize=FONT_TITLE,
        fontweight="bold",
        color=INK,
        linespacing=1.15,
        gid="title",
    )
    if subtitle_lines:
        fig.text(
            fx,
            y_of(MARGIN_IN + len(title_lines) * _line_in(FONT_TITLE) + 0.06),
            "\n".join(subtitle_lines),
            ha="left",
            va="top",
            fontsize=FONT_SUBTITLE,
            color=MUTED,
            linespacing=1.2,
            gid="subtitle",
        )
    if synthetic:
        fig.text(
            1 - fx,
            y_of(MARGIN_IN),
            text(lang, "synthetic"),
            ha="right",
            va="top",
            fontsize=8.5,
            fontweight="bold",
            color="white",
            bbox={"boxstyle": "round,pad=0.35", "facecolor": SYNTHETIC, "edgecolor": "none"},
            gid="synthetic-mark",
        )
    fig.text(
        fx,
        MARGIN_IN * 0.8 / height_in,
        "\n".join(source_lines),
        ha="left",
        va="bottom",
        fontsize=FONT_SOURCE,
        color=MUTED,
        linespacing=1.2,
        gid="source",
    )
    body_top = 1 - (header_in + legend_in) / height_in
    body_bottom = footer_in / height_in
    body = (fx * 0.5, body_bottom, 1.0 - fx, body_top - body_bottom)
    fig.set_layout_engine("constrained", rect=body, h_pad=0.04, w_pad=0.06, hspace=0.02, wspace=0.02)
    frame = Frame(legend_top=1 - header_in / height_in, body=body)
    fig.ks_name = name  # type: ignore[attr-defined]
    fig.ks_title = title  # type: ignore[attr-defined]
    fig.ks_lang = lang  # type: ignore[attr-defined]
    fig.ks_facts = frame.facts  # type: ignore[attr-defined]
    return fig, frame


def figure_legend(fig: Figure, frame: Frame, handles: list, labels: list[str], ncol: int) -> None:
    """A legend in the reserved row(s) under the subtitle, left-aligned with the title."""
    fig.legend(
        handles,
        labels,
        loc="upper left",
        bbox_to_anchor=(MARGIN_IN / fig.get_figwidth(), frame.legend_top),
        bbox_transform=fig.transFigure,
        ncol=ncol,
        frameon=False,
        handlelength=1.1,
        handleheight=1.0,
        columnspacing=1.2,
        borderaxespad=0.0,
        borderpad=0.0,
        fontsize=FONT_BASE - 0.5,
    )


def source_line(lang: str, wave_title: str, field_start: Any, field_end: Any) -> str:
    """'Kilde: <wave title>, feltperiode …. Beregninger: ks-sdg.'"""
    return text(
        lang,
        "source",
        title=wave_title,
        start=fmt_date(field_start, lang),
        end=fmt_date(field_end, lang),
    )


# ---------------------------------------------------------------------------------------------------------------
# Axes helpers


def percent_xaxis(ax: Any, lang: str, upper: float = 1.0, label: str | None = None) -> None:
    """A 0–``upper`` x axis in percent with light vertical grid lines every 20 points (ticks stop at 100 %)."""
    ax.set_xlim(0, upper)
    ticks = [t / 100 for t in range(0, 101, 20) if t / 100 <= upper + 1e-9]
    ax.set_xticks(ticks)
    ax.xaxis.set_major_formatter(pct_formatter(lang))
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.spines["left"].set_visible(False)
    ax.spines["bottom"].set_visible(False)
    ax.tick_params(axis="both", length=0, pad=3)
    if label:
        ax.set_xlabel(label, color=MUTED, fontsize=FONT_BASE - 0.5)


def percent_upper(max_value: float, room: float = 0.13) -> float:
    """Right x limit leaving ``room`` for value labels beyond the longest whisker."""
    return max(0.4, min(1.0, max_value) + room)


def suppressed_patch_style() -> dict[str, Any]:
    """Face, edge and hatch of a cell withheld for small n."""
    return {"facecolor": SUPPRESSED_FACE, "edgecolor": SUPPRESSED_EDGE, "hatch": "////", "linewidth": 0.6}


# ---------------------------------------------------------------------------------------------------------------
# Saving


PNG_METADATA = {"Software": None}
SVG_METADATA = {"Date": None, "Creator": None}


def save_figure(fig: Figure, png: Path, svg: Path) -> None:
    """Write PNG (150 dpi) and SVG with no timestamps or software versions, so the same figure gives the same
    bytes. Clears the figure afterwards.

    One Agg draw at 150 dpi both solves the constrained layout and renders the PNG (``savefig`` would spend an
    extra layout pass per file); the SVG is then drawn with that layout fixed."""
    png.parent.mkdir(parents=True, exist_ok=True)
    with styled():
        fig.set_dpi(DPI)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        mpl_image.imsave(
            png,
            canvas.buffer_rgba(),
            format="png",
            origin="upper",
            dpi=DPI,
            metadata=PNG_METADATA,
            pil_kwargs={"compress_level": 3},
        )
        fig.set_layout_engine(None)  # the layout is settled: no engine, so no further layout pass
        fig.savefig(svg, format="svg", metadata=SVG_METADATA)
    fig.clear()


# ---------------------------------------------------------------------------------------------------------------
# Drawing primitives shared by the chart families

BAR_HEIGHT = 0.68
ROW_IN = 0.3  # body inches per bar row


def hbars(
    ax: Any,
    rows: Any,
    lang: str,
    *,
    min_n: int,
    colours: list[str] | str = PRIMARY,
    value_labels: bool = True,
    upper: float = 1.0,
) -> Any:
    """Horizontal bars, first row at the top, with CI whiskers and value labels.

    ``rows`` is a DataFrame with ``label``, ``estimate``, ``ci_low``, ``ci_high``, ``suppressed`` (in drawing order).
    Suppressed rows get no bar, only the text 'undertrykt (n < 5)'. Returns the bar container (label
    ``"estimate"``); the whiskers are an errorbar container with gid ``"ci"``."""
    import numpy as np

    n = len(rows)
    y = np.arange(n, dtype=float)
    ok = ~rows["suppressed"].to_numpy(dtype=bool)
    est = rows["estimate"].to_numpy(dtype=float)
    lo = rows["ci_low"].to_numpy(dtype=float)
    hi = rows["ci_high"].to_numpy(dtype=float)
    colour_list = [colours] * n if isinstance(colours, str) else list(colours)
    bars = ax.barh(
        y[ok],
        est[ok],
        height=BAR_HEIGHT,
        color=[c for c, k in zip(colour_list, ok, strict=True) if k],
        label="estimate",
        gid="estimate",
        zorder=2,
    )
    has_ci = ok & ~np.isnan(lo) & ~np.isnan(hi)
    if has_ci.any():
        ax.errorbar(
            est[has_ci],
            y[has_ci],
            xerr=[est[has_ci] - lo[has_ci], hi[has_ci] - est[has_ci]],
            fmt="none",
            ecolor=INK,
            elinewidth=0.9,
            capsize=2.2,
            capthick=0.9,
            gid="ci",
            zorder=3,
        )
    for i in range(n):
        if ok[i]:
            if value_labels:
                right = max(est[i], hi[i]) if not np.isnan(hi[i]) else est[i]
                ax.text(
                    min(right, upper) + upper * 0.02,
                    y[i],
                    fmt_pct(est[i], lang),
                    va="center",
                    ha="left",
                    fontsize=FONT_BASE - 0.5,
                    color=INK,
                    gid="value",
                )
        else:
            suppressed_text(ax, upper * 0.006, y[i], lang, min_n)
    ax.set_yticks(y, list(rows["label"]))
    ax.set_ylim(n - 0.5, -0.5)
    return bars


def suppressed_text(ax: Any, x: float, y: float, lang: str, min_n: int, ha: str = "left") -> Any:
    """The italic grey note standing in for a withheld cell."""
    return ax.text(
        x,
        y,
        text(lang, "suppressed", min_n=min_n),
        va="center",
        ha=ha,
        fontsize=FONT_BASE - 1,
        fontstyle="italic",
        color=MUTED,
        gid="suppressed",
    )


def strip_scale_suffix(label: str) -> str:
    """'Mangel på kompetanse (i noen grad / i stor grad)' → 'Mangel på kompetanse'."""
    import re

    return re.sub(r"\s*\((i noen grad|to some extent|snittskår|mean score)[^)]*\)\s*$", "", label)
