"""Where the project's folders are: raw exports, the warehouse, generated deliverables.

The root is ``$KS_SDG_ROOT`` when set, else the repository holding this package (the folder with
``pyproject.toml`` above ``pipeline/``), else the current directory.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The project folder that holds raw/, warehouse/ and assets/."""
    env = os.environ.get("KS_SDG_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve().parent.parent
    if (here / "pyproject.toml").exists():
        return here
    return Path.cwd().resolve()


def raw_dir() -> Path:
    """Folder of input exports, one sub-folder per wave (``$KS_SDG_RAW_DIR`` overrides)."""
    return Path(os.environ.get("KS_SDG_RAW_DIR") or project_root() / "raw").resolve()


def warehouse_path() -> Path:
    """The pipeline's DuckDB file (``$KS_SDG_WAREHOUSE`` overrides)."""
    return Path(os.environ.get("KS_SDG_WAREHOUSE") or project_root() / "warehouse" / "ks_sdg.duckdb").resolve()


def published_warehouse_path() -> Path:
    """The read-only copy notebooks open (``$KS_SDG_PUBLISHED`` overrides)."""
    default = warehouse_path().with_name("ks_sdg_published.duckdb")
    return Path(os.environ.get("KS_SDG_PUBLISHED") or default).resolve()


def assets_dir() -> Path:
    """Folder of generated deliverables: charts, reports, csv (``$KS_SDG_ASSETS_DIR`` overrides)."""
    return Path(os.environ.get("KS_SDG_ASSETS_DIR") or project_root() / "assets").resolve()
