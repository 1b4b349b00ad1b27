"""Files replaced whole or not at all.

Every file the study publishes (processed tables, reports, the index, logs) is written under a temporary
name in the target's own folder and renamed over the target only when it is complete. A failed write (disk
full, a quota, an error in the caller) removes the temporary file and leaves the earlier file untouched, so
neither a truncated file nor an empty ``*.part`` is left behind. Temporary names start with ``.`` and end
with :data:`PART`; :func:`remove_debris` deletes those a killed process left (call it under the folder's
lock, :mod:`tillsammans.locks`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

PART = ".part"


@contextlib.contextmanager
def replacing(path: Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary file beside ``path``; on a clean exit it replaces ``path``, on an error it is removed.

    ``mode`` is ``"w"`` (text) or ``"wb"``.
    """
    path = Path(path)
    fd, staged = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=PART)
    try:
        os.fchmod(fd, file_mode())  # mkstemp's 0600 would hide a report from its readers
        with os.fdopen(fd, mode, encoding=None if "b" in mode else encoding) as fh:
            yield fh
        os.replace(staged, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(staged)
        raise


def file_mode() -> int:
    """The permissions ``open()`` gives a new file: 0666 less the process's umask (0644 by default)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o644


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`replacing`)."""
    with replacing(path, "w", encoding) as fh:
        fh.write(text)
    return Path(path)


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`replacing`)."""
    with replacing(path, "wb") as fh:
        fh.write(data)
    return Path(path)


def copy_file(source: Path, target: Path) -> Path:
    """Copy ``source`` to ``target`` atomically (see :func:`replacing`)."""
    with open(source, "rb") as src, replacing(target, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    return Path(target)


def remove_debris(folder: Path, patterns: tuple[str, ...] = (f".*{PART}",), recursive: bool = False) -> list[Path]:
    """Delete temporary files and folders matching ``patterns`` in ``folder``; return what was deleted.

    Only call it while holding the folder's lock: a running build's temporary files match too.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    removed = []
    for pattern in patterns:
        for item in (folder.rglob(pattern) if recursive else folder.glob(pattern)):
            if item.is_dir() and not item.is_symlink():
                shutil.rmtree(item, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    item.unlink()
            removed.append(item)
    return removed


__all__ = ["PART", "copy_file", "file_mode", "remove_debris", "replacing", "write_bytes", "write_text"]
