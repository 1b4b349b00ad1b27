"""Benchmarks of tillsammans.population (printed figures, not timed tests).

Goals (issue 3, on a 2-core machine): one municipality deterministic 2019→2050 ≤ 10 ms; 1 000 stochastic
paths ≤ 1 s; all 290 municipalities × 1 000 paths ≤ 60 s.

Run: ``.venv/bin/python bench/bench_population.py [--quick]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from tillsammans import population as pop


def timed(fn, repeat: int) -> tuple[float, object]:
    """Median wall time over ``repeat`` runs (the machine is shared: the minimum is printed too)."""
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    timed.minimum = min(times)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="30 municipalities instead of 290 in the last figure")
    args = parser.parse_args()

    t0 = time.perf_counter()
    inputs = pop.load_inputs(cache=False)
    print(f"load_inputs (read processed tables once):            {1000 * (time.perf_counter() - t0):8.0f} ms")

    pop.project_population("0381", 2050, inputs=inputs)  # warm the memoised national schedules
    t, _ = timed(lambda: pop.project_population("0381", 2050, inputs=inputs), 50)
    print(f"deterministic 0381 2019→2050, tidy DataFrame:         {1000 * t:8.1f} ms   (goal ≤ 10 ms; "
          f"min {1000 * timed.minimum:.1f} ms)")
    model = pop.prepare_region("0381", end_year=2050, inputs=inputs)
    from tillsammans.population.projection import run_projection

    t, _ = timed(lambda: run_projection(model, inputs, 2050), 30)
    print(f"  of which the projection arrays (no estimation):     {1000 * t:8.1f} ms")

    t, sims = timed(lambda: pop.simulate_population("0381", 2050, n_sims=1000, seed=1, inputs=inputs), 3)
    print(f"1 000 paths 0381 2019→2050, tidy DataFrame ({len(sims):,} rows): {t:6.2f} s    (goal ≤ 1 s)")
    t, _ = timed(lambda: pop.simulate_run("0381", 2050, n_sims=1000, seed=1, inputs=inputs), 3)
    print(f"1 000 paths 0381 2019→2050, arrays:                   {t:8.2f} s")
    t, _ = timed(lambda: pop.population_quantiles(sims, by=("year",)), 3)
    print(f"population_quantiles by year on those paths:          {t:8.2f} s")

    codes = inputs.registry.municipalities()
    t0 = time.perf_counter()
    for code in codes:
        pop.project_population(code, 2050, inputs=inputs)
    print(f"290 municipalities deterministic 2019→2050, tidy:     {time.perf_counter() - t0:8.2f} s")
    if args.quick:
        codes = codes[:30]
    t0 = time.perf_counter()
    spread = []
    for code in codes:
        run = pop.simulate_run(code, 2050, n_sims=1000, seed=1, inputs=inputs)
        totals = run.population[:, -1].sum(axis=(1, 2))
        lo, hi = np.quantile(totals, [0.1, 0.9])
        spread.append((hi - lo) / np.median(totals))
    elapsed = time.perf_counter() - t0
    label = f"{len(codes)} municipalities × 1 000 paths 2019→2050 (arrays):"
    print(f"{label:54s}{elapsed:6.1f} s    (goal ≤ 60 s for 290)")
    print(f"  median width of the 80 % interval in 2050: {100 * float(np.median(spread)):.1f} % of the median")


if __name__ == "__main__":
    main()
