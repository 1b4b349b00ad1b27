"""Warm kernels: started once per worker, with the scientific stack and the library imported, reused.

Starting a kernel and importing pandas, matplotlib, statsmodels and the library costs 3–4 s, far more than
most notebooks' own work; a warm kernel pays it once and runs notebook after notebook, each from the state
recorded right after the imports (:mod:`tillsammans.reports.kernel_state`).

- The kernel is always this interpreter's ipykernel, never whatever kernel spec happens to be installed
  under the notebook's kernel name (another environment's ``python3`` would run other code and other
  package versions).
- IPC transport (Unix sockets): no port races and no "running over TCP without encryption" warning.
- The kernel's own stdout/stderr go to a log file, not to the terminal and its progress bar.
- A kernel dies with the process that started it (ipykernel's parent poller), so a killed build leaves no
  kernel behind.

A process keeps its idle kernels in :func:`default_pool`; a worker of a long-lived cluster therefore keeps
them warm between builds, and starts new ones when the library or the data changed (the pool's
*fingerprint*).
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

#: The kernel name recorded in the executed notebooks (the notebooks' own kernelspec name).
KERNEL_NAME = "python3"

#: Executed once in every new kernel: what the study's notebooks import, and the first figure (which loads
#: matplotlib's inline backend), so that a notebook's own imports cost nothing. Every import with side effects
#: belongs here, even one a notebook needs rarely (statsmodels sets warning filters when imported): the
#: snapshot taken after it is what each notebook starts from, as in a fresh kernel.
WARM_UP = """\
import matplotlib
import matplotlib.pyplot as _plt
import numpy, pandas, scipy.stats, statsmodels.api
import IPython.display
import tillsammans
from tillsammans import cooperation, data, plots, population, workforce
from tillsammans.municipalities import registry as _registry
_plt.close(_plt.figure())
from tillsammans.reports import kernel_state as _kernel_state
_kernel_state.snapshot()
"""


#: Name prefix of a kernel's private folder in the temporary directory: ``<prefix><pid of the runner>-…``.
FOLDER_PREFIX = "tillsammans-kernel-"


def remove_stale_kernel_folders(folder: Path | None = None) -> list[Path]:
    """Delete the private folders of kernels whose runner process is gone (a build killed with SIGKILL
    cannot clean up; its kernels exit with it, their sockets and logs stay). Returns what was deleted."""
    folder = Path(folder) if folder is not None else Path(tempfile.gettempdir())
    removed = []
    for item in folder.glob(f"{FOLDER_PREFIX}*"):
        pid = item.name[len(FOLDER_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(item, ignore_errors=True)
            removed.append(item)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


class KernelError(RuntimeError):
    """A kernel failed to start, to warm up or to reset; the message ends with its log."""


class _ThisInterpreter(KernelSpecManager):
    """Kernel specs that always resolve to this interpreter's ipykernel, whatever the name."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        from ipykernel.kernelspec import RESOURCES, get_kernel_dict

        # No input history database: a warm kernel runs thousands of cells, and nothing reads them back.
        return KernelSpec(resource_dir=RESOURCES, name=kernel_name,
                          **get_kernel_dict(extra_arguments=["--HistoryManager.enabled=False"]))


