"""Charts of the findings: pure matplotlib (Agg, no pyplot, no Dagster), one module per chart family
(``barriers``, ``maturity``, ``goals``, ``response``, ``trends``), a shared ``style``, table access in ``data`` and
the entry point in ``render`` (``render_wave_charts``, ``render_all``, ``png_thumbnail_base64``)."""

from pipeline.charts.render import (
    ChartFile,
    ChartList,
    SkippedChart,
    png_thumbnail_base64,
    render_all,
    render_wave_charts,
)

__all__ = ["ChartFile", "ChartList", "SkippedChart", "png_thumbnail_base64", "render_all", "render_wave_charts"]
