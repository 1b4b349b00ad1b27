"""Ranking of functions for cooperation: six criteria in [0, 1], weighted, with reasons in plain Swedish.

Criteria (keys of the ``weights`` dict):

``vulnerability``
    Reduction in the probability that some municipality is short of staff on a given day, from today's
    arrangements to one pool (scaled so the largest reduction among the functions is 1).
``workforce_gap``
    The projected staff gap of the welfare sector the function belongs to (:mod:`.gaps`, from the workforce
    model): the network's gap in the end year as a share of the sector's staff today, positive part, scaled so
    the largest is 1. A function in a sector without a projected shortage scores 0.
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
    "workforce_gap": "Personalgap i verksamheten",
    "cost": "Kostnadseffekt",
    "recruitment": "Små personalgrupper",
    "legal": "Juridisk och organisatorisk genomförbarhet",
    "geography": "Geografisk genomförbarhet",
}

#: What each criterion measures, in Swedish (the glossary and the cooperation report).
CRITERIA_DESCRIPTIONS: dict[str, str] = {
    "vulnerability": ("Hur mycket risken att minst en kommun en given arbetsdag har för få på plats i funktionen "
                      "minskar med gemensam personal, jämfört med dagens organisation."),
    "workforce_gap": ("Hur stor brist personalprognosen ger i den verksamhet funktionen hör till: nätverkets gap "
                      "i slutåret som andel av verksamhetens personal i dag. Verksamheter utan beräknad brist får "
                      "noll."),
    "cost": ("Förväntad nettobesparing enligt forskningen efter transaktionskostnader, noll där Koladadata visar "
             "högre kostnad i större kommuner."),
    "recruitment": ("Hur små personalgrupperna är där funktionen inte redan delas: små grupper är svåra att "
                    "rekrytera till och sårbara när någon slutar."),
    "legal": ("Hur många samverkansformer som kan bära funktionen (färre när den innebär myndighetsutövning), "
              "och om några av kommunerna redan samverkar om den."),
    "geography": "Hur lite avstånden i nätverket spelar roll, efter funktionens andel arbete på plats.",
}

DEFAULT_WEIGHTS: dict[str, float] = {"vulnerability": 0.25, "workforce_gap": 0.2, "cost": 0.15, "recruitment": 0.15,
                                     "legal": 0.15, "geography": 0.1}

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
    sector_gaps: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The criteria per function, each in [0, 1], plus the raw quantities behind them.

    Parameters
    ----------
    sector_gaps : DataFrame, optional
        The network's workforce results per sector (:func:`tillsammans.cooperation.gaps.network_sector_gaps`:
        index ``sector``, column ``gap_share``); each function reads its sector (the catalogue's ``sector``).
        Without it the ``workforce_gap`` criterion is 0 for every function.

    Returns
    -------
    DataFrame
        Index ``function``; the criteria columns of :data:`CRITERIA` and ``risk_reduction`` (risk reduction),
        ``sector_gap_share`` (the sector's projected gap ÷ its staff today, before scaling), ``net_saving``
        (expected net saving share before scaling), ``small_groups`` (raw recruitment indicator) and
        ``evidence`` (what the Kolada regression says for the function's KPI).
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

    if sector_gaps is not None:
        gap_share = catalogue["sector"].map(sector_gaps["gap_share"]).fillna(0.0).astype(float)
    else:
        gap_share = pd.Series(0.0, index=fns)
    bonus = coverage["within_share"].reindex(fns).gt(0).astype(float) * EXISTING_MODEL_BONUS
    out = pd.DataFrame({
        "vulnerability": _scaled(reduction),
        "workforce_gap": _scaled(gap_share),
        "cost": _scaled(saving),
        "recruitment": small.clip(0, 1),
        "legal": (legal.reindex(fns) + bonus).clip(0, 1),
        "geography": geography.reindex(fns).clip(0, 1),
        "risk_reduction": reduction,
        "sector_gap_share": gap_share,
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
