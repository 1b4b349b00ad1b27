"""Benchmark and key figures of the workforce model (prints; not a test).

Usage: ``.venv/bin/python bench/bench_workforce.py [n_sims] [repeats]``

1. one municipality (Enköping): the whole workforce result with ``n_sims`` joint paths (population paths
   simulated beforehand, their time shown separately); the first call warms the per-session caches, the
   timed calls are the later ones (target ≤ 1 s);
2. the seven of the network, the same (target ≤ 5 s in all);
3. the demand backtest of all 290 municipalities (target ≤ 60 s);
and the key figures of the seven for 2040 with 80 % intervals (the numbers quoted in reports).
"""

from __future__ import annotations

import statistics
import sys
import time

import pandas as pd

from tillsammans import population, workforce
from tillsammans.municipalities import NETWORK, registry

END_YEAR = 2040


def _timed(function, repeats: int) -> tuple[float, float, float]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        function()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), max(times)


def main(n_sims: int = 1000, repeats: int = 3) -> pd.DataFrame:
    names = registry()
    inputs = population.load_inputs()
    pops, sims = {}, {}
    t0 = time.perf_counter()
    for code in NETWORK:
        pops[code] = population.project_population(code, END_YEAR, inputs=inputs)
        sims[code] = population.simulate_population(code, END_YEAR, n_sims=n_sims, inputs=inputs)
    print(f"population projections and {n_sims} paths for the seven: {time.perf_counter() - t0:.1f} s (not timed below)")
    workforce.workforce("0381", pops["0381"], sims["0381"])  # warm the per-session caches
    one = _timed(lambda: workforce.workforce("0381", pops["0381"], sims["0381"]), repeats)
    seven = _timed(lambda: [workforce.workforce(c, pops[c], sims[c]) for c in NETWORK], repeats)
    backtest = _timed(lambda: workforce.backtest_demand(), repeats)
    print(f"one municipality, {n_sims} joint paths: median {one[0]:.2f} s (min {one[1]:.2f}, max {one[2]:.2f})")
    print(f"the seven:                        median {seven[0]:.2f} s (min {seven[1]:.2f}, max {seven[2]:.2f})")
    print(f"demand backtest, 290 municipalities: median {backtest[0]:.1f} s (min {backtest[1]:.1f}, max {backtest[2]:.1f})")
    rows = []
    for code in NETWORK:
        result = workforce.workforce(code, pops[code], sims[code])
        k = result.key_figures()
        rows.append({"kommun": names.name(code), "staff_2022": k["staff_today"],
                     "need": k["need_end"], "need_q10": k["need_end_q10"], "need_q90": k["need_end_q90"],
                     "recruitment": k["cum_recruitment_need"], "rec_q10": k["cum_recruitment_need_q10"],
                     "rec_q90": k["cum_recruitment_need_q90"], "gap_today": k["gap_base"], "gap": k["gap_end"],
                     "gap_q10": k["gap_end_q10"], "gap_q90": k["gap_end_q90"], "turnover": k["turnover"],
                     "top_driver": result.tornado["assumption"].iloc[0]})
    frame = pd.DataFrame(rows).set_index("kommun")
    # sums of the main path only: quantiles do not add up across municipalities
    frame.loc["Nätverket"] = frame[["staff_2022", "need", "recruitment", "gap_today", "gap"]].sum().reindex(frame.columns)
    with pd.option_context("display.width", 220, "display.max_columns", 40, "display.float_format", "{:,.0f}".format):
        print(frame.drop(columns="turnover"))
    print("turnover:", {k: round(v, 3) for k, v in frame["turnover"].dropna().items()})
    return frame


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
