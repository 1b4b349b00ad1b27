"""Benchmark: the report runner against a naive sequential loop of papermill CLI calls (issue 12).

Prints, in one run on this machine, each figure for ``--runs`` runs with the median and the spread
(max − min) beside its goal:

- naive   = the same notebooks and parameters run one after another with the ``papermill`` CLI;
- runner  = ``python -m tillsammans reports --force`` (warm kernels, HTML export, index; a fresh process);
- rebuild = the same command again with nothing changed (every report cached);
- export  = the HTML export of each rendered report in one process (mean per report, template compiled once);
- one parameter = ``--municipalities 0319 -p end_year=…`` after the build (a new value each run, the model's
  disk cache warm, as after an analyst changes one assumption). The disk cache keeps what earlier runs of the
  same code computed, so a second invocation with the same values measures cached results: give it other
  values with ``--end-year-from`` (default 2041; run *k* uses that year + *k*);
- where the time goes: per-cell timings of the executed notebooks and the runner's own per-job phases.

With ``--all`` it then renders all 290 municipalities + the network once and prints the total and the mean
per notebook. The machine is shared: the load average is printed with each run.

Usage: ``python bench/bench_reports.py [--municipalities default|CODES] [--runs 3] [--skip-naive] [--all]
[--baseline PATH] [--end-year-from YEAR]``; with ``--baseline`` (a checkout of older code) its runner and
one-parameter rebuild are timed in the same runs, for before/after ratios measured side by side.
Goals: runner ≤ 0.25 × naive; all 290 + network ≤ 12 min; rebuild ≤ 1 s; export ≤ 0.2 s per report;
one changed parameter ≤ 10 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "lib"), "TILLSAMMANS_HOME": str(ROOT)}


def papermill_cli(notebook: Path, output: Path, parameters: dict) -> float:
    args = [str(VENV_BIN / "papermill"), str(notebook), str(output), "-k", "python3", "--log-level", "ERROR",
            "--no-progress-bar"]
    for name, value in parameters.items():
        if isinstance(value, str):
            args += ["-r", name, value]
        else:
            args += ["-y", f"{name}: {json.dumps(value)}"]
    start = time.perf_counter()
    subprocess.run(args, check=True, cwd=notebook.parent, capture_output=True, env=ENV)
    return time.perf_counter() - start


def reports_cli(reports: Path, *args: str, root: Path = ROOT) -> float:
    """Seconds of one ``python -m tillsammans reports`` run of the code in ``root`` (this checkout by default;
    ``--baseline`` names another, e.g. a git worktree of the commit before a change, run with this venv)."""
    start = time.perf_counter()
    env = {**ENV, "PYTHONPATH": str(root / "lib"), "TILLSAMMANS_HOME": str(root), "TILLSAMMANS_REPORTS": str(reports)}
    done = subprocess.run([sys.executable, "-m", "tillsammans", "reports", "--no-progress", *args], cwd=root,
                          check=False, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"reports {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return seconds


def _seconds(a: str, b: str) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()


def cell_breakdown(executed: Path) -> dict[str, float]:
    """Seconds per kind of cell (from the execution timestamps nbclient records): the first code cell
    (imports and setup), cells that draw figures, and the rest (model, data, tables)."""
    nb = json.loads(executed.read_text(encoding="utf-8"))
    out = {"imports+setup": 0.0, "plotting": 0.0, "model+data+tables": 0.0}
    first = True
    for cell in nb["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] != "code" or "parameters" in tags or "injected-parameters" in tags:
            continue
        timing = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" not in timing or "shell.execute_reply" not in timing:
            continue
        seconds = _seconds(timing["iopub.execute_input"], timing["shell.execute_reply"])
        source = "".join(cell["source"])
        kind = ("imports+setup" if first else
                "plotting" if "plots.show" in source or "plt." in source else "model+data+tables")
        out[kind] += seconds
        first = False
    return out


def _add(total: dict, part: dict) -> None:
    for k, v in part.items():
        total[k] = total.get(k, 0.0) + v


def export_times(reports: Path) -> list[float]:
    """Seconds to export each rendered report in this process (the first call compiles the template)."""
    sys.path.insert(0, str(ROOT / "lib"))
    import nbformat

    from tillsammans.reports.export import notebook_to_html

    times = []
    for executed in sorted(p for p in reports.rglob("*.ipynb") if not p.name.endswith(".FAILED.ipynb")):
        nb = nbformat.read(executed, as_version=4)
        start = time.perf_counter()
        notebook_to_html(nb, "bench")
        times.append(time.perf_counter() - start)
    return times


def runner_phases(reports: Path) -> dict[str, float]:
    """The runner's own per-job phases summed over jobs (``_logs/timings.json``; absent before issue 12)."""
    path = reports / "_logs" / "timings.json"
    if not path.exists():
        return {}
    record = json.loads(path.read_text(encoding="utf-8"))
    total: dict[str, float] = {}
    for job in record["jobs"]:
        _add(total, job.get("phases", {}))
    _add(total, {f"CPU of {k}": v for k, v in record.get("cpu_seconds", {}).items()})
    return total


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def row(name: str, values: list[float], goal: str = "", unit: str = "s", digits: int = 1) -> str:
    cells = " ".join(f"{v:8.{digits}f}" for v in values)
    med = statistics.median(values) if values else float("nan")
    spread = (max(values) - min(values)) if values else float("nan")
    return f"{name:<34} {cells}   median {med:8.{digits}f} {unit}  spread {spread:6.{digits}f}  {goal}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--municipalities", default="default")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--all", action="store_true", help="also render all 290 + network once")
    parser.add_argument("--end-year-from", type=int, default=2041,
                        help="end year of the first one-parameter run (run k: this + k); use years neither code has "
                             "built before, or the disk cache serves them")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="a checkout of older code (its data/ a link to this one's): its runner and one-parameter "
                             "rebuild are timed in the same runs, alternating, for a before/after ratio")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "lib"))
    from tillsammans.municipalities import registry
    from tillsammans.reports.build import select_municipalities
    from tillsammans.reports.runner import plan

    cores = os.cpu_count() or 1
    codes, network = select_municipalities(args.municipalities, registry())
    jobs = plan(codes, network)
    print(f"{len(jobs)} notebook runs ({len(codes)} municipalities, network: {bool(network)}), {cores} cores; "
          f"code: {ROOT}")
    figures: dict[str, list[float]] = {k: [] for k in ("naive", "runner", "ratio", "rebuild", "export_mean",
                                                        "export_first", "one_param", "base_runner", "base_one_param",
                                                        "vs_base", "vs_base_one")}
    inside_naive: dict[str, float] = {}
    inside_runner: dict[str, float] = {}
    phases: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        reports = tmp / "reports"
        for run in range(args.runs):
            print(f"run {run + 1}: load average {load()} (other jobs share the machine)", flush=True)
            if not args.skip_naive:
                start = time.perf_counter()
                for i, job in enumerate(jobs):
                    out = tmp / f"naive{i}.ipynb"
                    papermill_cli(Path(job.notebook), out, job.parameters)
                    _add(inside_naive, cell_breakdown(out))
                figures["naive"].append(time.perf_counter() - start)
            figures["runner"].append(reports_cli(reports, "--municipalities", args.municipalities, "--force"))
            _add(inside_runner, {k: v for ex in reports.rglob("*.ipynb") if not ex.name.endswith("FAILED.ipynb")
                                 for k, v in cell_breakdown(ex).items()})
            _add(phases, runner_phases(reports))
            if figures["naive"]:
                figures["ratio"].append(figures["runner"][-1] / figures["naive"][-1])
            figures["rebuild"].append(reports_cli(reports, "--municipalities", args.municipalities))
            times = export_times(reports)
            figures["export_first"].append(times[0])
            figures["export_mean"].append(sum(times) / len(times))
            figures["one_param"].append(reports_cli(reports, "--municipalities", "0319",
                                                    "-p", f"end_year={args.end_year_from + run}"))
            if args.baseline is not None:
                base = tmp / "baseline"
                figures["base_runner"].append(reports_cli(base, "--municipalities", args.municipalities, "--force",
                                                          root=args.baseline))
                figures["base_one_param"].append(reports_cli(base, "--municipalities", "0319", "-p",
                                                             f"end_year={args.end_year_from + run}",
                                                             root=args.baseline))
                figures["vs_base"].append(figures["runner"][-1] / figures["base_runner"][-1])
                figures["vs_base_one"].append(figures["one_param"][-1] / figures["base_one_param"][-1])
            print(f"  done; load average {load()}", flush=True)

        n = args.runs
        print(f"\n{'figure':<34} {'runs':>{9 * n - 1}}")
        if figures["naive"]:
            print(row(f"naive papermill loop ({len(jobs)} nb)", figures["naive"]))
        print(row(f"runner --force ({len(jobs)} nb)", figures["runner"]))
        if figures["ratio"]:
            print(row("runner / naive", figures["ratio"], "goal ≤ 0.25", unit="", digits=2))
        print(row("rebuild, nothing changed", figures["rebuild"], "goal ≤ 1 s", digits=2))
        print(row("HTML export, mean per report", figures["export_mean"], "goal ≤ 0.2 s", digits=3))
        print(row("HTML export, first (compiles)", figures["export_first"], digits=3))
        print(row("one municipality, end_year changed", figures["one_param"], "goal ≤ 10 s", digits=2))
        if figures["base_runner"]:
            print(f"baseline code: {args.baseline}")
            print(row(f"baseline runner --force ({len(jobs)} nb)", figures["base_runner"]))
            print(row("runner / baseline runner", figures["vs_base"], unit="", digits=2))
            print(row("baseline one municipality, end_year", figures["base_one_param"], digits=2))
            print(row("one municipality / baseline", figures["vs_base_one"], unit="", digits=2))

        print("\nwhere the time goes (sum over notebooks, mean per run):")
        if inside_naive:
            outside = statistics.mean(figures["naive"]) - sum(inside_naive.values()) / n
            print("  naive, inside the notebooks: " + ", ".join(f"{k} {v / n:.1f} s" for k, v in inside_naive.items())
                  + f"; kernel start + papermill ≈ {outside:.1f} s")
        print("  runner, inside the notebooks: " + ", ".join(f"{k} {v / n:.1f} s" for k, v in inside_runner.items()))
        if phases:
            print("  runner, per-job phases and CPU: " + ", ".join(f"{k} {v / n:.1f} s" for k, v in phases.items()))
            print(f"  runner wall × {cores} cores = {statistics.mean(figures['runner']) * cores:.1f} core-s")

        if args.all:
            all_reports = tmp / "all"
            codes_all, _ = select_municipalities("all", registry())
            n_all = len(plan(codes_all, network or ["0381", "0331"]))
            print(f"\nall municipalities + network ({n_all} notebooks), load average {load()}", flush=True)
            seconds = reports_cli(all_reports, "--municipalities", "all", "--force")
            print(f"all 290 + network: {seconds:.0f} s = {seconds / 60:.1f} min (goal ≤ 12 min); "
                  f"{seconds / n_all:.2f} s per notebook wall, {seconds * cores / n_all:.2f} core-s per notebook; "
                  f"load average after {load()}")
            phases_all = runner_phases(all_reports)
            if phases_all:
                print("  per-job phases and CPU: " + ", ".join(f"{k} {v:.0f} s" for k, v in phases_all.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
