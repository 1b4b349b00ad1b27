"""Step 1 of the workforce pipeline, *inputs*: the base year, the Kolada values and the national profiles.

Everything the later steps (demand → exits → supply → gap → uncertainty) read from data comes through
here, so each step is a function of DataFrames and parameters only.

* :func:`base_year` — the study's one base year: the latest year with staff data (Kolada ``n00098``) for
  every municipality (2022 in today's mirror).
* :func:`read_kolada`, :func:`model_inputs` — the Kolada values of a municipality and of Sweden.
* :data:`EMPLOYMENT_PROFILE`, :data:`EMPLOYEE_AGE_PROFILE` — national age profiles that Kolada lacks per
  municipality, each with its source; the model scales them to the municipality's observed level.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from tillsammans import data, paths
from tillsammans.municipalities import SWEDEN

#: The staff KPI whose latest complete year is the study's base year.
STAFF_KPI = "n00098"

#: Kolada KPIs read for the municipality.
LOCAL_KPIS: dict[str, str] = {
    "n00098": "Årsarbetare totalt, kommun",
    "n11104": "Årsarbetare i förskolan, kommunal regi",
    "n20041": "Årsarbetare inom vård och omsorg om äldre och personer med funktionsnedsättning",
    "n20007": "Kostnad äldreomsorg, kr/inv 65+",
    "n20001": "Kostnad äldre och funktionsnedsättning, kr/inv",
    "n01951": "Invånare totalt",
    "n01956": "Invånare 65–79 år",
    "n01957": "Invånare 80+",
    "n00214": "Anställda 55+, kommun, andel",
    "n00219": "Anställda 55+ år, kommun, antal",
    "n20214": "Anställda 55+ inom omsorg om äldre och personer med funktionsnedsättning, andel",
    "n30214": "Anställda 55+ inom individ- och familjeomsorg, andel",
    "n00090": "Sjukfrånvaro bland kommunanställda, andel",
    "n00227": "Deltidsanställda (1–99 %) månadsavlönade, antal",
    "n00233": "Tillsvidareanställda månadsavlönade, antal",
    "n00239": "Nya tillsvidareanställda månadsavlönade, antal",
    "n00914": "Förvärvsarbetande invånare 20–64 år, andel",
    "n02201": "Sysselsatta efter arbetsställets belägenhet, antal",
    "n02202": "Sysselsatta efter bostadens belägenhet, antal",
    "n02203": "Sysselsatta i kommun-/regionsektor (arbetsställe), andel",
    "n02243": "Sysselsatta invånare 20–65 år, andel",
    "n02276": "Inpendling, andel",
    "n02279": "Utpendling, andel",
    "n20891": "Invånare 65+ med hemtjänst eller i särskilt boende, andel",
    "n20892": "Invånare 80+ med hemtjänst eller i särskilt boende, andel",
    "n11023": "Årsarbetare i förskolan med pedagogisk högskoleexamen, andel",
    "u23495": "Omsorgspersonal i särskilt boende för äldre med adekvat utbildning, andel",
    "n17826": "Lärare med lärarlegitimation och behörighet i gymnasieskola, kommunala skolor, andel",
    "n15809": "Elever i kommunal grundskola belägen i kommunen åk 1–9, antal",
    "n15034": "Elever per lärare (heltidstjänst) i kommunal grundskola åk 1–9",
    "n15814": ("Lärare med lärarlegitimation och behörighet i minst ett ämne i grundskola åk 1–9, "
               "kommunala skolor, andel"),
    "n17820": "Elever i kommunal gymnasieskola i kommunen, antal",
    "n17817": "Elever per lärare (heltidstjänst) i kommunal gymnasieskola",
}

#: Kolada KPIs read for Sweden (the national cost shares and comparison values).
NATIONAL_KPIS: dict[str, str] = {
    "n03066": "Kostnad kommunens verksamhet totalt, kr/inv",
    "n10037": "Kostnad pedagogisk verksamhet, kr/inv",
    "n11008": "Kostnad förskola, kr/inskrivet barn",
    "n11102": "Inskrivna barn per årsarbetare i förskolan",
    "n11103": "Årsarbetare i förskolan, lägeskommun",
    "n15008": "Kostnad kommunal grundskola åk 1–9, kr/elev",
    "n17007": "Kostnad kommunal gymnasieskola, kr/elev",
    "n30101": "Kostnad individ- och familjeomsorg, kr/inv",
    "n31001": "Kostnad ekonomiskt bistånd, kr/inv",
    "n20001": "Kostnad äldre och funktionsnedsättning, kr/inv",
    "n01951": "Invånare totalt",
    "n01953": "Invånare 6–15 år",
    "n01954": "Invånare 16–19 år",
    "n20891": "Invånare 65+ med hemtjänst eller i särskilt boende, andel",
    "n20892": "Invånare 80+ med hemtjänst eller i särskilt boende, andel",
    "n11023": "Årsarbetare i förskolan med pedagogisk högskoleexamen, andel",
    "u23495": "Omsorgspersonal i särskilt boende för äldre med adekvat utbildning, andel",
    "n17826": "Lärare med lärarlegitimation och behörighet i gymnasieskola, kommunala skolor, andel",
}

#: National employment rates by age band (share of the population employed), lower age → rate. Ages below
#: the first band and from 75 have rate 0.
EMPLOYMENT_PROFILE: dict[int, float] = {16: 0.193, 20: 0.608, 25: 0.757, 35: 0.843, 45: 0.849, 55: 0.752,
                                        65: 0.158, 75: 0.0}
EMPLOYMENT_PROFILE_SOURCE = (
    "Rikets förvärvsintensitet efter ålder: 16–19 år 19,3 %, 20–24 60,8 %, 25–34 75,7 %, 35–44 84,3 %, "
    "45–54 84,9 %, 55–64 75,2 % (SCB, RAMS 2015, hela riket, återgiven i Stockholms stads statistik "
    "'Förvärvsintensiteter efter ålder och kön 2015'); 65–74 år 15,8 % (SCB, AKU 2016, sysselsättningsgrad "
    "65–74 år, återgiven av Ekonomifakta). Profilen skalas så att den ger kommunens sysselsatta invånare "
    "15–74 år i basåret (Kolada n02202).")

#: National employees by age band (thousands, AKU 2021, fixed and temporary employment, women + men).
EMPLOYEE_AGE_PROFILE: dict[tuple[int, int], float] = {
    (20, 24): 77.2 + 105.1 + 77.7 + 73.4,
    (25, 34): 412.0 + 495.3 + 115.1 + 86.5,
    (35, 44): 443.1 + 488.9 + 48.2 + 39.3,
    (45, 54): 483.5 + 485.4 + 36.6 + 24.1,
}
EMPLOYEE_AGE_PROFILE_SOURCE = (
    "Anställda 20–54 år i riket efter ålder (SCB, AKU 2021, 'Sysselsatta 20–64 år efter ålder och "
    "anknytningsgrad till arbetsmarknaden', fast och tidsbegränsat anställda): 20–24 år 333 000, 25–34 "
    "1 109 000, 35–44 1 020 000, 45–54 1 030 000; jämnt fördelade inom varje åldersgrupp.")


def employment_rates(ages: np.ndarray | None = None) -> np.ndarray:
    """The national employment profile (:data:`EMPLOYMENT_PROFILE`) by single year of age (0..100)."""
    ages = np.arange(101) if ages is None else np.asarray(ages)
    starts = np.array(sorted(EMPLOYMENT_PROFILE))
    rates = np.array([EMPLOYMENT_PROFILE[s] for s in starts])
    idx = np.searchsorted(starts, ages, side="right") - 1
    return np.where(idx >= 0, rates[np.clip(idx, 0, None)], 0.0)


def employee_age_shape() -> pd.Series:
    """National age shape of employees 20–54 (:data:`EMPLOYEE_AGE_PROFILE`), single ages, sums to 1."""
    out = pd.Series(0.0, index=pd.RangeIndex(20, 55, name="age"))
    for (low, high), thousands in EMPLOYEE_AGE_PROFILE.items():
        out.loc[low:high] = thousands / (high - low + 1)
    return out / out.sum()


# -- Kolada --------------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _kolada_all(directory: str, stamp: float) -> pd.DataFrame:
    kpis = sorted(set(LOCAL_KPIS) | set(NATIONAL_KPIS))
    frame = data.kolada(kpis, processed_dir=Path(directory)).dropna(subset=["value"])
    # plain strings: comparisons on pyarrow-backed columns dominate many small selections (the backtest)
    return frame.astype({"kpi": object, "region_code": object}).reset_index(drop=True)


def session_key(processed_dir: Path | None) -> tuple[str, float]:
    """The key of the per-session memory of a processed folder: its path and its manifest's modification
    time (a rebuilt folder is read again)."""
    directory = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    manifest = directory / "manifest.json"
    return str(directory.resolve()), (manifest.stat().st_mtime if manifest.exists() else 0.0)


def kolada_all(processed_dir: Path | None = None) -> pd.DataFrame:
    """The model's Kolada KPIs for every region, tidy ``kpi, region_code, year, value``.

    Read once per session and kept in memory (keyed on the processed folder and its manifest's
    modification time, so a rebuilt data folder is read again).
    """
    return _kolada_all(*session_key(processed_dir))


def read_kolada(municipality: str, processed_dir: Path | None = None) -> pd.DataFrame:
    """All Kolada values the model uses, for the municipality and Sweden (tidy)."""
    frame = kolada_all(processed_dir)
    return frame[frame["region_code"].isin([municipality, SWEDEN])].reset_index(drop=True)


@lru_cache(maxsize=4)
def _base_year(directory: str, stamp: float) -> int:
    staff = data.kolada([STAFF_KPI], processed_dir=Path(directory)).dropna(subset=["value"])
    municipal = staff[staff["region_code"].str.len() == 4]
    if municipal.empty:
        raise ValueError(f"Kolada {STAFF_KPI} (årsarbetare) has no municipal values in {directory}; "
                         "rebuild data/processed with `make data`")
    counts = municipal.groupby("year")["region_code"].nunique()
    complete = counts[counts == municipal["region_code"].nunique()]
    return int((complete if len(complete) else counts).index.max())


def base_year(processed_dir: Path | None = None) -> int:
    """The study's base year: the latest year in which Kolada has staff (``n00098``) for every municipality.

    Every notebook, the index and the workforce model take "i dag" from this function (2022 in today's
    mirror); when a later year is published for all municipalities it moves by itself.
    """
    return _base_year(*session_key(processed_dir))


def kolada_series(tidy: pd.DataFrame) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
    """Each region's KPI series: ``(region_code, kpi) → (years, values)``, years ascending (NaN dropped)."""
    frame = tidy.dropna(subset=["value"]).sort_values(["region_code", "kpi", "year"], kind="stable")
    regions = frame["region_code"].to_numpy(dtype=object)
    kpis = frame["kpi"].to_numpy(dtype=object)
    years = frame["year"].to_numpy(dtype=np.int64)
    vals = frame["value"].to_numpy(dtype=float)
    if not len(frame):
        return {}
    starts = np.flatnonzero(np.r_[True, (regions[1:] != regions[:-1]) | (kpis[1:] != kpis[:-1])])
    ends = np.r_[starts[1:], len(frame)]
    return {(regions[a], kpis[a]): (years[a:b], vals[a:b]) for a, b in zip(starts, ends, strict=True)}


