"""Reconciliation: the 290 municipal projections add up to a national control, by sex and single year of age.

What is reconciled, and why
---------------------------
**Migration.** Births and deaths are rates on the population — SCB's assumed national fertility and
mortality times each municipality's level factor — so once the population adds up, they add up to SCB's
too, except for the level factors' weighted mean and the convention of the rates (checked in
``docs/population.md``). Migration has no such tie: a municipality's in-migrants are counts and its
out-migrants a rate on its own population, so the domestic moves of the 290 do not cancel as they must
(one municipality's out-migrant is another's in-migrant), and migration is also the component whose level is
least certain. The population is what the reports use, so the control is the population by sex and age, and
the difference goes to migration — as the Swedish practitioner models reconcile their municipal migration to
the national projection.

How
---
All 290 municipalities are projected together, year by year, with the engine's step — each with its own rates
and flows, exactly as in its own projection. After each year's step the gap between the control and the sum
of the 290, by sex and age, is distributed in proportion to the municipalities' in-migrants of that sex and
age in the main projection (level × profile, ``in_m``), and added to their populations as migrants:

    added_m(t, s, a) = g(t, s, a) · in_m(s, a),   g(t, s, a) = [C(t, s, a) − Σ_m P_m(t, s, a)] ÷ Σ_m in_m(s, a)

The factors g (one array per year, the same for every municipality) are all a single municipality needs: its
own projection adds g · in_m after each step and reproduces the joint run exactly. They are computed once per
data build and set of assumptions and kept in ``data/processed/cache`` (:mod:`tillsammans.cache`). A scenario
other than the main one adds the main projection's persons (its deviation stays its own); the scenario
``"unreconciled"`` adds nothing.

Controls
--------
* Information from 2024 on (the reports): SCB's national projection 2024
  (:mod:`~tillsammans.population.national`), 2026–2050. The first year also absorbs the difference between
  SCB's projected 2025 and the observed 2025 (SCB projected 0.09 % more). After 2050 the 2050 factors are held.
* An information year before 2024 (backtests): SCB's projections of those years are not in the mirror. The
  control is then the national projection this model makes from Sweden's own data up to the jump-off
  (``control="forecast"``: the realistic case), or the observed national population (``control="observed"``:
  SCB's single ages to 2020, totals after; it uses observations after the jump-off for the national total,
  so it is not a forecast but shows the distribution's own accuracy when the national total is right).
  Municipalities that cannot be projected from a jump-off are left out and the control is scaled by the
  others' share of Sweden's population at the jump-off.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from tillsammans.cache import storable
from tillsammans.population import engine
from tillsammans.population.assumptions import Assumptions, main_projection_assumptions
from tillsammans.population.inputs import PopulationInputs
from tillsammans.population.levels import RegionModel, assumption_fields, prepare_region
from tillsammans.population.national import scb_national
from tillsammans.population.schedules import uses_scb_assumptions

#: Kinds of national control (see the module docstring).
CONTROLS = ("forecast", "observed")

#: Swedish names of the controls, for captions and tables.
CONTROL_LABELS = {
    "scb": "SCB:s riksframskrivning 2024",
    "forecast": "rikets framskrivning med samma metod och data fram till startåret",
    "observed": "rikets observerade befolkning",
}


@storable
@dataclass(frozen=True)
class Reconciliation:
    """Reconciliation factors of one set of assumptions, jump-off and control.

    Attributes
    ----------
    years : array (T,)
        Projected years with a control.
    factors : array (T, 2, 101)
        Persons added per in-migrant of the main projection, by year, sex and age (``g`` above).
    control : str
        ``"scb"``, ``"forecast"`` or ``"observed"`` (:data:`CONTROL_LABELS`).
    control_total : array (T,)
        The control's total population each year (persons; scaled if municipalities were left out).
    sum_before : array (T,)
        The 290's total each year after the step and before the year's reconciliation (persons).
    municipalities : tuple of str
        The municipalities of the joint run; ``skipped`` those left out, with the reason.
    start_year : int
        The year the projection proper starts from (the last observed year, 2025 in the reports).
    age_factors : array (2, 101)
        The start-year alignment by sex and age (``r`` above), the same for every municipality.
    total_factors : dict
        Municipality → the start-year factor that keeps its total (``c_m`` above).
    """

    years: np.ndarray
    factors: np.ndarray
    control: str
    control_total: np.ndarray
    sum_before: np.ndarray
    municipalities: tuple[str, ...]
    start_year: int
    age_factors: np.ndarray
    total_factors: dict[str, float]
    skipped: tuple[tuple[str, str], ...] = field(default=())

    def align(self, model: RegionModel, population: np.ndarray) -> np.ndarray:
        """``model``'s population (2, 101) at :attr:`start_year`, aligned with the control's age structure."""
        if model.code not in self.total_factors:
            raise ValueError(f"{model.code} was not part of the joint reconciliation from {self.start_year}; "
                             f"left out: {', '.join(c for c, _ in self.skipped) or 'none'}")
        return population * self.age_factors * self.total_factors[model.code]

    def added(self, model: RegionModel, years: np.ndarray) -> np.ndarray:
        """Persons (len(years), 2, 101) added to ``model``'s population at the end of each of ``years``.

        Zero before the first controlled year; after the last the last year's factors are held.
        """
        years = np.asarray(years)
        out = np.zeros((len(years), 2, 101))
        inside = years >= self.years[0]
        rows = np.minimum(years[inside], self.years[-1]) - self.years[0]
        out[inside] = self.factors[rows] * base_in_migrants(model)
        return out


def base_in_migrants(model: RegionModel) -> np.ndarray:
    """The main projection's in-migrants (2, 101) of a model: its in-migration level × profile (persons)."""
    if model.migration_mode != "gross":
        return np.zeros((2, 101))
    return model.in_level * model.in_profile


