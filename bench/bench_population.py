"""Benchmarks of tillsammans.population (printed figures, not timed tests).

Goals (issues 10, 15 and 16, on a 2-core machine): one municipality deterministic to 2050 ≤ 10 ms; 1 000 stochastic
paths ≤ 0.5 s; all 290 municipalities × 1 000 paths ≤ 30 s; the full municipal backtest ≤ 2 min; the
reconciliation of all 290 municipalities with SCB's national projection ≤ 5 s deterministic; the housing
scenario at most 20 % slower than the main one (measured alternating, round by round).

Run: ``.venv/bin/python bench/bench_population.py [--quick] [--repeat 3]``. Every figure is the median of
``--repeat`` runs (default 3) with the spread (min–max) beside it; the machine is shared, so say what else ran.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from tillsammans import population as pop
from tillsammans.population import reconcile
from tillsammans.population.assumptions import Assumptions
from tillsammans.population.run import run_projection


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """Median, minimum and maximum wall time (seconds) over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), max(times)


def show(label: str, figures: tuple[float, float, float], unit: str = "s", goal: str = "") -> None:
    scale = 1000 if unit == "ms" else 1
    med, lo, hi = (scale * x for x in figures)
    print(f"{label:58s}{med:9.2f} {unit}  (min {lo:.2f}, max {hi:.2f}){'   goal ' + goal if goal else ''}")


def forget_reconciliations(inputs: pop.PopulationInputs) -> None:
    """Drop the reconciliations memoised in this process (the next one is read from disk or computed)."""
    for key in [k for k in inputs._memo if isinstance(k, tuple) and k and k[0] == "reconciliation"]:
        del inputs._memo[key]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="30 municipalities instead of 290 in the big figures")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median and spread)")
    args = parser.parse_args()
    r = args.repeat

    show("load_inputs (read processed tables once)", timed(lambda: pop.load_inputs(cache=False), 1))
    fresh = pop.load_inputs(cache=False)
    main = Assumptions()
    show("reconciliation of the 290, first in a process (estimates the 290)",
         timed(lambda: reconcile.reconciliation(fresh, main, cache=False), 1), "s")
    show("reconciliation of the 290, estimated models (joint run)",
         timed(lambda: reconcile._compute(fresh, main, None, None, "forecast", None), r), "s", "≤ 5 s")
    inputs = pop.load_inputs()
    reconcile.reconciliation(inputs, main)  # computed once per build, kept in data/processed/cache

    def from_disk() -> None:
        forget_reconciliations(inputs)
        reconcile.reconciliation(inputs, main)
    show("reconciliation read from the disk cache (a new kernel)", timed(from_disk, 5 * r), "ms")
    pop.project_population("0381", 2050, inputs=inputs)  # warm the memoised national schedules and profiles

    show("deterministic 0381 to 2050, tidy DataFrame (reconciled)",
         timed(lambda: pop.project_population("0381", 2050, inputs=inputs), 20 * r), "ms", "≤ 10 ms")
    show("deterministic 0381 to 2050, tidy DataFrame (unreconciled)",
         timed(lambda: pop.project_population("0381", 2050, "unreconciled", inputs=inputs), 20 * r), "ms")
    model = pop.prepare_region("0381", end_year=2050, inputs=inputs)
    show("  of which the projection arrays (no estimation)",
         timed(lambda: run_projection(model, inputs, 2050), 20 * r), "ms")
    show("1 000 paths 0381 to 2050, arrays",
         timed(lambda: pop.simulate_run("0381", 2050, n_sims=1000, seed=1, inputs=inputs), r), "s", "≤ 0.5 s")
    show("1 000 paths 0381 to 2050, tidy DataFrame",
         timed(lambda: pop.simulate_population("0381", 2050, n_sims=1000, seed=1, inputs=inputs), r))
    housing_figures(inputs, r)

    codes = inputs.registry.municipalities()
    if args.quick:
        codes = codes[:30]
    n = len(codes)
    show(f"{n} municipalities deterministic to 2050, tidy",
         timed(lambda: [pop.project_population(c, 2050, inputs=inputs) for c in codes], r))

    def paths() -> None:
        for code in codes:
            run = pop.simulate_run(code, 2050, n_sims=1000, seed=1, inputs=inputs)
            np.quantile(run.population[:, -1].sum(axis=(1, 2)), [0.1, 0.9])

    show(f"{n} municipalities × 1 000 paths to 2050 (arrays)", timed(paths, r), "s", "≤ 30 s for 290")
    show(f"municipal backtest, {n} municipalities × 5 jump-offs × 200 paths (reconciled)",
         timed(lambda: (forget_reconciliations(inputs), pop.backtest_municipalities(inputs, codes, cache=False)), r),
         "s", "≤ 120 s for 290")
    show(f"municipal backtest, {n} municipalities × 5 jump-offs, deterministic (unreconciled)",
         timed(lambda: pop.backtest_municipalities(inputs, codes, n_sims=1, cache=False,
                                                   assumptions=Assumptions(reconcile=False)), r), "s")
    show(f"municipal backtest, {n} municipalities × 5 jump-offs, deterministic (main, reconciliations known)",
         timed(lambda: pop.backtest_municipalities(inputs, codes, n_sims=1, cache=False), r), "s")
    show(f"housing backtest, {n} municipalities × 5 jump-offs, deterministic (reconciliations known)",
         timed(lambda: pop.backtest_housing(inputs, codes, cache=False), r), "s")


