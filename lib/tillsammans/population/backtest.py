"""How well has the method done before? Backtests on county data and checks against what happened.

* :func:`backtest_counties` — project each county (SCB single-age data 1968–2015) from jump-offs 1995, 2000
  and 2005 using only data up to the jump-off, and compare with the observed population 1–10 years later,
  next to a naive benchmark (the total's average growth over the 5 years before the jump-off, applied to the
  jump-off age shares). The county variant of the model uses net migration by age from the residual
  method (Kolada's gross flows start too late for these jump-offs), national mortality with its log-linear
  trend over the 20 years before the jump-off, and national fertility of the last 5 years; levels of
  mortality and fertility are county factors as in the municipal model.
* :func:`municipal_check` — every municipality from its 2019 single-age population to 2020–2022, without the
  observed components, against Kolada's totals and age groups.
* :func:`carry_through_check` — the 2019 population carried through 2020–2022 with the observed component
  totals, against Kolada's age groups.
* :func:`kolada_projection_comparison` — SCB-model projections published in Kolada (n02907 …) with their
  outcomes and our projection for the same target year.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from tillsammans.population import engine, rates
from tillsammans.population.assumptions import Assumptions
from tillsammans.population.indicators import BROAD_AGE_GROUPS
from tillsammans.population.agegroups import KOLADA_AGE_GROUPS
from tillsammans.population.inputs import PopulationInputs, load_inputs
from tillsammans.population.projection import prepare_region, run_projection
from tillsammans.population.stochastic import DEFAULT_SEED, ar1_paths

BACKTEST_JUMP_OFFS = (1995, 2000, 2005)
TOTAL = "total"

#: Size classes of municipalities (inhabitants at the jump-off) for the municipal check.
SIZE_CLASSES: dict[str, tuple[float, float]] = {
    "< 10 000": (0, 10_000), "10 000–24 999": (10_000, 25_000), "25 000–49 999": (25_000, 50_000),
    "50 000–99 999": (50_000, 100_000), "100 000 +": (100_000, np.inf),
}


def _group_sums(pop: np.ndarray, groups: dict[str, tuple[int, int]]) -> dict[str, np.ndarray]:
    """Sums over sex and the ages of each group (and the total) of an array (..., 2, 101)."""
    by_age = pop.sum(axis=-2)
    out = {TOTAL: by_age.sum(axis=-1)}
    for label, (lo, hi) in groups.items():
        out[label] = by_age[..., lo:hi + 1].sum(axis=-1)
    return out


def _county_schedules(inputs: PopulationInputs, c: int, jump_off: int, horizon: int, a: Assumptions,
                      mortality_trend_years: int = 20, fertility_years: int = 1) -> tuple[engine.Schedules, dict[str, float], np.ndarray]:
    years_c = inputs.county_years
    j = int(jump_off - years_c[0])
    pool = range(jump_off - a.pool_years + 1, jump_off + 1)
    # National mortality: anchor = mean of the pool years, trend = per-age log-linear slope.
    mxy = inputs.mx_years
    sel = (mxy >= jump_off - a.pool_years + 1) & (mxy <= jump_off)
    anchor = inputs.national_mx[sel].mean(axis=0)
    tsel = (mxy > jump_off - mortality_trend_years) & (mxy <= jump_off)
    logm = np.log(np.maximum(inputs.national_mx[tsel], 1e-9))
    t = mxy[tsel] - mxy[tsel].mean()
    slope = (t[:, None, None] * (logm - logm.mean(axis=0))).sum(axis=0) / (t**2).sum()
    slope = np.clip(rates.smooth_ages(slope, 2, keep_first=False), -0.03, 0.0)
    mid = 0.5 * (jump_off - a.pool_years + 1 + jump_off)
    future = np.arange(jump_off + 1, jump_off + horizon + 1)
    nat_m = anchor[None] * np.exp(slope[None] * (future - mid)[:, None, None])

    # Fertility: the latest national rates (fertility swung strongly in 1990–2010; the last year's level was
    # a better guide than a 5-year mean, and it is what a forecaster had).
    fsel = (inputs.asfr_years > jump_off - fertility_years) & (inputs.asfr_years <= jump_off)
    nat_f = inputs.national_asfr[fsel].mean(axis=0)

    # County level factors, pooled over the pool years.
    obs_d = exp_d = obs_b = exp_b = 0.0
    d_dev, b_dev, d_exp, b_exp = [], [], [], []
    for y in range(jump_off - a.window_years + 1, jump_off + 1):
        k = y - years_c[0]
        p = inputs.county_pop[c, k]
        ed = float((inputs.national_mx[int(y - mxy[0])] * p).sum())
        eb = float((inputs.national_asfr[int(y - inputs.asfr_years[0])] * p[0]).sum())
        od, ob = float(inputs.county_deaths[c, k].sum()), float(inputs.county_births[c, k].sum())
        d_dev.append(np.log(od / ed))
        b_dev.append(np.log(ob / eb))
        d_exp.append(ed)
        b_exp.append(eb)
        if y in pool:
            obs_d, exp_d, obs_b, exp_b = obs_d + od, exp_d + ed, obs_b + ob, exp_b + eb
    mf = rates.level_factor(obs_d, exp_d, a.mortality_clamp, a.credibility_events)
    ff = rates.level_factor(obs_b, exp_b, a.fertility_clamp, a.credibility_events)

    # Net migration by age: residual method over the window, smoothed across age.
    wk = np.arange(j - a.window_years, j)  # residual index k covers year years_c[k + 1]
    net = inputs.county_net[c, wk]
    net_profile = rates.smooth_ages(net.mean(axis=0), a.profile_smoothing)
    net_totals = net.sum(axis=(1, 2))
    shock_shape = np.abs(rates.smooth_ages(inputs.county_net[:, wk].mean(axis=1), a.profile_smoothing)).sum(axis=0)
    shock_shape /= shock_shape.sum()

    boys = a.sex_ratio_at_birth
    if boys is None:
        b = inputs.county_births[:, j - 9:j + 1].sum(axis=(0, 1))
        boys = float(b[1] / b.sum())
    T = horizon
    sched = engine.Schedules(
        years=future, survival=rates.survival_ratios(nat_m * mf), fertility=np.broadcast_to(nat_f * ff, (T, 101)).copy(),
        boys_share=boys, in_counts=np.broadcast_to(net_profile, (T, 2, 101)).copy(),
        out_rates=np.zeros((T, 2, 101)), in_shape=shock_shape)
    variation = {
        "births": rates.level_sd(np.array(b_dev) - np.log(ff), np.array(b_exp) * ff),
        "deaths": rates.level_sd(np.array(d_dev) - np.log(mf), np.array(d_exp) * mf),
        "net_migrants": float(np.std(net_totals, ddof=1)),
    }
    return sched, variation, inputs.county_pop[c, j]


def backtest_counties(
    inputs: PopulationInputs | None = None,
    counties: Sequence[str] | None = None,
    jump_offs: Sequence[int] = BACKTEST_JUMP_OFFS,
    horizon: int = 10,
    n_sims: int = 500,
    seed: int = DEFAULT_SEED,
    processed_dir: Path | None = None,
    assumptions: Assumptions | None = None,
    cache: bool = True,
) -> pd.DataFrame:
    """Project counties from past jump-offs and compare with the observed population.

    The result depends only on the data, the model and the arguments, not on the municipality of a report,
    so with ``cache=True`` it is computed once per build and kept in ``data/processed/cache``.

    Returns
    -------
    DataFrame
        ``region_code, jump_off, horizon, year, age_group, method, projected, observed, error_pct,
        lower80, upper80, lower95, upper95`` — ``method`` is ``model`` or ``naive``; error_pct =
        100 · (projected − observed) ÷ observed; the interval columns are the model's simulation quantiles
        (NaN for the naive benchmark). ``age_group`` is ``total`` or one of 0–19, 20–64, 65–79, 80+.
    """
    from tillsammans.cache import cached

    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    parameters = {"counties": None if counties is None else list(counties), "jump_offs": list(jump_offs),
                  "horizon": horizon, "n_sims": n_sims, "seed": seed, "assumptions": repr(assumptions)}
    return cached(
        "backtest_counties",
        lambda: _backtest_counties(inputs, counties, jump_offs, horizon, n_sims, seed, assumptions),
        modules=["tillsammans.population"], parameters=parameters, processed_dir=inputs.processed_dir,
        enabled=cache,
    )


def _backtest_counties(inputs: PopulationInputs, counties: Sequence[str] | None, jump_offs: Sequence[int],
                       horizon: int, n_sims: int, seed: int, assumptions: Assumptions | None) -> pd.DataFrame:
    """The computation behind :func:`backtest_counties` (uncached)."""
    a = assumptions or Assumptions()
    codes = list(inputs.county_codes) if counties is None else list(counties)
    unknown = [c for c in codes if c not in inputs.county_codes]
    if unknown:
        raise ValueError(f"no county single-age data for {unknown}; allowed: {', '.join(inputs.county_codes)}")
    y0, y1 = int(inputs.county_years[0]), int(inputs.county_years[-1])
    for jo in jump_offs:
        if not (y0 + max(a.window_years, 20) <= jo and jo + horizon <= y1):
            raise ValueError(f"jump-off {jo} with horizon {horizon} needs county data {jo - 20}–{jo + horizon}; "
                             f"allowed jump-offs: {y0 + 20}–{y1 - horizon}")
    rows = []
    for n, code in enumerate(codes):
        c = inputs.county_codes.index(code)
        for jo in jump_offs:
            sched, var, pop0 = _county_schedules(inputs, c, jo, horizon, a)
            det = engine.run(pop0, sched)["population"][0, 1:]
            rng_seed = seed + 1000 * n + jo
            rng = np.random.default_rng(rng_seed)
            phi = a.persistence
            dev = {
                "fertility_multiplier": np.exp(ar1_paths(rng, n_sims, horizon, var["births"], phi)),
                "mortality_multiplier": np.exp(ar1_paths(rng, n_sims, horizon, var["deaths"], phi)),
                "in_shift": ar1_paths(rng, n_sims, horizon, var["net_migrants"], phi),
            }
            sims = engine.run(pop0, sched, **dev)["population"][:, 1:]
            j = jo - y0
            observed = inputs.county_pop[c, j + 1:j + horizon + 1]
            p5 = inputs.county_pop[c, j - 5].sum()
            growth = (pop0.sum() / p5) ** (1 / 5)
            naive = pop0[None] * (growth ** np.arange(1, horizon + 1))[:, None, None]
            g_obs, g_det, g_naive = (_group_sums(x, BROAD_AGE_GROUPS) for x in (observed, det, naive))
            g_sim = _group_sums(sims, BROAD_AGE_GROUPS)
            for group in g_obs:
                q = np.quantile(g_sim[group], [0.1, 0.9, 0.025, 0.975], axis=0)
                for h in range(horizon):
                    obs = float(g_obs[group][h])
                    base = {"region_code": code, "jump_off": jo, "horizon": h + 1, "year": jo + h + 1,
                            "age_group": group, "observed": obs}
                    rows.append({**base, "method": "model", "projected": float(g_det[group][h]),
                                 "lower80": q[0, h], "upper80": q[1, h], "lower95": q[2, h], "upper95": q[3, h]})
                    rows.append({**base, "method": "naive", "projected": float(g_naive[group][h]),
                                 "lower80": np.nan, "upper80": np.nan, "lower95": np.nan, "upper95": np.nan})
    out = pd.DataFrame(rows)
    out["error_pct"] = 100 * (out["projected"] - out["observed"]) / out["observed"]
    cols = ["region_code", "jump_off", "horizon", "year", "age_group", "method", "projected", "observed",
            "error_pct", "lower80", "upper80", "lower95", "upper95"]
    return out[cols]


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


def backtest_coverage(backtest: pd.DataFrame, by: Sequence[str] = ("horizon",), age_group: str = TOTAL) -> pd.DataFrame:
    """Share of outcomes inside the model's 80 % and 95 % intervals.

    Returns
    -------
    DataFrame
        ``*by, coverage80, coverage95, n`` (fractions).
    """
    m = backtest[(backtest["method"] == "model") & (backtest["age_group"] == age_group)]
    inside80 = (m["observed"] >= m["lower80"]) & (m["observed"] <= m["upper80"])
    inside95 = (m["observed"] >= m["lower95"]) & (m["observed"] <= m["upper95"])
    frame = m.assign(coverage80=inside80.astype(float), coverage95=inside95.astype(float))
    if not by:
        return pd.DataFrame({"coverage80": [inside80.mean()], "coverage95": [inside95.mean()], "n": [len(m)]})
    g = frame.groupby(list(by), sort=True)
    return pd.DataFrame({"coverage80": g["coverage80"].mean(), "coverage95": g["coverage95"].mean(),
                         "n": g["coverage80"].size()}).reset_index()


def _size_class(population: float) -> str:
    for label, (lo, hi) in SIZE_CLASSES.items():
        if lo <= population < hi:
            return label
    return list(SIZE_CLASSES)[-1]


def _kolada_groups(inputs: PopulationInputs, code: str, year: int) -> dict[str, float]:
    out = {TOTAL: inputs.kolada_value("n01951", code, year)}
    for kpi, (lo, hi) in KOLADA_AGE_GROUPS.items():
        out[f"{lo}–{hi}" if hi < 100 else f"{lo}+"] = inputs.kolada_value(kpi, code, year)
    return out


_KOLADA_GROUP_AGES = {(f"{lo}–{hi}" if hi < 100 else f"{lo}+"): (lo, hi) for lo, hi in KOLADA_AGE_GROUPS.values()}


def _compare(inputs: PopulationInputs, codes: Sequence[str], end_year: int, observed_components: bool) -> pd.DataFrame:
    rows = []
    for code in codes:
        # Without the age-profile calibration: that would fit the carried-through years to these very outcomes.
        model = prepare_region(code, None, end_year, "base", inputs, observed_components=observed_components)
        run = run_projection(model, inputs, end_year)
        groups = _group_sums(run.population[0], _KOLADA_GROUP_AGES)
        size = _size_class(float(model.pop0.sum()))
        for i, year in enumerate(run.years):
            if year == model.jump_off:
                continue
            observed = _kolada_groups(inputs, code, int(year))
            for group, values in groups.items():
                rows.append({"region_code": code, "size_class": size, "jump_off": model.jump_off,
                             "year": int(year), "horizon": int(year - model.jump_off), "age_group": group,
                             "projected": float(values[i]), "observed": observed[group]})
    out = pd.DataFrame(rows)
    out["error_pct"] = 100 * (out["projected"] - out["observed"]) / out["observed"]
    return out


def municipal_check(codes: Sequence[str] | None = None, end_year: int = 2022, inputs: PopulationInputs | None = None,
                    processed_dir: Path | None = None) -> pd.DataFrame:
    """Projection from the latest single-age year (2019) without observed components vs Kolada outcomes.

    Returns
    -------
    DataFrame
        ``region_code, size_class, jump_off, year, horizon, age_group, projected, observed, error_pct``
        (age groups as Kolada's: 0–5, 6–15, 16–19, 20–64, 65–79, 80+, and ``total``).
    """
    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    codes = inputs.registry.municipalities() if codes is None else [inputs.registry.resolve(c) for c in codes]
    return _compare(inputs, codes, end_year, observed_components=False)


def carry_through_check(codes: Sequence[str] | None = None, inputs: PopulationInputs | None = None,
                        processed_dir: Path | None = None) -> pd.DataFrame:
    """The jump-off population carried through 2020–2022 with observed components vs Kolada's age groups.

    Same columns as :func:`municipal_check`.
    """
    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    codes = inputs.registry.municipalities() if codes is None else [inputs.registry.resolve(c) for c in codes]
    last = int(inputs.kolada_years[-1])
    return _compare(inputs, codes, last, observed_components=True)


def municipal_check_summary(check: pd.DataFrame, by: Sequence[str] = ("size_class", "horizon", "age_group")) -> pd.DataFrame:
    """MAPE, mean signed error (percent) and count by size class, horizon and age group of a check table."""
    by = list(by)
    frame = check.dropna(subset=["error_pct"])
    g = frame.assign(abs_error=frame["error_pct"].abs()).groupby(by, sort=True)
    return pd.DataFrame({"mape": g["abs_error"].mean(), "mean_signed_error": g["error_pct"].mean(),
                         "n": g["error_pct"].size()}).reset_index()


#: SCB-model projections in Kolada: KPI → (years ahead, age range or None for the total).
KOLADA_PROJECTIONS: dict[str, tuple[int, tuple[int, int] | None]] = {
    "n02907": (5, None), "n02908": (5, (1, 5)), "n02909": (5, (6, 15)), "n02910": (5, (16, 19)),
    "n02911": (5, (20, 44)), "n02913": (5, (65, 79)), "n02914": (5, (80, 100)), "n02834": (10, None),
    "n02837": (10, (80, 100)),
}

_OBSERVED_KPI = {None: "n01951", (1, 5): "n01926", (6, 15): "n01953", (16, 19): "n01954", (65, 79): "n01956",
                 (80, 100): "n01957"}


def kolada_projection_comparison(codes: Sequence[str], inputs: PopulationInputs | None = None,
                                 processed_dir: Path | None = None, end_year: int = 2035) -> pd.DataFrame:
    """SCB-model projections published in Kolada next to the outcome and to our projection.

    Kolada's ``year`` of these KPIs is the base year; the target is base + 5 (or + 10) years. Our value is the
    base-scenario projection from the latest single-age year (2019) with the observed components to 2022,
    so for targets up to 2022 it is the carried-through estimate, not a forecast; ``ours_forecast`` is the
    projection from 2019 without the observed components and without the age-profile calibration (a true
    1–3-year forecast for targets 2020–2022).

    Returns
    -------
    DataFrame
        ``region_code, kpi, age_group, base_year, target_year, scb_model, ours, ours_forecast, observed,
        scb_error_pct, ours_error_pct, ours_forecast_error_pct`` (percent errors where the target year is
        observed in Kolada).
    """
    from tillsammans.data import kolada  # the projections are not among the model's inputs

    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    codes = [inputs.registry.resolve(c) for c in codes]
    published = kolada(list(KOLADA_PROJECTIONS), regions=codes, processed_dir=inputs.processed_dir)
    obs_kpis = ["n01951", "n01926", "n01953", "n01954", "n01956", "n01957", "n02832"]
    observed = kolada(obs_kpis, regions=codes, processed_dir=inputs.processed_dir).set_index(
        ["kpi", "region_code", "year"])["value"]
    rows = []
    for code in codes:
        model = prepare_region(code, None, end_year, "base", inputs)
        run = run_projection(model, inputs, end_year)
        by_age = run.population[0].sum(axis=1)
        pure_model = prepare_region(code, None, end_year, "base", inputs, observed_components=False)
        pure = run_projection(pure_model, inputs, end_year).population[0].sum(axis=1)
        for rec in published[published.region_code == code].itertuples():
            ahead, ages = KOLADA_PROJECTIONS[rec.kpi]
            target = int(rec.year) + ahead
            lo, hi = ages if ages else (0, 100)
            inside = run.years[0] <= target <= run.years[-1]
            ours = float(by_age[target - run.years[0], lo:hi + 1].sum()) if inside else np.nan
            forecast = float(pure[target - run.years[0], lo:hi + 1].sum()) if inside else np.nan
            okpi = _OBSERVED_KPI.get(ages, "n02832" if ages == (20, 44) else None)
            obs = float(observed.get((okpi, code, target), np.nan)) if okpi else np.nan
            rows.append({"region_code": code, "kpi": rec.kpi, "age_group": TOTAL if ages is None else
                         (f"{lo}–{hi}" if hi < 100 else f"{lo}+"), "base_year": int(rec.year),
                         "target_year": target, "scb_model": float(rec.value), "ours": ours,
                         "ours_forecast": forecast, "observed": obs})
    out = pd.DataFrame(rows)
    out["scb_error_pct"] = 100 * (out["scb_model"] - out["observed"]) / out["observed"]
    out["ours_error_pct"] = 100 * (out["ours"] - out["observed"]) / out["observed"]
    out["ours_forecast_error_pct"] = 100 * (out["ours_forecast"] - out["observed"]) / out["observed"]
    return out.sort_values(["region_code", "kpi", "base_year"]).reset_index(drop=True)
