"""Several municipalities together: the network's need, recruitment need and gap with honest intervals.

An interval of a sum is not the sum of the intervals: the network's 80 % interval comes from summing the
municipalities path by path. How their paths move together is a choice (``joint``):

* ``"shared"`` (default) — every municipality gets its own population deviations (its fertility, mortality
  and migration levels, its Poisson noise) from its own seed, while the national and county random walks of
  fertility and mortality are drawn once for the network (``common_seed``, see
  :func:`tillsammans.population.stochastic.draw_deviations`); the workforce assumptions (retirement age,
  productivity, employment level, turnover) are drawn with one seed, so path ``s`` has the same percentile
  of each in every municipality;
* ``"common"`` — one population seed for all: each municipality's every deviation sits at the same
  standardised value in path ``s`` (perfect correlation, also of local migration): an upper bound of the
  network's width;
* ``"independent"`` — nothing shared, not even Sweden's fertility and mortality or the workforce
  assumptions: a lower bound.

The observed net migration of the seven of C-Tillsammans co-moves (mean correlation of their yearly
deviations from the 5-year mean 0.37, 1998–2022, Kolada n01801 − n01802), which ``"shared"`` leaves out, so
its network interval is on the narrow side; ``docs/workforce.md`` gives all three.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from tillsammans.population.agegroups import WORKING_AGE
from tillsammans.population.stochastic import quantile_name
from tillsammans.workforce.assumptions import make_assumptions
from tillsammans.workforce.local import local_for
from tillsammans.workforce.pipeline import (
    DEFAULT_SEED,
    WorkforceResult,
    central_run,
    compare,
    prepare,
    prepare_staff,
    workforce,
)
from tillsammans.workforce.uncertainty import OUTPUTS, QUANTILES

#: How the municipalities' paths are drawn together (see the module's description).
JOINT = ("shared", "common", "independent")


def municipal_seed(seed: int, municipality: str) -> int:
    """The population seed of one municipality in a joint run: ``seed`` + its code as a number."""
    return int(seed) + int(municipality)


class _Seeds(NamedTuple):
    population: int
    common: int | None  # the seed of the shocks the municipalities share (None: none shared)
    assumptions: int


def _seeds(joint: str, seed: int, code: str) -> _Seeds:
    if joint == "shared":
        return _Seeds(municipal_seed(seed, code), seed, seed)
    if joint == "common":
        return _Seeds(seed, None, seed)
    return _Seeds(municipal_seed(seed, code), None, municipal_seed(seed, code))


def _check(municipalities: Sequence[str], n_sims: int, joint: str) -> list[str]:
    codes = list(municipalities)
    if len(codes) != len(set(codes)) or not codes:
        raise ValueError(f"municipalities must be distinct SCB codes, at least one; got {codes}")
    if joint not in JOINT:
        raise ValueError(f"joint must be one of {', '.join(JOINT)}; got {joint!r}")
    if isinstance(n_sims, bool) or not isinstance(n_sims, (int, np.integer)) or n_sims < 2:
        raise ValueError(f"n_sims must be an integer >= 2 for network intervals, got {n_sims!r}")
    return codes


def network_results(
    municipalities: Sequence[str],
    end_year: int = 2040,
    scenario: str = "base",
    n_sims: int = 1000,
    seed: int = DEFAULT_SEED,
    joint: str = "shared",
    local: str | Path | None = "auto",
    processed_dir: Path | None = None,
    details: bool = True,
    **assumptions,
) -> dict[str, WorkforceResult]:
    """The workforce model of each municipality on jointly drawn paths (see ``joint`` above).

    ``details=False`` leaves out what only a municipality's own report shows (levers, tornado, qualified-staff
    shortfall; :func:`~tillsammans.workforce.workforce`).

    Returns
    -------
    dict
        SCB code → :class:`~tillsammans.workforce.WorkforceResult` with ``paths`` (the per-path arrays).
    """
    from tillsammans import population

    codes = _check(municipalities, n_sims, joint)
    make_assumptions(**assumptions)
    inputs = population.load_inputs(processed_dir)
    results = {}
    for code in codes:
        seeds = _seeds(joint, seed, code)
        pop = population.project_population(code, end_year, scenario, inputs=inputs)
        paths = population.simulate_ages(code, end_year, scenario, n_sims=n_sims, seed=seeds.population,
                                         common_seed=seeds.common, inputs=inputs)
        results[code] = workforce(code, pop, sim_ages=paths, local=local_for(code, local),
                                  processed_dir=processed_dir, seed=seeds.assumptions, details=details, **assumptions)
    return results


def network_total(results: dict[str, WorkforceResult], q: Sequence[float] = QUANTILES) -> pd.DataFrame:
    """The network's sum per year: the main projections summed and the quantiles of the path-by-path sums.

    Returns
    -------
    DataFrame
        ``year, output, central, q025, q10, q50, q90, q975`` for ``staff_need``, ``recruitment_need``
        (cumulative from the base year) and ``gap`` (årsarbetare, all sectors).
    """
    first = next(iter(results.values()))
    paths = [r.paths for r in results.values() if r.paths is not None]
    if len(paths) != len(results):
        raise ValueError("every result needs its simulated paths (workforce(..., sim_population=...))")
    years = paths[0]["years"]
    if any(not np.array_equal(p["years"], years) for p in paths) or any(
            r.n_paths != first.n_paths for r in results.values()):
        raise ValueError("the municipalities' paths must cover the same years and number of paths")
    central = {
        "staff_need": sum(r.need_total.set_index("year")["staff_need"].reindex(years).to_numpy()
                          for r in results.values()),
        "recruitment_need": sum(np.r_[0.0, r.recruitment.groupby("year")[["growth", "retirements"]].sum().sum(axis=1)
                                      .reindex(years[1:]).cumsum().to_numpy()] for r in results.values()),
        "gap": sum(r.gap.set_index("year")["gap"].reindex(years).to_numpy() for r in results.values()),
    }
    frames = []
    for output in OUTPUTS:
        total = sum(p[output][:, :, -1] for p in paths)  # paths × years
        values = np.quantile(total, list(q), axis=0).T
        frame = pd.DataFrame(values, columns=[quantile_name(float(x)) for x in q])
        frames.append(frame.assign(year=years, output=output, central=central[output]))
    out = pd.concat(frames, ignore_index=True)
    return out[["year", "output", "central", *[quantile_name(float(x)) for x in q]]]


def network_workforce(
    municipalities: Sequence[str],
    end_year: int = 2040,
    scenario: str = "base",
    n_sims: int = 1000,
    seed: int = DEFAULT_SEED,
    joint: str = "shared",
    local: str | Path | None = "auto",
    processed_dir: Path | None = None,
    cache: bool = True,
    **assumptions,
) -> dict[str, pd.DataFrame]:
    """Key figures of each municipality and the network's total with intervals, computed once per build.

    Returns
    -------
    dict of DataFrame
        ``"municipalities"``: :func:`~tillsammans.workforce.compare` of the joint run (with ``*_q10`` …
        from each municipality's own paths); ``"total"``: :func:`network_total`. With ``cache=True`` kept
        in ``data/processed/cache`` (keyed on the data, the model source, the arguments and the user's local
        extracts).
    """
    from tillsammans import paths
    from tillsammans.cache import cached, files_hash

    codes = _check(municipalities, n_sims, joint)
    make_assumptions(**assumptions)

    def compute() -> dict[str, pd.DataFrame]:
        results = network_results(codes, end_year, scenario, n_sims, seed, joint, local, processed_dir,
                                  details=False, **assumptions)
        return {"municipalities": compare(results), "total": network_total(results)}

    parameters = {"municipalities": codes, "end_year": end_year, "scenario": scenario, "n_sims": n_sims,
                  "seed": seed, "joint": joint, "local": _local_key(local), "assumptions": _all(assumptions),
                  "local_files": files_hash(paths.local_dir())}
    return cached("workforce_network_joint", compute, modules=["tillsammans.population", "tillsammans.workforce"],
                  parameters=parameters, processed_dir=processed_dir, enabled=cache)


def network_comparison(
    municipalities: Sequence[str],
    end_year: int = 2040,
    scenario: str = "base",
    local: str | Path | None = "auto",
    processed_dir: Path | None = None,
    cache: bool = True,
    n_sims: int = 0,
    seed: int = DEFAULT_SEED,
    **assumptions,
) -> pd.DataFrame:
    """:func:`~tillsammans.workforce.compare` for several municipalities, each with its main projection.

    With ``n_sims`` each municipality also gets its own intervals (its paths drawn as in its own report,
    :func:`network_workforce` for the network's total). An explicit ``local`` file applies only to the
    municipality it belongs to; the others use their own ``data/raw/local/hr_<code>.csv`` if present. With
    ``cache=True`` the result is computed once per build and kept in ``data/processed/cache`` (keyed on the
    data, the model source, the arguments and the user's local extracts).
    """
    from tillsammans import paths, population
    from tillsammans.cache import cached, files_hash

    codes = list(municipalities)
    make_assumptions(**assumptions)

    def compute() -> pd.DataFrame:
        inputs = population.load_inputs(processed_dir)
        if not n_sims:
            # Only the main projection's key figures are read: the central run alone gives them, the same numbers
            # bit for bit as the whole model would, without its levers and qualified-staff tables.
            a = make_assumptions(**assumptions)
            rows = []
            for c in codes:
                pop = population.project_population(c, end_year, scenario, inputs=inputs)
                prepared = prepare(c, pop, local=local_for(c, local), processed_dir=processed_dir, **assumptions)[0]
                run = central_run(prepared, pop, a)
                rows.append({"region_code": c, "base_year": prepared.base_year, "end_year": run.end_year,
                             **run.key_figures()})
            return pd.DataFrame(rows)
        results = {}
        for c in codes:
            pop = population.project_population(c, end_year, scenario, inputs=inputs)
            sims = population.simulate_population(c, end_year, scenario, n_sims=n_sims, inputs=inputs)
            results[c] = workforce(c, pop, sims, local=local_for(c, local), processed_dir=processed_dir,
                                   seed=seed, **assumptions)
        return compare(results)

    parameters = {"municipalities": codes, "end_year": end_year, "scenario": scenario, "local": _local_key(local),
                  "n_sims": n_sims, "seed": seed, "assumptions": _all(assumptions),
                  "local_files": files_hash(paths.local_dir())}
    return cached("workforce_network", compute, modules=["tillsammans.population", "tillsammans.workforce"],
                  parameters=parameters, processed_dir=processed_dir, enabled=cache)


def scenario_comparison(
    municipalities: str | Sequence[str],
    scenarios: Sequence[str] = ("base", "housing"),
    end_year: int = 2040,
    local: str | Path | None = "auto",
    processed_dir: Path | None = None,
    cache: bool = True,
    **assumptions,
) -> pd.DataFrame:
    """Key figures of each municipality under several population scenarios (e.g. the housing scenario).

    Each scenario is :func:`network_comparison` with that scenario's population (deterministic, cached).

    Returns
    -------
    DataFrame
        ``region_code, scenario`` and the columns of :func:`network_comparison`, scenarios in the given order.
    """
    from tillsammans.population import SCENARIOS

    codes = [municipalities] if isinstance(municipalities, str) else list(municipalities)
    unknown = [s for s in scenarios if s not in SCENARIOS]
    if unknown or not scenarios:
        raise ValueError(f"unknown scenario(s) {unknown}; allowed: {', '.join(SCENARIOS)}")
    parts = [network_comparison(codes, end_year, s, local=local, processed_dir=processed_dir, cache=cache,
                                **assumptions).assign(scenario=s) for s in scenarios]
    out = pd.concat(parts, ignore_index=True)
    return out[["region_code", "scenario", *[c for c in out.columns if c not in ("region_code", "scenario")]]]


#: The population model's calibration choices whose effect on the workforce results is reported: a name and
#: what it changes (fields of :class:`tillsammans.population.Assumptions`, or ``jump_off``). ``main`` is the
#: production run; docs/population.md says why each production choice was made.
POPULATION_VARIANTS: dict[str, dict[str, Any]] = {
    "main": {},
    # migration levels and profiles from the last 3 or 9 years with flows instead of 5
    "window_3_years": {"window_years": 3},
    "window_9_years": {"window_years": 9},
    # the municipality's own in-migrant age profile unshrunk, or the county's profile
    "own_migration_profile": {"profile_credibility": 0.0},
    "county_migration_profile": {"profile_credibility": 1e12},
    # carry-through: no alignment of the 2022 stock to Kolada's age groups; not carried to SCB's 2023–2025
    # totals; no observed components at all (a pure projection from the 2019 single ages)
    "no_age_group_alignment": {"align_age_groups": False},
    "no_latest_totals": {"align_recent_totals": False},
    "pure_projection_from_2019": {"observed_components": False},
    # jump-off: Kolada's 2022 age groups spread over single ages instead of SCB's 2019 single ages
    "jump_off_2022": {"jump_off": 2022},
}


def population_sensitivity(
    municipalities: Sequence[str],
    end_year: int = 2040,
    scenario: str = "base",
    variants: Mapping[str, Mapping[str, Any]] | None = None,
    local: str | Path | None = "auto",
    processed_dir: Path | None = None,
    cache: bool = True,
    **assumptions,
) -> pd.DataFrame:
    """The workforce results under alternative calibration choices of the population model.

    Each variant reprojects the population (main projection) with the choice changed and runs the
    workforce model with the same workforce assumptions.

    Parameters
    ----------
    variants : mapping, optional
        Name → keyword arguments of :func:`tillsammans.population.project_population` (default
        :data:`POPULATION_VARIANTS`); an unknown name raises the population model's error.

    Returns
    -------
    DataFrame
        ``variant, region_code, working_age, staff_need, recruitment_need, gap`` in ``end_year`` (persons
        20–64, årsarbetare; recruitment need cumulative from the base year) and the network's sum as
        ``region_code`` ``"total"``; ``gap_change`` is the difference from ``main`` (computed once per build
        with ``cache=True``).
    """
    from tillsammans import paths, population
    from tillsammans.cache import cached, files_hash

    codes = list(municipalities)
    variants = dict(POPULATION_VARIANTS if variants is None else variants)
    if "main" not in variants:
        variants = {"main": {}, **variants}
    a = make_assumptions(**assumptions)

    def compute() -> pd.DataFrame:
        inputs = population.load_inputs(processed_dir)
        # only the main projection's key figures are read; the staff side is the same in every variant
        staff = {code: prepare_staff(code, local=local_for(code, local), processed_dir=processed_dir,
                                     **assumptions) for code in codes}
        rows = []
        for name, changes in variants.items():
            for code in codes:
                frame = population.project_population(code, end_year, scenario, inputs=inputs, **dict(changes))
                prepared, _, _ = prepare(code, frame, processed_dir=processed_dir, staff_inputs=staff[code],
                                         **assumptions)
                k = central_run(prepared, frame, a).key_figures()
                at_end = frame[frame["year"] == end_year]
                rows.append({"variant": name, "region_code": code,
                             "working_age": float(at_end.loc[at_end["age"].between(*WORKING_AGE), "population"].sum()),
                             "staff_need": k["need_end"], "recruitment_need": k["cum_recruitment_need"],
                             "gap": k["gap_end"]})
        out = pd.DataFrame(rows)
        total = out.groupby("variant", as_index=False, sort=False)[["working_age", "staff_need", "recruitment_need",
                                                                   "gap"]].sum().assign(region_code="total")
        out = pd.concat([out, total[out.columns]], ignore_index=True)
        main = out[out["variant"] == "main"].set_index("region_code")["gap"]
        out["gap_change"] = out["gap"] - out["region_code"].map(main)
        return out

    parameters = {"municipalities": codes, "end_year": end_year, "scenario": scenario,
                  "variants": {k: dict(v) for k, v in variants.items()}, "local": _local_key(local),
                  "assumptions": _all(assumptions), "local_files": files_hash(paths.local_dir())}
    return cached("workforce_population_sensitivity", compute,
                  modules=["tillsammans.population", "tillsammans.workforce"], parameters=parameters,
                  processed_dir=processed_dir, enabled=cache)


def _all(assumptions: Mapping[str, Any]) -> dict[str, Any]:
    """Every assumption's value (defaults filled in), so a report passing the defaults explicitly and one
    relying on them share a cache entry."""
    from dataclasses import asdict

    return asdict(make_assumptions(**assumptions))


def _local_key(local: str | Path | None) -> str:
    from tillsammans.cache import files_hash

    text = str(local)
    if local not in (None, "auto") and Path(local).is_file():
        text += ":" + files_hash(Path(local).parent)
    return text
