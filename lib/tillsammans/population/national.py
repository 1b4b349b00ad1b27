"""SCB's national population projection on the model's grid: stocks on 31 December and the year's components.

The offline mirror holds, from SCB's 2024 national projection (BE0401), the projected *mean* population and
deaths by sex and age **attained in the year** (age 0 = the year's births, about half of them on average;
105 = 105+) for 2026–2050, and the assumed fertility rates. The model works with stocks on 31 December by
completed age, and a person aged a on 31 December of year t is in the cohort born in t − a: its mean
population is M(t, a) in year t and M(t + 1, a + 1) in year t + 1. So

* **stock**, 2026–2049: P(t, a) = ½ [M(t, a) + M(t + 1, a + 1)] — exact when the cohort changes linearly over
  the two years; the error is a quarter of the cohort's second difference (a few persons per cell). Age 0:
  P(t, 0) = 2 M(t, 0) (births and infant arrivals spread evenly over the year). The first and last years use
  the same linear cohort one step back or forward: P(2025, a − 1) = 2 M(2026, a) − P(2026, a) and
  P(2050, a) = 2 M(2050, a) − P(2049, a − 1).
* **births**: SCB's assumed fertility rates × the mean number of women by age attained (M), split by the
  observed share of boys.
* **deaths**: SCB's projected deaths by age attained = the model's deaths by the age reached at the end of the
  year (the same cohort); 100–105+ are the model's 100+.
* **net migration** by sex and age (immigration minus emigration): the mirror has no gross flows of the
  projection, so only the net is derived, as the residual of the cohort:
  N(t, a) = P(t, a) − P(t − 1, a − 1) + D(t, a); age 0: P(t, 0) − B(t) + D(t, 0).

Checks (``tests/test_population_national.py``): the derived stocks' yearly means reproduce SCB's mean
population, the 2025 stock is within a few thousand of SCB's observed 2025 total, and the components add
up to the change of the stock.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tillsammans.population.inputs import SCB_OPEN_AGE, SOURCES, PopulationInputs, load_inputs
from tillsammans.population.rates import AGES, OPEN_AGE, SEXES

#: The open age of the internal stock grid (ages 0..103, 104+): one below SCB's attained open age.
_GRID_OPEN = SCB_OPEN_AGE - 1

#: Source line of every table or figure built from SCB's national projection.
SOURCE = SOURCES["national_projection"]


@dataclass(frozen=True)
class NationalProjection:
    """SCB's national projection as stocks and components on the model's grid (sex, age 0..100+).

    Attributes
    ----------
    years : array (T + 1,)
        Stock years, the year before SCB's first projected year (2025) to its last (2050).
    population : array (T + 1, 2, 101)
        Persons on 31 December by completed age.
    births : array (T, 2)
        Births of ``years[1:]`` by sex (girls, boys).
    deaths, net_migration : arrays (T, 2, 101)
        Deaths and net migration of ``years[1:]`` by sex and the age reached at the end of the year.
    """

    years: np.ndarray
    population: np.ndarray
    births: np.ndarray
    deaths: np.ndarray
    net_migration: np.ndarray

    def stock(self, year: int) -> np.ndarray:
        """Population (2, 101) on 31 December ``year``; ``ValueError`` outside SCB's projection."""
        if not self.years[0] <= year <= self.years[-1]:
            raise ValueError(f"SCB's national projection has no stock for {year}; allowed: "
                             f"{self.years[0]}–{self.years[-1]}")
        return self.population[int(year - self.years[0])]


def _fold(stock: np.ndarray) -> np.ndarray:
    """(…, 2, 105) on ages 0..103, 104+ → (…, 2, 101) on ages 0..99, 100+."""
    out = stock[..., : OPEN_AGE + 1].copy()
    out[..., OPEN_AGE] = stock[..., OPEN_AGE:].sum(axis=-1)
    return out


def _average(m_now: np.ndarray, m_next: np.ndarray) -> np.ndarray:
    """Stock at the end of a year from the cohorts' mean populations this year and next (2, 106) → (2, 105)."""
    p = np.empty((2, _GRID_OPEN + 1))
    p[:, 0] = 2 * m_now[:, 0]
    p[:, 1:_GRID_OPEN] = 0.5 * (m_now[:, 1:_GRID_OPEN] + m_next[:, 2:_GRID_OPEN + 1])
    # 104+: those attaining 104 or more this year, and 105+ next year.
    p[:, _GRID_OPEN] = 0.5 * (m_now[:, _GRID_OPEN:].sum(axis=-1) + m_next[:, SCB_OPEN_AGE])
    return p


def _forward(previous: np.ndarray, m_now: np.ndarray) -> np.ndarray:
    """Stock at the end of a year from the stock a year earlier and this year's mean populations."""
    p = np.empty((2, _GRID_OPEN + 1))
    p[:, 0] = 2 * m_now[:, 0]
    p[:, 1:_GRID_OPEN] = 2 * m_now[:, 1:_GRID_OPEN] - previous[:, : _GRID_OPEN - 1]
    p[:, _GRID_OPEN] = 2 * m_now[:, _GRID_OPEN:].sum(axis=-1) - previous[:, _GRID_OPEN - 1:].sum(axis=-1)
    return np.maximum(p, 0.0)


