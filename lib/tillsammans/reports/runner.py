"""Plan, run and publish the study's reports: parallel, warm, cached, atomic.

A *job* is one notebook for one municipality (or for the network). :func:`run_jobs` sends each job that is
not current to :func:`tillsammans.reports.worker.render` on an executor — by default threads of this
process, each driving a warm kernel (:mod:`~tillsammans.reports.kernels`); any ``concurrent.futures``
executor works, including ``dask.distributed.Client(...).get_executor()`` for a cluster. Workers send the
rendered report back; only this process writes to the reports folder.

Atomicity: a report's files are written under ``reports/.tmp/`` and moved into place, the HTML last, only
when the job succeeded; a failed job leaves the previous good report untouched and keeps the failed executed
notebook as ``<notebook>.FAILED.ipynb`` with its log in ``reports/_logs/``. Nothing is written after the
build stopped (Ctrl-C, SIGTERM); its kernels are shut down, and die with the process if it is killed.

Caching: a job is skipped when its *key* — the notebook file, the parameters, the processed data (manifest
hashes), the committed reference data, local extracts and the library's source — equals the key stored
beside its last good report.
"""

from __future__ import annotations

import ast
import concurrent.futures as cf
import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tillsammans import paths

NETWORK_DIR = "network"
LOG_DIR = "_logs"
TMP_DIR = ".tmp"
TIMINGS = "timings.json"
#: Default time limit for one notebook, in seconds (``--timeout``); past it the kernel is taken as hung.
DEFAULT_TIMEOUT = 600.0


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
    phases: dict = field(default_factory=dict)
    attempts: int = 0
    where: str = ""


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
    try:
        cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
    except (UnicodeDecodeError, json.JSONDecodeError, AttributeError) as exc:
        raise ReportError(f"{path} is not a notebook (not Jupyter's JSON: {exc})") from None
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not tagged:
        raise ReportError(f"{path}: no cell tagged 'parameters' (papermill needs one)")
    source = tagged[0]["source"]
    tree = ast.parse("".join(source) if isinstance(source, list) else source)
    params = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                params[target.id] = {"name": target.id, "default": ast.get_source_segment(
                    "".join(source) if isinstance(source, list) else source, value)}
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
    notebooks = _existing(notebooks) if notebooks is not None else default_notebooks()
    extra_parameters = dict(extra_parameters or {})
    check_extra_parameters(notebooks, extra_parameters)
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
                params = {**shared, "municipality": code}
                check_parameters(nb, params)
                jobs.append(Job(str(nb), params, municipality_dir(code, name), f"{name} – {_topic(nb)}"))
        elif members is not None:
            params = {**shared, "municipalities": list(members)}
            check_parameters(nb, params)
            jobs.append(Job(str(nb), params, NETWORK_DIR, f"C-Tillsammans – {_topic(nb)}"))
    return jobs


#: Parameters that choose whose report it is; they come from the municipality selection, never from ``-p``
#: (a ``-p municipality=0381`` in a build for 0319 would publish Enköping's figures under Älvkarleby's name).
SCOPE_PARAMETERS = {"municipality": "--municipalities", "municipalities": "--network"}


def check_extra_parameters(notebooks: Sequence[Path], parameters: dict) -> None:
    """Refuse shared parameters that choose the report's subject, or that no selected notebook declares.

    Papermill ignores an unknown name with a warning, so a misspelled ``-p end_yaer=2050`` would render
    every report with the default end year; here it stops the build before anything runs.
    """
    scope = sorted(set(parameters) & set(SCOPE_PARAMETERS))
    if scope:
        options = ", ".join(f"{name} with {SCOPE_PARAMETERS[name]}" for name in scope)
        raise ReportError(f"-p {scope[0]}=… would publish one municipality's report under another's name; choose "
                          f"{options}")
    declared: set[str] = set()
    for nb in notebooks:
        declared |= set(notebook_parameters(nb))
    unknown = sorted(set(parameters) - declared)
    if unknown:
        import difflib

        hints = [f"{name!r} (did you mean {close[0]!r}?)" if (close := difflib.get_close_matches(name, declared, 1))
                 else repr(name) for name in unknown]
        allowed = sorted(declared - set(SCOPE_PARAMETERS))
        raise ReportError(f"unknown parameter {', '.join(hints)}: no selected notebook declares it; "
                          f"allowed: {', '.join(allowed)}")


