"""Shared test constants and helpers (a uniquely named module: several folders have their own conftest.py)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "raw" / "sample"


def require_external() -> bool:
    """CI sets KS_SDG_REQUIRE_EXTERNAL=1: tests needing R or Chromium then fail instead of skipping."""
    return os.environ.get("KS_SDG_REQUIRE_EXTERNAL") == "1"


def rscript_with_survey() -> str:
    """The Rscript binary with R's survey package; skips the test without it (fails under
    KS_SDG_REQUIRE_EXTERNAL=1, as in CI)."""
    rscript = shutil.which("Rscript")
    problem = None
    if rscript is None:
        problem = "Rscript not found"
    else:
        probe = subprocess.run(
            [rscript, "-e", "suppressPackageStartupMessages(library(survey))"], capture_output=True, text=True
        )
        if probe.returncode != 0:
            problem = f"R package 'survey' not available: {probe.stderr.strip()[:200]}"
    if problem:
        if require_external():
            pytest.fail(f"{problem} (KS_SDG_REQUIRE_EXTERNAL=1)")
        pytest.skip(problem)
    assert rscript is not None
    return rscript
