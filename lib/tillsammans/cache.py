"""A disk cache for derived model inputs, so a report build computes them once, not once per notebook.

Every notebook runs in its own kernel; without a shared cache each one would re-read the national tables
and rebuild life tables and rates (seconds each). Entries live in ``data/processed/cache/`` and are keyed on
the processed data (the manifest's hashes), the source of the modules that compute them and the call's own
parameters, so a rebuilt data folder or a changed model never reuses a stale entry. Deleting the folder is
always safe.

No code from data: an entry holds data only, in formats that cannot run code when read — DataFrames as
parquet, arrays as ``.npz`` (read with ``allow_pickle=False``) and everything else as JSON — with a typed
codec (:func:`encode` / :func:`decode`) for what the library stores: DataFrames and Series (with their
``attrs``), numpy arrays and scalars, dicts (any JSON-able keys), lists, tuples, paths, and instances of
dataclasses the library registered with :func:`storable`. A class is looked up in that registry, never
imported by a name read from disk. Anything else is refused when the entry is written (:class:`TypeError`).

Each entry is a folder ``<name>-<key>/`` with ``entry.json`` (the encoded value and the sha256 of every
file); a damaged or unreadable entry is deleted and recomputed. Entries are written in a temporary folder
and renamed into place, so parallel kernels can share the cache. The cache is capped
(:data:`DEFAULT_MAX_BYTES`, or ``$TILLSAMMANS_CACHE_MB``): after a write the least recently used entries
are deleted until it fits.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import hashlib
import json
import math
import os
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from tillsammans import integrity, paths

T = TypeVar("T")

CACHE_DIR = "cache"
ENTRY = "entry.json"
FORMAT = 1
#: Default size cap of the cache folder, bytes (``$TILLSAMMANS_CACHE_MB`` overrides it).
DEFAULT_MAX_BYTES = 2 * 1024**3
#: Temporary folders older than this (seconds) are a killed writer's debris.
STALE_SECONDS = 3600.0

_TMP = ".tmp-"
_TRASH = ".trash-"
_STORABLE: dict[str, type] = {}


# -- which classes may be stored ----------------------------------------------------------------------


def storable(cls: type[T]) -> type[T]:
    """Class decorator: instances of this dataclass may be cached (their init fields, by the codec).

    Fields whose names start with ``_`` are left out and take their defaults when read back (memo tables,
    derived lookups).
    """
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__} is not a dataclass; only dataclasses can be registered for the cache")
    _STORABLE[_type_name(cls)] = cls
    return cls


def _type_name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


# -- the codec: a value ↔ JSON tree + arrays + frames ---------------------------------------------------


class _Writer:
    def __init__(self):
        self.arrays: dict[str, Any] = {}
        self.frames: list = []


def encode(value: Any, writer: _Writer) -> Any:
    """The JSON tree of ``value``; arrays and frames go to ``writer`` and are referred to by name."""
    import numpy as np
    import pandas as pd

    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic):
        if value.dtype.kind not in "biufU":
            raise TypeError(f"cannot cache a numpy scalar of dtype {value.dtype}")
        return {"$scalar": value.dtype.str, "value": encode(value.item(), writer)}
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, (list, tuple)):
        items = [encode(v, writer) for v in value]
        return items if isinstance(value, list) else {"$tuple": items}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: encode(v, writer) for k, v in value.items()}
        return {"$dict": [[encode(k, writer), encode(v, writer)] for k, v in value.items()]}
    if isinstance(value, Path):
        return {"$path": str(value)}
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise TypeError("cannot cache a numpy array of Python objects (it would need pickle)")
        name = f"a{len(writer.arrays)}"
        writer.arrays[name] = value
        return {"$array": name}
    if isinstance(value, pd.Series):
        index = len(writer.frames)
        writer.frames.append(value.to_frame(name="values").rename_axis(value.index.names))
        return {"$series": index, "name": encode(value.name, writer), "attrs": encode(dict(value.attrs), writer)}
    if isinstance(value, pd.DataFrame):
        if not all(isinstance(c, str) for c in value.columns):
            raise TypeError(f"cannot cache a DataFrame with non-text column names {list(value.columns)[:5]}")
        index = len(writer.frames)
        writer.frames.append(value)
        return {"$frame": index, "attrs": encode(dict(value.attrs), writer)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = _type_name(type(value))
        if _STORABLE.get(name) is not type(value):
            raise TypeError(f"{name} is not registered for the cache (decorate it with tillsammans.cache.storable)")
        fields = {f.name: encode(getattr(value, f.name), writer) for f in dataclasses.fields(value)
                  if f.init and not f.name.startswith("_")}
        return {"$dataclass": name, "fields": fields}
    raise TypeError(f"cannot cache a value of type {type(value).__module__}.{type(value).__qualname__}")


def decode(tree: Any, arrays, frames: list) -> Any:
    """The value of a JSON tree made by :func:`encode`, with its arrays and frames."""
    import numpy as np

    if isinstance(tree, list):
        return [decode(v, arrays, frames) for v in tree]
    if not isinstance(tree, dict):
        return tree
    if "$tuple" in tree:
        return tuple(decode(v, arrays, frames) for v in tree["$tuple"])
    if "$dict" in tree:
        return {_hashable(decode(k, arrays, frames)): decode(v, arrays, frames) for k, v in tree["$dict"]}
    if "$float" in tree:
        return float(tree["$float"])
    if "$scalar" in tree:
        return np.dtype(tree["$scalar"]).type(decode(tree["value"], arrays, frames))
    if "$path" in tree:
        return Path(tree["$path"])
    if "$array" in tree:
        return arrays[tree["$array"]]
    if "$frame" in tree:
        frame = frames[tree["$frame"]]
        frame.attrs = decode(tree["attrs"], arrays, frames)
        return frame
    if "$series" in tree:
        series = frames[tree["$series"]]["values"].rename(decode(tree["name"], arrays, frames))
        series.attrs = decode(tree["attrs"], arrays, frames)
        return series
    if "$dataclass" in tree:
        cls = _STORABLE.get(tree["$dataclass"])
        if cls is None:
            raise LookupError(f"{tree['$dataclass']} is not registered for the cache")
        return cls(**{k: decode(v, arrays, frames) for k, v in tree["fields"].items()})
    return {k: decode(v, arrays, frames) for k, v in tree.items()}


def _hashable(key):
    return tuple(_hashable(k) for k in key) if isinstance(key, list) else key


# -- entries on disk ------------------------------------------------------------------------------------


class DamagedEntry(Exception):
    """An entry that cannot be read back as written (missing file, checksum, format); it is recomputed."""


def write_entry(folder: Path, value: Any) -> int:
    """Write ``value`` as an entry into the new folder ``folder``; return its size in bytes."""
    import numpy as np

    writer = _Writer()
    tree = encode(value, writer)
    folder.mkdir(parents=True)
    files: dict[str, str | None] = {}
    if writer.arrays:
        np.savez(folder / "arrays.npz", **writer.arrays)
        files["arrays.npz"] = None
    for i, frame in enumerate(writer.frames):
        plain = frame.copy(deep=False)
        plain.attrs = {}  # attrs travel in the JSON tree, typed
        plain.to_parquet(folder / f"frame-{i}.parquet")
        files[f"frame-{i}.parquet"] = None
    files = {name: integrity.sha256(folder / name) for name in files}
    entry = {"format": FORMAT, "value": tree, "files": files}
    (folder / ENTRY).write_text(json.dumps(entry, ensure_ascii=False, allow_nan=False), encoding="utf-8")
    return sum(p.stat().st_size for p in folder.iterdir())


def read_entry(folder: Path) -> Any:
    """The value of an entry; :class:`DamagedEntry` if anything differs from what was written."""
    import numpy as np
    import pandas as pd

    try:
        entry = json.loads((folder / ENTRY).read_text(encoding="utf-8"))
        if entry.get("format") != FORMAT:
            raise DamagedEntry(f"format {entry.get('format')!r}, expected {FORMAT}")
        for name, expected in entry["files"].items():
            if Path(name).name != name or integrity.sha256(folder / name) != expected:
                raise DamagedEntry(f"{name}: checksum differs")
        arrays = {}
        if "arrays.npz" in entry["files"]:
            with np.load(folder / "arrays.npz", allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        frames = [pd.read_parquet(folder / f"frame-{i}.parquet")
                  for i in range(sum(n.startswith("frame-") for n in entry["files"]))]
        return decode(entry["value"], arrays, frames)
    except DamagedEntry:
        raise
    except Exception as exc:  # whatever is wrong with an entry, it is recomputed
        raise DamagedEntry(f"{type(exc).__name__}: {exc}") from exc


#: Entries this process read or wrote, with the size and modification time of each of their files: a
#: report kernel runs notebook after notebook and reads the same entries in each. A kept value is used only
#: while its files on disk are unchanged (a damaged or replaced entry is read again), and always as a copy,
#: so what one caller changes the next never sees.
_KEPT: OrderedDict[Path, tuple[tuple, Any]] = OrderedDict()
_KEPT_LOCK = threading.Lock()
KEPT_ENTRIES = 64


def _stamp(folder: Path) -> tuple | None:
    try:
        return tuple(sorted((f.name, st.st_size, st.st_mtime_ns) for f in folder.iterdir() for st in [f.stat()]))
    except OSError:
        return None


def _kept(folder: Path) -> Any:
    with _KEPT_LOCK:
        kept = _KEPT.get(folder)
    if kept is None or kept[0] != _stamp(folder):
        return None
    with contextlib.suppress(OSError):
        os.utime(folder / ENTRY)  # used now, as a read from disk would (least recently used entries go first)
    stamp = _stamp(folder)
    with _KEPT_LOCK:
        if stamp is not None and folder in _KEPT:
            _KEPT[folder] = (stamp, kept[1])
            _KEPT.move_to_end(folder)
    return copy.deepcopy(kept[1])


def _keep(folder: Path, value: Any) -> None:
    stamp = _stamp(folder)
    if stamp is None:
        return
    with _KEPT_LOCK:
        _KEPT[folder] = (stamp, copy.deepcopy(value))
        while len(_KEPT) > KEPT_ENTRIES:
            _KEPT.popitem(last=False)


def _discard(folder: Path) -> None:
    """Remove an entry folder: first renamed away (readers then miss it at once), then deleted."""
    trash = folder.with_name(f"{_TRASH}{folder.name}-{os.getpid()}-{time.monotonic_ns()}")
    try:
        os.rename(folder, trash)
    except OSError:
        return  # gone already (another process discarded or evicted it)
    shutil.rmtree(trash, ignore_errors=True)


def max_bytes() -> int:
    """The cache's size cap: ``$TILLSAMMANS_CACHE_MB`` megabytes, else :data:`DEFAULT_MAX_BYTES`."""
    text = os.environ.get("TILLSAMMANS_CACHE_MB")
    if not text:
        return DEFAULT_MAX_BYTES
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"TILLSAMMANS_CACHE_MB={text!r} is not a number of megabytes") from None
    if not value > 0 or not math.isfinite(value):
        raise ValueError(f"TILLSAMMANS_CACHE_MB={text!r} must be a positive number of megabytes")
    return int(value * 1024**2)


