"""Where the project's files live.

The project root is found from the package location (``lib/tillsammans`` → root), unless
``TILLSAMMANS_HOME`` names another root (tests point it at a temporary copy). Every function that reads
or writes data takes an explicit directory argument too; these are only the defaults.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The project root: ``$TILLSAMMANS_HOME`` or the folder holding ``lib/``."""
    env = os.environ.get("TILLSAMMANS_HOME")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[2]


def raw_dir() -> Path:
    """``data/raw``: official statistics as downloaded or copied from the mirror."""
    return project_root() / "data" / "raw"


def processed_dir() -> Path:
    """``data/processed``: validated parquet tables and ``manifest.json``."""
    return project_root() / "data" / "processed"


def reference_dir() -> Path:
    """``data/reference``: curated fact tables committed with the project (cooperation)."""
    return project_root() / "data" / "reference"


def local_dir() -> Path:
    """``data/raw/local``: a municipality's own extracts (HR data), optional."""
    return raw_dir() / "local"


def reports_dir() -> Path:
    """``reports``, or ``$TILLSAMMANS_REPORTS`` (benchmarks and tests render elsewhere)."""
    env = os.environ.get("TILLSAMMANS_REPORTS")
    return Path(env) if env else project_root() / "reports"


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def mirror_dir() -> Path | None:
    """The offline mirror: ``$TILLSAMMANS_MIRROR``, else ``../shared/data`` beside the project if present."""
    env = os.environ.get("TILLSAMMANS_MIRROR")
    if env:
        path = Path(env)
        if not path.is_dir():
            raise FileNotFoundError(f"TILLSAMMANS_MIRROR={env} is not a directory")
        return path
    default = project_root().parent / "shared" / "data"
    return default if default.is_dir() else None
