"""Benchmark and key figures of the cooperation analysis for the network (prints; not a test).

Usage: ``.venv/bin/python bench/bench_cooperation.py``

Times ``cooperation.analyse`` for the seven municipalities (and its parts) and prints the figures quoted in
the report: shortfall risks, Erlang-C staffing, elasticities with intervals, distances and the ranking.
"""

from __future__ import annotations

import time

import pandas as pd

from tillsammans import cooperation
from tillsammans.cooperation import geography, scale
from tillsammans.municipalities import NETWORK


def _timed(label: str, func, *args, **kwargs):
    t0 = time.perf_counter()
    out = func(*args, **kwargs)
    print(f"{label:<40s} {time.perf_counter() - t0:6.2f} s")
    return out


def main() -> cooperation.CooperationResult:
    panel = _timed("cost panel (290 municipalities)", scale.cost_panel)
    fits = _timed("11 OLS fits with HC3", scale.fit_scale_models, panel)
    _timed("diagnostics", scale.diagnostics_table, fits)
    _timed("centroids + distances", lambda: geography.distance_matrix(geography.centroids(list(NETWORK))))
    res = _timed("analyse (whole network run)", cooperation.analyse, list(NETWORK))
    with pd.option_context("display.width", 220, "display.max_columns", 30, "display.float_format", "{:,.3f}".format):
        print(res.vulnerability_fn)
        print(res.staffing)
        print(res.elasticities.drop(columns=["label"]))
        print(res.cost_effect.drop(columns=["label"]))
        print(res.distances.round(1))
        print(res.ranking[[*cooperation.CRITERIA, "total", "rank"]])
    return res


if __name__ == "__main__":
    main()
