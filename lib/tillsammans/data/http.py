"""JSON over HTTP for the download code: rate limit, bounded retries, timeouts and a deadline per table.

Both official APIs (SCB PxWeb in :mod:`~tillsammans.data.pxweb_source`, Kolada in
:mod:`~tillsammans.data.kolada_source`) go through one :class:`HttpClient` each, built on an injectable
:class:`requests.Session` so that tests need no network.

Time limits, so that a dead or silent server fails in about a minute instead of stalling a build:

* every request has a *connect* timeout (no TCP connection within it) and a *read* timeout (no byte from
  the server within it);
* a timed-out request is retried at most ``timeout_retries`` times (a server that accepted the connection
  and said nothing once rarely answers the next time), other transient failures (HTTP 429, 5xx, a refused
  or reset connection) up to ``max_attempts``;
* :meth:`HttpClient.deadline` sets a total budget for everything a block does (one table: every page,
  every chunk, every retry and its back-off); the body is read in chunks so that a server that trickles
  bytes cannot stretch it either.

When the service cannot be reached at all, the message names the offline mirror (``--mirror PATH`` or
``TILLSAMMANS_MIRROR``), the way to build without internet.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import requests

log = logging.getLogger(__name__)

#: SCB's published limit for PxWeb: 30 calls per 10 seconds per IP address.
SCB_MAX_CALLS = 30
SCB_WINDOW_S = 10.0

#: HTTP statuses worth retrying: rate limited or a server-side failure.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

#: Default limits in seconds (see the module docstring).
CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 30.0
TABLE_DEADLINE_S = 900.0

#: How to build without internet; every "cannot reach the service" message ends with it.
OFFLINE_HINT = ("Without internet, build from the offline mirror instead: "
                "`python -m tillsammans data --mirror PATH` or set TILLSAMMANS_MIRROR=PATH "
                "(see README, Data).")

_CHUNK_BYTES = 64 * 1024


class DownloadError(RuntimeError):
    """A download failed; the message names the table or endpoint, the cause and what to do."""


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

    def adopt(self, max_calls: int, window: float) -> None:
        """Follow the limit a service publishes about itself (PxWeb's ``/config``), which is authoritative.

        SCB's API v2 answers ``maxCallsPerTimeWindow`` 3 per ``timeWindow`` 1 s (recorded June 2026),
        stricter in bursts than the 30 per 10 s of its older documentation.
        """
        if max_calls < 1 or window <= 0:
            raise ValueError(f"need max_calls >= 1 and window > 0, got {max_calls=} {window=}")
        with self._lock:
            self.max_calls = int(max_calls)
            self.window = float(window)

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


class _DeadlineExceeded(Exception):
    pass


class HttpClient:
    """JSON over HTTP with a rate limit, bounded retries, timeouts and an optional total deadline.

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
    connect_timeout, read_timeout : float
        Seconds to open the connection, and seconds of silence from the server, per request.
    timeout_retries : int
        How often a timed-out request is retried (within ``max_attempts``).
    clock, sleep : callable
        Monotonic clock and sleep, injectable for tests.
    """

    def __init__(
        self,
        session: requests.Session | None = None,
        limiter: RateLimiter | None = None,
        *,
        max_attempts: int = 5,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        connect_timeout: float = CONNECT_TIMEOUT_S,
        read_timeout: float = READ_TIMEOUT_S,
        timeout_retries: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
        if connect_timeout <= 0 or read_timeout <= 0:
            raise ValueError(f"timeouts must be positive, got {connect_timeout=} {read_timeout=}")
        if timeout_retries < 0:
            raise ValueError(f"timeout_retries must be >= 0, got {timeout_retries}")
        self.session = session if session is not None else requests.Session()
        self.limiter = limiter if limiter is not None else RateLimiter()
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.connect_timeout = float(connect_timeout)
        self.read_timeout = float(read_timeout)
        self.timeout_retries = timeout_retries
        self._clock = clock
        self._sleep = sleep
        self._deadline: float | None = None
        self._budget = ""

    @property
    def timeout(self) -> float:
        """The longer of the two per-request timeouts (what pxwebpy's transport reports)."""
        return max(self.connect_timeout, self.read_timeout)

    @contextlib.contextmanager
    def deadline(self, seconds: float | None, what: str = "") -> Iterator[None]:
        """Limit the total time of every request made inside the block to ``seconds`` (None: no limit).

        Raises
        ------
        DownloadError
            From the request that runs out of time, naming ``what`` and the limit.
        """
        if seconds is not None and seconds <= 0:
            raise ValueError(f"a deadline must be positive, got {seconds}")
        outer = self._deadline, self._budget
        if seconds is not None:
            end = self._clock() + seconds
            self._deadline = end if self._deadline is None else min(end, self._deadline)
            self._budget = f"{what or 'this download'} ({seconds:g} s)"
        try:
            yield
        finally:
            self._deadline, self._budget = outer

    def get_json(self, url: str, *, params: Mapping[str, Any] | None = None, what: str = "") -> Any:
        return self.request_json("GET", url, params=params, what=what)

    def post_json(
        self, url: str, body: Any, *, params: Mapping[str, Any] | None = None, what: str = ""
    ) -> Any:
        return self.request_json("POST", url, params=params, body=body, what=what)

    def _remaining(self) -> float | None:
        return None if self._deadline is None else self._deadline - self._clock()

    def _out_of_time(self, label: str, method: str, url: str, last: str) -> DownloadError:
        cause = f"; last error: {last}" if last else ""
        return DownloadError(
            f"{label}{method} {url} stopped: the time limit for {self._budget} ran out{cause}. "
            f"The service is too slow or not answering. {OFFLINE_HINT}"
        )

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
            On a non-retryable HTTP error, a non-JSON answer, after ``max_attempts`` failures, after
            ``timeout_retries`` + 1 timeouts, or when the deadline runs out; the message starts with
            ``what`` (the table being fetched) and the URL.
        """
        label = f"{what}: " if what else ""
        last = ""
        timeouts = 0
        unreachable = False
        for attempt in range(1, self.max_attempts + 1):
            remaining = self._remaining()
            if remaining is not None and remaining <= 0:
                raise self._out_of_time(label, method, url, last)
            self.limiter.acquire()
            connect, read = self.connect_timeout, self.read_timeout
            if remaining is not None:
                connect, read = min(connect, remaining), min(read, remaining)
            retry_after = None
            try:
                response = self.session.request(method, url, params=params, json=body,
                                                timeout=(connect, read), stream=True)
                status = response.status_code
                if 200 <= status < 300:
                    payload = _read_body(response, self._deadline, self._clock)
            except _DeadlineExceeded:
                raise self._out_of_time(label, method, url, "the answer was still arriving") from None
            except requests.Timeout as exc:
                timeouts += 1
                kind = "connect" if isinstance(exc, requests.ConnectTimeout) else "read"
                limit = connect if kind == "connect" else read
                last = (f"no connection within {limit:g} s" if kind == "connect" else
                        f"the server accepted the connection but sent nothing for {limit:g} s")
                unreachable = unreachable or kind == "connect"
                if timeouts > self.timeout_retries:
                    break
            except requests.ConnectionError as exc:
                last = f"{type(exc).__name__}: {exc}"
                unreachable = True
            else:
                if 200 <= status < 300:
                    try:
                        return json.loads(payload)
                    except ValueError as exc:
                        raise DownloadError(
                            f"{label}{method} {url} answered {status} but not with JSON ({exc})"
                        ) from exc
                last = f"HTTP {status} {getattr(response, 'reason', '')}".rstrip()
                unreachable = False
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
            remaining = self._remaining()
            if remaining is not None and delay >= remaining:
                raise self._out_of_time(label, method, url, last)
            log.info("%s%s %s: %s; retry %d/%d in %.1f s", label, method, url, last, attempt,
                     self.max_attempts - 1, delay)
            self._sleep(delay)
        tries = f"{attempt} attempt{'s' if attempt > 1 else ''}"
        if unreachable or timeouts:
            raise DownloadError(f"{label}{method} {url} gave up after {tries}: {last}. Is there a connection "
                                f"to the internet? {OFFLINE_HINT}")
        raise DownloadError(
            f"{label}{method} {url} gave up after {tries}; last error: {last}. "
            f"The service may be down or rate limiting; try again later. {OFFLINE_HINT}"
        )


def _read_body(response: Any, deadline: float | None, clock: Callable[[], float]) -> bytes:
    """The response body, read piece by piece so that a deadline also stops a server that trickles bytes.

    ``iter_content`` waits until a whole chunk has arrived, which a trickling server can stretch without
    end; urllib3's ``read1`` returns whatever one socket read brings.
    """
    raw = getattr(response, "raw", None)
    if raw is not None and hasattr(raw, "read1"):
        pieces: Iterator[bytes] = iter(lambda: raw.read1(_CHUNK_BYTES, decode_content=True), b"")
    else:
        pieces = response.iter_content(_CHUNK_BYTES)
    chunks = []
    for chunk in pieces:
        chunks.append(chunk)
        if deadline is not None and clock() > deadline:
            response.close()
            raise _DeadlineExceeded
    return b"".join(chunks)


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
