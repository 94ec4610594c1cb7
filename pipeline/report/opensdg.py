"""Open SDG-style indicator CSVs (the input format of open-sdg/sdg-build) for national SDG reporting platforms.

Format (checked against open-sdg/sdg-build and the Open SDG docs):

* one CSV per indicator named ``indicator_<id>.csv`` with a dash-delimited id; sdg-build takes the goal from the
  first part and the target from the first two (``sdg/inputs/InputCsvData.py``, ``Indicator.get_goal_id``);
* first column ``Year``, last column ``Value`` (numeric), no leading/trailing whitespace (``sdg/check_csv.py``);
* ``Units``, ``Series`` and ``GeoCode`` are special, non-disaggregation columns (``open_sdg.py``,
  ``open_sdg_indicator_options_defaults``); every other column is a disaggregation, and a row whose
  disaggregations are all blank is the headline ("blank means all"; ``sdg/data.py`` ``filter_headline``);
* ``GeoCode`` (second to last) holds the id of the boundary in the platform's GeoJSON for rows to be mapped
  (open-sdg ``docs/maps.md``).

Mapping chosen here (no official UN indicator measures these survey findings, so the ids are national ones):

* ids are ``<goal>-ks-<n>``: the goal part puts the indicator on its goal page, the target part ``ks`` marks a
  KS survey indicator and cannot collide with an official id (official target parts are numbers or a–d);
* ``indicator_<g>-ks-1.csv`` (g = 1…17) — goal coverage: organisations that have prioritised goal g
  (``sdg_prioritised_<g>``) and that cover it in the social element of the master plan (``sdg_samfunnsdel_<g>``);
* ``indicator_17-ks-2.csv`` — maturity stage 3 or higher (``maturity_stage_ge3``, operationalised in plans and
  management); ``indicator_17-ks-3.csv`` — the share naming each barrier (``barriers_*``). Both are cross-cutting
  and sit under goal 17 (means of implementation; 17.14 policy coherence is the closest official target, but no
  alignment with an official indicator is claimed);
* ``Year`` = the year the wave's field period started (``dim_wave.field_start``); one row set per wave;
* ``Series`` = the measure for one organisation type ("Municipalities that have prioritised the goal", "County
  authorities …"): municipalities and county authorities are different populations that are never pooled, so each
  is its own series with its own headline (the national total of that type) rather than an "Organisation type"
  disaggregation whose blank would claim a pooled total that does not exist;
* ``Units`` = the estimand: "Percent of organisations" (unit weights) or "Percent of inhabitants"
  (population-weighted); ``Value`` = estimate × 100, rounded to ``VALUE_DECIMALS`` decimals;
* disaggregation columns "Size class", "Centrality", "County", "Merged 2020", "Network membership" (group labels
  from the findings; blank = all); ``GeoCode`` = the 2-digit fylkesnummer on county rows (of the wave's own
  municipal structure, so 2025 rows use the 2024 counties), blank elsewhere;
* suppressed cells, differences/contrasts and other breakdowns (org-type contrasts) are omitted.

``ks_indicator_mapping.csv`` next to the ``data/`` folder lists every id with its name, source table and items.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.report import labels as L
from pipeline.report.exports import write_csv

VALUE_DECIMALS = 1
DATA_DIR = "data"
MAPPING_FILE = "ks_indicator_mapping.csv"

DISAGGREGATIONS = {
    "size_class": ("Størrelse", "Size class"),
    "centrality_class": ("Sentralitet", "Centrality"),
    "county": ("Fylke", "County"),
    "merged_2020": ("Sammenslått 2020", "Merged 2020"),
    "network_member": ("Nettverk", "Network membership"),
}
UNITS = {
    "orgs": ("Prosent av organisasjonene", "Percent of organisations"),
    "inhabitants": ("Prosent av innbyggerne", "Percent of inhabitants"),
}
ORGS = {
    "kommune": ("Kommuner", "Municipalities"),
    "fylkeskommune": ("Fylkeskommuner", "County authorities"),
}
SERIES = {
    "sdg_prioritised": ("{orgs} som har prioritert målet", "{orgs} that have prioritised the goal"),
    "sdg_samfunnsdel": (
        "{orgs} som omtaler målet i samfunnsdelen av kommuneplanen",
        "{orgs} covering the goal in the social element (samfunnsdel) of the master plan",
    ),
    "maturity_stage_ge3": (
        "{orgs} på modenhetstrinn 3 eller høyere (operasjonalisert i planer og styring)",
        "{orgs} at maturity stage 3 or higher (operationalised in plans and management)",
    ),
    "barriers": ("{orgs} som oppgir barrieren: {label}", "{orgs} naming the barrier: {label}"),
}


@dataclass(frozen=True)
class Indicator:
    """One Open SDG indicator: its id, names, source findings table and the items (and series key) it publishes."""

    id: str
    goal: int
    name_nb: str
    name_en: str
    table: str
    items: Callable[[str], str | None]  # item code -> SERIES key, or None when the item is not part of it


def _prefix(prefix: str, suffix: str | None = None) -> Callable[[str], str | None]:
    def match(item: str) -> str | None:
        if suffix is not None:
            return prefix if item == f"{prefix}_{suffix}" else None
        return prefix if item.startswith(f"{prefix}_") else None

    return match


def _exact(item_code: str) -> Callable[[str], str | None]:
    return lambda item: item_code if item == item_code else None


def _goal_items(goal: int) -> Callable[[str], str | None]:
    prioritised, samfunnsdel = _prefix("sdg_prioritised", str(goal)), _prefix("sdg_samfunnsdel", str(goal))
    return lambda item: prioritised(item) or samfunnsdel(item)


def indicators(tables: dict[str, pd.DataFrame]) -> list[Indicator]:
    """The published indicators: goal coverage for the 17 goals, maturity stage ≥ 3 and barriers."""
    goals = tables.get("dim_sdg_goal")
    names = {}
    if goals is not None:
        rows = zip(goals["goal"], goals["short_name_nb"], goals["short_name_en"], strict=True)
        names = {int(g): (nb, en) for g, nb, en in rows}
    result = []
    for goal in range(1, 18):
        nb, en = names.get(goal, (str(goal), str(goal)))
        result.append(
            Indicator(
                f"{goal}-ks-1",
                goal,
                f"Mål {goal} {nb}: prioritert og omtalt i samfunnsdelen (kommuner og fylkeskommuner)",
                f"Goal {goal} {en}: prioritised and covered in the master plan (municipalities, county authorities)",
                "finding_goal_coverage",
                _goal_items(goal),
            )
        )
    result.append(
        Indicator(
            "17-ks-2",
            17,
            "Kommuner og fylkeskommuner på modenhetstrinn 3 eller høyere",
            "Municipalities and county authorities at maturity stage 3 or higher",
            "finding_maturity",
            _exact("maturity_stage_ge3"),
        )
    )
    result.append(
        Indicator(
            "17-ks-3",
            17,
            "Barrierer for arbeidet med bærekraftsmålene",
            "Barriers to the work on the SDGs",
            "finding_barriers",
            _prefix("barriers"),
        )
    )
    return result


def _field_years(tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    waves = tables.get("dim_wave")
    if waves is None:
        raise KeyError("Open SDG export needs dim_wave (the field year of each wave)")
    return {w: pd.Timestamp(s).year for w, s in zip(waves["wave"], waves["field_start"], strict=True)}


def columns(lang: str = "en") -> list[str]:
    """The column order of every indicator file: Year, Series, Units, disaggregations, GeoCode, Value."""
    i = L.check_lang(lang)
    return ["Year", "Series", "Units", *(pair[i] for pair in DISAGGREGATIONS.values()), "GeoCode", "Value"]


def indicator_frame(tables: dict[str, pd.DataFrame], indicator: Indicator, lang: str = "en") -> pd.DataFrame:
    """The rows of one indicator in Open SDG shape (see the module docstring); empty when nothing is published."""
    i = L.check_lang(lang)
    out_columns = columns(lang)
    frame = tables.get(indicator.table)
    if frame is None:
        return pd.DataFrame(columns=out_columns)
    keys = frame["item"].map(indicator.items)
    keep = (
        keys.notna()
        & (frame["measure"] == "proportion")
        & frame["breakdown"].isin(["total", *DISAGGREGATIONS])
        & ~frame["suppressed"].astype(bool)
        & frame["estimate"].notna()
        & frame["org_type"].isin(list(ORGS))
    )
    rows = frame[keep].copy()
    if rows.empty:
        return pd.DataFrame(columns=out_columns)
    years = _field_years(tables)
    items = L.item_labels(tables.get("dim_item"), lang)
    data = {
        "Year": rows["wave"].map(years),
        "Series": [
            SERIES[key][i].format(orgs=ORGS[org][i], label=items.get(item, item))
            for key, org, item in zip(keys[keep], rows["org_type"], rows["item"], strict=True)
        ],
        "Units": rows["estimand"].map(lambda v: UNITS[v][i] if v in UNITS else v),
    }
    group = rows[f"grp_label_{lang}"].fillna(rows["grp"]).astype(str).str.strip()
    for breakdown, pair in DISAGGREGATIONS.items():
        data[pair[i]] = group.where(rows["breakdown"] == breakdown, "")
    data["GeoCode"] = rows["grp"].astype(str).where(rows["breakdown"] == "county", "")
    data["Value"] = (rows["estimate"].astype(float) * 100).round(VALUE_DECIMALS)
    if data["Year"].isna().any():
        missing = sorted(rows.loc[data["Year"].isna(), "wave"].unique())
        raise KeyError(f"Open SDG export: waves without a field year in dim_wave: {missing}")
    out = pd.DataFrame(data, index=rows.index)[out_columns]
    out["Year"] = out["Year"].astype("int64")
    key_columns = out_columns[:-1]
    duplicated = out.duplicated(subset=key_columns, keep=False)
    if duplicated.any():
        clash = out[duplicated].head(4).to_dict("records")
        raise ValueError(f"indicator {indicator.id}: two waves give the same Year/Series/Units/groups: {clash}")
    # Municipalities first, then series, units, the headline (all blank), breakdowns and groups in findings order.
    positions = L.item_positions(tables.get("dim_item"))
    order = {
        "_org": rows["org_type"].map(list(ORGS).index),
        "_series": keys[keep].map(list(SERIES).index),
        "_item": rows["item"].map(lambda v: positions.get(v, 10_000)),
        "_units": rows["estimand"].map(lambda v: list(UNITS).index(v) if v in UNITS else len(UNITS)),
        "_breakdown": rows["breakdown"].map(["total", *DISAGGREGATIONS].index),
        "_grp": pd.Series(pd.factorize(rows["breakdown"] + "\x00" + rows["grp"].astype(str))[0], index=rows.index),
        "_year": out["Year"],
    }
    out = out.assign(**order).sort_values(list(order), kind="stable")
    return out.drop(columns=list(order)).reset_index(drop=True)


def _items_of(tables: dict[str, pd.DataFrame], indicator: Indicator) -> list[str]:
    items = tables[indicator.table]["item"].drop_duplicates()
    return sorted(item for item in items if indicator.items(item) is not None)


def write_opensdg(tables: dict[str, pd.DataFrame], out_dir: Path, lang: str = "en") -> list[Path]:
    """Write ``data/indicator_<id>.csv`` per indicator with data and ``ks_indicator_mapping.csv``; returns paths.

    ``lang`` chooses the language of series, units, disaggregation headers and values (``en`` default: the
    HLPF/UN audience; ``nb`` for a Norwegian platform). Year, GeoCode and Value are language-neutral.
    """
    out_dir = Path(out_dir)
    paths = []
    mapping = []
    for indicator in indicators(tables):
        frame = indicator_frame(tables, indicator, lang)
        if frame.empty:
            continue
        path = write_csv(frame, out_dir / DATA_DIR / f"indicator_{indicator.id}.csv")
        paths.append(path)
        mapping.append(
            {
                "indicator_id": indicator.id,
                "goal": indicator.goal,
                "name_nb": indicator.name_nb,
                "name_en": indicator.name_en,
                "source_table": indicator.table,
                "items": ";".join(_items_of(tables, indicator)),
                "file": f"{DATA_DIR}/{path.name}",
                "rows": len(frame),
            }
        )
    paths.append(write_csv(pd.DataFrame(mapping), out_dir / MAPPING_FILE))
    return paths
