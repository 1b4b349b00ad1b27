"""Run the study's notebooks with papermill and export them as HTML reports: parallel, cached, atomic.

A *job* is one notebook for one municipality (or for the network). Jobs run in worker processes (papermill
changes the process's working directory, so threads are unsafe); any ``concurrent.futures``-style executor
works, including ``dask.distributed.Client(...).get_executor()`` for a cluster.

Atomicity: a job writes into ``reports/.tmp/`` and moves its HTML and executed notebook into place only when
both exist; a failed job leaves the previous good report untouched and keeps the failed executed notebook
as ``<notebook>.FAILED.ipynb`` with its log in ``reports/_logs/``.

Caching: a job is skipped when its *key* — the notebook file, the parameters, the processed data (manifest
hashes), the committed reference data, local extracts and the library's source — equals the key stored
beside its last good report.
"""

from __future__ import annotations

import ast
import concurrent.futures as cf
import hashlib
import json
import logging
import os
import shutil
import time
import traceback
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tillsammans import paths

KERNEL = "python3"
NETWORK_DIR = "network"
LOG_DIR = "_logs"
TMP_DIR = ".tmp"


class ReportError(RuntimeError):
    """A report run failed; the message names each failed job."""


class BuildInterrupted(KeyboardInterrupt):
    """Ctrl-C or a kill during a build; ``results`` says what finished, failed or never ran."""

    def __init__(self, results: list):
        super().__init__("interrupted")
        self.results = results


@dataclass(frozen=True)
class Job:
    """One notebook run: which notebook, with which parameters, written where."""

    notebook: str  # path to the notebook
    parameters: dict = field(hash=False)
    out_dir: str  # folder name under reports/, e.g. "0381-enkoping" or "network"
    title: str

    @property
    def stem(self) -> str:
        return Path(self.notebook).stem

    @property
    def label(self) -> str:
        return f"{self.out_dir}/{self.stem}"


@dataclass
class Result:
    job: Job
    status: str  # "ok", "cached", "failed", "interrupted"
    seconds: float = 0.0
    error: str = ""
    keys: dict = field(default_factory=dict)


