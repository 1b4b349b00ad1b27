"""Cohort-component projection of one region (municipality, county or Sweden) by sex and single year of age.

The model (see DESIGN.md, "Models"): national death rates (SCB) × a municipal level factor; national
fertility rates × a municipal level factor; in-migrants as counts and out-migrants as rates on the local
population, each with an age/sex profile, levels averaged over the last ``window_years`` of Kolada's flows.
From the jump-off (the latest single-age population, 2019 in the mirror) the population is first carried
through the years where Kolada has the components (2020–2022) with the observed births, deaths, in- and
out-migrants; the projection proper starts after them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tillsammans.population import engine, rates, schedules
from tillsammans.population.assumptions import Assumptions, make_assumptions
from tillsammans.population.inputs import PopulationInputs, load_inputs
from tillsammans.population.rates import AGES, SEXES
from tillsammans.population.scenarios import ScenarioSettings, resolve_scenario

#: Latest end year accepted (SCB's assumptions end in 2050; rates are held constant after).
MAX_END_YEAR = 2070

#: The ``sex`` column's dtype (categorical, female before male).
SEX_DTYPE = pd.CategoricalDtype(list(SEXES))

COMPONENT_KPIS = {"births": "n01804", "deaths": "n01805", "in_migrants": "n01801", "out_migrants": "n01802"}


@dataclass
class RegionModel:
    """Everything needed to project one region from one jump-off, with the estimated levels.

    Attributes (selection)
    ----------------------
    mortality_factor, fertility_factor : float
        Municipal level ÷ national level (pooled over ``pool_years``, shrunk and clamped).
    in_level : float
        Mean in-migrants per year over the migration window (persons).
    out_rate : float
        Mean out-migrants per year ÷ population at the start of the year over the window.
    variation : dict
        Year-to-year variation over the window (for the stochastic simulation): standard deviations of the
        yearly log deviations of births and deaths from their expected numbers (Poisson noise removed, see
        :func:`~tillsammans.population.rates.level_sd`), and of net migration (persons).
    """

    code: str
    jump_off: int
    pop0: np.ndarray
    assumptions: Assumptions
    scenario: ScenarioSettings
    boys_share: float
    mortality_factor: float
    fertility_factor: float
    in_level: float
    in_sd: float
    out_rate: float
    window: tuple[int, int]
    observed_years: list[int]
    observed: dict[str, dict[int, float]]
    variation: dict[str, float]
    in_profile: np.ndarray
    out_relative_rate: np.ndarray
    totals: dict[int, float] = field(default_factory=dict)
    in_correction: np.ndarray | None = None  # (2, 101) persons per year, sums to 0 (calibrate_age_profile)
    rates_cache: dict = field(default_factory=dict, repr=False)  # (first, last year) → survival, fertility


def _fields(a: Assumptions) -> dict[str, Any]:
    from dataclasses import fields

    return {f.name: getattr(a, f.name) for f in fields(a)}


def _validate_years(inputs: PopulationInputs, code: str, jump_off: int | None, end_year: int) -> int:
    years = inputs.single_age_years(code)
    if not years:
        raise ValueError(f"no single-year-of-age population for {code} in {inputs.processed_dir}")
    if jump_off is None:
        jump_off = years[-1]
    if jump_off not in years:
        raise ValueError(
            f"jump_off={jump_off} has no single-year-of-age population for {code}; "
            f"allowed: {years[0]}–{years[-1]}" + ("" if len(years) == years[-1] - years[0] + 1 else f" ({years})"))
    if not isinstance(end_year, (int, np.integer)) or not jump_off < end_year <= MAX_END_YEAR:
        raise ValueError(f"end_year={end_year!r} outside the allowed range {jump_off + 1}–{MAX_END_YEAR} "
                         f"(after the jump-off {jump_off})")
    return int(jump_off)


def _resolve(inputs: PopulationInputs, region: str) -> str:
    return inputs.registry.resolve(region)


def _series(inputs: PopulationInputs, code: str) -> dict[str, dict[int, float]]:
    """Kolada components and totals of a region as ``{name: {year: value}}`` (observed years only)."""
    row = inputs.kolada_codes.get(code)
    out: dict[str, dict[int, float]] = {}
    for name, kpi in {**COMPONENT_KPIS, "population": "n01951"}.items():
        if row is None:
            out[name] = {}
            continue
        values = inputs.kolada_values[kpi][row]
        ok = np.isfinite(values)
        out[name] = dict(zip(inputs.kolada_years[ok].tolist(), values[ok].tolist()))
    return out


def prepare_region(
    region: str,
    jump_off: int | None = None,
    end_year: int = 2040,
    scenario: str = "base",
    inputs: PopulationInputs | None = None,
    processed_dir: Path | None = None,
    **assumptions: Any,
) -> RegionModel:
    """Estimate a region's levels (mortality, fertility, migration) for a projection from ``jump_off``."""
    a = make_assumptions(**assumptions)
    settings, a = resolve_scenario(scenario, a)
    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    code = _resolve(inputs, region)
    jump_off = _validate_years(inputs, code, jump_off, end_year)
    pop0 = inputs.population(code, jump_off)
    obs = _series(inputs, code)
    totals = obs["population"]
    total0 = float(pop0.sum())

    def structure(year: int) -> np.ndarray:
        if year in inputs.single_age.get(code, {}):
            return inputs.single_age[code][year]
        return pop0 * (totals.get(year, total0) / total0)

    # Expected births and deaths at national rates, for the level factors and their yearly variation.
    last_component = max([y for y in obs["births"] if y in obs["deaths"]] or [jump_off])
    years = np.arange(min(jump_off - a.pool_years, jump_off - a.window_years) + 1, last_component + 1)
    mx = schedules.national_mortality(inputs, years, a, observed=True)
    fx = schedules.national_fertility(inputs, years, a)
    expected_deaths, expected_births = {}, {}
    for i, y in enumerate(years):
        p = structure(int(y))
        expected_deaths[int(y)] = float((mx[i] * p).sum())
        expected_births[int(y)] = float((fx[i] * p[0]).sum())

    def factor(kind: str, expected: dict, clamp: tuple[float, float]) -> float:
        pool = [y for y in range(jump_off - a.pool_years + 1, jump_off + 1) if y in obs[kind] and y in expected]
        if not pool:
            return 1.0
        return rates.level_factor(sum(obs[kind][y] for y in pool), sum(expected[y] for y in pool), clamp,
                                  a.credibility_events)

    mortality_factor = factor("deaths", expected_deaths, a.mortality_clamp)
    fertility_factor = factor("births", expected_births, a.fertility_clamp)

    flows_last = max([y for y in obs["in_migrants"] if y in obs["out_migrants"]] or [jump_off])
    last_obs = min(flows_last, last_component) if a.observed_components else jump_off
    last_obs = max(last_obs, jump_off)
    observed_years = list(range(jump_off + 1, min(last_obs, end_year) + 1)) if a.observed_components else []
    window = (last_obs - a.window_years + 1, last_obs)
    wyears = [y for y in range(window[0], window[1] + 1)
              if y in obs["in_migrants"] and y in obs["out_migrants"] and (y - 1) in totals]
    if not wyears:
        raise ValueError(f"no in- and out-migration totals (Kolada n01801, n01802) for {code} in {window}")
    ins = np.array([obs["in_migrants"][y] for y in wyears])
    out_rates = np.array([obs["out_migrants"][y] / totals[y - 1] for y in wyears])
    in_level, out_rate = float(ins.mean()), float(out_rates.mean())

    def level_variation(kind: str, expected: dict, level: float) -> float:
        ys = [y for y in range(window[0], window[1] + 1) if y in obs[kind] and y in expected and obs[kind][y] > 0]
        exp = np.array([expected[y] * level for y in ys])
        return rates.level_sd(np.log(np.array([obs[kind][y] for y in ys]) / exp), exp)

    variation = {
        "births": level_variation("births", expected_births, fertility_factor),
        "deaths": level_variation("deaths", expected_deaths, mortality_factor),
        "net_migrants": float(np.std([obs["in_migrants"][y] - obs["out_migrants"][y] for y in wyears], ddof=1))
        if len(wyears) > 1 else 0.0,
    }
    if code == "00":
        # Sweden's expected births follow the observed national rates exactly, so its level uncertainty is
        # the variation of the total fertility rate itself over the window (SCB BE0101E2, Kolada n01804).
        tfr = schedules.national_fertility(inputs, np.arange(window[0], window[1] + 1), a).sum(axis=1)
        variation["births"] = float(np.std(np.log(tfr), ddof=1))
    else:
        # Every region shares the national level uncertainty of fertility and mortality: use Sweden's
        # variation as a floor (a small region's own series is mostly Poisson noise, removed above).
        key = ("national_variation", a)
        if key not in inputs._memo:
            inputs._memo[key] = prepare_region("00", None, MAX_END_YEAR, "base", inputs, **_fields(a)).variation
        national = inputs._memo[key]
        variation["births"] = max(variation["births"], national["births"])
        variation["deaths"] = max(variation["deaths"], national["deaths"])
    in_profile, out_rel = schedules.migration_profiles(inputs, a)
    boys = a.sex_ratio_at_birth if a.sex_ratio_at_birth is not None else inputs.boys_share
    return RegionModel(
        code=code, jump_off=jump_off, pop0=pop0, assumptions=a, scenario=settings, boys_share=boys,
        mortality_factor=mortality_factor, fertility_factor=fertility_factor,
        in_level=in_level, in_sd=float(ins.std(ddof=1)) if len(ins) > 1 else 0.0, out_rate=out_rate,
        window=window, observed_years=observed_years, observed=obs, variation=variation,
        in_profile=in_profile, out_relative_rate=out_rel, totals=totals,
    )


