"""``finding_trends``: change between waves for the items both waves asked, on one reference geography.

Two comparisons for every pair of consecutive waves (and the first against the last):

* ``all`` — every respondent of each wave, each wave estimated against its own frame; change = estimate(to) −
  estimate(from), SE = √(SE_from² + SE_to²). Treating the waves as independent ignores the positive covariance
  from orgs answering both, so the interval is conservative (wider than the truth).
* ``panel`` — only orgs with a complete answer in both waves, matched on the reference frame (default 2024)
  through the reform crosswalks; an org split in between (Ålesund 1507 → 1508/1580) cannot be matched and is
  left out (reported in ``n_unmatched``). The panel is post-stratified to the reference frame (county × size
  class, collapsing rule as for the waves) and the change is the design-based mean of the paired differences.

Rows: the shared layout with ``wave`` = ``"<from> → <to>"`` plus ``wave_from``, ``wave_to``, ``population``
(all | panel), ``estimate_from`` and ``estimate_to``; ``measure`` = ``difference`` (proportion points or score
points).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.findings.analysis import Analysis, Inputs, weights_for
from pipeline.findings.config import FindingsConfig
from pipeline.findings.estimate import (
    LAYOUT,
    clip_share_differences,
    design_of,
    item_matrix,
    withheld,
    withhold,
)
from pipeline.geography import size_class
from pipeline.geography.crosswalk import successor_map
from pipeline.survey import means, ratios
from pipeline.survey.intervals import z_quantile

TREND_COLUMNS = [*LAYOUT, "wave_from", "wave_to", "population", "estimate_from", "estimate_to", "n_unmatched"]
TREND_BREAKDOWNS = ["total", "size_class"]


def wave_pairs(waves: pd.DataFrame) -> list[tuple[str, str]]:
    """Consecutive pairs in field-period order, plus first → last when there are more than two waves."""
    order = waves.sort_values(["field_start", "wave"])["wave"].tolist()
    pairs = list(itertools.pairwise(order))
    if len(order) > 2:
        pairs.append((order[0], order[-1]))
    return pairs


def answered_items(analysis: Analysis) -> pd.DataFrame:
    """(wave, org_type) × item: True where someone answered the item (trend items exclude context items)."""
    items = analysis.catalogue.loc[analysis.catalogue["finding"] != "context", "item"].tolist()
    items = [i for i in items if i in analysis.respondents]
    return analysis.respondents.groupby(["wave", "org_type"])[items].count() > 0


def comparable_items(answered: pd.DataFrame, w1: str, w2: str, org_type: str) -> list[str]:
    """Items answered by someone in both waves (same canonical item, same org type)."""
    if (w1, org_type) not in answered.index or (w2, org_type) not in answered.index:
        return []
    both = answered.loc[(w1, org_type)] & answered.loc[(w2, org_type)]
    return both[both].index.tolist()


_KEY = ["estimand", "breakdown", "grp", "item"]


def _trend_bases(estimates: pd.DataFrame) -> dict[tuple[str, str], pd.DataFrame]:
    """Per (wave, org type): the estimates trends compare (totals, and size classes for municipalities), indexed
    by one string key per estimand × breakdown × group × item (unique within a wave and org type)."""
    base = estimates[estimates["breakdown"].isin(TREND_BREAKDOWNS) & (estimates["measure"] != "difference")]
    base = base[(base["org_type"] == "kommune") | (base["breakdown"] == "total")]
    key = base[_KEY[0]].astype(str)
    for col in _KEY[1:]:
        key = key + "\x1f" + base[col].astype(str)
    base = base.set_index(pd.Index(key, name="key"))
    return {key: part for key, part in base.groupby(["wave", "org_type"], sort=False)}


def _all_rows(bases: dict, config: FindingsConfig, w1: str, w2: str, org_type: str, items: list[str]):
    """Change between the two waves' own estimates (total and size classes), independent-samples SE."""
    first, second = bases[(w1, org_type)], bases[(w2, org_type)]
    first = first[first["item"].isin(items)]
    at = second.index.get_indexer(first.index)  # the same cell in the later wave, -1 if it has none
    a, b = first[at >= 0], second.iloc[at[at >= 0]]
    z = z_quantile(config.level)
    est_from, est_to = a["estimate"].to_numpy(dtype=float), b["estimate"].to_numpy(dtype=float)
    n_from, n_to = a["n_respondents"].to_numpy(), b["n_respondents"].to_numpy()
    change = est_to - est_from
    se = np.sqrt(a["se"].to_numpy(dtype=float) ** 2 + b["se"].to_numpy(dtype=float) ** 2)
    # withheld when either wave's cell is small; n reported as the respondents of both waves together
    small = withheld(np.minimum(n_from, n_to), change, config.min_n)
    return pd.DataFrame(
        {
            "estimand": a["estimand"].to_numpy(),
            "breakdown": a["breakdown"].to_numpy(),
            "grp": a["grp"].to_numpy(),
            "grp_label_nb": b["grp_label_nb"].to_numpy(),
            "grp_label_en": b["grp_label_en"].to_numpy(),
            "item": a["item"].to_numpy(),
            "measure": "difference",
            **withhold(small, estimate=change, se=se, ci_low=change - z * se, ci_high=change + z * se),
            "n_respondents": n_from + n_to,
            "n_population": b["n_population"].to_numpy(),
            "estimate_from": est_from,
            "estimate_to": est_to,
            "population": "all",
            "n_unmatched": 0,
            "suppressed": small,
        }
    )


