"""Welfare workforce: staff need, recruitment need, supply, gap and levers per municipality.

The SKR recruitment-report method and Statistics Norway's HELSEMOD logic on the data in the mirror:

* today's staff by sector from Kolada (or the municipality's HR extract, :mod:`.local`), :mod:`.staff`;
* demand = today's staff per user × projected users (:mod:`.sectors`), a productivity parameter;
* retirements from the staff age profile, turnover, recruitment need = growth + retirements (+ turnover);
* supply from the working-age population, the gap, and the levers (:mod:`.model`);
* every default a named, sourced assumption (:mod:`.assumptions`, :func:`assumptions_table`).

Typical use::

    from tillsammans import population, workforce
    pop = population.project_population("0381", end_year=2040)
    result = workforce.workforce("0381", pop)
    result.key_figures(); workforce.assumptions_table(result)

Data flow: this module reads :mod:`tillsammans.data` and takes population frames as input; it does not
import cooperation, plots or reports.
"""

from tillsammans.workforce.assumptions import ASSUMPTION_NAMES, Assumptions, make_assumptions
from tillsammans.workforce.local import AGE_BANDS, LocalDataError, local_hr_path, read_local_hr
from tillsammans.workforce.model import (
    COMPARE_LABELS,
    LEVERS,
    WorkforceResult,
    assumptions_table,
    compare,
    exit_hazard,
    gap,
    implied_turnover,
    lever_effects,
    levers_table,
    need_quantiles,
    network_comparison,
    quantile_name,
    recruitment_need,
    retirements,
    staff_need,
    supply,
    supply_factors,
    total_over_sectors,
    use_rates,
    workforce,
)
from tillsammans.workforce.sectors import SECTORS, USER_GROUPS, sector_table, users, working_age
from tillsammans.workforce.staff import (
    LOCAL_KPIS,
    NATIONAL_KPIS,
    model_inputs,
    national_shares,
    sector_staff,
    staff_by_age,
    staff_today,
)

__all__ = [
    "AGE_BANDS",
    "ASSUMPTION_NAMES",
    "COMPARE_LABELS",
    "LEVERS",
    "LOCAL_KPIS",
    "NATIONAL_KPIS",
    "SECTORS",
    "USER_GROUPS",
    "Assumptions",
    "LocalDataError",
    "WorkforceResult",
    "assumptions_table",
    "compare",
    "exit_hazard",
    "gap",
    "implied_turnover",
    "lever_effects",
    "levers_table",
    "local_hr_path",
    "make_assumptions",
    "model_inputs",
    "national_shares",
    "need_quantiles",
    "network_comparison",
    "quantile_name",
    "read_local_hr",
    "recruitment_need",
    "retirements",
    "sector_staff",
    "sector_table",
    "staff_by_age",
    "staff_need",
    "staff_today",
    "supply",
    "supply_factors",
    "total_over_sectors",
    "use_rates",
    "users",
    "workforce",
    "working_age",
]
