"""Cohort-component projection of one region by sex and single year of age: the public functions.

The model (DESIGN.md, "Models"; method and checks in ``docs/population.md``) is built from small modules:

* :mod:`~tillsammans.population.levels` — a region's estimated levels (:func:`prepare_region`);
* :mod:`~tillsammans.population.migration` — its in-migrant age profile (residual method on Kolada's groups);
* :mod:`~tillsammans.population.carry` — observed components 2020–2022, Kolada's age groups, SCB's totals
  2023–2025;
* :mod:`~tillsammans.population.run` — the run from the jump-off to the end year (:func:`run_projection`);
* :mod:`~tillsammans.population.engine` — the annual cohort-component step.

This module turns runs into tidy frames: :func:`project_population`, :func:`projection_components`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tillsammans.population.inputs import PopulationInputs, load_inputs
from tillsammans.population.levels import (
    COMPONENT_KPIS,
    MAX_END_YEAR,
    RegionModel,
    prepare_region,
    region_levels,
)
from tillsammans.population.rates import AGES, SEXES
from tillsammans.population.run import ProjectionRun, projection_schedules, run_projection

__all__ = ["MAX_END_YEAR", "SEX_DTYPE", "ProjectionRun", "RegionModel", "prepare_region", "project_population",
           "project_sum", "projection_components", "projection_schedules", "region_levels", "run_projection",
           "tidy_population"]

#: The ``sex`` column's dtype (categorical, female before male).
SEX_DTYPE = pd.CategoricalDtype(list(SEXES))


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
    as_of: int | None = None,
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
        Start year with a single-year-of-age population (default: the latest, 2019 for municipalities); for
        a municipality also a year with Kolada's age groups by sex (1998–2022), synthesised to single ages.
    processed_dir, inputs :
        Where to read the data, or inputs already read by :func:`load_inputs` (faster for many regions).
    as_of : int, optional
        Information year: estimate with the data observed up to then only (backtests; default all data).
    **assumptions :
        Fields of :class:`~tillsammans.population.assumptions.Assumptions`, e.g. ``window_years=5``.

    Returns
    -------
    DataFrame
        ``year, sex, age, population`` (persons on 31 December; age 100 = 100+) for jump_off..end_year; the
        jump-off year is observed (SCB), the carried-through years 2020–2022 use observed totals of the
        components (Kolada) and end on Kolada's age groups, 2023–2025 equal SCB's totals.
    """
    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    model = prepare_region(municipality, jump_off, end_year, scenario, inputs, as_of=as_of, **assumptions)
    run = run_projection(model, inputs, end_year)
    return tidy_population(run.years, run.population[0])


def project_sum(
    municipalities: Sequence[str],
    end_year: int = 2040,
    scenario: str = "base",
    processed_dir: Path | None = None,
    inputs: PopulationInputs | None = None,
    **assumptions: Any,
) -> pd.DataFrame:
    """The sum of several municipalities' projections (a county, the network, all 290).

    Each municipality is projected as by :func:`project_population` from its latest single ages; with the
    main scenario the sum of all 290 is SCB's national projection (the reconciliation).

    Returns
    -------
    DataFrame
        ``year, sex, age, population`` (persons on 31 December, summed).
    """
    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    codes = [inputs.registry.resolve(c, level="municipality") for c in municipalities]
    if not codes:
        raise ValueError("project_sum needs at least one municipality")
    runs = [run_projection(prepare_region(code, None, end_year, scenario, inputs, **assumptions), inputs, end_year)
            for code in codes]
    years = runs[0].years
    for code, run in zip(codes, runs, strict=True):
        if not np.array_equal(run.years, years):
            raise ValueError(f"{code}'s projection covers {run.years[0]}–{run.years[-1]}, the others "
                             f"{years[0]}–{years[-1]}: only projections of the same years can be added")
    return tidy_population(years, np.sum([run.population[0] for run in runs], axis=0))


def projection_components(
    municipality: str,
    end_year: int = 2040,
    scenario: str = "base",
    jump_off: int | None = None,
    processed_dir: Path | None = None,
    inputs: PopulationInputs | None = None,
    history_from: int = 1998,
    as_of: int | None = None,
    **assumptions: Any,
) -> pd.DataFrame:
    """Births, deaths, in- and out-migrants per year: observed (Kolada) and projected.

    Returns
    -------
    DataFrame
        ``year, component, value, kind`` with ``component`` in births, deaths, in_migrants, out_migrants,
        net_migration and ``kind`` ``"observed"`` (Kolada, from ``history_from``), ``"estimated"`` (the years
        carried to SCB's totals, 2023–2025: modelled components, migration adjusted to the total) or
        ``"projected"``.
    """
    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    model = prepare_region(municipality, jump_off, end_year, scenario, inputs, as_of=as_of, **assumptions)
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
        kind = "estimated" if int(y) in run.recent_years else "projected"
        for name in COMPONENT_KPIS:
            rows.append((int(y), name, float(run.components[name][0, t].sum()), kind))
    frame = pd.DataFrame(rows, columns=["year", "component", "value", "kind"])
    wide = frame.pivot_table(index=["year", "kind"], columns="component", values="value").reset_index()
    wide["net_migration"] = wide["in_migrants"] - wide["out_migrants"]
    tidy = wide.melt(id_vars=["year", "kind"], var_name="component", value_name="value").dropna()
    return tidy[["year", "component", "value", "kind"]].sort_values(["component", "year"]).reset_index(drop=True)