class WarmKernel:
    """One kernel with the warm-up done; :meth:`reset` prepares it for the next notebook.

    Parameters
    ----------
    warm_up : str
        Code run once after the start (default :data:`WARM_UP`).
    startup_timeout : float
        Seconds to wait for the kernel to answer and finish the warm-up.
    """

    _ids = itertools.count(1)

    def __init__(self, warm_up: str = WARM_UP, startup_timeout: float = 120.0):
        from jupyter_client import KernelManager

        self.id = next(self._ids)
        self.warm_up = warm_up
        self.startup_timeout = startup_timeout
        self.notebooks_run = 0
        # A private folder per kernel for its sockets and log: IPC socket names are chosen by checking which
        # files exist, so two kernels starting at once in one folder would pick, and share, the same ones.
        self.folder = Path(tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-{self.id}-"))
        self.log_path = self.folder / "kernel.log"
        # nbclient awaits its client: the clients it makes (km.client()) must be asynchronous, or a kernel
        # that dies mid-cell blocks the wait for output forever. The runner's own client is blocking.
        # The connection file too: Jupyter's runtime folder would keep it after a killed build.
        self.km = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=_ThisInterpreter(),
                                transport="ipc", ip=str(self.folder / "ipc"),
                                connection_file=str(self.folder / "connection.json"),
                                client_class="jupyter_client.asynchronous.AsyncKernelClient")
        self.kc: Any = None  # jupyter_client's BlockingKernelClient, made in the start method
        self._nb_client: Any = None  # nbclient's asynchronous client, made by the first notebook and kept
        self._nb_thread: int | None = None  # the thread whose event loop that client's sockets use
        self._ready = False
        self._closed = False
        self.broken = False
        with open(self.log_path, "ab") as log:
            # The kernel's stdout/stderr (log lines, crash messages) go to the log file. A kernel dies
            # with its parent through JPY_PARENT_PID, which jupyter_client sets.
            self.km.start_kernel(stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        from jupyter_client.blocking import BlockingKernelClient
        from jupyter_client.session import Session

        # The runner's own client: the shell channel only (it never reads the notebooks' output), and a
        # session of its own, since clients sharing a session id share a socket identity and the kernel
        # would send this client's replies to nbclient's client.
        session = Session(key=self.km.session.key, signature_scheme=self.km.session.signature_scheme)
        info = dict(self.km.get_connection_info(session=False))
        for secret in ("key", "signature_scheme"):  # they travel in the session
            info.pop(secret, None)
        self.kc = BlockingKernelClient(**info, session=session, connection_file=self.km.connection_file,
                                       parent=self.km)
        self.kc.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
        # Sent now, run as soon as the kernel is up (ZMQ queues it): the warm-up overlaps whatever the
        # caller does next.
        self._warm_up_id = self.kc.execute(self.warm_up, silent=True, store_history=False, allow_stdin=False)

    def _reply(self, msg_id: str, timeout: float, what: str) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise KernelError(f"kernel {self.id}: no answer to {what} within {timeout:g} s{self.log_tail()}")
            try:
                reply = self.kc.get_shell_msg(timeout=min(1.0, remaining))
            except queue.Empty:
                if not self.km.is_alive():
                    raise KernelError(f"kernel {self.id} died during {what}{self.log_tail()}") from None
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                if reply["content"]["status"] != "ok":
                    raise KernelError(f"kernel {self.id}: {what} failed: {reply['content'].get('ename')}: "
                                      f"{reply['content'].get('evalue')}{self.log_tail()}")
                return reply

    def wait_ready(self) -> None:
        """Block until the kernel is up and the warm-up ran (the first call does the waiting)."""
        if not self._ready:
            self._reply(self._warm_up_id, self.startup_timeout, "the warm-up")
            self._ready = True

    def reset(self, cwd: str, timeout: float = 60.0) -> None:
        """Return the kernel to its state after the warm-up, in folder ``cwd`` (silently, no history)."""
        self.wait_ready()
        code = f"import tillsammans.reports.kernel_state as _k; _k.restore({str(cwd)!r})"
        self._reply(self.kc.execute(code, silent=True, store_history=False, allow_stdin=False), timeout,
                    "the reset")

    @property
    def nb_client(self):
        """nbclient's client for this kernel if it was made in the calling thread, else None (a new one is
        made: its asynchronous sockets belong to the event loop of the thread that made them)."""
        if self._nb_client is not None and self._nb_thread != threading.get_ident():
            self._nb_client.stop_channels()
            self._nb_client = None
        return self._nb_client

    @nb_client.setter
    def nb_client(self, client) -> None:
        self._nb_client, self._nb_thread = client, threading.get_ident()

    def is_alive(self) -> bool:
        return self.km.is_alive()

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        except OSError:
            return ""
        return ("\nkernel log:\n" + "\n".join(text[-lines:])) if text else ""

    def kill(self) -> None:
        """Kill the kernel process only; safe from another thread than the one using the kernel, whose
        next wait then fails with a dead kernel and which shuts the kernel down properly."""
        self.broken = True
        with contextlib.suppress(Exception):  # already gone
            if self.km.has_kernel:
                self.km.shutdown_kernel(now=True)

    def shutdown(self, now: bool = False) -> None:
        """Stop the kernel (``now``: kill it without asking) and close the client; call from its user."""
        if self._closed:
            return
        self._closed = True
        try:
            with contextlib.suppress(Exception):  # a kernel that is already gone is what we wanted
                for client in (self.kc, self._nb_client):
                    if client is not None:
                        client.stop_channels()
                if self.km.has_kernel:
                    self.km.shutdown_kernel(now=now)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


class KernelPool:
    """Idle warm kernels of one process; :meth:`kernel` lends one and takes it back if it is healthy.

    Parameters
    ----------
    size : int, optional
        Most kernels at once; a borrower waits for a free one (None: one per concurrent borrower).
    warm_up : str
        Code every new kernel runs once.
    """

    def __init__(self, size: int | None = None, warm_up: str = WARM_UP):
        self.size = size
        self.warm_up = warm_up
        self.fingerprint: str | None = None
        self._idle: list[WarmKernel] = []
        self._lent: set[WarmKernel] = set()
        self._starting = 0
        self._changed = threading.Condition()
        self._closed = False

    def prestart(self, n: int, fingerprint: str | None = None) -> None:
        """Start ``n`` kernels now (their warm-up runs while the caller does other work)."""
        self._check(fingerprint)
        with self._changed:
            missing = n - len(self._idle) - len(self._lent)
        for _ in range(max(0, missing)):
            kernel = WarmKernel(self.warm_up)
            with self._changed:
                self._idle.append(kernel)
                self._changed.notify()

    @contextmanager
    def kernel(self, fingerprint: str | None = None):
        """Lend a warm kernel; a kernel that died or was marked broken is shut down instead of returned."""
        self._check(fingerprint)
        kernel: WarmKernel | None
        with self._changed:
            while True:
                if self._closed:
                    raise KernelError("the kernel pool is shut down (the build was stopped)")
                if self._idle:
                    # Prefer the kernel this thread used last: its nbclient client is ready.
                    mine = [k for k in self._idle if k._nb_thread == threading.get_ident()]
                    kernel = mine[0] if mine else self._idle[-1]
                    self._idle.remove(kernel)
                    break
                if self.size is None or len(self._lent) + self._starting < self.size:
                    kernel = None
                    self._starting += 1
                    break
                self._changed.wait()
        if kernel is None:
            try:
                kernel = WarmKernel(self.warm_up)
            finally:
                with self._changed:
                    self._starting -= 1
        with self._changed:
            self._lent.add(kernel)
        try:
            yield kernel
        finally:
            with self._changed:
                self._lent.discard(kernel)
                keep = not self._closed and not kernel.broken and kernel.is_alive()
                if keep:
                    self._idle.append(kernel)
                self._changed.notify()
            if not keep:
                kernel.shutdown(now=True)

    def replace(self, kernel: WarmKernel) -> None:
        """Kill a lent kernel that hung or died; the next :meth:`kernel` starts a new one."""
        kernel.broken = True
        kernel.shutdown(now=True)

    def _check(self, fingerprint: str | None) -> None:
        # Idle kernels imported the library as it was; new code or new data need new kernels.
        if fingerprint is None or fingerprint == self.fingerprint:
            return
        with self._changed:
            stale, self._idle = self._idle, []
            self.fingerprint = fingerprint
        for kernel in stale:
            kernel.shutdown(now=True)

    def shutdown(self, now: bool = False) -> None:
        """Stop the idle kernels and kill the lent ones (their users see a dead kernel); lending fails
        afterwards."""
        with self._changed:
            self._closed = True
            idle, self._idle = self._idle, []
            lent = list(self._lent)
            self._changed.notify_all()
        for kernel in lent:
            kernel.kill()
        if not now:
            for kernel in idle:  # one by one, as before: asking all at once was not faster in a trial here
                kernel.shutdown()
            return
        # Killed all at once: each waits 0.1 s for its process to exit, so the build waits for one, not the sum.
        stopping = [threading.Thread(target=kernel.shutdown, args=(True,), daemon=True) for kernel in idle]
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join()

    def __len__(self) -> int:
        return len(self._idle) + len(self._lent)


_POOL: KernelPool | None = None
_POOL_LOCK = threading.Lock()


def default_pool() -> KernelPool:
    """This process's pool (a worker keeps its kernels warm between jobs and builds)."""
    global _POOL  # noqa: PLW0603 -- one pool per process, made lazily under the lock
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = KernelPool()
            atexit.register(_POOL.shutdown, True)
        return _POOL


__all__ = ["FOLDER_PREFIX", "KERNEL_NAME", "WARM_UP", "KernelError", "KernelPool", "WarmKernel", "default_pool",
           "remove_stale_kernel_folders"]

if sys.platform == "win32":  # pragma: no cover - the study runs on Linux and macOS
    raise ImportError("warm kernels use IPC transport (Unix sockets)")
