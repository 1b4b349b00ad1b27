"""Named projection scenarios: what each changes relative to the base projection."""

from __future__ import annotations

from dataclasses import dataclass, replace

from tillsammans.population.assumptions import Assumptions

#: Scenario name → description (Swedish, for reports).
SCENARIOS: dict[str, str] = {
    "base": "Huvudalternativ: SCB:s antaganden om fruktsamhet och dödlighet, in- och utflyttning på "
            "genomsnittet för de senaste åren.",
    "high_migration": "Hög inflyttning: inflyttningen en standardavvikelse över genomsnittet, "
                      "övrigt som huvudalternativet.",
    "low_migration": "Låg inflyttning: inflyttningen en standardavvikelse under genomsnittet, "
                     "övrigt som huvudalternativet.",
    "zero_net_migration": "Nollnettoflyttning: lika många flyttar in som ut varje år (samma "
                          "åldersmönster som utflyttarna har i huvudalternativet för inflyttarna).",
    "constant_mortality": "Oförändrad dödlighet: dödstalen hålls på basårens nivå i stället för att "
                          "följa SCB:s antagna minskning.",
}


@dataclass(frozen=True)
class ScenarioSettings:
    """What a scenario does to the model: in-migration shift (in standard deviations), balance, mortality."""

    name: str
    in_migration_sd: float = 0.0
    zero_net_migration: bool = False


def resolve_scenario(name: str, a: Assumptions) -> tuple[ScenarioSettings, Assumptions]:
    """Settings and (possibly changed) assumptions for a scenario; ``ValueError`` listing the allowed names."""
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; allowed: {', '.join(SCENARIOS)}")
    if name == "high_migration":
        return ScenarioSettings(name, in_migration_sd=a.migration_variant_sd), a
    if name == "low_migration":
        return ScenarioSettings(name, in_migration_sd=-a.migration_variant_sd), a
    if name == "zero_net_migration":
        return ScenarioSettings(name, zero_net_migration=True), a
    if name == "constant_mortality":
        return ScenarioSettings(name), replace(a, mortality_trend="constant")
    return ScenarioSettings(name), a
