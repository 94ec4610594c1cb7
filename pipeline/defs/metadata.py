"""Materialisation metadata shared by every asset: row count, column schema, Markdown preview."""

from __future__ import annotations

import dagster as dg
import pandas as pd

from pipeline.report.markdown import markdown_table


def column_schema(frame: pd.DataFrame) -> dg.TableSchema:
    """Dagster column schema from a DataFrame's columns and dtypes."""
    return dg.TableSchema(columns=[dg.TableColumn(str(c), str(t)) for c, t in frame.dtypes.items()])


def table_metadata(frame: pd.DataFrame, preview: pd.DataFrame | None = None, rows: int = 10) -> dict:
    """Row count, column schema and a Markdown preview (of ``preview`` when given, else the first rows)."""
    return {
        "dagster/row_count": dg.MetadataValue.int(len(frame)),
        "dagster/column_schema": column_schema(frame),
        "preview": dg.MetadataValue.md(markdown_table(frame if preview is None else preview, max_rows=rows)),
    }