def evict(cache_dir: Path, limit: int, keep: Path | None = None) -> list[Path]:
    """Delete least recently used entries until the folder holds at most ``limit`` bytes (never ``keep``);
    also clears temporary folders left by killed writers. Returns the entries deleted."""
    if not cache_dir.is_dir():
        return []
    now = time.time()
    entries = []
    for item in cache_dir.iterdir():
        try:
            if item.name.startswith((_TMP, _TRASH)):
                if now - item.stat().st_mtime > STALE_SECONDS:
                    shutil.rmtree(item, ignore_errors=True)
                continue
            if not item.is_dir():  # e.g. a pickle of the former cache format: never read, only removed
                item.unlink()
                continue
            used = (item / ENTRY).stat().st_mtime
            size = sum(p.stat().st_size for p in item.iterdir())
        except OSError:
            continue  # removed meanwhile by another process
        entries.append((used, size, item))
    total = sum(size for _, size, _ in entries)
    removed = []
    for _, size, item in sorted(entries, key=lambda e: e[0]):
        if total <= limit:
            break
        if keep is not None and item == keep:
            continue
        _discard(item)
        total -= size
        removed.append(item)
    return removed


# -- the cache ------------------------------------------------------------------------------------------


def _manifest_hashes(processed_dir: Path) -> str:
    manifest = processed_dir / "manifest.json"
    tables = json.loads(manifest.read_text(encoding="utf-8")).get("tables", {})
    return json.dumps({k: v["sha256"] for k, v in sorted(tables.items())})


