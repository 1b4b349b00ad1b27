"""Step 2 of the pipeline, *demand*: staff needed per sector and year, SKR's method.

need(s, t) = staff(s, base) × users(s, t) ÷ users(s, base) × (1 + productivity) ** −(t − base)

Users are persons in each sector's age groups (:data:`~tillsammans.workforce.sectors.USER_GROUPS`), eldercare
users weighted by the share with hemtjänst or särskilt boende (:func:`use_rates`). Staff per user is held at
the base year's level (SKR: today's standard). The same code predicts staff from observed populations in
the demand backtest (:mod:`tillsammans.workforce.backtest`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from tillsammans.municipalities import SWEDEN
from tillsammans.workforce.inputs import values
from tillsammans.workforce.sectors import SECTORS, USER_GROUPS, age_matrix


def check_base_year(population: pd.DataFrame, base_year: int | None) -> int:
    """The base year (default: the frame's first year); it must be a year of the frame."""
    years = population["year"].unique()
    year = int(population["year"].min()) if base_year is None else int(base_year)
    if year not in {int(y) for y in years}:
        raise ValueError(f"base year {year} is not in the population frame (years "
                         f"{int(population['year'].min())}–{int(population['year'].max())}); pass a frame "
                         "that includes the base year (tillsammans.workforce.base_year())")
    return year


def check_productivity(productivity: float) -> None:
    if not (np.isfinite(productivity) and -0.05 <= productivity <= 0.05):
        raise ValueError(f"productivity must be a yearly share in [-0.05, 0.05], got {productivity}")


def use_rates(inputs: pd.DataFrame, municipality: str, population: pd.DataFrame,
              base_year: int | None = None, use_90_ratio: float = 2.0) -> dict[str, float]:
    """Eldercare use rates by age band: share with hemtjänst or särskilt boende.

    65–79 and 80+ from Kolada (``n20891`` of 65+, ``n20892`` of 80+, the municipality's own values, Sweden's
    when the municipality has none); 80+ is split into 80–89 and 90+ with the assumed ratio ``use_90_ratio``
    and the base year's population.

    Returns
    -------
    dict
        ``use_65_79, use_80_89, use_90`` (shares 0..1).
    """
    v = values(inputs, municipality)
    year = check_base_year(population, base_year)
    pop = population[population["year"] == year]
    if "sim" in pop.columns:
        pop = pop[pop["sim"] == pop["sim"].min()]
    by_age = np.bincount(pop["age"].to_numpy(dtype=np.int64), weights=pop["population"].to_numpy(dtype=float),
                         minlength=101)
    p65, p80, p90 = by_age[65:80].sum(), by_age[80:90].sum(), by_age[90:].sum()
    r65, r80 = v.get("n20891", np.nan), v.get("n20892", np.nan)
    if not (np.isfinite(r65) and np.isfinite(r80)):
        national = values(inputs, SWEDEN)
        r65, r80 = national.get("n20891", np.nan), national.get("n20892", np.nan)
    if not (np.isfinite(r65) and np.isfinite(r80)):
        raise ValueError(f"municipality {municipality}: Kolada n20891/n20892 (invånare 65+/80+ med hemtjänst "
                         "eller särskilt boende) missing; cannot weight eldercare users")
    users_80 = r80 / 100 * (p80 + p90)
    users_65 = max(r65 / 100 * (p65 + p80 + p90) - users_80, 0.0)
    rate_80_89 = users_80 / (p80 + use_90_ratio * p90) if (p80 + p90) > 0 else r80 / 100
    return {"use_65_79": users_65 / p65 if p65 > 0 else 0.0,
            "use_80_89": float(rate_80_89),
            "use_90": float(min(use_90_ratio * rate_80_89, 1.0))}


def user_weights(rates: Mapping[str, float]) -> np.ndarray:
    """Ages (0..100) × sectors weight matrix: users(s) = Σ_age persons(age) × weight(age, s)."""
    ages = np.arange(101)
    weights = np.zeros((len(ages), len(USER_GROUPS)))
    for j, groups in enumerate(USER_GROUPS.values()):
        for first, last, key in groups:
            weight = 1.0 if key is None else float(rates[key])
            weights[(ages >= first) & (ages <= last), j] += weight
    return weights


def users(population: pd.DataFrame, rates: Mapping[str, float]) -> pd.DataFrame:
    """Users of each sector per year (weighted by use rates where a sector has several age bands).

    Parameters
    ----------
    population : DataFrame
        ``year, age, population`` (persons; age 0..100 with 100 = 100+), optionally ``sex`` (summed over)
        and ``sim`` (kept).
    rates : mapping
        ``use_65_79``, ``use_80_89``, ``use_90`` (shares 0..1), see :func:`use_rates`.

    Returns
    -------
    DataFrame
        ``[sim,] year, sector, users`` (persons, or weighted persons for eldercare).
    """
    index, matrix = age_matrix(population)
    values_ = matrix @ user_weights(rates)
    n = len(USER_GROUPS)
    out = index.loc[index.index.repeat(n)].reset_index(drop=True)
    out["sector"] = np.tile(list(USER_GROUPS), len(index))
    out["users"] = values_.reshape(-1)
    return out


def need_array(users_: np.ndarray, staff0: np.ndarray, years: np.ndarray, base_year: int,
               productivity: float | np.ndarray = 0.0) -> np.ndarray:
    """Staff need from users: ``users_`` (paths, years, sectors), ``staff0`` (sectors) → (paths, years, sectors).

    ``productivity`` is a number or one value per path.
    """
    base = int(np.flatnonzero(years == base_year)[0])
    u0 = users_[:, base:base + 1, :]
    ratio = np.divide(users_, u0, out=np.ones_like(users_), where=u0 > 0)
    prod = np.asarray(productivity, dtype=float).reshape(-1, 1, 1)
    return staff0[None, None, :] * ratio * (1 + prod) ** -(years - base_year)[None, :, None]


def staff_need(population: pd.DataFrame, sector_staff: pd.DataFrame, rates: Mapping[str, float],
               productivity: float = 0.0, base_year: int | None = None) -> pd.DataFrame:
    """Staff needed per sector and year from the base year on: today's staff per user × projected users.

    Parameters
    ----------
    population : DataFrame
        ``[sim,] year, age, population [, sex]`` including the base year.
    sector_staff : DataFrame
        ``sector, staff`` (årsarbetare in the base year), e.g. from :func:`~tillsammans.workforce.sector_staff`.
    rates : mapping
        Eldercare use rates, see :func:`use_rates`.
    productivity : float
        Yearly fall in staff per user (0.005 = 0.5 %/year); default 0 (SKR: today's standard).
    base_year : int, optional
        Default: the first year of ``population``.

    Returns
    -------
    DataFrame
        ``[sim,] year, sector, users, staff_need`` (årsarbetare).
    """
    check_productivity(productivity)
    year0 = check_base_year(population, base_year)
    u = users(population, rates)
    keys = ["sim"] if "sim" in u.columns else []
    base = u[u["year"] == year0].set_index([*keys, "sector"])["users"].rename("base_users")
    out = u.join(base, on=[*keys, "sector"])
    out = out[out["year"] >= year0].copy()
    staff = sector_staff.set_index("sector")["staff"]
    staff0 = out["sector"].map(staff).fillna(0.0)
    ratio = np.where(out["base_users"] > 0, out["users"] / out["base_users"].where(out["base_users"] > 0), 1.0)
    out["staff_need"] = staff0 * ratio * (1 + productivity) ** -(out["year"] - year0)
    return out[[*keys, "year", "sector", "users", "staff_need"]].reset_index(drop=True)


def total_over_sectors(frame: pd.DataFrame, value: str | Sequence[str] = "staff_need") -> pd.DataFrame:
    """Sum a per-sector frame over sectors: ``[sim,] year, <value>``."""
    keys = [k for k in ("sim", "year") if k in frame.columns]
    cols = [value] if isinstance(value, str) else list(value)
    return frame.groupby(keys, as_index=False)[cols].sum()


def sector_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by year and then by the report order of :data:`SECTORS`."""
    order = {s: i for i, s in enumerate(SECTORS)}
    return frame.sort_values(["year", "sector"], key=lambda c: c.map(order) if c.name == "sector" else c)
