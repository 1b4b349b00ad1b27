"""Population projections per municipality: cohort-component model, scenarios, uncertainty, backtests.

Typical use::

    from tillsammans import population as pop
    frame = pop.project_population("0381", end_year=2040)              # year, sex, age, population
    sims = pop.simulate_population("0381", n_sims=1000, seed=20200501)  # sim, year, sex, age, population
    fan = pop.population_quantiles(sims, by=("year",))                 # 80 % and 95 % intervals
    pop.dependency_ratio(frame.groupby(["year", "age"], as_index=False)["population"].sum())
    housing = pop.project_population("0330", end_year=2040, scenario="housing")  # migration follows the dwellings

For many regions read the inputs once: ``inputs = pop.load_inputs()`` and pass ``inputs=inputs``.
Sources: SCB (population, deaths, births, national projection assumptions BE0401) and Kolada (components,
totals, age groups, SCB-model projections); see ``pop.SOURCES``.
"""

from tillsammans.population.assumptions import (
    ASSUMPTION_NAMES,
    Assumptions,
    assumptions_table,
    make_assumptions,
)
from tillsammans.population.backtest import (
    backtest_counties,
    backtest_coverage,
    backtest_errors,
    backtest_municipalities,
    beats_naive,
    calibrate_composition,
    calibrate_persistence,
)
from tillsammans.population.backtest_summary import backtest_summary
from tillsammans.population.checks import (
    carry_through_check,
    kolada_projection_comparison,
    municipal_check,
    municipal_check_summary,
)
from tillsammans.population.dwellings import (
    DwellingsFileError,
    completion_rule,
    completions,
    dwelling_path,
    dwellings_path,
    read_dwellings,
)
from tillsammans.population.housing import housing_effect, housing_validation
from tillsammans.population.housing_backtest import backtest_housing, housing_comparison, municipality_types
from tillsammans.population.indicators import (
    BROAD_AGE_GROUPS,
    SERVICE_AGE_GROUPS,
    WORKING_AGE,
    age_groups,
    dependency_ratio,
    working_age_share,
)
from tillsammans.population.inputs import SOURCES, PopulationInputs, load_inputs
from tillsammans.population.levels import MAX_END_YEAR, prepare_region, region_levels
from tillsammans.population.national import national_components, national_projection
from tillsammans.population.projection import project_population, project_sum, projection_components
from tillsammans.population.rates import life_table, survival_ratios
from tillsammans.population.reconcile import reconciliation
from tillsammans.population.scb_comparison import scb_comparison_summary, scb_model_comparison
from tillsammans.population.scenarios import SCENARIO_LABELS, SCENARIOS
from tillsammans.population.stochastic import (
    MAX_SIMS,
    MIN_SIMS,
    population_quantiles,
    quantile_name,
    simulate_ages,
    simulate_population,
    simulate_run,
)
from tillsammans.population.summaries import (
    backtest_table,
    compare_regions,
    dwellings_table,
    housing_assumptions,
    housing_overview,
    housing_parameters,
    national_comparison,
    projected_indicators,
    scenario_assumptions_table,
    scenario_comparison,
    scenario_table,
)


def latest_observed_year(processed_dir=None, inputs: PopulationInputs | None = None) -> int:
    """The latest year with observed population totals (31 December): the year every report states.

    SCB's municipal totals in the mirror run to 2025 (with SCB's cell-key noise); the projections are carried
    to them. One definition (:func:`tillsammans.data.latest_observed_year`), so no notebook types the year.
    """
    from tillsammans.data import latest_observed_year as from_manifest

    return from_manifest(processed_dir=inputs.processed_dir if inputs is not None else processed_dir)


#: Alias: the inputs object as the design notes call it.
NationalInputs = PopulationInputs

__all__ = [
    "ASSUMPTION_NAMES",
    "BROAD_AGE_GROUPS",
    "MAX_END_YEAR",
    "MAX_SIMS",
    "MIN_SIMS",
    "SCENARIOS",
    "SCENARIO_LABELS",
    "SERVICE_AGE_GROUPS",
    "SOURCES",
    "WORKING_AGE",
    "Assumptions",
    "DwellingsFileError",
    "NationalInputs",
    "PopulationInputs",
    "age_groups",
    "assumptions_table",
    "backtest_counties",
    "backtest_coverage",
    "backtest_errors",
    "backtest_housing",
    "backtest_municipalities",
    "backtest_summary",
    "backtest_table",
    "beats_naive",
    "calibrate_composition",
    "calibrate_persistence",
    "carry_through_check",
    "compare_regions",
    "completion_rule",
    "completions",
    "dependency_ratio",
    "dwelling_path",
    "dwellings_path",
    "dwellings_table",
    "housing_assumptions",
    "housing_comparison",
    "housing_effect",
    "housing_overview",
    "housing_parameters",
    "housing_validation",
    "kolada_projection_comparison",
    "latest_observed_year",
    "life_table",
    "load_inputs",
    "make_assumptions",
    "municipal_check",
    "municipal_check_summary",
    "municipality_types",
    "national_comparison",
    "national_components",
    "national_projection",
    "population_quantiles",
    "prepare_region",
    "project_population",
    "project_sum",
    "projected_indicators",
    "projection_components",
    "quantile_name",
    "read_dwellings",
    "reconciliation",
    "region_levels",
    "scb_comparison_summary",
    "scb_model_comparison",
    "scenario_assumptions_table",
    "scenario_comparison",
    "scenario_table",
    "simulate_ages",
    "simulate_population",
    "simulate_run",
    "survival_ratios",
    "working_age_share",
]
