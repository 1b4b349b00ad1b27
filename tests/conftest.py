"""Shared fixtures.

The data tests read the real processed tables (built by ``make data`` from the offline mirror or the
official APIs). When they are missing, the session builds them once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tillsammans import data, paths

#: Fixtures that execute notebooks; a test using one runs notebooks whatever its own markers say.
NOTEBOOK_FIXTURES = frozenset({"rendered", "rendered_all"})


def pytest_collection_modifyitems(config, items):
    """Mark every nbval item (a cell of a notebook under ``notebooks/``) and every test that renders a
    notebook as ``notebooks``, so that ``make test-fast`` (``-m "not notebooks and not browser"``) runs
    none."""
    for item in items:
        if item.path.suffix == ".ipynb" or NOTEBOOK_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.notebooks)


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


@pytest.fixture(scope="session")
def rendered(tmp_path_factory, processed_dir):
    """01_population rendered for Älvkarleby (0319) into a temporary reports folder, through a process
    pool handed to the runner from outside (the executor seam a Dask cluster would use)."""
    import concurrent.futures as cf
    import multiprocessing as mp

    from tillsammans.municipalities import registry
    from tillsammans.reports import runner

    reports = tmp_path_factory.mktemp("reports")
    notebook = paths.notebooks_dir() / "01_population.ipynb"
    jobs = runner.plan(["0319"], None, notebooks=[notebook], registry=registry())
    with cf.ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn")) as pool:
        results = runner.run_jobs(jobs, reports=reports, executor=pool, progress=False)
    return reports, jobs, results


@pytest.fixture(scope="session")
def rendered_all(tmp_path_factory, processed_dir):
    """Every notebook rendered for Tierp (0360) and the network, with the front page, the glossary and the
    navigation bars, into a temporary reports folder: what a reader of one municipality sees."""
    from tillsammans.municipalities import NETWORK, registry
    from tillsammans.reports import runner
    from tillsammans.reports.index import write_index

    reports = tmp_path_factory.mktemp("reports_all")
    jobs = runner.plan(["0360"], list(NETWORK), registry=registry())
    results = runner.run_jobs(jobs, reports=reports, n_jobs=2, progress=False)
    failed = [r for r in results if r.status != "ok"]
    assert not failed, runner.summary(results)
    write_index(reports)
    return reports
