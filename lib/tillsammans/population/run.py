"""One projection run of a prepared region: through the observed years, then the projection proper.

:func:`run_projection` carries the jump-off through the years with observed components, aligns the stock
with Kolada's age groups, meets SCB's latest totals (:mod:`~tillsammans.population.carry`), and projects
from the year after the last observation with the engine, optionally with simulated level deviations. The
projection proper takes the international migration from SCB's national assumption
(:mod:`~tillsammans.population.international`) and, for a reconciled model, adds the persons that make the
290 municipalities add up to the national control (:mod:`~tillsammans.population.reconcile`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from tillsammans.population import engine
from tillsammans.population.carry import COMPONENTS, align_age_groups, carry_through, carry_to_totals
from tillsammans.population.housing import housing_adjustment
from tillsammans.population.inputs import PopulationInputs
from tillsammans.population.international import follows_scb, international_adjustment
from tillsammans.population.levels import RegionModel
from tillsammans.population.region_rates import base_rates, out_rates

if TYPE_CHECKING:
    from tillsammans.population.reconcile import Reconciliation


def projection_schedules(model: RegionModel, inputs: PopulationInputs, start_pop: np.ndarray,
                         first_year: int, end_year: int) -> engine.Schedules:
    """The engine schedules for the projection proper (years ``first_year``..``end_year``)."""
    years = np.arange(first_year, end_year + 1)
    survival, fert = base_rates(model, inputs, years)
    if model.migration_mode == "net":
        if model.net_counts is None:
            raise ValueError(f"{model.code}: migration_mode 'net' needs the net migrants by sex and age")
        in_year, rates_year = model.net_counts, np.zeros((2, 101))
    else:
        in_level = max(model.in_level + model.scenario.in_migration_sd * model.in_sd, 0.0)
        in_year, rates_year = in_level * model.in_profile, out_rates(model, start_pop)
    in_counts = np.broadcast_to(in_year, (len(years), 2, 101)).copy()
    if follows_scb(model):
        in_counts += international_adjustment(model, inputs, years)
    out = np.broadcast_to(rates_year, (len(years), 2, 101)).copy()
    if model.housing is not None:
        added, factor = housing_adjustment(model, years, model.out_rate * float(start_pop.sum()))
        in_counts += added
        out = np.minimum(out * factor[:, None, None], 1.0)
    return engine.Schedules(years=years, survival=survival, fertility=fert, boys_share=model.boys_share,
                            in_counts=in_counts, out_rates=out, in_shape=model.in_profile,
                            zero_net=model.scenario.zero_net_migration)


@dataclass
class ProjectionRun:
    """Raw arrays of a projection: years jump_off..end_year, simulations on the first axis."""

    model: RegionModel
    years: np.ndarray
    population: np.ndarray  # (S, n_years, 2, 101)
    components: dict[str, np.ndarray]  # (S, n_years − 1, 2), for steps ending in years[1:]
    observed_years: list[int]  # years carried with Kolada's observed components
    recent_years: list[int] = field(default_factory=list)  # years carried to SCB's totals

    @property
    def last_observed(self) -> int:
        return self.model.last_observed


def observed_part(model: RegionModel, inputs: PopulationInputs) -> dict[str, np.ndarray]:
    """Population (1, k + 1, 2, 101) and components from the jump-off to the last observed year (memoised)."""
    key = ("observed_part", id(model))
    cached = model.rates_cache.get(key)
    if cached is not None:
        return cached
    carried = carry_through(model, inputs)
    if model.observed_years and model.assumptions.align_age_groups:
        last = model.observed_years[-1]
        carried["population"][0, -1] = align_age_groups(model, inputs, carried["population"][0, -1], last)
    if model.recent_years:
        recent = carry_to_totals(model, inputs, carried["population"][0, -1], model.recent_years)
        carried = {"population": np.concatenate([carried["population"], recent["population"][:, 1:]], axis=1),
                   **{k: np.concatenate([carried[k], recent[k]], axis=1) for k in COMPONENTS}}
    model.rates_cache[key] = carried
    return carried


def run_projection(model: RegionModel, inputs: PopulationInputs, end_year: int,
                   deviations: dict[str, Any] | None = None,
                   reconciliation: Reconciliation | None = None) -> ProjectionRun:
    """Carry through the observed years, then project to ``end_year`` (with optional level deviations).

    A reconciled model (:func:`~tillsammans.population.reconcile.applies`) starts from the aligned stock and
    adds the reconciliation's persons after each projected year (:mod:`~tillsammans.population.reconcile`);
    ``reconciliation`` replaces the model's own (a backtest's other control).
    """
    from tillsammans.population.reconcile import applies, reconciliation_for

    carried = observed_part(model, inputs)
    k = carried["population"].shape[1] - 1  # index of the projection's start year in ``years``
    last = model.jump_off + k
    years = np.arange(model.jump_off, end_year + 1)
    if last >= end_year:
        n = end_year - model.jump_off
        comps = {key: carried[key][:, :n] for key in COMPONENTS}
        return ProjectionRun(model, years, carried["population"][:, : n + 1], comps, model.observed_years,
                             model.recent_years)
    start_pop = carried["population"][0, -1]
    if not applies(model):
        reconciliation = None
    elif reconciliation is None:
        reconciliation = reconciliation_for(model, inputs)
    if reconciliation is not None and reconciliation.start_year == last:
        start_pop = reconciliation.align(model, start_pop)
    sched = projection_schedules(model, inputs, start_pop, last + 1, end_year)
    dev = deviations or {}
    S = max([1] + [v.shape[0] for k, v in dev.items() if k != "in_groups"])
    # Preallocate the whole period and let the engine write the projected part in place (no copies).
    population = np.empty((S, len(years), 2, 101))
    population[:, : k + 1] = carried["population"]
    population[:, k] = start_pop
    comps = {}
    for key in COMPONENTS:
        comps[key] = np.empty((S, len(years) - 1, 2))
        comps[key][:, :k] = carried[key]
    views = {"population": population[:, k:], **{key: v[:, k:] for key, v in comps.items()}}
    added = reconciliation.added(model, sched.years) if reconciliation is not None else None
    engine.run(start_pop, sched, dev.get("mortality"), dev.get("fertility"), dev.get("in_shift"), dev.get("out"),
               out=views, in_groups=dev.get("in_groups"), added=added)
    return ProjectionRun(model, years, population, comps, model.observed_years, model.recent_years)
