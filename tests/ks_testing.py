"""Shared test constants and helpers (a uniquely named module: several folders have their own conftest.py)."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "raw" / "sample"


def require_external() -> bool:
    """CI sets KS_SDG_REQUIRE_EXTERNAL=1: tests needing R or Chromium then fail instead of skipping."""
    return os.environ.get("KS_SDG_REQUIRE_EXTERNAL") == "1"
