"""Stochastic projections: level deviations drawn from observed variation, and their quantiles.

Each simulation multiplies the fertility rates and the mortality hazard by ``exp(X_t)`` and adds ``M_t``
persons to the in-migrants (net migration shocks, spread by the in-migrants' age profile):

* fertility and mortality: ``X_t = N_t + L_t`` — a national random walk ``N`` whose yearly innovations are
  the observed yearly changes of Sweden's log TFR and log age-standardised death rate over the long series
  (1968 to the information year; :func:`~tillsammans.population.levels.national_level_variation`), a
  regional random walk from the counties' long series of their level relative to Sweden's
  (:func:`~tillsammans.population.levels.regional_level_variation`), and the region's own AR(1) level
  deviation ``L`` (yearly variation of observed ÷ expected births or deaths over the migration window,
  Poisson noise removed);
* migration: ``M_t = L_t + η_t`` with the level ``L_t = φ L_{t−1} + σ ε_t`` — σ the standard deviation of the
  region's yearly net migration over the window less its Poisson part, φ the assumption ``persistence``
  (chosen on the county backtests, checked on the municipal ones, ``docs/population.md``) — and the
  independent yearly Poisson noise η_t of sd √(in + out).

The state before the first projected year is drawn from the stationary distribution (the current level
itself is uncertain). The years carried through with observations are the same in every simulation.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tillsammans.population import migration
from tillsammans.population.inputs import PopulationInputs, load_inputs
from tillsammans.population.levels import RegionModel, prepare_region
from tillsammans.population.projection import SEX_DTYPE
from tillsammans.population.rates import AGES
from tillsammans.population.reconcile import Reconciliation
from tillsammans.population.run import ProjectionRun, run_projection

#: Allowed number of simulations (memory: about 0.8 kB per simulation and projected year).
MIN_SIMS, MAX_SIMS = 1, 10_000

DEFAULT_SEED = 20200501
DEFAULT_QUANTILES = (0.025, 0.1, 0.5, 0.9, 0.975)


def _check_sims(n_sims: Any, seed: Any) -> None:
    if isinstance(n_sims, bool) or not isinstance(n_sims, (int, np.integer)) or not MIN_SIMS <= n_sims <= MAX_SIMS:
        raise ValueError(f"n_sims={n_sims!r} outside the allowed range {MIN_SIMS}–{MAX_SIMS:,}".replace(",", " "))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")


def ar1_paths(rng: np.random.Generator, n_sims: int, n_years: int, sd: float, persistence: float) -> np.ndarray:
    """AR(1) paths (n_sims, n_years) ``X_t = φ X_{t−1} + sd·ε_t`` (φ = 1: a random walk).

    The state before the first year is drawn from the stationary distribution, sd/√(1−φ²) (for φ = 1: sd):
    the current level itself is uncertain — the window mean is only an estimate of it.
    """
    eps = rng.standard_normal((n_sims, n_years)) * sd
    x = np.empty_like(eps)
    start_sd = sd / np.sqrt(1 - persistence**2) if persistence < 1 else sd
    prev = rng.standard_normal(n_sims) * start_sd
    for t in range(n_years):  # a loop over years only; simulations are vectorised
        prev = persistence * prev + eps[:, t]
        x[:, t] = prev
    return x


def random_walk(rng: np.random.Generator, n_sims: int, n_years: int, sd: float) -> np.ndarray:
    """Random walks (n_sims, n_years) starting at 0 with yearly innovations of standard deviation ``sd``."""
    return np.cumsum(rng.standard_normal((n_sims, n_years)) * sd, axis=1)


def draw_deviations(model: RegionModel, n_sims: int, n_years: int, seed: int,
                    common_seed: int | None = None) -> dict[str, Any]:
    """Level deviations for the engine: multipliers (mortality, fertility) and in-migrant shifts (persons).

    ``common_seed`` (optional) draws the national random walks from ``[common_seed, 0]`` and the regional
    (county) ones from ``[common_seed, 100 + county]``, so regions simulated with the same ``common_seed`` share
    path by path the shocks that are common to them (Sweden's; their county's), while their own level and
    migration deviations come from ``seed``. Without it every draw comes from ``seed`` (as before).
    """
    rng = np.random.default_rng(seed)
    if common_seed is None:
        national = regional = rng
    else:
        county = int(model.code[:2]) if model.code[:2].isdigit() else 0
        national = np.random.default_rng([common_seed, 0])
        regional = np.random.default_rng([common_seed, 100 + county])
    phi = model.assumptions.persistence
    v = model.variation
    fert = np.exp(ar1_paths(rng, n_sims, n_years, v["births"], phi)
                  + random_walk(national, n_sims, n_years, v.get("fertility_trend", 0.0))
                  + random_walk(regional, n_sims, n_years, v.get("fertility_regional", 0.0)))
    mort = np.exp(ar1_paths(rng, n_sims, n_years, v["deaths"], phi)
                  + random_walk(national, n_sims, n_years, v.get("mortality_trend", 0.0))
                  + random_walk(regional, n_sims, n_years, v.get("mortality_regional", 0.0)))
    net = ar1_paths(rng, n_sims, n_years, v["net_migrants"], phi)
    net += rng.standard_normal((n_sims, n_years)) * v.get("migration_noise", 0.0)
    # arrays (n_sims, n_years); "in_groups" a pair of arrays (the groups' shifts and their spread)
    out: dict[str, Any] = {"fertility": fert, "mortality": mort, "in_shift": net}
    sd = np.asarray(v.get("composition", ()), dtype=float)
    if sd.size and (sd > 0).any():
        # Each coarse age group's own deviation, made zero-sum over the groups (the total's deviation is
        # ``in_shift``): the composition of the migrants varies, not their number.
        phi_c = model.assumptions.composition_persistence
        groups = np.stack([ar1_paths(rng, n_sims, n_years, float(x), phi_c) for x in sd], axis=-1)
        shares = migration.coarse_sums(model.in_profile)
        groups -= groups.sum(axis=-1, keepdims=True) * shares
        out["in_groups"] = (groups, migration.coarse_spread(model.in_profile))
    return out


def simulate_run(
    municipality: str,
    end_year: int = 2040,
    scenario: str = "base",
    n_sims: int = 1000,
    seed: int = DEFAULT_SEED,
    jump_off: int | None = None,
    inputs: PopulationInputs | None = None,
    processed_dir: Path | None = None,
    as_of: int | None = None,
    common_seed: int | None = None,
    **assumptions: Any,
) -> ProjectionRun:
    """The simulations as arrays (fast path for many regions); see :func:`simulate_population`."""
    _check_sims(n_sims, seed)
    _check_sims(n_sims, 0 if common_seed is None else common_seed)
    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    model = prepare_region(municipality, jump_off, end_year, scenario, inputs, as_of=as_of, **assumptions)
    return simulate_model(model, inputs, end_year, n_sims, seed, common_seed)


def simulate_model(model: RegionModel, inputs: PopulationInputs, end_year: int, n_sims: int,
                   seed: int = DEFAULT_SEED, common_seed: int | None = None,
                   reconciliation: Reconciliation | None = None) -> ProjectionRun:
    """Simulate a prepared region to ``end_year`` (the backtests call this with their own prepared models;
    ``reconciliation`` as in :func:`~tillsammans.population.run.run_projection`)."""
    n_proj = end_year - model.last_observed
    deviations = draw_deviations(model, n_sims, n_proj, seed, common_seed) if n_proj > 0 else None
    run = run_projection(model, inputs, end_year, deviations, reconciliation)
    if run.population.shape[0] != n_sims:  # nothing left to simulate: every path is the observed one
        run.population = np.broadcast_to(run.population, (n_sims, *run.population.shape[1:]))
    return run


def simulate_population(
    municipality: str,
    end_year: int = 2040,
    scenario: str = "base",
    n_sims: int = 1000,
    seed: int = DEFAULT_SEED,
    jump_off: int | None = None,
    inputs: PopulationInputs | None = None,
    processed_dir: Path | None = None,
    common_seed: int | None = None,
    **assumptions: Any,
) -> pd.DataFrame:
    """Stochastic cohort-component projection.

    Parameters
    ----------
    municipality, end_year, scenario, jump_off, inputs, processed_dir, **assumptions :
        As for :func:`~tillsammans.population.project_population`.
    n_sims : int
        Number of simulated paths, 1..10 000.
    seed : int
        Seed of numpy's default generator (same seed, same paths).
    common_seed : int, optional
        Joint simulation of several regions: the national and county random walks of fertility and
        mortality are drawn from this seed, so regions run with the same ``common_seed`` (and their own,
        different ``seed``) share those shocks path by path (see :func:`draw_deviations`). Default: every
        draw from ``seed``.

    Returns
    -------
    DataFrame
        ``sim, year, sex, age, population`` (population float32, persons on 31 December).
    """
    run = simulate_run(municipality, end_year, scenario, n_sims, seed, jump_off, inputs, processed_dir,
                       common_seed=common_seed, **assumptions)
    pop = run.population
    S, n = pop.shape[0], len(run.years)
    cells = n * 2 * 101
    sex = pd.Categorical.from_codes(np.tile(np.repeat(np.array([0, 1], dtype=np.int8), 101), n * S), dtype=SEX_DTYPE)
    return pd.DataFrame({
        "sim": np.repeat(np.arange(S, dtype=np.int32), cells),
        "year": np.tile(np.repeat(run.years.astype(np.int16), 2 * 101), S),
        "sex": sex,
        "age": np.tile(AGES.astype(np.int16), 2 * n * S),
        "population": pop.astype(np.float32).reshape(-1),
    })


def simulate_ages(
    municipality: str,
    end_year: int = 2040,
    scenario: str = "base",
    n_sims: int = 1000,
    seed: int = DEFAULT_SEED,
    jump_off: int | None = None,
    inputs: PopulationInputs | None = None,
    processed_dir: Path | None = None,
    common_seed: int | None = None,
    **assumptions: Any,
) -> tuple[np.ndarray, np.ndarray]:
    """The paths of :func:`simulate_population` as arrays, the sexes added: for models that read persons by
    age (the workforce model) without the long frame (5 million rows for 1 000 paths to 2040).

    Returns
    -------
    (ndarray, ndarray)
        The years and the persons ``paths × years × 101`` (age 100 = 100+; on 31 December), each sex in the
        frame's precision (float32) before they are added — the numbers the frame gives, exactly.
    """
    run = simulate_run(municipality, end_year, scenario, n_sims, seed, jump_off, inputs, processed_dir,
                       common_seed=common_seed, **assumptions)
    per_sex = run.population.astype(np.float32).astype(float)
    return np.asarray(run.years).copy(), per_sex[:, :, 0] + per_sex[:, :, 1]


def population_quantiles(
    sim_frame: pd.DataFrame,
    by: Sequence[str] = ("year",),
    q: Sequence[float] = DEFAULT_QUANTILES,
    value: str = "population",
    wide: bool = False,
) -> pd.DataFrame:
    """Quantiles over simulations of a simulated quantity summed within groups.

    Parameters
    ----------
    sim_frame : DataFrame
        Has ``sim``, the ``by`` columns and ``value`` (e.g. from :func:`simulate_population`, or from
        :func:`~tillsammans.population.age_groups` applied to it).
    by : sequence of str
        Grouping, e.g. ``("year",)`` for totals or ``("year", "age_group")``.
    q : sequence of float
        Quantiles in (0, 1); (0.1, 0.9) is the 80 % interval, (0.025, 0.975) the 95 % interval.
    wide : bool
        One column per quantile, named as :func:`tillsammans.plots.fan` expects (0.025 → ``q025``,
        0.1 → ``q10``, 0.5 → ``q50``, 0.9 → ``q90``, 0.975 → ``q975``), instead of the tidy
        ``quantile, <value>`` pair.

    Returns
    -------
    DataFrame
        ``*by, quantile, <value>`` (tidy), or ``*by, q025, q10, …`` when ``wide``.
    """
    by = list(by)
    missing = [c for c in ["sim", *by, value] if c not in sim_frame.columns]
    if missing:
        raise ValueError(f"sim_frame lacks column(s) {missing}; it has {list(sim_frame.columns)}")
    qs = np.asarray(q, dtype=float)
    if qs.size == 0 or not ((qs > 0) & (qs < 1)).all():
        raise ValueError(f"quantiles must lie in (0, 1), got {list(q)}")
    table = _yearly_totals(sim_frame) if by == ["year"] and value == "population" else None
    if table is None:
        sums = sim_frame.groupby([*by, "sim"], observed=True, sort=True)[value].sum().astype(float)
        table = sums.unstack("sim")
    values = np.quantile(table.to_numpy(), qs, axis=1).T
    if wide:
        return pd.DataFrame(values, index=table.index, columns=[quantile_name(x) for x in qs]).reset_index()
    out = pd.DataFrame(values, index=table.index, columns=list(qs)).reset_index()
    long = out.melt(id_vars=by, var_name="quantile", value_name=value)
    long["quantile"] = long["quantile"].astype(float)
    return long.sort_values([*by, "quantile"]).reset_index(drop=True)


def _yearly_totals(sim_frame: pd.DataFrame) -> pd.DataFrame | None:
    """Total persons per year (rows) and path (columns) of a frame laid out as :func:`simulate_population`
    writes it (path, year, sex, age), from its array: the sum pandas' grouping gives — the cells of a group
    added in order with Kahan's compensation, in the column's precision — bit for bit, at a fifth of the cost.
    ``None`` for any other layout."""
    if set(sim_frame.columns) != {"sim", "year", "sex", "age", "population"} or len(sim_frame) == 0:
        return None
    sim, year = sim_frame["sim"].to_numpy(), sim_frame["year"].to_numpy()
    cells = 2 * len(AGES)
    later = np.flatnonzero(sim != sim[0])
    block = int(later[0]) if later.size else len(sim)  # the rows of the first path
    years = year[:block:cells]
    n_sims = len(sim_frame) // block
    if (block % cells or n_sims * block != len(sim_frame) or (np.diff(years) <= 0).any()
            or not np.array_equal(sim, np.repeat(np.arange(n_sims, dtype=sim.dtype), cells * len(years)))
            or not np.array_equal(year, np.tile(np.repeat(years, cells), n_sims))
            or not np.array_equal(sim_frame["age"].to_numpy(), np.tile(AGES, 2 * len(years) * n_sims))):
        return None
    values = sim_frame["population"].to_numpy().reshape(n_sims, len(years), cells)
    total = np.zeros(values.shape[:2], dtype=values.dtype)
    compensation = np.zeros_like(total)
    for cell in range(cells):
        y = values[:, :, cell] - compensation
        t = total + y
        compensation = (t - total) - y
        total = t
    return pd.DataFrame(total.T.astype(float), index=pd.Index(years, name="year"),
                        columns=pd.Index(np.arange(n_sims, dtype=sim.dtype), name="sim"))


def quantile_name(q: float) -> str:
    """Column name of a quantile: 0.1 → ``q10``, 0.5 → ``q50``, 0.025 → ``q025``, 0.975 → ``q975``."""
    digits = f"{q:.10f}".rstrip("0").split(".")[1]
    return "q" + digits.ljust(2, "0")
