"""What runs on a worker: one notebook, executed in a warm kernel and exported, sent back as a value.

:func:`render` writes nothing to the reports folder: it returns the HTML, the executed notebook, the key
figures and the log as a :class:`Rendered`, and the process that started the build publishes them. Workers
of a cluster therefore need no shared disk (only the project installed and its ``data/processed``), and a
worker that outlives a killed build can never replace a report.

Execution goes through papermill (its parameter injection and its record of the run in the notebook's
metadata) with an engine that uses a kernel from a :class:`~tillsammans.reports.kernels.KernelPool`
instead of starting one. A kernel that dies, hangs past the notebook's time limit or fails to reset is
killed and the notebook retried once in a new kernel; an error raised by the notebook itself is not
retried.
"""

from __future__ import annotations

import html
import io
import logging
import os
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tillsammans.reports.kernels import KERNEL_NAME, KernelError, KernelPool, default_pool
from tillsammans.reports.runner import Job, data_digest

ENGINE = "tillsammans-warm"

logger = logging.getLogger("tillsammans.reports")


@dataclass
class Rendered:
    """A finished job as a value: what the client writes to the reports folder."""

    job: Job
    status: str  # "ok" or "failed"
    html: str = ""
    notebook: str = ""  # the executed notebook (JSON); on failure with the error marked, if it ran at all
    keys: dict = field(default_factory=dict)
    error: str = ""
    log: str = ""
    phases: dict = field(default_factory=dict)  # seconds: kernel, execute, export
    attempts: int = 0
    where: str = ""  # host, process and kernel that ran it
    data_digest: str = ""  # the worker's data/processed, to compare with the client's


def _register_engine() -> None:
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    class WarmKernelEngine(NBClientEngine):
        """papermill engine that runs the notebook in a kernel it is handed (``kernel=``)."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, kernel=None, deadline=None, holder=None,
                                     start_timeout=60, **_ignored):
            def time_left(_cell) -> float | None:
                return max(0.5, deadline - time.monotonic()) if deadline else None

            if holder is not None:
                holder["nb"] = nb_man.nb  # kept for the failed copy when papermill raises
            stable_cell_ids(nb_man.nb)
            # nbclient makes its own (asynchronous) client for the kernel on the first notebook; the kernel
            # keeps it for the next ones (a new client costs a 0.2 s wait for the output channel), and
            # nbclient leaves the kernel alive because it does not own the kernel manager.
            client = PapermillNotebookClient(nb_man, km=kernel.km, kernel_name=kernel_name, log=logger,
                                             log_output=False, startup_timeout=start_timeout,
                                             timeout_func=time_left)
            client.kc = kernel.nb_client
            try:
                return client.execute()
            finally:
                kernel.nb_client = client.kc

    papermill_engines.register(ENGINE, WarmKernelEngine)


def stable_cell_ids(nb) -> None:
    """Give papermill's injected parameters cell a fixed id (papermill draws a random one), so the same
    notebook and parameters give the same HTML, byte for byte."""
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell.id = "injected-parameters"


_ENGINE_READY = threading.Lock()
_engine_registered = False


def _ensure_engine() -> None:
    global _engine_registered  # noqa: PLW0603 -- papermill's engine registry is process-wide; register once
    with _ENGINE_READY:
        if not _engine_registered:
            _register_engine()
            _engine_registered = True


class _ThreadLog(logging.Handler):
    """Collects the log records of one thread (jobs of other threads log to their own)."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.thread = threading.get_ident()
        self.buffer = io.StringIO()
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))

    def filter(self, record) -> bool:
        return record.thread == self.thread

    def emit(self, record) -> None:
        self.buffer.write(self.format(record) + "\n")


