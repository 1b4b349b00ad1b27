"""The public API of tillsammans.population on the real processed data: shapes, contracts, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tillsammans import population as pop
from tillsammans.municipalities import NETWORK, UnknownRegionError


@pytest.fixture(scope="module")
def inputs(processed_dir):
    return pop.load_inputs(processed_dir)


@pytest.fixture(scope="module")
def enkoping(inputs):
    return pop.project_population("0381", end_year=2040, inputs=inputs)


def test_projection_shape_and_jump_off_is_observed(enkoping, inputs):
    assert list(enkoping.columns) == ["year", "sex", "age", "population"]
    assert enkoping["year"].min() == 2019 and enkoping["year"].max() == 2040
    assert len(enkoping) == 22 * 2 * 101
    assert enkoping["population"].dtype == float
    assert (enkoping["population"] >= 0).all()
    jump = enkoping[enkoping.year == 2019].pivot(index="sex", columns="age", values="population")
    np.testing.assert_array_equal(jump.loc[["female", "male"]].to_numpy(), inputs.population("0381", 2019))
    # 2019 total = SCB single-age sum = Kolada n01951 (45 287 inhabitants).
    assert enkoping[enkoping.year == 2019].population.sum() == inputs.kolada_value("n01951", "0381", 2019)


def test_carried_through_years_follow_observed_components(enkoping, inputs):
    """2020–2022 use the observed births, deaths and migration: totals within 0.5 % of Kolada's."""
    totals = enkoping.groupby("year").population.sum()
    for year in (2020, 2021, 2022):
        observed = inputs.kolada_value("n01951", "0381", year)
        assert abs(totals[year] / observed - 1) < 0.005


def test_names_and_counties_resolve(inputs):
    by_name = pop.project_population("Enköping", end_year=2025, inputs=inputs)
    by_code = pop.project_population("0381", end_year=2025, inputs=inputs)
    pd.testing.assert_frame_equal(by_name, by_code)
    county = pop.project_population("03", end_year=2025, inputs=inputs)
    assert county.year.min() == 2015  # the county's latest single-age year in the mirror
    sweden = pop.project_population("00", end_year=2025, inputs=inputs)
    assert sweden.year.min() == 2020


def test_scenarios_order_as_expected(inputs):
    totals = {s: pop.project_population("0330", 2040, s, inputs=inputs).query("year == 2040").population.sum()
              for s in pop.SCENARIOS}
    assert totals["low_migration"] < totals["base"] < totals["high_migration"]
    # Mortality falling (base) leaves more people alive than constant mortality.
    assert totals["constant_mortality"] < totals["base"]
    assert set(pop.SCENARIOS) == {"base", "unreconciled", "high_migration", "low_migration",
                                  "zero_net_migration", "constant_mortality", "housing"}
    # One Swedish display name per scenario, defined once in the library.
    assert set(pop.SCENARIO_LABELS) == set(pop.SCENARIOS)
    assert len(set(pop.SCENARIO_LABELS.values())) == len(pop.SCENARIOS)


def test_components_table(inputs):
    comp = pop.projection_components("0381", 2030, inputs=inputs)
    assert set(comp.columns) == {"year", "component", "value", "kind"}
    assert set(comp.component) == {"births", "deaths", "in_migrants", "out_migrants", "net_migration"}
    projected = comp[comp.kind == "projected"]
    assert projected.year.min() == 2026 and projected.year.max() == 2030
    # 2023–2025: modelled components with the migration adjusted to SCB's totals.
    assert set(comp[comp.kind == "estimated"].year) == {2023, 2024, 2025}
    assert (projected.query("component != 'net_migration'").value >= 0).all()


