"""A region's estimated levels for one projection: :class:`RegionModel` and :func:`prepare_region`.

Everything a projection of one region (municipality, county or Sweden) from one jump-off needs, estimated
with the information available in ``as_of`` (None: all data; a backtest passes its jump-off year, and then
no later observation — no later stock, component, profile year or SCB assumption — enters an estimate):

* the jump-off population: SCB's single ages, or for a municipality without them in that year a synthesis
  of Kolada's age groups by sex with the county's single-age shape (:mod:`~tillsammans.population.migration`);
* municipal level factors of mortality and fertility (observed ÷ expected events, pooled, shrunk, clamped);
* migration: in-migrants as counts and out-migrants as rates at the mean levels of the migration window,
  with the region's own in-migrant age profile (``"gross"``); a region without gross flows at the jump-off
  (the counties before 2008) uses its residual net migration by single age (``"net"``);
* the variation the stochastic simulation draws from (:mod:`~tillsammans.population.stochastic`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tillsammans.population import migration, rates, schedules
from tillsammans.population.assumptions import Assumptions, make_assumptions
from tillsammans.population.housing import HousingPlan, housing_plan
from tillsammans.population.inputs import PopulationInputs, load_inputs
from tillsammans.population.scenarios import ScenarioSettings, resolve_scenario

#: Latest end year accepted (SCB's assumptions end in 2050; rates are held constant after).
MAX_END_YEAR = 2070

COMPONENT_KPIS = {"births": "n01804", "deaths": "n01805", "in_migrants": "n01801", "out_migrants": "n01802"}

#: Kolada's international net migration (immigrants − emigrants), per municipality from 1998.
INTERNATIONAL_NET_KPI = "n01806"

#: Fewest years with gross flows in the migration window for the gross-flow model.
MIN_FLOW_YEARS = 3


@dataclass
class RegionModel:
    """Everything needed to project one region from one jump-off, with the estimated levels.

    Attributes (selection)
    ----------------------
    as_of : int or None
        Information year: nothing observed after it was used (None: all data).
    mortality_factor, fertility_factor : float
        Municipal level ÷ national level (pooled over ``pool_years``, shrunk and clamped).
    migration_mode : {"gross", "net"}
        In-migrant counts and out-migration rates, or net migrants by age (``net_counts``).
    in_level : float
        Mean in-migrants per year over the migration window (persons).
    out_rate : float
        Mean out-migrants per year ÷ population at the start of the year over the window.
    in_profile : array (2, 101)
        The region's in-migrants' age/sex distribution (sums to 1), :mod:`~tillsammans.population.migration`.
    variation : dict
        Standard deviations for the simulation: ``births``/``deaths`` the region's own yearly level
        variation (Poisson noise removed), ``fertility_trend``/``mortality_trend`` the yearly innovations of
        the national levels (long series), ``net_migrants`` the yearly variation of the net-migration level
        (persons, Poisson noise removed), ``migration_noise`` that Poisson noise, √(in + out) (persons),
        ``composition`` (array of 6) the yearly variation of each coarse age group's net migration beyond its
        share of the total (persons, :func:`~tillsammans.population.migration.composition_sd`).
    totals : dict
        Observed totals ``{year: persons}`` up to ``as_of`` (Kolada, then SCB's latest totals).
    international_level, international_share : float
        The region's mean international net migration (immigrants − emigrants, Kolada n01806) over the
        level years, and its share of the sum over all municipalities in those years: how SCB's national
        international migration is distributed (:mod:`~tillsammans.population.international`).
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
    variation: dict[str, Any]  # floats; "composition" an array of six coarse groups
    in_profile: np.ndarray
    out_relative_rate: np.ndarray
    totals: dict[int, float] = field(default_factory=dict)
    as_of: int | None = None
    migration_mode: str = "gross"
    net_counts: np.ndarray | None = None  # (2, 101) persons per year, for migration_mode "net"
    synthesised: bool = False
    recent_years: list[int] = field(default_factory=list)  # years carried to SCB's totals (2023–2025)
    international_level: float = 0.0  # mean international net migration of the level years (persons, n01806)
    international_share: float = 0.0  # the region's share of the 290's international net in those years
    main_assumptions: Assumptions | None = None  # before the scenario's changes: what the reconciliation uses
    level_years: tuple[int, ...] = ()  # the years whose mean flows are the migration levels
    housing: HousingPlan | None = None  # the housing scenario's dwellings and parameters (housing.py)
    rates_cache: dict = field(default_factory=dict, repr=False)  # (first, last year) → survival, fertility

    @property
    def last_observed(self) -> int:
        """The last year whose population is fixed by observations (components, then totals)."""
        return self.jump_off + len(self.observed_years) + len(self.recent_years)


def assumption_fields(a: Assumptions) -> dict[str, Any]:
    return {f.name: getattr(a, f.name) for f in fields(a)}


def _series(inputs: PopulationInputs, code: str, as_of: int | None) -> dict[str, dict[int, float]]:
    """Kolada components and totals (then SCB's latest totals) as ``{name: {year: value}}``, up to ``as_of``."""
    row = inputs.kolada_codes.get(code)
    out: dict[str, dict[int, float]] = {}
    for name, kpi in {**COMPONENT_KPIS, "population": "n01951"}.items():
        if row is None:
            out[name] = {}
            continue
        values = inputs.kolada_values[kpi][row]
        ok = np.isfinite(values)
        out[name] = {y: v for y, v in zip(inputs.kolada_years[ok].tolist(), values[ok].tolist(), strict=False)
                     if as_of is None or y <= as_of}
    for y, v in inputs.recent_totals.get(code, {}).items():
        if as_of is None or y <= as_of:
            out["population"].setdefault(y, v)
    return out


def _jump_off(inputs: PopulationInputs, code: str, jump_off: int | None, end_year: int,
              as_of: int | None) -> tuple[int, np.ndarray, bool]:
    """The jump-off year and population (2, 101), and whether the population was synthesised."""
    years = [y for y in inputs.single_age_years(code) if as_of is None or y <= as_of]
    synth = migration.synthesisable_years(inputs, code) if len(code) == 4 else []
    if jump_off is None:
        if not years:
            raise ValueError(f"no single-year-of-age population for {code} in {inputs.processed_dir}")
        jump_off = years[-1]
    if jump_off in years:
        pop0, synthesised = inputs.population(code, jump_off), False
    elif jump_off in synth and (as_of is None or jump_off <= as_of):
        pop0, synthesised = migration.synthesise_population(inputs, code, jump_off), True
    else:
        allowed = sorted(set(years) | set(synth))
        raise ValueError(
            f"jump_off={jump_off} has no single-year-of-age population for {code} (nor Kolada age groups by sex "
            f"to synthesise one); allowed: {allowed[0] if allowed else 'none'}–{allowed[-1] if allowed else ''}"
            + ("" if as_of is None else f" up to as_of={as_of}"))
    if not isinstance(end_year, (int, np.integer)) or not jump_off < end_year <= MAX_END_YEAR:
        raise ValueError(f"end_year={end_year!r} outside the allowed range {jump_off + 1}–{MAX_END_YEAR} "
                         f"(after the jump-off {jump_off})")
    return int(jump_off), pop0, synthesised


def _international(inputs: PopulationInputs, code: str, years: list[int]) -> tuple[float, float]:
    """Mean international net migration of ``code`` over ``years`` and its share of the 290 municipalities' sum.

    Kolada n01806 (immigrants − emigrants); 0 and 0 for a region that is not a municipality or has no data.
    """
    row = inputs.kolada_codes.get(code)
    if row is None or len(code) != 4 or not years:
        return 0.0, 0.0
    cols = np.array(years) - int(inputs.kolada_years[0])
    own = inputs.kolada_values[INTERNATIONAL_NET_KPI][row, cols]
    if not np.isfinite(own).all():
        return 0.0, 0.0

    def national() -> float:
        rows = [i for c, i in inputs.kolada_codes.items() if len(c) == 4]
        return float(np.nansum(inputs.kolada_values[INTERNATIONAL_NET_KPI][rows][:, cols]))
    total = inputs.memo(("international_net_sum", tuple(int(y) for y in years)), national)
    return float(own.mean()), float(own.sum() / total) if total != 0 else 0.0


def migration_level_sd(net_series: list[float], movers: list[float]) -> float:
    """Standard deviation of the net-migration *level* from yearly net migration (persons).

    Each year's net migration is the difference of two counts, in- and out-migrants: even at a constant
    level it varies by about √(in + out) persons (Poisson), and that part does not persist from one year to
    the next. It is removed from the observed variance (floored at zero), as for births and deaths
    (:func:`~tillsammans.population.rates.level_sd`), and simulated separately as independent yearly noise.
    """
    if len(net_series) < 2:
        return 0.0
    variance = float(np.var(net_series, ddof=1)) - (float(np.mean(movers)) if movers else 0.0)
    return float(np.sqrt(max(variance, 0.0)))


def national_level_variation(inputs: PopulationInputs, a: Assumptions, as_of: int | None) -> dict[str, float]:
    """Yearly innovations of Sweden's fertility and mortality levels from the long series (1968 to ``as_of``).

    Fertility: the standard deviation of the yearly change of log TFR (SCB births by mother's age ÷ women;
    the years after 2015 scaled to Sweden's observed births). Mortality: of the yearly change of the log
    age-standardised death rate (SCB deaths ÷ mean population, standard: Sweden's population of the last
    year) around its mean trend. Both enter the simulation as random walks: a national level shift persists.
    """
    def compute() -> dict[str, float]:
        last = int(inputs.kolada_years[-1]) if as_of is None else int(as_of)
        fy = np.arange(schedules.FIRST_YEAR, min(last, int(inputs.asfr_years[-1]) if as_of is not None else last) + 1)
        tfr = schedules.national_fertility(inputs, fy, a, as_of=as_of).sum(axis=1)
        my = inputs.mx_years[inputs.mx_years <= last]
        std = inputs.national_pop[int(min(my[-1], inputs.national_pop_years[-1]) - inputs.national_pop_years[0])]
        asdr = (inputs.national_mx[: len(my)] * std).sum(axis=(1, 2)) / std.sum()
        d_f, d_m = np.diff(np.log(tfr)), np.diff(np.log(asdr))
        return {"fertility_trend": float(np.std(d_f, ddof=1)),
                "mortality_trend": float(np.std(d_m - d_m.mean(), ddof=1))}
    return inputs.memo(("national_level_variation", as_of, a.fertility_anchor_years, a.calibrate_bridge), compute)


def regional_level_variation(inputs: PopulationInputs, as_of: int | None) -> dict[str, float]:
    """Yearly innovations of a region's fertility and mortality levels relative to Sweden's (county series).

    For each of the 21 counties and each year 1968 to ``as_of`` (county data end in 2015): log(observed ÷
    expected) births and deaths at Sweden's rates of the year (SCB BE0101E2, BE0101D9 ÷ the county's
    population). The variance of the yearly change less its Poisson part (2 ÷ expected events) is the
    innovation variance of the county's own level; the median over the counties is used for every region
    below the national level. It enters the simulation as a random walk, beside Sweden's.
    """
    def compute() -> dict[str, float]:
        last = int(inputs.county_years[-1]) if as_of is None else min(int(as_of), int(inputs.county_years[-1]))
        years = [int(y) for y in inputs.county_years
                 if y <= last and y in inputs.mx_years and y in inputs.asfr_years]
        out = {}
        for kind in ("fertility_regional", "mortality_regional"):
            variances = []
            for c in range(len(inputs.county_codes)):
                dev, exp = [], []
                for y in years:
                    k = y - int(inputs.county_years[0])
                    p = inputs.county_pop[c, k]
                    if kind == "fertility_regional":
                        e = float((inputs.national_asfr[int(y - inputs.asfr_years[0])] * p[0]).sum())
                        o = float(inputs.county_births[c, k].sum())
                    else:
                        e = float((inputs.national_mx[int(y - inputs.mx_years[0])] * p).sum())
                        o = float(inputs.county_deaths[c, k].sum())
                    dev.append(np.log(o / e))
                    exp.append(e)
                d = np.diff(dev)
                poisson = float(np.mean([1 / a + 1 / b for a, b in itertools.pairwise(exp)]))
                variances.append(max(float(np.var(d, ddof=1)) - poisson, 0.0))
            out[kind] = float(np.sqrt(np.median(variances)))
        return out
    return inputs.memo(("regional_level_variation", as_of), compute)


def prepare_region(
    region: str,
    jump_off: int | None = None,
    end_year: int = 2040,
    scenario: str = "base",
    inputs: PopulationInputs | None = None,
    processed_dir: Path | None = None,
    as_of: int | None = None,
    **assumptions: Any,
) -> RegionModel:
    """Estimate a region's levels (mortality, fertility, migration) for a projection from ``jump_off``.

    Parameters
    ----------
    as_of : int, optional
        Use only what was observed up to 31 December of this year (a backtest passes its jump-off).
    """
    main = make_assumptions(**assumptions)
    settings, a = resolve_scenario(scenario, main)
    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    code = inputs.registry.resolve(region)
    if as_of is not None and jump_off is not None and jump_off > as_of:
        raise ValueError(f"jump_off={jump_off} is after as_of={as_of}: a projection cannot start from the future")
    jump_off, pop0, synthesised = _jump_off(inputs, code, jump_off, end_year, as_of)
    obs = _series(inputs, code, as_of)
    totals = obs["population"]
    total0 = float(pop0.sum())
    synth_years = set(migration.synthesisable_years(inputs, code)) if len(code) == 4 else set()

    def structure(year: int) -> np.ndarray:
        if year in inputs.single_age.get(code, {}):
            return inputs.single_age[code][year]
        if year in synth_years:
            return migration.synthesise_population(inputs, code, year)
        return pop0 * (totals.get(year, total0) / total0)

    # Expected births and deaths at national rates, for the level factors and their yearly variation.
    last_component = max([y for y in obs["births"] if y in obs["deaths"]] or [jump_off])
    years = np.arange(min(jump_off - a.pool_years, jump_off - a.window_years) + 1, last_component + 1)
    mx = schedules.national_mortality(inputs, years, a, observed=True, as_of=as_of)
    fx = schedules.national_fertility(inputs, years, a, as_of=as_of)
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
    in_profile, out_rel = schedules.migration_profiles(inputs, a, as_of)
    net_counts = None
    international_level = international_share = 0.0
    if len(wyears) >= MIN_FLOW_YEARS:
        mode = "gross"
        ins = np.array([obs["in_migrants"][y] for y in wyears])
        out_rates = np.array([obs["out_migrants"][y] / totals[y - 1] for y in wyears])
        recent = slice(-min(a.level_years, len(wyears)), None)
        in_level, out_rate = float(ins[recent].mean()), float(out_rates[recent].mean())
        in_sd = float(ins.std(ddof=1)) if len(ins) > 1 else 0.0
        net_series = [obs["in_migrants"][y] - obs["out_migrants"][y] for y in wyears]
        movers = [obs["in_migrants"][y] + obs["out_migrants"][y] for y in wyears]
        in_profile = migration.in_migrant_profile(inputs, code, window, a, as_of)
        international_level, international_share = _international(inputs, code, wyears[recent])
        flows = migration.residual_flows(inputs, code, a, as_of)
        group_years = [y for y in wyears if y in flows]
        group_net = [migration.coarse_from_groups(flows[y][0] - flows[y][1]) for y in group_years]
        group_movers = [migration.coarse_from_groups(flows[y][0] + flows[y][1]) for y in group_years]
    elif code in inputs.county_codes or code == "00":
        # No gross flows at the jump-off (Kolada's county flows start in 2008, Sweden's too): the region's
        # residual net migration by single age (SCB stocks, deaths and births), averaged over the window, is
        # the model. Sweden's is the sum of the counties' (domestic moves cancel).
        mode = "net"
        ks = [int(y - inputs.county_years[1]) for y in range(window[0], window[1] + 1)
              if inputs.county_years[1] <= y <= inputs.county_years[-1]]
        if not ks:
            raise ValueError(f"no gross flows (Kolada n01801, n01802) nor county single ages for {code} in "
                             f"{window}; county single ages end in {int(inputs.county_years[-1])}")
        net = (inputs.county_net[:, ks].sum(axis=0) if code == "00"
               else inputs.county_net[inputs.county_codes.index(code), ks])
        net_counts = rates.smooth_ages(net.mean(axis=0), a.profile_smoothing)
        in_level, in_sd, out_rate = 0.0, 0.0, 0.0
        net_series = list(net.sum(axis=(1, 2)))
        movers = []
        group_net = [migration.coarse_sums(n) for n in net]
        group_movers = []
        shape = np.abs(net_counts)
        in_profile = shape / shape.sum()
    else:
        raise ValueError(f"no in- and out-migration totals (Kolada n01801, n01802) for {code} in {window}")

    def level_variation(kind: str, expected: dict, level: float) -> float:
        ys = [y for y in range(window[0], window[1] + 1) if y in obs[kind] and y in expected and obs[kind][y] > 0]
        exp = np.array([expected[y] * level for y in ys])
        return rates.level_sd(np.log(np.array([obs[kind][y] for y in ys]) / exp), exp)

    variation: dict[str, Any] = {
        "births": level_variation("births", expected_births, fertility_factor),
        "deaths": level_variation("deaths", expected_deaths, mortality_factor),
        "net_migrants": migration_level_sd(net_series, movers),
        "migration_noise": float(np.sqrt(np.mean(movers))) if movers else 0.0,
        "composition": migration.composition_sd(group_net, group_movers, migration.coarse_sums(in_profile)),
        **national_level_variation(inputs, a, as_of),
        **regional_level_variation(inputs, as_of),
    }
    if code == "00":
        variation["births"] = variation["deaths"] = 0.0  # Sweden's level variation is the national trend's
        variation["fertility_regional"] = variation["mortality_regional"] = 0.0
    recent_years: list[int] = []
    if a.observed_components and a.align_recent_totals and mode == "gross":
        year = int(jump_off) + len(observed_years) + 1
        while year <= end_year and year in inputs.recent_totals.get(code, {}) and year in totals:
            recent_years.append(year)
            year += 1
    level_years = tuple(int(y) for y in wyears[recent]) if mode == "gross" else ()
    housing = None
    if settings.housing_led:
        if mode != "gross" or len(code) != 4:
            raise ValueError(f"scenario {scenario!r} is defined for municipalities with in- and out-migrants "
                             f"(Kolada n01801, n01802); {code} has none at the jump-off {jump_off}")
        last = jump_off + len(observed_years) + len(recent_years)
        housing = housing_plan(inputs, code, list(level_years), last + 1, end_year, a, as_of=as_of,
                               reference_population=totals.get(last, float(pop0.sum())))
    boys = a.sex_ratio_at_birth if a.sex_ratio_at_birth is not None else inputs.boys_share
    return RegionModel(
        code=code, jump_off=jump_off, pop0=pop0, assumptions=a, scenario=settings, boys_share=boys,
        mortality_factor=mortality_factor, fertility_factor=fertility_factor,
        in_level=in_level, in_sd=in_sd, out_rate=out_rate,
        window=window, observed_years=observed_years, observed=obs, variation=variation,
        in_profile=in_profile, out_relative_rate=out_rel, totals=totals, as_of=as_of,
        migration_mode=mode, net_counts=net_counts, synthesised=synthesised, recent_years=recent_years,
        international_level=international_level, international_share=international_share,
        main_assumptions=main, level_years=level_years, housing=housing,
    )


def region_levels(model: RegionModel) -> pd.DataFrame:
    """The estimated levels of a prepared region as a small table (for reports)."""
    return pd.DataFrame({
        "parameter": ["mortality_factor", "fertility_factor", "in_migrants_per_year", "out_migration_rate",
                      "window_first", "window_last"],
        "value": [model.mortality_factor, model.fertility_factor, model.in_level, model.out_rate,
                  model.window[0], model.window[1]],
    })
