"""National schedules by calendar year: death rates, fertility rates and migration age profiles.

Past years use SCB's observations; future years follow SCB's national projection assumptions (BE0401, 2024)
as SCB's own regional projections do; the years between (2021–2023 for mortality, 2016–2023 for fertility)
are bridged by interpolation, fertility additionally scaled to Sweden's observed births (Kolada n01804 for
"00") where they exist. After SCB's last assumption year (2050) rates are held constant.

Results are memoised on the :class:`~tillsammans.population.inputs.PopulationInputs` object, keyed by the
assumptions they depend on.
"""

from __future__ import annotations

import numpy as np

from tillsammans.population import rates
from tillsammans.population.assumptions import Assumptions
from tillsammans.population.inputs import PopulationInputs

#: Calendar years covered by the schedule tables.
FIRST_YEAR, LAST_YEAR = 1968, 2100


def _check_years(span: tuple[int, int], available: np.ndarray, name: str) -> None:
    lo, hi = span
    if lo > hi or lo < available[0] or hi > available[-1]:
        raise ValueError(f"{name} {span} outside the years with data, {available[0]}–{available[-1]}")


#: The first information year at which SCB's 2024 national projection (BE0401) was published: a projection
#: "as of" an earlier year (a backtest) extrapolates the national rates instead of using SCB's assumptions.
SCB_ASSUMPTIONS_FROM = 2024

#: Years of the per-age log-linear mortality trend extrapolated in an "as of" schedule.
TREND_YEARS = 20


def _mortality_tables(inputs: PopulationInputs, a: Assumptions) -> tuple[np.ndarray, np.ndarray]:
    return inputs.memo(("mortality", a.mortality_anchor_years, a.mortality_trend),
                       lambda: _compute_mortality_tables(inputs, a))


def _compute_mortality_tables(inputs: PopulationInputs, a: Assumptions) -> tuple[np.ndarray, np.ndarray]:
    _check_years(a.mortality_anchor_years, inputs.mx_years, "mortality_anchor_years")
    lo, hi = a.mortality_anchor_years
    sel = (inputs.mx_years >= lo) & (inputs.mx_years <= hi)
    anchor = inputs.national_mx[sel].mean(axis=0)
    mid = 0.5 * (lo + hi)
    years = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    projected = np.empty((len(years), 2, 101))
    p_years, p_mx = inputs.projected_years, inputs.projected_mx
    log_anchor, log_first = np.log(np.maximum(anchor, 1e-12)), np.log(np.maximum(p_mx[0], 1e-12))
    for i, y in enumerate(years):
        if a.mortality_trend == "constant" or y <= mid:
            projected[i] = anchor
        elif y < p_years[0]:
            w = (y - mid) / (p_years[0] - mid)
            projected[i] = np.exp((1 - w) * log_anchor + w * log_first)
        else:
            projected[i] = p_mx[min(int(y - p_years[0]), len(p_years) - 1)]
    observed = projected.copy()
    idx = inputs.mx_years - FIRST_YEAR
    ok = (idx >= 0) & (idx < len(years))
    observed[idx[ok]] = inputs.national_mx[ok]
    return projected, observed


def _mortality_as_of(inputs: PopulationInputs, a: Assumptions, as_of: int) -> np.ndarray:
    """Death rates FIRST_YEAR..LAST_YEAR as a forecaster saw them at the end of ``as_of``.

    Observed rates up to ``as_of``; after it the mean of the last ``pool_years`` observed years, moved by
    each age's log-linear trend over the last :data:`TREND_YEARS` years (smoothed over age, clipped to
    0…−3 % a year) — the Lee–Carter-like extrapolation a forecaster without SCB's later assumptions would use.
    """
    def compute() -> np.ndarray:
        mxy = inputs.mx_years
        last = min(int(as_of), int(mxy[-1]))
        sel = (mxy > last - a.pool_years) & (mxy <= last)
        anchor = inputs.national_mx[sel].mean(axis=0)
        tsel = (mxy > last - TREND_YEARS) & (mxy <= last)
        logm = np.log(np.maximum(inputs.national_mx[tsel], 1e-9))
        t = mxy[tsel] - mxy[tsel].mean()
        slope = (t[:, None, None] * (logm - logm.mean(axis=0))).sum(axis=0) / (t**2).sum()
        slope = np.clip(rates.smooth_ages(slope, 2, keep_first=False), -0.03, 0.0)
        if a.mortality_trend == "constant":
            slope = slope * 0.0
        mid = 0.5 * (last - a.pool_years + 1 + last)
        years = np.arange(FIRST_YEAR, LAST_YEAR + 1)
        table = anchor[None] * np.exp(slope[None] * (np.maximum(years, mid) - mid)[:, None, None])
        idx = mxy - FIRST_YEAR
        ok = (mxy <= last) & (idx >= 0)
        table[idx[ok]] = inputs.national_mx[ok]
        return table
    return inputs.memo(("mortality_as_of", int(as_of), a.pool_years, a.mortality_trend), compute)


