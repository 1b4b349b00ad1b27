"""The study's one vocabulary: the words a reader meets in every report, and what each one means.

The glossary page (``reports/ordlista.html``) and the reports take their terms from here. Facts inside the
definitions are imported from where the models define them (the scenario names and descriptions from
:mod:`tillsammans.population.scenarios`, the working age from the population package's broad age groups),
never typed twice.

Region names: the study speaks of *Uppsala län* for the county as an area (SCB's name, and the sum of its
municipalities) and keeps *Region Uppsala* for the regional authority.

Sits with :mod:`tillsammans.plots` in the data flow: it reads the models' constants and is read by the
notebooks and the reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from tillsammans.population.agegroups import BROAD_AGE_GROUPS
from tillsammans.population.scenarios import SCENARIO_DEFINITIONS

#: The working age of the indicators (working-age share, dependency ratio), as SCB and Kolada: 20–64 years.
WORKING_AGE: tuple[int, int] = BROAD_AGE_GROUPS["20–64"]
#: The working age in words, e.g. "20–64 år".
WORKING_AGE_LABEL = f"{WORKING_AGE[0]}–{WORKING_AGE[1]} år"


@dataclass(frozen=True)
class Term:
    """A glossary entry: the Swedish term and its definition (plain Swedish, one to three sentences)."""

    term: str
    definition: str


def scenario_label(name: str) -> str:
    """The one Swedish name of a scenario (``"base"`` → ``"Huvudalternativ"``); ``ValueError`` if unknown."""
    if name not in SCENARIO_DEFINITIONS:
        raise ValueError(f"unknown scenario {name!r}; allowed: {', '.join(SCENARIO_DEFINITIONS)}")
    return SCENARIO_DEFINITIONS[name].label


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

    Kolada's region list names counties after their authorities ("Region Uppsala"); SCB's county names come
    from the boundaries table. Falls back to the registry's name when that table is missing.
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
    terms = [
        Term("Arbetsför ålder",
             f"Invånare {WORKING_AGE_LABEL}, samma avgränsning som SCB och Kolada använder. Andelen i arbetsför "
             "ålder och försörjningskvoten räknas alltid på denna grupp."),
        Term("Demografisk försörjningskvot",
             f"Antalet barn, unga och äldre (0–{lo - 1} år och {hi + 1} år och äldre) per person i arbetsför ålder "
             f"({WORKING_AGE_LABEL}). En kvot på 0,90 betyder 90 personer utanför arbetsför ålder per 100 i "
             "arbetsför ålder."),
        Term("Uppsala län",
             "Länet som område: summan av dess kommuner. Region Uppsala är den regionala myndigheten och används "
             "bara när myndigheten avses."),
        Term("Framskrivning",
             "En beräkning av hur befolkningen utvecklas om antagandena om födda, döda och flyttningar håller. "
             "Den är inte en prognos över vad kommunen vill eller planerar."),
        Term("Årsarbetare",
             "Anställda omräknade till heltid: två halvtidsanställda är en årsarbetare."),
        Term("Personalbehov",
             "Hur många årsarbetare välfärden behöver om personaltätheten per brukare är densamma som i dag."),
        Term("Rekryteringsbehov",
             "Ökningen av personalbehovet plus de som går i pension. De som slutar av andra skäl "
             "(personalomsättning) redovisas för sig."),
        Term("Tillgång",
             "Hur många årsarbetare i välfärden kommunens egen befolkning troligen kan ge: invånarna efter ålder "
             "gånger andelen som arbetar, pendlingen och andelen av de sysselsatta som arbetar i välfärden."),
        Term("Gap",
             "Personalbehovet minus tillgången, i årsarbetare, vid framskrivningens slutår. Ett positivt gap "
             "betyder brist. Gapet per 1 000 invånare gör stora och små kommuner jämförbara."),
        Term("Sårbarhet",
             "Risken att en funktion en given arbetsdag har för få på plats, när varje anställd kan vara sjuk, "
             "ledig eller tjänsten vakant."),
        Term("Samverkan",
             "Kommuner som sköter en uppgift tillsammans, i en gemensam nämnd, ett kommunalförbund, genom "
             "avtalssamverkan eller i ett gemensamt bolag (kommunallagen 9 kap.)."),
    ]
    terms += [Term(f"Scenario: {s.label}", s.description) for s in SCENARIO_DEFINITIONS.values()]
    return terms


def glossary() -> pd.DataFrame:
    """The glossary as a table: ``Term, Förklaring`` (Swedish), in reading order."""
    return pd.DataFrame([(t.term, t.definition) for t in _terms()], columns=["Term", "Förklaring"])


__all__ = ["WORKING_AGE", "WORKING_AGE_LABEL", "Term", "glossary", "region_name", "scenario_label"]
