"""Geography: frames from the real reference data, code normalisation, name matching, crosswalks."""

import pytest

from pipeline.errors import GeographyError
from pipeline.geography import Geography, dim_crosswalk, frame, normalise_code, size_class, successors


@pytest.fixture(scope="module")
def g2020() -> Geography:
    return Geography(2020)


@pytest.fixture(scope="module")
def g2024() -> Geography:
    return Geography(2024)


def test_frames_have_the_official_counts():
    counts = {(y, t): len(frame(y, [t])) for y in (2019, 2020, 2024) for t in ("kommune", "fylkeskommune")}
    assert counts == {
        (2019, "kommune"): 422,
        (2019, "fylkeskommune"): 18,
        (2020, "kommune"): 356,
        (2020, "fylkeskommune"): 11,
        (2024, "kommune"): 357,
        (2024, "fylkeskommune"): 15,
    }


def test_frame_population_and_classes_come_from_reference():
    f = frame(2024).set_index(["org_type", "org_code"])
    oslo = f.loc[("kommune", "0301")]
    assert oslo["population"] == 717_710 and oslo["size_class"] == 4
    assert oslo["centrality_index"] == 1000 and oslo["centrality_class"] == 1
    assert f["population"][f.index.get_level_values(0) == "kommune"].sum() == 5_550_203
    # a county authority's population is the sum of its municipalities
    assert f.loc[("fylkeskommune", "03"), "population"] == 717_710
    f20 = frame(2020).set_index(["org_type", "org_code"])
    assert f20.loc[("kommune", "1103"), "merged_2020"]  # Stavanger absorbed Forsand and Finnøy
    assert not f20.loc[("kommune", "0301"), "merged_2020"]
    assert f20.loc[("kommune", "1507"), "split_2024"]
    assert int(f20.loc[("kommune", "1507"), "population"]) == 66_258
    assert f20["merged_2020"][f20.index.get_level_values(0) == "kommune"].sum() == 43
    merged_counties = set(
        f20[(f20.index.get_level_values(0) == "fylkeskommune") & f20["merged_2020"]].index.get_level_values(1)
    )
    assert merged_counties == {"30", "34", "38", "42", "46", "54"}


@pytest.mark.parametrize(
    ("population", "expected"), [(0, 1), (4_999, 1), (5_000, 2), (19_999, 2), (20_000, 3), (49_999, 3), (50_000, 4)]
)
def test_size_class_bands(population, expected):
    assert size_class(population) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0301", "0301"),
        (301, "0301"),
        (301.0, "0301"),
        ("301.0", "0301"),
        (" 0301 ", "0301"),
        ("301,0", "0301"),
        (3, "03"),
        ("46", "46"),
        (5001, "5001"),
    ],
)
def test_normalise_code(raw, expected):
    assert normalise_code(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "12345", -3, 301.5, "", None, True])
def test_normalise_code_rejects_non_codes(raw):
    with pytest.raises(GeographyError):
        normalise_code(raw)


def test_codes_of_earlier_frames_are_carried_forward(g2020, g2024):
    sorum = g2020.by_code("0226")  # Sørum (2019) became part of Lillestrøm
    assert (sorum.org_code, sorum.method) == ("3030", "code_crosswalk")
    lillestrom = g2024.by_code(3030)
    assert (lillestrom.org_code, lillestrom.name) == ("3205", "Lillestrøm")
    assert g2024.by_code("0226").org_code == "3205"  # two reforms in a row


def test_alesund_split_is_flagged_never_assigned(g2024):
    with pytest.raises(GeographyError) as err:
        g2024.by_code("1507")
    assert "split" in str(err.value)
    assert err.value.candidates == ["1508 Ålesund", "1580 Haram"]
    assert successors("1507", 2020, 2024) == ["1508", "1580"]


def test_split_2019_codes_are_flagged(g2020):
    with pytest.raises(GeographyError) as err:
        g2020.by_code("1850")  # Tysfjord went to Narvik and Hamarøy
    assert err.value.candidates == ["1806 Narvik", "1875 Hamarøy"]


@pytest.mark.parametrize(
    ("name", "county", "expected"),
    [
        ("Kautokeino", None, "5612"),
        ("Guovdageaidnu", None, "5612"),
        ("Guovdageaidnu – Kautokeino", None, "5612"),
        ("  KARASJOK kommune ", None, "5610"),
        ("Kárášjohka", None, "5610"),
        ("Porsanki", None, "5622"),
        ("Tråante", None, "5001"),
        ("Trondheim kommune", None, "5001"),
        ("Herøy", "Nordland", "1818"),
        ("Herøy", "15", "1515"),
        ("Herøy (Møre og Romsdal)", None, "1515"),
        ("Våler", "Innlandet", "3419"),
        ("Våler", "Viken", "3114"),  # the county before 2024
        ("Våler", "Østfold", "3114"),
        ("Baerum", None, "3201"),
        ("Vestland fylkeskommune", None, "46"),
        ("Troms - Romsa - Tromssa fylkeskommune", None, "55"),
        ("Oslo", None, "0301"),
    ],
)
def test_names_2024(g2024, name, county, expected):
    assert g2024.by_name(name, county).org_code == expected


def test_duplicate_names_need_county(g2024):
    with pytest.raises(GeographyError) as err:
        g2024.by_name("Våler")
    assert "ambiguous" in str(err.value)
    assert err.value.candidates == ["3114 Våler (kommune, Østfold)", "3419 Våler (kommune, Innlandet)"]


def test_county_that_does_not_fit_is_an_error(g2024):
    with pytest.raises(GeographyError) as err:
        g2024.by_name("Herøy", "Agder")
    assert "no org of that name in that county" in str(err.value)


def test_unknown_name_lists_close_candidates(g2024):
    with pytest.raises(GeographyError) as err:
        g2024.by_name("Lillestrom kommmune")
    assert any("Lillestrøm" in c for c in err.value.candidates)


def test_duplicate_names_in_2019():
    g = Geography(2019)
    for name in ("Sande", "Bø", "Nes", "Os", "Herøy", "Våler"):
        with pytest.raises(GeographyError):
            g.by_name(name)
    assert g.by_name("Sande", "Vestfold").org_code == "0713"
    assert g.by_name("Os", "Hordaland").org_code == "1243"
    assert g.by_name("Bø (Nordland)").org_code == "1867"


def test_crosswalk_table():
    cw = dim_crosswalk()
    k = cw[cw["org_type"] == "kommune"]
    assert len(k[k["from_year"] == 2019]) == 425 and len(k[k["from_year"] == 2020]) == 357
    assert set(k.loc[k["split"], "from_code"]) == {"1850", "5012", "1507"}
    counties = cw[(cw["org_type"] == "fylkeskommune") & (cw["from_year"] == 2020) & cw["split"]]
    assert set(counties["from_code"]) == {"30", "38", "54"}
