"""Report-ready summaries of projections: regions side by side, scenarios, backtest tables.

Thin compositions of the projection and indicator functions, so that notebooks call one function per table
or figure and hold no model code.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from tillsammans.municipalities import SWEDEN
from tillsammans.population.backtest import backtest_errors
from tillsammans.population.indicators import WORKING_AGE, dependency_ratio, working_age_share
from tillsammans.population.inputs import PopulationInputs, load_inputs
from tillsammans.population.national import national_projection, scb_national
from tillsammans.population.projection import project_population, project_sum
from tillsammans.population.scenarios import SCENARIOS


def _both_sexes(frame: pd.DataFrame, keys: Sequence[str] = ("year",)) -> pd.DataFrame:
    return frame.groupby([*keys, "age"], as_index=False, observed=True)["population"].sum()


def projected_indicators(frame: pd.DataFrame, pension_age: int = 65) -> pd.DataFrame:
    """Yearly indicators of a projection (both sexes).

    Returns
    -------
    DataFrame
        ``year, population, working_age (20–64), share_20_64, share_20_pension (20 to pension_age − 1),
        dependency_ratio, age_80plus, share_80plus``.
    """
    both = _both_sexes(frame)
    dep = dependency_ratio(both).set_index("year")
    wa = working_age_share(both, *WORKING_AGE).set_index("year")
    wp = working_age_share(both, WORKING_AGE[0], pension_age - 1).set_index("year")
    old = both[both.age >= 80].groupby("year")["population"].sum()
    out = pd.DataFrame({
        "population": wa["population"], "working_age": wa["working_age"], "share_20_64": wa["working_age_share"],
        "share_20_pension": wp["working_age_share"], "dependency_ratio": dep["dependency_ratio"],
        "age_80plus": old,
    })
    out["share_80plus"] = out["age_80plus"] / out["population"]
    return out.reset_index()


def compare_regions(
    regions: Sequence[str],
    end_year: int = 2040,
    scenario: str = "base",
    pension_age: int = 65,
    inputs: PopulationInputs | None = None,
    processed_dir: Path | None = None,
    **assumptions: Any,
) -> pd.DataFrame:
    """Projected indicators for several regions: municipalities, counties and Sweden side by side.

    A municipality is its own projection from its latest single ages (2019 in the mirror). A county is the
    sum of its municipalities' projections (so the parts add up to the whole). Sweden (``"00"``) is SCB's:
    its observed single ages to 2020, then SCB's national projection 2024 (:func:`national_projection`, to
    2050 at most) — the reports' "Riket", the same in every scenario. Years without data (Sweden 2021–2024,
    after 2050) have NaN indicators, so a line drawn from the frame breaks there.

    Returns
    -------
    DataFrame
        ``region_code, source`` + the columns of :func:`projected_indicators`; ``source`` is ``"model"``,
        ``"observed"`` (SCB) or ``"scb_projection"``.
    """
    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    parts = []
    first = None
    for region in regions:
        code = inputs.registry.resolve(region)
        if code == SWEDEN:
            continue
        members = ([c for c in inputs.registry.municipalities() if inputs.registry.county_of(c) == code]
                   if len(code) == 2 else [code])
        frame = project_sum(members, end_year, scenario, inputs=inputs, **assumptions)
        part = projected_indicators(frame, pension_age).assign(source="model")
        first = int(part["year"].min()) if first is None else min(first, int(part["year"].min()))
        parts.append(part.assign(region_code=code))
    if any(inputs.registry.resolve(r) == SWEDEN for r in regions):
        scb = scb_national(inputs)
        start = first if first is not None else int(scb.years[0])
        national = national_projection(min(end_year, int(scb.years[-1])), from_year=start, inputs=inputs)
        sources = national.groupby("year")["source"].first()
        part = projected_indicators(national.drop(columns="source"), pension_age)
        part = part.set_index("year").reindex(range(start, end_year + 1)).rename_axis("year").reset_index()
        part["source"] = part["year"].map(sources)
        parts.append(part.assign(region_code=SWEDEN))
    out = pd.concat(parts, ignore_index=True)
    order = [inputs.registry.resolve(r) for r in regions]
    out["region_code"] = pd.Categorical(out["region_code"], categories=order, ordered=True)
    out = out.sort_values(["region_code", "year"]).reset_index(drop=True)
    out["region_code"] = out["region_code"].astype(str)
    return out[["region_code", "source", *[c for c in out.columns if c not in ("region_code", "source")]]]


def scenario_table(
    municipality: str,
    end_year: int = 2040,
    years: Sequence[int] | None = None,
    scenarios: Sequence[str] | None = None,
    inputs: PopulationInputs | None = None,
    processed_dir: Path | None = None,
    **assumptions: Any,
) -> pd.DataFrame:
    """Key numbers of every scenario in selected years.

    Returns
    -------
    DataFrame
        ``scenario, description, year, population, working_age, share_20_64, dependency_ratio, age_80plus``.
    """
    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    scenarios = list(SCENARIOS) if scenarios is None else list(scenarios)
    rows = []
    for name in scenarios:
        ind = projected_indicators(project_population(municipality, end_year, name, inputs=inputs, **assumptions))
        chosen = ind if years is None else ind[ind.year.isin(list(years))]
        chosen = chosen.assign(scenario=name, description=SCENARIOS[name])
        rows.append(chosen)
    out = pd.concat(rows, ignore_index=True)
    return out[["scenario", "description", "year", "population", "working_age", "share_20_64", "dependency_ratio",
                "age_80plus"]]


def backtest_table(backtest: pd.DataFrame, horizons: Sequence[int] = (5, 10),
                   by: Sequence[str] = ("horizon", "age_group"),
                   unreconciled: pd.DataFrame | None = None) -> pd.DataFrame:
    """MAPE of the model and of both naive benchmarks, and the model's mean signed error, wide.

    Parameters
    ----------
    unreconciled : DataFrame, optional
        The same backtest with the unreconciled model (``Assumptions(reconcile=False)``): adds its MAPE and
        mean signed error as ``mape_unreconciled, bias_unreconciled``.

    Returns
    -------
    DataFrame
        ``*by, mape_model, mape_naive_constant, mape_naive_growth, bias_model, n`` (percent; n = projections
        per method), age groups in the order total, 0–19, 20–64, 65–79, 80+.
    """
    by = list(by)

    def wide_errors(frame: pd.DataFrame) -> pd.DataFrame:
        errors = backtest_errors(frame[frame["horizon"].isin(list(horizons))], by=["method", *by])
        return errors.pivot_table(index=by, columns="method", values=["mape", "mean_signed_error", "n"])

    wide = wide_errors(backtest)
    out = pd.DataFrame({
        "mape_model": wide[("mape", "model")], "mape_naive_constant": wide[("mape", "naive_constant")],
        "mape_naive_growth": wide[("mape", "naive_growth")], "bias_model": wide[("mean_signed_error", "model")],
        "n": wide[("n", "model")].astype(int),
    })
    if unreconciled is not None:
        other = wide_errors(unreconciled)
        out.insert(1, "mape_unreconciled", other[("mape", "model")])
        out.insert(5, "bias_unreconciled", other[("mean_signed_error", "model")])
    out = out.reset_index()
    order = {"total": 0, "0–19": 1, "20–64": 2, "65–79": 3, "80+": 4}
    return out.sort_values(by, key=lambda s: s.map(order) if s.name == "age_group" else s).reset_index(drop=True)


def national_comparison(
    end_year: int | None = None,
    inputs: PopulationInputs | None = None,
    processed_dir: Path | None = None,
    cache: bool = True,
) -> pd.DataFrame:
    """Per year: the sum of the 290 municipal projections beside SCB's national projection and our own.

    The first thing a demographer does with municipal projections is add them up. Rows from the latest
    observed year (2025) to ``end_year`` (default and at most SCB's last year, 2050).

    Returns
    -------
    DataFrame
        ``year, sum_reconciled`` (main scenario), ``sum_unreconciled`` (scenario ``"unreconciled"``),
        ``own_national`` (this model run on Sweden's own data, ``project_population("00")``, unreconciled),
        ``scb`` (SCB's national projection 2024, stocks derived from its mean population), and the
        differences from SCB in percent: ``reconciled_pct, unreconciled_pct, own_national_pct``.
    """
    from tillsammans.cache import cached

    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    scb = scb_national(inputs)
    last = int(scb.years[-1]) if end_year is None else int(end_year)
    if not scb.years[0] <= last <= scb.years[-1]:
        raise ValueError(f"end_year={end_year!r} outside SCB's national projection; allowed: "
                         f"{scb.years[0]}–{scb.years[-1]}")
    return cached("population_national_comparison", lambda: _national_comparison(inputs, last),
                  modules=["tillsammans.population"], parameters={"end_year": last},
                  processed_dir=inputs.processed_dir, enabled=cache)


def _national_comparison(inputs: PopulationInputs, end_year: int) -> pd.DataFrame:
    scb = scb_national(inputs)
    codes = inputs.registry.municipalities()
    sums = {}
    for scenario in ("base", "unreconciled"):
        frame = project_sum(codes, end_year, scenario, inputs=inputs)
        sums[scenario] = frame.groupby("year")["population"].sum()
    own = project_population(SWEDEN, end_year, "base", inputs=inputs).groupby("year")["population"].sum()
    years = range(int(scb.years[0]), end_year + 1)
    out = pd.DataFrame({
        "year": list(years),
        "sum_reconciled": [sums["base"][y] for y in years],
        "sum_unreconciled": [sums["unreconciled"][y] for y in years],
        "own_national": [own[y] for y in years],
        "scb": [scb.stock(y).sum() for y in years],
    })
    for column, name in (("sum_reconciled", "reconciled_pct"), ("sum_unreconciled", "unreconciled_pct"),
                         ("own_national", "own_national_pct")):
        out[name] = 100 * (out[column] / out["scb"] - 1)
    return out
