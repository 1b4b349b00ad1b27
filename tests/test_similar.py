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
