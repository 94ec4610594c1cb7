"""Tidy CSVs, the analysis file as CSV and SPSS .sav, and its codebook — reopened and compared with the tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from pipeline.report.exports import (
    FINDING_TABLES,
    SPSS_MAX_LABEL_BYTES,
    _fit_label,
    analysis_frame,
    check_spss_names,
    spss_name_problems,
    write_csv_exports,
)


def by_name(paths) -> dict:
    return {p.name: p for p in paths}


def assert_frame_values_equal(shown: pd.DataFrame, truth: pd.DataFrame) -> None:
    assert list(shown.columns) == list(truth.columns)
    assert len(shown) == len(truth)
    for col in truth.columns:
        a, b = shown[col], truth[col]
        if pd.api.types.is_numeric_dtype(b.dtype) and not pd.api.types.is_bool_dtype(b.dtype):
            np.testing.assert_allclose(a.astype(float), b.astype(float), rtol=0, atol=1e-12, err_msg=col)
        else:
            left = a.astype(object).where(a.notna(), None).map(lambda v: None if v is None else str(v))
            right = b.astype(object).where(b.notna(), None).map(lambda v: None if v is None else str(v))
            assert left.tolist() == right.tolist(), col


def test_files_written(exports, sample_tables):
    names = set(by_name(exports))
    assert {f"{t}.csv" for t in FINDING_TABLES} <= names
    for wave in sample_tables["dim_wave"]["wave"]:
        assert f"analysis_respondents_{wave}.csv" in names
        assert f"analysis_respondents_{wave}.sav" in names
    assert "analysis_respondents_codebook.csv" in names
    assert all(p.stat().st_size > 0 for p in exports)
    assert not list(exports[0].parent.glob(".*.tmp"))


@pytest.mark.parametrize("name", FINDING_TABLES)
def test_findings_csv_equals_the_table(exports, sample_tables, name):
    path = by_name(exports)[f"{name}.csv"]
    shown = pd.read_csv(path, dtype={"grp": str}, keep_default_na=False, na_values=[""])
    truth = sample_tables[name]
    labels = ["item_label_nb", "item_label_en"]
    assert list(shown.columns) == [
        *truth.columns[: list(truth.columns).index("item") + 1],
        *labels,
        *truth.columns[list(truth.columns).index("item") + 1 :],
    ]
    assert_frame_values_equal(shown.drop(columns=labels), truth)
    dim_item = sample_tables["dim_item"].set_index("item")
    known = shown["item"].isin(dim_item.index)
    assert (shown.loc[known, "item_label_nb"] == shown.loc[known, "item"].map(dim_item["label_nb"])).all()
    assert shown.loc[shown["suppressed"], "estimate"].isna().all()
    assert path.read_bytes()[:3] != b"\xef\xbb\xbf"  # plain UTF-8, no BOM


def test_analysis_csv_equals_the_table(exports, sample_tables):
    flat = sample_tables["analysis_respondents"]
    for wave in flat["wave"].unique():
        shown = pd.read_csv(
            by_name(exports)[f"analysis_respondents_{wave}.csv"],
            dtype={"org_code": str, "county_number": str, "respondent_id": str},
            keep_default_na=False,
            na_values=[""],
        )
        truth = flat[flat["wave"] == wave].reset_index(drop=True)
        assert len(shown) == len(truth)
        assert list(shown.columns) == list(truth.columns)
        # booleans are written as 0/1
        assert shown["merged_2020"].tolist() == truth["merged_2020"].astype(int).tolist()
        assert_frame_values_equal(shown, analysis_frame(sample_tables, wave))
        assert shown["org_code"].str.len().isin([2, 4]).all()  # leading zeros kept


def test_sav_round_trips(exports, sample_tables):
    wave = "2021-vsr"
    data, meta = pyreadstat.read_sav(str(by_name(exports)[f"analysis_respondents_{wave}.sav"]))
    truth = analysis_frame(sample_tables, wave)
    assert list(data.columns) == list(truth.columns)
    for col in truth.columns:
        if pd.api.types.is_numeric_dtype(truth[col].dtype):
            np.testing.assert_allclose(data[col].astype(float), truth[col].astype(float), atol=1e-12, err_msg=col)
        else:
            assert data[col].tolist() == truth[col].fillna("").astype(str).tolist(), col
    labels = meta.column_names_to_labels
    dim_item = sample_tables["dim_item"].set_index("item")
    assert labels["barriers_resources"] == dim_item.loc["barriers_resources", "label_nb"]
    assert labels["sdg_prioritised_13"] == dim_item.loc["sdg_prioritised_13", "label_nb"]
    assert labels["size_class"] == "Størrelsesklasse (innbyggere)"
    assert labels["maturity_self_score"].endswith("(skår 1–5)")
    values = meta.variable_value_labels
    assert values["barriers_resources"] == {0.0: "Nei", 1.0: "Ja"}
    assert values["merged_2020"] == {0.0: "Nei", 1.0: "Ja"}
    assert values["size_class"][1.0] == "Under 5 000 innb."
    assert values["org_type"] == {"kommune": "Kommune", "fylkeskommune": "Fylkeskommune"}
    assert values["maturity_stage"][4.0] == "Målt og rapportert"
    assert values["maturity_self_score"][5.0] == "Integrert i planer, styring og rapportering"
    assert meta.variable_measure["weight"] == "scale"
    assert meta.variable_measure["size_class"] == "ordinal"
    assert meta.variable_measure["barriers_resources"] == "nominal"
    assert "SYNTETISKE DATA" in meta.file_label
    assert "Statistisk sentralbyrå" in " ".join(meta.notes)


def test_codebook(exports, sample_tables):
    book = pd.read_csv(by_name(exports)["analysis_respondents_codebook.csv"], keep_default_na=False)
    assert list(book.columns) == ["variable", "label_nb", "label_en", "type", "values", "values_en", "waves"]
    assert book["variable"].tolist() == list(sample_tables["analysis_respondents"].columns)
    rows = book.set_index("variable")
    assert rows.loc["barriers_resources", "values"] == "0=Nei; 1=Ja"
    assert rows.loc["barriers_resources", "values_en"] == "0=No; 1=Yes"
    assert rows.loc["barriers_resources", "label_en"] == "Lack of financial resources"
    assert rows.loc["org_code", "type"] == "string"
    assert rows.loc["weight", "type"] == "numeric"
    assert rows.loc["maturity_stage", "values"].startswith("0=Ikke startet; 1=Besluttet")
    # the covid question was not asked in 2025
    assert "2025-vnr" not in rows.loc["covid_effect_weakened", "waves"].split(";")


def test_spss_names_are_checked(sample_tables, tmp_path):
    assert spss_name_problems(list(sample_tables["analysis_respondents"].columns)) == []
    problems = spss_name_problems(["ok", "x" * 65, "1abc", "BY", "with space", "Weight", "weight", "end."])
    assert len(problems) == 6
    assert any("64 bytes" in p for p in problems)
    assert any("case-insensitive" in p for p in problems)
    with pytest.raises(ValueError, match="reserved"):
        check_spss_names(["BY"])
    tables = dict(sample_tables)
    tables["analysis_respondents"] = sample_tables["analysis_respondents"].rename(columns={"weight": "w" * 70})
    out = tmp_path / "bad"
    with pytest.raises(ValueError, match="invalid SPSS variable names"):
        write_csv_exports(tables, out)
    assert not out.exists() or not any(out.iterdir())  # nothing half-written


def test_long_labels_are_cut_to_spss_limit():
    label = "Hvor langt har dere kommet med bærekraftsmålene? " * 10
    cut = _fit_label(label)
    assert len(cut.encode("utf-8")) <= SPSS_MAX_LABEL_BYTES
    assert cut.endswith("…")
    assert _fit_label("kort") == "kort"


def test_each_wave_ships_an_r_script_beside_its_analysis_file(exports, sample_tables):
    names = by_name(exports)
    for wave in sample_tables["dim_wave"]["wave"]:
        script = names[f"analysis_respondents_{wave}.R"].read_text(encoding="utf-8")
        assert f'wave <- "{wave}"' in script
        assert f'read.csv("analysis_respondents_{wave}.csv"' in script
        assert "svydesign(ids = ~1, strata = ~stratum, fpc = ~N_h, weights = ~weight," in script


@pytest.mark.r
def test_the_r_scripts_reproduce_every_published_barrier_estimate(exports, sample_tables):
    """Run as a statistician would (Rscript in the export folder): R's survey package reproduces every published,
    unsuppressed barrier share and interval of the wave — orgs and inhabitants, total and by size class."""
    import subprocess

    from ks_testing import rscript_with_survey

    rscript = rscript_with_survey()
    folder = exports[0].parent
    barriers = sample_tables["finding_barriers"]
    for wave in sample_tables["dim_wave"]["wave"]:
        run = subprocess.run(
            [rscript, f"analysis_respondents_{wave}.R"], cwd=folder, capture_output=True, text=True, timeout=300
        )
        assert run.returncode == 0, run.stderr
        rows = barriers[
            (barriers["wave"] == wave)
            & (barriers["measure"] == "proportion")
            & barriers["breakdown"].isin(["total", "size_class"])
            & ~barriers["suppressed"].astype(bool)
            & (barriers["estimate"] > 0)
            & (barriers["estimate"] < 1)
        ]
        assert len(rows) > 100
        assert f"all {len(rows)} published estimates of {wave} reproduced" in run.stdout
