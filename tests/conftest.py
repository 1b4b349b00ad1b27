"""Shared fixtures.

The data tests read the real processed tables (built by ``make data`` from the offline mirror or the
official APIs). When they are missing, the session builds them once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tillsammans import data, paths


@pytest.fixture(scope="session")
def processed_dir() -> Path:
    target = paths.processed_dir()
    if not (target / "manifest.json").exists():
        if not (paths.raw_dir() / "regions.csv").exists():
            if paths.mirror_dir() is None:
                pytest.skip("no processed data and no offline mirror; run `make data` online first")
            data.fill_raw()
        data.build_processed()
    return target


@pytest.fixture(scope="session")
def registry(processed_dir):
    from tillsammans.municipalities import registry as load

    return load(processed_dir / "regions.parquet")
