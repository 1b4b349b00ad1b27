"""Where cooperation pays off: vulnerability of small staff groups, pooling, scale economies, travel, legal forms.

One call runs the network analysis; each step is also a function of its own module::

    from tillsammans import cooperation
    res = cooperation.analyse(["0381", "0331", "0305", "0330", "0360", "0319", "0382"])
    res.ranking            # functions ranked by the weighted criteria
    res.vulnerability_fn   # shortfall risk standalone / today / pooled
    res.elasticities       # Kolada scale elasticities (OLS, HC3) across the 290 municipalities

Modules: :mod:`.functions` (catalogue, staff), :mod:`.vulnerability` (binomial shortfall risk),
:mod:`.queueing` (Erlang C, square-root staffing), :mod:`.scale` (cost elasticities),
:mod:`.geography` (centres, distances), :mod:`.legal` (legal forms, existing arrangements),
:mod:`.ranking`, :mod:`.explain` (reasons in Swedish), :mod:`.assumptions`; the figures live in
:mod:`tillsammans.plots.cooperation`. Data flow: ``data`` → ``cooperation``; nothing here imports
``plots`` or ``reports``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from tillsammans.cooperation import (
    assumptions,
    explain,
    functions,
    geography,
    legal,
    queueing,
    ranking,
    scale,
    vulnerability,
)
from tillsammans.cooperation.assumptions import assumptions_table, literature_priors
from tillsammans.cooperation.functions import CATALOGUE, catalogue, read_local_staff, staff_by_function
from tillsammans.cooperation.queueing import (
    erlang_b,
    erlang_c,
    service_level,
    sqrt_staffing,
    staff_for_service_level,
)
from tillsammans.cooperation.ranking import CRITERIA, DEFAULT_WEIGHTS, validate_weights

__all__ = [
    "CATALOGUE", "CRITERIA", "DEFAULT_WEIGHTS", "CooperationResult", "analyse", "assumptions",
    "assumptions_table", "catalogue", "erlang_b", "erlang_c", "explain", "functions", "geography", "legal",
    "literature_priors", "queueing", "ranking", "read_local_staff", "scale", "service_level", "sqrt_staffing",
    "staff_by_function", "staff_for_service_level", "validate_municipalities", "validate_weights",
    "vulnerability",
]


def validate_municipalities(municipalities: Sequence[str]) -> list[str]:
    """Resolve a network through the registry: at least two municipalities, no duplicates, known codes."""
    from tillsammans.municipalities import registry

    return registry().resolve_many(municipalities, level="municipality", min_count=2)


@dataclass
class CooperationResult:
    """Everything the network notebook shows; tidy DataFrames, see :func:`analyse`."""

    municipalities: list[str]
    names: dict[str, str]
    population_year: int
    staff: pd.DataFrame
    unavailability: pd.DataFrame
    vulnerability_muni: pd.DataFrame
    vulnerability_fn: pd.DataFrame
    staffing: pd.DataFrame
    panel: pd.DataFrame
    fits: dict
    elasticities: pd.DataFrame
    diagnostics: pd.DataFrame
    cost_effect: pd.DataFrame
    centres: pd.DataFrame
    distances: pd.DataFrame
    travel: pd.DataFrame
    host: str
    existing: pd.DataFrame
    coverage: pd.DataFrame
    scores: pd.DataFrame
    ranking: pd.DataFrame
    explanation: str
    assumptions: pd.DataFrame
    parameters: dict = field(default_factory=dict)


def _population(codes: list[str], year: int | None) -> tuple[pd.Series, int]:
    from tillsammans import data

    tidy = data.kolada([scale.POPULATION_KPI], regions=codes).dropna(subset=["value"])
    year = int(tidy["year"].max()) if year is None else int(year)
    pop = tidy[tidy["year"] == year].set_index("region_code")["value"].reindex(codes)
    if pop.isna().any():
        raise ValueError(f"no population ({scale.POPULATION_KPI}) in {year} for {pop[pop.isna()].index.tolist()}")
    return pop, year


def analyse(
    municipalities: Sequence[str],
    weights: Mapping[str, float] | None = None,
    vacancy: float = vulnerability.DEFAULT_VACANCY,
    other_leave: float = vulnerability.DEFAULT_OTHER_LEAVE,
    occupancy: float = 0.8,
    service_target: float = 0.8,
    target_wait: float = 0.5,
    cost_years: Sequence[int] = scale.DEFAULT_YEARS,
    population_year: int | None = None,
    circuity: float = geography.DEFAULT_CIRCUITY,
    speed_kmh: float = geography.DEFAULT_SPEED_KMH,
    tolerable_minutes: float = 45.0,
    priors: Mapping[str, float] | None = None,
    transaction_cost: float = ranking.DEFAULT_TRANSACTION_COST,
    small_group: int = ranking.DEFAULT_SMALL_GROUP,
    local_staff: object = "auto",
    as_of: dt.date | str | None = None,
    top: int = 3,
) -> CooperationResult:
    """Run the whole cooperation analysis for a network of municipalities.

    Parameters
    ----------
    municipalities : list of str
        SCB codes (or names); at least two, no duplicates.
    weights : dict, optional
        Ranking weights with exactly the keys of :data:`CRITERIA` (normalised to sum 1).
    vacancy, other_leave : float
        Shares of staff unavailable besides sick leave (assumptions).
    occupancy, service_target, target_wait : float
        Erlang-C comparison: share of time on the case queue, required share of cases started within
        ``target_wait`` mean handling times.
    cost_years : years
        Kolada years averaged in the scale regression.
    circuity, speed_kmh, tolerable_minutes : float
        Travel assumptions.
    priors, transaction_cost, small_group
        Ranking assumptions (see :mod:`.ranking`).
    local_staff : "auto", path, DataFrame or None
        Local staff data (see :mod:`.functions`); ``"auto"`` uses ``data/raw/local/cooperation_staff.csv``
        if present.
    as_of : date, optional
        Date for the status of existing arrangements (default today).

    Raises
    ------
    ValueError
        Fewer than two municipalities, duplicates, an unknown code, bad weights, a bad local staff file or
        an out-of-range parameter.
    """
    from tillsammans.municipalities import registry

    codes = validate_municipalities(municipalities)
    w = validate_weights(DEFAULT_WEIGHTS if weights is None else weights)
    reg = registry()
    names = {c: reg.name(c) for c in codes}
    cat = catalogue()
    if isinstance(local_staff, str) and local_staff != "auto":
        local_staff = read_local_staff(local_staff)

    pop, pop_year = _population(codes, population_year)
    staff = staff_by_function(pop, local=local_staff)
    unavail = vulnerability.unavailability(codes, vacancy=vacancy, other_leave=other_leave)
    existing = legal.existing_cooperations(codes, cat, as_of=as_of)
    groups = legal.current_groups(existing)
    cover = legal.coverage(existing, codes, cat)
    v_muni, v_fn = vulnerability.vulnerability(staff, unavail, cat, groups=groups)
    staffing = queueing.staffing_comparison(staff, cat, occupancy=occupancy, target=service_target,
                                            target_wait=target_wait)

    panel = scale.cost_panel(years=cost_years)
    fits = scale.fit_scale_models(panel)
    elasticities = scale.elasticity_table(fits)
    diagnostics = scale.diagnostics_table(fits)
    cost_effect = scale.network_cost_effect(fits, panel, codes)

    centres = geography.centroids(codes)
    distances = geography.distance_matrix(centres)
    travel, host = geography.travel_summary(distances, circuity=circuity, speed_kmh=speed_kmh)

    scores = ranking.criteria_scores(
        cat, v_fn, staff, cover, legal.legal_scores(cat),
        geography.geographic_scores(cat, travel, tolerable_minutes=tolerable_minutes),
        cost_effect=cost_effect, priors=priors, transaction_cost=transaction_cost, small_group=small_group)
    ranked = ranking.rank_functions(scores, w)
    text = explain.explain_top(ranked, cat, v_fn, staff, cover, staffing=staffing, cost_effect=cost_effect, top=top)
    table = assumptions_table(vacancy=vacancy, other_leave=other_leave, occupancy=occupancy,
                              service_target=service_target, target_wait=target_wait, circuity=circuity,
                              speed_kmh=speed_kmh, tolerable_minutes=tolerable_minutes, priors=priors,
                              transaction_cost=transaction_cost, small_group=small_group,
                              cost_years=cost_years, weights=w, catalogue=cat)
    params = {"municipalities": codes, "weights": w, "vacancy": vacancy, "other_leave": other_leave,
              "occupancy": occupancy, "service_target": service_target, "target_wait": target_wait,
              "cost_years": list(cost_years), "population_year": pop_year}
    return CooperationResult(
        municipalities=codes, names=names, population_year=pop_year, staff=staff, unavailability=unavail,
        vulnerability_muni=v_muni, vulnerability_fn=v_fn, staffing=staffing, panel=panel, fits=fits,
        elasticities=elasticities, diagnostics=diagnostics, cost_effect=cost_effect, centres=centres,
        distances=distances, travel=travel, host=host, existing=existing, coverage=cover, scores=scores,
        ranking=ranked, explanation=text, assumptions=table, parameters=params)