def render(job: Job, source: str, title: str, timeout: float | None = None, retries: int = 1,
           fingerprint: str | None = None, pool: KernelPool | None = None) -> Rendered:
    """Execute one notebook in a warm kernel and export it; never raises for a failed notebook.

    Parameters
    ----------
    job : Job
        Notebook, parameters, output folder.
    source : str
        The notebook file's text (sent by the client, so workers need no copy of ``notebooks/``).
    title : str
        The HTML page's title.
    timeout : float, optional
        Seconds the whole notebook may take (None: no limit). Past it the kernel is taken as hung.
    retries : int
        New attempts in a new kernel after a kernel died, hung or failed to start (not after an error
        raised by the notebook).
    fingerprint : str, optional
        The build's inputs fingerprint; kernels warmed with other library code or data are replaced.
    pool : KernelPool, optional
        Where the kernels come from (default: this process's pool).
    """
    import nbformat
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    from tillsammans.reports.export import extract_keys, notebook_to_html

    _ensure_engine()
    pool = pool if pool is not None else default_pool()
    capture = _ThreadLog()
    watched = [logging.getLogger(name) for name in ("papermill", "tillsammans.reports")]
    for log in watched:
        log.addHandler(capture)
        log.setLevel(logging.INFO)
    phases = {"kernel": 0.0, "execute": 0.0, "export": 0.0}
    result = Rendered(job, "failed", data_digest=data_digest())
    notebook_dir = Path(job.notebook).resolve().parent
    cwd = str(notebook_dir) if notebook_dir.is_dir() else tempfile.gettempdir()
    try:
        nb = nbformat.reads(source, as_version=4)
        for attempt in range(1, retries + 2):
            result.attempts = attempt
            holder: dict = {}
            with pool.kernel(fingerprint) as kernel:
                result.where = f"{socket.gethostname()}:{os.getpid()}:kernel {kernel.id}"
                try:
                    start = time.perf_counter()
                    kernel.reset(cwd)
                    phases["kernel"] += time.perf_counter() - start
                    start = time.perf_counter()
                    executed = papermill.execute_notebook(
                        nb, None, parameters=job.parameters, engine_name=ENGINE, kernel_name=KERNEL_NAME,
                        language="python", report_mode=True, progress_bar=False, log_output=False,
                        request_save_on_cell_execute=False, kernel=kernel, holder=holder,
                        deadline=time.monotonic() + timeout if timeout else None,
                    )
                    phases["execute"] += time.perf_counter() - start
                    kernel.notebooks_run += 1
                    break
                except PapermillExecutionError as exc:
                    phases["execute"] += time.perf_counter() - start
                    result.error = f"{exc.ename}: {_first_line(exc.evalue)}"
                    if "nb" in holder:
                        result.notebook = nbformat.writes(holder["nb"])
                    logger.error("FAILED: %s\n%s", result.error, "\n".join(exc.traceback or []))
                    return result
                except (CellTimeoutError, DeadKernelError, KernelError, TimeoutError) as exc:
                    what = (f"timed out after {timeout:g} s" if isinstance(exc, CellTimeoutError)
                            else f"kernel died ({type(exc).__name__})" if isinstance(exc, DeadKernelError)
                            else f"kernel failed: {_first_line(str(exc))}")
                    logger.warning("attempt %d: %s%s", attempt, what, kernel.log_tail())
                    pool.replace(kernel)
                    result.error = f"{what} (tried {attempt} time{'s' if attempt > 1 else ''})"
                    if "nb" in holder:
                        result.notebook = nbformat.writes(holder["nb"])
        else:
            logger.error("FAILED: %s", result.error)
            return result
        start = time.perf_counter()
        result.html = notebook_to_html(executed, title=title, footer=footer(job, result.data_digest))
        result.keys = extract_keys(executed)
        result.notebook = nbformat.writes(executed)
        phases["export"] += time.perf_counter() - start
        result.status, result.error = "ok", ""
        logger.info("rendered %s in %s (attempt %d)", job.label, result.where, result.attempts)
        return result
    except Exception as exc:  # any other failure is this job's failure, not the build's
        result.error = f"{type(exc).__name__}: {_first_line(str(exc))}"
        logger.exception("FAILED: %s", result.error)
        return result
    finally:
        for log in watched:
            log.removeHandler(capture)
        result.log = capture.buffer.getvalue()
        result.phases = {k: round(v, 3) for k, v in phases.items()}


def footer(job: Job, digest: str) -> str:
    """The report's footer (our markup, escaped parts): the notebook it came from and the data's digest,
    which ``python -m tillsammans data --verify`` prints for the data on a machine."""
    # in the reader's words (issue 11): the notebook by its name, no file paths
    text = f"Framställd med tillsammans (notebooken {html.escape(Path(job.notebook).stem)})."
    if digest:
        text += f' Underlagets kontrollsumma: <code class="data-digest">{html.escape(digest)}</code>.'
    return text


def _first_line(text: str) -> str:
    text = (text or "").strip()
    return text.splitlines()[0] if text else ""