def _existing(notebooks: Iterable[str | Path]) -> list[Path]:
    found: list[Path] = []
    missing: list[Path] = []
    for nb in notebooks:
        path = Path(nb).resolve()
        (found if path.is_file() and path.suffix == ".ipynb" else missing).append(path)
    if missing:
        available = ", ".join(p.name for p in default_notebooks())
        raise ReportError(f"notebook(s) not found: {', '.join(map(str, missing))}; the study's notebooks: {available}")
    return sorted(found)


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


def data_digest() -> str:
    """The digest of the processed data (:func:`tillsammans.integrity.data_digest`); '' without a manifest.

    Workers compare theirs with the client's, so a cluster never renders from other data; each report
    records it.
    """
    from tillsammans import integrity

    return integrity.data_digest()


def inputs_fingerprint() -> str:
    """Hash of everything a report depends on besides its notebook and parameters."""
    digest = hashlib.sha256(data_digest().encode())
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


# -- publishing: only the process that runs the build writes ---------------------------------------


def _stage(tmp: Path, name: str, text: str) -> Path:
    """``text`` in a new file in the build's staging folder; a failed write (disk full) leaves no file."""
    from tillsammans.atomic import file_mode

    fd, staged = tempfile.mkstemp(dir=tmp, prefix=f"{name}.")
    try:
        os.fchmod(fd, file_mode())  # readable as a file written by open(), not mkstemp's 0600
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
    except BaseException:
        os.unlink(staged)
        raise
    return Path(staged)


def publish(rendered, reports: Path, key: str, tmp: Path) -> Result:
    """Write a rendered job (:class:`~tillsammans.reports.worker.Rendered`) into the reports folder.

    On success the executed notebook, the key figures and the HTML replace the earlier ones (the HTML
    last: it is what readers and the cache look for), then the cache key. On failure only the failed
    executed notebook (``<notebook>.FAILED.ipynb``) and the log are written; the good report stays.
    Every file is complete before it is renamed into place, so a write that fails (disk full) changes
    nothing; the caller reports it as the job's failure.
    """
    job = rendered.job
    final_dir = reports / job.out_dir
    final_dir.mkdir(parents=True, exist_ok=True)
    log_dir = reports / LOG_DIR
    log_dir.mkdir(parents=True, exist_ok=True)
    os.replace(_stage(tmp, "log", rendered.log), log_dir / f"{job.out_dir}--{job.stem}.log")
    failed_copy = final_dir / f"{job.stem}.FAILED.ipynb"
    if rendered.status == "ok":
        keys = json.dumps(rendered.keys, ensure_ascii=False, indent=1)
        staged = [(_stage(tmp, suffix, text), final_dir / f"{job.stem}{suffix}")
                  for suffix, text in ((".ipynb", rendered.notebook), (".keys.json", keys), (".html", rendered.html))]
        for source, target in staged:
            os.replace(source, target)
        os.replace(_stage(tmp, "key", key + "\n"), _key_file(reports, job))
        failed_copy.unlink(missing_ok=True)
    elif rendered.notebook:
        os.replace(_stage(tmp, "failed", rendered.notebook), failed_copy)
    return Result(job, rendered.status, error=rendered.error, keys=rendered.keys, phases=dict(rendered.phases),
                  attempts=rendered.attempts, where=rendered.where)


# -- running many ---------------------------------------------------------------------------------


