"""Welfare workforce per municipality: staff need, recruitment need, supply and gap, with uncertainty.

The SKR recruitment-report method and Statistics Norway's HELSEMOD logic, as a one-way pipeline of steps,
each a module of functions from DataFrames and parameters to DataFrames:

1. *inputs* (:mod:`.inputs`, :mod:`.staff`, :mod:`.local`): the base year, Kolada values, today's staff by
   sector and age band (or the municipality's HR extract), national profiles with their sources;
2. *demand* (:mod:`.demand`): users by age group × today's staff per user, a productivity parameter;
   backtested against observed staff (:mod:`.backtest`);
3. *exits* (:mod:`.exits`): the staff's ages, a retirement-age distribution, turnover from Kolada;
4. *supply* (:mod:`.supply`): residents by age × employment rates × commuting × welfare share;
5. *gap* (:mod:`.gap`): recruitment need, need − supply, today's qualified-staff shortfall; levers
   (:mod:`.levers`);
6. *uncertainty* (:mod:`.uncertainty`): joint Monte Carlo over population paths and workforce assumptions,
   a tornado.

Several municipalities (:mod:`.network`): the network on jointly drawn paths and its total with intervals
(not a sum of intervals), and the workforce results under the population model's calibration choices.

:func:`workforce` (:mod:`.pipeline`) runs them in order. Typical use::

    from tillsammans import population, workforce
    pop = population.project_population("0381", end_year=2040)
    sims = population.simulate_population("0381", end_year=2040, n_sims=1000)
    result = workforce.workforce("0381", pop, sims)
    result.key_figures(); workforce.sector_results(result)

Data flow: reads :mod:`tillsammans.data` and :mod:`tillsammans.population`; does not import cooperation,
plots or reports.
"""

from tillsammans.workforce.assumptions import ASSUMPTION_NAMES, Assumptions, make_assumptions
from tillsammans.workforce.backtest import (
    BREAK_FACTOR,
    backtest_demand,
    backtest_drivers,
    backtest_errors,
    cached_backtest,
    series_breaks,
)
from tillsammans.workforce.demand import staff_need, total_over_sectors, use_rates, users
from tillsammans.workforce.exits import (
    project_staff,
    retirement_distribution,
    retirement_hazard,
    staff_age_profile,
    turnover_from_data,
    turnover_table,
)
from tillsammans.workforce.gap import QUALIFICATIONS, gap, qualified_shortfall, recruitment_need, sector_gap
from tillsammans.workforce.inputs import (
    EMPLOYEE_AGE_PROFILE_SOURCE,
    EMPLOYMENT_PROFILE_SOURCE,
    LOCAL_KPIS,
    NATIONAL_KPIS,
    base_year,
    model_inputs,
)
from tillsammans.workforce.levers import LEVERS, lever_gap, levers_table
from tillsammans.workforce.local import AGE_BANDS, LocalDataError, local_for, local_hr_path, read_local_hr
from tillsammans.workforce.network import (
    JOINT,
    POPULATION_VARIANTS,
    municipal_seed,
    network_comparison,
    network_results,
    network_total,
    network_workforce,
    population_sensitivity,
    scenario_comparison,
)
from tillsammans.workforce.pipeline import (
    CentralRun,
    StaffInputs,
    WorkforceResult,
    assumptions_table,
    central_key_figures,
    central_run,
    compare,
    prepare,
    prepare_staff,
    sector_results,
    workforce,
)
from tillsammans.workforce.sectors import SECTORS, USER_GROUPS, sector_table, working_age
from tillsammans.workforce.staff import national_shares, sector_staff, staff_today
from tillsammans.workforce.supply import supply_factors
from tillsammans.workforce.uncertainty import UNCERTAIN, assumption_ranges

__all__ = [
    "AGE_BANDS",
    "ASSUMPTION_NAMES",
    "BREAK_FACTOR",
    "EMPLOYEE_AGE_PROFILE_SOURCE",
    "EMPLOYMENT_PROFILE_SOURCE",
    "JOINT",
    "LEVERS",
    "LOCAL_KPIS",
    "NATIONAL_KPIS",
    "POPULATION_VARIANTS",
    "QUALIFICATIONS",
    "SECTORS",
    "UNCERTAIN",
    "USER_GROUPS",
    "Assumptions",
    "CentralRun",
    "LocalDataError",
    "StaffInputs",
    "WorkforceResult",
    "assumption_ranges",
    "assumptions_table",
    "backtest_demand",
    "backtest_drivers",
    "backtest_errors",
    "base_year",
    "cached_backtest",
    "central_key_figures",
    "central_run",
    "compare",
    "gap",
    "lever_gap",
    "levers_table",
    "local_for",
    "local_hr_path",
    "make_assumptions",
    "model_inputs",
    "municipal_seed",
    "national_shares",
    "network_comparison",
    "network_results",
    "network_total",
    "network_workforce",
    "population_sensitivity",
    "prepare",
    "prepare_staff",
    "project_staff",
    "qualified_shortfall",
    "read_local_hr",
    "recruitment_need",
    "retirement_distribution",
    "retirement_hazard",
    "scenario_comparison",
    "sector_gap",
    "sector_results",
    "sector_staff",
    "sector_table",
    "series_breaks",
    "staff_age_profile",
    "staff_need",
    "staff_today",
    "supply_factors",
    "total_over_sectors",
    "turnover_from_data",
    "turnover_table",
    "use_rates",
    "users",
    "workforce",
    "working_age",
]