def _fertility_as_of(inputs: PopulationInputs, as_of: int, rule: str = "last") -> np.ndarray:
    """Fertility rates FIRST_YEAR..LAST_YEAR as seen at the end of ``as_of``: observed, then held.

    ``rule="last"``: the latest year's rates held. ``rule="long_run"``: the latest year's age pattern scaled
    to the mean total fertility of the 30 years before (Swedish TFR swings around about 1.8: 2.1 → 1.5 → 2.0
    in 1990–2010), reached linearly over 10 years.
    """
    def compute() -> np.ndarray:
        fy = inputs.asfr_years
        last = min(int(as_of), int(fy[-1]))
        years = np.arange(FIRST_YEAR, LAST_YEAR + 1)
        latest = inputs.national_asfr[int(last - fy[0])]
        table = np.broadcast_to(latest, (len(years), 101)).copy()
        if rule == "long_run":
            sel = (fy > last - 30) & (fy <= last)
            target = inputs.national_asfr[sel].sum(axis=1).mean() / latest.sum()
            w = np.clip((years - last) / 10.0, 0.0, 1.0)
            table *= (1 + w * (target - 1))[:, None]
        idx = fy - FIRST_YEAR
        ok = (fy <= last) & (idx >= 0)
        table[idx[ok]] = inputs.national_asfr[ok]
        return table
    return inputs.memo(("fertility_as_of", int(as_of), rule), compute)


def uses_scb_assumptions(as_of: int | None) -> bool:
    """Whether a projection made with the information of ``as_of`` (None: all data) uses SCB's 2024 assumptions."""
    return as_of is None or as_of >= SCB_ASSUMPTIONS_FROM


def national_mortality(inputs: PopulationInputs, years, a: Assumptions, observed: bool = False,
                       as_of: int | None = None) -> np.ndarray:
    """National death rates m (per person-year), array (len(years), 2, 101).

    ``observed=True`` uses SCB's observed rates where they exist (for past years); otherwise the projection
    schedule: the anchor-period mean until its mid-year, log-linear to SCB's 2024 rates, SCB's rates
    2024–2050, constant after (or the anchor throughout when ``mortality_trend='constant'``).
    ``as_of`` (a year before 2024): the schedule a forecaster had then (:func:`_mortality_as_of`).
    """
    idx = np.clip(np.asarray(years) - FIRST_YEAR, 0, LAST_YEAR - FIRST_YEAR)
    if as_of is not None and not uses_scb_assumptions(as_of):
        return _mortality_as_of(inputs, a, int(as_of))[idx]
    projected, obs = _mortality_tables(inputs, a)
    return (obs if observed else projected)[idx]


def _fertility_table(inputs: PopulationInputs, a: Assumptions) -> np.ndarray:
    return inputs.memo(("fertility", a.fertility_anchor_years, a.calibrate_bridge),
                       lambda: _compute_fertility_table(inputs, a))


