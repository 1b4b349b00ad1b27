"""Cooperation analysis on the real processed data: scale regression, distances, the network run, bad
input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tillsammans import cooperation as co
from tillsammans.cooperation import geography, scale
from tillsammans.municipalities import NETWORK, UnknownRegionError


@pytest.fixture(scope="module")
def panel(processed_dir):
    return scale.cost_panel()


@pytest.fixture(scope="module")
def fits(panel):
    return scale.fit_scale_models(panel, kpis=["n03067", "n05002", "u37009"])


def test_cost_panel_covers_all_290(panel):
    assert len(panel) == 290
    assert panel["population"].gt(0).all() and panel["land_km2"].gt(0).all()
    assert panel[["share_0_19", "share_65_79", "share_80"]].sum(axis=1).between(0.2, 0.7).all()


def test_scale_elasticity_finite_with_hc3(fits):
    table = scale.elasticity_table(fits).set_index("kpi")
    assert table.at["n03067", "n"] == 290
    assert np.isfinite(table[["elasticity", "se_hc3", "ci_low", "ci_high"]].to_numpy()).all()
    assert (table["se_hc3"] > 0).all()
    assert fits["n03067"].result.cov_type == "HC3"
    # Politics per inhabitant is the textbook fixed cost: clearly falling with size.
    assert table.at["n05002", "ci_high"] < 0


def test_diagnostics_and_network_effect(fits, panel):
    diag = scale.diagnostics_table(fits)
    assert diag[["bp_p", "jb_p"]].apply(lambda s: s.between(0, 1)).all().all()
    effect = scale.network_cost_effect(fits, panel, list(NETWORK)).set_index("kpi")
    for kpi in effect.index:
        lo, est, hi = effect.loc[kpi, ["effect_low", "effect", "effect_high"]]
        assert lo <= est <= hi


@pytest.fixture(scope="module")
def distances(processed_dir):
    return geography.distance_matrix(geography.centroids(list(NETWORK)))


def test_distance_matrix_symmetric_zero_diagonal(distances):
    d = distances.to_numpy()
    assert np.allclose(d, d.T)
    assert np.allclose(np.diag(d), 0)
    off = d[~np.eye(len(d), dtype=bool)]
    assert (off > 5).all() and (off < 200).all()  # all seven lie within Uppsala county


def test_enkoping_osthammar_distance_plausible(distances):
    # Straight line between the area centroids; the road trip between the towns is about 100–120 km.
    assert 80 <= distances.at["0381", "0382"] <= 110
    assert distances.at["0360", "0319"] < distances.at["0381", "0319"]  # Tierp is next to Älvkarleby


@pytest.mark.parametrize(
    ("codes", "error", "message"),
    [
        (["0381"], ValueError, "at least 2"),
        (["0381", "0381", "0331"], ValueError, "duplicate"),
        (["0381", "9999"], UnknownRegionError, "unknown region"),
    ],
)
def test_bad_network_rejected(processed_dir, codes, error, message):
    with pytest.raises(error, match=message):
        co.analyse(codes)


def test_bad_weights_rejected_before_any_work(processed_dir):
    with pytest.raises(ValueError, match="criteria"):
        co.analyse(list(NETWORK), weights={"vulnerability": 1.0, "cost": 1.0})


def test_bad_local_staff_rejected(processed_dir, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text("kommun_kod,funktion,arsarbetare\n0381,it,-3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="negative"):
        co.analyse(list(NETWORK), local_staff=str(path))


@pytest.fixture(scope="module")
def result(processed_dir):
    return co.analyse(list(NETWORK), as_of="2026-01-01")


def test_network_run(result):
    assert result.municipalities == list(NETWORK)
    vf = result.vulnerability_fn
    assert (vf["risk_pooled"] <= vf["risk_today"] + 1e-12).all()
    assert (vf["risk_today"] <= vf["risk_standalone"] + 1e-12).all()
    assert (result.staffing["staff_pooled"] <= result.staffing["staff_alone"]).all()
    scores = result.ranking[list(co.CRITERIA)]
    assert scores.apply(lambda s: s.between(0, 1)).all().all()
    assert list(result.ranking["rank"]) == list(range(1, len(result.ranking) + 1))
    assert result.explanation.count("**") >= 6
    assert set(result.assumptions.columns) == {"Antagande", "Värde", "Källa"}
    assert result.assumptions["Källa"].str.len().gt(0).all()
    # The existing IT board lowers today's IT risk below the all-standalone figure.
    it = vf.set_index("function").loc["it"]
    assert it["risk_today"] < it["risk_standalone"]


def test_weights_move_the_ranking_and_only_the_ranking(processed_dir, result):
    """All weight on vulnerability: the scores stay as they were, the totals become the vulnerability scores,
    and the first function is the one whose risk falls most from today's arrangements to one pool — read
    from the vulnerability table, not from the scores."""
    only = {k: (1.0 if k == "vulnerability" else 0.0) for k in co.CRITERIA}
    again = co.analyse(list(NETWORK), weights=only, as_of="2026-01-01")
    pd.testing.assert_frame_equal(again.scores, result.scores)  # weights are a valuation, not an input
    np.testing.assert_allclose(again.ranking["total"], again.ranking["vulnerability"])
    vf = again.vulnerability_fn.set_index("function")
    assert again.ranking.index[0] == (vf["risk_today"] - vf["risk_pooled"]).idxmax()
    assert list(again.ranking["total"]) == sorted(again.ranking["total"], reverse=True)
    # scaling every weight alike changes nothing (weights are normalised); another valuation reorders
    doubled = co.ranking.rank_functions(result.scores, {k: 2 * v for k, v in co.DEFAULT_WEIGHTS.items()})
    assert list(doubled.index) == list(result.ranking.index)
    assert list(again.ranking.index) != list(result.ranking.index)


# -- cooperation that follows the gap -----------------------------------------------------------------


def test_sector_gaps_add_up_to_the_workforce_model(processed_dir, result):
    """The network's gap per sector is the workforce model's: the sectors sum to each municipality's total."""
    from tillsammans import workforce

    per = co.gaps.sector_gaps(list(NETWORK))
    totals = workforce.network_comparison(list(NETWORK)).set_index("region_code")
    summed = per.groupby("region_code")[["staff_today", "staff_need", "gap"]].sum()
    np.testing.assert_allclose(summed["staff_today"], totals.loc[summed.index, "staff_today"], rtol=1e-9)
    np.testing.assert_allclose(summed["staff_need"], totals.loc[summed.index, "need_end"], rtol=1e-9)
    np.testing.assert_allclose(summed["gap"], totals.loc[summed.index, "gap_end"], rtol=1e-9, atol=1e-6)
    net = result.sector_gaps
    np.testing.assert_allclose(net["gap"].sum(), totals["gap_end"].sum(), rtol=1e-9)
    assert set(net.index) == set(workforce.SECTORS)