@lru_cache(maxsize=4)
def _series_all(directory: str, stamp: float) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
    return kolada_series(_kolada_all(directory, stamp))


@lru_cache(maxsize=16)
def _weighted_share(directory: str, stamp: float, share_kpi: str, pupils_kpi: str, ratio_kpi: str,
                    year: int) -> tuple[float, int | None]:
    tidy = _kolada_all(directory, stamp)
    sel = tidy[tidy["kpi"].isin([share_kpi, pupils_kpi, ratio_kpi]) & (tidy["region_code"].str.len() == 4)]
    wide = sel.pivot_table(index=["year", "region_code"], columns="kpi", values="value").reindex(
        columns=[share_kpi, pupils_kpi, ratio_kpi]).dropna()
    wide = wide[wide[ratio_kpi] > 0]
    years = sorted(y for y in wide.index.get_level_values("year").unique() if y <= year)
    if not years:
        return np.nan, None
    w = wide.loc[years[-1]]
    teachers = w[pupils_kpi] / w[ratio_kpi]
    return float((teachers * w[share_kpi]).sum() / teachers.sum()), int(years[-1])


def national_teacher_share(share_kpi: str, pupils_kpi: str, ratio_kpi: str, year: int,
                           processed_dir: Path | None = None) -> tuple[float, int | None]:
    """Sweden's share of qualified teachers where Kolada publishes no national value.

    The municipalities' shares (``share_kpi``, percent) weighted by their teacher FTE (pupils ``pupils_kpi``
    ÷ pupils per teacher FTE ``ratio_kpi``), in ``year`` or the latest earlier year with data.

    Returns
    -------
    (float, int or None)
        The share in percent and the year used (NaN, None without data).
    """
    return _weighted_share(*session_key(processed_dir), share_kpi, pupils_kpi, ratio_kpi, int(year))


