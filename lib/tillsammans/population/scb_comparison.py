"""Our projection beside the SCB model's: the expected change in inhabitants 5 and 10 years from 2024.

Kolada publishes, for every municipality, the change in inhabitants that SCB's regional projection model
expects from 31 December 2024 to 2029 (``n02915``) and to 2034 (``n02838``), in percent. Our projection
meets SCB's observed 2024 total exactly (it is carried to SCB's totals 2023–2025), so its change from 2024
is comparable one to one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tillsammans.population.inputs import SCB_MODEL_CHANGE_KPIS, PopulationInputs, load_inputs
from tillsammans.population.levels import prepare_region
from tillsammans.population.run import run_projection

#: The base year of the SCB-model change KPIs.
SCB_MODEL_BASE_YEAR = 2024


def scb_model_comparison(
    codes: Sequence[str] | None = None,
    inputs: PopulationInputs | None = None,
    processed_dir: Path | None = None,
    network: str | None = None,
    scenario: str = "base",
    **assumptions: Any,
) -> pd.DataFrame:
    """Our 5- and 10-year change in inhabitants from 2024 next to the SCB model's (Kolada n02915, n02838).

    Parameters
    ----------
    codes : list of str, optional
        Municipalities (default all 290).
    network : str, optional
        When given, a row with this ``region_code`` label is added for the codes together (changes of the
        summed populations; the SCB model's target is each municipality's 2024 total × its change).

    Returns
    -------
    DataFrame
        ``region_code, years_ahead, target_year, population_2024, ours, scb_model, ours_change_pct,
        scb_model_change_pct, difference_pp`` (persons; percent; difference = ours − SCB model, percentage
        points).
    """
    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    codes = inputs.registry.municipalities() if codes is None else [inputs.registry.resolve(c) for c in codes]
    end = SCB_MODEL_BASE_YEAR + max(SCB_MODEL_CHANGE_KPIS)
    rows = []
    for code in codes:
        base = inputs.recent_totals.get(code, {}).get(SCB_MODEL_BASE_YEAR)
        if base is None:
            raise ValueError(f"no SCB total for {code} in {SCB_MODEL_BASE_YEAR}; the comparison needs the "
                             "mirror's scb/population_municipality_total_2020_2025.csv")
        model = prepare_region(code, None, end, scenario, inputs, **assumptions)
        run = run_projection(model, inputs, end)
        totals = run.population[0].sum(axis=(1, 2))
        for ahead in SCB_MODEL_CHANGE_KPIS:
            target = SCB_MODEL_BASE_YEAR + ahead
            scb_change = inputs.scb_model_change.get(ahead, {}).get(code, np.nan)
            rows.append({"region_code": code, "years_ahead": ahead, "target_year": target,
                         "population_2024": base, "ours": float(totals[target - run.years[0]]),
                         "scb_model": base * (1 + scb_change / 100)})
    out = pd.DataFrame(rows)
    if network is not None:
        summed = out.groupby(["years_ahead", "target_year"], as_index=False)[
            ["population_2024", "ours", "scb_model"]].sum(min_count=len(codes))
        out = pd.concat([out, summed.assign(region_code=network)], ignore_index=True)
    out["ours_change_pct"] = 100 * (out["ours"] / out["population_2024"] - 1)
    out["scb_model_change_pct"] = 100 * (out["scb_model"] / out["population_2024"] - 1)
    out["difference_pp"] = out["ours_change_pct"] - out["scb_model_change_pct"]
    return out


def scb_comparison_summary(comparison: pd.DataFrame) -> pd.DataFrame:
    """Agreement over many municipalities: mean and mean absolute difference, correlation, share same sign.

    Returns
    -------
    DataFrame
        ``years_ahead, n, mean_difference_pp, mean_abs_difference_pp, correlation, same_direction`` (share).
    """
    rows = []
    for ahead, group in comparison.groupby("years_ahead"):
        part = group.dropna(subset=["ours_change_pct", "scb_model_change_pct"])
        rows.append({
            "years_ahead": int(ahead), "n": len(part),
            "mean_difference_pp": part["difference_pp"].mean(),
            "mean_abs_difference_pp": part["difference_pp"].abs().mean(),
            "correlation": part["ours_change_pct"].corr(part["scb_model_change_pct"]),
            "same_direction": (np.sign(part["ours_change_pct"]) == np.sign(part["scb_model_change_pct"])).mean(),
        })
    return pd.DataFrame(rows)
