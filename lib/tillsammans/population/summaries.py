"""Report-ready summaries of projections: regions side by side, scenarios, backtest tables.

Thin compositions of the projection and indicator functions, so that notebooks call one function per table
or figure and hold no model code.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from tillsammans.population.backtest import backtest_errors
from tillsammans.population.indicators import dependency_ratio, working_age_share
from tillsammans.population.inputs import PopulationInputs, load_inputs
from tillsammans.population.projection import project_population
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
    wa = working_age_share(both, 20, 64).set_index("year")
    wp = working_age_share(both, 20, pension_age - 1).set_index("year")
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
    """Projected indicators for several regions (e.g. the municipality, its county and Sweden).

    Each region starts from its own latest single-age year (municipalities 2019, counties 2015, Sweden 2020
    in the mirror) and is carried through the years with observed components.

    Returns
    -------
    DataFrame
        ``region_code`` + the columns of :func:`projected_indicators`.
    """
    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    parts = []
    for region in regions:
        frame = project_population(region, end_year, scenario, inputs=inputs, **assumptions)
        part = projected_indicators(frame, pension_age)
        part.insert(0, "region_code", inputs.registry.resolve(region))
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


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
                   by: Sequence[str] = ("horizon", "age_group")) -> pd.DataFrame:
    """MAPE of the model and of both naive benchmarks, and the model's mean signed error, wide.

    Returns
    -------
    DataFrame
        ``*by, mape_model, mape_naive_constant, mape_naive_growth, bias_model, n`` (percent; n = projections
        per method), age groups in the order total, 0–19, 20–64, 65–79, 80+.
    """
    by = list(by)
    errors = backtest_errors(backtest[backtest["horizon"].isin(list(horizons))], by=["method", *by])
    wide = errors.pivot_table(index=by, columns="method", values=["mape", "mean_signed_error", "n"])
    out = pd.DataFrame({
        "mape_model": wide[("mape", "model")], "mape_naive_constant": wide[("mape", "naive_constant")],
        "mape_naive_growth": wide[("mape", "naive_growth")], "bias_model": wide[("mean_signed_error", "model")],
        "n": wide[("n", "model")].astype(int),
    }).reset_index()
    order = {"total": 0, "0–19": 1, "20–64": 2, "65–79": 3, "80+": 4}
    return out.sort_values(by, key=lambda s: s.map(order) if s.name == "age_group" else s).reset_index(drop=True)