def _reference_codes(codes: pd.Series, frame_year: int, reference: int, org_type: str) -> pd.Series:
    """Each org's code on the reference frame; None when it was split (cannot be matched)."""
    mapping = successor_map(frame_year, reference, org_type) if frame_year <= reference else {}
    return codes.map(lambda c: mapping[c][0] if len(mapping.get(c, ())) == 1 else None)


def _weighted_mean(
    w: np.ndarray, D: np.ndarray, y: np.ndarray, answered: np.ndarray, size: np.ndarray | None
) -> np.ndarray:
    """(G, k) weighted means Σ w·s·d·a·y / Σ w·s·d·a over the units that answered both waves (s = size or 1)."""
    ws = w if size is None else w * size
    Dw = D * ws[:, None]
    a = answered.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (Dw.T @ np.where(answered, y, 0.0)) / (Dw.T @ a)


@dataclass
class PanelSources:
    """Per (wave, org type): respondents keyed by their reference-frame code; per org type: the reference frame."""

    sides: dict[tuple[str, str], pd.DataFrame]
    unmatched: dict[tuple[str, str], int]
    frames: dict[str, pd.DataFrame]


def panel_sources(analysis: Analysis, inputs: Inputs, config: FindingsConfig) -> PanelSources:
    """Map every wave's respondents onto the reference frame once (splits cannot be matched)."""
    reference = config.trend_reference_frame
    frame_year = inputs.waves.set_index("wave")["frame_year"]
    sides, unmatched = {}, {}
    for (wave, org_type), data in analysis.respondents.groupby(["wave", "org_type"], sort=False):
        ref = _reference_codes(data["org_code"], int(frame_year[wave]), reference, org_type)
        unmatched[(wave, org_type)] = int(ref.isna().sum())
        sides[(wave, org_type)] = data.assign(ref_code=ref.to_numpy()).dropna(subset=["ref_code"]).set_index("ref_code")
    frames = {}
    for org_type in ("kommune", "fylkeskommune"):
        frame = inputs.orgs[(inputs.orgs["frame_year"] == reference) & (inputs.orgs["org_type"] == org_type)].copy()
        if org_type == "kommune":
            frame["size_class"] = pd.array([size_class(p) for p in frame["population"]], dtype="Int64")
        frames[org_type] = frame.reset_index(drop=True)
    return PanelSources(sides, unmatched, frames)


