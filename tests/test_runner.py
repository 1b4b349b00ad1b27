"""The report runner's warm kernels: same output as a fresh kernel, replaced when they die or hang, the
project's own interpreter, quiet, nothing left behind; and the same build through a real Dask cluster.

Synthetic notebooks here are built by the tests (labelled as such); the equality checks use the study's
real notebooks and data.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tillsammans import paths
from tillsammans.reports import runner

pytestmark = pytest.mark.notebooks

A, B = "0319", "0305"  # Älvkarleby, Håbo


def _synthetic_notebook(path: Path, code: str) -> Path:
    """A synthetic notebook (built by the test) with a ``municipality`` parameter and one code cell."""
    import nbformat

    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell('municipality = "0319"', metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(code)]
    nbformat.write(nb, path)
    return path


def _job(notebook: Path, out_dir: str = "0319-alvkarleby") -> runner.Job:
    return runner.Job(str(notebook), {"municipality": "0319"}, out_dir, f"test {notebook.stem}")


@pytest.fixture(scope="module")
def study_jobs(registry):
    """Two municipalities and their two-member network, in an order where every notebook but the first
    runs after other notebooks in the same kernel: 01 A, 02 A, 03 and 04 (network), 01 B, 02 B."""
    jobs = runner.plan([A, B], [A, B], registry=registry)
    by = {(j.stem, j.parameters.get("municipality")): j for j in jobs}
    order = [("01_population", A), ("02_workforce", A), ("03_cooperation", None), ("04_summary", None),
             ("01_population", B), ("02_workforce", B)]
    return [by[key] for key in order]


@pytest.fixture(scope="module")
def warm_build(tmp_path_factory, study_jobs):
    """The six jobs rendered locally, one after another in one warm kernel."""
    reports = tmp_path_factory.mktemp("warm")
    results = runner.run_jobs(study_jobs, reports=reports, n_jobs=1, progress=False)
    assert [r.status for r in results] == ["ok"] * len(study_jobs), runner.summary(results)
    return reports, results


def _page(reports: Path, job: runner.Job) -> bytes:
    return (reports / job.out_dir / f"{job.stem}.html").read_bytes()


def test_warm_kernel_output_equals_a_fresh_kernel(warm_build, study_jobs, tmp_path):
    """Each notebook that ran after others in the warm kernel gives the same HTML, byte for byte, and the
    same key figures and cell outputs as papermill in a fresh kernel."""
    import nbformat
    import papermill

    from tillsammans.reports.export import extract_keys, notebook_to_html
    from tillsammans.reports.worker import footer, stable_cell_ids

    reports, results = warm_build
    assert len({r.where for r in results}) == 1, "all six should have run in one kernel"
    for job in study_jobs[1:]:
        fresh = papermill.execute_notebook(job.notebook, str(tmp_path / f"{job.label.replace('/', '-')}.ipynb"),
                                           parameters=job.parameters, kernel_name="python3", report_mode=True,
                                           progress_bar=False, cwd=str(Path(job.notebook).parent))
        stable_cell_ids(fresh)  # papermill's random id of the injected cell; the runner fixes it
        page = notebook_to_html(fresh, title=job.title, footer=footer(job, runner.data_digest()))
        assert _page(reports, job) == page.encode("utf-8"), f"{job.label}: warm and fresh HTML differ"
        warm = nbformat.read(reports / job.out_dir / f"{job.stem}.ipynb", as_version=4)
        assert extract_keys(warm) == extract_keys(fresh)
        assert [c.get("outputs") for c in warm.cells] == [c.get("outputs") for c in fresh.cells]
        assert [c.get("execution_count") for c in warm.cells] == [c.get("execution_count") for c in fresh.cells]


def test_build_through_a_dask_cluster_equals_the_local_build(warm_build, study_jobs, tmp_path):
    """A real dask.distributed LocalCluster (2 worker processes) renders the same reports; the workers
    send them back and only this process writes."""
    distributed = pytest.importorskip("dask.distributed")

    reports, _ = warm_build
    remote = tmp_path / "reports"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        results = runner.run_jobs(study_jobs, reports=remote, executor=client.get_executor(), progress=False)
        worker_pids = set(client.run(os.getpid).values())
    assert [r.status for r in results] == ["ok"] * len(study_jobs), runner.summary(results)
    ran_in = {int(r.where.split(":")[1]) for r in results}
    assert ran_in <= worker_pids and os.getpid() not in ran_in
    for job in study_jobs:
        assert _page(remote, job) == _page(reports, job), f"{job.label}: Dask and local HTML differ"
        assert json.loads((remote / job.out_dir / f"{job.stem}.keys.json").read_text()) == \
            json.loads((reports / job.out_dir / f"{job.stem}.keys.json").read_text())


def test_a_kernel_that_dies_is_replaced_and_the_notebook_retried_once(tmp_path):
    marker = tmp_path / "died-once"
    flaky = _synthetic_notebook(tmp_path / "09_flaky.ipynb", (
        f"import os, pathlib\nmarker = pathlib.Path({str(marker)!r})\n"
        "if not marker.exists():\n    marker.write_text('x')\n    os._exit(1)\nprint('andra försöket')"))
    dying = _synthetic_notebook(tmp_path / "09_dying.ipynb", "import os\nos._exit(1)")
    after = _synthetic_notebook(tmp_path / "09_after.ipynb", "print('klar')")
    reports = tmp_path / "reports"
    results = runner.run_jobs([_job(flaky), _job(dying), _job(after)], reports=reports, n_jobs=1, progress=False)
    assert [(r.status, r.attempts) for r in results] == [("ok", 2), ("failed", 2), ("ok", 1)]
    assert "kernel died" in results[1].error and "tried 2 times" in results[1].error
    assert "andra försöket" in (reports / "0319-alvkarleby" / "09_flaky.html").read_text(encoding="utf-8")
    assert "kernel died" in (reports / "_logs" / "0319-alvkarleby--09_dying.log").read_text(encoding="utf-8")


def test_a_hung_kernel_is_replaced_after_the_time_limit(tmp_path):
    marker = tmp_path / "hung-once"
    flaky = _synthetic_notebook(tmp_path / "09_hangs_once.ipynb", (
        f"import pathlib, time\nmarker = pathlib.Path({str(marker)!r})\n"
        "if not marker.exists():\n    marker.write_text('x')\n    time.sleep(600)\nprint('klar')"))
    hung = _synthetic_notebook(tmp_path / "09_hangs.ipynb", "import time\ntime.sleep(600)")
    started = time.perf_counter()
    results = runner.run_jobs([_job(flaky), _job(hung)], reports=tmp_path / "reports", n_jobs=1,
                              progress=False, timeout=4)
    assert [(r.status, r.attempts) for r in results] == [("ok", 2), ("failed", 2)]
    assert "timed out after 4 s" in results[1].error
    assert time.perf_counter() - started < 120


def _cli(notebook: Path, reports: Path, extra_env: dict | None = None):
    env = {**os.environ, "TILLSAMMANS_REPORTS": str(reports), **(extra_env or {})}
    command = [sys.executable, "-m", "tillsammans", "reports", "--municipalities", "0319",
               "--notebooks", str(notebook)]
    return command, env


def test_cli_uses_this_interpreter_and_is_quiet(tmp_path):
    """Issue 13 item 12: the kernel is this environment's Python even when another kernel spec named
    ``python3`` comes first on the Jupyter path; a successful build prints no KeyboardInterrupt line and
    no ZMQ "without encryption" warnings."""
    elsewhere = tmp_path / "jupyter" / "kernels" / "python3"
    elsewhere.mkdir(parents=True)
    (elsewhere / "kernel.json").write_text(json.dumps({
        "argv": ["/bin/false", "-f", "{connection_file}"], "display_name": "Another Python", "language": "python"}))
    notebook = _synthetic_notebook(tmp_path / "09_which.ipynb", "import sys\nprint(sys.executable)")
    command, env = _cli(notebook, tmp_path / "reports", {"JUPYTER_PATH": str(tmp_path / "jupyter")})
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    page = (tmp_path / "reports" / "0319-alvkarleby" / "09_which.html").read_text(encoding="utf-8")
    assert str(Path(sys.executable).parent) in page
    assert "KeyboardInterrupt" not in output
    assert "without encryption" not in output
    assert "1 rendered" in done.stdout


def test_killed_build_leaves_no_kernel_and_writes_nothing_afterwards(tmp_path):
    """Issue 13 item 6: after SIGKILL of the build, its kernels exit and no report appears later."""
    import psutil

    pid_file = tmp_path / "kernel.pid"
    notebook = _synthetic_notebook(tmp_path / "09_slow.ipynb", (
        f"import os, pathlib, time\npathlib.Path({str(pid_file)!r}).write_text(str(os.getpid()))\n"
        "time.sleep(8)\nprint('klar')"))
    reports = tmp_path / "reports"
    command, env = _cli(notebook, reports)
    build = subprocess.Popen([*command, "--no-progress"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not pid_file.exists() and time.monotonic() < deadline and build.poll() is None:
        time.sleep(0.2)
    assert pid_file.exists(), "the notebook never started"
    kernel_pid = int(pid_file.read_text())
    build.send_signal(signal.SIGKILL)
    build.wait()
    time.sleep(12)  # longer than the notebook's own sleep: a surviving worker would have published by now
    assert not psutil.pid_exists(kernel_pid) or psutil.Process(kernel_pid).status() == psutil.STATUS_ZOMBIE
    assert not (reports / "0319-alvkarleby" / "09_slow.html").exists()


def test_kernel_reset_restores_matplotlib_and_namespace():
    """The state a notebook could leave behind (variables, rcParams, open figures, warning filters, the
    working directory) is gone before the next notebook."""
    from tillsammans.reports.kernels import WarmKernel

    kernel = WarmKernel()
    try:
        kernel.reset(str(paths.notebooks_dir()))

        def run(code: str) -> str:
            lines: list[str] = []

            def hook(msg):
                if msg["msg_type"] == "stream":
                    lines.append(msg["content"]["text"])

            reply = kernel.kc.execute_interactive(code, output_hook=hook, timeout=60)
            assert reply["content"]["status"] == "ok", reply["content"]
            return "".join(lines).strip()

        before = run("import matplotlib, os, warnings; print(matplotlib.rcParams['font.size'], os.getcwd(), "
                     "len(warnings.filters))")
        run("import matplotlib, matplotlib.pyplot as plt, os, warnings\nmatplotlib.rcParams['font.size'] = 31\n"
            "leftover = 1\nplt.figure()\nwarnings.simplefilter('ignore')\nos.chdir('/')")
        kernel.reset(str(paths.notebooks_dir()))
        after = run("import matplotlib, matplotlib.pyplot as plt, os, warnings\n"
                    "print(matplotlib.rcParams['font.size'], os.getcwd(), len(warnings.filters))\n"
                    "print('leftover' in globals(), plt.get_fignums())")
        assert after.splitlines() == [before, "False []"]
    finally:
        kernel.shutdown(now=True)
