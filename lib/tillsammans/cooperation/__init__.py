"""Where cooperation pays off: vulnerability of small staff groups, pooling, scale economies, travel, legal
forms.

One call runs the network analysis; each step is also a function of its own module::

    from tillsammans import cooperation
    res = cooperation.analyse(["0381", "0331", "0305", "0330", "0360", "0319", "0382"])
    res.ranking            # functions ranked by the weighted criteria, one of them the projected staff gap
    res.sector_gaps        # the workforce model's gap per welfare sector, summed over the network
    res.vulnerability_fn   # shortfall risk standalone / today / pooled
    res.elasticities       # Kolada scale elasticities (OLS, HC3) across the 290 municipalities

Modules: :mod:`.functions` (catalogue, staff), :mod:`.gaps` (the workforce model's gap per sector),
:mod:`.vulnerability` (binomial shortfall risk),
:mod:`.queueing` (Erlang C, square-root staffing), :mod:`.scale` (cost elasticities),
:mod:`.geography` (centres, distances), :mod:`.legal` (legal forms, existing arrangements),
:mod:`.ranking`, :mod:`.explain` (reasons in Swedish), :mod:`.assumptions`; the figures live in
:mod:`tillsammans.plots.cooperation`. Data flow: ``data`` → ``population`` → ``workforce`` → ``cooperation``;
nothing here imports ``plots`` or ``reports``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from tillsammans.cooperation import (
    assumptions,
    explain,
    functions,
    gaps,
    geography,
    legal,
    queueing,
    ranking,
    scale,
    vulnerability,
)
from tillsammans.cooperation.assumptions import (
    ASSUMPTION_NAMES,
    DEFAULTS,
    Assumptions,
    assumptions_table,
    literature_priors,
    make_assumptions,
)
from tillsammans.cooperation.functions import CATALOGUE, catalogue, read_local_staff, staff_by_function
from tillsammans.cooperation.queueing import (
    erlang_b,
    erlang_c,
    service_level,
    sqrt_staffing,
    staff_for_service_level,
)
from tillsammans.cooperation.ranking import CRITERIA, CRITERIA_DESCRIPTIONS, DEFAULT_WEIGHTS, validate_weights

__all__ = [
    "ASSUMPTION_NAMES",
    "CATALOGUE",
    "CRITERIA",
    "CRITERIA_DESCRIPTIONS",
    "DEFAULTS",
    "DEFAULT_WEIGHTS",
    "Assumptions",
    "CooperationResult",
    "analyse",
    "assumptions",
    "assumptions_table",
    "catalogue",
    "erlang_b",
    "erlang_c",
    "explain",
    "functions",
    "gaps",
    "geography",
    "legal",
    "literature_priors",
    "make_assumptions",
    "queueing",
    "ranking",
    "read_local_staff",
    "scale",
    "service_level",
    "sqrt_staffing",
    "staff_by_function",
    "staff_for_service_level",
    "validate_municipalities",
    "validate_weights",
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
    sector_gaps: pd.DataFrame
    gap_year: int
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
        lacking = pop[pop.isna()].index.tolist()
        raise ValueError(f"no population ({scale.POPULATION_KPI}) in {year} for {lacking}")
    return pop, year


def analyse(
    municipalities: Sequence[str],
    weights: Mapping[str, float] | None = None,
    population_year: int | None = None,
    local_staff: object = "auto",
    as_of: dt.date | str | None = None,
    top: int = 3,
    assumptions: Assumptions | None = None,
    end_year: int = 2040,
    scenario: str = "base",
    sector_gaps: pd.DataFrame | None = None,
    **overrides: Any,
) -> CooperationResult:
    """Run the whole cooperation analysis for a network of municipalities.

    Parameters
    ----------
    municipalities : list of str
        SCB codes (or names); at least two, no duplicates.
    weights : dict, optional
        Ranking weights with exactly the keys of :data:`CRITERIA` (normalised to sum 1); default
        :data:`DEFAULT_WEIGHTS`.
    population_year : int, optional
        Year of the inhabitants (Kolada ``n01951``) behind the staff estimates; default the latest.
    local_staff : "auto", path, DataFrame or None
        Local staff data (see :mod:`.functions`); ``"auto"`` uses ``data/raw/local/cooperation_staff.csv``
        if present.
    as_of : date, optional
        Date for the status of existing arrangements (default today).
    top : int
        Functions explained in words.
    assumptions : Assumptions, optional
        The analysis' assumptions (default :data:`~.assumptions.DEFAULTS`); ``overrides`` change single
        fields by name (``vacancy=0.05``, ``cost_years=[2021, 2022]``, see :class:`Assumptions`).
    end_year, scenario : int, str
        The workforce projection whose gap per sector the ``workforce_gap`` criterion reads (the end year's
        gap of each municipality's main projection, :func:`.gaps.sector_gaps`).
    sector_gaps : DataFrame, optional
        Per-municipality sector results already computed (:func:`.gaps.sector_gaps`); default computed here
        (once per build, cached).

    Raises
    ------
    ValueError
        Fewer than two municipalities, duplicates, an unknown code, bad weights, a bad local staff file, an
        unknown assumption name or an out-of-range value.
    """
    from tillsammans.municipalities import registry

    a = make_assumptions(assumptions, **overrides)
    codes = validate_municipalities(municipalities)
    w = validate_weights(DEFAULT_WEIGHTS if weights is None else weights)
    reg = registry()
    names = {c: reg.name(c) for c in codes}
    cat = catalogue()
    if isinstance(local_staff, str) and local_staff != "auto":
        local_staff = read_local_staff(local_staff)

    pop, pop_year = _population(codes, population_year)
    staff = staff_by_function(pop, local=local_staff)
    unavail = vulnerability.unavailability(codes, vacancy=a.vacancy, other_leave=a.other_leave)
    existing = legal.existing_cooperations(codes, cat, as_of=as_of)
    groups = legal.current_groups(existing)
    cover = legal.coverage(existing, codes, cat)
    v_muni, v_fn = vulnerability.vulnerability(staff, unavail, cat, groups=groups)
    staffing = queueing.staffing_comparison(staff, cat, occupancy=a.occupancy, target=a.service_target,
                                            target_wait=a.target_wait)

    panel = scale.cost_panel(years=a.cost_years)
    fits = scale.fit_scale_models(panel)
    elasticities = scale.elasticity_table(fits)
    diagnostics = scale.diagnostics_table(fits)
    cost_effect = scale.network_cost_effect(fits, panel, codes)

    centres = geography.centroids(codes)
    distances = geography.distance_matrix(centres)
    travel, host = geography.travel_summary(distances, circuity=a.circuity, speed_kmh=a.speed_kmh)

    per_sector = gaps.sector_gaps(codes, end_year, scenario) if sector_gaps is None else sector_gaps
    network_gaps = gaps.network_sector_gaps(per_sector)
    scores = ranking.criteria_scores(
        cat, v_fn, staff, cover, legal.legal_scores(cat),
        geography.geographic_scores(cat, travel, tolerable_minutes=a.tolerable_minutes),
        cost_effect=cost_effect, priors=a.priors, transaction_cost=a.transaction_cost,
        small_group=a.small_group, sector_gaps=network_gaps)
    ranked = ranking.rank_functions(scores, w)
    gap_year = int(per_sector["year"].max()) if "year" in per_sector else int(end_year)
    text = explain.explain_top(ranked, cat, v_fn, staff, cover, staffing=staffing, cost_effect=cost_effect,
                               top=top, sector_gaps=network_gaps, gap_year=gap_year)
    table = assumptions_table(a, weights=w, catalogue=cat)
    params = {"municipalities": codes, "weights": w, **{k: getattr(a, k) for k in ASSUMPTION_NAMES},
              "population_year": pop_year, "end_year": end_year, "scenario": scenario}
    return CooperationResult(
        municipalities=codes, names=names, population_year=pop_year, staff=staff, unavailability=unavail,
        vulnerability_muni=v_muni, vulnerability_fn=v_fn, staffing=staffing, panel=panel, fits=fits,
        elasticities=elasticities, diagnostics=diagnostics, cost_effect=cost_effect, centres=centres,
        distances=distances, travel=travel, host=host, existing=existing, coverage=cover,
        sector_gaps=network_gaps, gap_year=gap_year, scores=scores, ranking=ranked, explanation=text,
        assumptions=table, parameters=params)
