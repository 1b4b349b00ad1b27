"""Benchmark: what a report's figures, tables and number formatting cost (issue 12; prints, not a test).

Runs the code cells of ``01_population`` and ``02_workforce`` for a few municipalities in one warm process
(an IPython shell, outputs captured, the Agg canvas as in the kernel's inline backend), after one warm-up
report each, and times per report:

- figures    = wall time inside ``plots.show`` (drawing, cropping and PNG encoding; building the axes happens
  in the notebook's own cells and is not counted);
- tables     = wall time inside ``plots.table`` (formatting, HTML, CSV and download record);
- downloads  = the part of ``tables`` spent in ``plots.downloads.download_frame``;
- formatting = wall time inside the :mod:`tillsammans.formatting` functions wherever they are called (tick
  labels, tables, narrative), outermost call only, with the number of calls;
- ticks      = the part of ``formatting`` called by matplotlib tick formatters (``swedish_axis``, pyramids);
- total      = all code cells of the report.

``formatting`` overlaps ``figures`` and ``tables`` (tick labels are written while a figure is drawn).
Each figure is the median over ``--runs`` runs of the per-report mean over the municipalities, with the
spread (max − min). The machine is shared: the load average is printed.

Usage: ``python bench/bench_figures.py [--municipalities 0319,0360] [--runs 3] [--profile]``
(``--profile`` prints cProfile's top functions by cumulative time for one report of each kind instead).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TILLSAMMANS_HOME", str(Path(__file__).resolve().parents[1]))

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ("01_population", "02_workforce")
MEASURES = ("figures", "tables", "downloads", "formatting", "ticks", "total")


class Timers:
    """Wall-clock totals of the wrapped library functions (outermost call per group only)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._depth: dict[str, int] = defaultdict(int)

    def wrap(self, group: str, function):
        def timed(*args, **kwargs):
            self.calls[group] += 1
            if self._depth[group]:
                return function(*args, **kwargs)
            self._depth[group] += 1
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[group] += time.perf_counter() - start
                self._depth[group] -= 1

        timed.__wrapped__ = function  # type: ignore[attr-defined]
        return timed

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()


def install(timers: Timers) -> None:
    """Replace the timed functions in every loaded ``tillsammans`` module that refers to them."""
    import matplotlib.ticker

    from tillsammans import formatting, plots
    from tillsammans.plots import downloads

    originals = {
        "figures": [plots.show],
        "tables": [plots.table],
        "downloads": [downloads.download_frame],
        "formatting": [formatting.fmt_number, formatting.fmt_percent, formatting.fmt_signed,
                       formatting.fmt_general],
    }
    replaced = {id(f): timers.wrap(group, f) for group, fs in originals.items() for f in fs}
    for name, module in list(sys.modules.items()):
        if not name.startswith("tillsammans"):
            continue
        for attr, value in list(vars(module).items()):
            if id(value) in replaced:
                setattr(module, attr, replaced[id(value)])
    # tick labels: matplotlib calls the formatters' ``__call__``
    func_call = matplotlib.ticker.FuncFormatter.__call__
    matplotlib.ticker.FuncFormatter.__call__ = timers.wrap("ticks", func_call)  # type: ignore[method-assign]
    for cls in _formatter_classes():
        cls.__call__ = timers.wrap("ticks", cls.__call__)


def _formatter_classes() -> list[type]:
    """The library's own tick formatter classes, if it defines any (timed like ``FuncFormatter``)."""
    import matplotlib.ticker

    from tillsammans import plots

    return [v for v in vars(plots).values()
            if isinstance(v, type) and issubclass(v, matplotlib.ticker.Formatter)
            and v is not matplotlib.ticker.FuncFormatter]


def cells(notebook: str, municipality: str) -> list[str]:
    """The code cells of a notebook with its parameter cell followed by the report's parameters."""
    nb = json.loads((ROOT / "notebooks" / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    out = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        out.append("".join(cell["source"]))
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            out.append(f"municipality = {municipality!r}")
    return out


def run_report(notebook: str, municipality: str) -> float:
    """Execute a report's code cells in a fresh namespace; its wall time in seconds."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    shell = InteractiveShell.instance()
    shell.reset(new_session=False)
    plt.close("all")
    mpl.rcdefaults()
    start = time.perf_counter()
    with capture_output(display=True):
        for source in cells(notebook, municipality):
            result = shell.run_cell(source, store_history=False, silent=False)
            if not result.success:
                error = result.error_in_exec or result.error_before_exec
                raise SystemExit(f"{notebook} ({municipality}) failed: {error}")
    return time.perf_counter() - start


def measure(municipalities: list[str], runs: int) -> dict[str, dict[str, list[float]]]:
    timers = Timers()
    for notebook in NOTEBOOKS:  # warm-up: imports, data, the model's caches
        run_report(notebook, municipalities[0])
    install(timers)
    results: dict[str, dict[str, list[float]]] = {nb: defaultdict(list) for nb in NOTEBOOKS}
    calls: dict[str, dict[str, int]] = {}
    for _ in range(runs):
        for notebook in NOTEBOOKS:
            sums: dict[str, float] = defaultdict(float)
            for municipality in municipalities:
                timers.reset()
                sums["total"] += run_report(notebook, municipality)
                for group in MEASURES[:-1]:
                    sums[group] += timers.seconds[group]
                calls[notebook] = dict(timers.calls)
            for group in MEASURES:
                results[notebook][group].append(sums[group] / len(municipalities))
    for notebook in NOTEBOOKS:
        c = calls[notebook]
        print(f"{notebook}: per report {c.get('figures', 0)} figures, {c.get('tables', 0)} tables, "
              f"{c.get('formatting', 0)} formatter calls, {c.get('ticks', 0)} tick labels")
    return results


def profile(municipality: str) -> None:
    for notebook in NOTEBOOKS:
        run_report(notebook, municipality)
        profiler = cProfile.Profile()
        profiler.enable()
        run_report(notebook, municipality)
        profiler.disable()
        print(f"\n== {notebook} ({municipality}) ==")
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(r"tillsammans|matplotlib/(figure|axis|text|ticker)|babel", 35)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--municipalities", default="0319,0360")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "lib"))
    os.chdir(ROOT / "notebooks")
    codes = [c.strip() for c in args.municipalities.split(",") if c.strip()]
    if args.profile:
        profile(codes[0])
        return
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores, shared)")
    results = measure(codes, args.runs)
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"\nseconds per report, median of {args.runs} runs (spread = max − min), municipalities {', '.join(codes)}")
    print(f"{'report':<16}" + "".join(f"{m:>20}" for m in MEASURES))
    for notebook, groups in results.items():
        row = "".join(f"{statistics.median(groups[m]):>11.3f} ±{max(groups[m]) - min(groups[m]):<7.3f}"
                      for m in MEASURES)
        print(f"{notebook:<16}{row}")


if __name__ == "__main__":
    main()
