"""Demographic identities of the cohort-component engine, on SYNTHETIC inputs built here.

Every population and schedule in this file is made up by the test (labelled ``synthetic``); none of it is
data. The identities must hold for any inputs, so made-up ones test the engine without the data's noise.
"""

from __future__ import annotations

import numpy as np
import pytest

from tillsammans.population import engine, rates

T_AGES = np.arange(101)


def synthetic_mx() -> np.ndarray:
    """Synthetic Gompertz-like death rates (not data): low in childhood, doubling every ~8 years after 30."""
    base = 0.0002 + 0.00005 * np.exp(0.085 * T_AGES)
    base[0] = 0.003
    return np.stack([base, base * 1.3]).clip(max=0.9)


def synthetic_fertility() -> np.ndarray:
    """Synthetic fertility schedule (not data): a bell over ages 16–45, total fertility 1.9."""
    f = np.exp(-0.5 * ((T_AGES - 30) / 5.0) ** 2)
    f[(T_AGES < 16) | (T_AGES > 45)] = 0.0
    return f / f.sum() * 1.9


def synthetic_population(seed: int = 1) -> np.ndarray:
    """A synthetic, irregular population by sex and age (not data)."""
    rng = np.random.default_rng(seed)
    return rng.uniform(50, 150, size=(2, 101))


def schedules(T: int, survival: np.ndarray, fertility: np.ndarray, in_counts=None, out_rates=None,
              zero_net: bool = False) -> engine.Schedules:
    shape = np.full((2, 101), 1 / 202)
    return engine.Schedules(
        years=np.arange(1, T + 1),
        survival=np.broadcast_to(survival, (T, 2, 101)).copy(),
        fertility=np.broadcast_to(fertility, (T, 101)).copy(),
        boys_share=0.514,
        in_counts=np.zeros((T, 2, 101)) if in_counts is None else np.broadcast_to(in_counts, (T, 2, 101)).copy(),
        out_rates=np.zeros((T, 2, 101)) if out_rates is None else np.broadcast_to(out_rates, (T, 2, 101)).copy(),
        in_shape=shape, zero_net=zero_net)


def test_survival_ratios_in_unit_interval_for_synthetic_and_real_rates(processed_dir):
    from tillsammans.population import load_inputs

    s = rates.survival_ratios(synthetic_mx())
    assert ((s > 0) & (s <= 1)).all()
    inputs = load_inputs(processed_dir)
    s_real = rates.survival_ratios(inputs.national_mx)  # SCB 1969–2020
    assert ((s_real > 0) & (s_real <= 1)).all()
    # Survival of a 5-year pooled schedule falls with age from 60 to 90 (single years are noisy: female
    # survival rises from age 60 to 61 in 2013).
    pooled = rates.survival_ratios(inputs.national_mx[-6:-1].mean(axis=0))
    assert (np.diff(pooled[..., 60:91], axis=-1) < 0).all()


def test_life_table_matches_known_identities():
    lt = rates.life_table_arrays(synthetic_mx())
    np.testing.assert_allclose(lt["lx"][..., 0], 1.0)
    np.testing.assert_allclose(lt["Tx"][..., 0], lt["Lx"].sum(axis=-1))
    # Constant hazard 0.02 at every age: life expectancy at birth ≈ 1/0.02 = 50 years.
    flat = rates.life_table_arrays(np.full((2, 101), 0.02))
    assert flat["ex"][0, 0] == pytest.approx(50.0, rel=0.01)


def test_zero_mortality_zero_migration_shifts_every_cohort_by_one_year():
    pop0 = synthetic_population()
    sched = schedules(5, survival=np.ones((2, 101)), fertility=np.zeros(101))
    out = engine.run(pop0, sched)["population"][0]
    for t in range(5):
        np.testing.assert_allclose(out[t + 1][:, 1:100], out[t][:, 0:99], rtol=0, atol=1e-9)
        np.testing.assert_allclose(out[t + 1][:, 100], out[t][:, 99] + out[t][:, 100], atol=1e-9)
        np.testing.assert_allclose(out[t + 1][:, 0], 0.0)
    # And survival ratios from zero death rates are 1 (the open group within 1e-8).
    np.testing.assert_allclose(rates.survival_ratios(np.zeros((2, 101))), 1.0, atol=1e-8)