def run_jobs(
    jobs: Sequence[Job],
    reports: Path | None = None,
    n_jobs: int | None = None,
    force: bool = False,
    executor: cf.Executor | None = None,
    progress: bool = True,
    timeout: float | None = DEFAULT_TIMEOUT,
    retries: int = 1,
    verify: bool = False,
    meanwhile: Callable[[], object] | None = None,
) -> list[Result]:
    """Run the jobs that are not current, in parallel; publish each as it arrives; one result per job.

    Parameters
    ----------
    n_jobs : int, optional
        Warm kernels driven by threads of this process (default: number of cores). Ignored when
        ``executor`` is given.
    executor : concurrent.futures.Executor, optional
        Any executor with ``submit`` (a ``ProcessPoolExecutor``, ``dask.distributed.Client.get_executor()``
        …); each of its worker processes keeps its own warm kernels. Results come back to this process,
        which alone writes to ``reports``.
    timeout : float, optional
        Seconds one notebook may run before its kernel is taken as hung (None: no limit).
    retries : int
        New attempts, in a new kernel, after a kernel died, hung or failed to start.
    verify : bool
        Hash every processed file in full before the build (default: size and modification time, and a
        full hash where those differ; :mod:`tillsammans.integrity`).
    meanwhile : callable, optional
        Called in this thread once the jobs are sent, while they run (and only if any is run): the caller's own
        preparation, e.g. the imports of what it does with the results.

    Raises
    ------
    tillsammans.locks.FolderBusyError
        Another build is using the reports folder, or ``data/processed`` is being rebuilt.
    tillsammans.integrity.IntegrityError
        A processed file is not the one ``make data`` wrote (nothing is rendered).
    """
    reports = Path(reports) if reports is not None else paths.reports_dir()
    with build_lock(reports):
        return _run_jobs(jobs, reports, n_jobs, force, executor, progress, timeout, retries, verify, meanwhile)


@contextlib.contextmanager
def build_lock(reports: Path):
    """The locks of a report build: the reports folder alone, the data folder shared with other report
    builds (never while ``make data`` replaces it). Holding them, it clears what killed builds left."""
    from tillsammans.locks import folder_lock

    with contextlib.ExitStack() as stack:
        stack.enter_context(folder_lock(paths.processed_dir().parent, "report build (reading data/processed)",
                                        shared=True))
        stack.enter_context(folder_lock(reports, "report build (python -m tillsammans reports)"))
        remove_debris(reports)
        yield reports


def remove_debris(reports: Path) -> list[Path]:
    """Delete what killed builds left in ``reports``: staging folders, ``*.part`` files. Hold the lock."""
    from tillsammans import atomic

    removed = atomic.remove_debris(reports / TMP_DIR, ("*",))
    with contextlib.suppress(OSError):
        (reports / TMP_DIR).rmdir()
    removed += atomic.remove_debris(reports, (f".*{atomic.PART}",))
    removed += atomic.remove_debris(reports / LOG_DIR, (f".*{atomic.PART}", f".{TIMINGS}.*"))
    return removed


