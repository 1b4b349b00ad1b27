"""Structurally similar municipalities (tillsammans.similar) on the real processed data."""

import numpy as np
import pytest

from tillsammans.data import kolada
from tillsammans.municipalities import UnknownRegionError
from tillsammans.similar import FEATURES, similar_municipalities, standardised, structural_features


@pytest.fixture(scope="module")
def features():
    return structural_features()


def test_features_complete_and_from_kolada(features):
    assert len(features) == 290
    assert list(features.columns) == list(FEATURES)
    year = features.attrs["years"]["population"]
    official = kolada(["n01951"], regions=["0381"]).set_index("year")["value"]
    assert features.loc["0381", "population"] == official[year]
    assert ((features[["share_0_19", "share_65_79", "share_80"]] > 0).all().all())
    assert (features[["share_0_19", "share_65_79", "share_80"]].sum(axis=1) < 100).all()


def test_standardised_has_zero_mean_unit_sd(features):
    z = standardised(features)
    np.testing.assert_allclose(z.mean(), 0, atol=1e-9)
    np.testing.assert_allclose(z.std(ddof=0), 1, atol=1e-9)


def test_self_first_and_neighbours_ordered(features):
    table = similar_municipalities("Tierp", n=5, features=features)
    assert table.loc[0, "region_code"] == "0360" and table.loc[0, "distance"] == 0
    assert table["distance"].is_monotonic_increasing
    assert len(table) == 6 and table["region_code"].is_unique


def test_distance_is_symmetric(features):
    a = similar_municipalities("0319", n=289, features=features).set_index("region_code")["distance"]
    b = similar_municipalities("0381", n=289, features=features).set_index("region_code")["distance"]
    assert a["0381"] == pytest.approx(b["0319"])


def test_bad_input(features):
    with pytest.raises(ValueError, match="1–289"):
        similar_municipalities("0319", n=0, features=features)
    with pytest.raises(ValueError, match="1–289"):
        similar_municipalities("0319", n=290, features=features)
    with pytest.raises(UnknownRegionError):
        similar_municipalities("0318", features=features)


def test_comparison_with_similar_municipalities(processed_dir):
    """The report's comparison: the municipality first, its five neighbours, observed and projected figures
    that agree with the models they come from."""
    from tillsammans import population, workforce
    from tillsammans.plots import comparison

    table = comparison.similar_comparison("0360", n=5, workforce=True)
    assert len(table) == 6 and table.at[0, "region_code"] == "0360" and table.at[0, "distance"] == 0
    assert table["distance"].is_monotonic_increasing
    codes = list(table["region_code"])
    regions = population.compare_regions(codes, table.attrs["end_year"])
    end = regions[regions["year"] == table.attrs["end_year"]].set_index("region_code")
    start = regions[regions["year"] == table.attrs["latest"]].set_index("region_code")
    expected = end["population"] / start["population"] - 1
    np.testing.assert_allclose(table.set_index("region_code")["population_change"], expected.loc[codes])
    staff = workforce.network_comparison(codes).set_index("region_code")
    np.testing.assert_allclose(table.set_index("region_code")["gap_per_1000_end"], staff.loc[codes, "gap_per_1000_end"])
    assert table["staff_per_1000"].between(30, 200).all()  # municipal staff per 1 000 inhabitants
    labels = comparison.comparison_labels(table)
    assert "20–64 år" in labels["working_age_change"]
    features = comparison.features_table(table.attrs["features"])
    assert len(features.columns) == 2 + len(FEATURES)
