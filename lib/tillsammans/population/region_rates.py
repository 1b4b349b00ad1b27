"""A prepared region's yearly rates: survival and fertility with its level factors, out-migration rates."""

from __future__ import annotations

import numpy as np

from tillsammans.population import rates, schedules
from tillsammans.population.inputs import PopulationInputs
from tillsammans.population.levels import RegionModel


def base_rates(model: RegionModel, inputs: PopulationInputs, years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Survival ratios (T, 2, 101) and fertility rates (T, 101) of ``years`` with the region's level factors."""
    key = (int(years[0]), int(years[-1]))
    if key not in model.rates_cache:
        a = model.assumptions
        mx = schedules.national_mortality(inputs, years, a, as_of=model.as_of) * model.mortality_factor
        survival = rates.survival_ratios(mx)
        fert = schedules.national_fertility(inputs, years, a, as_of=model.as_of) * model.fertility_factor
        model.rates_cache[key] = (survival, fert)
    return model.rates_cache[key]


def out_rates(model: RegionModel, pop: np.ndarray) -> np.ndarray:
    """Age-specific out-rates whose population-weighted mean on ``pop`` equals the region's crude level."""
    rel = model.out_relative_rate
    start = rates.cohort_start(pop[None], pop[None, :, 0] * 0)[0]
    scale = start.sum() / max((rel * start).sum(), 1e-12)
    return np.clip(model.out_rate * rel * scale, 0.0, 1.0)