def test_simulation_and_quantiles(inputs):
    sims = pop.simulate_population("0381", end_year=2030, n_sims=50, seed=1, inputs=inputs)
    assert list(sims.columns) == ["sim", "year", "sex", "age", "population"]
    assert len(sims) == 50 * 12 * 202
    again = pop.simulate_population("0381", end_year=2030, n_sims=50, seed=1, inputs=inputs)
    pd.testing.assert_frame_equal(sims, again)  # same seed, same paths
    q = pop.population_quantiles(sims, by=("year",))
    assert list(q.columns) == ["year", "quantile", "population"]
    wide = pop.population_quantiles(sims, by=("year",), wide=True).set_index("year")
    assert list(wide.columns) == ["q025", "q10", "q50", "q90", "q975"]  # the names plots.fan expects
    assert (wide["q025"] <= wide["q10"]).all() and (wide["q90"] <= wide["q975"]).all()
    # Years carried through with observed components are identical in every simulation.
    assert wide.loc[2022, "q025"] == pytest.approx(wide.loc[2022, "q975"])
    assert wide.loc[2030, "q975"] > wide.loc[2030, "q025"]
    # The deterministic projection lies inside the 95 % interval.
    det = pop.project_population("0381", 2030, inputs=inputs).groupby("year").population.sum()
    assert wide.loc[2030, "q025"] < det[2030] < wide.loc[2030, "q975"]
    groups = pop.age_groups(sims)
    gq = pop.population_quantiles(groups, by=("year", "age_group"))
    assert set(gq.age_group.astype(str)) == set(pop.SERVICE_AGE_GROUPS)


def test_indicators(enkoping):
    both = enkoping.groupby(["year", "age"], as_index=False)["population"].sum()
    dep = pop.dependency_ratio(both).set_index("year")
    y19 = both[both.year == 2019]
    young = y19[y19.age <= 19].population.sum()
    old = y19[y19.age >= 65].population.sum()
    work = y19[(y19.age >= 20) & (y19.age <= 64)].population.sum()
    assert dep.loc[2019, "dependency_ratio"] == pytest.approx((young + old) / work)
    share = pop.working_age_share(both, lower=20, upper=64).set_index("year")
    assert share.loc[2019, "working_age_share"] == pytest.approx(work / y19.population.sum())
    groups = pop.age_groups(enkoping)  # by sex: sex kept as a grouping
    assert set(groups.columns) == {"year", "sex", "age_group", "population", "share"}
    assert list(groups.age_group.cat.categories) == ["1–5", "6–15", "16–18", "19–64", "65–79", "80–89", "90+"]
    broad = pop.age_groups(both, pop.BROAD_AGE_GROUPS)
    np.testing.assert_allclose(broad.groupby("year").share.sum(), 1.0)  # 0–19, 20–64, 65–79, 80+ cover all


def test_assumptions_table():
    table = pop.assumptions_table()
    assert list(table.columns) == ["Antagande", "Värde", "Källa/motivering"]
    assert len(table) == len(pop.ASSUMPTION_NAMES)
    assert table["Källa/motivering"].str.len().min() > 20
    changed = pop.assumptions_table(window_years=5).set_index("Antagande")
    assert changed.loc["Period för flyttnivåer, år", "Värde"] == "5"


# --- bad input: clear errors naming the allowed range ------------------------------------------------


def test_end_year_before_jump_off(inputs):
    with pytest.raises(ValueError, match=r"allowed range 2020–2070"):
        pop.project_population("0381", end_year=2010, inputs=inputs)
    with pytest.raises(ValueError, match=r"allowed range 2020–2070"):
        pop.project_population("0381", end_year=2019, inputs=inputs)
    with pytest.raises(ValueError, match=r"allowed range"):
        pop.project_population("0381", end_year=2100, inputs=inputs)


def test_jump_off_without_data(inputs):
    with pytest.raises(ValueError, match=r"jump_off=1990.*allowed: 1995–2022"):
        pop.project_population("0381", jump_off=1990, inputs=inputs)
    with pytest.raises(ValueError, match=r"jump_off=2015 is after as_of=2010"):
        pop.project_population("0381", jump_off=2015, as_of=2010, inputs=inputs)


