"""National schedules by calendar year: death rates, fertility rates and migration age profiles.

Past years use SCB's observations; future years follow SCB's national projection assumptions (BE0401, 2024)
as SCB's own regional projections do; the years between (2021–2023 for mortality, 2016–2023 for fertility)
are bridged by interpolation, fertility additionally scaled to Sweden's observed births (Kolada n01804 for
"00") where they exist. After SCB's last assumption year (2050) rates are held constant.

Results are memoised on the :class:`~tillsammans.population.inputs.PopulationInputs` object, keyed by the
assumptions they depend on.
"""

from __future__ import annotations

import numpy as np

from tillsammans.population import rates
from tillsammans.population.assumptions import Assumptions
from tillsammans.population.inputs import PopulationInputs

#: Calendar years covered by the schedule tables.
FIRST_YEAR, LAST_YEAR = 1968, 2100


def _check_years(span: tuple[int, int], available: np.ndarray, name: str) -> None:
    lo, hi = span
    if lo > hi or lo < available[0] or hi > available[-1]:
        raise ValueError(f"{name} {span} outside the years with data, {available[0]}–{available[-1]}")


def _mortality_tables(inputs: PopulationInputs, a: Assumptions) -> tuple[np.ndarray, np.ndarray]:
    key = ("mortality", a.mortality_anchor_years, a.mortality_trend)
    if key in inputs._memo:
        return inputs._memo[key]
    _check_years(a.mortality_anchor_years, inputs.mx_years, "mortality_anchor_years")
    lo, hi = a.mortality_anchor_years
    sel = (inputs.mx_years >= lo) & (inputs.mx_years <= hi)
    anchor = inputs.national_mx[sel].mean(axis=0)
    mid = 0.5 * (lo + hi)
    years = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    projected = np.empty((len(years), 2, 101))
    p_years, p_mx = inputs.projected_years, inputs.projected_mx
    log_anchor, log_first = np.log(np.maximum(anchor, 1e-12)), np.log(np.maximum(p_mx[0], 1e-12))
    for i, y in enumerate(years):
        if a.mortality_trend == "constant" or y <= mid:
            projected[i] = anchor
        elif y < p_years[0]:
            w = (y - mid) / (p_years[0] - mid)
            projected[i] = np.exp((1 - w) * log_anchor + w * log_first)
        else:
            projected[i] = p_mx[min(int(y - p_years[0]), len(p_years) - 1)]
    observed = projected.copy()
    idx = inputs.mx_years - FIRST_YEAR
    ok = (idx >= 0) & (idx < len(years))
    observed[idx[ok]] = inputs.national_mx[ok]
    inputs._memo[key] = (projected, observed)
    return projected, observed


def national_mortality(inputs: PopulationInputs, years, a: Assumptions, observed: bool = False) -> np.ndarray:
    """National death rates m (per person-year), array (len(years), 2, 101).

    ``observed=True`` uses SCB's observed rates where they exist (for past years); otherwise the projection
    schedule: the anchor-period mean until its mid-year, log-linear to SCB's 2024 rates, SCB's rates
    2024–2050, constant after (or the anchor throughout when ``mortality_trend='constant'``).
    """
    projected, obs = _mortality_tables(inputs, a)
    idx = np.clip(np.asarray(years) - FIRST_YEAR, 0, LAST_YEAR - FIRST_YEAR)
    return (obs if observed else projected)[idx]


def _fertility_table(inputs: PopulationInputs, a: Assumptions) -> np.ndarray:
    key = ("fertility", a.fertility_anchor_years, a.calibrate_bridge)
    if key in inputs._memo:
        return inputs._memo[key]
    _check_years(a.fertility_anchor_years, inputs.asfr_years, "fertility_anchor_years")
    lo, hi = a.fertility_anchor_years
    sel = (inputs.asfr_years >= lo) & (inputs.asfr_years <= hi)
    anchor = inputs.national_asfr[sel].mean(axis=0)
    years = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    table = np.empty((len(years), 101))
    p_years, p_f = inputs.projected_years, inputs.projected_asfr
    last_obs = int(inputs.asfr_years[-1])
    for i, y in enumerate(years):
        if y <= last_obs and y in inputs.asfr_years:
            table[i] = inputs.national_asfr[int(y - inputs.asfr_years[0])]
        elif y < p_years[0]:
            w = (y - last_obs) / (p_years[0] - last_obs)
            table[i] = (1 - w) * anchor + w * p_f[0]
        else:
            table[i] = p_f[min(int(y - p_years[0]), len(p_years) - 1)]
    if a.calibrate_bridge:
        calibrated = []
        for y in range(last_obs + 1, int(p_years[0])):
            births = inputs.kolada_value("n01804", "00", y)
            if not np.isfinite(births):
                continue
            end = min(y, int(inputs.national_pop_years[-1]))
            women = 0.5 * (inputs.single_age["00"][end - 1][0] + inputs.single_age["00"][end][0])
            expected = float((table[y - FIRST_YEAR] * women).sum())
            table[y - FIRST_YEAR] *= births / expected
            calibrated.append(y)
        if calibrated:
            # Years after the last calibrated one: interpolate from it to SCB's first assumption year.
            y0 = calibrated[-1]
            for y in range(y0 + 1, int(p_years[0])):
                w = (y - y0) / (p_years[0] - y0)
                table[y - FIRST_YEAR] = (1 - w) * table[y0 - FIRST_YEAR] + w * p_f[0]
    inputs._memo[key] = table
    return table


def national_fertility(inputs: PopulationInputs, years, a: Assumptions) -> np.ndarray:
    """National fertility rates by mother's age (births per woman-year), array (len(years), 101)."""
    idx = np.clip(np.asarray(years) - FIRST_YEAR, 0, LAST_YEAR - FIRST_YEAR)
    return _fertility_table(inputs, a)[idx]


def migration_profiles(inputs: PopulationInputs, a: Assumptions) -> tuple[np.ndarray, np.ndarray]:
    """In-migrants' age/sex distribution (sums to 1) and relative out-migration rates, each (2, 101).

    Fitted by :func:`tillsammans.population.rates.gross_migration_profiles` on the counties' residual net
    migration and Kolada gross flows over ``a.profile_years``.
    """
    key = ("migration", a.profile_years, a.profile_smoothing)
    if key in inputs._memo:
        return inputs._memo[key]
    years = inputs.county_years[1:]
    lo, hi = a.profile_years
    sel = (years >= lo) & (years <= hi)
    if not sel.any():
        raise ValueError(f"profile_years {a.profile_years} outside {years[0]}–{years[-1]}")
    national = inputs.single_age["00"][min(hi, int(inputs.national_pop_years[-1]))]
    result = rates.gross_migration_profiles(
        inputs.county_net[:, sel], inputs.county_start[:, sel], inputs.county_in[:, sel],
        inputs.county_out[:, sel], national, smoothing=a.profile_smoothing)
    inputs._memo[key] = result
    return result
