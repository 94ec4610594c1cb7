"""Fixtures for the operations layer: a temporary raw folder holding copies of sample waves."""

import shutil
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[2] / "raw" / "sample"


def _copy_wave(raw: Path, wave: str) -> Path:
    """Copy ``raw/sample/<wave>`` into ``raw``; returns the new wave folder."""
    target = raw / wave
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(SAMPLE / wave, target)
    return target


@pytest.fixture
def copy_wave():
    """``copy_wave(raw, wave)``: copy a sample wave folder into a raw folder (parents created)."""
    return _copy_wave


@pytest.fixture
def raw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty raw folder, set as $KS_SDG_RAW_DIR."""
    folder = tmp_path / "raw"
    folder.mkdir()
    monkeypatch.setenv("KS_SDG_RAW_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def _no_peak_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests choose the peak length themselves."""
    monkeypatch.delenv("KS_SDG_PEAK_WEEKS", raising=False)
    monkeypatch.delenv("KS_SDG_HLPF_CALENDAR", raising=False)