def files_hash(folder: Path) -> str:
    """Hash of the files in a folder (e.g. the user's local extracts in data/raw/local); '' when absent."""
    if not folder.is_dir():
        return ""
    digest = hashlib.sha256()
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(file.relative_to(folder)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def source_hash(modules: Iterable[str]) -> str:
    """Hash of the source files of the given modules or packages (e.g. ``"tillsammans.population"``)."""
    import importlib.util

    digest = hashlib.sha256()
    for name in sorted(modules):
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise ModuleNotFoundError(name)
        origin = Path(spec.origin)
        files = sorted(origin.parent.rglob("*.py")) if origin.name == "__init__.py" else [origin]
        for file in files:
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def cached(
    name: str,
    compute: Callable[[], T],
    modules: Iterable[str],
    parameters: dict[str, Any] | None = None,
    processed_dir: Path | None = None,
    enabled: bool = True,
) -> T:
    """Return ``compute()``, from the disk cache when an entry with the same key exists.

    Parameters
    ----------
    name : str
        A readable prefix for the entry's folder name.
    compute : callable
        Builds the value: made of what :func:`encode` stores (a :class:`TypeError` names anything else).
    modules : names
        Modules whose source the value depends on.
    parameters : dict
        The call's parameters (JSON-serialisable).
    enabled : bool
        ``False`` computes without reading or writing the cache.
    """
    processed_dir = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    if not enabled or not (processed_dir / "manifest.json").exists():
        # Inputs that do not come from a built data folder (e.g. synthetic test data) are never cached.
        return compute()
    digest = hashlib.sha256()
    digest.update(_manifest_hashes(processed_dir).encode())
    digest.update(source_hash(modules).encode())
    digest.update(json.dumps(parameters or {}, sort_keys=True, default=str).encode())
    cache_dir = processed_dir / CACHE_DIR
    target = cache_dir / f"{name}-{digest.hexdigest()[:20]}"
    kept = _kept(target)
    if kept is not None:
        return kept
    if (target / ENTRY).exists():
        try:
            value = read_entry(target)
        except DamagedEntry:
            _discard(target)
        else:
            with contextlib.suppress(OSError):
                os.utime(target / ENTRY)  # used now: least recently used entries go first
            _keep(target, value)
            return value
    value = compute()
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f"{_TMP}{name}-", dir=cache_dir))
    except OSError:
        return value  # a read-only data folder still works, only slower
    try:
        write_entry(staging / "entry", value)
        os.rename(staging / "entry", target)
        _keep(target, value)
    except OSError:
        pass  # written meanwhile by another kernel (the folder exists), or the disk is full
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    evict(cache_dir, max_bytes(), keep=target)
    return value


__all__ = ["CACHE_DIR", "DEFAULT_MAX_BYTES", "DamagedEntry", "cached", "decode", "encode", "evict", "files_hash",
           "max_bytes", "read_entry", "source_hash", "storable", "write_entry"]
