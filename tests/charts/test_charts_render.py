"""Rendering: file layout, skipped charts, PNG resolution, determinism, thumbnails."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from pipeline.charts import render


@pytest.fixture(scope="module")
def rendered(sample_tables, tmp_path_factory):
    """A small subset rendered once (both languages) for the file-level checks."""
    out = tmp_path_factory.mktemp("charts")
    files = render.render_wave_charts(
        sample_tables, "2023-nordic", out, charts=["goals", "barriers-extent", "trends-from-2021-vsr"]
    )
    return out, files


def test_files_are_written_per_wave_chart_and_language(rendered):
    out, files = rendered
    names = sorted({(f.name, f.lang) for f in files})
    assert names == [
        ("goals", "en"),
        ("goals", "nb"),
        ("trends-from-2021-vsr", "en"),
        ("trends-from-2021-vsr", "nb"),
    ]
    for f in files:
        assert f.png == out / "2023-nordic" / f"{f.name}.{f.lang}.png"
        assert f.svg == out / "2023-nordic" / f"{f.name}.{f.lang}.svg"
        assert f.png.stat().st_size > 10_000
        assert f.svg.read_text(encoding="utf-8").startswith("<?xml")
    goals_nb = next(f for f in files if f.name == "goals" and f.lang == "nb")
    assert goals_nb.title == "Prioriterte bærekraftsmål"
    assert goals_nb.n_bars == 17
    assert goals_nb.to_dict()["png"].endswith("goals.nb.png")
    svg = goals_nb.svg.read_text(encoding="utf-8")
    assert 'id="synthetic-mark"' in svg
    assert "SYNTETISKE DATA" in svg
    assert "dc:date" not in svg


def test_charts_without_data_are_skipped_not_crashed(rendered):
    _, files = rendered
    assert [(s.name, s.wave) for s in files.skipped] == [("barriers-extent", "2023-nordic")]
    assert "barrier_extent" in files.skipped[0].reason


def test_png_is_150_dpi(rendered):
    _, files = rendered
    with Image.open(files[0].png) as im:
        dpi = im.info["dpi"]
        assert dpi[0] == pytest.approx(150, abs=0.1)
        assert im.width == 1080  # 7.2 in at 150 dpi


def test_same_input_same_bytes(sample_tables, tmp_path):
    a = render.render_wave_charts(sample_tables, "2025-vnr", tmp_path / "a", ["nb"], charts=["barriers"])
    b = render.render_wave_charts(sample_tables, "2025-vnr", tmp_path / "b", ["nb"], charts=["barriers"])
    assert len(a) == len(b) == 1
    assert a[0].png.read_bytes() == b[0].png.read_bytes()
    assert a[0].svg.read_bytes() == b[0].svg.read_bytes()


def test_thumbnail_is_a_small_png(rendered):
    _, files = rendered
    data = base64.b64decode(render.png_thumbnail_base64(files[0].png, max_width=240))
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "PNG"
        assert im.width == 240


def test_org_type_and_estimand_are_in_file_names_and_wave_lacks_are_skipped(sample_tables, tmp_path):
    files = render.render_wave_charts(
        sample_tables,
        "2025-vnr",
        tmp_path,
        ["en"],
        org_type="fylkeskommune",
        estimand="inhabitants",
        charts=["barriers", "goals-by-county", "response-rates"],
    )
    assert [f.png.name for f in files] == ["barriers-fylkeskommune-inhabitants.en.png"]
    assert sorted(s.name for s in files.skipped) == [
        "goals-by-county-fylkeskommune-inhabitants",
        "response-rates-fylkeskommune-inhabitants",
    ]


def test_chart_set_per_wave(sample_tables):
    assert [n for n in render.wave_charts(sample_tables, "2025-vnr") if n.startswith("trends")] == [
        "trends-from-2021-vsr",
        "trends-from-2023-nordic",
    ]
    assert not any(n.startswith("trends") for n in render.wave_charts(sample_tables, "2021-vsr"))
    assert render.waves_in_order(sample_tables) == ["2021-vsr", "2023-nordic", "2025-vnr"]
    with pytest.raises(ValueError, match="unknown chart"):
        render.render_wave_charts(sample_tables, "2025-vnr", "/nonexistent", charts=["pie"])


def test_no_pyplot_figures_are_left_open(sample_tables, tmp_path):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    render.render_wave_charts(sample_tables, "2021-vsr", tmp_path, ["nb"], charts=["barriers"])
    assert plt.get_fignums() == before
