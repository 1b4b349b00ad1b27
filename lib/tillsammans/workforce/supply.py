"""Step 4 of the pipeline, *supply*: the welfare staff the municipality's own population can provide.

supply(t) = Σ_age residents(age, t) × employment(age) × commuting × welfare share × FTE per person

* residents by single age from the population projection;
* employment rates by age: the national profile (:data:`~tillsammans.workforce.inputs.EMPLOYMENT_PROFILE`)
  scaled so that it gives the municipality's employed residents 15–74 in the base year (Kolada ``n02202``);
  from 55 on it moves with the retirement age (a later average retirement keeps people employed longer);
* commuting: (1 − out-commuting ``n02279``) ÷ (1 − in-commuting ``n02276``) turns employed residents into
  people employed at workplaces in the municipality (equal to ``n02201`` ÷ ``n02202``);
* the share of those employed in the municipal/regional sector (``n02203``);
* full-time equivalents of municipal staff per person employed in the municipal/regional sector: the
  median over all 290 municipalities in the base year (``n00098`` ÷ (``n02201`` × ``n02203``)).

Only the FTE conversion is calibrated, and on all municipalities, so a municipality's supply in the base
year differs from its staff: the difference says how much more (or less) it staffs than a typical
municipality with its labour base would, and it is shown, not forced to zero.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from tillsammans.workforce.inputs import employment_rates, kolada_all, session_key, values

#: Average retirement age in the year the employment profile describes (Pensionsmyndigheten: mean age of
#: first withdrawal of the public pension, 64,8 years in 2022); a higher assumed age shifts the profile 55+.
REFERENCE_RETIREMENT_AGE = 64.8
#: Ages whose employment moves with the retirement age.
OLDER_FROM = 55


@lru_cache(maxsize=8)
def _fte_per_person(directory: str, stamp: float, year: int) -> float:
    tidy = kolada_all(Path(directory))
    sel = tidy[tidy["kpi"].isin(["n00098", "n02201", "n02203"]) & (tidy["region_code"].str.len() == 4)]
    years = sorted(y for y in sel.loc[sel["kpi"] == "n02203", "year"].unique() if y <= year) or \
        sorted(sel.loc[sel["kpi"] == "n02203", "year"].unique())
    if not years:
        raise ValueError("Kolada n02203 (sysselsatta i kommun-/regionsektor) has no municipal values")
    pick = years[-1]
    wide = sel[sel["year"] == pick].pivot_table(index="region_code", columns="kpi", values="value")
    ratio = wide["n00098"] / (wide["n02201"] * wide["n02203"] / 100)
    ratio = ratio[np.isfinite(ratio) & (ratio > 0)]
    return float(ratio.median())


def fte_per_person(year: int, processed_dir: Path | None = None) -> float:
    """Municipal FTE per person employed in the municipal/regional sector: median of all municipalities.

    Kolada ``n00098`` ÷ (``n02201`` × ``n02203``) in ``year`` (or the latest earlier year with ``n02203``).
    """
    return _fte_per_person(*session_key(processed_dir), int(year))


def employment_profile(shift: float | np.ndarray = 0.0) -> np.ndarray:
    """National employment rates by age 0..100, the part from 55 shifted ``shift`` years later.

    ``shift`` may be one value per path; returns (paths, 101).
    """
    shifts = np.atleast_1d(np.asarray(shift, dtype=float))[:, None]
    ages = np.arange(101, dtype=float)[None, :]
    base = employment_rates()
    x = np.where(ages >= OLDER_FROM, np.maximum(ages - shifts, OLDER_FROM), ages)
    lo = np.clip(np.floor(x).astype(int), 0, 100)
    w = x - np.floor(x)
    return (1 - w) * base[lo] + w * base[np.minimum(lo + 1, 100)]


def supply_factors(inputs: pd.DataFrame, municipality: str, population_base: np.ndarray, base_year: int,
                   commuting: bool = True, processed_dir: Path | None = None) -> dict[str, float]:
    """The supply inputs of a municipality from Kolada (shares 0..1, persons).

    Parameters
    ----------
    population_base : ndarray
        Residents by single age (0..100) in the base year.

    Returns
    -------
    dict
        ``employment_scale`` (local ÷ national employment), ``employed_residents`` (n02202),
        ``out_commuting``, ``in_commuting``, ``commuting_factor``, ``welfare_share``, ``fte_per_person``,
        ``employment_20_64`` (n02243, a check).
    """
    v = values(inputs, municipality)
    employed, share = v.get("n02202", np.nan), v.get("n02203", np.nan)
    if not (np.isfinite(employed) and employed > 0 and np.isfinite(share)):
        raise ValueError(f"municipality {municipality}: Kolada n02202 (sysselsatta efter bostad) or n02203 "
                         "(andel i kommun-/regionsektor) missing; cannot compute supply")
    if not (0 < share < 100):
        raise ValueError(f"municipality {municipality}: welfare share n02203 = {share} % is outside 0–100 %")
    modelled = float(population_base @ employment_rates())
    if modelled <= 0:
        raise ValueError(f"municipality {municipality}: no residents of working age in {base_year}")
    out_, in_ = v.get("n02279", np.nan) / 100, v.get("n02276", np.nan) / 100
    if commuting and not (np.isfinite(out_) and np.isfinite(in_)):
        raise ValueError(f"municipality {municipality}: Kolada n02279/n02276 (ut-/inpendling) missing; "
                         "pass commuting=False to leave commuting out")
    for name, value in (("out-commuting n02279", out_), ("in-commuting n02276", in_)):
        if np.isfinite(value) and not (0 <= value < 1):
            raise ValueError(f"municipality {municipality}: {name} = {100 * value} % is outside 0–100 %")
    factor = (1 - out_) / (1 - in_) if commuting else 1.0
    return {"employment_scale": float(employed / modelled), "employed_residents": float(employed),
            "out_commuting": float(out_) if np.isfinite(out_) else np.nan,
            "in_commuting": float(in_) if np.isfinite(in_) else np.nan,
            "commuting_factor": float(factor), "welfare_share": float(share / 100),
            "fte_per_person": fte_per_person(base_year, processed_dir),
            "employment_20_64": float(v.get("n02243", np.nan)) / 100}


def supply_array(population: np.ndarray, years: np.ndarray, base_year: int, factors: dict[str, float],
                 retirement_age: float | np.ndarray = REFERENCE_RETIREMENT_AGE,
                 employment_level: float | np.ndarray = 1.0) -> dict[str, np.ndarray]:
    """Supply per path and year from residents by age (paths × years × 101).

    ``retirement_age`` and ``employment_level`` (a factor on all employment rates) apply to the years after
    the base year and may be one value per path. Returns arrays (paths × years): ``employed_residents``,
    ``jobs`` (persons employed at workplaces in the municipality), ``welfare_workers`` (persons) and
    ``supply`` (årsarbetare).
    """
    paths = population.shape[0]
    shift = np.broadcast_to(np.asarray(retirement_age, dtype=float) - REFERENCE_RETIREMENT_AGE, (paths,))
    level = np.broadcast_to(np.asarray(employment_level, dtype=float), (paths,))
    today = np.minimum(factors["employment_scale"] * employment_rates(), 1.0)
    later = np.minimum(factors["employment_scale"] * employment_profile(shift) * level[:, None], 1.0)
    after = (years > base_year)[None, :, None]
    rates = np.where(after, later[:, None, :], today[None, None, :])
    employed = (population * rates).sum(axis=2)
    jobs = employed * factors["commuting_factor"]
    workers = jobs * factors["welfare_share"]
    return {"employed_residents": employed, "jobs": jobs, "welfare_workers": workers,
            "supply": workers * factors["fte_per_person"]}
