"""A disk cache for derived model inputs, so a report build computes them once, not once per notebook.

Every notebook runs in its own kernel; without a shared cache each one would re-read the national tables
and rebuild life tables and rates (seconds each). Entries live in ``data/processed/cache/`` and are keyed on
the processed data (the manifest's hashes), the source of the modules that compute them and the call's own
parameters, so a rebuilt data folder or a changed model never reuses a stale entry. Deleting the folder is
always safe. Writes are atomic (temporary name, then rename), so parallel kernels can share it.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from tillsammans import paths

T = TypeVar("T")

CACHE_DIR = "cache"


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
        A readable prefix for the file name.
    compute : callable
        Builds the value (must be picklable).
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
    folder = processed_dir / CACHE_DIR
    target = folder / f"{name}-{digest.hexdigest()[:20]}.pkl"
    if target.exists():
        try:
            with open(target, "rb") as fh:
                return pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            pass  # a damaged or outdated entry is rebuilt below
    value = compute()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}-", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
    except OSError:
        pass  # a read-only data folder still works, only slower
    return value
