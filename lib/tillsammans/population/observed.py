"""Observed population: totals since 1950, broad age groups since 1995, and the indicators built from them.

These are the history sections of the population report and the key figures of the index page. Sources:
SCB's population per municipality 1950–2019 (current boundaries) and Kolada's inhabitant KPIs
(``n01951`` total, ``n01952``–``n01957`` age groups, produced by SCB) for 2020–2022 and the age groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from tillsammans import data
from tillsammans.population.agegroups import BROAD_AGE_GROUPS, KOLADA_AGE_GROUPS, KOLADA_PARTITION, label
from tillsammans.population.indicators import dependency_ratio_of

#: Kolada KPIs of inhabitants by age group (31 December), and the broad groups they add up to.
KOLADA_AGE_KPIS = {kpi: label(*KOLADA_AGE_GROUPS[kpi]) for kpi in KOLADA_PARTITION}
BROAD_GROUPS = {label(lo, hi): next(b for b, (blo, bhi) in BROAD_AGE_GROUPS.items() if blo <= lo and hi <= bhi)
                for lo, hi in (KOLADA_AGE_GROUPS[k] for k in KOLADA_PARTITION)}
BROAD_ORDER = tuple(BROAD_AGE_GROUPS)

SOURCE_TOTALS = "SCB, folkmängd per kommun 1950–2019; Kolada (n01951) 2020–2022"
SOURCE_AGE_GROUPS = "Kolada (n01952–n01957, SCB:s befolkningsstatistik)"


def population_totals(regions: Sequence[str], processed_dir: Path | None = None) -> pd.DataFrame:
    """Population on 31 December per region and year.

    SCB's series (1950–2019, current municipal boundaries) is used where it exists and Kolada ``n01951``
    for the later years and for counties and Sweden. The two agree exactly in 2019 (checked at build).

    Returns
    -------
    DataFrame
        ``region_code, year, population, source`` (persons).
    """
    regions = list(regions)
    scb = data.load_table("population_municipality_total", processed_dir,
                          filters=[("region_code", "in", regions)]).assign(source="SCB")
    kolada = data.kolada(["n01951"], regions, processed_dir=processed_dir)
    kolada = kolada.rename(columns={"value": "population"}).drop(columns="kpi").assign(source="Kolada")
    last_scb = scb.groupby("region_code")["year"].max()
    later = kolada[kolada["year"] > kolada["region_code"].map(last_scb).fillna(-1)]
    out = pd.concat([scb, later], ignore_index=True)
    out["population"] = out["population"].astype("int64")
    return out.sort_values(["region_code", "year"]).reset_index(drop=True)


def age_groups(regions: Sequence[str], broad: bool = True, processed_dir: Path | None = None) -> pd.DataFrame:
    """Inhabitants by age group per region and year from Kolada (1995–2022 for municipalities).

    Parameters
    ----------
    broad : bool
        ``True`` gives 0–19 / 20–64 / 65–79 / 80+; ``False`` Kolada's own groups (0–5, 6–15, 16–19, …).

    Returns
    -------
    DataFrame
        ``region_code, year, age_group, population`` (persons), complete years only.
    """
    tidy = data.kolada(list(KOLADA_AGE_KPIS), list(regions), processed_dir=processed_dir)
    tidy["age_group"] = tidy["kpi"].map(KOLADA_AGE_KPIS)
    # Keep only years where every group is published, so shares are never computed on a partial total.
    complete = tidy.groupby(["region_code", "year"])["kpi"].transform("nunique") == len(KOLADA_AGE_KPIS)
    tidy = tidy[complete]
    order = list(KOLADA_AGE_KPIS.values())
    if broad:
        tidy = tidy.assign(age_group=tidy["age_group"].map(BROAD_GROUPS))
        order = list(BROAD_ORDER)
    out = tidy.groupby(["region_code", "year", "age_group"], as_index=False)["value"].sum()
    out = out.rename(columns={"value": "population"})
    out["age_group"] = pd.Categorical(out["age_group"], categories=order, ordered=True)
    return out.sort_values(["region_code", "year", "age_group"]).reset_index(drop=True)


def group_indicators(groups: pd.DataFrame) -> pd.DataFrame:
    """Indicators from broad age groups (output of :func:`age_groups` with ``broad=True``).

    Returns
    -------
    DataFrame
        ``region_code, year, population, share_20_64, dependency_ratio, share_80plus, count_80plus`` where
        the demographic dependency ratio is (0–19 + 65+) / (20–64), persons per person of working age.
    """
    wide = groups.pivot_table(index=["region_code", "year"], columns="age_group", values="population",
                              observed=True, aggfunc="sum")
    missing = [g for g in BROAD_ORDER if g not in wide.columns]
    if missing:
        raise ValueError(f"age groups {missing} missing; expected the broad groups {BROAD_ORDER}")
    total = wide[list(BROAD_ORDER)].sum(axis=1)
    out = pd.DataFrame({
        "population": total,
        "share_20_64": wide["20–64"] / total,
        "dependency_ratio": dependency_ratio_of(wide["0–19"], wide["65–79"] + wide["80+"], wide["20–64"]),
        "share_80plus": wide["80+"] / total,
        "count_80plus": wide["80+"],
    })
    return out.reset_index()


def key_figures(regions: Sequence[str], year: int | None = None,
                processed_dir: Path | None = None) -> pd.DataFrame:
    """Key figures of the index page for the latest year with data (or ``year``)."""
    indicators = group_indicators(age_groups(regions, processed_dir=processed_dir))
    if year is None:
        year = int(indicators["year"].max())
    out = indicators[indicators["year"] == year]
    if out.empty:
        raise ValueError(f"no age-group data for {year}; available years "
                         f"{indicators['year'].min()}–{indicators['year'].max()}")
    return out.reset_index(drop=True)
