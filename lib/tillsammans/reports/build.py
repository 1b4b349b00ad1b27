"""One call that renders the study: plan the jobs, run them, write the index, fail loudly."""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Sequence
from pathlib import Path

from tillsammans import paths
from tillsammans.municipalities import NETWORK
from tillsammans.reports.index import write_index
from tillsammans.reports.runner import DEFAULT_TIMEOUT, ReportError, Result, plan, run_jobs, summary


def select_municipalities(selection: str | Sequence[str] | None, registry) -> tuple[list[str], list[str] | None]:
    """Translate the CLI's ``--municipalities`` into (municipalities, network members).

    ``None`` or ``"default"``: the seven and the network report; ``"all"``: all 290 (and the network);
    ``"network"``: only the network report; otherwise a comma-separated list of codes or names.
    """
    if selection is None or selection == "default":
        return list(NETWORK), list(NETWORK)
    if isinstance(selection, str):
        if selection == "all":
            return registry.municipalities(), list(NETWORK)
        if selection == "network":
            return [], list(NETWORK)
        selection = [s for s in selection.split(",") if s.strip()]
    return registry.resolve_many(selection, level="municipality"), None


def build_reports(
    municipalities: str | Sequence[str] | None = None,
    n_jobs: int | None = None,
    force: bool = False,
    executor: cf.Executor | None = None,
    notebooks: Sequence[str | Path] | None = None,
    parameters: dict | None = None,
    reports: Path | None = None,
    progress: bool = True,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> list[Result]:
    """Render the reports and the index; raise :class:`ReportError` naming every failed job.

    ``executor`` runs the notebooks elsewhere (e.g. ``dask.distributed.Client(...).get_executor()``);
    ``timeout`` is the seconds one notebook may take; see :func:`~tillsammans.reports.runner.run_jobs`.
    """
    from tillsammans.municipalities import registry as load_registry

    registry = load_registry()
    codes, network = select_municipalities(municipalities, registry)
    jobs = plan(codes, network, notebooks=notebooks, extra_parameters=parameters, registry=registry)
    reports = Path(reports) if reports is not None else paths.reports_dir()
    results = run_jobs(jobs, reports=reports, n_jobs=n_jobs, force=force, executor=executor, progress=progress,
                       timeout=timeout)
    write_index(reports)
    text = summary(results)
    if any(r.status == "failed" for r in results):
        raise ReportError(text)
    print(text)
    return results
