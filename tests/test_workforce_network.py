"""Tests of the network's joint intervals, the population-calibration sensitivity and the backtest's error
measures (issue 9, second part).

Frames built by a test are SYNTHETIC and labelled so; the network runs read the real processed tables.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from tillsammans import population
from tillsammans import workforce as wf
from tillsammans.population.stochastic import draw_deviations

SMALL = ["0319", "0331"]  # Älvkarleby and Heby: the two smallest of the seven (fast)


# -- joint population paths ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def inputs(processed_dir):
    return population.load_inputs(processed_dir)


def _national_only(model):
    """The model with every local deviation switched off: only Sweden's and the county's random walks left."""
    v = dict(model.variation)
    for key in ("births", "deaths", "net_migrants", "migration_noise"):
        v[key] = 0.0
    v["composition"] = np.zeros_like(np.asarray(v.get("composition", ()), dtype=float))
    return dataclasses.replace(model, variation=v)


def test_common_seed_shares_national_and_county_shocks_only(inputs):
    """Two municipalities of one county with the same common_seed: identical national and county shocks
    path by path; their own (local) deviations still differ; a different common_seed changes the shared
    part."""
    a = population.prepare_region("0319", None, 2040, "base", inputs)
    b = population.prepare_region("0331", None, 2040, "base", inputs)
    da = draw_deviations(_national_only(a), 50, 15, seed=1, common_seed=7)
    db = draw_deviations(_national_only(b), 50, 15, seed=2, common_seed=7)
    assert a.variation["fertility_trend"] > 0 and a.variation["mortality_regional"] > 0
    np.testing.assert_allclose(da["fertility"], db["fertility"])
    np.testing.assert_allclose(da["mortality"], db["mortality"])
    other = draw_deviations(_national_only(b), 50, 15, seed=2, common_seed=8)
    assert not np.allclose(da["fertility"], other["fertility"])
    full_a = draw_deviations(a, 50, 15, seed=1, common_seed=7)
    full_b = draw_deviations(b, 50, 15, seed=2, common_seed=7)
    assert not np.allclose(full_a["in_shift"] / a.variation["net_migrants"],
                           full_b["in_shift"] / b.variation["net_migrants"])


def test_without_common_seed_the_stream_is_unchanged(inputs):
    """common_seed=None keeps the single-seed stream, so every existing report keeps its paths."""
    old = population.simulate_run("0319", 2030, n_sims=20, seed=5, inputs=inputs).population
    new = population.simulate_run("0319", 2030, n_sims=20, seed=5, inputs=inputs, common_seed=None).population
    np.testing.assert_array_equal(old, new)


@pytest.fixture(scope="module")
def joint_runs(processed_dir):
    return {joint: wf.network_results(SMALL, 2035, n_sims=300, joint=joint, local=None,
                                      processed_dir=processed_dir) for joint in wf.JOINT}


def test_network_total_is_the_sum_and_its_interval_is_not(joint_runs):
    results = joint_runs["shared"]
    total = wf.network_total(results)
    end = total[total["year"] == 2035].set_index("output")
    assert end.loc["gap", "central"] == pytest.approx(sum(r.key_figures()["gap_end"] for r in results.values()))
    assert end.loc["recruitment_need", "central"] == pytest.approx(
        sum(r.key_figures()["cum_recruitment_need"] for r in results.values()))
    for output in ("staff_need", "recruitment_need", "gap"):
        row = end.loc[output]
        assert row["q025"] <= row["q10"] <= row["q50"] <= row["q90"] <= row["q975"]
    # with nothing shared the network's interval is narrower than the sum of the municipalities' intervals
    independent = wf.network_total(joint_runs["independent"])
    ind = independent[(independent["year"] == 2035) & (independent["output"] == "gap")].iloc[0]
    widths = sum(r.key_figures()["gap_end_q90"] - r.key_figures()["gap_end_q10"]
                 for r in joint_runs["independent"].values())
    assert ind["q90"] - ind["q10"] < 0.9 * widths


def test_shared_paths_lie_between_the_bounds(joint_runs):
    """Perfectly correlated paths ('common') give the widest network interval, independent ones the
    narrowest; the production choice ('shared') lies between."""
    width = {}
    for joint, results in joint_runs.items():
        total = wf.network_total(results)
        gap = total[(total["year"] == 2035) & (total["output"] == "staff_need")].iloc[0]
        width[joint] = gap["q90"] - gap["q10"]
    assert width["independent"] < width["shared"] < width["common"]


def test_network_input_errors(processed_dir):
    with pytest.raises(ValueError, match=r"joint must be one of shared, common, independent; got 'magic'"):
        wf.network_results(SMALL, joint="magic", processed_dir=processed_dir)
    with pytest.raises(ValueError, match="distinct"):
        wf.network_results(["0319", "0319"], processed_dir=processed_dir)
    with pytest.raises(ValueError, match="n_sims must be an integer >= 2"):
        wf.network_workforce(SMALL, n_sims=1, processed_dir=processed_dir)
    assert wf.municipal_seed(10, "0381") == 391


# -- population calibration choices ------------------------------------------------------------------------


def test_population_sensitivity_identities(processed_dir):
    variants = {"window_9_years": {"window_years": 9}, "pure_projection_from_2019": {"observed_components": False}}
    table = wf.population_sensitivity(SMALL, 2035, variants=variants, local=None, processed_dir=processed_dir,
                                      cache=False)
    assert list(table["variant"].unique()) == ["main", *variants]
    main = table[(table["variant"] == "main")].set_index("region_code")
    for code in SMALL:
        pop = population.project_population(code, 2035, processed_dir=processed_dir)
        gap = wf.workforce(code, pop, local=None, processed_dir=processed_dir).key_figures()["gap_end"]
        assert main.loc[code, "gap"] == pytest.approx(gap)
    assert (main["gap_change"] == 0).all()
    totals = table[table["region_code"] == "total"].set_index("variant")["gap"]
    parts = table[table["region_code"] != "total"].groupby("variant")["gap"].sum()
    pd.testing.assert_series_equal(totals.sort_index(), parts.sort_index(), check_names=False)
    # a pure projection from 2019 uses other population data from 2020 on, so the gap differs
    pure = table[(table["variant"] == "pure_projection_from_2019") & (table["region_code"] != "total")]
    assert (pure["gap_change"].abs() > 0).all()


@pytest.mark.parametrize("assumptions", [{}, {"turnover": 0.04, "productivity": 0.004, "retirement_age": 66.5}])
def test_light_path_gives_exactly_the_key_figures_of_workforce(processed_dir, assumptions):
    """population_sensitivity reads the central run only (prepare_staff → prepare → central_run →
    CentralRun.key_figures, from the arrays); for two municipalities it equals the full workforce()'s key figures
    bit for bit, also with the staff side prepared once and reused for another population."""
    for code in SMALL:
        pop = population.project_population(code, 2037, processed_dir=processed_dir)
        full = wf.workforce(code, pop, local=None, processed_dir=processed_dir, **assumptions).key_figures()
        staff = wf.prepare_staff(code, local=None, processed_dir=processed_dir, **assumptions)
        other = population.project_population(code, 2037, processed_dir=processed_dir, window_years=9)
        wf.central_run(wf.prepare(code, other, processed_dir=processed_dir, staff_inputs=staff, **assumptions)[0],
                       other, wf.make_assumptions(**assumptions))  # the staff side is not changed by a run
        prepared = wf.prepare(code, pop, processed_dir=processed_dir, staff_inputs=staff, **assumptions)[0]
        light = wf.central_run(prepared, pop, wf.make_assumptions(**assumptions)).key_figures()
        assert light == full
    table = wf.population_sensitivity(SMALL, 2037, variants={}, local=None, processed_dir=processed_dir,
                                      cache=False, **assumptions).set_index("region_code")
    for code in SMALL:
        pop = population.project_population(code, 2037, processed_dir=processed_dir)
        k = wf.workforce(code, pop, local=None, processed_dir=processed_dir, **assumptions).key_figures()
        assert (table.loc[code, "staff_need"], table.loc[code, "recruitment_need"], table.loc[code, "gap"]) == (
            k["need_end"], k["cum_recruitment_need"], k["gap_end"])


def test_key_figures_from_arrays_equal_those_from_the_tables_across_municipalities(processed_dir):
    """CentralRun.key_figures (arrays) and the tidy tables' key figures (what the reports show) agree bit for bit
    for municipalities of every size, a changed population choice and another end year."""
    from tillsammans.municipalities import registry

    codes = list(registry().regions.query("level == 'municipality'").index)[::29]
    a = wf.make_assumptions()
    for code in codes:
        staff = wf.prepare_staff(code, local=None, processed_dir=processed_dir)
        for end_year, changes in ((2040, {}), (2046, {"window_years": 9})):
            pop = population.project_population(code, end_year, processed_dir=processed_dir, **changes)
            prepared = wf.prepare(code, pop, processed_dir=processed_dir, staff_inputs=staff)[0]
            run = wf.central_run(prepared, pop, a)
            light = run.key_figures()
            tables = wf.workforce(code, pop, local=None, processed_dir=processed_dir).key_figures()
            assert light == tables, (code, end_year, changes)
            assert light["gap_end"] == run.gap.loc[run.gap["year"] == end_year, "gap"].item()


def test_network_comparison_without_simulations_equals_the_whole_model(processed_dir):
    """Without simulations network_comparison runs only the central projection (no levers, qualifications);
    its table is compare() of the whole model's results, bit for bit, also with changed assumptions."""
    codes = ["0319", "0360", "2480"]
    for assumptions in ({}, {"turnover": 0.05, "retirement_age": 66.0, "commuting": False}):
        light = wf.network_comparison(codes, 2038, local=None, processed_dir=processed_dir, cache=False,
                                      **assumptions)
        results = {c: wf.workforce(c, population.project_population(c, 2038, processed_dir=processed_dir),
                                   local=None, processed_dir=processed_dir, **assumptions) for c in codes}
        pd.testing.assert_frame_equal(light, wf.compare(results), check_exact=True)


