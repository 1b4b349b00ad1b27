"""From the jump-off to the latest observation: observed components, observed age groups, latest totals.

1. :func:`carry_through` — the years with Kolada's components (2020–2022 from a 2019 jump-off): the model's
   age/sex patterns with the observed totals of births, deaths, in- and out-migrants.
2. :func:`align_age_groups` — at the last of those years the population is scaled within each Kolada age
   group and sex to the observed stock (0–5, 6–15, 16–19, 20–44, 45–64, 65–79, 80+). A one-off alignment of
   the stock; nothing is carried forward.
3. :func:`carry_to_totals` — the years after Kolada's components that have SCB's total (2023–2025): one model
   step each, and the difference to SCB's total added as migration with the in-migrants' age profile
   (births and deaths are well predicted one year ahead; migration carries almost all of the error).
   SCB's 2025 total carries cell-key noise of a few persons, immaterial here.
"""

from __future__ import annotations

import numpy as np

from tillsammans.population import engine, rates
from tillsammans.population.agegroups import MIGRATION_AGE_GROUPS
from tillsammans.population.inputs import PopulationInputs
from tillsammans.population.levels import RegionModel
from tillsammans.population.migration import observed_groups
from tillsammans.population.region_rates import base_rates, out_rates

COMPONENTS = ("births", "deaths", "in_migrants", "out_migrants")


def _empty(T: int) -> dict[str, np.ndarray]:
    return {"population": np.empty((1, T + 1, 2, 101)), **{k: np.empty((1, T, 2)) for k in COMPONENTS}}


def carry_through(model: RegionModel, inputs: PopulationInputs) -> dict[str, np.ndarray]:
    """Carry the jump-off population through the observed years with the observed component totals.

    Returns ``population`` (1, T + 1, 2, 101) from the jump-off and the components (1, T, 2).
    """
    years = np.array(model.observed_years, dtype=int)
    T = len(years)
    result = _empty(T)
    pop = model.pop0[None].astype(float)
    result["population"][:, 0] = pop
    if T == 0:
        return result
    survival, fert = base_rates(model, inputs, years)
    obs = model.observed
    for t, year in enumerate(years):
        y = int(year)
        out_base = out_rates(model, pop[0])
        inc = obs["in_migrants"][y] * model.in_profile
        start = rates.cohort_start(pop, np.zeros((1, 2)))
        start[0, :, 0] = obs["births"][y] * np.array([1 - model.boys_share, model.boys_share])
        out_mult = obs["out_migrants"][y] / max(float((start[0] * out_base).sum()), 1e-9)
        o = np.clip(out_base * out_mult, 0.0, 1.0)
        # Births are exact after one pass, deaths (nearly linear in the multiplier) after two.
        m_mult, f_mult = 1.0, 1.0
        for _ in range(2):
            res = engine.step(pop, survival[t] ** m_mult, fert[t] * f_mult, model.boys_share, inc, o,
                              model.in_profile)
            births, deaths = res.births.sum(), res.deaths.sum()
            f_mult *= obs["births"][y] / births if births > 0 else 1.0
            m_mult *= obs["deaths"][y] / deaths if deaths > 0 else 1.0
        res = engine.step(pop, survival[t] ** m_mult, fert[t] * f_mult, model.boys_share, inc, o, model.in_profile)
        pop = res.population
        result["population"][:, t + 1] = pop
        for key in COMPONENTS:
            result[key][:, t] = getattr(res, key)
    return result


def align_age_groups(model: RegionModel, inputs: PopulationInputs, pop: np.ndarray, year: int) -> np.ndarray:
    """``pop`` (2, 101) scaled within each Kolada age group and sex to the observed stock of ``year``.

    Returns ``pop`` unchanged when the groups are not all observed (or ``year`` is after ``as_of``).
    """
    if model.as_of is not None and year > model.as_of:
        return pop
    row = inputs.kolada_codes.get(model.code)
    j = int(year - inputs.kolada_years[0])
    if row is None or not 0 <= j < len(inputs.kolada_years):
        return pop
    observed = observed_groups(inputs)[row, j]  # (2, 7)
    groups = dict(MIGRATION_AGE_GROUPS)
    if not np.isfinite(observed[..., 4]).all():
        groups = {k: v for k, v in groups.items() if k != "45–64"}
        groups["20–44"] = (20, 64)
        observed = observed[..., [0, 1, 2, 3, 5, 6]]
    if not np.isfinite(observed).all():
        return pop
    out = pop.copy()
    for i, (lo, hi) in enumerate(groups.values()):
        current = out[:, lo:hi + 1].sum(axis=-1)
        scale = np.where(current > 0, observed[:, i] / np.where(current > 0, current, 1.0), 1.0)
        out[:, lo:hi + 1] *= scale[:, None]
    return out


def carry_to_totals(model: RegionModel, inputs: PopulationInputs, pop: np.ndarray, years: list[int]
                    ) -> dict[str, np.ndarray]:
    """Project ``pop`` one year at a time through ``years`` and meet SCB's total of each year.

    The difference between SCB's total and the model's is added to (or taken from) the in-migrants, by the
    in-migrants' age profile. Returns ``population`` (1, T + 1, 2, 101) from ``pop`` and the components.
    """
    T = len(years)
    result = _empty(T)
    current = pop[None].astype(float)
    result["population"][:, 0] = current
    if T == 0:
        return result
    arr = np.array(years)
    survival, fert = base_rates(model, inputs, arr)
    in_counts, o = _migration_schedule(model, current[0])
    for t, y in enumerate(years):
        res = engine.step(current, survival[t], fert[t], model.boys_share, in_counts, o, model.in_profile)
        gap = model.totals[y] - float(res.population.sum())
        adjustment = gap * model.in_profile * np.sqrt(survival[t])
        current = np.maximum(res.population + adjustment, 0.0)
        result["population"][:, t + 1] = current
        for key in COMPONENTS:
            result[key][:, t] = getattr(res, key)
        result["in_migrants"][:, t] += gap * model.in_profile.sum(axis=-1)
    return result


def _migration_schedule(model: RegionModel, start_pop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """In-migrant counts (2, 101) and out-migration rates (2, 101) of the base projection."""
    if model.migration_mode == "net":
        if model.net_counts is None:
            raise ValueError(f"region {model.code}: migration_mode 'net' needs net_counts, the model has none")
        return model.net_counts, np.zeros((2, 101))
    in_level = max(model.in_level + model.scenario.in_migration_sd * model.in_sd, 0.0)
    return in_level * model.in_profile, out_rates(model, start_pop)
