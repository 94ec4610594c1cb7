"""The committed synthetic sample: reproducible byte for byte, readable, mapped by its codebooks, messy as promised."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from pipeline.codebook.wave import header_is_pii, load_codebook
from pipeline.geography import Geography
from pipeline.readers import read_export
from pipeline.sample import EXPORT_FORMATS, generate_sample
from pipeline.sample.truth import WAVES, wave_orgs

WAVES_INVITED = {wave: wave_orgs(wave) for wave in WAVES}
REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "raw" / "sample"
#: wave → (min, max) records in the export, and the (min, max) share of invited orgs that responded.
RECORDS = {"2021-vsr": (160, 240), "2023-nordic": (130, 210), "2025-vnr": (150, 240)}
RESPONSE_RATE = {"2021-vsr": (0.42, 0.62), "2023-nordic": (0.38, 0.55), "2025-vnr": (0.40, 0.58)}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("sample")
    return out, generate_sample(out)


@pytest.fixture(scope="module")
def exports(generated: tuple[Path, list[Path]]) -> dict[str, tuple[object, object]]:
    out, _ = generated
    result = {}
    for wave in WAVES:
        book = load_codebook(out / wave / "codebook.yaml")
        (path,) = book.export_files()
        result[wave] = (book, read_export(path))
    return result


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))


def test_regenerating_reproduces_the_committed_sample(generated: tuple[Path, list[Path]]) -> None:
    out, paths = generated
    assert COMMITTED.is_dir(), "raw/sample is missing: run `ks-sdg make-sample`"
    assert _files(out) == _files(COMMITTED)
    assert sorted(str(p.relative_to(out)) for p in paths) == _files(out)
    for name in _files(out):
        assert (out / name).read_bytes() == (COMMITTED / name).read_bytes(), f"{name} differs: regenerate raw/sample"


def test_another_seed_gives_other_data(tmp_path: Path, generated: tuple[Path, list[Path]]) -> None:
    out, _ = generated
    generate_sample(tmp_path, seed=7)
    name = "2023-nordic/ks-sdg-2023-nordic-SYNTHETIC-nettskjema.csv"
    assert (tmp_path / name).read_bytes() != (out / name).read_bytes()


def test_files_are_small_and_say_synthetic(generated: tuple[Path, list[Path]]) -> None:
    out, paths = generated
    assert all(p.stat().st_size < 1_000_000 for p in paths)
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in readme and "ks-sdg make-sample" in readme and "seed **2021**" in readme
    assert "not real KS survey data" in readme
    for wave in WAVES:
        assert "SYNTHETIC" in (out / wave / "codebook.yaml").read_text(encoding="utf-8").splitlines()[0]
        assert "SYNTHETIC" in next((out / wave).glob("ks-sdg-*")).name


@pytest.mark.parametrize("wave", list(WAVES))
def test_codebook_loads_and_maps_every_column(wave: str, exports: dict) -> None:
    book, export = exports[wave]
    assert book.synthetic and book.wave == wave
    assert "(SYNTETISKE DATA)" in book.title_nb and "(SYNTHETIC DATA)" in book.title_en
    assert book.population_year == WAVES[wave].population_year
    assert export.format == EXPORT_FORMATS[wave]
    covered = set(book.variables) | book.ignore | book.pii | book.respondent.columns
    assert set(export.variable_names) == covered


@pytest.mark.parametrize("wave", list(WAVES))
def test_pii_columns_are_in_the_export(wave: str, exports: dict) -> None:
    book, export = exports[wave]
    assert len(book.pii) == 2
    assert book.pii <= set(export.variable_names)
    assert all(header_is_pii(c) for c in book.pii)
    wide = export.wide()
    for column in book.pii:
        assert wide[column].notna().mean() > 0.9


@pytest.mark.parametrize("wave", list(WAVES))
def test_counts_are_in_range(wave: str, exports: dict) -> None:
    _book, export = exports[wave]
    low, high = RECORDS[wave]
    assert low <= export.n_records <= high
    assert export.records["record_id"].is_unique


def test_surveyxact_layout(exports: dict) -> None:
    book, export = exports["2021-vsr"]
    assert export.sheets == ["Dataset", "Dataset (2)"]
    status = Counter(export.records["status_hint"])
    assert status["not_started"] == 6 and status["partial"] >= 10 and status["complete"] >= 140
    assert export.variable("v_12_2").value_labels == {"0": "Ikke valgt", "1": "Valgt"}
    assert export.variable("s_4").value_labels["1"] == "Ikke startet"
    assert {"stato_1", "stato_5", "responde", "closetim"} <= set(export.variable_names)
    assert book.respondent.overrides  # a name typed in the code field


def test_nettskjema_layout(exports: dict) -> None:
    book, export = exports["2023-nordic"]
    names = export.variable_names
    assert names[:2] == ["$submission_id", "$created"] and names[-1] == "$answer_time_ms"
    assert book.org_types == ("kommune",) and book.status.rule == "required"
    assert export.variable("mal.14").type == "multiple_dummy"
    asked = {m.question for m in book.variables.values()}
    assert len(asked) == 15 and "covid_effect" in asked and "sdg_samfunnsdel" not in asked


def test_forms_layout(exports: dict) -> None:
    book, export = exports["2025-vnr"]
    names = export.variable_names
    assert names[:5] == ["ID", "Starttidspunkt", "Fullføringstidspunkt", "E-postadresse", "Navn"]
    barriers = "Hva er de viktigste barrierene for arbeidet med bærekraftsmålene?"
    assert export.variable(barriers).type == "multiple_joined"
    assert book.variables[barriers].other == "barriers_other"
    known = set(book.variables[barriers].values)
    items = export.answers.loc[export.answers["variable"] == barriers, "value"]
    assert (~items.isin(known)).sum() >= 3  # "Other" free texts as extra items
    assert "covid_effect" not in {m.question for m in book.variables.values()}


def _identify(book, export) -> tuple[Counter, Counter]:
    """Identify every started record through the geography (what harmonisation will do)."""
    geo = Geography(book.frame_year)
    resp = book.respondent
    wide = export.wide()
    methods: Counter = Counter()
    orgs: Counter = Counter()
    for record_id, row in wide.iterrows():
        value = row[resp.identity_column]
        if not isinstance(value, str):
            continue
        org_type = resp.org_type_values.get(row[resp.org_type_column]) if resp.org_type_column else None
        if record_id in resp.overrides:
            match = geo.org(resp.overrides[record_id], org_type or "kommune")
            method = "override"
        elif resp.identity_by == "code":
            match = geo.by_code(value, org_type)
            method = match.method
        else:
            county = row[resp.county_column] if resp.county_column else None
            match = geo.by_name(value, county if isinstance(county, str) else None, org_type)
            method = match.method
            if normalised := value.strip():
                methods["typed_differs"] += normalised != match.name
        methods[method] += 1
        orgs[(match.org_type, match.org_code)] += 1
    return methods, orgs


@pytest.mark.parametrize("wave", list(WAVES))
def test_every_respondent_maps_to_a_frame_org(wave: str, exports: dict) -> None:
    book, export = exports[wave]
    methods, orgs = _identify(book, export)
    spec = WAVES[wave]
    started = (export.records["status_hint"] != "not_started").sum()
    assert sum(v for k, v in methods.items() if k != "typed_differs") == started
    duplicates = [k for k, n in orgs.items() if n > 1]
    assert len(duplicates) == spec.n_resubmit + spec.n_second_person
    low, high = RESPONSE_RATE[wave]
    assert low <= len(orgs) / len(WAVES_INVITED[wave]) <= high
    if wave == "2021-vsr":
        assert methods["code_crosswalk"] == 4 and methods["override"] == 1
        assert any(t == "fylkeskommune" for t, _ in orgs)
    elif wave == "2023-nordic":
        assert methods["code_crosswalk"] == 3
        assert all(t == "kommune" for t, _ in orgs)
    else:
        assert methods["name_county"] == 4  # both Herøy, both Våler
        assert methods["typed_differs"] >= 30
        assert {("kommune", "5612"), ("kommune", "5001"), ("fylkeskommune", "46")} <= set(orgs)
