"""Benchmark and key figures of the workforce model for the seven municipalities (prints; not a test).

Usage: ``.venv/bin/python bench/bench_workforce.py [end_year] [n_sims]``

For each municipality: the population projection and simulations are computed first (their time is shown
separately), then ``workforce.workforce`` is timed. The printed table holds the numbers quoted in reports.
"""

from __future__ import annotations

import sys
import time

import pandas as pd

from tillsammans import population, workforce
from tillsammans.municipalities import NETWORK, registry


def main(end_year: int = 2040, n_sims: int = 500) -> pd.DataFrame:
    names = registry()
    rows = []
    for code in NETWORK:
        t0 = time.perf_counter()
        pop = population.project_population(code, end_year=end_year)
        sims = population.simulate_population(code, end_year=end_year, n_sims=n_sims)
        t1 = time.perf_counter()
        result = workforce.workforce(code, pop, sims)
        t2 = time.perf_counter()
        q = result.need_quantiles.set_index("year").loc[end_year]
        rows.append({"kommun": names.name(code), "population_s": t1 - t0, "workforce_s": t2 - t1,
                     **result.key_figures(), "need_q10": q["q10"], "need_q90": q["q90"],
                     "turnover": result.turnover, "levers_close": result.levers["step"].iloc[-1]})
    frame = pd.DataFrame(rows).set_index("kommun")
    with pd.option_context("display.width", 200, "display.max_columns", 40, "display.float_format", "{:,.3f}".format):
        print(frame.T)
    return frame


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
