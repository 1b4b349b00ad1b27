"""The study's one vocabulary: the words a reader meets in every report, and what each one means.

Every report uses the same term for the same thing, and the glossary page (``reports/ordlista.html``) lists
them. The definitions are
written here once, but the facts inside them are imported from where the models define them: the working age
from :data:`tillsammans.population.agegroups.WORKING_AGE`, the scenario names and descriptions from
:mod:`tillsammans.population.scenarios`, the welfare sectors from :data:`tillsammans.workforce.SECTORS`, the
ranking's criteria from :data:`tillsammans.cooperation.CRITERIA`, the features of similar municipalities
from :data:`tillsammans.similar.FEATURES`. Change a fact there and the glossary and the reports follow.

Region names: the study speaks of *Uppsala län* (the county as an area and the sum of its municipalities,
SCB's name) and keeps *Region Uppsala* for the regional authority. Kolada's region list names counties after
their authorities, so :func:`region_name` reads SCB's county names from the boundaries table.

Sits with :mod:`tillsammans.plots` in the data flow: it reads the models' constants and is read by the
notebooks, the plots and the reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from tillsammans.cooperation.ranking import CRITERIA, CRITERIA_DESCRIPTIONS
from tillsammans.population.agegroups import SERVICE_AGE_GROUPS, WORKING_AGE
from tillsammans.population.agegroups import label as age_label
from tillsammans.population.scenarios import SCENARIO_DEFINITIONS, SCENARIO_LABELS
from tillsammans.similar import FEATURES
from tillsammans.workforce.sectors import SECTORS

#: The working age in words, e.g. "20–64 år".
WORKING_AGE_LABEL = f"{age_label(*WORKING_AGE)} år"
#: The term with its definition in brackets, for the first use in a text: "arbetsför ålder (20–64 år)".
WORKING_AGE_TERM = f"arbetsför ålder ({WORKING_AGE_LABEL})"


def _span(*groups: str) -> tuple[int, int]:
    """First and last age of adjacent service age groups (e.g. förskola and grundskola: 1–15)."""
    return SERVICE_AGE_GROUPS[groups[0]][0], SERVICE_AGE_GROUPS[groups[-1]][1]


#: The service age groups a politician asks about first: children in förskola and grundskola, and the very old
#: who use most eldercare. Label → (first age, last age), from :data:`SERVICE_AGE_GROUPS`.
CHILDREN: tuple[int, int] = _span("1–5", "6–15")
VERY_OLD: tuple[int, int] = _span("80–89", "90+")
CHILDREN_LABEL = f"barn i förskole- och grundskoleålder ({age_label(*CHILDREN)} år)"
VERY_OLD_LABEL = f"invånare som är {VERY_OLD[0]} år och äldre"

#: The 80 % interval in words, as the reports write it.
INTERVAL_WORDS = "med 80 procents sannolikhet"


@dataclass(frozen=True)
class Term:
    """A glossary entry: the Swedish term and its definition (plain Swedish, one to three sentences)."""

    term: str
    definition: str


def scenario_label(name: str) -> str:
    """The one Swedish name of a scenario (``"base"`` → ``"Huvudalternativ"``); ``ValueError`` if unknown."""
    if name not in SCENARIO_LABELS:
        raise ValueError(f"unknown scenario {name!r}; allowed: {', '.join(SCENARIO_LABELS)}")
    return SCENARIO_LABELS[name]


@lru_cache(maxsize=4)
def _county_names(processed_dir: str | None) -> dict[str, str]:
    from tillsammans import data

    try:
        frame = data.load_table("geo_lan", Path(processed_dir) if processed_dir else None,
                                columns=["lan_kod", "lan"])
    except (FileNotFoundError, ValueError, KeyError):
        return {}
    return dict(zip(frame["lan_kod"].astype(str), frame["lan"].astype(str), strict=True))


def region_name(code: str, processed_dir: Path | None = None) -> str:
    """The name a report uses for a region: a municipality's name, SCB's county name ("Uppsala län"), "Riket".

    Falls back to the registry's name when the boundaries table is missing.
    """
    from tillsammans.municipalities import SWEDEN, registry

    reg = registry(None if processed_dir is None else Path(processed_dir) / "regions.parquet")
    code = reg.resolve(code)
    if code == SWEDEN:
        return "Riket"
    if reg.level(code) == "county":
        return _county_names(None if processed_dir is None else str(processed_dir)).get(code, reg.name(code))
    return reg.name(code)


def _terms() -> list[Term]:
    lo, hi = WORKING_AGE
    features = ", ".join(f.label.lower() for f in FEATURES.values())
    terms = [
        Term("Arbetsför ålder",
             f"Invånare {WORKING_AGE_LABEL}, samma avgränsning som SCB och Kolada använder. Andelen i arbetsför "
             "ålder och försörjningskvoten räknas alltid på denna grupp. Tillgången på personal räknas däremot "
             "med hur många som arbetar i varje ålder, även de som är yngre eller äldre."),
        Term("Demografisk försörjningskvot",
             f"Antalet barn, unga och äldre (0–{lo - 1} år och {hi + 1} år och äldre) per person i arbetsför "
             f"ålder ({WORKING_AGE_LABEL}). En kvot på 0,90 betyder 90 personer utanför arbetsför ålder per 100 i "
             "arbetsför ålder."),
        Term("Uppsala län",
             "Länet som område och summan av dess kommuner. Region Uppsala är den regionala myndigheten "
             "(tidigare landstinget) och används bara när myndigheten avses."),
        Term("Framskrivning",
             "En beräkning av hur befolkningen utvecklas om antagandena om födda, döda och flyttningar håller. "
             "Den är inte en prognos över vad kommunen vill eller planerar."),
        Term("80-procentsintervall",
             "Det intervall där utfallet hamnar med 80 procents sannolikhet enligt modellens simuleringar. Hur "
             "ofta utfallen verkligen hamnat inom intervallet har prövats på tidigare år och redovisas med det "
             "uppmätta talet i befolkningsrapporten."),
        Term("Basår (i dag)",
             "Det senaste året med uppgifter om kommunernas personal i Kolada. Personalberäkningarna utgår från "
             "det året."),
        Term("Årsarbetare",
             "Anställda omräknade till heltid: två halvtidsanställda är en årsarbetare."),
        Term("Personalbehov",
             "Hur många årsarbetare välfärden behöver om personaltätheten per brukare är densamma som i dag."),
        Term("Rekryteringsbehov",
             "Ökningen av personalbehovet plus de som går i pension. De som slutar av andra skäl "
             "(personalomsättning) redovisas för sig, eftersom de ger rekryteringar men inte ändrar behovet."),
        Term("Personalomsättning",
             "Anställda som slutar av andra skäl än pension, till exempel för ett annat arbete, studier eller "
             "flytt."),
        Term("Tillgång",
             "Hur många årsarbetare i välfärden kommunens egen befolkning troligen kan ge: invånarna efter ålder "
             "gånger andelen som arbetar, pendlingen och andelen av de sysselsatta som arbetar i kommun och "
             "region."),
        Term("Gap",
             "Personalbehovet minus tillgången, i årsarbetare, vid framskrivningens slutår. Ett positivt gap "
             "betyder brist: kommunen behöver fler "
             "årsarbetare än den egna befolkningen troligen ger. Gapet per 1 000 invånare gör stora och små "
             "kommuner jämförbara."),
        Term("Verksamheter",
             "Välfärdens delar i personalberäkningen: " + ", ".join(s.lower() for s in SECTORS.values()) + "."),
        Term("Liknande kommuner",
             f"De kommuner som liknar kommunen mest i struktur, mätt med nio kännetecken ({features}). Varje "
             "kännetecken standardiseras över landets 290 kommuner och avståndet mellan kommunerna räknas som "
             "det euklidiska avståndet mellan de standardiserade värdena, i samma anda som Koladas liknande kommuner."),
        Term("Sårbarhet",
             "Risken att en funktion en given arbetsdag har för få på plats, när varje anställd kan vara sjuk, "
             "ledig eller tjänsten vakant."),
        Term("Samverkan",
             "Kommuner som sköter en uppgift tillsammans, i en gemensam nämnd, ett kommunalförbund, genom "
             "avtalssamverkan, i ett gemensamt bolag eller genom köp av tjänst (kommunallagen 9 och 10 kap.)."),
    ]
    for s in SCENARIO_DEFINITIONS.values():
        terms.append(Term(f"Scenario: {s.label}", s.description))
    for key, label in CRITERIA.items():
        terms.append(Term(f"Kriterium: {label}", CRITERIA_DESCRIPTIONS[key]))
    return terms


def define(term: str) -> str:
    """The glossary's definition of ``term`` (e.g. ``"Arbetsför ålder"``), for a report's text."""
    found = {t.term: t.definition for t in _terms()}
    if term not in found:
        raise ValueError(f"unknown term {term!r}; the glossary has: {', '.join(found)}")
    return found[term]


def glossary() -> pd.DataFrame:
    """The glossary as a table: ``Term, Förklaring`` (Swedish), in reading order."""
    return pd.DataFrame([(t.term, t.definition) for t in _terms()], columns=["Term", "Förklaring"])


__all__ = [
    "CHILDREN",
    "CHILDREN_LABEL",
    "INTERVAL_WORDS",
    "VERY_OLD",
    "VERY_OLD_LABEL",
    "WORKING_AGE",
    "WORKING_AGE_LABEL",
    "WORKING_AGE_TERM",
    "Term",
    "define",
    "glossary",
    "region_name",
    "scenario_label",
]
