"""One call that renders the study: plan the jobs, run them, write the index, fail loudly."""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Sequence
from pathlib import Path

from tillsammans import atomic, paths
from tillsammans.municipalities import NETWORK
from tillsammans.reports.index import INDEX_KEY, index_is_current, index_key, prepare_index, write_index
from tillsammans.reports.runner import (
    DEFAULT_TIMEOUT,
    ReportError,
    Result,
    _short_error,
    build_lock,
    inputs_fingerprint,
    plan,
    run_jobs,
    summary,
)

#: The words ``--municipalities`` understands besides codes and names.
SELECTIONS = ("default", "all", "network")


def select_municipalities(selection: str | Sequence[str] | None, registry,
                          network: str | Sequence[str] | None = None) -> tuple[list[str], list[str] | None]:
    """Translate the CLI's ``--municipalities`` (and ``--network``) into (municipalities, network members).

    ``None`` or ``"default"``: the seven and the network report; ``"all"``: all 290 (and the network);
    ``"network"``: only the network report; otherwise a comma-separated list of codes or names (no network
    report unless ``network`` names its members). ``network``: the members of the network report, codes
    or names separated by commas (default: the seven of C-Tillsammans).
    """
    members = (registry.resolve_many(network, level="municipality", min_count=2) if network is not None
               else list(NETWORK))
    if selection is None:
        return list(NETWORK), members
    if isinstance(selection, str):
        word = selection.strip().casefold()
        if not word.strip(",; "):
            raise ReportError(f"--municipalities is empty; give {', '.join(SELECTIONS)}, or codes or names "
                              "separated by commas (e.g. 0319,Heby)")
        if word == "default":
            return list(NETWORK), members
        if word == "all":
            return registry.municipalities(), members
        if word == "network":
            return [], members
        selection = [s for s in selection.replace(";", ",").split(",") if s.strip()]
    return registry.resolve_many(selection, level="municipality"), (members if network is not None else None)


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
    network: str | Sequence[str] | None = None,
    verify: bool = False,
) -> list[Result]:
    """Render the reports and the index; raise :class:`ReportError` naming every failed job.

    ``executor`` runs the notebooks elsewhere (e.g. ``dask.distributed.Client(...).get_executor()``);
    ``timeout`` is the seconds one notebook may take; see :func:`~tillsammans.reports.runner.run_jobs`.
    ``network`` names the network report's members (default the seven); ``verify`` hashes every processed
    file before the build. The summary of the jobs is printed, or is the error's message, whatever failed.
    """
    from tillsammans.municipalities import registry as load_registry

    registry = load_registry()
    codes, members = select_municipalities(municipalities, registry, network)
    jobs = plan(codes, members, notebooks=notebooks, extra_parameters=parameters, registry=registry)
    reports = Path(reports) if reports is not None else paths.reports_dir()
    with build_lock(reports):
        results = run_jobs(jobs, reports=reports, n_jobs=n_jobs, force=force, executor=executor,
                           progress=progress, timeout=timeout, verify=verify, meanwhile=prepare_index)
        index_error = ""
        # With every report unchanged and the front page made from the same reports, library and data, writing
        # it again would write the same files: skipped (drawing its chart alone takes seconds).
        key = index_key(reports, inputs_fingerprint())
        if not (all(r.status == "cached" for r in results) and index_is_current(reports, key)):
            (reports / INDEX_KEY).unlink(missing_ok=True)
            try:
                write_index(reports)
            except Exception as exc:  # noqa: BLE001 - the reports are published; say what failed, with the summary
                index_error = f"  index not written: {_short_error(exc)} (reports/index.html unchanged)"
            else:
                (reports / INDEX_KEY).parent.mkdir(parents=True, exist_ok=True)
                atomic.write_text(reports / INDEX_KEY, key + "\n")
    text = summary(results) + (f"\n{index_error}" if index_error else "")
    if index_error or any(r.status == "failed" for r in results):
        raise ReportError(text)
    print(text)
    return results
