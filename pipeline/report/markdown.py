"""Small Markdown renderings of tables (for asset metadata previews and method notes); no extra dependencies."""

from __future__ import annotations

import math

import pandas as pd


def _cell(value: object, digits: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(frame: pd.DataFrame, max_rows: int = 20, digits: int = 3) -> str:
    """A GitHub-flavoured Markdown table of the first ``max_rows`` rows (floats rounded to ``digits``)."""
    shown = frame.head(max_rows)
    header = "| " + " | ".join(str(c) for c in shown.columns) + " |"
    rule = "| " + " | ".join("---" for _ in shown.columns) + " |"
    body = ["| " + " | ".join(_cell(v, digits) for v in row) + " |" for row in shown.itertuples(index=False)]
    lines = [header, rule, *body]
    if len(frame) > max_rows:
        lines.append(f"\n_{len(frame) - max_rows} more rows of {len(frame)}_")
    return "\n".join(lines)