def _base_rates(model: RegionModel, inputs: PopulationInputs, years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    key = (int(years[0]), int(years[-1]))
    if key not in model.rates_cache:
        a = model.assumptions
        mx = schedules.national_mortality(inputs, years, a) * model.mortality_factor
        survival = rates.survival_ratios(mx)
        fert = schedules.national_fertility(inputs, years, a) * model.fertility_factor
        model.rates_cache[key] = (survival, fert)
    return model.rates_cache[key]


def _out_rates(model: RegionModel, pop: np.ndarray) -> np.ndarray:
    """Age-specific out-rates whose population-weighted mean on ``pop`` equals the crude level."""
    rel = model.out_relative_rate
    start = rates.cohort_start(pop[None], pop[None, :, 0] * 0)[0]
    scale = start.sum() / max((rel * start).sum(), 1e-12)
    return np.clip(model.out_rate * rel * scale, 0.0, 1.0)


def _carry_through(model: RegionModel, inputs: PopulationInputs,
                   multipliers: dict[int, tuple[float, float]] | None = None) -> dict[str, np.ndarray]:
    """Carry the jump-off population through the observed years with the observed component totals.

    ``multipliers`` (year → mortality and fertility multipliers) is filled in, and reused when given again.
    """
    multipliers = {} if multipliers is None else multipliers
    years = np.array(model.observed_years, dtype=int)
    T = len(years)
    result = {"population": np.empty((1, T + 1, 2, 101)), "births": np.empty((1, T, 2)),
              "deaths": np.empty((1, T, 2)), "in_migrants": np.empty((1, T, 2)),
              "out_migrants": np.empty((1, T, 2))}
    pop = model.pop0[None].astype(float)
    result["population"][:, 0] = pop
    if T == 0:
        return result
    survival, fert = _base_rates(model, inputs, years)
    obs = model.observed
    for t, y in enumerate(years):
        y = int(y)
        out_base = _out_rates(model, pop[0])
        inc = obs["in_migrants"][y] * model.in_profile
        if model.in_correction is not None:
            inc = inc + model.in_correction
        start = rates.cohort_start(pop, np.zeros((1, 2)))
        start[0, :, 0] = obs["births"][y] * np.array([1 - model.boys_share, model.boys_share])
        out_mult = obs["out_migrants"][y] / max(float((start[0] * out_base).sum()), 1e-9)
        o = np.clip(out_base * out_mult, 0.0, 1.0)
        # Births are exact after one pass, deaths (nearly linear in the multiplier) after two; a later round
        # (age-profile calibration) starts from the previous round's multipliers and needs one.
        m_mult, f_mult = multipliers.get(y, (1.0, 1.0))
        for _ in range(1 if y in multipliers else 2):
            res = engine.step(pop, survival[t] ** m_mult, fert[t] * f_mult, model.boys_share, inc, o,
                              model.in_profile)
            births, deaths = res.births.sum(), res.deaths.sum()
            f_mult *= obs["births"][y] / births if births > 0 else 1.0
            m_mult *= obs["deaths"][y] / deaths if deaths > 0 else 1.0
        multipliers[y] = (m_mult, f_mult)
        res = engine.step(pop, survival[t] ** m_mult, fert[t] * f_mult, model.boys_share, inc, o, model.in_profile)
        pop = res.population
        result["population"][:, t + 1] = pop
        for key in ("births", "deaths", "in_migrants", "out_migrants"):
            result[key][:, t] = getattr(res, key)
    return result


def age_profile_correction(model: RegionModel, inputs: PopulationInputs, carried: np.ndarray) -> np.ndarray | None:
    """Yearly in-migrant counts by age that close the gap to Kolada's age groups after the observed years.

    Groups: 0–5, 6–15, 16–19, 20–44, 45–64, 65–79, 80+ (Kolada n01952–n01954, n02832, n02833, n01956,
    n01957; 20–64 as one group where the split is missing).
    The gap per Kolada age group (observed − carried-through at the last observed year) is divided by the
    number of observed years and spread over the group's ages in proportion to the in-migrant profile; the
    groups' gaps are centred so the correction sums to zero (the totals already follow the components).
    Returns None when the age groups are not all observed.
    """
    from tillsammans.population.inputs import CALIBRATION_AGE_GROUPS, KOLADA_AGE_GROUPS

    year = model.jump_off + len(model.observed_years)
    by_age = carried.sum(axis=0)
    gaps, masks = [], []
    groups = CALIBRATION_AGE_GROUPS
    if not all(np.isfinite(inputs.kolada_value(k, model.code, year)) for k in groups):
        groups = KOLADA_AGE_GROUPS
    for kpi, (lo, hi) in groups.items():
        observed = inputs.kolada_value(kpi, model.code, year)
        if not np.isfinite(observed):
            return None
        gaps.append(observed - by_age[lo:hi + 1].sum())
        mask = np.zeros(101, dtype=bool)
        mask[lo:hi + 1] = True
        masks.append(mask)
    gaps = np.array(gaps)
    gaps -= gaps.sum() * np.array([m.sum() for m in masks]) / 101  # centre: sum zero, spread by age span
    correction = np.zeros((2, 101))
    for gap, mask in zip(gaps, masks):
        weight = model.in_profile * mask
        correction += gap / len(model.observed_years) * weight / weight.sum()
    return correction


def projection_schedules(model: RegionModel, inputs: PopulationInputs, start_pop: np.ndarray,
                         first_year: int, end_year: int) -> engine.Schedules:
    """The engine schedules for the projection proper (years ``first_year``..``end_year``)."""
    years = np.arange(first_year, end_year + 1)
    survival, fert = _base_rates(model, inputs, years)
    in_level = max(model.in_level + model.scenario.in_migration_sd * model.in_sd, 0.0)
    in_year = in_level * model.in_profile
    if model.in_correction is not None:
        in_year = in_year + model.in_correction
    in_counts = np.broadcast_to(in_year, (len(years), 2, 101)).copy()
    out_rates = np.broadcast_to(_out_rates(model, start_pop), (len(years), 2, 101)).copy()
    return engine.Schedules(years=years, survival=survival, fertility=fert, boys_share=model.boys_share,
                            in_counts=in_counts, out_rates=out_rates, in_shape=model.in_profile,
                            zero_net=model.scenario.zero_net_migration)


@dataclass
class ProjectionRun:
    """Raw arrays of a projection: years jump_off..end_year, simulations on the first axis."""

    model: RegionModel
    years: np.ndarray
    population: np.ndarray  # (S, n_years, 2, 101)
    components: dict[str, np.ndarray]  # (S, n_years − 1, 2), for steps ending in years[1:]
    observed_years: list[int]


def run_projection(model: RegionModel, inputs: PopulationInputs, end_year: int,
                   deviations: dict[str, np.ndarray] | None = None) -> ProjectionRun:
    """Carry through the observed years, then project to ``end_year`` (with optional level deviations)."""
    multipliers: dict[int, tuple[float, float]] = {}
    carried = _carry_through(model, inputs, multipliers)
    if model.assumptions.calibrate_age_profile and model.observed_years and model.in_correction is None:
        # Two rounds: the second picks up what ageing within the observed years moved across group borders.
        for _ in range(2):
            correction = age_profile_correction(model, inputs, carried["population"][0, -1])
            if correction is None:
                break
            model.in_correction = correction if model.in_correction is None else model.in_correction + correction
            carried = _carry_through(model, inputs, multipliers)
    last = model.jump_off + len(model.observed_years)
    years = np.arange(model.jump_off, end_year + 1)
    if last >= end_year:
        comps = {k: v for k, v in carried.items() if k != "population"}
        return ProjectionRun(model, years, carried["population"], comps, model.observed_years)
    start_pop = carried["population"][0, -1]
    sched = projection_schedules(model, inputs, start_pop, last + 1, end_year)
    dev = deviations or {}
    S = max([1] + [v.shape[0] for v in dev.values()])
    k = len(model.observed_years)  # index of the projection's start year in ``years``
    # Preallocate the whole period and let the engine write the projected part in place (no copies).
    population = np.empty((S, len(years), 2, 101))
    population[:, : k + 1] = carried["population"]
    comps = {}
    for key in ("births", "deaths", "in_migrants", "out_migrants"):
        comps[key] = np.empty((S, len(years) - 1, 2))
        comps[key][:, :k] = carried[key]
    views = {"population": population[:, k:], **{key: v[:, k:] for key, v in comps.items()}}
    engine.run(start_pop, sched, dev.get("mortality"), dev.get("fertility"), dev.get("in_shift"), dev.get("out"),
               out=views)
    return ProjectionRun(model, years, population, comps, model.observed_years)


def tidy_population(years: np.ndarray, population: np.ndarray) -> pd.DataFrame:
    """``year, sex, age, population`` from an array (n_years, 2, 101)."""
    n = len(years)
    sex = pd.Categorical.from_codes(np.tile(np.repeat(np.array([0, 1], dtype=np.int8), 101), n), dtype=SEX_DTYPE)
    return pd.DataFrame({
        "year": np.repeat(years, 2 * 101),
        "sex": sex,
        "age": np.tile(AGES, 2 * n),
        "population": population.reshape(-1),
    })


def project_population(
    municipality: str,
    end_year: int = 2040,
    scenario: str = "base",
    jump_off: int | None = None,
    processed_dir: Path | None = None,
    inputs: PopulationInputs | None = None,
    **assumptions: Any,
) -> pd.DataFrame:
    """Deterministic cohort-component projection for one region.

    Parameters
    ----------
    municipality : str
        SCB code or name of a municipality (``"0381"``, ``"Enköping"``); a county (``"03"``) or Sweden
        (``"00"``) works too, from their latest single-age year.
    end_year : int
        Last year, jump_off + 1 .. 2070.
    scenario : str
        One of :data:`tillsammans.population.SCENARIOS`.
    jump_off : int, optional
        Start year with a single-year-of-age population (default: the latest, 2019 for municipalities).
    processed_dir, inputs :
        Where to read the data, or inputs already read by :func:`load_inputs` (faster for many regions).
    **assumptions :
        Fields of :class:`~tillsammans.population.assumptions.Assumptions`, e.g. ``window_years=5``.

    Returns
    -------
    DataFrame
        ``year, sex, age, population`` (persons on 31 December; age 100 = 100+) for jump_off..end_year; the
        jump-off year is observed (SCB), the carried-through years (2020–2022) use observed totals of the
        components (Kolada).
    """
    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    model = prepare_region(municipality, jump_off, end_year, scenario, inputs, **assumptions)
    run = run_projection(model, inputs, end_year)
    return tidy_population(run.years, run.population[0])


def projection_components(
    municipality: str,
    end_year: int = 2040,
    scenario: str = "base",
    jump_off: int | None = None,
    processed_dir: Path | None = None,
    inputs: PopulationInputs | None = None,
    history_from: int = 1998,
    **assumptions: Any,
) -> pd.DataFrame:
    """Births, deaths, in- and out-migrants per year: observed (Kolada) and projected.

    Returns
    -------
    DataFrame
        ``year, component, value, kind`` with ``component`` in births, deaths, in_migrants, out_migrants,
        net_migration and ``kind`` ``"observed"`` (Kolada, from ``history_from``) or ``"projected"``.
    """
    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    model = prepare_region(municipality, jump_off, end_year, scenario, inputs, **assumptions)
    run = run_projection(model, inputs, end_year)
    rows = []
    for name in COMPONENT_KPIS:
        for y, v in model.observed[name].items():
            if y >= history_from:
                rows.append((y, name, v, "observed"))
    last_obs = model.jump_off + len(run.observed_years)
    for t, y in enumerate(run.years[1:]):
        if y <= last_obs:
            continue
        for name in COMPONENT_KPIS:
            rows.append((int(y), name, float(run.components[name][0, t].sum()), "projected"))
    frame = pd.DataFrame(rows, columns=["year", "component", "value", "kind"])
    wide = frame.pivot_table(index=["year", "kind"], columns="component", values="value").reset_index()
    wide["net_migration"] = wide["in_migrants"] - wide["out_migrants"]
    tidy = wide.melt(id_vars=["year", "kind"], var_name="component", value_name="value").dropna()
    return tidy[["year", "component", "value", "kind"]].sort_values(["component", "year"]).reset_index(drop=True)


def region_levels(model: RegionModel) -> pd.DataFrame:
    """The estimated levels of a prepared region as a small table (for reports)."""
    return pd.DataFrame({
        "parameter": ["mortality_factor", "fertility_factor", "in_migrants_per_year", "out_migration_rate",
                      "window_first", "window_last"],
        "value": [model.mortality_factor, model.fertility_factor, model.in_level, model.out_rate,
                  model.window[0], model.window[1]],
    })
