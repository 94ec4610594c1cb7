"""The whole pipeline as plain function calls, without Dagster (for tests, notebooks and the overhead benchmark).

``build_warehouse(path)`` does what the Dagster assets do, in the same order: reference tables, every wave found
under the raw folder, analysis_respondents and every findings table. Deliverables are separate
(:func:`pipeline.report.deliverables.build_deliverables`).
"""

from __future__ import annotations

from pathlib import Path

from pipeline.codebook.harmonise import harmonise_wave
from pipeline.codebook.wave import discover_codebooks, load_codebook
from pipeline.findings import compute_findings, load_inputs
from pipeline.paths import raw_dir
from pipeline.warehouse import open_warehouse, replace_tables, replace_wave
from pipeline.warehouse.dimensions import dimension_tables


def build_reference(path: str | Path) -> None:
    """Write the dimension tables."""
    with open_warehouse(path) as con:
        replace_tables(con, dimension_tables())


def build_wave(path: str | Path, codebook_path: str | Path) -> str:
    """Harmonise one wave and replace it in the warehouse; returns the wave id."""
    wave = harmonise_wave(load_codebook(codebook_path))
    with open_warehouse(path) as con:
        replace_wave(con, wave.wave, wave.tables())
    return wave.wave


def build_findings(path: str | Path) -> dict:
    """analysis_respondents and every findings table from the harmonised tables."""
    with open_warehouse(path) as con:
        tables = compute_findings(load_inputs(con))
        replace_tables(con, tables)
    return tables


def build_warehouse(path: str | Path, raw: str | Path | None = None, waves: list[str] | None = None) -> list[str]:
    """Reference tables, every (or the given) wave under ``raw`` and all findings; returns the waves built."""
    found = discover_codebooks(Path(raw) if raw else raw_dir())
    chosen = sorted(w for w in found if waves is None or w in waves)
    build_reference(path)
    for wave in chosen:
        build_wave(path, found[wave])
    build_findings(path)
    return chosen