def test_synthesised_jump_off_keeps_kolada_groups(inputs):
    """A 2010 jump-off is Kolada's age groups by sex spread with the county's single-age shape."""
    frame = pop.project_population("0381", 2012, jump_off=2010, as_of=2010, inputs=inputs)
    y10 = frame[frame.year == 2010].groupby("age").population.sum()
    assert y10.sum() == pytest.approx(inputs.kolada_value("n01951", "0381", 2010), abs=1)
    assert y10.loc[0:5].sum() == pytest.approx(inputs.kolada_value("n01952", "0381", 2010), abs=0.5)
    assert y10.loc[80:].sum() == pytest.approx(inputs.kolada_value("n01957", "0381", 2010), abs=0.5)


def test_unknown_scenario_lists_allowed(inputs):
    with pytest.raises(ValueError, match=r"unknown scenario 'hög'; allowed: base, unreconciled, high_migration"):
        pop.project_population("0381", scenario="hög", inputs=inputs)


@pytest.mark.parametrize("n_sims", [0, 10**9, -5, 2.5])
def test_simulation_count_outside_range(inputs, n_sims):
    with pytest.raises(ValueError, match=r"allowed range 1–10 000"):
        pop.simulate_population("0381", n_sims=n_sims, inputs=inputs)


def test_unknown_assumption_and_bad_values(inputs):
    with pytest.raises(ValueError, match=r"unknown assumption\(s\) windw_years; allowed: window_years"):
        pop.project_population("0381", windw_years=5, inputs=inputs)
    with pytest.raises(ValueError, match=r"mortality_clamp"):
        pop.project_population("0381", mortality_clamp=(1.2, 0.8), inputs=inputs)
    with pytest.raises(ValueError, match=r"window_years must be an integer in 1..30"):
        pop.project_population("0381", window_years=0, inputs=inputs)


def test_unknown_region(inputs):
    with pytest.raises(UnknownRegionError):
        pop.project_population("0999", inputs=inputs)


def test_network_municipalities_all_project(inputs):
    for code in NETWORK:
        frame = pop.project_population(code, 2030, inputs=inputs)
        assert frame.population.notna().all() and (frame.population >= 0).all()


def test_carried_population_meets_kolada_age_groups_and_scb_totals(inputs):
    """The 2022 stock equals Kolada's age groups by sex (one-off alignment), 2023–2025 equal SCB's totals."""
    from tillsammans.population.agegroups import MIGRATION_AGE_GROUPS

    for code in NETWORK:
        frame = pop.project_population(code, 2030, inputs=inputs)
        y22 = frame[frame.year == 2022].groupby(["sex", "age"], observed=True).population.sum()
        for sex, gender_index in (("female", 0), ("male", 1)):
            for name, (lo, hi) in MIGRATION_AGE_GROUPS.items():
                from tillsammans.population.migration import observed_groups
                observed = observed_groups(inputs)[inputs.kolada_codes[code], 2022 - inputs.kolada_years[0]]
                i = list(MIGRATION_AGE_GROUPS).index(name)
                assert y22.loc[sex].loc[lo:hi].sum() == pytest.approx(observed[gender_index, i], abs=0.5)
        totals = frame.groupby("year").population.sum()
        for year in (2023, 2024, 2025):
            assert totals[year] == pytest.approx(inputs.recent_totals[code][year], abs=0.5)


def test_no_correction_is_carried_into_the_projection(inputs):
    """After the last observation every year's in-migrants are the level × the profile, with the international
    part replaced by the municipality's share of SCB's national net migration: no fitted additive term."""
    from tillsammans.population.national import scb_national
    from tillsammans.population.run import projection_schedules, run_projection

    for international in ("history", "scb"):
        model = pop.prepare_region("0319", None, 2040, inputs=inputs, international_migration=international)
        run = run_projection(model, inputs, 2040)
        start = run.population[0, model.last_observed - model.jump_off]
        sched = projection_schedules(model, inputs, start, model.last_observed + 1, 2040)
        expected = np.broadcast_to(model.in_level * model.in_profile, sched.in_counts.shape).copy()
        if international == "scb":
            scb = scb_national(inputs)
            rows = sched.years - int(scb.years[0])
            assert 0 < model.international_share < 0.01 and model.international_level > 0
            expected += (model.international_share * scb.net_migration[rows - 1]
                         - model.international_level * model.in_profile)
        np.testing.assert_allclose(sched.in_counts, expected)
    assert model.in_profile.sum() == pytest.approx(1.0)


