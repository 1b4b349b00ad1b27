"""The backtest tables every population report shows, computed once per build.

Every municipality's report carries the same network-wide evidence: how often the intervals held, the errors of
the model and of the naive benchmarks for all 290 municipalities, by size and for the counties, the housing
scenario's test, and the municipality's own errors. Each is a summary of backtests of every municipality
(:mod:`.backtest`, :mod:`.housing_backtest`), reading them costs more than the rest of a report's model work,
and they do not depend on the municipality: :func:`backtest_summary` computes the finished tables once and keeps
them in the disk cache, so a report reads a few small tables.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tillsammans.population.assumptions import Assumptions
from tillsammans.population.backtest import (
    TOTAL,
    backtest_counties,
    backtest_coverage,
    backtest_errors,
    backtest_municipalities,
)
from tillsammans.population.housing_backtest import backtest_housing, housing_comparison
from tillsammans.population.inputs import PopulationInputs, load_inputs
from tillsammans.population.stochastic import DEFAULT_SEED
from tillsammans.population.summaries import backtest_table

#: Horizons (years after the jump-off) of each municipality's own errors in its report.
OWN_HORIZONS = (1, 3, 5, 10)
#: Paths of the counties' backtest (the intervals' persistence was chosen on it).
COUNTY_SIMS = 200


def backtest_summary(inputs: PopulationInputs | None = None, seed: int = DEFAULT_SEED,
                     processed_dir: Path | None = None, cache: bool = True) -> dict[str, pd.DataFrame]:
    """The finished backtest tables of the population report (the same for every municipality).

    Parameters
    ----------
    inputs : PopulationInputs, optional
        Default :func:`~tillsammans.population.load_inputs` of ``processed_dir``.
    seed : int
        Seed of the backtests' simulated paths (the report's ``seed``).
    cache : bool
        Keep the tables in ``data/processed/cache`` (keyed on the data, the population model's source and
        ``seed``).

    Returns
    -------
    dict of DataFrame
        ``coverage``: :func:`~tillsammans.population.backtest_coverage` by age group, 1–10 years ahead
        (fractions); ``errors``: :func:`~tillsammans.population.backtest_table` of the main and the
        unreconciled model; ``by_size``: the same for the total by municipality size; ``housing``:
        :func:`~tillsammans.population.housing_comparison` by building change (5 and 10 years ahead, with all
        municipalities); ``counties``: the counties' errors 10 years ahead by method; ``own``: each municipality's
        errors for the total by method and horizon (:data:`OWN_HORIZONS`); ``jump_offs``: the jump-off years of
        the municipalities' and the counties' backtests (``backtest, jump_off``). Errors in percent.
    """
    from tillsammans.cache import cached

    inputs = inputs if inputs is not None else load_inputs(processed_dir)

    def compute() -> dict[str, pd.DataFrame]:
        municipal = backtest_municipalities(inputs, seed=seed)
        unreconciled = backtest_municipalities(inputs, seed=seed, n_sims=1, assumptions=Assumptions(reconcile=False))
        counties = backtest_counties(inputs, n_sims=COUNTY_SIMS, seed=seed)
        total = municipal[municipal["age_group"] == TOTAL]
        own = total[total["horizon"].isin(OWN_HORIZONS)]
        return {
            "coverage": backtest_coverage(municipal[municipal["horizon"] <= 10], by=("age_group",), age_group=None),
            "errors": backtest_table(municipal, unreconciled=unreconciled),
            "by_size": backtest_table(total, by=("horizon", "size_class")),
            "housing": housing_comparison(backtest_housing(inputs), municipal, inputs, horizons=(5, 10),
                                          by="building_change", include_all=True),
            "counties": backtest_errors(counties[(counties["horizon"] == 10) & (counties["age_group"] == TOTAL)],
                                        by=("method",)),
            "own": backtest_errors(own, by=("region_code", "method", "horizon")),
            "jump_offs": pd.DataFrame(
                [{"backtest": "municipalities", "jump_off": int(y)} for y in sorted(municipal["jump_off"].unique())]
                + [{"backtest": "counties", "jump_off": int(y)} for y in sorted(counties["jump_off"].unique())]),
        }

    return cached("population_backtest_summary", compute, modules=["tillsammans.population"],
                  parameters={"seed": seed}, processed_dir=inputs.processed_dir, enabled=cache)


__all__ = ["COUNTY_SIMS", "OWN_HORIZONS", "backtest_summary"]
