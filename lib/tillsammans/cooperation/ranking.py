"""Ranking of functions for cooperation: five criteria in [0, 1], weighted, with reasons in plain Swedish.

Criteria (keys of the ``weights`` dict):

``sarbarhet``
    Reduction in the probability that some municipality is short of staff on a given day, from today's
    arrangements to one pool (scaled so the largest reduction among the functions is 1).
``kostnad``
    Expected net cost saving: the literature's prior for the function's character minus transaction costs,
    set to 0 where the Kolada scale regression shows significant *dis*economies of scale, and scaled by the
    share of the network not already cooperating (scaled so the largest is 1).
``rekrytering``
    How small the staff groups are where the function is not shared yet: the mean over municipalities of
    ``max(0, 1 − staff / small_group)``; a larger professional environment eases recruitment.
``juridik``
    Legal and organisational feasibility from the legal-forms table, plus a bonus when some members already
    run the function together (a working model to extend).
``geografi``
    Geographic feasibility: the on-site share of the work against travel time to the most central member.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

CRITERIA: dict[str, str] = {
    "sarbarhet": "Minskad sårbarhet",
    "kostnad": "Kostnadseffekt",
    "rekrytering": "Rekryteringsnytta",
    "juridik": "Juridisk och organisatorisk genomförbarhet",
    "geografi": "Geografisk genomförbarhet",
}

DEFAULT_WEIGHTS: dict[str, float] = {"sarbarhet": 0.3, "kostnad": 0.2, "rekrytering": 0.2, "juridik": 0.15,
                                     "geografi": 0.15}

#: Gross saving priors by character (share of the function's cost); see assumptions_table for sources.
DEFAULT_PRIORS: dict[str, float] = {"stöd": 0.10, "specialist": 0.05, "volym": 0.0}
DEFAULT_TRANSACTION_COST = 0.03
DEFAULT_SMALL_GROUP = 5
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
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
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
    transaction_cost: float = DEFAULT_TRANSACTION_COST,
    small_group: int = DEFAULT_SMALL_GROUP,
) -> pd.DataFrame:
    """The five criteria per function, each in [0, 1], plus the raw quantities behind them.

    Returns
    -------
    DataFrame
        Index ``funktion``; the criteria columns of :data:`CRITERIA` and ``minskning_pp`` (risk reduction),
        ``besparing_netto`` (expected net saving share before scaling), ``smagrupp`` (raw recruitment
        indicator) and ``data_stod`` (what the Kolada regression says for the function's KPI).
    """
    priors = dict(DEFAULT_PRIORS if priors is None else priors)
    if small_group < 1:
        raise ValueError(f"small_group must be at least 1, got {small_group}")
    fns = list(catalogue.index)
    vuln = vulnerability_fn.set_index("funktion").reindex(fns)
    reduction = (vuln["risk_idag"] - vuln["risk_samlad"]).fillna(0.0)

    effects = cost_effect.set_index("kpi") if cost_effect is not None and len(cost_effect) else None
    saving, evidence = {}, {}
    for fn in fns:
        prior = priors.get(catalogue.at[fn, "karaktar"], 0.0)
        net = max(0.0, prior - transaction_cost)
        kpi = catalogue.at[fn, "kolada_kostnad"]
        if kpi and effects is not None and kpi in effects.index:
            row = effects.loc[kpi]
            if row["signifikant"] and row["effekt"] > 0:
                net, evidence[fn] = 0.0, "motsägs"
            elif row["signifikant"] and row["effekt"] < 0:
                evidence[fn] = "stöds"
            else:
                evidence[fn] = "ej påvisbar"
        else:
            evidence[fn] = "saknar nyckeltal"
        saving[fn] = net * (1 - float(coverage.at[fn, "andel_tackta"]))
    saving = pd.Series(saving)

    small = {}
    for fn in fns:
        rows = staff[staff["funktion"] == fn]
        covered = set(coverage.at[fn, "tackta"])
        ind = [max(0.0, 1 - r.personer / small_group) if r.kommun_kod not in covered else 0.0
               for r in rows.itertuples()]
        small[fn] = float(np.mean(ind)) if ind else 0.0
    small = pd.Series(small)

    bonus = coverage["andel_inom"].reindex(fns).gt(0).astype(float) * EXISTING_MODEL_BONUS
    out = pd.DataFrame({
        "sarbarhet": _scaled(reduction),
        "kostnad": _scaled(saving),
        "rekrytering": small.clip(0, 1),
        "juridik": (legal.reindex(fns) + bonus).clip(0, 1),
        "geografi": geography.reindex(fns).clip(0, 1),
        "minskning_pp": reduction,
        "besparing_netto": saving,
        "smagrupp": small,
        "data_stod": pd.Series(evidence),
    }, index=pd.Index(fns, name="funktion"))
    return out


def rank_functions(scores: pd.DataFrame, weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Weighted total per function (weights normalised to sum 1), sorted best first with ``rang`` 1, 2, …"""
    w = validate_weights(DEFAULT_WEIGHTS if weights is None else weights)
    out = scores.copy()
    out["total"] = sum(out[k] * v for k, v in w.items())
    out = out.sort_values("total", ascending=False)
    out["rang"] = np.arange(1, len(out) + 1)
    return out


def rank_sensitivity(scores: pd.DataFrame, weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Ranks under other weightings: the given weights, equal weights, and each criterion left out in turn.

    The weights are a value judgement; a function that stays near the top in every column does so
    regardless of how the criteria are valued.

    Returns
    -------
    DataFrame
        Index ``funktion`` (ordered as under the given weights); one column of ranks per weighting, named in
        Swedish ("Valda vikter", "Lika vikter", "Utan <kriterium>").
    """
    base = validate_weights(DEFAULT_WEIGHTS if weights is None else weights)
    variants = {"Valda vikter": base, "Lika vikter": dict.fromkeys(CRITERIA, 1.0)}
    for key, label in CRITERIA.items():
        dropped = {k: (0.0 if k == key else v) for k, v in base.items()}
        if sum(dropped.values()) > 0:
            variants[f"Utan {label.lower()}"] = dropped
    columns = {name: rank_functions(scores, w)["rang"] for name, w in variants.items()}
    out = pd.DataFrame(columns)
    return out.sort_values("Valda vikter")
