"""Step 3 of the pipeline, *exits*: retirements and other leavers, from the staff's age structure.

* The age structure of today's staff (:func:`staff_age_profile`): the share 55+ per sector from Kolada
  (``n00214``, ``n20214``, ``n30214``); within 55+ the ages follow from the retirement-age distribution (the
  stationary survivors of a cohort entering 55: more 55-year-olds than 64-year-olds); under 55 the ages
  follow the national age shape of employees (SCB AKU, :data:`~tillsammans.workforce.inputs.EMPLOYEE_AGE_PROFILE`).
  A local HR extract replaces all of it with its own age bands.
* Retirements (:func:`retirement_distribution`): exit ages spread normally around the mean retirement age
  (Pensionsmyndigheten), cut at the LAS age 69.
* The staff are followed year by year (:func:`project_staff`): everyone ages, retirees leave, other leavers
  leave at the turnover rate, and hires fill the need — so people hired during the projection also age and
  retire, not only today's staff.
* Turnover (:func:`turnover_from_data`): exits other than retirement = new permanent hires (``n00239``)
  minus the net change of permanent staff (``n00233``), as a share of permanent staff, averaged over all
  years, minus the retirement rate; checked against all 290 municipalities (:func:`turnover_table`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtr

from tillsammans.workforce.inputs import employee_age_shape, kolada_all, session_key
from tillsammans.workforce.local import AGE_BANDS
from tillsammans.workforce.sectors import SECTORS

#: Highest age tracked; everyone still employed retires by the LAS age.
MAX_AGE = 80
#: The LAS age (lagen om anställningsskydd) since 2023: employment protection ends, exits are cut here.
LAS_AGE = 69
#: Years before the mean at which the retirement-age distribution is cut.
EARLIEST_BEFORE_MEAN = 4
#: Percentiles of all municipalities outside which a municipality's turnover measure is capped.
TURNOVER_BOUNDS = (0.05, 0.95)


def _check_retirement(mean: np.ndarray, sd: float) -> None:
    if not (np.all(np.isfinite(mean)) and np.all((mean >= 55) & (mean <= 75))):
        raise ValueError(f"retirement age must be in 55..75 years, got {mean}")
    if not (0 <= sd <= 5):
        raise ValueError(f"retirement_age_sd must be in [0, 5] years, got {sd}")


def retirement_probabilities(mean: float | np.ndarray = 65.5, sd: float = 1.5) -> np.ndarray:
    """Probability of retiring at each completed age 0..:data:`MAX_AGE` (rows sum to 1), one row per mean.

    A normal distribution around ``mean`` (sd ``sd``), cut :data:`EARLIEST_BEFORE_MEAN` years before the mean
    and at the LAS age :data:`LAS_AGE` (or 3 years after the mean if that is later); the mass beyond a cut
    retires at the cut. Age a takes the exits in [a − 0.5, a + 0.5), so the mean stays at ``mean``.
    """
    means = np.atleast_1d(np.asarray(mean, dtype=float))
    _check_retirement(means, sd)
    ages = np.arange(MAX_AGE + 1, dtype=float)
    low = np.floor(means - EARLIEST_BEFORE_MEAN)[:, None]
    high = np.maximum(LAS_AGE, np.ceil(means + 3))[:, None]
    if sd > 0:
        upper = np.where(ages >= high, np.inf, ages + 0.5)
        lower = np.where(ages <= low, -np.inf, ages - 0.5)
        p = ndtr((upper - means[:, None]) / sd) - ndtr((lower - means[:, None]) / sd)
    else:
        p = (ages[None, :] == np.clip(np.round(means), low[:, 0], high[:, 0])[:, None]).astype(float)
    p = np.where((ages >= low) & (ages <= high), p, 0.0)
    return p / p.sum(axis=1, keepdims=True)


def retirement_distribution(mean: float = 65.5, sd: float = 1.5) -> pd.Series:
    """:func:`retirement_probabilities` of one mean as a Series indexed by age."""
    return pd.Series(retirement_probabilities(mean, sd)[0], index=pd.RangeIndex(0, MAX_AGE + 1, name="age"))


def retirement_hazard(mean: float | np.ndarray = 65.5, sd: float = 1.5) -> np.ndarray:
    """Probability of retiring at each age given still employed at that age (ages 0..:data:`MAX_AGE`).

    One row per mean when ``mean`` is an array, else a vector.
    """
    p = retirement_probabilities(mean, sd)
    remaining = p[:, ::-1].cumsum(axis=1)[:, ::-1]
    hazard = np.divide(p, remaining, out=np.zeros_like(p), where=remaining > 1e-12)
    last = (p > 0)[:, ::-1].argmax(axis=1)
    hazard[np.arange(p.shape[1])[None, :] >= (p.shape[1] - 1 - last)[:, None]] = 1.0
    return hazard if np.ndim(mean) else hazard[0]


def older_age_shape(mean: float = 65.5, sd: float = 1.5) -> pd.Series:
    """Ages of staff 55+ (sums to 1): survivors of a cohort entering 55 under the retirement hazard.

    Today's 55+ are the cohorts that entered 55 in earlier years and have not yet retired; with equal
    cohorts, the number at age a is proportional to the share still employed at a. (Other exits among staff
    55+ are few and left out here.)
    """
    hazard = retirement_hazard(mean, sd)
    survival = np.cumprod(np.r_[1.0, 1 - hazard[55:-1]])
    out = pd.Series(survival, index=pd.RangeIndex(55, MAX_AGE + 1, name="age"))
    return out / out.sum()


def staff_age_profile(staff: pd.DataFrame, retirement_age: float = 65.5, retirement_age_sd: float = 1.5
                      ) -> pd.DataFrame:
    """Today's staff by sector and single year of age.

    Parameters
    ----------
    staff : DataFrame
        ``sector, age_band, staff`` from :func:`~tillsammans.workforce.staff_today`: bands ``<55``/``55+``
        (Kolada) or the bands of a local HR extract (:data:`~tillsammans.workforce.local.AGE_BANDS`).

    Returns
    -------
    DataFrame
        ``sector, age, staff`` (årsarbetare), ages 20..:data:`MAX_AGE`.
    """
    shapes = {"<55": employee_age_shape(), "55+": older_age_shape(retirement_age, retirement_age_sd)}
    for band, (low, high) in AGE_BANDS.items():
        ages = pd.RangeIndex(low, high + 1, name="age")
        shapes[band] = pd.Series(1.0 / len(ages), index=ages)
    unknown = sorted(set(staff["age_band"]) - set(shapes))
    if unknown:
        raise ValueError(f"unknown age band(s) {unknown}; allowed: {', '.join(shapes)}")
    bands = [shapes[band] for band in staff["age_band"]]
    out = pd.DataFrame({"sector": np.repeat(staff["sector"].to_numpy(), [len(s) for s in bands]),
                        "age": np.concatenate([s.index.to_numpy() for s in bands]),
                        "staff": np.concatenate([x * s.to_numpy() for x, s in zip(staff["staff"], bands,
                                                                                  strict=True)])})
    return out.groupby(["sector", "age"], as_index=False)["staff"].sum()


def age_array(profile: pd.DataFrame) -> np.ndarray:
    """``sector, age, staff`` → array (sectors in :data:`SECTORS` order × ages 0..:data:`MAX_AGE`)."""
    pivot = profile.pivot_table(index="sector", columns="age", values="staff", aggfunc="sum")
    pivot = pivot.reindex(index=list(SECTORS), columns=range(MAX_AGE + 1)).fillna(0.0)
    return pivot.to_numpy()


def hire_shape() -> np.ndarray:
    """Ages of new hires (0..:data:`MAX_AGE`, sums to 1): the national age shape of employees under 55."""
    out = np.zeros(MAX_AGE + 1)
    shape = employee_age_shape()
    out[shape.index.to_numpy()] = shape.to_numpy()
    return out


def project_staff(age0: np.ndarray, need: np.ndarray, hazard: np.ndarray, turnover: float | np.ndarray
                  ) -> dict[str, np.ndarray]:
    """Follow the staff year by year: ageing, retirements, other leavers, and hires that meet the need.

    Parameters
    ----------
    age0 : ndarray
        Base-year staff, sectors × ages (0..:data:`MAX_AGE`), or paths × sectors × ages.
    need : ndarray
        Staff need, paths × years × sectors, the base year first.
    hazard : ndarray
        Retirement hazard by age (ages,) or per path (paths × ages).
    turnover : float or ndarray
        Yearly share leaving for other reasons than retirement (one value or one per path).

    Returns
    -------
    dict of ndarray
        ``retirements``, ``turnover``, ``hires`` for each year after the base year (paths × years−1 ×
        sectors, årsarbetare). ``hires = need(t) − (stock(t−1) − retirements − turnover)``; negative when the
        need falls faster than people leave (the stock then shrinks to the need).
    """
    paths, n_years, n_sectors = need.shape
    shape = hire_shape()
    # Nobody is younger than the youngest hire or today's youngest employee: drop those ages (a quarter of
    # the work), the results are the same.
    occupied = np.flatnonzero((np.reshape(age0, (-1, age0.shape[-1])).sum(axis=0) > 0) | (shape > 0))
    first = int(occupied[0]) if occupied.size else 0
    shape = shape[first:]
    stock = np.array(np.broadcast_to(age0[..., first:], (paths, n_sectors, shape.size)), dtype=float)
    h = np.ascontiguousarray(np.broadcast_to(hazard, (paths, hazard.shape[-1]))[:, first:])
    stay = 1 - np.broadcast_to(np.asarray(turnover, dtype=float), (paths,))
    keep = (1 - h) * stay[:, None]  # paths × ages: neither retiring nor leaving otherwise
    out = {k: np.zeros((paths, n_years - 1, n_sectors)) for k in ("retirements", "turnover", "hires")}
    aged = np.empty_like(stock)
    hired = np.flatnonzero(shape > 0)
    lo, hi = (int(hired[0]), int(hired[-1]) + 1) if hired.size else (0, 0)
    hires_by_age = np.empty((paths, n_sectors, hi - lo))
    total = stock.sum(axis=2)
    for t in range(1, n_years):
        aged[:, :, 0] = 0.0
        aged[:, :, 1:] = stock[:, :, :-1]
        aged[:, :, -1] += stock[:, :, -1]
        retiring = np.einsum("psa,pa->ps", aged, h)
        left = (total - retiring) * stay[:, None]
        hires = need[:, t, :] - left
        # a falling need shrinks every age group alike rather than hiring a negative number of people
        shrink = np.where((hires < 0) & (left > 0), need[:, t, :] / np.where(left > 0, left, 1.0), 1.0)
        np.multiply(aged, keep[:, None, :], out=stock)
        if (shrink != 1.0).any():
            stock *= shrink[:, :, None]
        added = np.maximum(hires, 0.0)
        np.multiply(added[:, :, None], shape[lo:hi], out=hires_by_age)
        stock[:, :, lo:hi] += hires_by_age
        out["retirements"][:, t - 1] = retiring
        out["turnover"][:, t - 1] = total - retiring - left
        out["hires"][:, t - 1] = hires
        total = left * shrink + added  # the hires' age shape sums to 1
    return out


# -- turnover from data ------------------------------------------------------------------------------------


def gross_leaving_rates(tidy: pd.DataFrame) -> pd.DataFrame:
    """Yearly share of permanent staff leaving (incl. retirement), per region: hires − net change ÷ stock.

    Parameters
    ----------
    tidy : DataFrame
        Kolada ``kpi, region_code, year, value`` with ``n00239`` (new permanent, monthly paid employees) and
        ``n00233`` (permanent monthly paid employees, November).

    Returns
    -------
    DataFrame
        ``region_code, year, hires, permanent, leaving, rate`` (persons; rate = leaving ÷ previous year's
        permanent staff).
    """
    sel = tidy[tidy["kpi"].isin(["n00239", "n00233"])]
    wide = sel.pivot_table(index=["region_code", "year"], columns="kpi", values="value")
    wide = wide.reindex(columns=["n00239", "n00233"]).sort_index()
    previous = wide.groupby(level="region_code")["n00233"].shift()
    # the previous value must be from the year before, not from an earlier gap in the series
    year = wide.index.get_level_values("year").to_series(index=wide.index)
    previous = previous.where(year.groupby(level="region_code").diff() == 1)
    out = pd.DataFrame({"hires": wide["n00239"], "permanent": wide["n00233"]})
    out["leaving"] = out["hires"] - (out["permanent"] - previous)
    out["rate"] = out["leaving"] / previous
    return out.dropna().reset_index()


def turnover_table(processed_dir: Path | None = None, tidy: pd.DataFrame | None = None) -> pd.DataFrame:
    """The gross leaving rate of every municipality, averaged over years, with min and max.

    Returns
    -------
    DataFrame
        ``region_code, mean, min, max, years`` (shares per year, incl. retirement), municipalities only.
    """
    if tidy is None:
        return _turnover_table(*session_key(processed_dir)).copy()
    rates = gross_leaving_rates(tidy)
    rates = rates[rates["region_code"].str.len() == 4]
    return (rates.groupby("region_code")["rate"].agg(["mean", "min", "max", "count"])
            .rename(columns={"count": "years"}).reset_index())


@lru_cache(maxsize=4)
def _turnover_table(directory: str, stamp: float) -> pd.DataFrame:
    return turnover_table(tidy=kolada_all(Path(directory)))


def turnover_from_data(municipality: str, retirement_rate: float, processed_dir: Path | None = None,
                       tidy: pd.DataFrame | None = None) -> dict[str, float] | None:
    """Turnover other than retirement from Kolada, with its plausibility check; None without data.

    The municipality's yearly gross leaving rate (:func:`gross_leaving_rates`) is averaged over all years;
    an average outside the 5–95 percentiles of all municipalities' averages is capped at the bound (single
    years with reorganisations — staff moved to a company or a joint board — show up as leavers). The
    retirement rate of the model is subtracted.

    Returns
    -------
    dict
        ``turnover`` (used), ``raw`` (before the cap, net of retirement), ``low``/``high`` (lowest and
        highest year, net of retirement), ``gross_mean``, ``national_p05``, ``national_median``,
        ``national_p95`` (gross, all municipalities), ``years``, ``capped`` (0/1).
    """
    table = turnover_table(processed_dir, tidy)
    own = table[table["region_code"] == municipality]
    if own.empty:
        return None
    row = own.iloc[0]
    p05, p50, p95 = table["mean"].quantile([TURNOVER_BOUNDS[0], 0.5, TURNOVER_BOUNDS[1]])
    gross = float(np.clip(row["mean"], p05, p95))

    def net(value: float) -> float:
        return float(np.clip(value - retirement_rate, 0.0, 0.5))

    used = net(gross)
    return {"turnover": used, "raw": net(row["mean"]), "low": min(net(row["min"]), used),
            "high": max(net(row["max"]), used), "gross_mean": float(row["mean"]), "national_p05": float(p05),
            "national_median": float(p50), "national_p95": float(p95), "years": int(row["years"]),
            "capped": float(gross != row["mean"])}