def _compute_fertility_table(inputs: PopulationInputs, a: Assumptions) -> np.ndarray:
    _check_years(a.fertility_anchor_years, inputs.asfr_years, "fertility_anchor_years")
    lo, hi = a.fertility_anchor_years
    sel = (inputs.asfr_years >= lo) & (inputs.asfr_years <= hi)
    anchor = inputs.national_asfr[sel].mean(axis=0)
    years = range(FIRST_YEAR, LAST_YEAR + 1)
    table = np.empty((len(years), 101))
    p_years, p_f = inputs.projected_years, inputs.projected_asfr
    last_obs = int(inputs.asfr_years[-1])
    for i, y in enumerate(years):
        if y <= last_obs and y in inputs.asfr_years:
            table[i] = inputs.national_asfr[int(y - inputs.asfr_years[0])]
        elif y < p_years[0]:
            w = (y - last_obs) / (p_years[0] - last_obs)
            table[i] = (1 - w) * anchor + w * p_f[0]
        else:
            table[i] = p_f[min(int(y - p_years[0]), len(p_years) - 1)]
    if a.calibrate_bridge:
        calibrated = []
        for y in range(last_obs + 1, int(p_years[0])):
            births = inputs.kolada_value("n01804", "00", y)
            if not np.isfinite(births):
                continue
            end = min(y, int(inputs.national_pop_years[-1]))
            women = 0.5 * (inputs.single_age["00"][end - 1][0] + inputs.single_age["00"][end][0])
            expected = float((table[y - FIRST_YEAR] * women).sum())
            table[y - FIRST_YEAR] *= births / expected
            calibrated.append(y)
        if calibrated:
            # Years after the last calibrated one: interpolate from it to SCB's first assumption year.
            y0 = calibrated[-1]
            for y in range(y0 + 1, int(p_years[0])):
                w = (y - y0) / (p_years[0] - y0)
                table[y - FIRST_YEAR] = (1 - w) * table[y0 - FIRST_YEAR] + w * p_f[0]
    return table


def national_fertility(inputs: PopulationInputs, years, a: Assumptions, as_of: int | None = None) -> np.ndarray:
    """National fertility rates by mother's age (births per woman-year), array (len(years), 101).

    ``as_of`` (a year before 2024): observed rates to then, the last year's rates held after it.
    """
    idx = np.clip(np.asarray(years) - FIRST_YEAR, 0, LAST_YEAR - FIRST_YEAR)
    if as_of is not None and not uses_scb_assumptions(as_of):
        return _fertility_as_of(inputs, int(as_of), a.fertility_as_of)[idx]
    return _fertility_table(inputs, a)[idx]


def migration_profiles(inputs: PopulationInputs, a: Assumptions, as_of: int | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """National in-migrants' age/sex distribution (sums to 1) and relative out-migration rates, each (2, 101).

    Fitted by :func:`tillsammans.population.rates.gross_migration_profiles` on the counties' residual net
    migration and Kolada gross flows over ``a.profile_years`` (cut at ``as_of``: a backtest uses only the
    years it could have seen; Kolada's county flows start in 2008, before that the counties' residual net
    migration alone fixes the shape).
    """
    years = inputs.county_years[1:]
    lo, hi = a.profile_years
    if as_of is not None:
        hi = min(hi, int(as_of))
        lo = min(lo, hi - (a.profile_years[1] - a.profile_years[0]))
    sel = (years >= lo) & (years <= hi)
    if not sel.any():
        raise ValueError(f"profile_years {a.profile_years} outside {years[0]}–{years[-1]}")

    def compute() -> tuple[np.ndarray, np.ndarray]:
        national = inputs.single_age["00"][min(hi, int(inputs.national_pop_years[-1]))]
        in_tot, out_tot = inputs.county_in[:, sel], inputs.county_out[:, sel]
        if not (np.isfinite(in_tot) & np.isfinite(out_tot)).any():
            # No gross flows yet (before 2008): the counties' net in-migration by age, where positive, is the
            # in-migrants' shape (regions that gain people gain them at the mobile ages).
            net = np.maximum(inputs.county_net[:, sel], 0.0).sum(axis=(0, 1))
            share = rates.smooth_ages(net, a.profile_smoothing)
            share = np.maximum(share, 1e-6) / np.maximum(share, 1e-6).sum()
            p = national / national.sum()
            rel = share / np.maximum(p, 1e-12)
            rel /= (rel * p).sum()
            return share, rel
        return rates.gross_migration_profiles(
            inputs.county_net[:, sel], inputs.county_start[:, sel], in_tot, out_tot, national,
            smoothing=a.profile_smoothing)
    return inputs.memo(("migration", lo, hi, a.profile_smoothing), compute)
