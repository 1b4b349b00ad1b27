"""The workforce model for one municipality: inputs → demand → exits → supply → gap → uncertainty.

:func:`workforce` runs the steps in that order and keeps every intermediate table in a
:class:`WorkforceResult`; :func:`compare` and :func:`network_comparison` put several municipalities side by
side; :func:`sector_results` is the per-sector table (need, recruitment need, gap with intervals) that the
cooperation ranking reads. Presentation text (Swedish labels) lives in the notebooks and in
:mod:`tillsammans.plots.workforce`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from tillsammans import assumptions as shared_assumptions
from tillsammans.workforce import exits as exits_step
from tillsammans.workforce.assumptions import Assumptions, make_assumptions
from tillsammans.workforce.demand import check_base_year, sector_order, use_rates
from tillsammans.workforce.gap import QUALIFICATIONS, gap, qualified_shortfall, recruitment_need, run_paths
from tillsammans.workforce.inputs import (
    Prepared,
    employment_range,
    model_inputs,
    national_teacher_share,
    read_kolada,
    value_year,
    values,
)
from tillsammans.workforce.inputs import (
    base_year as study_base_year,
)
from tillsammans.workforce.levers import levers_table
from tillsammans.workforce.sectors import SECTORS, population_array
from tillsammans.workforce.staff import sector_staff, staff_today
from tillsammans.workforce.supply import supply_factors
from tillsammans.workforce.uncertainty import (
    assumption_ranges,
    draw_assumptions,
    intervals,
    simulate,
    tornado,
)

#: Seed of the workforce assumptions' draws (the population paths have their own).
DEFAULT_SEED = 20200501


@dataclass
class WorkforceResult:
    """Everything the report shows for one municipality (tidy DataFrames, årsarbetare)."""

    municipality: str
    base_year: int
    end_year: int
    assumptions: Assumptions
    origin: str
    local_file: str | None
    inputs: pd.DataFrame
    staff: pd.DataFrame
    sectors: pd.DataFrame
    staff_age: pd.DataFrame
    rates: dict[str, float]
    turnover: dict[str, float]
    factors: dict[str, float]
    need: pd.DataFrame
    need_total: pd.DataFrame
    recruitment: pd.DataFrame
    supply: pd.DataFrame
    gap: pd.DataFrame
    levers: pd.DataFrame | None
    shortfall: pd.DataFrame | None
    ranges: pd.DataFrame
    intervals: pd.DataFrame | None = None
    tornado: pd.DataFrame | None = None
    n_paths: int = 0
    #: Per path (Monte Carlo): ``years`` and ``staff_need``, ``recruitment_need``, ``gap`` as arrays paths ×
    #: years × (sectors + total); the network sums them path by path.
    paths: dict[str, np.ndarray] | None = None

    def key_figures(self) -> dict[str, float]:
        """Key numbers: staff today, need, cumulative recruitment need and its parts, supply and gap in the end
        year, with the 80 % interval (``*_q10``, ``*_q90``) when the Monte Carlo ran."""
        rec, supplied = self.recruitment, self.supply
        out = central_key_figures(
            float(self.sectors["staff"].sum()), self.turnover["turnover"], supplied["year"].to_numpy(),
            self.need_total["staff_need"].to_numpy(), supplied["supply"].to_numpy(),
            supplied["population"].to_numpy(), supplied["working_age"].to_numpy(),
            {k: rec[k].to_numpy() for k in ("growth", "retirements", "turnover")}, self.base_year, self.end_year)
        if self.intervals is not None:
            sel = self.intervals[(self.intervals["year"] == self.end_year) & (self.intervals["sector"] == "total")]
            names = {"staff_need": "need_end", "recruitment_need": "cum_recruitment_need", "gap": "gap_end"}
            for rec_ in sel.itertuples(index=False):
                for q in ("q025", "q10", "q90", "q975"):
                    out[f"{names[rec_.output]}_{q}"] = float(getattr(rec_, q))
        return out


def central_key_figures(staff_today: float, turnover: float, years: np.ndarray, need_total: np.ndarray,
                        supply: np.ndarray, population: np.ndarray, working_age: np.ndarray,
                        flows: Mapping[str, np.ndarray], base_year: int, end_year: int) -> dict[str, float]:
    """The key figures of the main projection (:meth:`WorkforceResult.key_figures` without intervals).

    From arrays, so that the tidy tables of :meth:`WorkforceResult.key_figures` and the arrays of
    :meth:`CentralRun.key_figures` give the same numbers, bit for bit.

    Parameters
    ----------
    staff_today : float
        Årsarbetare in the base year (all sectors).
    turnover : float
        Yearly share leaving for other reasons than retirement.
    years, need_total, supply, population, working_age : ndarray
        Per year from the base year: staff need (all sectors) and supply (årsarbetare), residents and residents
        20–64 (persons).
    flows : mapping
        ``growth``, ``retirements``, ``turnover`` per sector and year after the base year, in the order of
        :func:`~tillsammans.workforce.gap.recruitment_need`'s rows (årsarbetare).
    """
    at = {int(y): i for i, y in enumerate(years)}
    end, base = at[end_year], at[base_year]
    gap_ = need_total - supply
    growth, retirements, leavers = (float(np.sum(flows[k])) for k in ("growth", "retirements", "turnover"))
    return {
        "staff_today": float(staff_today),
        "need_end": float(need_total[end]),
        "cum_growth": growth,
        "cum_retirements": retirements,
        "cum_turnover": leavers,
        "cum_recruitment_need": growth + retirements,
        "supply_base": float(supply[base]),
        "gap_base": float(gap_[base]),
        "supply_end": float(supply[end]),
        "gap_end": float(gap_[end]),
        "gap_change_end": float(gap_[end] - gap_[0]),
        "gap_per_1000_end": float(gap_[end] / population[end] * 1000),
        "gap_share_working_age_end": float(gap_[end] / working_age[end]),
        "need_share_working_age_base": float(need_total[base] / working_age[base]),
        "need_share_working_age_end": float(need_total[end] / working_age[end]),
        "turnover": float(turnover),
    }


@dataclass
class CentralRun:
    """The main projection of one municipality (:func:`central_run`): the model's arrays, and the tidy tables
    made from them when first read (:func:`~tillsammans.workforce.population_sensitivity` reads only
    :meth:`key_figures`, which needs none of them).

    ``years`` and ``population`` are the population as arrays (:func:`~tillsammans.workforce.sectors.population_array`);
    ``arrays`` is :func:`~tillsammans.workforce.gap.run_paths` for the one path, from the base year.
    """

    end_year: int
    years: np.ndarray
    population: np.ndarray
    arrays: dict[str, np.ndarray]
    prepared: Prepared

    @cached_property
    def _tables(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        return _tidy(self.arrays, self.prepared)

    @property
    def need(self) -> pd.DataFrame:
        return self._tables[0]

    @property
    def supply(self) -> pd.DataFrame:
        return self._tables[2]

    @cached_property
    def need_total(self) -> pd.DataFrame:
        return pd.DataFrame({"year": self.arrays["years"], "staff_need": self._need_total})

    @cached_property
    def recruitment(self) -> pd.DataFrame:
        return recruitment_need(self.need, self._tables[1])

    @cached_property
    def gap(self) -> pd.DataFrame:
        return gap(self.need_total, self.supply)

    @cached_property
    def _need_total(self) -> np.ndarray:
        # The one definition of the need summed over sectors: the tidy table and the key figures both read it.
        return self.arrays["need"][0].sum(axis=1)

    def key_figures(self) -> dict[str, float]:
        """:func:`central_key_figures` straight from the arrays (no tidy tables)."""
        run, prepared = self.arrays, self.prepared
        need = run["need"][0]
        flows = {"growth": (need[1:] - need[:-1]).reshape(-1), "retirements": run["retirements"][0].reshape(-1),
                 "turnover": run["turnover"][0].reshape(-1)}
        return central_key_figures(float(prepared.sectors["staff"].sum()), prepared.turnover["turnover"],
                                   run["years"], self._need_total, run["supply"][0], run["population"][0],
                                   run["working_age"][0], flows, prepared.base_year, self.end_year)


def central_run(prepared: Prepared, population: pd.DataFrame, a: Assumptions) -> CentralRun:
    """The main projection of one municipality: need, recruitment need, supply and gap per year.

    The part of :func:`workforce` that the key figures need (no Monte Carlo, tornado, levers or
    qualifications); :func:`~tillsammans.workforce.population_sensitivity` runs only this.
    """
    year0 = prepared.base_year
    end_year = int(population["year"].max())
    if end_year <= year0:
        raise ValueError(f"the population frame ends in {end_year}; it must reach beyond the base year {year0}")
    _, years, pop = population_array(population)
    run = run_paths(prepared, pop, years, a.productivity, a.retirement_age, a.retirement_age_sd,
                    prepared.turnover["turnover"])
    return CentralRun(end_year, years, pop, run, prepared)


@dataclass(frozen=True)
class StaffInputs:
    """The part of the *inputs* step that does not depend on the population (:func:`prepare_staff`).

    Attributes
    ----------
    inputs : DataFrame
        The Kolada values read (:func:`~tillsammans.workforce.model_inputs`).
    staff : DataFrame
        Staff by sector and age band (:func:`~tillsammans.workforce.staff_today`).
    prepared : Prepared
        The prepared inputs without the population's part (``rates`` and ``factors`` empty).
    """

    inputs: pd.DataFrame
    staff: pd.DataFrame
    prepared: Prepared


def prepare_staff(municipality: str, base_year: int | None = None, local: str | Path | None = "auto",
                  processed_dir: Path | None = None, **assumptions) -> StaffInputs:
    """The population-independent part of :func:`prepare`: staff, their ages, turnover, levers' inputs.

    Read once per municipality where several populations are run with the same assumptions
    (:func:`~tillsammans.workforce.population_sensitivity`).
    """
    a = make_assumptions(**assumptions)
    year0 = study_base_year(processed_dir) if base_year is None else int(base_year)
    tidy = read_kolada(municipality, processed_dir)
    inputs = model_inputs(municipality, year0, processed_dir)
    staff = staff_today(municipality, year0, local=local, processed_dir=processed_dir, inputs=inputs,
                        hsl_share=a.hsl_share)
    sectors = sector_staff(staff)
    if not sectors["staff"].sum() > 0:
        raise ValueError(f"municipality {municipality}: total staff is {sectors['staff'].sum()}; expected "
                         "årsarbetare > 0")
    staff_age = exits_step.staff_age_profile(staff, a.retirement_age, a.retirement_age_sd)
    hazard = exits_step.retirement_hazard(a.retirement_age, a.retirement_age_sd)
    ages = exits_step.age_array(staff_age)
    retirement_rate = float((np.r_[0.0, ages.sum(axis=0)[:-1]] * hazard).sum() / ages.sum())
    data_turnover = exits_step.turnover_from_data(municipality, retirement_rate, processed_dir)
    if a.turnover is not None:
        turnover = {"turnover": a.turnover, "source": "parameter", "retirement_rate": retirement_rate,
                    **({k: v for k, v in data_turnover.items() if k != "turnover"} if data_turnover else {})}
    elif data_turnover is not None:
        turnover = {**data_turnover, "source": "Kolada n00239, n00233", "retirement_rate": retirement_rate}
    else:
        raise ValueError(f"municipality {municipality}: Kolada has no n00239/n00233 (new and permanent "
                         "employees) to measure turnover; pass turnover=<share per year>")
    v = values(inputs, municipality)
    part_timers = float(v.get("n00227", np.nan))
    sick = float(v.get("n00090", np.nan)) / 100
    prepared = Prepared(municipality, year0, sectors, staff_age, {}, {}, turnover,
                        employment_range(tidy, municipality), part_timers if np.isfinite(part_timers) else 0.0,
                        sick if np.isfinite(sick) else 0.0, ages)
    return StaffInputs(inputs, staff, prepared)


def prepare(municipality: str, population: pd.DataFrame, base_year: int | None = None,
            local: str | Path | None = "auto", processed_dir: Path | None = None,
            staff_inputs: StaffInputs | None = None, **assumptions) -> tuple[Prepared, pd.DataFrame, pd.DataFrame]:
    """The *inputs* step for one municipality: staff, their ages, use rates, supply factors, turnover.

    Parameters
    ----------
    staff_inputs : StaffInputs, optional
        :func:`prepare_staff` already read for this municipality, base year, local file and assumptions.

    Returns
    -------
    (Prepared, DataFrame, DataFrame)
        The prepared inputs, the Kolada values read (:func:`~tillsammans.workforce.model_inputs`) and the
        staff by sector and age band (:func:`~tillsammans.workforce.staff_today`).
    """
    a = make_assumptions(**assumptions)
    year0 = study_base_year(processed_dir) if base_year is None else int(base_year)
    check_base_year(population, year0)
    if staff_inputs is None:
        staff_inputs = prepare_staff(municipality, year0, local, processed_dir, **assumptions)
    elif (staff_inputs.prepared.municipality, staff_inputs.prepared.base_year) != (municipality, year0):
        raise ValueError(f"staff_inputs are of {staff_inputs.prepared.municipality} "
                         f"{staff_inputs.prepared.base_year}, not of {municipality} {year0}")
    inputs = staff_inputs.inputs
    rates = use_rates(inputs, municipality, population, year0, a.use_90_ratio)
    _, _, pop = population_array(population[population["year"] == year0])
    factors = supply_factors(inputs, municipality, pop[0, 0], year0, a.commuting, processed_dir)
    return replace(staff_inputs.prepared, rates=rates, factors=factors), inputs, staff_inputs.staff


def national_qualifications(inputs: pd.DataFrame, municipality: str, processed_dir: Path | None = None
                            ) -> dict[str, tuple[float, str]]:
    """Sweden's qualified-teacher shares Kolada lacks: the teacher-weighted mean of all municipalities in the
    year of the municipality's own value (:func:`~tillsammans.workforce.inputs.national_teacher_share`)."""
    out = {}
    for q in QUALIFICATIONS.values():
        year = value_year(inputs, municipality, q.kpi)
        if q.teachers is None or year is None:
            continue
        share, used = national_teacher_share(q.kpi, *q.teachers, year, processed_dir)
        if used is not None:
            out[q.kpi] = (share, f"vägt medel av landets kommuner (lärare i heltidstjänster), Kolada {q.kpi}, {used}")
    return out


