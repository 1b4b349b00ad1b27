"""Benchmark and key figures of the workforce model (prints; not a test).

Usage: ``.venv/bin/python bench/bench_workforce.py [n_sims] [repeats]``, or
``.venv/bin/python bench/bench_workforce.py rebuild [repeats]`` for the timings 6–8 only.

Timings (median of ``repeats`` runs, with the fastest and slowest; the machine is shared, so say what else ran):

1. one municipality (Enköping): the whole workforce result with ``n_sims`` joint paths (population paths
   simulated beforehand; the first call warms the per-session caches, the timed calls are the later ones;
   target ≤ 1 s);
2. the seven of the network, the same (target ≤ 5 s in all);
3. the network's joint run including the population simulation of the seven (what a report build computes
   once, ``workforce.network_workforce``);
4. the demand backtest of all 290 municipalities (target ≤ 60 s);
5. the population-calibration sensitivity of the seven (nine variants).

What a rebuild after a changed ``end_year`` pays (issue 12: one municipality's cached rebuild ≤ 10 s), each
run with a new end year so the disk cache misses (``cache=False``; the per-session memory of the population
model is warmed by one call with another end year first):

6. ``population_sensitivity`` of the seven;
7. ``network_workforce`` of the seven with 1000 paths (incl. their population paths);
8. ``workforce()`` of one municipality per call, without and with 1000 paths (Enköping, a new end year each).

Figures: the seven's need, recruitment need and gap in 2040 with 80 % intervals and the network's total
(joint paths, with the two bounds), the tornado's top drivers, the population-calibration sensitivity,
turnover, the demand backtest by series and horizon, and SKR's national check.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Iterator

import pandas as pd

from tillsammans import data, population, workforce
from tillsammans.municipalities import NETWORK, registry

END_YEAR = 2040
WIDE = {"display.width": 250, "display.max_columns": 40, "display.float_format": "{:,.1f}".format}


def _timed(function, repeats: int) -> tuple[float, float, float]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        function()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), max(times)


def _line(label: str, t: tuple[float, float, float], unit_digits: int = 2) -> None:
    d = unit_digits
    print(f"{label:<58} median {t[0]:.{d}f} s (min {t[1]:.{d}f}, max {t[2]:.{d}f})")


def timings(n_sims: int, repeats: int) -> None:
    inputs = population.load_inputs()
    pops, sims = {}, {}
    t0 = time.perf_counter()
    for code in NETWORK:
        pops[code] = population.project_population(code, END_YEAR, inputs=inputs)
        sims[code] = population.simulate_population(code, END_YEAR, n_sims=n_sims, inputs=inputs,
                                                    seed=workforce.municipal_seed(population.stochastic.DEFAULT_SEED,
                                                                                  code),
                                                    common_seed=population.stochastic.DEFAULT_SEED)
    print(f"population projections and {n_sims} paths for the seven: {time.perf_counter() - t0:.1f} s "
          "(not in the timings 1–2)")
    workforce.workforce("0381", pops["0381"], sims["0381"])  # warm the per-session caches
    _line(f"1. one municipality, {n_sims} joint paths",
          _timed(lambda: workforce.workforce("0381", pops["0381"], sims["0381"]), repeats))
    _line("2. the seven", _timed(lambda: [workforce.workforce(c, pops[c], sims[c]) for c in NETWORK], repeats))
    _line("3. the network's joint run incl. population paths",
          _timed(lambda: workforce.network_results(NETWORK, END_YEAR, n_sims=n_sims), repeats), 1)
    _line("4. demand backtest, 290 municipalities", _timed(workforce.backtest_demand, repeats), 1)
    _line("5. population-calibration sensitivity, the seven",
          _timed(lambda: workforce.population_sensitivity(NETWORK, END_YEAR, cache=False), repeats), 1)


def rebuild_timings(repeats: int) -> None:
    """The timings 6–8: each run with a new end year (a cold disk cache), after a warm-up end year."""
    years = iter(range(END_YEAR + 1, END_YEAR + 1 + 10 * repeats))
    workforce.population_sensitivity(NETWORK, END_YEAR, cache=False)
    workforce.network_workforce(NETWORK, END_YEAR, n_sims=1000, cache=False)
    _line("6. population_sensitivity, the seven, new end year",
          _timed(lambda: workforce.population_sensitivity(NETWORK, next(years), cache=False), repeats))
    _line("7. network_workforce, the seven, 1000 paths, new end year",
          _timed(lambda: workforce.network_workforce(NETWORK, next(years), n_sims=1000, cache=False), repeats))
    inputs = population.load_inputs()
    runs = []
    for _ in range(repeats):
        end = next(years)
        runs.append((population.project_population("0381", end, inputs=inputs),
                     population.simulate_population("0381", end, n_sims=1000, inputs=inputs)))
    workforce.workforce("0381", *runs[0])
    for label, with_paths in (("without paths", False), ("with 1000 paths", True)):
        left = iter(runs)

        def one(left: Iterator = left, with_paths: bool = with_paths) -> None:
            pop, sims = next(left)
            workforce.workforce("0381", pop, sims if with_paths else None)
        _line(f"8. workforce() of Enköping, {label}", _timed(one, repeats), 3)


def key_figures(n_sims: int) -> None:
    names = registry()
    results = workforce.network_results(NETWORK, END_YEAR, n_sims=n_sims)
    rows = []
    for code, result in results.items():
        k = result.key_figures()
        top = result.tornado.head(2)
        rows.append({"kommun": names.name(code), "staff_2022": k["staff_today"], "need": k["need_end"],
                     "need_q10": k["need_end_q10"], "need_q90": k["need_end_q90"],
                     "recruitment": k["cum_recruitment_need"], "rec_q10": k["cum_recruitment_need_q10"],
                     "rec_q90": k["cum_recruitment_need_q90"], "gap_today": k["gap_base"], "gap": k["gap_end"],
                     "gap_q10": k["gap_end_q10"], "gap_q90": k["gap_end_q90"],
                     "drivers": ", ".join(f"{a} {s:,.0f}"
                                          for a, s in zip(top["assumption"], top["swing"], strict=True))})
    frame = pd.DataFrame(rows).set_index("kommun")
    for joint in workforce.JOINT:
        runs = (results if joint == "shared"
                else workforce.network_results(NETWORK, END_YEAR, n_sims=n_sims, joint=joint))
        total = workforce.network_total(runs)
        end = total[total["year"] == END_YEAR].set_index("output")
        frame.loc[f"network ({joint})"] = {
            "staff_2022": frame["staff_2022"].iloc[:7].sum(), "need": end.loc["staff_need", "central"],
            "need_q10": end.loc["staff_need", "q10"], "need_q90": end.loc["staff_need", "q90"],
            "recruitment": end.loc["recruitment_need", "central"], "rec_q10": end.loc["recruitment_need", "q10"],
            "rec_q90": end.loc["recruitment_need", "q90"], "gap_today": frame["gap_today"].iloc[:7].sum(),
            "gap": end.loc["gap", "central"], "gap_q10": end.loc["gap", "q10"], "gap_q90": end.loc["gap", "q90"],
            "drivers": ""}
    print(f"\nThe seven in {END_YEAR} ({n_sims} joint paths; årsarbetare; 80 % intervals):")
    with pd.option_context(*[x for kv in {**WIDE, "display.float_format": "{:,.0f}".format}.items() for x in kv]):
        print(frame)
    print("\nTurnover (share per year): gross leaving rate incl. retirement, the 290's 5/50/95 percentiles, "
          "the model's retirement rate and the net turnover used:")
    turnover = pd.DataFrame({names.name(c): r.turnover for c, r in results.items()}).T
    with pd.option_context(*[x for kv in {**WIDE, "display.float_format": "{:.3f}".format}.items() for x in kv]):
        print(turnover[["gross_mean", "national_p05", "national_median", "national_p95", "retirement_rate",
                        "raw", "turnover", "low", "high", "capped", "years"]])


def sensitivity() -> None:
    names = registry()
    table = workforce.population_sensitivity(NETWORK, END_YEAR, cache=False)
    wide = table.pivot_table(index="variant", columns="region_code", values="gap", sort=False)
    wide = wide.rename(columns=lambda c: names.name(c) if c != "total" else "network")
    wide["network change"] = table[table["region_code"] == "total"].set_index("variant")["gap_change"]
    wide["network 20-64"] = table[table["region_code"] == "total"].set_index("variant")["working_age"]
    print(f"\nGap {END_YEAR} under the population model's calibration choices (årsarbetare):")
    with pd.option_context(*[x for kv in {**WIDE, "display.float_format": "{:,.0f}".format}.items() for x in kv]):
        print(wide)


def backtest() -> None:
    bt = workforce.backtest_demand()
    errors = workforce.backtest_errors(bt)
    sel = errors[errors["horizon"].isin([1, 3, 5, 10])]
    print("\nDemand backtest (percent; mape mean, median_ape, wape staff-weighted, bias; without series breaks):")
    with pd.option_context(*[x for kv in WIDE.items() for x in kv]):
        print(sel.to_string(index=False))
        print("\nCare (n20041), 10 years ahead: the largest errors")
        drivers = workforce.backtest_drivers(bt, "vard_omsorg", 10, top=6)
        print(drivers.assign(name=drivers["region_code"].map(registry().name)).to_string(index=False))


def skr_check() -> None:
    """80+ +50 % → eldercare staff ≈ +30 % (SKR), on Sweden's 2020 population and SCB's 2028 projection."""
    observed = data.load_table("population_sweden_age_sex", filters=[("year", "==", 2020)])
    projected = data.load_table("projection_population_deaths_sweden", filters=[("year", "==", 2028)])
    a = observed.groupby("age", as_index=False)["population"].sum().assign(year=2020)
    b = (projected.assign(age=projected["age"].clip(upper=100)).groupby("age", as_index=False)
         ["projected_mean_population"].sum().rename(columns={"projected_mean_population": "population"})
         .assign(year=2028))
    pop = pd.concat([a, b], ignore_index=True)
    k = data.kolada(["n20891", "n20892"], regions=["00"])
    rates = workforce.use_rates(k[k["year"] == 2020].assign(region_code="00"), "00", pop)
    staff = pd.DataFrame({"sector": list(workforce.SECTORS), "staff": 1.0})
    need = workforce.staff_need(pop, staff, rates).set_index(["year", "sector"])["staff_need"]
    old = pop[pop["age"] >= 80].groupby("year")["population"].sum()
    print(f"\nSKR check: 80+ {old[2028] / old[2020] - 1:+.1%} (Sweden 2020 → 2028) gives eldercare staff "
          f"{need[(2028, 'aldreomsorg')] - 1:+.1%} at constant staff per user (SKR: about +50 % → +30 %)")


def main(n_sims: int = 1000, repeats: int = 3) -> None:
    timings(n_sims, repeats)
    rebuild_timings(repeats)
    key_figures(n_sims)
    sensitivity()
    backtest()
    skr_check()


if __name__ == "__main__":
    if sys.argv[1:2] == ["rebuild"]:
        rebuild_timings(*[int(a) for a in sys.argv[2:3]])
    else:
        main(*[int(a) for a in sys.argv[1:3]])
