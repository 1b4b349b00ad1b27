"""Ranking of functions for cooperation: five criteria in [0, 1], weighted, with reasons in plain Swedish.

Criteria (keys of the ``weights`` dict):

``vulnerability``
    Reduction in the probability that some municipality is short of staff on a given day, from today's
    arrangements to one pool (scaled so the largest reduction among the functions is 1).
``cost``
    Expected net cost saving: the literature's prior for the function's character minus transaction costs,
    set to 0 where the Kolada scale regression shows significant *dis*economies of scale, and scaled by the
    share of the network not already cooperating (scaled so the largest is 1).
``recruitment``
    How small the staff groups are where the function is not shared yet: the mean over municipalities of
    ``max(0, 1 − staff / small_group)``; a larger professional environment eases recruitment.
``legal``
    Legal and organisational feasibility from the legal-forms table, plus a bonus when some members already
    run the function together (a working model to extend).
``geography``
    Geographic feasibility: the on-site share of the work against travel time to the most central member.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from tillsammans.cooperation.assumptions import DEFAULTS

CRITERIA: dict[str, str] = {
    "vulnerability": "Minskad sårbarhet",
    "cost": "Kostnadseffekt",
    "recruitment": "Rekryteringsnytta",
    "legal": "Juridisk och organisatorisk genomförbarhet",
    "geography": "Geografisk genomförbarhet",
}

DEFAULT_WEIGHTS: dict[str, float] = {"vulnerability": 0.3, "cost": 0.2, "recruitment": 0.2, "legal": 0.15,
                                     "geography": 0.15}

EXISTING_MODEL_BONUS = 0.2


def validate_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Check a weight dict against :data:`CRITERIA` and return it normalised to sum 1.

    Raises
    ------
    ValueError
        Missing or unknown criteria, negative or non-finite weights, or all weights zero.
    """
    if not isinstance(weights, Mapping):
        # ValueError, not TypeError: a notebook parameter of the wrong shape is bad input like any other.
        raise ValueError(  # noqa: TRY004
            f"weights must be a dict with keys {list(CRITERIA)}, got {type(weights).__name__}")
    missing = [k for k in CRITERIA if k not in weights]
    unknown = [k for k in weights if k not in CRITERIA]
    if missing or unknown:
        raise ValueError(
            f"weights must have exactly the criteria {list(CRITERIA)}; missing {missing}, unknown {unknown}")
    values = {}
    for key, value in weights.items():
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number or not math.isfinite(value) or value < 0:
            raise ValueError(f"weight for {key!r} must be a non-negative number, got {value!r}")
        values[key] = float(value)
    total = sum(values.values())
    if total <= 0:
        raise ValueError("at least one weight must be positive")
    return {k: values[k] / total for k in CRITERIA}


def _scaled(values: pd.Series) -> pd.Series:
    top = float(values.max())
    return values.clip(lower=0) / top if top > 0 else values * 0.0


def criteria_scores(
    catalogue: pd.DataFrame,
    vulnerability_fn: pd.DataFrame,
    staff: pd.DataFrame,
    coverage: pd.DataFrame,
    legal: pd.Series,
    geography: pd.Series,
    cost_effect: pd.DataFrame | None = None,
    priors: Mapping[str, float] | None = None,
    transaction_cost: float = DEFAULTS.transaction_cost,
    small_group: int = DEFAULTS.small_group,
) -> pd.DataFrame:
    """The five criteria per function, each in [0, 1], plus the raw quantities behind them.

    Returns
    -------
    DataFrame
        Index ``function``; the criteria columns of :data:`CRITERIA` and ``risk_reduction`` (risk reduction),
        ``net_saving`` (expected net saving share before scaling), ``small_groups`` (raw recruitment
        indicator) and ``evidence`` (what the Kolada regression says for the function's KPI).
    """
    priors = dict(DEFAULTS.priors if priors is None else priors)
    if small_group < 1:
        raise ValueError(f"small_group must be at least 1, got {small_group}")
    fns = list(catalogue.index)
    vuln = vulnerability_fn.set_index("function").reindex(fns)
    reduction = (vuln["risk_today"] - vuln["risk_pooled"]).fillna(0.0)

    effects = cost_effect.set_index("kpi") if cost_effect is not None and len(cost_effect) else None
    saving, evidence = {}, {}
    for fn in fns:
        prior = priors.get(catalogue.at[fn, "kind"], 0.0)
        net = max(0.0, prior - transaction_cost)
        kpi = catalogue.at[fn, "cost_kpi"]
        if kpi and effects is not None and kpi in effects.index:
            row = effects.loc[kpi]
            if row["significant"] and row["effect"] > 0:
                net, evidence[fn] = 0.0, "motsägs"
            elif row["significant"] and row["effect"] < 0:
                evidence[fn] = "stöds"
            else:
                evidence[fn] = "ej påvisbar"
        else:
            evidence[fn] = "saknar nyckeltal"
        saving[fn] = net * (1 - float(coverage.at[fn, "covered_share"]))
    saving = pd.Series(saving)

    small = {}
    for fn in fns:
        rows = staff[staff["function"] == fn]
        covered = set(coverage.at[fn, "covered"])
        ind = [max(0.0, 1 - r.heads / small_group) if r.region_code not in covered else 0.0
               for r in rows.itertuples()]
        small[fn] = float(np.mean(ind)) if ind else 0.0
    small = pd.Series(small)

    bonus = coverage["within_share"].reindex(fns).gt(0).astype(float) * EXISTING_MODEL_BONUS
    out = pd.DataFrame({
        "vulnerability": _scaled(reduction),
        "cost": _scaled(saving),
        "recruitment": small.clip(0, 1),
        "legal": (legal.reindex(fns) + bonus).clip(0, 1),
        "geography": geography.reindex(fns).clip(0, 1),
        "risk_reduction": reduction,
        "net_saving": saving,
        "small_groups": small,
        "evidence": pd.Series(evidence),
    }, index=pd.Index(fns, name="function"))
    return out


def rank_functions(scores: pd.DataFrame, weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Weighted total per function (weights normalised to sum 1), sorted best first with ``rank`` 1, 2, …"""
    w = validate_weights(DEFAULT_WEIGHTS if weights is None else weights)
    out = scores.copy()
    out["total"] = sum(out[k] * v for k, v in w.items())
    out = out.sort_values("total", ascending=False)
    out["rank"] = np.arange(1, len(out) + 1)
    return out


def rank_sensitivity(scores: pd.DataFrame, weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Ranks under other weightings: the given weights, equal weights, and each criterion left out in turn.

    The weights are a value judgement; a function that stays near the top in every column does so
    regardless of how the criteria are valued.

    Returns
    -------
    DataFrame
        Index ``function`` (ordered as under the given weights); one column of ranks per weighting, named in
        Swedish ("Valda vikter", "Lika vikter", "Utan <kriterium>").
    """
    base = validate_weights(DEFAULT_WEIGHTS if weights is None else weights)
    variants = {"Valda vikter": base, "Lika vikter": dict.fromkeys(CRITERIA, 1.0)}
    for key, label in CRITERIA.items():
        dropped = {k: (0.0 if k == key else v) for k, v in base.items()}
        if sum(dropped.values()) > 0:
            variants[f"Utan {label.lower()}"] = dropped
    columns = {name: rank_functions(scores, w)["rank"] for name, w in variants.items()}
    out = pd.DataFrame(columns)
    return out.sort_values("Valda vikter")
