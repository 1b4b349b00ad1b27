"""Checks of the production model against what happened right after the jump-off, and SCB's model.

* :func:`municipal_check` — every municipality from its 2019 single-age population to 2020–2022, without the
  observed components, against Kolada's totals and age groups.
* :func:`carry_through_check` — the 2019 population carried through 2020–2022 with the observed component
  totals (before the alignment with Kolada's age groups), against Kolada's age groups.
* :func:`kolada_projection_comparison` — SCB-model projections published in Kolada (n02907 …) with their
  outcomes and our projection for the same target year.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from tillsammans.population.agegroups import KOLADA_AGE_GROUPS, KOLADA_PARTITION, label
from tillsammans.population.backtest import TOTAL, group_sums_with_total, size_class
from tillsammans.population.inputs import PopulationInputs, load_inputs
from tillsammans.population.levels import prepare_region
from tillsammans.population.run import run_projection


def _kolada_groups(inputs: PopulationInputs, code: str, year: int) -> dict[str, float]:
    out = {TOTAL: inputs.kolada_value("n01951", code, year)}
    for kpi in KOLADA_PARTITION:
        out[label(*KOLADA_AGE_GROUPS[kpi])] = inputs.kolada_value(kpi, code, year)
    return out


_KOLADA_GROUP_AGES = {label(*KOLADA_AGE_GROUPS[kpi]): KOLADA_AGE_GROUPS[kpi] for kpi in KOLADA_PARTITION}


def _compare(inputs: PopulationInputs, codes: Sequence[str], end_year: int, observed_components: bool) -> pd.DataFrame:
    rows = []
    for code in codes:
        # Without the age-profile calibration: that would fit the carried-through years to these very outcomes.
        # Without the alignment with Kolada's age groups: that would fit the carried-through years to these
        # very outcomes.
        # Unreconciled: the national control of those years would be the national outcome itself.
        model = prepare_region(code, None, end_year, "base", inputs, observed_components=observed_components,
                               align_age_groups=False, align_recent_totals=False, reconcile=False)
        run = run_projection(model, inputs, end_year)
        groups = group_sums_with_total(run.population[0], _KOLADA_GROUP_AGES)
        size = size_class(float(model.pop0.sum()))
        for i, year in enumerate(run.years):
            if year == model.jump_off:
                continue
            observed = _kolada_groups(inputs, code, int(year))
            for group, values in groups.items():
                rows.append({"region_code": code, "size_class": size, "jump_off": model.jump_off,
                             "year": int(year), "horizon": int(year - model.jump_off), "age_group": group,
                             "projected": float(values[i]), "observed": observed[group]})
    out = pd.DataFrame(rows)
    out["error_pct"] = 100 * (out["projected"] - out["observed"]) / out["observed"]
    return out


def municipal_check(codes: Sequence[str] | None = None, end_year: int = 2022, inputs: PopulationInputs | None = None,
                    processed_dir: Path | None = None) -> pd.DataFrame:
    """Projection from the latest single-age year (2019) without observed components vs Kolada outcomes.

    Returns
    -------
    DataFrame
        ``region_code, size_class, jump_off, year, horizon, age_group, projected, observed, error_pct``
        (age groups as Kolada's: 0–5, 6–15, 16–19, 20–64, 65–79, 80+, and ``total``).
    """
    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    codes = inputs.registry.municipalities() if codes is None else [inputs.registry.resolve(c) for c in codes]
    return _compare(inputs, codes, end_year, observed_components=False)


def carry_through_check(codes: Sequence[str] | None = None, inputs: PopulationInputs | None = None,
                        processed_dir: Path | None = None) -> pd.DataFrame:
    """The jump-off population carried through 2020–2022 with observed components vs Kolada's age groups.

    Same columns as :func:`municipal_check`.
    """
    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    codes = inputs.registry.municipalities() if codes is None else [inputs.registry.resolve(c) for c in codes]
    last = int(inputs.kolada_years[-1])
    return _compare(inputs, codes, last, observed_components=True)


def municipal_check_summary(check: pd.DataFrame,
                            by: Sequence[str] = ("size_class", "horizon", "age_group")) -> pd.DataFrame:
    """MAPE, mean signed error (percent) and count by size class, horizon and age group of a check table."""
    by = list(by)
    frame = check.dropna(subset=["error_pct"])
    g = frame.assign(abs_error=frame["error_pct"].abs()).groupby(by, sort=True)
    return pd.DataFrame({"mape": g["abs_error"].mean(), "mean_signed_error": g["error_pct"].mean(),
                         "n": g["error_pct"].size()}).reset_index()


#: SCB-model projections in Kolada: KPI → (years ahead, age range or None for the total).
KOLADA_PROJECTIONS: dict[str, tuple[int, tuple[int, int] | None]] = {
    "n02907": (5, None), "n02908": (5, (1, 5)), "n02909": (5, (6, 15)), "n02910": (5, (16, 19)),
    "n02911": (5, (20, 44)), "n02913": (5, (65, 79)), "n02914": (5, (80, 100)), "n02834": (10, None),
    "n02837": (10, (80, 100)),
}

_OBSERVED_KPI = {None: "n01951", (1, 5): "n01926", (6, 15): "n01953", (16, 19): "n01954", (65, 79): "n01956",
                 (80, 100): "n01957"}


def kolada_projection_comparison(codes: Sequence[str], inputs: PopulationInputs | None = None,
                                 processed_dir: Path | None = None, end_year: int = 2035) -> pd.DataFrame:
    """SCB-model projections published in Kolada next to the outcome and to our projection.

    Kolada's ``year`` of these KPIs is the base year; the target is base + 5 (or + 10) years. Our value is the
    base-scenario projection from the latest single-age year (2019) with the observed components to 2022,
    so for targets up to 2022 it is the carried-through estimate, not a forecast; ``ours_forecast`` is the
    projection from 2019 without the observed components and unreconciled (a true 1–3-year forecast for targets
    2020–2022).

    Returns
    -------
    DataFrame
        ``region_code, kpi, age_group, base_year, target_year, scb_model, ours, ours_forecast, observed,
        scb_error_pct, ours_error_pct, ours_forecast_error_pct`` (percent errors where the target year is
        observed: Kolada, and SCB's totals 2023–2025 for the total).
    """
    from tillsammans.data import kolada  # the projections are not among the model's inputs

    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    codes = [inputs.registry.resolve(c) for c in codes]
    published = kolada(list(KOLADA_PROJECTIONS), regions=codes, processed_dir=inputs.processed_dir)
    obs_kpis = ["n01951", "n01926", "n01953", "n01954", "n01956", "n01957", "n02832"]
    observed = kolada(obs_kpis, regions=codes, processed_dir=inputs.processed_dir).set_index(
        ["kpi", "region_code", "year"])["value"]
    rows = []
    for code in codes:
        model = prepare_region(code, None, end_year, "base", inputs)
        run = run_projection(model, inputs, end_year)
        by_age = run.population[0].sum(axis=1)
        pure_model = prepare_region(code, None, end_year, "base", inputs, observed_components=False,
                                    reconcile=False)
        pure = run_projection(pure_model, inputs, end_year).population[0].sum(axis=1)
        for rec in published[published.region_code == code].itertuples():
            ahead, ages = KOLADA_PROJECTIONS[rec.kpi]
            target = int(rec.year) + ahead
            lo, hi = ages or (0, 100)
            inside = run.years[0] <= target <= run.years[-1]
            ours = float(by_age[target - run.years[0], lo:hi + 1].sum()) if inside else np.nan
            forecast = float(pure[target - run.years[0], lo:hi + 1].sum()) if inside else np.nan
            okpi = _OBSERVED_KPI.get(ages, "n02832" if ages == (20, 44) else None)
            obs = float(observed.get((okpi, code, target), np.nan)) if okpi else np.nan
            if ages is None and not np.isfinite(obs):  # totals after Kolada's last year: SCB's (2023–2025)
                obs = inputs.recent_totals.get(code, {}).get(target, np.nan)
            rows.append({"region_code": code, "kpi": rec.kpi, "age_group": TOTAL if ages is None else
                         (f"{lo}–{hi}" if hi < 100 else f"{lo}+"), "base_year": int(rec.year),
                         "target_year": target, "scb_model": float(rec.value), "ours": ours,
                         "ours_forecast": forecast, "observed": obs})
    out = pd.DataFrame(rows)
    out["scb_error_pct"] = 100 * (out["scb_model"] - out["observed"]) / out["observed"]
    out["ours_error_pct"] = 100 * (out["ours"] - out["observed"]) / out["observed"]
    out["ours_forecast_error_pct"] = 100 * (out["ours_forecast"] - out["observed"]) / out["observed"]
    return out.sort_values(["region_code", "kpi", "base_year"]).reset_index(drop=True)
