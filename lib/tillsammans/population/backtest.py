"""How well has the method done before? Backtests of the production model against what happened.

Both backtests run the very code path of the reports — :func:`~tillsammans.population.levels.prepare_region`,
:func:`~tillsammans.population.run.run_projection` and the simulation of
:mod:`~tillsammans.population.stochastic` — with the information year ``as_of`` set to the jump-off, so no
observation after the jump-off enters any estimate (levels, profiles, factors, national schedules,
variation). Each projection is set beside two naive benchmarks: the jump-off population held constant
(``naive_constant``), and its total's mean growth over the 5 years before the jump-off applied to the
jump-off age structure (``naive_growth``).

* :func:`backtest_counties` — the 21 counties from SCB's single ages of 1995, 2000 and 2005, to 2015 (the last
  year of the county series): horizons 1–10, and 20/15/10 years to 2015. Kolada's gross flows for counties
  start in 2008, so these runs use the counties' residual net migration by age (``migration_mode="net"``).
* :func:`backtest_municipalities` — all 290 municipalities from jump-offs synthesised from Kolada's age groups
  by sex with the county's single-age shape (2000, 2005, 2010, 2015) and from SCB's real single ages of 2019,
  to 2022 for the age groups and to 2025 for the totals (SCB), with the gross-flow model and the municipal
  migration profiles.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from tillsammans.population.agegroups import BROAD_AGE_GROUPS, KOLADA_AGE_GROUPS, KOLADA_PARTITION
from tillsammans.population.assumptions import Assumptions
from tillsammans.population.inputs import PopulationInputs, load_inputs
from tillsammans.population.levels import assumption_fields, prepare_region
from tillsammans.population.reconcile import CONTROLS, applies, reconciliation
from tillsammans.population.run import run_projection
from tillsammans.population.stochastic import DEFAULT_SEED, simulate_model

BACKTEST_JUMP_OFFS = (1995, 2000, 2005)
MUNICIPAL_JUMP_OFFS = (2000, 2005, 2010, 2015, 2019)
TOTAL = "total"
METHODS = ("model", "naive_constant", "naive_growth")
NAIVE_METHODS = METHODS[1:]

#: Size classes of municipalities (inhabitants at the jump-off).
SIZE_CLASSES: dict[str, tuple[float, float]] = {
    "< 10 000": (0, 10_000), "10 000–24 999": (10_000, 25_000), "25 000–49 999": (25_000, 50_000),
    "50 000–99 999": (50_000, 100_000), "100 000 +": (100_000, np.inf),
}

COLUMNS = ["region_code", "size_class", "jump_off", "horizon", "year", "age_group", "method", "projected",
           "observed", "error_pct", "lower80", "upper80", "lower95", "upper95"]


def group_sums_with_total(pop: np.ndarray, groups: dict[str, tuple[int, int]]) -> dict[str, np.ndarray]:
    """Sums over sex and the ages of each group (and the total) of an array (..., 2, 101)."""
    by_age = pop.sum(axis=-2)
    out = {TOTAL: by_age.sum(axis=-1)}
    for name, (lo, hi) in groups.items():
        out[name] = by_age[..., lo:hi + 1].sum(axis=-1)
    return out


def size_class(population: float) -> str:
    for name, (lo, hi) in SIZE_CLASSES.items():
        if lo <= population < hi:
            return name
    return list(SIZE_CLASSES)[-1]


def _case_rows(code: str, jump_off: int, years: np.ndarray, det: dict, sims: dict | None, naive: dict,
               observed: dict, size: str) -> list[dict]:
    rows = []
    for group, obs in observed.items():
        q = (np.quantile(sims[group], [0.1, 0.9, 0.025, 0.975], axis=0) if sims is not None
             else np.full((4, len(years)), np.nan))
        for h, year in enumerate(years):
            if not np.isfinite(obs[h]):
                continue
            base = {"region_code": code, "size_class": size, "jump_off": jump_off, "horizon": int(year - jump_off),
                    "year": int(year), "age_group": group, "observed": float(obs[h])}
            rows.append({**base, "method": "model", "projected": float(det[group][h]), "lower80": q[0, h],
                         "upper80": q[1, h], "lower95": q[2, h], "upper95": q[3, h]})
            for method in NAIVE_METHODS:
                rows.append({**base, "method": method, "projected": float(naive[method][group][h])})
    return rows


def _project_case(inputs: PopulationInputs, code: str, jump_off: int, end_year: int, n_sims: int, seed: int,
                  a: Assumptions, control: str = "forecast", scenario: str = "base",
                  ) -> tuple[np.ndarray, dict, dict | None, np.ndarray]:
    """Deterministic and simulated group sums of one backtest case, with only data up to the jump-off
    (a reconciled case with ``control="observed"`` also knows the national outcome, see :mod:`reconcile`;
    the housing scenario with ``dwelling_path="observed"`` knows the dwellings completed after it)."""
    model = prepare_region(code, jump_off, end_year, scenario, inputs, as_of=jump_off, **assumption_fields(a))
    rec = None
    if applies(model):
        rec = reconciliation(inputs, a, jump_off=jump_off, as_of=jump_off, control=control, end_year=end_year)
    run = run_projection(model, inputs, end_year, reconciliation=rec)
    years = run.years[1:]
    det = group_sums_with_total(run.population[0, 1:], BROAD_AGE_GROUPS)
    sims = None
    if n_sims > 1:
        sim_run = simulate_model(model, inputs, end_year, n_sims, seed, reconciliation=rec)
        sims = group_sums_with_total(sim_run.population[:, 1:], BROAD_AGE_GROUPS)
    return years, det, sims, model.pop0


def _naive(pop0: np.ndarray, growth: float, horizons: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    constant = np.broadcast_to(pop0, (len(horizons), *pop0.shape))
    growing = pop0[None] * (growth ** horizons)[:, None, None]
    return {"naive_constant": group_sums_with_total(constant, BROAD_AGE_GROUPS),
            "naive_growth": group_sums_with_total(growing, BROAD_AGE_GROUPS)}


def _frame(rows: list[dict]) -> pd.DataFrame:
    out = pd.DataFrame(rows)
    out["error_pct"] = 100 * (out["projected"] - out["observed"]) / out["observed"]
    return out.reindex(columns=COLUMNS)


def _assumptions_parameter(a: Assumptions | None) -> str:
    return repr(a or Assumptions())


def backtest_counties(
    inputs: PopulationInputs | None = None,
    counties: Sequence[str] | None = None,
    jump_offs: Sequence[int] = BACKTEST_JUMP_OFFS,
    horizon: int | None = None,
    n_sims: int = 500,
    seed: int = DEFAULT_SEED,
    processed_dir: Path | None = None,
    assumptions: Assumptions | None = None,
    cache: bool = True,
) -> pd.DataFrame:
    """Project counties from past jump-offs with the production model and compare with SCB's outcomes.

    Parameters
    ----------
    horizon : int, optional
        Years after each jump-off; default to the last year of the county series (2015).
    n_sims : int
        Simulations per case for the 80 % and 95 % intervals (1: no intervals).

    Returns
    -------
    DataFrame
        ``region_code, size_class, jump_off, horizon, year, age_group, method, projected, observed,
        error_pct, lower80, upper80, lower95, upper95`` — ``method`` is ``model``, ``naive_constant`` or
        ``naive_growth``; error_pct = 100 · (projected − observed) ÷ observed; the interval columns are the
        model's simulation quantiles (NaN for the naive benchmarks); ``age_group`` is ``total`` or one of
        0–19, 20–64, 65–79, 80+.
    """
    from tillsammans.cache import cached

    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    parameters = {"counties": None if counties is None else list(counties), "jump_offs": list(jump_offs),
                  "horizon": horizon, "n_sims": n_sims, "seed": seed,
                  "assumptions": _assumptions_parameter(assumptions)}
    return cached("backtest_counties_v2",
                  lambda: _backtest_counties(inputs, counties, jump_offs, horizon, n_sims, seed, assumptions),
                  modules=["tillsammans.population"], parameters=parameters, processed_dir=inputs.processed_dir,
                  enabled=cache)


def _backtest_counties(inputs: PopulationInputs, counties: Sequence[str] | None, jump_offs: Sequence[int],
                       horizon: int | None, n_sims: int, seed: int, assumptions: Assumptions | None) -> pd.DataFrame:
    a = assumptions or Assumptions()
    codes = list(inputs.county_codes) if counties is None else list(counties)
    unknown = [c for c in codes if c not in inputs.county_codes]
    if unknown:
        raise ValueError(f"no county single-age data for {unknown}; allowed: {', '.join(inputs.county_codes)}")
    y0, y1 = int(inputs.county_years[0]), int(inputs.county_years[-1])
    for jo in jump_offs:
        end = y1 if horizon is None else jo + horizon
        if not (y0 + 20 <= jo < end <= y1):
            raise ValueError(f"jump-off {jo} with horizon {horizon} needs county data {jo - 20}–{end}; "
                             f"allowed jump-offs: {y0 + 20}–{y1 - 1}, ending by {y1}")
    rows: list[dict] = []
    for n, code in enumerate(codes):
        c = inputs.county_codes.index(code)
        for jo in jump_offs:
            end = y1 if horizon is None else jo + horizon
            years, det, sims, pop0 = _project_case(inputs, code, jo, end, n_sims, seed + 1000 * n + jo, a)
            j = jo - y0
            observed_pop = inputs.county_pop[c, j + 1:j + 1 + len(years)]
            growth = (pop0.sum() / inputs.county_pop[c, j - 5].sum()) ** (1 / 5)
            naive = _naive(pop0, growth, years - jo)
            observed = group_sums_with_total(observed_pop, BROAD_AGE_GROUPS)
            rows += _case_rows(code, jo, years, det, sims, naive, observed, "län")
    return _frame(rows)


def _observed_municipal(inputs: PopulationInputs, code: str, years: np.ndarray) -> dict[str, np.ndarray]:
    """Kolada's totals (SCB's after 2022) and broad age groups of a municipality; NaN where unpublished."""
    total = np.array([inputs.recent_totals.get(code, {}).get(int(y), inputs.kolada_value("n01951", code, int(y)))
                      for y in years])
    out = {TOTAL: total}
    for name, (lo, hi) in BROAD_AGE_GROUPS.items():
        kpis = [k for k in KOLADA_PARTITION if lo <= KOLADA_AGE_GROUPS[k][0] and KOLADA_AGE_GROUPS[k][1] <= hi]
        out[name] = np.array([sum(inputs.kolada_value(k, code, int(y)) for k in kpis) for y in years])
    return out


def backtest_municipalities(
    inputs: PopulationInputs | None = None,
    codes: Sequence[str] | None = None,
    jump_offs: Sequence[int] = MUNICIPAL_JUMP_OFFS,
    end_year: int | None = None,
    n_sims: int = 200,
    seed: int = DEFAULT_SEED,
    processed_dir: Path | None = None,
    assumptions: Assumptions | None = None,
    cache: bool = True,
    control: str = "forecast",
    scenario: str = "base",
) -> pd.DataFrame:
    """Project every municipality from synthesised past jump-offs with the production model.

    Each jump-off population is Kolada's age groups by sex spread over single ages with the county's shape
    that year (SCB), or SCB's single ages where they exist (2019); only data up to the jump-off are used.
    Outcomes: Kolada's broad age groups to 2022 and the totals to 2025 (SCB). Columns as
    :func:`backtest_counties` (``size_class`` by the jump-off total).
    Cases without enough data at the jump-off (fewer than 3 years of flows) are left out and listed in
    ``result.attrs["skipped"]``.

    The main model is reconciled (``assumptions.reconcile``, the default): before SCB's 2024 projection the
    national control is the model's own national projection from the jump-off (``control="forecast"``), or
    the observed national population (``control="observed"``: not a forecast, it shows how well the model
    distributes a known national total). ``Assumptions(reconcile=False)`` backtests the unreconciled model.
    ``scenario`` is any of :data:`~tillsammans.population.SCENARIOS` (the housing scenario's test:
    :func:`~tillsammans.population.housing_backtest.backtest_housing`).
    """
    from tillsammans.cache import cached

    if control not in CONTROLS:
        raise ValueError(f"unknown control {control!r}; allowed: {', '.join(CONTROLS)}")
    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    codes = inputs.registry.municipalities() if codes is None else [inputs.registry.resolve(c) for c in codes]
    if end_year is None:
        from tillsammans.data import latest_observed_year

        end_year = latest_observed_year(processed_dir=inputs.processed_dir)
    parameters = {"codes": list(codes), "jump_offs": list(jump_offs), "end_year": end_year, "n_sims": n_sims,
                  "seed": seed, "assumptions": _assumptions_parameter(assumptions), "control": control}
    if scenario != "base":  # the main scenario's key is unchanged, so its cached backtests stay valid
        parameters["scenario"] = scenario
    return cached("backtest_municipalities",
                  lambda: _backtest_municipalities(inputs, codes, jump_offs, end_year, n_sims, seed, assumptions,
                                                   control, scenario),
                  modules=["tillsammans.population"], parameters=parameters, processed_dir=inputs.processed_dir,
                  enabled=cache)


def _backtest_municipalities(inputs: PopulationInputs, codes: Sequence[str], jump_offs: Sequence[int], end_year: int,
                             n_sims: int, seed: int, assumptions: Assumptions | None,
                             control: str = "forecast", scenario: str = "base") -> pd.DataFrame:
    a = assumptions or Assumptions()
    rows: list[dict] = []
    skipped: list[tuple[str, int, str]] = []
    if a.reconcile:  # once per jump-off for all 290, and outside the cases so that an error is not a skip
        for jo in jump_offs:
            reconciliation(inputs, a, jump_off=jo, as_of=jo, control=control, end_year=end_year)
    for n, code in enumerate(codes):
        for jo in jump_offs:
            try:
                years, det, sims, pop0 = _project_case(inputs, code, jo, end_year, n_sims, seed + 1000 * n + jo, a,
                                                       control, scenario)
            except ValueError as exc:  # too few years of data at this jump-off (e.g. a municipality formed 1999)
                skipped.append((code, jo, str(exc)))
                continue
            before = inputs.kolada_value("n01951", code, jo - 5)
            growth = (pop0.sum() / before) ** (1 / 5) if np.isfinite(before) and before > 0 else 1.0
            naive = _naive(pop0, growth, years - jo)
            observed = _observed_municipal(inputs, code, years)
            rows += _case_rows(code, jo, years, det, sims, naive, observed, size_class(float(pop0.sum())))
    out = _frame(rows)
    out.attrs["skipped"] = skipped
    return out


def backtest_errors(backtest: pd.DataFrame, by: Sequence[str] = ("method", "horizon", "age_group")) -> pd.DataFrame:
    """Mean absolute percentage error and mean signed percentage error (bias) by the ``by`` columns.

    Returns
    -------
    DataFrame
        ``*by, mape, mean_signed_error, n`` (percent; a positive signed error = projection too high).
    """
    by = list(by)
    g = backtest.assign(abs_error=backtest["error_pct"].abs()).groupby(by, observed=True, sort=True)
    out = pd.DataFrame({"mape": g["abs_error"].mean(), "mean_signed_error": g["error_pct"].mean(),
                        "n": g["error_pct"].size()})
    return out.reset_index()


def backtest_coverage(backtest: pd.DataFrame, by: Sequence[str] = ("horizon",), age_group: str | None = TOTAL
                      ) -> pd.DataFrame:
    """Share of outcomes inside the model's 80 % and 95 % intervals.

    Parameters
    ----------
    age_group : str or None
        One age group (default the total); None keeps every group (add ``"age_group"`` to ``by``).

    Returns
    -------
    DataFrame
        ``*by, coverage80, coverage95, n`` (fractions).
    """
    m = backtest[(backtest["method"] == "model") & backtest["lower80"].notna()]
    if age_group is not None:
        m = m[m["age_group"] == age_group]
    inside80 = (m["observed"] >= m["lower80"]) & (m["observed"] <= m["upper80"])
    inside95 = (m["observed"] >= m["lower95"]) & (m["observed"] <= m["upper95"])
    frame = m.assign(coverage80=inside80.astype(float), coverage95=inside95.astype(float))
    if not by:
        return pd.DataFrame({"coverage80": [inside80.mean()], "coverage95": [inside95.mean()], "n": [len(m)]})
    g = frame.groupby(list(by), sort=True, observed=True)
    return pd.DataFrame({"coverage80": g["coverage80"].mean(), "coverage95": g["coverage95"].mean(),
                         "n": g["coverage80"].size()}).reset_index()


def beats_naive(backtest: pd.DataFrame, horizon: int = 10, age_group: str = TOTAL) -> pd.DataFrame:
    """Per region × jump-off: does the model's absolute error beat each naive benchmark's at ``horizon``?

    Returns
    -------
    DataFrame
        ``region_code, jump_off, model, naive_constant, naive_growth, beats_constant, beats_growth,
        beats_better`` (absolute errors in percent; ``beats_better``: below the better of the two naives).
    """
    at = backtest[(backtest["horizon"] == horizon) & (backtest["age_group"] == age_group)]
    wide = at.pivot_table(index=["region_code", "jump_off"], columns="method", values="error_pct").abs()
    wide["beats_constant"] = wide["model"] < wide["naive_constant"]
    wide["beats_growth"] = wide["model"] < wide["naive_growth"]
    wide["beats_better"] = wide["model"] < wide[list(NAIVE_METHODS)].min(axis=1)
    return wide.reset_index().rename_axis(columns=None)


#: Persistence values of the age-composition deviations tried on the county backtests.
COMPOSITION_GRID = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95)


def calibrate_composition(inputs: PopulationInputs | None = None, grid: Sequence[float] = COMPOSITION_GRID,
                          n_sims: int = 300, seed: int = DEFAULT_SEED, processed_dir: Path | None = None,
                          cache: bool = True) -> pd.DataFrame:
    """Coverage of the county backtests' 80 % intervals by broad age group for each composition persistence.

    The chosen value makes the four groups' coverage closest to 80 % on average (mean absolute distance);
    the municipal backtests then measure coverage on data the choice has not seen.

    Returns
    -------
    DataFrame
        ``composition_persistence, 0–19, 20–64, 65–79, 80+, distance, chosen`` (coverage fractions).
    """
    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    rows = []
    for phi in grid:
        bt = backtest_counties(inputs, n_sims=n_sims, seed=seed,
                               assumptions=Assumptions(composition_persistence=float(phi)), cache=cache)
        cov = backtest_coverage(bt[bt["horizon"] <= 10], by=("age_group",), age_group=None).set_index("age_group")
        groups = cov.loc[list(BROAD_AGE_GROUPS), "coverage80"]
        rows.append({"composition_persistence": float(phi), **groups.to_dict(),
                     "distance": float((groups - 0.8).abs().mean())})
    out = pd.DataFrame(rows)
    out["chosen"] = False
    out.loc[out["distance"].idxmin(), "chosen"] = True
    return out


#: Persistence values tried when calibrating the migration deviations on the county backtests.
PERSISTENCE_GRID = (0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0)


def calibrate_persistence(inputs: PopulationInputs | None = None, grid: Sequence[float] = PERSISTENCE_GRID,
                          n_sims: int = 300, seed: int = DEFAULT_SEED, processed_dir: Path | None = None,
                          cache: bool = True) -> pd.DataFrame:
    """Coverage of the county backtests' 80 % and 95 % intervals (total, horizons 1–10) for each persistence.

    The calibration data are the 21 counties from 1995, 2000 and 2005; the chosen value (coverage of the 80 %
    interval closest to 80 %) is then checked on the municipal backtests, which it has not seen.

    Returns
    -------
    DataFrame
        ``persistence, coverage80, coverage95, n, chosen``.
    """
    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    rows = []
    for phi in grid:
        bt = backtest_counties(inputs, n_sims=n_sims, seed=seed, assumptions=Assumptions(persistence=float(phi)),
                               cache=cache)
        cov = backtest_coverage(bt[bt["horizon"] <= 10], by=())
        rows.append({"persistence": float(phi), **cov.iloc[0].to_dict()})
    out = pd.DataFrame(rows)
    out["chosen"] = False
    out.loc[(out["coverage80"] - 0.8).abs().idxmin(), "chosen"] = True
    return out