def _run_jobs(jobs: Sequence[Job], reports: Path, n_jobs: int | None, force: bool, executor: cf.Executor | None,
              progress: bool, timeout: float | None, retries: int, verify: bool,
              meanwhile: Callable[[], object] | None = None) -> list[Result]:
    from tillsammans import integrity

    reports.mkdir(parents=True, exist_ok=True)
    # Before anything is rendered or taken from the cache: the data are what `make data` wrote.
    digest = integrity.verify(full=verify)
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
    # The network's notebooks run longest (joint runs of every member): started first, they never leave one
    # worker finishing them alone at the end of a build while the others idle.
    todo.sort(key=lambda item: notebook_scope(item[0].notebook) != "network")

    from tillsammans.reports.kernels import KernelPool, remove_stale_kernel_folders

    remove_stale_kernel_folders()
    own = executor is None
    pool: KernelPool | None = None
    workers = None
    tmp = reports / TMP_DIR / f"{os.getpid()}-{time.time_ns()}"
    tmp.mkdir(parents=True)
    started, cpu_before = time.perf_counter(), os.times()
    bar = None
    futures: dict = {}
    # Everything from the first kernel on sits inside the try: a Ctrl-C while the kernels start or papermill is
    # imported must stop the kernels too, or the interpreter waits for them at exit.
    try:
        if executor is None:
            workers = max(1, min(n_jobs or os.cpu_count() or 1, len(todo)))
            pool = KernelPool(size=workers)
            pool.prestart(workers, fingerprint)  # the kernels warm up while this process imports papermill
            executor = cf.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="report")
        from tqdm.auto import tqdm

        from tillsammans.reports import worker

        bar = tqdm(total=len(todo), desc="Rapporter", unit="nb", disable=not progress)
        for job, key in todo:
            source = Path(job.notebook).read_text(encoding="utf-8")
            futures[executor.submit(worker.render, job, source, job.title, timeout, retries, fingerprint,
                                    pool)] = (job, key)
        if meanwhile is not None:
            meanwhile()
        for future in cf.as_completed(futures):
            job, key = futures[future]
            try:
                rendered = future.result()
            except Exception as exc:  # noqa: BLE001 - a crashed worker is a failed job, not a crashed build
                result = Result(job, "failed", error=_short_error(exc))
            else:
                if digest and rendered.data_digest and rendered.data_digest != digest:
                    rendered.status = "failed"
                    rendered.error = (f"the worker {rendered.where} has other data/processed than this machine "
                                      f"(run `make data` there); report not published")
                begin = time.perf_counter()
                try:
                    result = publish(rendered, reports, key, tmp)
                except OSError as exc:  # disk full, a read-only folder: this job failed, the earlier report stays
                    result = Result(job, "failed", error=f"could not write the report ({_short_error(exc)}); "
                                    "the earlier report is unchanged", phases=dict(rendered.phases))
                result.phases["publish"] = round(time.perf_counter() - begin, 3)
                result.seconds = sum(result.phases.values())
            results.append(result)
            if result.status == "failed":
                bar.write(f"FAILED {job.label}: {result.error}")
            bar.update()
    except KeyboardInterrupt:
        if pool is not None:
            pool.shutdown(now=True)  # running notebooks stop at once; nothing more is published
        for future in futures:
            future.cancel()
        done = {r.job for r in results}
        results.extend(Result(job, "interrupted") for job, _ in todo if job not in done)
        raise BuildInterrupted(results) from None
    finally:
        if bar is not None:
            bar.close()
        if own and executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        if pool is not None:
            # The build's own kernels are idle now (every job returned) and hold nothing to save: killed, not
            # asked to exit, which would make the build wait for each interpreter's own teardown.
            pool.shutdown(now=True)
        shutil.rmtree(tmp, ignore_errors=True)
        with contextlib.suppress(OSError):
            (reports / TMP_DIR).rmdir()  # only when no other build is using it
    cpu = os.times()
    _write_timings(reports, results, time.perf_counter() - started, workers, {
        "this process": round(cpu.user + cpu.system - cpu_before.user - cpu_before.system, 3),
        "local kernels": round(cpu.children_user + cpu.children_system - cpu_before.children_user
                               - cpu_before.children_system, 3)})
    order = {job: i for i, job in enumerate(jobs)}
    return sorted(results, key=lambda r: order.get(r.job, 0))


def _write_timings(reports: Path, results: Sequence[Result], wall: float, workers: int | None,
                   cpu: dict) -> None:
    """``_logs/timings.json``: where each job's time went (kernel, execute, export, publish) and the CPU
    seconds of this process and of its kernels (local builds only)."""
    record = {"wall_seconds": round(wall, 3), "workers": workers, "cpu_seconds": cpu,
              "jobs": [{"label": r.job.label, "status": r.status, "seconds": round(r.seconds, 3),
                        "phases": r.phases, "attempts": r.attempts, "where": r.where}
                       for r in results if r.status in ("ok", "failed")]}
    from tillsammans import atomic

    target = reports / LOG_DIR / TIMINGS
    target.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):  # the timings are a by-product: a full disk must not fail the build
        atomic.write_text(target, json.dumps(record, indent=1))


def _short_error(exc: BaseException) -> str:
    name = getattr(exc, "ename", None) or type(exc).__name__
    value = getattr(exc, "evalue", None) or str(exc)
    return f"{name}: {value.strip().splitlines()[0] if value.strip() else ''}"



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
