"""Kolada (RKA) through its API v2 (``https://api.kolada.se/v2``): region list, KPI catalogue, KPI values.

Endpoints used (all JSON with ``count``, ``values`` and, when there are more, ``next_page``):

* ``/v2/municipality`` → ``regions.csv`` (Kolada ids ``0000`` Riket, ``00NN`` counties/regions, ``NNNN``
  municipalities, mapped to SCB's codes ``00``, ``NN``, ``NNNN``);
* ``/v2/kpi`` → ``kolada/kpis.csv`` (filtered to the KPIs fetched);
* ``/v2/data/kpi/{ids}/year/{years}`` → ``kolada/values.csv.gz``, KPIs and years batched so that URLs stay
  short, every page followed.

Kolada spells KPI ids in upper case (``N01951``); the mirror and the study use lower case (``n01951``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from tillsammans.data.http import DownloadError, HttpClient

KOLADA_API = "https://api.kolada.se/v2"

#: Values per page (Kolada's maximum).
PER_PAGE = 5000

#: Ids per URL: 25 KPIs (7 characters each) and 25 years keep a data URL well under 1 000 characters.
KPIS_PER_CALL = 25
YEARS_PER_CALL = 25

#: Pages followed per request at most; a ``next_page`` loop beyond this is a server fault.
MAX_PAGES = 1000

#: The KPIs the mirror README names as most used by the study (the default when no mirror is present).
README_KPIS: tuple[str, ...] = (
    "n01951", "n01952", "n01953", "n01954", "n01955", "n01956", "n01957",
    "n01926", "n01817", "n02832", "n02833",
    "n01804", "n01805", "n01801", "n01802", "n01806", "n01964",
    "n02907", "n02834",
    "n00098", "n00219", "n00214", "n00090", "n00233", "n00223", "n00206",
    "n00914", "n02203", "n02241", "n02276", "n02279",
    "n03067", "n20007", "n20048", "n11008", "n15008", "n30005", "n28016",
    "n02993",
)

KPI_COLUMNS = ("title", "description", "operating_area", "perspective", "municipality_type",
               "is_divided_by_gender", "publication_date")


def default_kpis(mirror: Path | None = None) -> list[str]:
    """KPIs to download: the mirror's ``kolada/kpis.csv`` if a mirror exists, else :data:`README_KPIS`.

    Parameters
    ----------
    mirror : Path, optional
        The offline mirror; default :func:`tillsammans.paths.mirror_dir` (None when absent).
    """
    if mirror is None:
        from tillsammans import paths

        try:
            mirror = paths.mirror_dir()
        except FileNotFoundError:
            mirror = None
    catalogue = Path(mirror) / "kolada" / "kpis.csv" if mirror is not None else None
    if catalogue is not None and catalogue.is_file():
        return sorted(pd.read_csv(catalogue, usecols=["kpi"], dtype=str)["kpi"].str.lower().unique())
    return list(README_KPIS)


def region_code(kolada_id: str) -> str:
    """Kolada region id → SCB region code: ``0000`` → ``00``, ``0003`` → ``03``, ``0381`` → ``0381``."""
    kolada_id = str(kolada_id)
    if len(kolada_id) == 4 and kolada_id.startswith("00"):
        return kolada_id[2:]
    return kolada_id


def iter_pages(http: HttpClient, url: str, *, params: dict[str, Any] | None = None,
               what: str = "Kolada") -> Iterator[dict[str, Any]]:
    """Yield every page of a Kolada answer, following ``next_page`` until there is none."""
    page: dict[str, Any] = http.get_json(url, params=params, what=what)
    for _ in range(MAX_PAGES):
        if not isinstance(page, dict) or "values" not in page:
            raise DownloadError(f"{what}: {url} answered without 'values' (got {str(page)[:200]!r})")
        yield page
        nxt = page.get("next_page")
        if not nxt:
            return
        # next_page is a complete URL with the query string; send it as given.
        page = http.get_json(nxt, what=what)
    raise DownloadError(f"{what}: more than {MAX_PAGES} pages from {url}; stopped (paging loop?)")


def fetch_regions(http: HttpClient, base: str = KOLADA_API) -> pd.DataFrame:
    """Sweden, counties and municipalities from Kolada's region list, in the ``regions.csv`` schema.

    Returns
    -------
    DataFrame
        ``region_code, name, level, county_code`` (``level`` ``country``/``county``/``municipality``;
        ``county_code`` empty for Sweden).
    """
    rows = []
    for page in iter_pages(http, f"{base}/municipality", params={"per_page": PER_PAGE},
                           what="regions (Kolada /municipality)"):
        for item in page["values"]:
            code = region_code(item["id"])
            if item.get("type") == "L" or code == "00":
                level = "country" if code == "00" else "county"
            elif item.get("type") == "K":
                level = "municipality"
            else:
                continue  # other groupings are not regions of the study
            rows.append({"region_code": code, "name": item["title"], "level": level,
                         "county_code": None if code == "00" else code[:2]})
    if not rows:
        raise DownloadError("regions (Kolada /municipality): empty region list")
    frame = pd.DataFrame(rows).astype({"region_code": "string", "name": "string", "level": "string",
                                       "county_code": "string"})
    order = frame["level"].map({"country": 0, "county": 1, "municipality": 2})
    return frame.assign(_o=order).sort_values(["_o", "region_code"]).drop(columns="_o").reset_index(drop=True)


def fetch_kpis(http: HttpClient, kpis: Sequence[str], base: str = KOLADA_API) -> pd.DataFrame:
    """The Kolada KPI catalogue for ``kpis``, in the ``kolada/kpis.csv`` schema.

    Raises
    ------
    DownloadError
        When a requested KPI is not in Kolada's catalogue.
    """
    wanted = {k.lower() for k in kpis}
    rows = []
    pages = iter_pages(http, f"{base}/kpi", params={"per_page": PER_PAGE}, what="kolada_kpis (Kolada /kpi)")
    for page in pages:
        for item in page["values"]:
            kpi = str(item["id"]).lower()
            if kpi in wanted:
                row = {"kpi": kpi}
                for col in KPI_COLUMNS:
                    value = item.get(col)
                    if col == "is_divided_by_gender" and value is not None:
                        value = str(int(value))  # JSON 0/1 or true/false → "0"/"1" as in the mirror
                    row[col] = value
                rows.append(row)
    found = {r["kpi"] for r in rows}
    missing = sorted(wanted - found)
    if missing:
        raise DownloadError(f"kolada_kpis: KPI(s) not in Kolada's catalogue: {missing[:10]}")
    return pd.DataFrame(rows, columns=["kpi", *KPI_COLUMNS]).sort_values("kpi").reset_index(drop=True)


def _batches(items: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def parse_values(page: dict[str, Any]) -> list[dict[str, Any]]:
    """One Kolada data page → tidy rows ``kpi, region_code, year, gender, value`` (nulls dropped)."""
    rows = []
    for item in page["values"]:
        kpi = str(item["kpi"]).lower()
        code = region_code(item["municipality"])
        year = int(item["period"])
        for cell in item.get("values", []):
            value = cell.get("value")
            if value is None:
                continue
            rows.append({"kpi": kpi, "region_code": code, "year": year, "gender": cell["gender"],
                         "value": float(value)})
    return rows


def fetch_values(
    http: HttpClient,
    kpis: Sequence[str],
    years: Sequence[int],
    *,
    known_codes: set[str] | None = None,
    base: str = KOLADA_API,
) -> pd.DataFrame:
    """Kolada values for ``kpis`` × ``years``, tidy, in the ``kolada/values.csv.gz`` schema.

    Parameters
    ----------
    kpis : sequence of str
        KPI ids (either case).
    years : sequence of int
        Calendar years.
    known_codes : set of str, optional
        Keep only these region codes (the region list); Kolada also publishes groups the study does not use.

    Returns
    -------
    DataFrame
        ``kpi, region_code, year, gender, value`` (``gender`` ``T``/``K``/``M``), sorted by the key.
    """
    if not kpis or not years:
        raise ValueError("fetch_values needs at least one KPI and one year")
    rows: list[dict[str, Any]] = []
    for kpi_batch in _batches(sorted({k.upper() for k in kpis}), KPIS_PER_CALL):
        for year_batch in _batches(sorted({int(y) for y in years}), YEARS_PER_CALL):
            url = f"{base}/data/kpi/{','.join(kpi_batch)}/year/{','.join(map(str, year_batch))}"
            what = f"kolada_values ({kpi_batch[0]}…, {year_batch[0]}–{year_batch[-1]})"
            for page in iter_pages(http, url, params={"per_page": PER_PAGE}, what=what):
                rows.extend(parse_values(page))
    frame = pd.DataFrame(rows, columns=["kpi", "region_code", "year", "gender", "value"])
    if known_codes:
        frame = frame[frame["region_code"].isin(known_codes)]
    if frame.empty:
        raise DownloadError("kolada_values: Kolada returned no values for the requested KPIs and years")
    # A cell can repeat when Kolada shifts page boundaries during an update; the later page is newer.
    frame = frame.drop_duplicates(["kpi", "region_code", "year", "gender"], keep="last")
    return frame.sort_values(["kpi", "region_code", "year", "gender"]).reset_index(drop=True)
