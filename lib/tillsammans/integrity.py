"""Integrity of ``data/processed``: every read is checked against ``manifest.json``.

The data build (:func:`tillsammans.data.build_processed`) records each table's sha256, size and
modification time in the manifest, and a *digest* of the manifest's table entries. A read of a processed
file then checks, cheaply, that it is still the file the build wrote:

- the manifest's own digest must match its entries (a hand-edited hash such as ``000…`` is noticed);
- the fast path: the file's size and modification time equal the manifest's (one ``stat``);
- otherwise the file is hashed in full and must have the manifest's sha256 (a copied folder whose
  modification times changed still passes; a changed file never does).

:func:`verify` with ``full=True`` hashes every file whatever its modification time (``python -m tillsammans
data --verify``, ``reports --verify``). A mismatch raises :class:`IntegrityError` naming the file and how to
rebuild. The digest (:func:`data_digest`) is what a rendered report records as the data it was built from.

The fast path trusts a file whose size and modification time are unchanged; a deliberate edit that restores
both is found only by a full check.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import threading
from functools import lru_cache
from pathlib import Path

from tillsammans import paths

MANIFEST = "manifest.json"
REBUILD = "rebuild it with `make data` (python -m tillsammans data)"

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_TABLE_FILE = re.compile(r"^[A-Za-z0-9_]+\.parquet$")


class IntegrityError(RuntimeError):
    """A processed file or the manifest is not what the data build wrote; the message names the file."""


def sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_record(path: Path) -> dict:
    """What the manifest records of a written table: ``sha256``, ``size`` (bytes), ``mtime_ns``."""
    stat = os.stat(path)
    return {"sha256": sha256(path), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def tables_digest(tables: dict) -> str:
    """The digest of the manifest's table entries (sorted JSON): one hash for the whole data build."""
    return hashlib.sha256(json.dumps(tables, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def read_manifest(processed_dir: Path | None = None) -> dict:
    """``manifest.json`` of a processed folder, checked for shape and against its own digest.

    Raises
    ------
    FileNotFoundError
        No manifest: the data are not built.
    IntegrityError
        Not JSON, entries without a valid sha256 or file name, or a digest that does not match.
    """
    return copy.deepcopy(_manifest(processed_dir))


def _manifest(processed_dir: Path | None) -> dict:
    """The checked manifest, shared: callers must not change it (:func:`read_manifest` gives a copy)."""
    processed_dir = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    path = processed_dir / MANIFEST
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} not found: the processed data are not built; run `make data`") from None
    return _read_manifest(str(path), stat.st_mtime_ns, stat.st_size, stat.st_ino)


@lru_cache(maxsize=8)
def _read_manifest(file: str, _mtime_ns: int, _size: int, _inode: int) -> dict:
    # Checked once per version of the file (a rebuilt manifest is a new file: another inode and time).
    path = Path(file)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IntegrityError(f"{path} is not valid JSON ({exc}); {REBUILD}") from None
    tables = manifest.get("tables") if isinstance(manifest, dict) else None
    if not isinstance(tables, dict) or not tables:
        raise IntegrityError(f"{path} lists no tables; {REBUILD}")
    for name, entry in tables.items():
        if not isinstance(entry, dict) or not _HEX64.match(str(entry.get("sha256", ""))):
            raise IntegrityError(f"{path}: table {name!r} has no valid sha256; {REBUILD}")
        if not _TABLE_FILE.match(str(entry.get("file", ""))):
            raise IntegrityError(f"{path}: table {name!r} names the file {entry.get('file')!r}, not a plain "
                                 f"'<name>.parquet' in the folder; {REBUILD}")
    recorded = manifest.get("digest")
    # Manifests written before the digest existed are checked file by file (full hashes) instead.
    if recorded is not None and recorded != tables_digest(tables):
        raise IntegrityError(f"{path} was changed after the build (its digest does not match its table "
                             f"entries); {REBUILD}")
    return manifest


def data_digest(processed_dir: Path | None = None, manifest: dict | None = None) -> str:
    """The digest of the processed data (the manifest's table entries); '' when the data are not built."""
    if manifest is None:
        try:
            manifest = _manifest(processed_dir)
        except FileNotFoundError:
            return ""
    return manifest.get("digest") or tables_digest(manifest["tables"])


# Files verified in this process: path → (size, mtime_ns, sha256) as seen then. A kernel reads the same
# tables many times; after the first check each read costs one stat.
_VERIFIED: dict[str, tuple[int, int, str]] = {}
_LOCK = threading.Lock()


def verify_file(processed_dir: Path, name: str, manifest: dict | None = None, full: bool = False) -> Path:
    """Check one table's file against the manifest and return its path.

    Parameters
    ----------
    processed_dir : Path
        The processed folder.
    name : str
        The table's name in the manifest (e.g. ``"kolada_values"``).
    manifest : dict, optional
        The folder's manifest (read and checked when not given).
    full : bool
        Hash the file even when its size and modification time match.
    """
    processed_dir = Path(processed_dir)
    manifest = manifest if manifest is not None else _manifest(processed_dir)
    entry = manifest["tables"].get(name)
    if entry is None:
        raise FileNotFoundError(f"table {name!r} is not in {processed_dir / MANIFEST}; {REBUILD}")
    path = processed_dir / entry["file"]
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise IntegrityError(f"{path} is missing although {MANIFEST} lists it; {REBUILD}") from None
    seen = (stat.st_size, stat.st_mtime_ns, entry["sha256"])
    key = str(path)
    if not full:
        if entry.get("size") == stat.st_size and entry.get("mtime_ns") == stat.st_mtime_ns:
            return path
        with _LOCK:
            if _VERIFIED.get(key) == seen:
                return path
    if "size" in entry and entry["size"] != stat.st_size:
        raise IntegrityError(f"{path} differs from {MANIFEST} ({stat.st_size} bytes, expected {entry['size']}): "
                             f"the file changed after the build; {REBUILD}")
    actual = sha256(path)
    if actual != entry["sha256"]:
        raise IntegrityError(f"{path} differs from {MANIFEST} (sha256 {actual[:12]}…, expected "
                             f"{entry['sha256'][:12]}…): the file changed after the build; {REBUILD}")
    with _LOCK:
        _VERIFIED[key] = seen
    return path


def verify(processed_dir: Path | None = None, full: bool = False) -> str:
    """Check every table of a processed folder (see :func:`verify_file`); return :func:`data_digest`."""
    processed_dir = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    manifest = _manifest(processed_dir)
    for name in manifest["tables"]:
        verify_file(processed_dir, name, manifest, full=full)
    return data_digest(manifest=manifest)


def verified_path(filename: str, processed_dir: Path | None = None) -> Path:
    """The path of a processed file given by its file name (e.g. ``"regions.parquet"``), verified."""
    processed_dir = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    manifest = _manifest(processed_dir)
    for name, entry in manifest["tables"].items():
        if entry["file"] == filename:
            return verify_file(processed_dir, name, manifest)
    raise FileNotFoundError(f"{filename} is not listed in {processed_dir / MANIFEST}; {REBUILD}")


__all__ = ["MANIFEST", "IntegrityError", "data_digest", "file_record", "read_manifest", "sha256",
           "tables_digest", "verified_path", "verify", "verify_file"]