def applies(model: RegionModel) -> bool:
    """Whether a model's projection is reconciled: a municipality with gross flows, ``reconcile=True``, and a
    scenario with migration (zero net migration is a closed thought experiment)."""
    return (model.assumptions.reconcile and len(model.code) == 4 and model.migration_mode == "gross"
            and not model.scenario.zero_net_migration)


def reconciliation_for(model: RegionModel, inputs: PopulationInputs) -> Reconciliation:
    """The reconciliation a model's projection uses: its main assumptions, jump-off and information year."""
    a = model.main_assumptions or model.assumptions
    return reconciliation(inputs, a, jump_off=model.jump_off, as_of=model.as_of)


def reconciliation(inputs: PopulationInputs, assumptions: Assumptions | None = None, jump_off: int | None = None,
                   as_of: int | None = None, control: str = "forecast", end_year: int | None = None,
                   cache: bool = True) -> Reconciliation:
    """Reconciliation factors for all 290 municipalities (memoised; on disk for the reports' projections).

    Parameters
    ----------
    assumptions : Assumptions, optional
        The main projection's assumptions (``reconcile`` itself is ignored).
    jump_off, as_of : int, optional
        The municipalities' jump-off and information year (None: the latest single ages, all data).
    control : {"forecast", "observed"}
        ``"forecast"``: SCB's national projection with information from 2024, else the model's national
        projection from the jump-off; ``"observed"``: Sweden's observed population (backtests only).
    end_year : int, optional
        Last controlled year (default: SCB's last projected year, 2050, or the latest observed year for an
        information year before 2024).
    """
    from tillsammans.cache import cached

    if control not in CONTROLS:
        raise ValueError(f"unknown control {control!r}; allowed: {', '.join(CONTROLS)}")
    a = replace(main_projection_assumptions(assumptions or Assumptions()), reconcile=False)
    key = ("reconciliation", repr(a), jump_off, as_of, control, end_year)

    def compute() -> Reconciliation:
        return _compute(inputs, a, jump_off, as_of, control, end_year)

    # Backtests (an information year) compute in memory: the inputs may be perturbed copies of a build.
    on_disk = cache and as_of is None
    parameters = {"assumptions": repr(a), "jump_off": jump_off, "control": control, "end_year": end_year}
    return inputs.memo(key, lambda: cached("population_reconciliation", compute, modules=["tillsammans.population"],
                                           parameters=parameters, processed_dir=inputs.processed_dir,
                                           enabled=on_disk))