def test_ranking_follows_the_gap(processed_dir, result):
    """The workforce criterion is the scaled positive gap share of the function's sector: 1 for the sector
    with the largest relative shortage, 0 where the own population is likely to suffice."""
    scores = result.scores
    share = co.CATALOGUE["sector"].map(result.sector_gaps["gap_share"]).clip(lower=0)
    np.testing.assert_allclose(scores["workforce_gap"], share / share.max())
    worst = result.sector_gaps["gap_share"].idxmax()
    assert (scores.loc[co.CATALOGUE["sector"] == worst, "workforce_gap"] == 1.0).all()
    # all weight on the gap: the functions of the sectors with a shortage come first
    only = {k: (1.0 if k == "workforce_gap" else 0.0) for k in co.CRITERIA}
    ranked = co.ranking.rank_functions(scores, only)
    short = set(result.sector_gaps.index[result.sector_gaps["gap"] > 0])
    first = ranked.index[:len(co.CATALOGUE[co.CATALOGUE["sector"].isin(short)])]
    assert set(co.CATALOGUE.loc[first, "sector"]) <= short
    # the text says so
    assert "personalprognosen" in result.explanation


def test_curated_tables_in_swedish_with_named_hosts(processed_dir, result):
    from tillsammans.cooperation import legal

    english = (r"\b(?:inferred|superseded|other|evidence|unverified|dissolved|official|stated|otherwise|began|"
               r"briefens|yes|no|partly)\b")
    for table in (legal.existing_table(result.existing, names=result.names), legal.legal_form_table()):
        shown = table.drop(columns="Källa").astype(str)
        found = shown.apply(lambda c: c.str.contains(english, case=False, regex=True))
        assert not found.any().any(), shown[found.any(axis=1)].iloc[0].to_dict()
    hosts = legal.existing_table(result.existing, names=result.names)["Värdkommun"]
    assert not hosts.str.contains(r"\b\d{4}\b|\bR\d{2}\b").any(), hosts.tolist()
    assert {"Tierp", "Uppsala", "Sala", "Region Uppsala"} <= set(hosts.str.split(" ").str[0]) | set(hosts)