def test_municipal_profile_moves_towards_the_observed_age_groups(inputs):
    """Älvkarleby's in-migrants, estimated from its own flows, are older than the national schedule's
    (the issue: the pooled profile put about half of them at 20–29)."""
    from tillsammans.population import schedules

    model = pop.prepare_region("0319", None, 2040, inputs=inputs)
    national, _ = schedules.migration_profiles(inputs, model.assumptions)
    own = model.in_profile.sum(axis=0)
    assert own[20:30].sum() < national.sum(axis=0)[20:30].sum()
    assert own[45:80].sum() > national.sum(axis=0)[45:80].sum()


def test_summaries(inputs):
    comp = pop.compare_regions(["0381", "03", "00"], 2030, inputs=inputs)
    assert set(comp.region_code) == {"0381", "03", "00"}
    assert comp.groupby("region_code").year.max().eq(2030).all()
    row = comp[(comp.region_code == "0381") & (comp.year == 2019)].iloc[0]
    assert row.population == inputs.kolada_value("n01951", "0381", 2019)
    table = pop.scenario_table("0381", 2030, years=[2030], inputs=inputs)
    assert list(table.scenario) == list(pop.SCENARIOS)
    assert table.description.str.len().min() > 10


def test_indicators_from_arrays_equal_the_frame_route_bit_for_bit(enkoping, inputs):
    """projected_indicators takes an array route for complete grids (issue 12); it must give the numbers of
    the frame route (the indicator functions on the both-sexes frame) exactly, for any pension age."""
    from tillsammans.population import summaries

    national = pop.national_projection(2050, from_year=2019, inputs=inputs).drop(columns="source")
    for frame in (enkoping, pop.project_population("0360", 2050, "housing", inputs=inputs), national):
        for pension_age in (65, 67):
            fast = pop.projected_indicators(frame, pension_age)
            # the frame route: the same frame with a column more (dropped when the sexes are added) takes it
            slow = pop.projected_indicators(frame.assign(region_code="x"), pension_age)
            assert summaries._indicators_from_grid(frame, pension_age) is not None
            pd.testing.assert_frame_equal(fast, slow[fast.columns], check_exact=True)


def test_compared_regions_are_kept_but_never_shared(inputs):
    """compare_regions keeps each region's indicators on the inputs; what a caller changes in one result
    must not reach the next."""
    first = pop.compare_regions(["0381", "03", "00"], 2030, inputs=inputs)
    expected = first.copy()
    first.loc[:, "population"] = -1.0
    again = pop.compare_regions(["0381", "03", "00"], 2030, inputs=inputs)
    pd.testing.assert_frame_equal(again, expected)


def test_yearly_quantiles_from_the_array_equal_the_grouped_route(inputs):
    """population_quantiles reads a simulate_population frame's yearly totals from its array (issue 12): the
    same quantiles, bit for bit, as grouping the frame (which any other layout takes)."""
    sims = pop.simulate_population("0319", 2032, n_sims=50, seed=3, inputs=inputs)
    for wide in (True, False):
        fast = pop.population_quantiles(sims, wide=wide)
        grouped = pop.population_quantiles(sims.assign(region_code="x"), wide=wide)  # another layout
        pd.testing.assert_frame_equal(fast, grouped, check_exact=True)
    from tillsammans.population.stochastic import _yearly_totals

    shuffled = sims.sample(frac=1.0, random_state=0)
    assert _yearly_totals(shuffled) is None  # not the model's layout: grouped, the same numbers to rounding
    pd.testing.assert_frame_equal(pop.population_quantiles(shuffled, wide=True),
                                  pop.population_quantiles(sims, wide=True))