def _default_end(inputs: PopulationInputs, as_of: int | None, control: str) -> int:
    if control == "forecast" and uses_scb_assumptions(as_of):
        return int(scb_national(inputs).years[-1])
    from tillsammans.data import latest_observed_year

    return int(latest_observed_year(processed_dir=inputs.processed_dir))


def _control(inputs: PopulationInputs, a: Assumptions, years: np.ndarray, jump_off: int, as_of: int | None,
             control: str) -> tuple[str, np.ndarray, np.ndarray]:
    """The control's name, stocks (T, 2, 101; NaN where only a total exists) and totals (T,)."""
    T = len(years)
    if control == "observed":
        stocks, totals = _observed_national(inputs, years)
        return "observed", stocks, totals
    if uses_scb_assumptions(as_of):
        # SCB's stocks from 2025; a projection started earlier (without the observed components) is held to
        # Sweden's observed population before that: with all data, the best national figure of each year.
        scb = scb_national(inputs)
        early = years < scb.years[0]
        stocks, totals = _observed_national(inputs, years[early])
        later = [scb.stock(int(y)) for y in years[~early]]
        stocks = np.concatenate([stocks, np.stack(later)]) if later else stocks
        return "scb", stocks, np.concatenate([totals, stocks[early.sum():].sum(axis=(1, 2))])
    stocks = np.full((T, 2, 101), np.nan)
    from tillsammans.population.run import run_projection

    model = prepare_region("00", jump_off, int(years[-1]), "base", inputs, as_of=as_of, **assumption_fields(a))
    run = run_projection(model, inputs, int(years[-1]))
    for t, y in enumerate(years):
        stocks[t] = run.population[0, int(y - run.years[0])]
    return "forecast", stocks, stocks.sum(axis=(1, 2))


