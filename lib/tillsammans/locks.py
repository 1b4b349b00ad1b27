"""One build at a time per folder: an advisory lock (``flock``) on ``<folder>/.lock``.

A data build takes the lock of the data folder exclusively; a report build takes the reports folder's lock
exclusively and the data folder's shared (reports may render side by side from the same data, but never
while ``data/processed`` is being replaced). A second build does not wait: it stops at once with a message
naming the build that holds the folder. The operating system releases the lock when its holder exits, even
after ``kill -9``, so a lock is never stale.

While it holds the lock, a build may delete what earlier, killed builds left in the folder (their staging
folders): nobody else can be using them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

LOCK_FILE = ".lock"


# Locks this process holds: lock file → (nesting depth, exclusive). flock would refuse a second lock of the
# same file from the same process; nesting is one build, not two.
_HELD: dict[str, tuple[int, bool]] = {}
_HELD_LOCK = threading.Lock()


class FolderBusyError(RuntimeError):
    """Another build holds the folder; the message names it and says what to do."""


@contextlib.contextmanager
def folder_lock(folder: Path, what: str, shared: bool = False) -> Iterator[Path]:
    """Hold ``folder``'s lock for the ``with`` block, or raise :class:`FolderBusyError` at once.

    Parameters
    ----------
    folder : Path
        The folder (created if missing).
    what : str
        What this build does there, for the message another build shows (e.g. ``"report build"``).
    shared : bool
        A shared lock: any number of shared holders, no exclusive one.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_FILE
    key = str(path.resolve())
    with _HELD_LOCK:
        mine = _HELD.get(key)
        if mine is not None and (mine[1] or shared):
            # Already held by this process (e.g. build_reports around run_jobs): nested, not a second build.
            _HELD[key] = (mine[0] + 1, mine[1])
            nested = True
        else:
            nested = False
    if nested:
        try:
            yield folder
        finally:
            with _HELD_LOCK:
                count, exclusive = _HELD[key]
                _HELD[key] = (count - 1, exclusive)
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    acquired = held = False
    try:
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FolderBusyError(
                f"{folder} is in use by {_holder(path)}; wait until it has finished (or stop it) and run "
                f"the {what} again") from None
        with _HELD_LOCK:
            _HELD[key] = (1, not shared)
        acquired, held = True, not shared
        if held:
            # Who holds it, for the message of the next build (shared holders leave the record alone).
            record = {"pid": os.getpid(), "what": what, "since": dt.datetime.now().isoformat(timespec="seconds"),
                      "command": " ".join(sys.argv[:4])}
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(record).encode(), 0)
        yield folder
    finally:
        if acquired:
            with _HELD_LOCK:
                _HELD.pop(key, None)
        if held:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)  # the record names a running build only
        os.close(fd)  # releases the lock


def _holder(path: Path) -> str:
    try:
        record = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        record = {}
    if not record.get("pid"):
        return "another build (a report build reading the data, or a data build)"
    return f"another {record.get('what', 'build')} (process {record['pid']}, started {record.get('since', '?')})"


__all__ = ["LOCK_FILE", "FolderBusyError", "folder_lock"]
