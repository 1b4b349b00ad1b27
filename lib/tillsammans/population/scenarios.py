"""Named projection scenarios: one name each, a Swedish display name and description, and what each changes.

Every scenario is a deviation from the main one (``"base"``). The main projection is reconciled with SCB's
national projection (:mod:`~tillsammans.population.reconcile`); the other scenarios keep the main projection's
reconciliation (the same persons added each year) and change only what they name, so a scenario of one
municipality is that municipality's deviation, not a new national total. ``"unreconciled"`` is the model
without the reconciliation; ``"housing"`` ties migration to the dwellings completed
(:mod:`~tillsammans.population.housing`; its housing effect is not reconciled). A new scenario is one more
:class:`Scenario` here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from tillsammans.population.assumptions import Assumptions


@dataclass(frozen=True)
class Scenario:
    """A named scenario.

    Attributes
    ----------
    name : str
        The one name used in code, parameters and file names.
    label : str
        Swedish display name (tables, legends).
    description : str
        Swedish sentence for reports: what the scenario assumes.
    in_migration_sd : float
        Shift of the in-migration level in units of ``Assumptions.migration_variant_sd`` standard deviations.
    zero_net_migration : bool
        As many in-migrants as out-migrants every year (no reconciliation: a closed thought experiment).
    housing_led : bool
        In- and out-migration follow the dwellings completed each year (:mod:`~tillsammans.population.housing`).
    changes : mapping
        Assumptions the scenario changes (fields of :class:`~tillsammans.population.assumptions.Assumptions`).
    """

    name: str
    label: str
    description: str
    in_migration_sd: float = 0.0
    zero_net_migration: bool = False
    housing_led: bool = False
    changes: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


_DEFINITIONS: tuple[Scenario, ...] = (
    Scenario("base", "Huvudalternativ",
             "SCB:s antaganden om fruktsamhet, dödlighet och utrikes flyttningar, inrikes in- och utflyttning på "
             "kommunens genomsnitt de senaste åren, avstämt så att de 290 kommunerna tillsammans blir SCB:s "
             "riksframskrivning."),
    Scenario("unreconciled", "Utan avstämning mot riket",
             "Som huvudalternativet men utan avstämningen mot SCB:s riksframskrivning: varje kommun för sig.",
             changes=MappingProxyType({"reconcile": False})),
    Scenario("high_migration", "Hög inflyttning",
             "Inflyttningen en standardavvikelse över genomsnittet, övrigt som huvudalternativet.",
             in_migration_sd=1.0),
    Scenario("low_migration", "Låg inflyttning",
             "Inflyttningen en standardavvikelse under genomsnittet, övrigt som huvudalternativet.",
             in_migration_sd=-1.0),
    Scenario("zero_net_migration", "Nollnettoflyttning",
             "Lika många flyttar in som ut varje år (samma åldersmönster som utflyttarna har i huvudalternativet "
             "för inflyttarna), utan avstämning mot riket.",
             zero_net_migration=True),
    Scenario("constant_mortality", "Oförändrad dödlighet",
             "Dödstalen hålls på basårens nivå i stället för att följa SCB:s antagna minskning, övrigt som "
             "huvudalternativet.",
             changes=MappingProxyType({"mortality_trend": "constant"})),
    Scenario("housing", "Bostadsbyggande",
             "Som huvudalternativet, men in- och utflyttningen följer bostadsbyggandet: varje färdigställd bostad "
             "utöver det kommunen byggde under åren flyttnivåerna bygger på ger fler inflyttare och färre "
             "utflyttare, enligt sambandet i alla 290 kommuner 1998–2022. Bostäderna per år kommer ur kommunens "
             "bostadsförsörjningsprogram om kommunen har lämnat in det, annars ur beviljade "
             "bygglov och de senaste tio årens byggande. Bostadseffekten stäms inte av mot riket: den är "
             "kommunens egen plan.",
             housing_led=True),
)

#: Scenario name → its definition.
SCENARIO_DEFINITIONS: Mapping[str, Scenario] = MappingProxyType({s.name: s for s in _DEFINITIONS})

#: Scenario name → Swedish description (for reports).
SCENARIOS: Mapping[str, str] = MappingProxyType({s.name: s.description for s in _DEFINITIONS})

#: Scenario name → Swedish display name (tables, legends).
SCENARIO_LABELS: Mapping[str, str] = MappingProxyType({s.name: s.label for s in _DEFINITIONS})


@dataclass(frozen=True)
class ScenarioSettings:
    """What a scenario does to one model: in-migration shift (in standard deviations), balance."""

    name: str
    in_migration_sd: float = 0.0
    zero_net_migration: bool = False
    housing_led: bool = False


def resolve_scenario(name: str, a: Assumptions) -> tuple[ScenarioSettings, Assumptions]:
    """Settings and (possibly changed) assumptions for a scenario; ``ValueError`` listing the allowed names."""
    if name not in SCENARIO_DEFINITIONS:
        raise ValueError(f"unknown scenario {name!r}; allowed: {', '.join(SCENARIO_DEFINITIONS)}")
    s = SCENARIO_DEFINITIONS[name]
    settings = ScenarioSettings(name, in_migration_sd=s.in_migration_sd * a.migration_variant_sd,
                                zero_net_migration=s.zero_net_migration, housing_led=s.housing_led)
    return settings, replace(a, **dict(s.changes)) if s.changes else a
