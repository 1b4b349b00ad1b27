"""Projections that add up: SCB's national projection on the model's grid, the reconciliation of the 290
municipalities to it, international migration from SCB's assumption, and Sweden in the reports (issue 16)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from tillsammans import population as pop
from tillsammans.municipalities import NETWORK
from tillsammans.population import national, reconcile
from tillsammans.population.agegroups import BROAD_AGE_GROUPS


@pytest.fixture(scope="module")
def inputs(processed_dir):
    return pop.load_inputs(processed_dir)


@pytest.fixture(scope="module")
def scb(inputs):
    return national.scb_national(inputs)


def _synthetic_scb(first: int = 2026, last: int = 2050, top: int = 110):
    """Synthetic test data: a population linear in age and time on every cohort, and SCB-style mean populations
    by age attained (age 0 = half the year's cohort, 105 = 105+), no deaths, no births."""
    years = np.arange(first - 1, last + 2)
    ages = np.arange(top + 1)
    P = 2000.0 + 10.0 * (years[:, None] - first) - 15.0 * ages[None, :]  # (years, ages), positive everywhere
    P = np.repeat(P[:, None, :], 2, axis=1)
    M = np.zeros((last - first + 1, 2, 106))
    for i, t in enumerate(range(first, last + 1)):
        j = t - years[0]
        M[i, :, 0] = P[j, :, 0] / 2
        cohort = 0.5 * (P[j - 1, :, :-1] + P[j, :, 1:])  # attained ages 1..top
        M[i, :, 1:105] = cohort[:, :104]
        M[i, :, 105] = cohort[:, 104:].sum(axis=-1)
    fake = SimpleNamespace(
        scb_projection_years=np.arange(first, last + 1), scb_mean_population=M, scb_deaths=np.zeros_like(M),
        projected_years=np.arange(first, last + 1), projected_asfr=np.zeros((last - first + 1, 101)),
        boys_share=0.5, processed_dir="synthetic")
    folded = P[:, :, :101].copy()
    folded[:, :, 100] = P[:, :, 100:].sum(axis=-1)
    return fake, years, folded


def test_stocks_and_net_migration_recovered_exactly_from_linear_cohorts():
    """Known answer: with every cohort changing linearly, the stocks on 31 December are recovered exactly
    from the mean populations by age attained (also the first year backwards and the last forwards), and
    the residual net migration is the cohorts' yearly change. (Ages 0–99: the synthetic population's last
    cohort vanishes at its top age, which no linear world does; the open group is checked on SCB's data.)"""
    fake, years, truth = _synthetic_scb()
    derived = national._compute(fake)
    np.testing.assert_array_equal(derived.years, years[:-1])
    np.testing.assert_allclose(derived.population[..., :100], truth[:-1, :, :100], rtol=1e-12)
    # P(t, a) − P(t − 1, a − 1) = 10 − 15 for every cohort; age 0 is all net arrivals (no births here).
    np.testing.assert_allclose(derived.net_migration[:, :, 1:100], -5.0)
    np.testing.assert_allclose(derived.net_migration[:, :, 0], truth[1:-1, :, 0])


def test_scb_stocks_reproduce_scb_mean_population_and_the_observed_2025_total(inputs, scb):
    totals = scb.population.sum(axis=(1, 2))
    mean = inputs.scb_mean_population.sum(axis=(1, 2))
    np.testing.assert_allclose(0.5 * (totals[:-1] + totals[1:]), mean, rtol=1e-3)
    # SCB's projection for 2025 (made from 2023) against SCB's observed 2025 total: within 0.2 %.
    observed = inputs.recent_totals["00"][2025]
    assert scb.stock(2025).sum() == pytest.approx(observed, rel=2e-3)
    # The components add up to the change of the stock, and deaths are SCB's own.
    change = np.diff(totals)
    np.testing.assert_allclose(scb.births.sum(-1) - scb.deaths.sum((1, 2)) + scb.net_migration.sum((1, 2)), change)
    np.testing.assert_allclose(scb.deaths.sum((1, 2)), inputs.scb_deaths.sum((1, 2)))


def test_national_projection_frame_and_bad_end_year(inputs):
    frame = pop.national_projection(2040, inputs=inputs)
    assert list(frame.columns) == ["year", "sex", "age", "population", "source"]
    assert set(frame.loc[frame.year <= 2020, "source"]) == {"observed"}
    assert set(frame.loc[frame.year >= 2025, "source"]) == {"scb_projection"}
    assert frame.year.max() == 2040 and frame.groupby("year").size().eq(202).all()
    with pytest.raises(ValueError, match="allowed: 2025–2050"):
        pop.national_projection(2060, inputs=inputs)


def test_sum_of_the_290_equals_scb_within_a_tenth_of_a_percent_every_year(inputs, scb):
    """The issue's test: with reconciliation on (main scenario), each municipality projected on its own adds up
    to SCB's national projection — every year 2026–2050, in total and by sex and broad age group."""
    frame = pop.project_sum(inputs.registry.municipalities(), 2050, inputs=inputs)
    summed = frame.pivot_table(index="year", columns=["sex", "age"], values="population", observed=True)
    for year in range(2026, 2051):
        ours = summed.loc[year].to_numpy().reshape(2, 101)
        control = scb.stock(year)
        assert ours.sum() == pytest.approx(control.sum(), rel=1e-3), year
        for lo, hi in BROAD_AGE_GROUPS.values():
            np.testing.assert_allclose(ours[:, lo:hi + 1].sum(-1), control[:, lo:hi + 1].sum(-1), rtol=1e-3)
    # Without the reconciliation the parts do not add up (the test above could fail).
    loose = pop.project_sum(inputs.registry.municipalities(), 2040, "unreconciled", inputs=inputs)
    assert abs(loose[loose.year == 2040].population.sum() / scb.stock(2040).sum() - 1) > 5e-3


def test_start_alignment_keeps_totals_and_meets_the_national_age_structure():
    """Raking, known answers (synthetic): the 2025 stocks add up to the control's shape and keep their totals;
    already consistent stocks are left unchanged."""
    rng = np.random.default_rng(1)
    populations = rng.uniform(10, 100, size=(3, 2, 101))
    control = rng.uniform(10, 100, size=(2, 101))
    r, c = reconcile.align_start(populations, control)
    aligned = populations * r * c[:, None, None]
    np.testing.assert_allclose(aligned.sum(axis=(1, 2)), populations.sum(axis=(1, 2)))
    np.testing.assert_allclose(aligned.sum(axis=0), control / control.sum() * populations.sum(), rtol=1e-8)
    r, c = reconcile.align_start(populations, populations.sum(axis=0) * 7.0)
    np.testing.assert_allclose(r, 1.0)
    np.testing.assert_allclose(c, 1.0)


def test_international_shares_distribute_scb_net_migration(inputs, scb):
    models = [pop.prepare_region(c, None, 2030, inputs=inputs) for c in inputs.registry.municipalities()]
    assert sum(m.international_share for m in models) == pytest.approx(1.0)
    # 2018–2022: 56 296 international net migrants a year, against SCB's −6 465 in 2026 and 35 604 in 2040.
    assert sum(m.international_level for m in models) == pytest.approx(56296.0, rel=1e-6)
    assert scb.net_migration[2040 - 2026].sum() == pytest.approx(35604, abs=1)


def test_scenarios_keep_the_main_reconciliation(inputs):
    """A scenario is a municipality's deviation: it adds the main projection's reconciliation persons, and
    the unreconciled and zero-net-migration scenarios add none."""
    from tillsammans.population.reconcile import applies, reconciliation_for

    base = pop.prepare_region("0330", None, 2040, inputs=inputs)
    high = pop.prepare_region("0330", None, 2040, "high_migration", inputs=inputs)
    years = np.arange(2026, 2041)
    np.testing.assert_array_equal(reconciliation_for(high, inputs).added(high, years),
                                  reconciliation_for(base, inputs).added(base, years))
    assert applies(base) and applies(high)
    for name in ("unreconciled", "zero_net_migration"):
        assert not applies(pop.prepare_region("0330", None, 2040, name, inputs=inputs))
    totals = {s: pop.project_population("0330", 2040, s, inputs=inputs).query("year == 2040").population.sum()
              for s in ("base", "unreconciled")}
    assert totals["base"] != pytest.approx(totals["unreconciled"], rel=1e-3)


def test_riket_is_scb_and_a_county_is_the_sum_of_its_municipalities(inputs):
    comp = pop.compare_regions(["0381", "03", "00"], 2040, inputs=inputs)
    sweden = comp[comp.region_code == "00"].set_index("year")
    scb = pop.projected_indicators(pop.national_projection(2040, inputs=inputs).drop(columns="source"))
    assert sweden.loc[2040, "dependency_ratio"] == pytest.approx(scb.set_index("year").loc[2040, "dependency_ratio"])
    assert sweden.loc[2040, "source"] == "scb_projection" and sweden.loc[2019, "source"] == "observed"
    assert np.isnan(sweden.loc[2022, "dependency_ratio"])  # no single ages for Sweden 2021–2024
    county = comp[comp.region_code == "03"].set_index("year")["population"]
    members = [c for c in inputs.registry.municipalities() if inputs.registry.county_of(c) == "03"]
    summed = pop.project_sum(members, 2040, inputs=inputs).groupby("year").population.sum()
    np.testing.assert_allclose(county.to_numpy(), summed.to_numpy())


def test_national_comparison_table(inputs):
    table = pop.national_comparison(inputs=inputs)
    assert table.year.min() == 2025 and table.year.max() == 2050
    assert table.loc[table.year >= 2026, "reconciled_pct"].abs().max() < 0.1
    # 2025: the 290 carried to SCB's observed totals (each within a fraction of a person; 29 in all).
    assert table.loc[table.year == 2025, "sum_reconciled"].item() == pytest.approx(inputs.recent_totals["00"][2025],
                                                                                  abs=100)


def test_bad_control_and_network_reconciled(inputs):
    with pytest.raises(ValueError, match="allowed: forecast, observed"):
        reconcile.reconciliation(inputs, control="guess")
    with pytest.raises(ValueError, match="allowed: forecast, observed"):
        pop.backtest_municipalities(inputs, codes=["0319"], control="guess")
    for code in NETWORK:
        model = pop.prepare_region(code, None, 2040, inputs=inputs)
        assert reconcile.applies(model)