def slug(text: str) -> str:
    """ASCII folder name: 'Älvkarleby' → 'alvkarleby', 'Upplands Väsby' → 'upplands-vasby'."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    ascii_text = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return "-".join("".join(ch if ch.isalnum() else " " for ch in ascii_text).split())


def municipality_dir(code: str, name: str) -> str:
    return f"{code}-{slug(name)}"


# -- planning -------------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _notebook_parameters(path: str, mtime: float) -> dict:
    # Same answer as papermill.inspect_notebook for Python notebooks, without importing papermill and
    # nbformat (about 2 s, which would dominate a build where every report is already current).
    cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not tagged:
        raise ReportError(f"{path}: no cell tagged 'parameters' (papermill needs one)")
    source = tagged[0]["source"]
    tree = ast.parse("".join(source) if isinstance(source, list) else source)
    params = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) else []
        for target in targets:
            if isinstance(target, ast.Name):
                params[target.id] = {"name": target.id, "default": ast.get_source_segment(
                    "".join(source) if isinstance(source, list) else source, node.value)}
    return params


def notebook_parameters(path: str | Path) -> dict:
    """The parameters a notebook declares in its ``parameters`` cell (name → its default as source text)."""
    path = Path(path)
    return _notebook_parameters(str(path), path.stat().st_mtime)


def notebook_scope(path: str | Path) -> str:
    """``"municipality"`` for notebooks taking ``municipality``, ``"network"`` for ``municipalities``."""
    params = notebook_parameters(path)
    if "municipality" in params:
        return "municipality"
    if "municipalities" in params:
        return "network"
    raise ReportError(f"{path}: its parameters cell declares neither 'municipality' nor 'municipalities' "
                      f"(found {sorted(params)})")


def check_parameters(path: str | Path, parameters: dict) -> None:
    """Refuse parameter names the notebook does not declare (papermill would only warn)."""
    declared = notebook_parameters(path)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ReportError(f"{Path(path).name}: unknown parameter(s) {unknown}; the notebook declares "
                          f"{sorted(declared)}")


def plan(
    municipalities: Sequence[str],
    network: Sequence[str] | None,
    notebooks: Iterable[str | Path] | None = None,
    extra_parameters: dict | None = None,
    registry=None,
) -> list[Job]:
    """The jobs for the given municipalities (one report folder each) and the network report.

    Parameters
    ----------
    municipalities : codes
        Municipalities to render the per-municipality notebooks for.
    network : codes or None
        Member list for the network notebooks (None skips them).
    notebooks : paths, optional
        Default: every ``notebooks/NN_*.ipynb``.
    extra_parameters : dict
        Parameters passed to every notebook that declares them (e.g. ``end_year``).
    """
    from tillsammans.municipalities import registry as load_registry

    registry = registry or load_registry()
    notebooks = sorted(Path(p) for p in notebooks) if notebooks is not None else default_notebooks()
    extra_parameters = dict(extra_parameters or {})
    jobs: list[Job] = []
    codes = registry.resolve_many(municipalities, level="municipality") if municipalities else []
    members = registry.resolve_many(network, level="municipality", min_count=2) if network else None
    for nb in notebooks:
        declared = notebook_parameters(nb)
        # A shared parameter (e.g. end_year) goes to the notebooks that declare it.
        shared = {k: v for k, v in extra_parameters.items() if k in declared}
        scope = notebook_scope(nb)
        if scope == "municipality":
            for code in codes:
                name = registry.name(code)
                params = {"municipality": code, **shared}
                check_parameters(nb, params)
                jobs.append(Job(str(nb), params, municipality_dir(code, name), f"{name} – {_topic(nb)}"))
        elif members is not None:
            params = {"municipalities": list(members), **shared}
            check_parameters(nb, params)
            jobs.append(Job(str(nb), params, NETWORK_DIR, f"C-Tillsammans – {_topic(nb)}"))
    return jobs


def default_notebooks() -> list[Path]:
    return sorted(p for p in paths.notebooks_dir().glob("[0-9][0-9]_*.ipynb"))


_TOPICS = {"population": "befolkning", "workforce": "välfärdens personal", "cooperation": "samverkan",
           "summary": "sammanfattning"}


def _topic(notebook: str | Path) -> str:
    key = Path(notebook).stem.split("_", 1)[-1]
    return _TOPICS.get(key, key.replace("_", " "))


# -- cache keys -----------------------------------------------------------------------------------


def _hash_files(digest, files: Iterable[Path], root: Path) -> None:
    for file in sorted(files):
        if file.is_file():
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())


def inputs_fingerprint() -> str:
    """Hash of everything a report depends on besides its notebook and parameters."""
    digest = hashlib.sha256()
    manifest = paths.processed_dir() / "manifest.json"
    if manifest.exists():
        tables = json.loads(manifest.read_text(encoding="utf-8")).get("tables", {})
        digest.update(json.dumps({k: v["sha256"] for k, v in tables.items()}, sort_keys=True).encode())
    library = Path(__file__).resolve().parents[1]
    _hash_files(digest, [p for p in library.rglob("*") if p.suffix in {".py", ".j2", ".css", ".json"}], library)
    for folder in (paths.reference_dir(), paths.local_dir()):
        if folder.exists():
            _hash_files(digest, folder.rglob("*"), folder)
    return digest.hexdigest()


def job_key(job: Job, fingerprint: str) -> str:
    digest = hashlib.sha256(fingerprint.encode())
    digest.update(Path(job.notebook).read_bytes())
    digest.update(json.dumps(job.parameters, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


def _key_file(reports: Path, job: Job) -> Path:
    return reports / job.out_dir / f".{job.stem}.key"


def is_current(reports: Path, job: Job, key: str) -> bool:
    marker = _key_file(reports, job)
    html_file = reports / job.out_dir / f"{job.stem}.html"
    return html_file.exists() and marker.exists() and marker.read_text().strip() == key


# -- running one job (in a worker process) --------------------------------------------------------


def _extract_keys(notebook) -> dict:
    from tillsammans.plots import KEYS_MIME

    keys: dict = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            value = output.get("data", {}).get(KEYS_MIME)
            if value:
                keys.update(value if isinstance(value, dict) else json.loads(value))
    return keys


def run_job(job: Job, reports: str, key: str, kernel: str = KERNEL, retries: int = 1) -> Result:
    """Execute one notebook and export it; safe to call in a worker process.

    Returns a :class:`Result`; never raises for a notebook failure (the error is in the result), so one
    failed municipality does not stop the others.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from tillsammans.reports.export import notebook_to_html

    reports_dir = Path(reports)
    started = time.perf_counter()
    tmp = reports_dir / TMP_DIR / f"{job.out_dir}--{job.stem}--{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    log_dir = reports_dir / LOG_DIR
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{job.out_dir}--{job.stem}.log"
    handler = logging.FileHandler(log_path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("papermill")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    executed = tmp / f"{job.stem}.ipynb"
    final_dir = reports_dir / job.out_dir
    failed_copy = final_dir / f"{job.stem}.FAILED.ipynb"
    try:
        attempt = 0
        while True:
            try:
                papermill.execute_notebook(
                    job.notebook, str(executed), parameters=job.parameters, kernel_name=kernel,
                    cwd=str(Path(job.notebook).parent), log_output=True, progress_bar=False,
                    report_mode=True,
                )
                break
            except PapermillExecutionError:
                raise
            except Exception:
                # A kernel that fails to start (rare ZMQ port races on busy machines) is retried once.
                attempt += 1
                if attempt > retries:
                    raise
                logger.warning("kernel start or execution infrastructure failed; retrying once")
        notebook = nbformat.read(executed, as_version=4)
        page = notebook_to_html(notebook, title=job.title,
                                footer=f"Genererad av tillsammans från {Path(job.notebook).name}.")
        (tmp / f"{job.stem}.html").write_text(page, encoding="utf-8")
        keys = _extract_keys(notebook)
        (tmp / f"{job.stem}.keys.json").write_text(json.dumps(keys, ensure_ascii=False, indent=1),
                                                   encoding="utf-8")
        final_dir.mkdir(parents=True, exist_ok=True)
        # The HTML goes last: it is what readers and the cache look for.
        for suffix in (".ipynb", ".keys.json", ".html"):
            os.replace(tmp / f"{job.stem}{suffix}", final_dir / f"{job.stem}{suffix}")
        _key_file(reports_dir, job).write_text(key + "\n")
        failed_copy.unlink(missing_ok=True)
        return Result(job, "ok", time.perf_counter() - started, keys=keys)
    except BaseException as exc:
        if executed.exists():
            final_dir.mkdir(parents=True, exist_ok=True)
            os.replace(executed, failed_copy)
        message = _short_error(exc)
        logger.error("FAILED: %s\n%s", message, traceback.format_exc())
        if isinstance(exc, KeyboardInterrupt):
            raise
        return Result(job, "failed", time.perf_counter() - started, error=message)
    finally:
        logger.removeHandler(handler)
        handler.close()
        shutil.rmtree(tmp, ignore_errors=True)


def _short_error(exc: BaseException) -> str:
    name = getattr(exc, "ename", None) or type(exc).__name__
    value = getattr(exc, "evalue", None) or str(exc)
    return f"{name}: {value.strip().splitlines()[0] if value.strip() else ''}"


# -- running many ---------------------------------------------------------------------------------


def run_jobs(
    jobs: Sequence[Job],
    reports: Path | None = None,
    n_jobs: int | None = None,
    force: bool = False,
    executor: cf.Executor | None = None,
    progress: bool = True,
    kernel: str = KERNEL,
) -> list[Result]:
    """Run the jobs, skipping the current ones, in parallel; return one result per job.

    Parameters
    ----------
    n_jobs : int, optional
        Worker processes (default: number of cores). Ignored when ``executor`` is given.
    executor : concurrent.futures.Executor, optional
        Any executor with ``submit`` (a local ``ProcessPoolExecutor``, a Dask ``get_executor()``…).
    """
    from tqdm.auto import tqdm

    reports = Path(reports) if reports is not None else paths.reports_dir()
    reports.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(reports / TMP_DIR, ignore_errors=True)
    fingerprint = inputs_fingerprint()
    results: list[Result] = []
    todo: list[tuple[Job, str]] = []
    for job in jobs:
        key = job_key(job, fingerprint)
        if not force and is_current(reports, job, key):
            results.append(Result(job, "cached", keys=_read_keys(reports, job)))
        else:
            todo.append((job, key))
    if not todo:
        return results
    own = executor is None
    if own:
        import multiprocessing as mp

        workers = max(1, min(n_jobs or os.cpu_count() or 1, len(todo)))
        executor = cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"))
    bar = tqdm(total=len(todo), desc="Rapporter", unit="nb", disable=not progress)
    futures = {executor.submit(run_job, job, str(reports), key, kernel): job for job, key in todo}
    try:
        for future in cf.as_completed(futures):
            job = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - a crashed worker is a failed job, not a crashed build
                result = Result(job, "failed", error=_short_error(exc))
            results.append(result)
            bar.set_postfix_str(f"{job.label} {result.status}")
            bar.update()
    except KeyboardInterrupt:
        for future in futures:
            future.cancel()
        done = {r.job for r in results}
        results.extend(Result(job, "interrupted") for job, _ in todo if job not in done)
        raise BuildInterrupted(results) from None
    finally:
        bar.close()
        if own:
            executor.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(reports / TMP_DIR, ignore_errors=True)
    order = {job: i for i, job in enumerate(jobs)}
    return sorted(results, key=lambda r: order.get(r.job, 0))


def _read_keys(reports: Path, job: Job) -> dict:
    path = reports / job.out_dir / f"{job.stem}.keys.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def summary(results: Sequence[Result]) -> str:
    counts = {s: sum(r.status == s for r in results) for s in ("ok", "cached", "failed", "interrupted")}
    lines = [f"{counts['ok']} rendered, {counts['cached']} unchanged (cached), {counts['failed']} failed"
             + (f", {counts['interrupted']} interrupted (earlier reports kept)" if counts["interrupted"] else "")]
    for r in results:
        if r.status == "failed":
            lines.append(f"  FAILED {r.job.label}: {r.error} (log: reports/{LOG_DIR}/{r.job.out_dir}--"
                         f"{r.job.stem}.log; notebook: reports/{r.job.out_dir}/{r.job.stem}.FAILED.ipynb)")
    return "\n".join(lines)