def test_network_run_without_details_gives_the_same_figures(processed_dir):
    """The network's joint run leaves out levers, tornado and qualified-staff shortfall (details=False); the key
    figures, intervals and path sums it reads are those of the whole model, bit for bit."""
    lean = wf.network_results(SMALL, 2034, n_sims=200, local=None, processed_dir=processed_dir, details=False)
    full = wf.network_results(SMALL, 2034, n_sims=200, local=None, processed_dir=processed_dir)
    for code in SMALL:
        assert lean[code].levers is None and lean[code].shortfall is None and lean[code].tornado is None
        assert full[code].levers is not None and full[code].tornado is not None
    pd.testing.assert_frame_equal(wf.compare(lean), wf.compare(full), check_exact=True)
    pd.testing.assert_frame_equal(wf.network_total(lean), wf.network_total(full), check_exact=True)


def test_staff_inputs_of_another_municipality_are_an_error(processed_dir):
    staff = wf.prepare_staff("0319", local=None, processed_dir=processed_dir)
    pop = population.project_population("0331", 2030, processed_dir=processed_dir)
    with pytest.raises(ValueError, match="staff_inputs are of 0319"):
        wf.prepare("0331", pop, processed_dir=processed_dir, staff_inputs=staff)


def test_default_population_variants_are_the_population_models_own_choices():
    names = set(population.ASSUMPTION_NAMES) | {"jump_off"}
    for variant, changes in wf.POPULATION_VARIANTS.items():
        assert set(changes) <= names, variant
    assert {"window_years", "profile_credibility", "align_age_groups", "align_recent_totals",
            "observed_components", "jump_off"} <= {k for c in wf.POPULATION_VARIANTS.values() for k in c}


