"""Benchmark: the report runner vs a naive sequential loop of papermill CLI calls, and the floor.

Prints, in one run on this machine:

- floor = number of notebooks × one trivial notebook's papermill time (same imports) ÷ cores;
- naive = the same notebooks and parameters run one after another with the ``papermill`` CLI;
- runner = ``python -m tillsammans reports --force`` (parallel processes, HTML export included);
- where the time goes inside the notebooks (kernel start + imports, model/data cells, plotting cells)
  from papermill's per-cell timings, and the HTML export.

Usage: ``python bench/bench_reports.py [--municipalities default|all|CODES] [--skip-naive]``.
Goals (issue 6): runner ≤ 0.5 × naive and ≤ 1.3 × floor.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def trivial_notebook(path: Path) -> None:
    """A notebook that only does the imports every study notebook does (its cost is the floor)."""
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [
        nbformat.v4.new_code_cell('municipality = "0381"', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nimport pandas as pd\n"
                                  "from tillsammans import data, plots\nfrom tillsammans.municipalities import registry\n"
                                  "registry().resolve(municipality)"),
    ]
    nbformat.write(nb, path)


def papermill_cli(notebook: Path, output: Path, parameters: dict) -> float:
    args = [str(VENV_BIN / "papermill"), str(notebook), str(output), "-k", "python3", "--log-level", "ERROR",
            "--no-progress-bar"]
    for name, value in parameters.items():
        if isinstance(value, str):
            args += ["-r", name, value]
        else:
            args += ["-y", f"{name}: {json.dumps(value)}"]
    start = time.perf_counter()
    subprocess.run(args, check=True, cwd=notebook.parent, capture_output=True)
    return time.perf_counter() - start


def cell_breakdown(executed: Path) -> dict[str, float]:
    """Seconds per kind of cell from papermill's metadata: first code cell (imports), plots, other."""
    nb = nbformat.read(executed, as_version=4)
    out = {"imports+setup": 0.0, "plotting": 0.0, "model+data+tables": 0.0}
    code_cells = [c for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])
                  and "injected-parameters" not in c.metadata.get("tags", [])]
    for i, cell in enumerate(code_cells):
        seconds = float(cell.metadata.get("papermill", {}).get("duration") or 0.0)
        if i == 0:
            out["imports+setup"] += seconds
        elif "plots.show" in cell.source or "plt." in cell.source:
            out["plotting"] += seconds
        else:
            out["model+data+tables"] += seconds
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--municipalities", default="default")
    parser.add_argument("--skip-naive", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "lib"))
    from tillsammans.municipalities import registry
    from tillsammans.reports.build import select_municipalities
    from tillsammans.reports.runner import plan

    cores = os.cpu_count() or 1
    codes, network = select_municipalities(args.municipalities, registry())
    jobs = plan(codes, network)
    print(f"{len(jobs)} notebook runs ({len(codes)} municipalities, network: {bool(network)}), {cores} cores")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        trivial = tmp / "trivial.ipynb"
        trivial_notebook(trivial)
        papermill_cli(trivial, tmp / "warm.ipynb", {})  # warm the file cache once
        one = min(papermill_cli(trivial, tmp / f"t{i}.ipynb", {}) for i in range(3))
        floor = len(jobs) * one / cores
        print(f"trivial notebook via papermill: {one:.2f} s → floor {floor:.1f} s")

        naive = None
        breakdown = {"imports+setup": 0.0, "plotting": 0.0, "model+data+tables": 0.0}
        if not args.skip_naive:
            start = time.perf_counter()
            for i, job in enumerate(jobs):
                out = tmp / f"naive{i}.ipynb"
                papermill_cli(Path(job.notebook), out, job.parameters)
                for k, v in cell_breakdown(out).items():
                    breakdown[k] += v
            naive = time.perf_counter() - start
            print(f"naive sequential papermill CLI loop: {naive:.1f} s")
            print("  inside the notebooks (sum over runs): " +
                  ", ".join(f"{k} {v:.1f} s" for k, v in breakdown.items()))
            print(f"  kernel start + papermill overhead ≈ {naive - sum(breakdown.values()):.1f} s")

        reports = tmp / "reports"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tillsammans", "reports", "--municipalities", args.municipalities,
                        "--force", "--no-progress"], check=True, cwd=ROOT, capture_output=True,
                       env={**os.environ, "TILLSAMMANS_REPORTS": str(reports)})
        runner = time.perf_counter() - start
        print(f"runner (python -m tillsammans reports --force, {cores} processes, with HTML export): {runner:.1f} s")

        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tillsammans", "reports", "--municipalities", args.municipalities,
                        "--no-progress"], check=True, cwd=ROOT, capture_output=True,
                       env={**os.environ, "TILLSAMMANS_REPORTS": str(reports)})
        cached = time.perf_counter() - start
        print(f"rebuild with nothing changed (all cached): {cached:.2f} s")

        from tillsammans.reports.export import notebook_to_html

        executed = next(reports.rglob("01_population.ipynb"))
        nb = nbformat.read(executed, as_version=4)
        start = time.perf_counter()
        notebook_to_html(nb, "bench")
        print(f"HTML export of one report in-process: {time.perf_counter() - start:.3f} s")

        if naive:
            print(f"runner / naive = {runner / naive:.2f} (goal ≤ 0.5)")
        print(f"runner / floor = {runner / floor:.2f} (goal ≤ 1.3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
