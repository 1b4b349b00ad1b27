"""SCB tables through the PxWeb API v2 (``https://statistikdatabasen.scb.se/api/v2``) with ``pxwebpy``.

``pxwebpy`` builds the queries, splits a selection above the API's cell limit (``maxDataCells`` from
``/config``, 150 000 at SCB) into several queries, and unpacks the JSON-stat2 answers. Its own client has no
injectable session, no retry on 5xx or dropped connections and a clock that tests cannot control, so
:func:`make_pxapi` hands a :class:`pxweb.PxApi` our :class:`~tillsammans.data.download.HttpClient` as its
transport (same ``call`` interface as ``pxweb._internal.client.Client``; checked against pxwebpy 0.6.0 by
the tests, which go through ``PxApi.get_table_data``).

Each catalogue table is described by an :class:`ScbTable`: which PxWeb table, which contents code(s), which
regions, years and ages, and how the codes map to the tidy schema. Table ids SCB's v2 API uses (``TAB638``)
are not the v1 names (``BefolkningNy``); ids this project could not confirm are marked ``verified=False``
and are checked at run time against the table's metadata (contents codes and variables). A table whose id
is unknown or fails the check is looked up with the API's table search, and the download stops with a
clear error when the search does not give exactly one matching table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pxweb import PxApi

from tillsammans.data.catalog import MOTHER_AGES, TABLES
from tillsammans.data.http import DownloadError, HttpClient

#: PxWeb API v2 of Statistics Sweden (the URL pxwebpy uses for ``PxApi("scb")``).
SCB_API = "https://statistikdatabasen.scb.se/api/v2"

#: SCB's sex codes (variable ``Kon``).
SEX_CODES = {"1": "male", "2": "female"}

#: Codes SCB uses for totals in classification variables besides those starting with "tot" (``TotSa`` for
#: sex and ``TotSA`` for age in the API v2 tables, ``tot``, ``totalt``, ``tot1``); never summed with their
#: parts.
TOTAL_CODES = frozenset({"1+2", "t"})

#: The note SCB attaches to tables perturbed with the Cell Key Method (from reference year 2025): parts need
#: not add up to the published totals. Matched in the table's ``note`` (see :func:`cell_key_year`).
CELL_KEY_NOTE = re.compile(r"Från och med referensåret (\d{4}).*?Cell Key Method", re.DOTALL)

#: BE0101E2 mother's age codes → the mirror's labels (``<15``, ``15``…``48``, ``49+``, ``no information``).
MOTHER_AGE_CODES = {"-14": "<15", "us": "no information", "49+": "49+"}


@dataclass(frozen=True)
class ScbTable:
    """How one catalogue table is fetched from PxWeb and mapped to the tidy schema.

    Attributes
    ----------
    name : str
        Catalogue table name (:data:`tillsammans.data.catalog.TABLES`).
    table_id : str or None
        PxWeb v2 table id (``"TAB638"``); None when not known (found by ``search``).
    verified : bool
        Whether the id was confirmed from a published source; unverified ids are also checked at run time.
    values : dict
        Output column → contents code (``"BE0101N1"``) or ``"label:<regex>"`` matched against the
        contents labels (for tables whose codes are not known).
    region : {"municipality", "county", "country"}
        Which regions to fetch (codes filtered against the region list); a table without a ``Region``
        variable is national and gets ``region_code`` ``"00"``.
    first_year, last_year : int or None
        Year range (``Tid``); None = from the first / to the latest published.
    age : {"single", "mother", "int", None}
        ``single``: ``age`` 0..``age_max`` with ``age_max`` = open top (older single years and ``N+`` are
        summed into it); ``int``: integer ages kept only within ``age_min``..``age_max``;
        ``mother``: BE0101E2's mother's age categories as strings.
    age_column : str
        Output column for the age (``age`` or ``mother_age``).
    sex_column : str or None
        Output column for ``Kon`` (``sex``, ``child_sex``) or None to eliminate sex.
    sum_over : tuple of str
        Variables fetched in full (without total codes) and summed client-side (``Civilstand``).
    search : str
        Search words for the API's table search when the id is unknown or wrong.
    scale : float
        Multiplier applied to the values (unit conversion, e.g. per 1000 → per person).
    max_value : float or None
        Largest plausible value after ``scale`` (1 for probabilities and rates per person); a larger one
        means the unit is not what the spec assumes, and the download stops instead of writing it.
    """

    name: str
    table_id: str | None
    verified: bool
    values: dict[str, str]
    region: str
    first_year: int | None = None
    last_year: int | None = None
    age: str | None = "single"
    age_column: str = "age"
    age_min: int = 0
    age_max: int = 100
    sex_column: str | None = "sex"
    sum_over: tuple[str, ...] = ()
    search: str = ""
    scale: float = 1.0
    max_value: float | None = None


_POP = {"population": "BE0101N1"}

#: The SCB tables of the catalogue. Verified ids: TAB638 (BE0101N1; pxwebpy's own documentation),
#: TAB960 (BE0101D9) and TAB1264 (BE0101E2) (a public project's notes verified against SCB v2 metadata).
#: All other ids are unknown here and resolved by search at run time; see the module docstring.
SCB_TABLES: dict[str, ScbTable] = {
    t.name: t
    for t in [
        ScbTable("population_municipality_age_sex", "TAB638", True, _POP, "municipality", first_year=2019,
                 sum_over=("Civilstand",), search="Folkmängden efter region, civilstånd, ålder och kön"),
        ScbTable("population_municipality_total", None, False, {"population": "label:(?i)folkmängd"},
                 "municipality", first_year=1950, last_year=2019, age=None, sex_column=None,
                 search="Folkmängd i riket, län och kommuner 1950"),
        ScbTable("population_municipality_total_recent", None, False, {"population": "BE0101N1"},
                 "municipality", first_year=2020, age=None, sex_column=None, sum_over=("Civilstand",),
                 search="Folkmängden efter region, civilstånd, ålder och kön"),
        ScbTable("population_county_age_sex", "TAB638", True, _POP, "county", first_year=1968,
                 sum_over=("Civilstand",), search="Folkmängden efter region, civilstånd, ålder och kön"),
        ScbTable("deaths_county_age_sex", "TAB960", True, {"deaths": "BE0101D9"}, "county", first_year=1968,
                 search="Döda efter region, ålder och kön"),
        ScbTable("births_county_mother_age", "TAB1264", True, {"births": "BE0101E2"}, "county",
                 first_year=1968, age="mother", age_column="mother_age", sex_column="child_sex",
                 search="Levande födda efter region, moderns ålder och barnets kön"),
        ScbTable("population_sweden_age_sex", None, False, {"population": "0000053A"}, "country",
                 first_year=1860, search="Folkmängd efter ålder och kön 1860"),
        ScbTable("deaths_sweden_age_sex", "TAB960", True, {"deaths": "BE0101D9"}, "country", first_year=1968,
                 search="Döda efter region, ålder och kön"),
        ScbTable("mean_population_sweden_age_sex", None, False, {"mean_population": "BE0101A5"}, "country",
                 first_year=1969, search="Medelfolkmängd efter region, ålder och kön"),
        ScbTable("projection_fertility_rates_sweden", None, False,
                 {"fertility_rate": "label:(?i)fruktsamhet|fertilitet"}, "country", age="int",
                 age_column="mother_age", age_min=16, age_max=48, sex_column=None, max_value=1.0,
                 search="framskrivning antaganden fruktsamhet"),
        ScbTable("projection_death_risks_sweden", None, False, {"death_risk": "label:(?i)dödsrisk"},
                 "country", age="int", age_min=0, age_max=99, max_value=1.0,
                 search="framskrivning antaganden dödsrisker"),
        ScbTable("projection_population_deaths_sweden", None, False,
                 {"projected_deaths": "label:(?i)^döda",
                  "projected_mean_population": "label:(?i)medelfolkmängd"},
                 "country", first_year=2026, age_max=105,
                 search="framskrivning döda medelfolkmängd födelseregion"),
    ]
}


# -- transport --------------------------------------------------------------------------------------


class _PxTransport:
    """Duck-typed stand-in for ``pxweb._internal.client.Client`` that sends through :class:`HttpClient`.

    pxwebpy reads ``configuration`` (``maxDataCells``), ``params`` (``lang``), ``session.settings.disabled``
    and calls ``call(endpoint, query=None, params=None, ...)``; nothing else.
    """

    class _Settings:
        disabled = True  # no response cache: every answer is fresh and rate limited

    class _Session:
        def __init__(self) -> None:
            self.settings = _PxTransport._Settings()

    def __init__(self, http: HttpClient, url: str = SCB_API, language: str = "sv") -> None:
        self.http = http
        self.url = url
        self.timeout = http.timeout
        self.session = self._Session()
        self.params: dict[str, str | None] = {"lang": language}
        self.what = "SCB PxWeb"
        self.configuration = self.call("/config")
        for key in ("maxDataCells",):
            if not isinstance(self.configuration, dict) or key not in self.configuration:
                raise DownloadError(f"SCB PxWeb /config lacks '{key}'; is {url} a PxWeb API v2?")
        calls, window = self.configuration.get("maxCallsPerTimeWindow"), self.configuration.get("timeWindow")
        if isinstance(calls, int) and calls > 0 and isinstance(window, (int, float)) and window > 0:
            http.limiter.adopt(calls, window)

    def call(self, endpoint: str, query: dict[str, Any] | None = None, params: dict[str, str] | None = None,
             max_retries: int = 3, enforce_rate_limit: bool = True) -> Any:
        merged = {k: v for k, v in {**self.params, **(params or {})}.items() if v is not None}
        if endpoint.endswith("/data"):
            merged["outputFormat"] = "json-stat2"
        url = self.url + endpoint
        if query:
            return self.http.post_json(url, query, params=merged, what=self.what)
        return self.http.get_json(url, params=merged, what=self.what)


def make_pxapi(http: HttpClient, url: str = SCB_API, language: str = "sv") -> PxApi:
    """A :class:`pxweb.PxApi` whose HTTP goes through ``http`` (rate limit, retries, injectable session).

    Sequential (``max_workers=1``): the rate limit, not parallelism, bounds SCB throughput.
    """
    api = PxApi.__new__(PxApi)  # PxApi.__init__ would open its own session and call the API at once
    api._client = _PxTransport(http, url, language)  # type: ignore[assignment]  # duck-typed Client
    api.number_of_tables = None
    api._max_workers = 1
    return api


# -- table resolution -------------------------------------------------------------------------------


def _contents(variables: dict[str, Any]) -> dict[str, str]:
    return dict(variables.get("ContentsCode", {}).get("category", {}).get("label", {}))


def match_values(spec: ScbTable, variables: dict[str, Any], *, reach_back: bool = False) -> dict[str, str]:
    """Map each output column of ``spec`` to one contents code of the table, or raise ``LookupError``.

    With ``reach_back`` (used for search hits) the table must also start no later than ``first_year``,
    which tells e.g. the 1950– municipal totals from the 1968– population table.
    """
    contents = _contents(variables)
    out = {}
    for column, selector in spec.values.items():
        if selector.startswith("label:"):
            pattern = re.compile(selector[len("label:"):])
            hits = [code for code, label in contents.items() if pattern.search(label)]
        else:
            hits = [selector] if selector in contents else []
        if len(hits) != 1:
            raise LookupError(
                f"column '{column}' needs one contents code matching {selector!r}; the table has "
                f"{contents or 'no ContentsCode variable'}"
            )
        out[column] = hits[0]
    if reach_back and spec.first_year is not None and "Tid" in variables:
        years = [p.year for c in variables["Tid"]["category"]["label"] if (p := parse_period(c)) is not None]
        if not years or min(years) > spec.first_year:
            span = f"{min(years, default=None)}–{max(years, default=None)}"
            raise LookupError(f"years {span} do not reach back to {spec.first_year}")
    if spec.age is not None and _age_variable(spec, variables) is None:
        raise LookupError(f"no age variable; variables are {list(variables)}")
    if spec.sex_column is not None and "Kon" not in variables:
        raise LookupError(f"no 'Kon' (sex) variable; variables are {list(variables)}")
    if spec.region != "country" and "Region" not in variables:
        raise LookupError(f"no 'Region' variable; variables are {list(variables)}")
    return out


def _age_variable_of(spec: ScbTable, variables: dict[str, Any]) -> str:
    """The age variable of a table that :func:`match_values` accepted (it checks there is one)."""
    var = _age_variable(spec, variables)
    if var is None:
        raise DownloadError(f"{spec.name}: no age variable among {list(variables)}")
    return var


def _age_variable(spec: ScbTable, variables: dict[str, Any]) -> str | None:
    preferred = "AlderModer" if spec.age == "mother" else "Alder"
    if preferred in variables:
        return preferred
    candidates = [v for v in variables if v.lower().startswith("alder")]
    return candidates[0] if len(candidates) == 1 else None


def resolve_table(api: PxApi, spec: ScbTable) -> tuple[str, dict[str, Any], dict[str, str]]:
    """Find the PxWeb table for ``spec``: its id, its variables and the contents code per output column.

    A known id is checked against its metadata; an unknown or failing id is replaced by the single search
    hit that passes the same check.

    Raises
    ------
    DownloadError
        When the id fails the check and the search finds no or several matching tables; the message lists
        what was tried and how to pin the id (``download_all(scb_tables=...)``).
    """
    tried: list[str] = []
    if spec.table_id:
        try:
            variables = api.get_table_variables(spec.table_id)
            return spec.table_id, variables, match_values(spec, variables)
        except (DownloadError, LookupError) as exc:
            if spec.verified and isinstance(exc, LookupError):
                raise DownloadError(
                    f"{spec.name}: SCB table {spec.table_id} no longer has the expected content ({exc}); "
                    "SCB may have changed the table"
                ) from exc
            if spec.verified:
                raise
            tried.append(f"{spec.table_id}: {exc}")
    found = api.search(query=spec.search, page_size=20) if spec.search else {"tables": []}
    passing = []
    for entry in (found or {}).get("tables", [])[:8]:
        table_id = entry.get("id")
        if not table_id or table_id == spec.table_id:
            continue
        variables = api.get_table_variables(table_id)
        try:
            passing.append((table_id, variables, match_values(spec, variables, reach_back=True)))
        except LookupError as exc:
            tried.append(f"{table_id} ({entry.get('label', '')}): {exc}")
    if len(passing) == 1:
        return passing[0]
    reason = "several tables match: " + ", ".join(p[0] for p in passing) if passing else "no table matches"
    raise DownloadError(
        f"{spec.name}: could not identify the SCB table ({reason}). Searched for {spec.search!r}; tried: "
        f"{tried or 'nothing'}. Find the id with PxApi('scb').search(query=...) and pass it as "
        f"download_all(scb_tables={{'{spec.name}': dataclasses.replace(SCB_TABLES['{spec.name}'], "
        "table_id='TAB…')}})."
    )


# -- selection and tidying --------------------------------------------------------------------------


def _codes(variables: dict[str, Any], var: str) -> list[str]:
    return list(variables[var]["category"]["label"])


def is_total(code: str) -> bool:
    """Whether a classification code is a total: ``TotSa``, ``TotSA``, ``tot``, ``totalt``, ``1+2`` …"""
    code = str(code).strip().lower()
    return code.startswith("tot") or code in TOTAL_CODES


@dataclass(frozen=True)
class Period:
    """A PxWeb time code: ``2019`` → year 2019; ``2026M01`` → January 2026 (``month`` None for a year)."""

    year: int
    month: int | None = None


def parse_period(code: str) -> Period | None:
    """SCB ``Tid`` code → :class:`Period`: ``"2019"``, ``"2026M01"``; other codes (quarters …) → None."""
    match = re.fullmatch(r"(\d{4})(?:M(\d{2}))?", str(code).strip())
    if not match:
        return None
    month = int(match.group(2)) if match.group(2) else None
    if month is not None and not 1 <= month <= 12:
        return None
    return Period(int(match.group(1)), month)


def parse_age_group(code: str) -> tuple[int, int | None] | None:
    """SCB age code → ``(first, last)`` age in years, ``last`` None for an open top.

    ``"7"`` → (7, 7); ``"0-9"`` → (0, 9); ``"-4"`` → (0, 4); ``"100+"`` and the grouped lists' ``"100+10"``,
    ``"100+5"`` → (100, None); totals (``TotSA``) and unknowns (``us``) → None.
    """
    code = str(code).strip()
    if match := re.fullmatch(r"(\d*)-(\d+)", code):
        return int(match.group(1) or 0), int(match.group(2))
    if match := re.fullmatch(r"(\d+)\+\d*", code):
        return int(match.group(1)), None
    if code.isdigit():
        return int(code), int(code)
    return None


def cell_key_year(metadata: dict[str, Any]) -> int | None:
    """The first reference year SCB perturbed with the Cell Key Method, read from a table's notes, or None.

    From that year every published cell carries a small controlled random noise, so sums of parts differ a
    little from the published totals (SCB's note on e.g. TAB6471; see the mirror's README).
    """
    notes = metadata.get("note") or []
    for note in [notes] if isinstance(notes, str) else notes:
        if match := CELL_KEY_NOTE.search(str(note)):
            return int(match.group(1))
    return None


def parse_age(code: str) -> int | None:
    """SCB single-age code → int: ``"7"`` → 7, ``"100+"`` → 100; totals, groups and unknowns → None.

    Only the single-year list's open top ``"100+"`` counts: the grouped lists' ``"100+10"`` and ``"100+5"``
    (the same persons, listed beside it in API v2 metadata such as TAB6471's) would count them twice.
    """
    match = re.fullmatch(r"(\d+)\+?", code.strip())
    return int(match.group(1)) if match else None


def parse_mother_age(code: str) -> str | None:
    """BE0101E2 ``AlderModer`` code → mirror label (``-14`` → ``<15``, ``us`` → ``no information``)."""
    code = code.strip()
    if code in MOTHER_AGE_CODES:
        return MOTHER_AGE_CODES[code]
    return code if code.isdigit() else None


def build_selection(
    spec: ScbTable, variables: dict[str, Any], contents: dict[str, str], regions: pd.DataFrame | None
) -> dict[str, list[str]]:
    """The ``value_codes`` for ``PxApi.get_table_data``: explicit codes for every variable we keep.

    Variables the spec does not use are left out, which PxWeb answers with their total (elimination);
    a variable that cannot be eliminated is an error.
    """
    selection: dict[str, list[str]] = {"ContentsCode": sorted(set(contents.values()))}
    if "Region" in variables:
        level = {"municipality": 4, "county": 2, "country": 2}[spec.region]
        codes = [c for c in _codes(variables, "Region") if len(c) == level]
        if spec.region == "country":
            codes = [c for c in codes if c == "00"]
        else:
            codes = [c for c in codes if c != "00"]
            if regions is not None:
                wanted = set(regions.loc[regions["level"] == spec.region, "region_code"])
                codes = [c for c in codes if c in wanted]
        if not codes:
            raise DownloadError(f"{spec.name}: no {spec.region} codes in the table's Region variable")
        selection["Region"] = codes
    if "Tid" in variables:
        selection["Tid"] = _select_periods(spec, _codes(variables, "Tid"))
    if spec.age is not None:
        var = _age_variable_of(spec, variables)
        parse = parse_mother_age if spec.age == "mother" else parse_age
        selection[var] = [c for c in _codes(variables, var) if parse(c) is not None]
        if not selection[var]:
            groups = [c for c in _codes(variables, var) if parse_age_group(c) is not None][:6]
            raise DownloadError(f"{spec.name}: the table's {var} variable has no single-year ages (only "
                                f"groups such as {groups}); choose a table or code list by single year "
                                "of age")
    if spec.sex_column is not None:
        selection["Kon"] = [c for c in _codes(variables, "Kon") if c in SEX_CODES]
    for var in spec.sum_over:
        selection[var] = [c for c in _codes(variables, var) if not is_total(c)]
    for var, meta in variables.items():
        if var not in selection and not meta.get("elimination", False):
            raise DownloadError(
                f"{spec.name}: variable '{var}' must be selected but the table spec does not use it "
                f"(codes {list(meta.get('category', {}).get('label', {}))[:10]})"
            )
    return selection


def _select_periods(spec: ScbTable, codes: list[str]) -> list[str]:
    """Time codes within the spec's years: whole years, or December of monthly tables (a stock on
    31 December, the mirror's convention, is the population at the end of December)."""
    periods = {c: parse_period(c) for c in codes}
    monthly = any(p is not None and p.month is not None for p in periods.values())
    chosen = [c for c, p in periods.items() if p is not None
              and (p.month == 12 if monthly else p.month is None)
              and (spec.first_year is None or p.year >= spec.first_year)
              and (spec.last_year is None or p.year <= spec.last_year)]
    if not chosen:
        kind = "December months" if monthly else "years"
        raise DownloadError(f"{spec.name}: no {kind} {spec.first_year}–{spec.last_year} in the table "
                            f"(time codes {codes[:3]} … {codes[-1:]})")
    return chosen


def _year(code: str) -> int:
    period = parse_period(code)
    if period is None:  # _keep_parts has refused such codes already
        raise DownloadError(f"time code {code!r} is neither a year nor a month")
    return period.year


def _keep_parts(spec: ScbTable, frame: pd.DataFrame, variables: dict[str, Any]) -> pd.DataFrame:
    """Drop what must not be summed into the tidy table and refuse what cannot be read.

    Totals (``TotSa``) of sex and of summed variables go (they would count everyone twice), as do the
    months other than December of a monthly table; an age code that is not a single year (``0-9``) in a
    single-age table stops the download instead of vanishing from the sums.
    """
    keep = pd.Series(True, index=frame.index)
    for var in [*(["Kon"] if spec.sex_column else []), *spec.sum_over]:
        if var in frame:
            keep &= ~frame[var].astype(str).map(is_total)
    if "Tid" in frame:
        periods = frame["Tid"].astype(str).map(parse_period)
        unreadable = sorted(set(frame.loc[periods.isna(), "Tid"].astype(str)))
        if unreadable:
            raise DownloadError(f"{spec.name}: time codes that are neither years nor months: "
                                f"{unreadable[:5]}")
        monthly = periods.map(lambda p: p.month is not None)
        if monthly.any():
            keep &= periods.map(lambda p: p.month == 12)
            if not keep.any():
                months = sorted(set(frame.loc[monthly, "Tid"].astype(str)))
                raise DownloadError(f"{spec.name}: a monthly answer without December ({months[:4]} …): the "
                                    "tidy tables hold stocks at 31 December")
    frame = frame[keep]
    if spec.sex_column is not None:
        odd = sorted(set(frame["Kon"].astype(str)) - set(SEX_CODES))
        if odd:
            raise DownloadError(f"{spec.name}: unknown sex code(s) {odd}; expected {sorted(SEX_CODES)} or "
                                "a total")
    if spec.age in ("single", "int"):
        var = _age_variable_of(spec, variables)
        codes = frame[var].astype(str)
        odd = sorted(set(codes[codes.map(parse_age).isna() & ~codes.map(is_total)]))
        if odd:
            raise DownloadError(f"{spec.name}: age codes that are not single years: {odd[:6]}; the table "
                                "needs a code list by single year of age")
        frame = frame[~codes.map(is_total)]
    return frame


def tidy(spec: ScbTable, rows: list[dict[str, Any]], variables: dict[str, Any],
         contents: dict[str, str]) -> pd.DataFrame:
    """Rows from ``PxApi.get_table_data(show="code")`` → the catalogue's tidy frame.

    pxwebpy keys each row by the dimension *label*; the metadata maps labels back to variable codes.
    Missing cells (JSON-stat ``null``, SCB's ``..``) are dropped, so an incomplete answer fails the grid
    check instead of turning into zeros.
    """
    if not rows:
        raise DownloadError(f"{spec.name}: SCB returned no data")
    by_label = {meta["label"]: var for var, meta in variables.items()}
    frame = pd.DataFrame(rows).rename(columns=by_label)
    missing = int(frame["value"].isna().sum())
    if missing and (spec.sum_over or spec.age == "single"):
        # A sum over civilstånd or over the open age top would silently undercount.
        raise DownloadError(f"{spec.name}: SCB returned {missing} missing cell(s) ('..') in data that must "
                            "be summed; refusing to undercount")
    frame = frame[frame["value"].notna()]
    frame = _keep_parts(spec, frame, variables)
    out = pd.DataFrame(index=frame.index)
    out["region_code"] = frame["Region"].astype(str) if "Region" in frame else "00"
    out["year"] = frame["Tid"].astype(str).map(_year) if "Tid" in frame else spec.first_year
    if spec.sex_column is not None:
        out[spec.sex_column] = frame["Kon"].astype(str).map(SEX_CODES)
    group = ["region_code", "year"] + ([spec.sex_column] if spec.sex_column else [])
    if spec.age is not None:
        var = _age_variable_of(spec, variables)
        if spec.age == "mother":
            out[spec.age_column] = frame[var].astype(str).map(parse_mother_age)
        else:
            ages = frame[var].astype(str).map(parse_age)
            if spec.age == "single":
                ages = ages.clip(upper=spec.age_max)  # older single years and "N+" form the open top
            out[spec.age_column] = ages
        group.append(spec.age_column)
    out["content"] = frame["ContentsCode"].astype(str)
    out["value"] = pd.to_numeric(frame["value"]) * spec.scale
    if spec.age == "int":
        out = out[out[spec.age_column].between(spec.age_min, spec.age_max)]
    # Summing merges the open age top and the sum_over variables (civilstånd); other rows are unique.
    summed = out.groupby([*group, "content"], as_index=False, sort=False)["value"].sum()
    wide = summed.pivot_table(index=group, columns="content", values="value", aggfunc="sum").reset_index()
    wide.columns.name = None
    wide = wide.rename(columns={code: column for column, code in contents.items()})
    kinds = TABLES[spec.name].columns
    for column in contents:
        if kinds.get(column) == "int":
            wide[column] = wide[column].round().astype("int64")
        else:
            wide[column] = wide[column].astype("float64")
    if spec.max_value is not None:
        for column in contents:
            too_big = wide[column] > spec.max_value
            if too_big.any():
                raise DownloadError(
                    f"{spec.name}: {int(too_big.sum())} value(s) of '{column}' above {spec.max_value} "
                    f"(largest {wide[column].max()}); the unit is probably not per person (set `scale`)"
                )
    # Sort as the mirror does: mother's age in its natural order (<15, 15 … 48, 49+, no information).
    order = {label: i for i, label in enumerate(MOTHER_AGES)}
    wide = wide[group + list(contents)].sort_values(
        group, kind="stable",
        key=lambda col: col.map(order) if spec.age == "mother" and col.name == spec.age_column else col,
    ).reset_index(drop=True)
    if spec.age_column in wide and spec.age != "mother":
        wide[spec.age_column] = wide[spec.age_column].astype("int64")
    return wide


def fetch_table(api: PxApi, spec: ScbTable, regions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Download one catalogue table from SCB and return it in the mirror's tidy schema.

    Parameters
    ----------
    api : pxweb.PxApi
        From :func:`make_pxapi` (rate limited, retrying).
    spec : ScbTable
        What to fetch (see :data:`SCB_TABLES`).
    regions : DataFrame, optional
        The region list (``regions.csv`` schema); restricts codes to current counties/municipalities.

    Returns
    -------
    DataFrame
        Columns as in :data:`tillsammans.data.catalog.TABLES` for ``spec.name`` (counts as persons,
        rates per person-year or probabilities).
    """
    transport = getattr(api, "_client", None)
    if isinstance(transport, _PxTransport):
        transport.what = f"{spec.name} (SCB {spec.table_id or spec.search})"
    table_id, variables, contents = resolve_table(api, spec)
    if isinstance(transport, _PxTransport):
        transport.what = f"{spec.name} (SCB {table_id})"
    selection: dict[str, list[str] | str] = dict(build_selection(spec, variables, contents, regions))
    rows = api.get_table_data(table_id, value_codes=selection, show="code")
    return tidy(spec, rows, variables, contents)