def test_unknown_population_variant_is_an_error(processed_dir):
    with pytest.raises(ValueError, match="unknown"):
        wf.population_sensitivity(SMALL, 2030, variants={"x": {"migration_windoww": 3}}, local=None,
                                  processed_dir=processed_dir, cache=False)


# -- the tornado needs no staff flows ---------------------------------------------------------------------


def test_tornado_central_is_the_main_gap(joint_runs):
    for result in joint_runs["shared"].values():
        assert result.tornado.attrs["central"] == pytest.approx(result.key_figures()["gap_end"])
        turnover = result.tornado.set_index("assumption").loc["turnover"]
        assert turnover["swing"] == 0  # turnover changes gross recruitment, not need or supply


# -- backtest error measures (SYNTHETIC frames) ----------------------------------------------------------------


def test_series_breaks_known_answers():
    assert wf.series_breaks([100, 110, 99, 120]).tolist() == [False] * 4
    assert wf.series_breaks([600, 610, 34, 38]).tolist() == [False, False, True, True]  # Höganäs-like 2017
    assert wf.series_breaks([60, np.nan, 121, 150]).tolist() == [False, False, True, True]  # ×2 across a gap
    assert wf.series_breaks([5, 0, 0]).tolist() == [False, True, True]
    assert wf.series_breaks([100, 149, 100]).tolist() == [False, False, False]  # below the factor 1.5