def _backward(following: np.ndarray, m_next: np.ndarray) -> np.ndarray:
    """Stock at the end of the year before, from the stock a year later and that year's mean populations."""
    p = np.zeros((2, _GRID_OPEN + 1))
    p[:, : _GRID_OPEN - 1] = 2 * m_next[:, 1:_GRID_OPEN] - following[:, 1:_GRID_OPEN]
    # 103 and 104+ together (they are folded into 100+ anyway).
    p[:, _GRID_OPEN - 1] = 2 * m_next[:, _GRID_OPEN:].sum(axis=-1) - following[:, _GRID_OPEN]
    return np.maximum(p, 0.0)


def _compute(inputs: PopulationInputs) -> NationalProjection:
    years = inputs.scb_projection_years
    M, D = inputs.scb_mean_population, inputs.scb_deaths
    if len(years) < 2:
        raise ValueError(f"SCB's national projection (projection_population_deaths_sweden) needs at least two "
                         f"years in {inputs.processed_dir}; found {len(years)}")
    T = len(years)
    stock = np.empty((T + 1, 2, _GRID_OPEN + 1))
    for t in range(T - 1):
        stock[t + 1] = _average(M[t], M[t + 1])
    stock[T] = _forward(stock[T - 1], M[T - 1])
    stock[0] = _backward(stock[1], M[0])
    population = _fold(stock)

    fert_rows = np.searchsorted(inputs.projected_years, years)
    if not np.array_equal(inputs.projected_years[np.minimum(fert_rows, len(inputs.projected_years) - 1)], years):
        raise ValueError(f"SCB's fertility assumptions (projection_fertility_rates_sweden) do not cover the "
                         f"projection years {years[0]}–{years[-1]}")
    women = M[:, 0, : OPEN_AGE + 1]
    total_births = (inputs.projected_asfr[fert_rows] * women).sum(axis=-1)
    births = total_births[:, None] * np.array([1 - inputs.boys_share, inputs.boys_share])

    deaths = D[..., : OPEN_AGE + 1].copy()
    deaths[..., OPEN_AGE] = D[..., OPEN_AGE:].sum(axis=-1)

    start = np.empty((T, 2, 101))  # the cohorts at risk: last year's age a − 1 (100: 99 and 100+)
    start[..., 0] = births
    start[..., 1:] = population[:-1, :, :-1]
    start[..., OPEN_AGE] += population[:-1, :, OPEN_AGE]
    net = population[1:] - start + deaths
    return NationalProjection(years=np.concatenate([[years[0] - 1], years]), population=population,
                              births=births, deaths=deaths, net_migration=net)


def scb_national(inputs: PopulationInputs) -> NationalProjection:
    """SCB's national projection on the model's grid (memoised on ``inputs``); see the module docstring."""
    return inputs.memo(("scb_national",), lambda: _compute(inputs))


def scb_end_year(scb: NationalProjection, end_year: int | None) -> int:
    """``end_year`` checked against the years of SCB's national projection (None: its last year)."""
    last = int(scb.years[-1]) if end_year is None else int(end_year)
    if not scb.years[0] <= last <= scb.years[-1]:
        raise ValueError(f"end_year={end_year!r} outside SCB's national projection; allowed: "
                         f"{scb.years[0]}–{scb.years[-1]}")
    return last


def national_projection(
    end_year: int | None = None,
    from_year: int = 2019,
    inputs: PopulationInputs | None = None,
    processed_dir: Path | None = None,
) -> pd.DataFrame:
    """Sweden's population by sex and age: SCB's observations, then SCB's national projection.

    This is the study's "Riket": every national comparison line in the reports comes from here.

    Parameters
    ----------
    end_year : int, optional
        Last year (default SCB's last projected year, 2050; later years are not projected by SCB).
    from_year : int
        First year of the observed part (SCB's single ages end in 2020; the years between the last
        observation and SCB's first stock, 2021–2024, are left out: there are no single ages for them).

    Returns
    -------
    DataFrame
        ``year, sex, age, population, source`` (persons on 31 December; age 100 = 100+); ``source`` is
        ``"observed"`` (SCB 0000053A) or ``"scb_projection"`` (SCB BE0401, 2024, stocks derived as above).
    """
    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    scb = scb_national(inputs)
    last = scb_end_year(scb, end_year)
    observed_years = [y for y in inputs.single_age_years("00") if from_year <= y < scb.years[0]]
    frames = []
    for y in observed_years:
        frames.append(_tidy(y, inputs.population("00", y), "observed"))
    for y in range(int(scb.years[0]), last + 1):
        frames.append(_tidy(y, scb.stock(y), "scb_projection"))
    return pd.concat(frames, ignore_index=True)


def _tidy(year: int, pop: np.ndarray, source: str) -> pd.DataFrame:
    return pd.DataFrame({"year": year, "sex": np.repeat(SEXES, 101), "age": np.tile(AGES, 2),
                         "population": pop.reshape(-1), "source": source})


def national_components(inputs: PopulationInputs | None = None, processed_dir: Path | None = None) -> pd.DataFrame:
    """SCB's national projection's yearly totals: population, births, deaths and net migration (derived).

    Returns
    -------
    DataFrame
        ``year, population, births, deaths, net_migration`` (persons; population on 31 December, the
        components during the year; net migration derived as the residual, see the module docstring).
    """
    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    scb = scb_national(inputs)
    return pd.DataFrame({
        "year": scb.years[1:], "population": scb.population[1:].sum(axis=(1, 2)),
        "births": scb.births.sum(axis=-1), "deaths": scb.deaths.sum(axis=(1, 2)),
        "net_migration": scb.net_migration.sum(axis=(1, 2)),
    })
