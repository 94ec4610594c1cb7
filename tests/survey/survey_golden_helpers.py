"""Compare pipeline.survey with the R golden fixtures in tests/fixtures/r_survey (no R needed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.survey import SurveyDesign, svyby, svyciprop, svydesign, svydiff, svymean, svyratio, svytotal

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "r_survey"
FIELDS = ("estimate", "se", "ci_low", "ci_high", "df", "n")


def load_csv(path: Path, group_column: str = "group") -> pd.DataFrame:
    """Read a fixture CSV (NA = missing) with stratum, group and org_code as text."""
    return pd.read_csv(path, dtype={"stratum": "str", group_column: "str", "org_code": "str"})


def load_design(path: Path, group_column: str = "group") -> SurveyDesign:
    """The design of a fixture CSV: svydesign(ids=~1, strata=~stratum, fpc=~N_h, weights=~weight)."""
    return svydesign(load_csv(path, group_column), strata="stratum", fpc="N_h", weights="weight")


def load_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _row(df: pd.DataFrame) -> dict[str, float]:
    assert len(df) == 1, df
    return {f: float(df[f].iloc[0]) for f in FIELDS}


def python_value(
    design: SurveyDesign, rec: dict[str, Any], *, via_by: bool = False, group_column: str = "group"
) -> dict[str, float]:
    """The Python estimate for one golden record (``via_by``: group records through svyby)."""
    stat, v, g, den = rec["statistic"], rec["variable"], rec["group"], rec["denominator"]
    if stat.startswith("diff_"):
        kind = stat.removeprefix("diff_")
        kw: dict[str, Any] = {
            "mean": {},
            "total": {"statistic": "total"},
            "share": {"statistic": "ciprop", "size": den},
            "ratio": {"statistic": "ratio", "denominator": den},
        }[kind]
        out = _row(svydiff(design, v, rec["group_a"], rec["group_b"], by=group_column, **kw))
        out["df"] = out["n"] = np.nan
        return out
    if via_by and g is not None:
        by_kw: dict[str, Any] = {
            "mean": {"statistic": "mean"},
            "total": {"statistic": "total"},
            "ratio": {"statistic": "ratio", "denominator": den},
            "ciprop_logit": {"statistic": "ciprop", "method": "logit"},
            "ciprop_logit_tight": {"statistic": "ciprop", "method": "logit"},
            "ciprop_boundary": {"statistic": "ciprop", "method": "logit"},
            "ciprop_beta": {"statistic": "ciprop", "method": "beta"},
            "share": {"statistic": "ciprop", "method": "wald", "size": den},
            "share_logit": {"statistic": "ciprop", "method": "logit", "size": den},
            "share_logit_tight": {"statistic": "ciprop", "method": "logit", "size": den},
            "share_boundary": {"statistic": "ciprop", "method": "logit", "size": den},
            "share_beta": {"statistic": "ciprop", "method": "beta", "size": den},
        }[stat]
        res = svyby(design, v, group_column, **by_kw)
        return _row(res[res[group_column] == g])
    domain = None if g is None else (design.data[group_column] == g).to_numpy()
    if stat == "mean":
        return _row(svymean(design, v, domain=domain))
    if stat == "total":
        return _row(svytotal(design, v, domain=domain))
    if stat == "ratio":
        return _row(svyratio(design, v, den, domain=domain))
    if stat in ("ciprop_logit", "ciprop_logit_tight", "ciprop_boundary"):
        return _row(svyciprop(design, v, domain=domain, method="logit"))
    if stat == "ciprop_beta":
        return _row(svyciprop(design, v, domain=domain, method="beta"))
    if stat == "share":
        return _row(svyciprop(design, v, domain=domain, size=den, method="wald"))
    if stat == "share_beta":
        return _row(svyciprop(design, v, domain=domain, size=den, method="beta"))
    if stat in ("share_logit", "share_logit_tight", "share_boundary"):
        return _row(svyciprop(design, v, domain=domain, size=den, method="logit"))
    raise AssertionError(f"unknown statistic {stat!r}")


# R's svyciprop(method="logit") takes its estimate and bounds from a glm fitted with the default
# epsilon = 1e-8, which leaves ~1e-9 of IRLS error; the same computation converged tightly
# ("*_logit_tight") agrees with Python to ~1e-15.
TOLERANCE = {"ciprop_logit": 1e-7, "share_logit": 1e-7}
DEFAULT_TOLERANCE = 1e-11


def scaled_error(r: float | None, p: float) -> float:
    """|p − r| / max(1, |r|): absolute near 0, relative for large values (totals); None (R NA) = NaN."""
    if r is None:
        return 0.0 if np.isnan(p) else np.inf
    return abs(p - r) / max(1.0, abs(r))


def compare(design: SurveyDesign, golden: dict[str, Any], *, via_by: bool = False) -> list[tuple[str, float, float]]:
    """(description, scaled error, tolerance) for every field of every record."""
    out = []
    group_column = golden["meta"].get("group_column", "group")
    for rec in golden["records"]:
        py = python_value(design, rec, via_by=via_by, group_column=group_column)
        for f in FIELDS:
            if f in ("df", "n") and rec["statistic"].startswith("diff_"):
                continue
            desc = (
                f"{rec['fixture']}:{rec['statistic']}:{rec['variable']}:{rec['group']}:"
                f"{rec['group_a']}-{rec['group_b']}:{f}"
            )
            tol = TOLERANCE.get(rec["statistic"], DEFAULT_TOLERANCE)
            out.append((desc, scaled_error(rec[f], py[f]), tol))
    return out