def test_backtest_error_measures_known_answers():
    """SYNTHETIC backtest rows: one large municipality predicted 10 % too high, one tiny one whose own staff
    collapsed (a break): the mean is dominated by the tiny one, the median and the staff-weighted error are
    not, and the mean without breaks is the large one's error."""
    frame = pd.DataFrame({
        "region_code": ["A", "B"], "jump_off": 2012, "year": 2022, "horizon": 10, "series": "vard_omsorg",
        "observed": [1000.0, 10.0], "model": [1100.0, 500.0], "constant_staff": [1000.0, 400.0],
        "constant_per_inhabitant": [1050.0, 420.0], "break": [False, True]})
    e = wf.backtest_errors(frame).set_index("method")
    assert e.loc["model", "mape"] == pytest.approx((10 + 4900) / 2)
    assert e.loc["model", "median_ape"] == pytest.approx((10 + 4900) / 2)  # two rows: the middle of both
    assert e.loc["model", "wape"] == pytest.approx(100 * (100 + 490) / 1010)
    assert e.loc["model", "mape_no_break"] == pytest.approx(10.0)
    assert e.loc["model", "bias_no_break"] == pytest.approx(10.0)
    assert e.loc["constant_staff", "mape_no_break"] == pytest.approx(0.0)
    assert (e["n_break"] == 1).all() and (e["n"] == 2).all()
    drivers = wf.backtest_drivers(frame, top=2)
    assert drivers["region_code"].tolist() == ["B", "A"]
    assert drivers["share_of_mean"].sum() == pytest.approx(1.0)
    assert drivers.loc[0, "staff_at_jump_off"] == 400.0 and bool(drivers.loc[0, "break"])
    with pytest.raises(ValueError, match="unknown method"):
        wf.backtest_drivers(frame, method="oracle")


def test_paths_as_arrays_give_the_results_of_the_frame(inputs):
    """simulate_ages + workforce(sim_ages=…) (the network's route, issue 12) equals simulate_population +
    workforce(sim_population=…) exactly: intervals, tornado and per-path arrays."""
    pop = population.project_population("0319", 2035, inputs=inputs)
    frame = population.simulate_population("0319", 2035, n_sims=60, seed=7, common_seed=3, inputs=inputs)
    years, persons = population.simulate_ages("0319", 2035, n_sims=60, seed=7, common_seed=3, inputs=inputs)
    assert persons.shape == (60, len(years), 101)
    by_frame = wf.workforce("0319", pop, frame, seed=11)
    by_arrays = wf.workforce("0319", pop, sim_ages=(years, persons), seed=11)
    assert by_arrays.key_figures() == by_frame.key_figures()
    pd.testing.assert_frame_equal(by_arrays.intervals, by_frame.intervals, check_exact=True)
    pd.testing.assert_frame_equal(by_arrays.tornado, by_frame.tornado, check_exact=True)
    for name, value in by_frame.paths.items():
        np.testing.assert_array_equal(by_arrays.paths[name], value)
    with pytest.raises(ValueError, match="once"):
        wf.workforce("0319", pop, frame, sim_ages=(years, persons))
    with pytest.raises(ValueError, match="101 ages"):
        wf.workforce("0319", pop, sim_ages=(years, persons[:, :, :50]))