def model_inputs(municipality: str, year: int, processed_dir: Path | None = None,
                 tidy: pd.DataFrame | None = None,
                 series: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] | None = None) -> pd.DataFrame:
    """The Kolada values the model reads, for the municipality and for Sweden.

    Each KPI takes its value in ``year``, else the latest earlier year, else the earliest later year (the
    year used is reported, so a report can say e.g. that commuting is from 2020).

    Parameters
    ----------
    tidy : DataFrame, optional
        Kolada values ``kpi, region_code, year, value`` to read instead of the processed data.
    series : dict, optional
        :func:`kolada_series` of such values (many municipalities: the demand backtest).

    Returns
    -------
    DataFrame
        ``region_code, kpi, title, value, year`` (one row per KPI; value NaN when Kolada has none).
    """
    if series is None:
        series = (_series_all(*session_key(processed_dir)) if tidy is None else
                  kolada_series(tidy[tidy["region_code"].isin([municipality, SWEDEN])]))
    empty = (np.array([], dtype=np.int64), np.array([]))
    rows = []
    for region, kpis in ((municipality, LOCAL_KPIS), (SWEDEN, NATIONAL_KPIS)):
        for kpi, title in kpis.items():
            years, vals = series.get((region, kpi), empty)
            # the value of ``year`` or the latest before it; else the earliest after it
            before = int(np.searchsorted(years, year, side="right")) - 1
            i = before if before >= 0 else (0 if len(years) else None)
            rows.append((region, kpi, title, vals[i] if i is not None else np.nan,
                         int(years[i]) if i is not None else pd.NA))
    out = pd.DataFrame(rows, columns=["region_code", "kpi", "title", "value", "year"])
    out["year"] = out["year"].astype("Int64")
    return out