def _panel_rows(
    sources: PanelSources, config: FindingsConfig, w1: str, w2: str, org_type: str, items: list[str]
) -> pd.DataFrame:
    first, second = sources.sides[(w1, org_type)], sources.sides[(w2, org_type)]
    unmatched = sources.unmatched[(w1, org_type)] + sources.unmatched[(w2, org_type)]
    common = first.index.intersection(second.index)
    if len(common) < 2:
        return pd.DataFrame(columns=TREND_COLUMNS)
    y1v = item_matrix(first, items)[first.index.get_indexer(common)]
    y2v = item_matrix(second, items)[second.index.get_indexer(common)]
    frame = sources.frames[org_type].copy()
    frame["status"] = np.where(frame["org_code"].isin(common), "complete", "none")
    units = weights_for(frame, org_type).units  # row i is frame row i
    at = pd.Index(frame["org_code"]).get_indexer(common)
    data = pd.DataFrame(
        {
            "stratum": units["stratum"].to_numpy()[at],
            "N_h": units["N_h"].to_numpy()[at],
            "weight": units["weight"].to_numpy()[at],
            "population": frame["population"].to_numpy(dtype=float, na_value=np.nan)[at],
            "size_class": frame["size_class"].array.take(at) if org_type == "kommune" else pd.NA,
        }
    )
    design = design_of(data)
    diff = y2v - y1v
    both_known = ~np.isnan(diff)
    pop = data["population"].to_numpy()
    masks = [("total", "all", "Alle", "All", np.ones(len(data), dtype=bool))]
    if org_type == "kommune":
        from pipeline.geography import SIZE_CLASS_LABELS

        for cls in sorted(frame["size_class"].dropna().unique()):
            masks.append(
                (
                    "size_class",
                    str(cls),
                    SIZE_CLASS_LABELS["nb"][int(cls)],
                    SIZE_CLASS_LABELS["en"][int(cls)],
                    (data["size_class"] == cls).fillna(False).to_numpy(dtype=bool),
                )
            )
    D = np.column_stack([m[-1] for m in masks])
    k, G = len(items), len(masks)
    n_population = [
        float(frame.shape[0]) if m[0] == "total" else float((frame["size_class"] == int(m[1])).sum()) for m in masks
    ]
    parts: dict[str, list[np.ndarray]] = {}
    for estimand in ("orgs", "inhabitants"):
        size = None if estimand == "orgs" else pop
        if size is None:
            est = means(design, diff, domains=D, level=config.level)
        else:
            est = ratios(design, diff * pop[:, None], pop, answered=both_known, domains=D, level=config.level)
        columns = {
            "estimand": np.full(G * k, estimand, dtype=object),
            "estimate": est.estimate.ravel(),
            "se": est.se.ravel(),
            "ci_low": est.ci_low.ravel(),
            "ci_high": est.ci_high.ravel(),
            "n_respondents": est.n.ravel().astype(np.int64),
            "estimate_from": _weighted_mean(design.weights, D, y1v, both_known, size).ravel(),
            "estimate_to": _weighted_mean(design.weights, D, y2v, both_known, size).ravel(),
        }
        for name, values in columns.items():
            parts.setdefault(name, []).append(values)
    stacked = {name: np.concatenate(values) for name, values in parts.items()}
    small = withheld(stacked["n_respondents"], stacked["estimate"], config.min_n)
    stacked.update(withhold(small, **{name: stacked[name] for name in ("estimate", "se", "ci_low", "ci_high")}))
    labels = [np.repeat(np.asarray([m[j] for m in masks], dtype=object), k) for j in range(4)]
    return pd.DataFrame(
        {
            "estimand": stacked["estimand"],
            "breakdown": np.tile(labels[0], 2),
            "grp": np.tile(labels[1], 2),
            "grp_label_nb": np.tile(labels[2], 2),
            "grp_label_en": np.tile(labels[3], 2),
            "item": np.tile(np.asarray(items, dtype=object), 2 * G),
            "measure": "difference",
            "estimate": stacked["estimate"],
            "se": stacked["se"],
            "ci_low": stacked["ci_low"],
            "ci_high": stacked["ci_high"],
            "n_respondents": stacked["n_respondents"],
            "n_population": np.tile(np.repeat(n_population, k), 2),
            "estimate_from": stacked["estimate_from"],
            "estimate_to": stacked["estimate_to"],
            "population": "panel",
            "n_unmatched": unmatched,
            "suppressed": small,
        }
    )


def finding_trends(
    analysis: Analysis, inputs: Inputs, config: FindingsConfig, estimates: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Changes between waves (see module docstring) for both estimands."""
    from pipeline.findings.tables import estimate_all

    estimates = estimate_all(analysis, config) if estimates is None else estimates
    bases = _trend_bases(estimates)
    sources = panel_sources(analysis, inputs, config)
    answered = answered_items(analysis)
    out = []
    org_types = inputs.waves.set_index("wave")["org_types"].str.split(";")
    for w1, w2 in wave_pairs(inputs.waves):
        for org_type in ("kommune", "fylkeskommune"):
            if org_type not in org_types[w1] or org_type not in org_types[w2]:
                continue
            items = comparable_items(answered, w1, w2, org_type)
            if not items:
                continue
            parts = [
                _all_rows(bases, config, w1, w2, org_type, items),
                _panel_rows(sources, config, w1, w2, org_type, items),
            ]
            for part in parts:
                if not part.empty:
                    out.append(part.assign(wave=f"{w1} → {w2}", wave_from=w1, wave_to=w2, org_type=org_type))
    if not out:
        return pd.DataFrame(columns=TREND_COLUMNS)
    rows = clip_share_differences(pd.concat(out, ignore_index=True)[TREND_COLUMNS])
    rows["suppressed"] = rows["suppressed"].astype(bool)
    rows.loc[rows["suppressed"], ["estimate_from", "estimate_to"]] = np.nan
    rows["n_respondents"] = rows["n_respondents"].astype("int64")
    rows["n_unmatched"] = rows["n_unmatched"].astype("int64")
    for col in ("estimate", "se", "ci_low", "ci_high", "n_population", "estimate_from", "estimate_to"):
        rows[col] = rows[col].astype("float64")
    return rows.reset_index(drop=True)
