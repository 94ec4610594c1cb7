"""Wave partitions: one per ``codebook.yaml`` found under raw/ (added by the raw-files sensor and by
``ks-sdg materialize``)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from pipeline.codebook.wave import WaveCodebook, discover_codebooks, load_codebook
from pipeline.paths import raw_dir

wave_partitions = dg.DynamicPartitionsDefinition(name="wave")


def codebook_paths() -> dict[str, Path]:
    """Wave id → codebook path under the raw folder."""
    return discover_codebooks(raw_dir())


def codebook_for(wave: str) -> WaveCodebook:
    """The validated codebook of one wave partition (Failure when its folder is gone)."""
    paths = codebook_paths()
    if wave not in paths:
        raise dg.Failure(
            description=f"wave {wave!r} has no codebook under {raw_dir()} any more",
            metadata={"waves found": ", ".join(sorted(paths)) or "none"},
        )
    return load_codebook(paths[wave])
