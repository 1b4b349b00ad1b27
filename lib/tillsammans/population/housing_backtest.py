"""Does knowing the housing improve the projection? The housing scenario tested against what happened.

:func:`backtest_housing` runs the municipal backtest (:func:`~tillsammans.population.backtest_municipalities`:
all 290 municipalities from the jump-offs 2000, 2005, 2010, 2015 and 2019, only the data up to the jump-off)
with the housing scenario and the dwellings that were *actually completed* after the jump-off (Kolada n07917,
to 2022: ``dwelling_path="observed"``) — the housing parameters themselves estimated on the years up to the
jump-off only. :func:`housing_comparison` sets it beside the main scenario (the same backtest) and the naive
benchmarks, for all municipalities and by kind of municipality (:func:`municipality_types`), on the years
whose completions are observed (to 2022).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from tillsammans.population.assumptions import Assumptions
from tillsammans.population.backtest import MUNICIPAL_JUMP_OFFS, SIZE_CLASSES, TOTAL, backtest_municipalities
from tillsammans.population.dwellings import completion_counts
from tillsammans.population.inputs import PopulationInputs, load_inputs
from tillsammans.population.stochastic import DEFAULT_SEED

#: Out-commuting share (Kolada n02279, employed residents working in another municipality, %) from which a
#: municipality counts as a commuter municipality; the mirror has it for 2020–2022, so the type is today's.
COMMUTER_KPI, COMMUTER_SHARE = "n02279", 50.0

#: Type dimensions of :func:`municipality_types` and their Swedish names.
TYPE_LABELS = {
    "size_class": "Kommunstorlek vid startåret",
    "building_class": "Bostadsbyggande före startåret",
    "building_change": "Byggandet efter startåret jämfört med före",
    "growth_class": "Befolkningsutveckling de fem åren före startåret",
    "commuter_class": "Utpendling",
}

#: Completions per 1 000 inhabitants a year before the jump-off (the level years' mean): class limits.
BUILDING_CLASSES = {"under 2 per 1 000": (-np.inf, 2.0), "2–4 per 1 000": (2.0, 4.0), "4 per 1 000 +": (4.0, np.inf)}

#: The change of building after the jump-off (mean completions from the jump-off to the outcome year less the
#: mean before, per 1 000 inhabitants at the jump-off a year): class limits.
CHANGE_CLASSES = {"minst 1 per 1 000 färre": (-np.inf, -1.0), "ungefär som före": (-1.0, 1.0),
                  "minst 1 per 1 000 fler": (1.0, np.inf)}

#: Growth of the population in the 5 years before the jump-off, percent: class limits.
GROWTH_CLASSES = {"minskande": (-np.inf, 0.0), "växande 0–5 %": (0.0, 5.0), "växande 5 % +": (5.0, np.inf)}


def backtest_housing(inputs: PopulationInputs | None = None, codes: Sequence[str] | None = None,
                     jump_offs: Sequence[int] = MUNICIPAL_JUMP_OFFS, n_sims: int = 1, seed: int = DEFAULT_SEED,
                     processed_dir: Path | None = None, assumptions: Assumptions | None = None,
                     cache: bool = True) -> pd.DataFrame:
    """The municipal backtest of the housing scenario with the dwellings actually completed (deterministic).

    Columns as :func:`~tillsammans.population.backtest_municipalities`; ``method == "model"`` is the housing
    scenario. Cached in ``data/processed/cache`` like the main backtest.
    """
    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    a = replace(assumptions or Assumptions(), dwelling_path="observed")
    return backtest_municipalities(inputs, codes, jump_offs, n_sims=n_sims, seed=seed, assumptions=a, cache=cache,
                                   scenario="housing")


def last_completions_year(inputs: PopulationInputs) -> int:
    """The last year with completed dwellings for most municipalities (2022 in the mirror)."""
    years = [max(completion_counts(inputs, c), default=0) for c in inputs.registry.municipalities()]
    return int(np.median(years))


def _classify(value: float | np.floating, classes: dict[str, tuple[float, float]]) -> str | float:
    if not np.isfinite(value):
        return np.nan
    for name, (lo, hi) in classes.items():
        if lo <= value < hi:
            return name
    return list(classes)[-1]


def municipality_types(inputs: PopulationInputs, cases: pd.DataFrame) -> pd.DataFrame:
    """Kinds of municipality for backtest rows (``region_code, jump_off, year``).

    Returns
    -------
    DataFrame
        ``region_code, jump_off, year, building_class`` (mean completions per 1 000 inhabitants a year over the
        five years up to the jump-off), ``building_change`` (mean completions from the year after the jump-off
        to ``year`` less that mean, per 1 000 inhabitants at the jump-off), ``growth_class`` (growth of the
        population in the five years before the jump-off) and ``commuter_class`` (out-commuting share, Kolada
        n02279, the latest year; at least :data:`COMMUTER_SHARE` % is a commuter municipality).
    """
    keys = cases[["region_code", "jump_off", "year"]].drop_duplicates().reset_index(drop=True)
    return pd.DataFrame([inputs.memo(("municipality_type", code, int(jo), int(year)),
                                     lambda code=code, jo=jo, year=year: _municipality_type(inputs, code, int(jo),
                                                                                            int(year)))
                         for code, jo, year in keys.itertuples(index=False)])


def _municipality_type(inputs: PopulationInputs, code: str, jo: int, year: int) -> dict:
    """One row of :func:`municipality_types` (kept on the inputs: every report's backtest tables ask again)."""
    row = inputs.kolada_codes.get(code)
    values = inputs.kolada_values[COMMUTER_KPI][row] if row is not None and COMMUTER_KPI in inputs.kolada_values \
        else np.array([np.nan])
    finite = values[np.isfinite(values)]
    share = float(finite[-1]) if len(finite) else np.nan
    built = completion_counts(inputs, code)
    pop0 = inputs.kolada_value("n01951", code, jo)
    before = [built[y] for y in range(jo - 4, jo + 1) if y in built]
    after = [built[y] for y in range(jo + 1, year + 1) if y in built]
    level = np.mean(before) / pop0 * 1000 if before and np.isfinite(pop0) else np.nan
    change = (np.mean(after) / pop0 * 1000 - level) if after and len(after) == year - jo else np.nan
    earlier = inputs.kolada_value("n01951", code, jo - 5)
    growth = 100 * (pop0 / earlier - 1) if np.isfinite(earlier) and earlier > 0 else np.nan
    return {"region_code": code, "jump_off": jo, "year": year,
            "building_class": _classify(level, BUILDING_CLASSES),
            "building_change": _classify(change, CHANGE_CLASSES),
            "growth_class": _classify(growth, GROWTH_CLASSES),
            "commuter_class": (np.nan if not np.isfinite(share) else
                               "pendlingskommun" if share >= COMMUTER_SHARE else "övriga")}


def housing_comparison(housing: pd.DataFrame, standard: pd.DataFrame, inputs: PopulationInputs,
                       horizons: Sequence[int] = (3, 5, 10), by: str | None = None,
                       age_groups: Sequence[str] = (TOTAL,), last_year: int | None = None,
                       include_all: bool = False) -> pd.DataFrame:
    """Housing scenario beside the main scenario and the naive benchmarks: MAPE by horizon (and kind).

    Parameters
    ----------
    housing, standard : DataFrame
        :func:`backtest_housing` and the main scenario's :func:`~tillsammans.population.backtest_municipalities`.
    by : str, optional
        A column of :func:`municipality_types` or ``size_class`` (None: all municipalities).
    last_year : int, optional
        Last outcome year compared (default: the last year with completed dwellings, 2022).
    include_all : bool
        With ``by``: rows for all municipalities first, with ``by`` = ``"alla"``.

    Returns
    -------
    DataFrame
        ``[by,] horizon, age_group, mape_housing, mape_standard, mape_naive_constant, mape_naive_growth,
        bias_housing, bias_standard, housing_better`` (share of cases where the housing scenario's absolute
        error is smaller than the main scenario's), ``n`` (cases). Percent.
    """
    last = last_completions_year(inputs) if last_year is None else int(last_year)
    keys = ["region_code", "jump_off", "year", "horizon", "age_group"]

    def pick(frame: pd.DataFrame, method: str, name: str) -> pd.DataFrame:
        sel = frame[(frame["method"] == method) & (frame["year"] <= last) & frame["horizon"].isin(list(horizons))
                    & frame["age_group"].isin(list(age_groups))]
        return sel[[*keys, "size_class", "error_pct"]].rename(columns={"error_pct": name})
    merged = pick(housing, "model", "housing").merge(
        pick(standard, "model", "standard").drop(columns="size_class"), on=keys)
    for method in ("naive_constant", "naive_growth"):
        merged = merged.merge(pick(standard, method, method).drop(columns="size_class"), on=keys)
    if by is not None and by != "size_class":
        merged = merged.merge(municipality_types(inputs, merged), on=["region_code", "jump_off", "year"])
        merged = merged.dropna(subset=[by])
    group = [*([by] if by else []), "horizon", "age_group"]
    g = merged.assign(better=(merged["housing"].abs() < merged["standard"].abs()).astype(float)).groupby(
        group, sort=True, observed=True)
    out = pd.DataFrame({
        "mape_housing": g["housing"].apply(lambda s: s.abs().mean()),
        "mape_standard": g["standard"].apply(lambda s: s.abs().mean()),
        "mape_naive_constant": g["naive_constant"].apply(lambda s: s.abs().mean()),
        "mape_naive_growth": g["naive_growth"].apply(lambda s: s.abs().mean()),
        "bias_housing": g["housing"].mean(), "bias_standard": g["standard"].mean(),
        "housing_better": g["better"].mean(), "n": g["housing"].size(),
    }).reset_index()
    if by is not None:
        order = {name: k for k, name in enumerate([*SIZE_CLASSES, *BUILDING_CLASSES, *CHANGE_CLASSES,
                                                   *GROWTH_CLASSES, "pendlingskommun", "övriga"])}
        out = out.sort_values([by, "horizon"], key=lambda s: s.map(order).fillna(-1) if s.name == by else s)
    if by is not None and include_all:
        everyone = housing_comparison(housing, standard, inputs, horizons, None, age_groups, last)
        out = pd.concat([everyone.assign(**{by: "alla"}), out], ignore_index=True)[out.columns]
    out.attrs["last_year"] = last
    return out.reset_index(drop=True)