def _observed_national(inputs: PopulationInputs, years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sweden's observed population: stocks (T, 2, 101) where SCB's single ages exist (NaN else) and totals
    (T,): the single ages' sum, then Kolada n01951 (to 2022), then the 290 municipalities' SCB totals."""
    stocks = np.full((len(years), 2, 101), np.nan)
    totals = np.full(len(years), np.nan)
    single = set(inputs.single_age_years("00"))
    for t, y in enumerate(int(y) for y in years):
        if y in single:
            stocks[t] = inputs.population("00", y)
            totals[t] = stocks[t].sum()
        elif np.isfinite(inputs.kolada_value("n01951", "00", y)):
            totals[t] = inputs.kolada_value("n01951", "00", y)
        else:
            totals[t] = inputs.recent_totals.get("00", {}).get(y, np.nan)
    if not np.isfinite(totals).all():
        missing = [int(y) for y, v in zip(years, totals, strict=True) if not np.isfinite(v)]
        raise ValueError(f"no observed national population for {missing}; observed: Sweden's single ages "
                         f"{min(single)}–{max(single)}, totals to {max(inputs.recent_totals.get('00', {0: 0}))}")
    return stocks, totals


def _compute(inputs: PopulationInputs, a: Assumptions, jump_off: int | None, as_of: int | None, control: str,
             end_year: int | None) -> Reconciliation:
    from tillsammans.population.run import observed_part, projection_schedules

    end = _default_end(inputs, as_of, control) if end_year is None else int(end_year)
    models, skipped = [], []
    for code in inputs.registry.municipalities():
        try:
            models.append(prepare_region(code, jump_off, end, "base", inputs, as_of=as_of, **assumption_fields(a)))
        except ValueError as exc:  # e.g. a municipality formed after the jump-off
            skipped.append((code, str(exc)))
    if not models:
        raise ValueError(f"no municipality can be projected from jump_off={jump_off} (as_of={as_of})")
    starts = {m.last_observed for m in models}
    jump_offs = {m.jump_off for m in models}
    if len(starts) != 1 or len(jump_offs) != 1:
        raise ValueError(f"the municipalities' projections start in different years {sorted(starts)} (jump-offs "
                         f"{sorted(jump_offs)}); a joint reconciliation needs one start")
    first = starts.pop() + 1
    if first > end:
        raise ValueError(f"nothing to reconcile: the projection starts in {first}, after end_year={end}")
    years = np.arange(first, end + 1)
    name, stocks, totals = _control(inputs, a, np.arange(first - 1, end + 1), jump_offs.pop(), as_of, control)
    carried = np.stack([observed_part(m, inputs)["population"][0, -1] for m in models])
    if skipped:
        j0 = models[0].jump_off
        national = inputs.population("00", j0).sum() if j0 in inputs.single_age.get("00", {}) else np.nan
        share = float(np.stack([m.pop0 for m in models]).sum() / national) if np.isfinite(national) else 1.0
        stocks, totals = stocks * share, totals * share
    age_factors, total_factors = align_start(carried, stocks[0])
    start = carried * age_factors * total_factors[:, None, None]
    stocks, totals = stocks[1:], totals[1:]

    schedules = [projection_schedules(m, inputs, start[i], first, end) for i, m in enumerate(models)]
    boys = {s.boys_share for s in schedules}
    if len(boys) != 1:
        raise ValueError("the municipalities' shares of boys among births differ; the joint step needs one")
    boys_share = boys.pop()
    survival = np.stack([s.survival for s in schedules], axis=1)  # (T, N, 2, 101)
    roots = np.sqrt(survival)
    fertility = np.stack([s.fertility for s in schedules], axis=1)
    in_counts = np.stack([s.in_counts for s in schedules], axis=1)
    out_rates = np.stack([s.out_rates for s in schedules], axis=1)
    base_in = np.stack([base_in_migrants(m) for m in models])  # (N, 2, 101)
    pool = base_in.sum(axis=0)
    factors = np.zeros((len(years), 2, 101))
    sum_before = np.empty(len(years))
    pop = start
    for t in range(len(years)):
        res = engine.step(pop, survival[t], fertility[t], boys_share, in_counts[t], out_rates[t],
                          models[0].in_profile, False, roots[t])
        summed = res.population.sum(axis=0)
        sum_before[t] = summed.sum()
        if np.isfinite(stocks[t]).all():
            factors[t] = np.where(pool > 0, (stocks[t] - summed) / np.where(pool > 0, pool, 1.0), 0.0)
        else:  # a total only: one factor for every sex and age
            factors[t] = (totals[t] - summed.sum()) / pool.sum()
        pop = np.maximum(res.population + factors[t] * base_in, 0.0)
    return Reconciliation(years=years, factors=factors, control=name, control_total=totals, sum_before=sum_before,
                          municipalities=tuple(m.code for m in models), start_year=first - 1,
                          age_factors=age_factors,
                          total_factors={m.code: float(c) for m, c in zip(models, total_factors, strict=True)},
                          skipped=tuple(skipped))


def align_start(populations: np.ndarray, control: np.ndarray, iterations: int = 50,
                tolerance: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """Raking (iterative proportional fitting) of the municipalities' start populations to a national control.

    Finds the age factors r (2, 101) and municipal factors c (N,) such that the populations ``P_m · r · c_m``
    add up to the control's age structure (scaled to the municipalities' summed total) by sex and age, while
    each municipality keeps its own total.

    Parameters
    ----------
    populations : array (N, 2, 101)
    control : array (2, 101)
        The national population by sex and age (only its shape matters). NaN: no age control (r = 1).
    """
    totals = populations.sum(axis=(1, 2))
    N = len(populations)
    if not np.isfinite(control).all():
        return np.ones((2, 101)), np.ones(N)
    target = control / control.sum() * totals.sum()
    r, c = np.ones((2, 101)), np.ones(N)
    for _ in range(iterations):
        summed = (populations * c[:, None, None]).sum(axis=0)
        r = np.where(summed > 0, target / np.where(summed > 0, summed, 1.0), 1.0)
        own = (populations * r).sum(axis=(1, 2))
        c_new = np.where(own > 0, totals / np.where(own > 0, own, 1.0), 1.0)
        done = np.abs(c_new - c).max() < tolerance
        c = c_new
        if done:
            break
    return r, c
