"""The region registry: counts, the network, lookups by code and name, and helpful errors."""

import pytest

from tillsammans.municipalities import NETWORK, UnknownRegionError


def test_counts(registry):
    assert len(registry.municipalities()) == 290
    assert len(registry.codes("county")) == 21
    assert registry.codes("country") == ["00"]


def test_network_is_seven_municipalities_of_uppsala_county(registry):
    assert len(set(NETWORK)) == 7
    assert {registry.county_of(c) for c in NETWORK} == {"03"}
    assert [registry.name(c) for c in NETWORK] == [
        "Enköping", "Heby", "Håbo", "Knivsta", "Tierp", "Älvkarleby", "Östhammar"]
    assert registry.is_network("0319") and not registry.is_network("0380")


@pytest.mark.parametrize("text", ["0319", "Älvkarleby", "älvkarleby", "ALVKARLEBY", " alvkarleby "])
def test_resolve_code_or_name(registry, text):
    assert registry.resolve(text) == "0319"


def test_county_names(registry):
    assert registry.resolve("Uppsala län") == "03"
    assert registry.resolve("Region Uppsala") == "03"


def test_unknown_code_suggests_nearest(registry):
    with pytest.raises(UnknownRegionError, match=r"0319 Älvkarleby"):
        registry.resolve("0318")


def test_misspelt_name_suggests_nearest(registry):
    with pytest.raises(UnknownRegionError, match=r"0319 Älvkarleby"):
        registry.resolve("Alvkarlby")


def test_integer_code_is_refused_with_explanation(registry):
    with pytest.raises(UnknownRegionError, match="leading zero"):
        registry.resolve(319)


def test_level_mismatch(registry):
    with pytest.raises(UnknownRegionError, match="not a municipality"):
        registry.resolve("03", level="municipality")


def test_resolve_many_refuses_duplicates_and_short_lists(registry):
    assert registry.resolve_many("0381,Heby") == ["0381", "0331"]
    with pytest.raises(ValueError, match="duplicate"):
        registry.resolve_many(["0381", "Enköping"])
    with pytest.raises(ValueError, match="at least 2"):
        registry.resolve_many(["0381"], min_count=2)