def interleaved(fns: dict[str, Callable[[], object]], rounds: int, calls: int) -> dict[str, list[float]]:
    """Per function, ``rounds`` medians of ``calls`` calls, the functions alternating round by round, so that
    the load of a shared machine falls on all of them alike (seconds)."""
    out: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            times = []
            for _ in range(calls):
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
            out[name].append(statistics.median(times))
    return out


def housing_figures(inputs: pop.PopulationInputs, r: int) -> None:
    """Issue 15: the housing scenario against the main one (goal: at most 20 % more time), its estimation."""
    from tillsammans.population import dwellings, housing

    fresh = pop.load_inputs(cache=False)
    show("housing parameters, estimated (290 municipalities' profiles + fits)",
         timed(lambda: housing.housing_effect(fresh, cache=False), 1), "s")
    # a new kernel: fresh inputs (nothing memoised), the parameters and the rule read from data/processed/cache
    fresh_ones = [pop.load_inputs(cache=False) for _ in range(r)]
    show("housing parameters and default rule read from the disk cache",
         timed(lambda: (housing.housing_effect(fresh_ones[-1]), dwellings.completion_rule(fresh_ones.pop())), r),
         "ms")
    pop.project_population("0381", 2050, "housing", inputs=inputs)
    for label, fns, calls in (
        ("deterministic 0381 to 2050, tidy", {s: (lambda s=s: pop.project_population("0381", 2050, s, inputs=inputs))
                                              for s in ("base", "housing")}, 20),
        ("1 000 paths 0381 to 2050, arrays", {s: (lambda s=s: pop.simulate_run("0381", 2050, s, n_sims=1000, seed=1,
                                                                              inputs=inputs))
                                              for s in ("base", "housing")}, 1),
    ):
        rounds = interleaved(fns, max(r, 3) * (3 if calls == 1 else 1), calls)
        for name, times in rounds.items():
            show(f"{label}, {name}", (statistics.median(times), min(times), max(times)),
                 "ms" if calls > 1 else "s")
        ratios = [h / b for h, b in zip(rounds["housing"], rounds["base"], strict=True)]
        print(f"{'  housing ÷ main, per round':58s}{statistics.median(ratios):9.2f}    (min {min(ratios):.2f}, "
              f"max {max(ratios):.2f})   goal ≤ 1.20")


if __name__ == "__main__":
    main()
