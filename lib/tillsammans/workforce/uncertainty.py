"""Step 6 of the pipeline, *uncertainty*: joint Monte Carlo, a tornado of the gap, and population choices.

* :func:`assumption_ranges` — each uncertain workforce assumption with its lowest, central and highest value
  and the source of the range (retirement age, turnover, productivity, employment level);
* :func:`draw_assumptions` — one triangular draw of every assumption per population path (fixed seed);
* :func:`simulate` — the pipeline on every simulated population path with its drawn assumptions, and
  :func:`intervals` — 80 % and 95 % intervals of need, recruitment need and gap, total and per sector;
* :func:`tornado` — the end-year gap with one assumption at a time at its lowest and highest value (the
  population at its 10th and 90th percentile path), sorted by how much each moves it.

The network's joint intervals and the population model's calibration choices are in
:mod:`tillsammans.workforce.network`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from tillsammans.population.stochastic import quantile_name
from tillsammans.workforce.assumptions import Assumptions
from tillsammans.workforce.gap import run_paths
from tillsammans.workforce.inputs import Prepared
from tillsammans.workforce.sectors import SECTORS

#: Quantiles of the intervals: 95 % (2.5–97.5) and 80 % (10–90) and the median.
QUANTILES = (0.025, 0.1, 0.5, 0.9, 0.975)
#: The uncertain workforce assumptions, in tornado order.
UNCERTAIN = ("retirement_age", "turnover", "productivity", "employment_level")
#: The outputs with intervals.
OUTPUTS = ("staff_need", "recruitment_need", "gap")


def assumption_ranges(a: Assumptions, prepared: Prepared) -> pd.DataFrame:
    """Lowest, central and highest value of each uncertain assumption, with where the range comes from.

    Returns
    -------
    DataFrame
        ``assumption, low, central, high, source`` (retirement age in years, the others as shares per year,
        the employment level as a factor).
    """
    turnover = prepared.turnover["turnover"] if a.turnover is None else a.turnover
    t_low, t_high = a.turnover_range if a.turnover_range is not None else (
        prepared.turnover["low"], prepared.turnover["high"])
    e_low, e_high = a.employment_range if a.employment_range is not None else prepared.employment_range
    rows = [
        ("retirement_age", *a.retirement_age_range[:1], a.retirement_age, a.retirement_age_range[1],
         "Pensionsmyndigheten (utträdesålder 2022; medelpensioneringsålder 2023–2024; riktålder 67 år från 2026)"),
        ("turnover", min(t_low, turnover), turnover, max(t_high, turnover),
         "Kolada n00239, n00233: kommunens lägsta och högsta år" if a.turnover_range is None else "parameter"),
        ("productivity", a.productivity_range[0], a.productivity, a.productivity_range[1], "antagande (±0,5 %/år)"),
        ("employment_level", e_low, 1.0, e_high,
         "Kolada n00914: kommunens lägsta och högsta förvärvsfrekvens 2012–2021 mot senaste året"
         if a.employment_range is None else "parameter"),
    ]
    return pd.DataFrame(rows, columns=["assumption", "low", "central", "high", "source"])


def draw_assumptions(ranges: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """``n`` joint draws (independent triangular distributions low–central–high), one row per path.

    Each assumption gets its own column of uniforms from the seed, also when its range is a single value,
    so the same seed puts path ``s`` at the same percentile of each assumption in every municipality (the
    network's paths share them: retirement age, productivity and employment move nationally).
    """
    from scipy.stats import triang  # here, not at the top: scipy.stats takes 0.8 s to import (see vulnerability)

    rng = np.random.default_rng(seed)
    uniforms = rng.random((n, len(ranges)))
    out = {}
    for j, rec in enumerate(ranges.itertuples(index=False)):
        if rec.high > rec.low:
            c = (rec.central - rec.low) / (rec.high - rec.low)
            out[rec.assumption] = triang.ppf(uniforms[:, j], c, loc=rec.low, scale=rec.high - rec.low)
        else:
            out[rec.assumption] = np.full(n, rec.central)
    return pd.DataFrame(out).rename_axis("sim").reset_index()


def _path_outputs(run: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Need, cumulative recruitment need and gap per path, year and sector (the total as an extra sector)."""
    need = run["need"]
    recruitment = np.concatenate([np.zeros_like(need[:, :1]), np.cumsum(
        np.diff(need, axis=1) + run["retirements"], axis=1)], axis=1)
    shares = need[:, :1, :] / need[:, :1, :].sum(axis=2, keepdims=True)
    gap = need - run["supply"][:, :, None] * shares
    def with_total(x: np.ndarray) -> np.ndarray:
        return np.concatenate([x, x.sum(axis=2, keepdims=True)], axis=2)
    return {"staff_need": with_total(need), "recruitment_need": with_total(recruitment), "gap": with_total(gap)}


def simulate(prepared: Prepared, population: np.ndarray, years: np.ndarray, draws: pd.DataFrame,
             retirement_age_sd: float = 1.5) -> dict[str, np.ndarray]:
    """Run the pipeline on every path with its drawn assumptions (arrays paths × years × sectors+total)."""
    run = run_paths(prepared, population, years, productivity=draws["productivity"].to_numpy(),
                    retirement_age=draws["retirement_age"].to_numpy(), retirement_age_sd=retirement_age_sd,
                    turnover=draws["turnover"].to_numpy(), employment_level=draws["employment_level"].to_numpy())
    return {"years": run["years"], **_path_outputs(run)}


def intervals(paths: Mapping[str, np.ndarray], q: Sequence[float] = QUANTILES) -> pd.DataFrame:
    """Quantiles over paths: ``year, sector, output, q025, q10, q50, q90, q975`` (årsarbetare).

    ``sector`` ``total`` is the sum over sectors; ``output`` is ``staff_need``, ``recruitment_need``
    (cumulative from the base year) or ``gap``.
    """
    years = paths["years"]
    names = [*SECTORS, "total"]
    frames = []
    for output in OUTPUTS:
        values_ = np.quantile(paths[output], list(q), axis=0)  # q × years × sectors
        grid = pd.MultiIndex.from_product([years, names], names=["year", "sector"])
        frame = pd.DataFrame(values_.reshape(len(q), -1).T, index=grid,
                             columns=[quantile_name(float(x)) for x in q]).reset_index()
        frames.append(frame.assign(output=output))
    out = pd.concat(frames, ignore_index=True)
    return out[["year", "sector", "output", *[quantile_name(float(x)) for x in q]]]


def tornado(prepared: Prepared, population: np.ndarray, years: np.ndarray, ranges: pd.DataFrame, year: int,
            population_paths: np.ndarray | None = None, retirement_age_sd: float = 1.5) -> pd.DataFrame:
    """The gap in ``year`` with one assumption at a time at its lowest and highest value.

    Parameters
    ----------
    population : ndarray
        The main projection (1 × years × ages).
    population_paths : ndarray, optional
        Simulated paths; adds the row ``population``: the gap on the paths whose gap is at the 10th and
        90th percentile with every other assumption central.

    Returns
    -------
    DataFrame
        ``assumption, low, high, gap_low, gap_high, swing`` (gap in årsarbetare at the low and high value;
        swing = |gap_high − gap_low|), sorted by swing, largest first; ``attrs["central"]`` is the gap with
        every assumption central.
    """
    central = {r.assumption: r.central for r in ranges.itertuples(index=False)}
    at = int(np.flatnonzero(years[years >= prepared.base_year] == year)[0])

    def gap_with(values_: dict[str, float], pop: np.ndarray = population) -> np.ndarray:
        run = run_paths(prepared, pop, years, productivity=values_["productivity"],
                        retirement_age=values_["retirement_age"], retirement_age_sd=retirement_age_sd,
                        turnover=values_["turnover"], employment_level=values_["employment_level"],
                        exits=False)
        return run["need"][:, at, :].sum(axis=1) - run["supply"][:, at]

    rows = []
    for rec in ranges.itertuples(index=False):
        low = float(gap_with({**central, rec.assumption: rec.low})[0])
        high = float(gap_with({**central, rec.assumption: rec.high})[0])
        rows.append({"assumption": rec.assumption, "low": rec.low, "high": rec.high, "gap_low": low,
                     "gap_high": high})
    if population_paths is not None and population_paths.shape[0] > 1:
        gaps = gap_with(central, population_paths)
        q10, q90 = np.quantile(gaps, [0.1, 0.9])
        rows.append({"assumption": "population", "low": 0.1, "high": 0.9, "gap_low": float(q10),
                     "gap_high": float(q90)})
    out = pd.DataFrame(rows)
    out["swing"] = (out["gap_high"] - out["gap_low"]).abs()
    out = out.sort_values("swing", ascending=False).reset_index(drop=True)
    out.attrs["central"] = float(gap_with(central)[0])
    return out