def _tidy(run: dict[str, np.ndarray], prepared: Prepared) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    years, names = run["years"], list(SECTORS)
    grid = pd.MultiIndex.from_product([years, names], names=["year", "sector"]).to_frame(index=False)
    need = grid.assign(staff_need=run["need"][0].reshape(-1))
    flows = pd.MultiIndex.from_product([years[1:], names], names=["year", "sector"]).to_frame(index=False)
    flows = flows.assign(retirements=run["retirements"][0].reshape(-1), turnover=run["turnover"][0].reshape(-1))
    supplied = pd.DataFrame({"year": years, "population": run["population"][0],
                             "working_age": run["working_age"][0], "supply": run["supply"][0]})
    return sector_order(need).reset_index(drop=True), flows, supplied


def workforce(municipality: str, population: pd.DataFrame, sim_population: pd.DataFrame | None = None,
              base_year: int | None = None, local: str | Path | None = "auto", processed_dir: Path | None = None,
              seed: int = DEFAULT_SEED, sim_ages: tuple[np.ndarray, np.ndarray] | None = None,
              details: bool = True, **assumptions) -> WorkforceResult:
    """Run the whole workforce model for one municipality.

    Parameters
    ----------
    municipality : str
        SCB code (validated by the caller through the registry).
    population : DataFrame
        Projected population ``year, age, population [, sex]`` including the base year.
    sim_population : DataFrame, optional
        Simulated paths ``sim, year, age, population [, sex]``: with them the Monte Carlo draws the
        workforce assumptions once per path and gives intervals and the tornado.
    sim_ages : (ndarray, ndarray), optional
        The same paths as arrays, ``(years, persons paths × years × 101)``
        (:func:`tillsammans.population.simulate_ages`), instead of ``sim_population``: no long frame to build
        and read back (faster for many municipalities; the same results).
    base_year : int, optional
        Default :func:`tillsammans.workforce.base_year` (the latest year with staff data).
    local : "auto", path or None
        The municipality's HR extract (see :mod:`tillsammans.workforce.local`).
    seed : int
        Seed of the assumptions' draws.
    details : bool
        Also the levers, the tornado and the qualified-staff shortfall (what a municipality's own report shows);
        ``False`` leaves them ``None``: the network's joint run reads only the key figures, intervals and paths.
    **assumptions
        Fields of :class:`~tillsammans.workforce.assumptions.Assumptions`.
    """
    a = make_assumptions(**assumptions)
    if "sim" in population.columns:
        raise ValueError("population must be one path (project_population); pass simulations as sim_population")
    prepared, inputs, staff = prepare(municipality, population, base_year, local, processed_dir, **assumptions)
    year0 = prepared.base_year
    main = central_run(prepared, population, a)
    end_year, years, pop = main.end_year, main.years, main.population
    ranges = assumption_ranges(a, prepared)
    bands = torn = paths = None
    n_paths = 0
    if sim_population is not None and sim_ages is not None:
        raise ValueError("pass the simulated paths once: sim_population (a frame) or sim_ages (arrays)")
    if sim_ages is not None:
        sim_years, sim_pop = np.asarray(sim_ages[0]), np.asarray(sim_ages[1], dtype=float)
        if sim_pop.ndim != 3 or sim_pop.shape[1:] != (len(sim_years), 101):
            raise ValueError(f"sim_ages holds persons of shape {sim_pop.shape}; expected paths × "
                             f"{len(sim_years)} years × 101 ages")
        if (sim_pop < 0).any():
            raise ValueError("simulated paths have negative counts")
        sims = np.arange(len(sim_pop))
    elif sim_population is not None:
        sims, sim_years, sim_pop = population_array(sim_population)
    if sim_population is not None or sim_ages is not None:
        draws = draw_assumptions(ranges, len(sims), seed)
        paths = simulate(prepared, sim_pop, sim_years, draws, a.retirement_age_sd)
        bands = intervals(paths)
        torn = tornado(prepared, pop, years, ranges, end_year, sim_pop, a.retirement_age_sd) if details else None
        n_paths = len(sims)
    levers: pd.DataFrame | None = None
    shortfall: pd.DataFrame | None = None
    if details:
        # the later retirement age changes only the supply: no need to follow the staff year by year
        later = run_paths(prepared, pop, years, a.productivity, a.retirement_age + a.retirement_age_increase,
                          a.retirement_age_sd, prepared.turnover["turnover"], exits=False)
        later_supply = pd.DataFrame({"year": later["years"], "supply": later["supply"][0]})
        levers = levers_table(main.gap, later_supply, prepared.part_timers, prepared.sick_leave, end_year, year0,
                              productivity_lever=a.productivity_lever, sick_leave_reduction=a.sick_leave_reduction,
                              extra_hours=a.extra_hours, full_time_hours=a.full_time_hours)
        shortfall = qualified_shortfall(inputs, municipality, prepared.sectors,
                                        national_qualifications(inputs, municipality, processed_dir))
    return WorkforceResult(
        municipality, year0, end_year, a, staff.attrs.get("origin", "kolada"), staff.attrs.get("file"), inputs,
        staff, prepared.sectors, prepared.staff_age, prepared.rates, prepared.turnover, prepared.factors, main.need,
        main.need_total, main.recruitment, main.supply, main.gap, levers, shortfall, ranges, bands, torn, n_paths,
        paths)


