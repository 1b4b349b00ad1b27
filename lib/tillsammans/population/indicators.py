"""Indicators from a tidy population frame: age groups, dependency ratio, working-age share.

Every function takes a frame with ``year, age, population`` (age in completed years, 100 = 100+); every
other column except ``population`` (``sex``, ``sim``, ``region_code``, ``scenario`` …) is kept as a grouping.
Sum over ``sex`` first (``frame.groupby([...]).sum()``) for both sexes together.
"""

from __future__ import annotations

import pandas as pd

from tillsammans.population.agegroups import BROAD_AGE_GROUPS, SERVICE_AGE_GROUPS, WORKING_AGE

__all__ = ["BROAD_AGE_GROUPS", "SERVICE_AGE_GROUPS", "WORKING_AGE", "age_groups", "dependency_ratio",
           "dependency_ratio_of", "working_age_share"]

_VALUE = "population"


def _groupings(frame: pd.DataFrame) -> list[str]:
    missing = [c for c in ("year", "age", _VALUE) if c not in frame.columns]
    if missing:
        raise ValueError(f"population frame lacks column(s) {missing}; needs year, age, population")
    return [c for c in frame.columns if c not in ("age", _VALUE)]


def _sum_ages(frame: pd.DataFrame, keys: list[str], lo: int, hi: int) -> pd.Series:
    part = frame[(frame["age"] >= lo) & (frame["age"] <= hi)]
    full = frame.groupby(keys, observed=True, sort=True)[_VALUE].sum() * 0.0
    return full.add(part.groupby(keys, observed=True, sort=True)[_VALUE].sum(), fill_value=0.0)


def age_groups(frame: pd.DataFrame, groups: dict[str, tuple[int, int]] | None = None) -> pd.DataFrame:
    """Counts and shares of the population in age groups.

    Parameters
    ----------
    frame : DataFrame
        ``year, age, population`` and any grouping columns.
    groups : dict, optional
        Label → (first age, last age), inclusive; default :data:`SERVICE_AGE_GROUPS`.

    Returns
    -------
    DataFrame
        ``*groupings, age_group, population, share`` — ``share`` is the group's part of the whole
        population (all ages) of its grouping; ``age_group`` is an ordered categorical.
    """
    groups = SERVICE_AGE_GROUPS if groups is None else groups
    for label, (lo, hi) in groups.items():
        if not 0 <= lo <= hi <= 100:
            raise ValueError(f"age group {label!r} has bounds {(lo, hi)}; allowed 0 <= first <= last <= 100")
    keys = _groupings(frame)
    total = frame.groupby(keys, observed=True, sort=True)[_VALUE].sum()
    parts = []
    for label, (lo, hi) in groups.items():
        counts = _sum_ages(frame, keys, lo, hi)
        part = counts.rename(_VALUE).reset_index()
        part["age_group"] = label
        part["share"] = (counts / total).to_numpy()
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["age_group"] = pd.Categorical(out["age_group"], categories=list(groups), ordered=True)
    return out[[*keys, "age_group", _VALUE, "share"]].sort_values([*keys, "age_group"]).reset_index(drop=True)


def dependency_ratio(frame: pd.DataFrame, young: tuple[int, int] = (0, 19), working: tuple[int, int] = WORKING_AGE,
                     old_from: int = WORKING_AGE[1] + 1) -> pd.DataFrame:
    """Demographic dependency ratio (young + old) ÷ working age (default (0–19 + 65+) ÷ 20–64).

    Returns
    -------
    DataFrame
        ``*groupings, young, old, working_age, dependency_ratio`` (persons; the ratio as a fraction, e.g. 0.8
        = 80 dependants per 100 of working age).
    """
    keys = _groupings(frame)
    y = _sum_ages(frame, keys, *young)
    o = _sum_ages(frame, keys, old_from, 100)
    w = _sum_ages(frame, keys, *working)
    out = pd.DataFrame({"young": y, "old": o, "working_age": w})
    out["dependency_ratio"] = dependency_ratio_of(out["young"], out["old"], out["working_age"])
    return out.reset_index()


def dependency_ratio_of(young, old, working_age):
    """The demographic dependency ratio from counts: (young + old) ÷ working age (the study's one definition).

    Works on numbers, arrays and Series alike; :func:`dependency_ratio` applies it to a single-age frame and
    :func:`tillsammans.population.observed.group_indicators` to Kolada's age groups.
    """
    return (young + old) / working_age


def working_age_share(frame: pd.DataFrame, lower: int = WORKING_AGE[0], upper: int = WORKING_AGE[1]) -> pd.DataFrame:
    """Share of the population aged ``lower``..``upper`` (inclusive; e.g. ``upper`` = pension age − 1).

    Returns
    -------
    DataFrame
        ``*groupings, working_age, population, working_age_share``.
    """
    if not 0 <= lower <= upper <= 100:
        raise ValueError(f"working age {lower}–{upper} invalid; allowed 0 <= lower <= upper <= 100")
    keys = _groupings(frame)
    w = _sum_ages(frame, keys, lower, upper)
    total = frame.groupby(keys, observed=True, sort=True)[_VALUE].sum()
    out = pd.DataFrame({"working_age": w, "population": total})
    out["working_age_share"] = out["working_age"] / out["population"]
    return out.reset_index()