def values(inputs: pd.DataFrame, region: str) -> dict[str, float]:
    """``kpi → value`` of one region from :func:`model_inputs`."""
    sel = inputs["region_code"].to_numpy() == region
    return dict(zip(inputs["kpi"].to_numpy()[sel], inputs["value"].to_numpy()[sel], strict=True))


def value_year(inputs: pd.DataFrame, region: str, kpi: str) -> int | None:
    """The year of a KPI's value in :func:`model_inputs` (None when Kolada has none)."""
    found = np.flatnonzero((inputs["region_code"].to_numpy() == region) & (inputs["kpi"].to_numpy() == kpi))
    year = inputs["year"].iloc[found[0]] if found.size else pd.NA
    return None if pd.isna(year) else int(year)


def kpi_series(tidy: pd.DataFrame, region: str, kpis: list[str]) -> pd.DataFrame:
    """Yearly values of some KPIs of one region, one column per KPI (index ``year``)."""
    sel = tidy[(tidy["region_code"] == region) & tidy["kpi"].isin(kpis)]
    return sel.pivot_table(index="year", columns="kpi", values="value").reindex(columns=kpis).sort_index()


@dataclass(frozen=True)
class Prepared:
    """A municipality's model inputs, read and checked once (the *inputs* step's result).

    Attributes
    ----------
    municipality, base_year :
        SCB code and base year.
    sectors : DataFrame
        ``sector, Verksamhet, staff, share_55, source`` (årsarbetare in the base year).
    staff_age : DataFrame
        ``sector, age, staff`` (base year, årsarbetare), see :func:`~tillsammans.workforce.exits.staff_age_profile`.
    rates : dict
        Eldercare use rates.
    factors : dict
        Supply inputs (:func:`~tillsammans.workforce.supply.supply_factors`).
    turnover : dict
        Turnover used and its data (:func:`~tillsammans.workforce.exits.turnover_from_data`).
    employment_range : tuple
        (lowest, highest) factor on employment rates for the uncertainty.
    part_timers, sick_leave :
        Kolada n00227 (persons) and n00090 (share) for the levers.
    age0 : ndarray
        ``staff_age`` as an array, sectors × ages (for the year-by-year step).
    """

    municipality: str
    base_year: int
    sectors: pd.DataFrame
    staff_age: pd.DataFrame
    rates: dict
    factors: dict
    turnover: dict
    employment_range: tuple[float, float]
    part_timers: float
    sick_leave: float
    age0: np.ndarray


def employment_range(tidy: pd.DataFrame, municipality: str, first: int = 2012) -> tuple[float, float]:
    """Lowest and highest employment rate 20–64 (Kolada ``n00914``) since ``first``, relative to the latest."""
    series = kpi_series(tidy, municipality, ["n00914"])["n00914"].dropna()
    series = series[series.index >= first]
    if series.empty:
        return (1.0, 1.0)
    latest = float(series.iloc[-1])
    return (min(float(series.min()) / latest, 1.0), max(float(series.max()) / latest, 1.0))