def sector_results(result: WorkforceResult, year: int | None = None) -> pd.DataFrame:
    """Per-sector results in ``year`` (default the end year): the table a ranking reads.

    Returns
    -------
    DataFrame
        ``region_code, year, sector, staff_today, staff_need, recruitment_need, gap`` (main projection) and,
        when the Monte Carlo ran, ``<output>_q10``/``_q90``/``_q025``/``_q975`` for ``staff_need``,
        ``recruitment_need`` and ``gap``; the last row is the total (``sector`` ``total``). Årsarbetare.
    """
    year = result.end_year if year is None else int(year)
    staff = result.sectors.set_index("sector")["staff"]
    need = result.need[result.need["year"] == year].set_index("sector")["staff_need"]
    rec = result.recruitment[result.recruitment["year"] <= year].groupby("sector")[["growth", "retirements"]].sum()
    supply = float(result.gap.loc[result.gap["year"] == year, "supply"].iloc[0])
    out = pd.DataFrame({"staff_today": staff, "staff_need": need,
                        "recruitment_need": rec["growth"] + rec["retirements"]}).reindex(list(SECTORS))
    out["gap"] = out["staff_need"] - supply * out["staff_today"] / out["staff_today"].sum()
    out.loc["total"] = out.sum()
    out = out.rename_axis("sector").reset_index()
    if result.intervals is not None:
        sel = result.intervals[result.intervals["year"] == year]
        wide = sel.pivot_table(index="sector", columns="output", values=["q025", "q10", "q90", "q975"])
        wide.columns = [f"{output}_{q}" for q, output in wide.columns]
        out = out.join(wide, on="sector")
    return out.assign(region_code=result.municipality, year=year)[
        ["region_code", "year", *out.columns]]


def compare(results: Mapping[str, WorkforceResult]) -> pd.DataFrame:
    """Key figures of several municipalities side by side, one row per municipality.

    Returns
    -------
    DataFrame
        ``region_code, base_year, end_year`` and the :meth:`WorkforceResult.key_figures`.
    """
    return pd.DataFrame([{"region_code": code, "base_year": r.base_year, "end_year": r.end_year,
                          **r.key_figures()} for code, r in results.items()])


def assumptions_table(result: WorkforceResult | None = None, **assumptions) -> pd.DataFrame:
    """The parameters of a run (or of the defaults) for the report: ``Antagande, Värde, Källa``.

    The values derived from data (staff split, use rates, turnover, supply factors) are shown by
    :func:`tillsammans.plots.workforce.derived_table`.
    """
    a = result.assumptions if result is not None else make_assumptions(**assumptions)
    return shared_assumptions.table(a, source_column="Källa")