def test_closed_population_with_constant_rates_reaches_a_stable_age_structure():
    surv = rates.survival_ratios(synthetic_mx())
    f = synthetic_fertility()
    T = 2000
    shares = []
    growth = []
    for seed in (1, 2):  # two different (synthetic) starting populations
        out = engine.run(synthetic_population(seed), schedules(T, surv, f))["population"][0]
        totals = out.sum(axis=(1, 2))
        shares.append(out[-1] / totals[-1])
        growth.append(totals[-1] / totals[-2])
        # Stable: the age structure no longer changes, the growth rate is constant.
        np.testing.assert_allclose(out[-1] / totals[-1], out[-2] / totals[-2], atol=1e-10)
        assert totals[-1] / totals[-2] == pytest.approx(totals[-2] / totals[-3], rel=1e-10)
    # Ergodicity: the stable structure does not depend on where the population started.
    np.testing.assert_allclose(shares[0], shares[1], rtol=1e-7)
    assert growth[0] == pytest.approx(growth[1], rel=1e-10)


def test_births_non_negative_and_components_balance_the_totals():
    surv = rates.survival_ratios(synthetic_mx())
    rng = np.random.default_rng(3)
    in_counts = rng.uniform(0, 3, size=(2, 101))  # synthetic in-migrants
    out_rates = rng.uniform(0, 0.05, size=(2, 101))  # synthetic out-migration rates
    res = engine.run(synthetic_population(), schedules(20, surv, synthetic_fertility(), in_counts, out_rates))
    assert (res["births"] >= 0).all()
    totals = res["population"][0].sum(axis=(1, 2))
    change = (res["births"][0].sum(1) - res["deaths"][0].sum(1)
              + res["in_migrants"][0].sum(1) - res["out_migrants"][0].sum(1))
    np.testing.assert_allclose(np.diff(totals), change, rtol=1e-10)


def test_zero_net_migration_balances_in_and_out_exactly():
    surv = rates.survival_ratios(synthetic_mx())
    out_rates = np.full((2, 101), 0.03)  # synthetic
    res = engine.run(synthetic_population(), schedules(10, surv, synthetic_fertility(), out_rates=out_rates,
                                                       zero_net=True))
    np.testing.assert_allclose(res["in_migrants"].sum(axis=2), res["out_migrants"].sum(axis=2), rtol=1e-10)


def test_simulations_are_vectorised_and_a_unit_multiplier_changes_nothing():
    surv = rates.survival_ratios(synthetic_mx())
    sched = schedules(8, surv, synthetic_fertility())
    det = engine.run(synthetic_population(), sched)["population"]
    ones = np.ones((4, 8))
    sims = engine.run(synthetic_population(), sched, mortality_multiplier=ones, fertility_multiplier=ones,
                      in_shift=np.zeros((4, 8)), out_multiplier=ones)["population"]
    assert sims.shape == (4, 9, 2, 101)
    np.testing.assert_allclose(sims, np.broadcast_to(det, sims.shape), rtol=1e-12)


@pytest.mark.parametrize("bad", [np.nan, -0.1])
def test_bad_rates_are_rejected(bad):
    mx = synthetic_mx()
    mx[0, 40] = bad
    with pytest.raises(ValueError, match="allowed"):
        rates.survival_ratios(mx)
    surv = rates.survival_ratios(synthetic_mx())
    f = synthetic_fertility()
    f[30] = bad
    with pytest.raises(ValueError, match=r"fertility|NaN"):
        schedules(3, surv, f)
    with pytest.raises(ValueError, match="allowed"):
        rates.death_rates(np.array([1.0, bad]), np.array([10.0, 10.0]))
