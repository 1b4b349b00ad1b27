"""The population model's assumptions: every choice a named parameter with a default and its justification.

``Assumptions`` is a frozen dataclass; each field carries a Swedish label and a source or reason in its
metadata, so :func:`assumptions_table` can print exactly what a report's projection used. Functions of
:mod:`tillsammans.population` accept the fields as keyword arguments (``project_population(...,
window_years=5)``); an unknown name is an error that lists the known ones.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from tillsammans import assumptions as _shared
from tillsammans.assumptions import assumption as _a
from tillsammans.formatting import fmt_general

#: The options of the text-valued assumptions in Swedish words (what a report shows).
MORTALITY_TRENDS = {"scb": "SCB:s antagna minskning", "constant": "oförändrad (basårens nivå)"}
FERTILITY_AS_OF = {"long_run": "mot långsiktig nivå", "last": "senaste observerade året"}
INTERNATIONAL_MIGRATION = {"scb": "SCB:s riksframskrivning", "history": "kommunens historik"}

#: Where the housing scenario's future dwellings come from (``Assumptions.dwelling_path``).
DWELLING_PATHS: tuple[str, ...] = ("auto", "local", "default", "observed")

#: Assumptions that only a scenario reads: they never change the main projection (nor its reconciliation).
SCENARIO_ONLY: tuple[str, ...] = ("dwelling_path",)


@dataclass(frozen=True)
class Assumptions:
    """Assumptions of the cohort-component model (defaults as used in the study's reports)."""

    window_years: int = _a(
        5, "Period för flyttnivåer, år",
        "In- och utflyttningsnivåer (och kommunens flyttningsprofil) skattas på de senaste 5 åren med "
        "observerade flyttningar (Kolada n01801, n01802). 5 år valdes framför 9 och 3 på kommunernas "
        "backtester från 2000 och 2005 (femårsfel för totalen 2,13 % mot 2,21 % med 9 år); startåren 2010 "
        "och 2015 användes inte för valet.")
    level_years: int = _a(
        5, "År för flyttnivåerna",
        "In- och utflyttningsnivån är medelvärdet av de senaste åren med observerade flyttningar inom perioden "
        "för flyttnivåer (Kolada n01801, n01802).")
    pool_years: int = _a(
        5, "Period för kommunala nivåfaktorer (födda, döda), år",
        "Observerade ÷ förväntade födda och döda summeras över 5 år för att dämpa slumpvariation i små "
        "kommuner (Kolada n01804, n01805).")
    credibility_events: float = _a(
        30.0, "Krympning mot riksnivå, händelser",
        "Nivåfaktor = (observerade + k) ÷ (förväntade + k): med få händelser dras faktorn mot 1 (riksnivån). "
        "k = 30 motsvarar en relativ slumpvariation på ca 18 % (1/√30).")
    mortality_clamp: tuple[float, float] = _a(
        (0.75, 1.33), "Gränser för dödlighetsfaktor",
        "Kommunal dödlighet högst ±25–33 % från riksnivån; spannet rymmer de flesta kommuners "
        "observerade nivå och skyddar mot extremvärden i små befolkningar.")
    fertility_clamp: tuple[float, float] = _a(
        (0.7, 1.4), "Gränser för fruktsamhetsfaktor",
        "Kommunal fruktsamhet högst 30–40 % från riksnivån (summerad fruktsamhet i kommunerna varierar "
        "ungefär 1,3–2,4 barn per kvinna).")
    mortality_anchor_years: tuple[int, int] = _a(
        (2015, 2019), "Basår för dödstal (riket)",
        "Medeldödstal 2015–2019 (SCB BE0101D9 ÷ BE0101A5). 2020 utesluts som basår på grund av "
        "överdödligheten under covid-19.")
    mortality_trend: str = _a(
        "scb", "Dödlighetens utveckling",
        "Standard: SCB:s framskrivning 2024 (BE0401), dödstal = framskrivna döda ÷ medelfolkmängd 2026–2050 "
        "(spädbarn och 2024–2025 ur de antagna dödsriskerna), log-linjär interpolation från basåren, "
        "oförändrat efter 2050. Alternativet oförändrad dödlighet håller dödstalen på basårens nivå.",
        lambda v: MORTALITY_TRENDS[v])
    fertility_anchor_years: tuple[int, int] = _a(
        (2011, 2015), "Basår för fruktsamhetens åldersmönster",
        "Åldersspecifik fruktsamhet 2011–2015 ur födda efter moderns ålder (SCB BE0101E2, summerat över län) "
        "÷ medelantal kvinnor (SCB 0000053A), de sista åren med data.")
    fertility_as_of: str = _a(
        "long_run", "Fruktsamhet i backtester (före SCB:s antaganden)",
        "En framskrivning från ett år före SCB:s 2024 års antaganden (backtester) för fruktsamheten på tio år "
        "mot medelnivån de 30 åren före (standard) eller håller det sista observerade årets nivå. Standarden "
        "valdes på kommunernas backtester från 2000 och 2005 (tioårsfel 0–19 år 7,3 % mot 8,0 %); startåren "
        "2010 och 2015 och länen användes inte för valet.",
        lambda v: FERTILITY_AS_OF[v])
    calibrate_bridge: bool = _a(
        True, "Broårens fruktsamhet kalibreras mot rikets födda",
        "Åren mellan sista observation och SCB:s första antagandeår (2024) interpoleras linjärt och skalas så "
        "att rikets födda stämmer med Kolada n01804 (riket) där de är observerade.")
    sex_ratio_at_birth: float | None = _a(
        None, "Andel pojkar bland födda",
        "Standard: den observerade andelen pojkar bland alla födda i riket de senaste 10 åren med data (SCB "
        "BE0101E2), ca 0,514 (1,06 pojkar per flicka).",
        lambda v: "observerad andel i riket" if v is None else fmt_general(v))
    profile_years: tuple[int, int] = _a(
        (2008, 2015), "År för rikets flyttningsprofil",
        "Rikets åldersprofil för in- och utflyttade skattas med residualmetoden på länens ettårsdata (SCB) och "
        "länens in- och utflyttade (Kolada) 2008–2015, de år där båda finns, poolat över 21 län. Den är "
        "utgångspunkt (modellschema) för kommunernas egna profiler.")
    profile_smoothing: int = _a(
        2, "Utjämning av åldersprofiler, varv",
        "Antal varv med ett [1, 2, 1]/4-filter över ålder (ettårsdata är brusiga).")
    profile_credibility: float = _a(
        3000.0, "Krympning av kommunens flyttningsprofil, inflyttade",
        "Kommunens egen åldersprofil för inflyttade (residualmetoden på Koladas åldersgrupper och "
        "flyttningar per kön, perioden för flyttnivåer) vägs mot länets med vikten N ÷ (N + 3 000), N = "
        "inflyttade under perioden; länets mot rikets. 3 000 inflyttade ger en andel på 5 % ca 8 % "
        "relativ slumpvariation; vald i förväg, inte anpassad till backtesterna.")
    migration_variant_sd: float = _a(
        1.0, "Hög/låg inflyttning, standardavvikelser",
        "Scenarierna hög och låg inflyttning flyttar inflyttningsnivån ± 1 standardavvikelse av de årliga "
        "inflyttningstalen under perioden för flyttnivåer.")
    persistence: float = _a(
        0.95, "Beständighet i flyttningens årliga avvikelser (AR(1))",
        "Slumpade avvikelser i nettoflyttningen följer en AR(1)-process med den observerade årliga "
        "standardavvikelsen. 0,95 valdes bland 0,5–1,0 på länens backtester (21 län, startår 1995, 2000, 2005, "
        "1–10 år): 80-procentsintervallen för totalen täckte då 80 % av utfallen (0,9: 66 %). Täckningen "
        "redovisas sedan på kommunernas backtester (andra regioner och startår) i befolkningsrapporten.")
    composition_persistence: float = _a(
        0.0, "Beständighet i flyttningens åldersfördelning (AR(1))",
        "Varje åldersgrupps nettoflyttning avviker från sin andel av totalen med en AR(1)-process med den "
        "observerade årliga standardavvikelsen (residualmetoden, Poissonbruset borttaget); summan över "
        "grupperna är noll. Värdet väljs på länens backtester (åldersgruppernas täckning).")
    align_age_groups: bool = _a(
        True, "Befolkningen stäms av mot Koladas åldersgrupper",
        "Efter åren med observerade komponenter (2020–2022) skalas den framräknade befolkningen inom varje "
        "åldersgrupp och kön så att den stämmer med Koladas invånare efter ålder (0–5, 6–15, 16–19, 20–44, "
        "45–64, 65–79, 80+). En engångsavstämning av beståndet, ingen korrigering som följer med framåt.")
    align_recent_totals: bool = _a(
        True, "Befolkningen förs fram till SCB:s senaste totaler",
        "Åren efter Koladas komponenter (2023–2025) räknas fram med modellen och skillnaden mot SCB:s "
        "folkmängd 31 december läggs på flyttningen (fördelad efter inflyttarnas åldersprofil): födda och "
        "döda förutsägs väl ett år framåt, flyttningen står för nästan hela osäkerheten.")
    international_migration: str = _a(
        "scb", "Utrikes flyttningar",
        "Standard: kommunens utrikes flyttnetto följer SCB:s riksframskrivning 2024 (rikets nettomigration efter "
        "ålder och kön, härledd ur den framskrivna befolkningen, födda och döda) fördelad efter kommunens andel "
        "av de 290 kommunernas utrikes flyttnetto under perioden för flyttnivåer (Kolada n01806); den inrikes "
        "flyttningen bygger på kommunens egen historik. Alternativet kommunens historik använder kommunens eget "
        "genomsnittliga utrikes flyttnetto under perioden; det gör också en framskrivning gjord före 2024 "
        "(backtester), som inte har SCB:s antagande.",
        lambda v: INTERNATIONAL_MIGRATION[v])
    reconcile: bool = _a(
        True, "Avstämning mot riket",
        "Kommunernas framskrivningar stäms av år för år så att de 290 kommunerna tillsammans blir SCB:s "
        "riksframskrivning 2024 efter kön och ettårsålder; skillnaden läggs på flyttningen och fördelas efter "
        "kommunens inflyttade i samma kön och ålder (födda och döda följer av SCB:s antagna fruktsamhet och "
        "dödlighet). Länen är summan av sina kommuner. Efter 2050 (SCB:s sista år) behålls 2050 års avstämning. "
        "En framskrivning gjord före 2024 (backtester) stäms av mot en riksframskrivning med samma metod och "
        "bara de data som fanns då.")
    dwelling_path: str = _a(
        "auto", "Bostadsbyggande i scenariot Bostadsbyggande",
        # the reader's words (issue 11); the values ('auto', 'local', 'default', 'observed') are in the code
        "Används bara i scenariot Bostadsbyggande. Standard: kommunens egen plan ur bostadsförsörjnings"
        "programmet om kommunen har lämnat in den, annars färdigställda bostäder per år framskrivna ur beviljade "
        "bygglov de senaste två åren (Kolada n07925) och de senaste tio årens färdigställda bostäder (n07917). "
        "Andra val: bara kommunens egen plan, bara framskrivningen ur bygglov, eller de bostäder som faktiskt "
        "färdigställdes (Kolada n07917, till 2022; i backtesterna).")
    observed_components: bool = _a(
        True, "Observerade komponenter efter startåret",
        "Åren mellan startåret och sista år med Kolada-komponenter (2020–2022) räknas fram med observerade "
        "födda, döda, in- och utflyttade totalt; framskrivningen tar vid därefter.")

    def __post_init__(self) -> None:
        for name in ("mortality_clamp", "fertility_clamp"):
            low, high = getattr(self, name)
            if not (0 < low <= 1 <= high):
                raise ValueError(f"{name} must satisfy 0 < low <= 1 <= high, got {(low, high)}")
        for name in ("window_years", "pool_years", "level_years"):
            value = getattr(self, name)
            if not (isinstance(value, int) and 1 <= value <= 30):
                raise ValueError(f"{name} must be an integer in 1..30, got {value!r}")
        if self.credibility_events < 0:
            raise ValueError(f"credibility_events must be >= 0, got {self.credibility_events}")
        if self.fertility_as_of not in ("last", "long_run"):
            raise ValueError(f"fertility_as_of must be 'last' or 'long_run', got {self.fertility_as_of!r}")
        if self.international_migration not in ("scb", "history"):
            raise ValueError("international_migration must be 'scb' or 'history', "
                             f"got {self.international_migration!r}")
        if not isinstance(self.reconcile, bool):
            raise TypeError(f"reconcile must be True or False, got {self.reconcile!r}")
        if self.dwelling_path not in DWELLING_PATHS:
            raise ValueError(f"dwelling_path must be one of {', '.join(map(repr, DWELLING_PATHS))}, "
                             f"got {self.dwelling_path!r}")
        if self.mortality_trend not in ("scb", "constant"):
            raise ValueError(f"mortality_trend must be 'scb' or 'constant', got {self.mortality_trend!r}")
        if self.sex_ratio_at_birth is not None and not (0.4 < self.sex_ratio_at_birth < 0.6):
            raise ValueError(f"sex_ratio_at_birth (share of boys) must be in (0.4, 0.6), got {self.sex_ratio_at_birth}")
        if not (0 <= self.composition_persistence <= 1):
            raise ValueError(f"composition_persistence must be in [0, 1], got {self.composition_persistence}")
        if not (0 <= self.persistence <= 1):
            raise ValueError(f"persistence must be in [0, 1], got {self.persistence}")
        if self.migration_variant_sd < 0:
            raise ValueError(f"migration_variant_sd must be >= 0, got {self.migration_variant_sd}")
        if self.profile_credibility < 0:
            raise ValueError(f"profile_credibility must be >= 0, got {self.profile_credibility}")
        if not (isinstance(self.profile_smoothing, int) and 0 <= self.profile_smoothing <= 20):
            raise ValueError(f"profile_smoothing must be an integer in 0..20, got {self.profile_smoothing!r}")


ASSUMPTION_NAMES: tuple[str, ...] = _shared.names(Assumptions)


def main_projection_assumptions(a: Assumptions) -> Assumptions:
    """``a`` with the scenario-only fields at their defaults: what the main projection depends on."""
    defaults = Assumptions()
    return replace(a, **{name: getattr(defaults, name) for name in SCENARIO_ONLY})


def make_assumptions(base: Assumptions | None = None, **overrides: Any) -> Assumptions:
    """An :class:`Assumptions` with some fields changed; unknown names raise ``ValueError``."""
    return _shared.with_overrides(Assumptions, base, **overrides)


def assumptions_table(assumptions: Assumptions | None = None, scenario: str | None = None,
                      **overrides: Any) -> pd.DataFrame:
    """The assumptions as a table for the report: the values the projection ran with.

    Parameters
    ----------
    scenario : str, optional
        The scenario that ran: its name and description come first, and the assumptions it changes show their
        changed values (``"constant_mortality"`` shows an unchanged mortality, not the default).

    Returns
    -------
    DataFrame
        Columns ``Antagande, Värde, Källa/motivering`` (Swedish, one row per assumption).
    """
    a = make_assumptions(assumptions, **overrides)
    if scenario is None:
        return _shared.table(a, source_column="Källa/motivering")
    from tillsammans.population.scenarios import SCENARIO_DEFINITIONS, resolve_scenario

    _, a = resolve_scenario(scenario, a)
    chosen = SCENARIO_DEFINITIONS[scenario]
    head = pd.DataFrame([{"Antagande": "Scenario", "Värde": chosen.label, "Källa/motivering": chosen.description}])
    return pd.concat([head, _shared.table(a, source_column="Källa/motivering")], ignore_index=True)
