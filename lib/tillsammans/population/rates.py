"""Demographic rates: life tables and survival ratios, fertility, municipal level factors, migration profiles.

Array conventions: the last axis is age 0..100 (100 = 100 and over); where a sex axis exists it comes
before age and is ordered ``("female", "male")``. Rates are per person-year, survival ratios and risks are
probabilities. Everything here is pure numpy on arrays handed in; reading the data is
:mod:`tillsammans.population.inputs`'s job.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEXES: tuple[str, str] = ("female", "male")
AGES = np.arange(101)
OPEN_AGE = 100


def check_rates(values: np.ndarray, name: str, upper: float | None = None) -> np.ndarray:
    """Raise ``ValueError`` when rates are NaN, negative or above ``upper``; return them as float arrays."""
    arr = np.asarray(values, dtype=float)
    if np.isnan(arr).any():
        raise ValueError(f"{name} contain NaN; allowed: finite values >= 0")
    if (arr < 0).any():
        raise ValueError(f"{name} contain negative values (min {arr.min():g}); allowed: values >= 0")
    if upper is not None and (arr > upper).any():
        raise ValueError(f"{name} exceed {upper:g} (max {arr.max():g}); allowed range [0, {upper:g}]")
    return arr


def death_rates(deaths: np.ndarray, exposure: np.ndarray) -> np.ndarray:
    """Central death rates m(x) = deaths ÷ mean population (person-years); 0 where the exposure is 0."""
    deaths = check_rates(deaths, "deaths")
    exposure = check_rates(exposure, "exposure")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(exposure > 0, deaths / np.where(exposure > 0, exposure, 1.0), 0.0)


def risk_to_rate(q: np.ndarray) -> np.ndarray:
    """Death risk q (probability of dying within the year) → central rate m, assuming a constant hazard."""
    q = check_rates(q, "death risks", upper=1.0)
    return -np.log1p(-np.minimum(q, 1 - 1e-12))


def infant_a0(m0: np.ndarray, male: np.ndarray | bool) -> np.ndarray:
    """Average years lived in the first year by infants who die (Andreev & Kingkade 2015, low-mortality branch).

    a0 = 0.1493 − 2.0367·m0 (male) or 0.1490 − 2.0867·m0 (female), valid for m0 below about 0.017–0.023,
    which covers Sweden since the 1950s; the value is floored at 0.05 for higher m0.
    """
    m0 = np.asarray(m0, dtype=float)
    a0 = np.where(male, 0.1493 - 2.0367 * m0, 0.1490 - 2.0867 * m0)
    return np.maximum(a0, 0.05)


def life_table_arrays(mx: np.ndarray) -> dict[str, np.ndarray]:
    """Period life table from death rates, vectorised over leading axes.

    Parameters
    ----------
    mx : array (..., 2, 101)
        Central death rates by sex (female, male) and age 0..100+, per person-year.

    Returns
    -------
    dict of arrays (..., 2, 101)
        ``qx`` (probability of dying between x and x+1), ``lx`` (survivors at exact age x, radix 1),
        ``Lx`` (person-years lived in [x, x+1); the open group's is lx/mx), ``Tx`` and ``ex`` (life expectancy).
    """
    mx = check_rates(mx, "death rates")
    if mx.shape[-1] != 101 or mx.shape[-2] != 2:
        raise ValueError(f"death rates must have shape (..., 2, 101) (sex, age 0..100+), got {mx.shape}")
    ax = np.full(mx.shape, 0.5)
    male = np.array([False, True]).reshape((2,))
    ax[..., 0] = infant_a0(mx[..., 0], male)
    qx = mx / (1 + (1 - ax) * mx)
    qx = np.clip(qx, 0.0, 1.0)
    qx[..., OPEN_AGE] = 1.0
    lx = np.ones(mx.shape)
    lx[..., 1:] = np.cumprod(1 - qx[..., :-1], axis=-1)
    dx = lx * qx
    Lx = lx - (1 - ax) * dx
    # The open group lives lx/mx years; with mx≈0 (synthetic tests) keep a finite, long survival.
    m_open = np.maximum(mx[..., OPEN_AGE], 1e-9)
    Lx[..., OPEN_AGE] = lx[..., OPEN_AGE] / m_open
    Tx = np.cumsum(Lx[..., ::-1], axis=-1)[..., ::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        ex = np.where(lx > 0, Tx / np.where(lx > 0, lx, 1), 0.0)
    return {"mx": mx, "qx": qx, "lx": lx, "Lx": Lx, "Tx": Tx, "ex": ex}


def survival_ratios(mx: np.ndarray) -> np.ndarray:
    """Survival ratios for one annual projection step, by the age reached at the end of the year.

    ``S[..., a]`` for a = 1..99 is L(a) ÷ L(a−1), the share of those aged a−1 on 31 December who are alive
    (aged a) a year later; ``S[..., 100]`` is T(100) ÷ T(99), applied to everyone aged 99 and 100+;
    ``S[..., 0]`` is L(0) (radix 1): the share of the year's births alive at its end. Values lie in (0, 1].
    """
    lt = life_table_arrays(mx)
    Lx, Tx = lt["Lx"], lt["Tx"]
    S = np.empty(Lx.shape)
    S[..., 0] = Lx[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        S[..., 1:OPEN_AGE] = Lx[..., 1:OPEN_AGE] / Lx[..., : OPEN_AGE - 1]
        S[..., OPEN_AGE] = Tx[..., OPEN_AGE] / Tx[..., OPEN_AGE - 1]
    S = np.nan_to_num(S, nan=1.0)
    return np.clip(S, 1e-12, 1.0)


def life_table(mx: pd.DataFrame) -> pd.DataFrame:
    """Tidy life table.

    Parameters
    ----------
    mx : DataFrame
        Columns ``sex, age, mx`` (age 0..100, both sexes; rates per person-year).

    Returns
    -------
    DataFrame
        ``sex, age, mx, qx, lx, Lx, Tx, ex, survival_ratio`` (radix 1; ``survival_ratio`` as in
        :func:`survival_ratios`).
    """
    grid = mx.pivot_table(index="sex", columns="age", values="mx").reindex(index=list(SEXES), columns=AGES)
    if grid.isna().any().any():
        raise ValueError("life_table needs mx for both sexes and every age 0..100")
    arr = grid.to_numpy()
    lt = life_table_arrays(arr)
    lt["survival_ratio"] = survival_ratios(arr)
    out = pd.DataFrame({"sex": np.repeat(SEXES, 101), "age": np.tile(AGES, 2)})
    for key, value in lt.items():
        out[key] = value.reshape(-1)
    return out


def fertility_rates(births: np.ndarray, women_start: np.ndarray, women_end: np.ndarray) -> np.ndarray:
    """Age-specific fertility rates: births by mother's age ÷ mean number of women (start and end of year)."""
    exposure = 0.5 * (check_rates(women_start, "women") + check_rates(women_end, "women"))
    return death_rates(births, exposure)


def smooth_ages(values: np.ndarray, passes: int = 2, keep_first: bool = True) -> np.ndarray:
    """Smooth over the age axis with ``passes`` rounds of a [1, 2, 1]/4 filter (edges reflected).

    Age 0 is kept as is by default: it differs by construction (births, not a cohort).
    """
    out = np.asarray(values, dtype=float).copy()
    start = 1 if keep_first else 0
    for _ in range(passes):
        seg = out[..., start:]
        padded = np.concatenate([seg[..., :1], seg, seg[..., -1:]], axis=-1)
        out[..., start:] = 0.25 * padded[..., :-2] + 0.5 * padded[..., 1:-1] + 0.25 * padded[..., 2:]
    return out


def level_factor(observed: float, expected: float, clamp: tuple[float, float], credibility: float) -> float:
    """Municipal level factor (observed + k) ÷ (expected + k), clamped.

    ``k`` (credibility, in events) shrinks the ratio of a small population towards 1, the national level.
    """
    if not (np.isfinite(observed) and np.isfinite(expected)) or expected + credibility <= 0:
        return 1.0
    ratio = (observed + credibility) / (expected + credibility)
    return float(np.clip(ratio, clamp[0], clamp[1]))


def cohort_start(pop_prev: np.ndarray, births: np.ndarray) -> np.ndarray:
    """Who is 'at risk' to reach each age at the end of a year: last year's age a−1 (age 0: the births).

    ``pop_prev`` (..., 2, 101), ``births`` (..., 2). The open group collects ages 99 and 100+.
    """
    start = np.empty(pop_prev.shape)
    start[..., 0] = births
    start[..., 1:] = pop_prev[..., :-1]
    start[..., OPEN_AGE] += pop_prev[..., OPEN_AGE]
    return start


def residual_net_migration(pop: np.ndarray, deaths: np.ndarray, births: np.ndarray) -> np.ndarray:
    """Net migration by age at the end of each year by the residual (cohort) method.

    Parameters
    ----------
    pop : array (..., years, 2, 101)
        Population on 31 December of consecutive years.
    deaths : array (..., years, 2, 101)
        Deaths by age at death during each year.
    births : array (..., years, 2)
        Live births by sex during each year.

    Returns
    -------
    array (..., years − 1, 2, 101)
        For years 2..n: population − (cohort's population a year earlier) + cohort deaths. A cohort's deaths
        during a calendar year are split half and half between the ages a−1 and a (Lexis triangles).
    """
    start = cohort_start(pop[..., :-1, :, :], births[..., 1:, :])
    d = deaths[..., 1:, :, :]
    cohort_deaths = np.empty(d.shape)
    cohort_deaths[..., 0] = 0.5 * d[..., 0]
    cohort_deaths[..., 1:] = 0.5 * d[..., :-1] + 0.5 * d[..., 1:]
    cohort_deaths[..., OPEN_AGE] += 0.5 * d[..., OPEN_AGE]
    return pop[..., 1:, :, :] - start + cohort_deaths


def gross_migration_profiles(
    net: np.ndarray,
    start: np.ndarray,
    in_totals: np.ndarray,
    out_totals: np.ndarray,
    national_population: np.ndarray,
    smoothing: int = 2,
    min_relative_rate: float = 0.2,
    oldest_from: int = 85,
) -> tuple[np.ndarray, np.ndarray]:
    """Age/sex profiles of in-migrants and of out-migration rates from regional residual net migration.

    For every sex and age a least-squares fit over regions × years of
    ``net = a(x)·I − r(x)·O·start(x)/Σ start`` gives the in-migrants' age distribution a(x) and the relative
    out-migration rate r(x), using the regions' observed gross totals I and O (Kolada). Because the two
    regressors are strongly correlated, only a(x) is used from the fit (smoothed, floored at a small positive
    share, normalised to sum 1 over sex × age); the relative out-rate is then r(x) ∝ a(x) ÷ p(x), with p the
    national age distribution — between regions every out-migrant is someone's in-migrant, so nationally
    the two age distributions coincide. r is normalised so that Σ r·p = 1 (a population with the national
    age structure has out-rate r·crude rate on average).

    Parameters
    ----------
    net, start : arrays (regions, years, 2, 101)
    in_totals, out_totals : arrays (regions, years)
    national_population : array (2, 101)

    Returns
    -------
    in_profile : array (2, 101), sums to 1
    out_relative_rate : array (2, 101)
    """
    mask = np.isfinite(in_totals) & np.isfinite(out_totals)
    if not mask.any():
        raise ValueError("no region-year with both in- and out-migration totals to fit migration profiles")
    y = net[mask]
    x1 = np.broadcast_to(in_totals[mask][:, None, None], y.shape)
    s = start[mask]
    x2 = out_totals[mask][:, None, None] * s / s.sum(axis=(1, 2), keepdims=True)
    a11, a12, a22 = (x1 * x1).sum(0), (x1 * x2).sum(0), (x2 * x2).sum(0)
    b1, b2 = (x1 * y).sum(0), (x2 * y).sum(0)
    det = a11 * a22 - a12**2
    share = np.where(det > 0, (a22 * b1 - a12 * b2) / np.where(det > 0, det, 1), 0.0)
    share = smooth_ages(share, smoothing)
    p = national_population / national_population.sum()
    share = np.maximum(share, 0.0)
    rel = share / np.maximum(p, 1e-12)
    rel /= (rel * p).sum()
    rel = np.maximum(rel, min_relative_rate)
    rel[..., oldest_from:] = rel[..., oldest_from - 5:oldest_from].mean(axis=-1, keepdims=True)
    rel /= (rel * p).sum()
    share = rel * p
    share /= share.sum()
    return share, rel


def level_sd(log_deviations: np.ndarray, expected_events: np.ndarray) -> float:
    """Standard deviation of a rate's *level* from yearly log(observed ÷ expected) events.

    The observed variance includes Poisson noise, about 1/E for E expected events, which does not persist
    from year to year; it is removed (floored at zero) so that a small municipality's random variation in
    deaths is not mistaken for an uncertain mortality level.
    """
    x = np.asarray(log_deviations, dtype=float)
    e = np.asarray(expected_events, dtype=float)
    ok = np.isfinite(x) & np.isfinite(e) & (e > 0)
    if ok.sum() < 3:
        return 0.0
    variance = float(np.var(x[ok], ddof=1)) - float(np.mean(1.0 / e[ok]))
    return float(np.sqrt(max(variance, 0.0)))


def ar1(series: np.ndarray) -> tuple[float, float]:
    """Standard deviation and lag-1 autocorrelation of a series of log deviations (NaNs dropped)."""
    x = np.asarray(series, dtype=float)
    x = x[np.isfinite(x)]
    if x.size < 3:
        return 0.0, 0.0
    x = x - x.mean()
    sd = float(x.std(ddof=1))
    denom = float((x * x).sum())
    rho = float((x[1:] * x[:-1]).sum() / denom) if denom > 0 else 0.0
    return sd, rho
