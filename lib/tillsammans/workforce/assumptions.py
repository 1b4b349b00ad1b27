"""The workforce model's assumptions: every default a named parameter with a Swedish label and its source.

``Assumptions`` is a frozen dataclass; each field's metadata holds the label and the source (a Kolada KPI,
an SKR publication, or the plain statement that it is the project's own assumption). Functions of
:mod:`tillsammans.workforce` take the fields as keyword arguments; an unknown name is an error that lists the
known ones. :func:`assumptions_table` prints what a report used, with the data-derived values filled in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tillsammans import assumptions as _shared
from tillsammans.assumptions import assumption as _a
from tillsammans.formatting import NBSP, fmt_general, fmt_number, fmt_percent

SKR_2022 = ("SKR, Välfärdens kompetensförsörjning – personalprognos 2021–2031 (2022) och Ekonomirapporten "
            "oktober 2022")


def _share(unit: str = "") -> Any:
    """A share written as a percentage (0,5 %), with a unit after it ("per år")."""
    def show(value: float) -> str:
        decimals = 0 if round(value * 100, 1) == round(value * 100) else 1
        return f"{fmt_percent(value, decimals)}{' ' + unit if unit else ''}"
    return show


def _share_range(unit: str = "") -> Any:
    def show(pair: tuple[float, float] | None) -> str:
        if pair is None:
            return "från data"
        return f"{_share()(pair[0])} till {_share()(pair[1])}{' ' + unit if unit else ''}"
    return show


def _amount(unit: str, decimals: int | None = None, singular: str | None = None) -> Any:
    """A number with its unit: "65,5 år", "3 timmar per vecka", "1 procentenhet" (``singular`` for exactly 1)."""
    def show(value: float | tuple[float, float]) -> str:
        text = (f"{_amount('', decimals)(value[0])}–{_amount('', decimals)(value[1])}" if isinstance(value, tuple)
                else fmt_general(value) if decimals is None else fmt_number(value, decimals))
        word = singular if singular and not isinstance(value, tuple) and value == 1 else unit
        return f"{text}{NBSP}{word}" if word else text
    return show


def _factor_range(pair: tuple[float, float] | None) -> str:
    return "från data" if pair is None else f"{fmt_general(pair[0], 3)}–{fmt_general(pair[1], 3)}"


def _turnover(value: float | None) -> str:
    return "från data (Kolada)" if value is None else _share("per år")(value)


@dataclass(frozen=True)
class Assumptions:
    """Assumptions of the workforce model (defaults as used in the study's reports)."""

    productivity: float = _a(
        0.0, "Produktivitet, förändring av personal per brukare per år",
        "Antagande enligt SKR:s metod: personaltätheten per brukare hålls på dagens nivå (0 %/år). "
        "Ett positivt värde (0,005 = 0,5 %/år) minskar behovet.", _share("per år"))
    productivity_range: tuple[float, float] = _a(
        (-0.005, 0.005), "Osäkerhet: produktivitet, lägsta–högsta per år",
        "Antagande: personal per brukare kan både minska (teknik, arbetssätt) och öka (högre krav, fler "
        "med stora behov) med upp till 0,5 % per år; samma storlek som produktivitetshävstången. Dras "
        "triangulärt kring huvudantagandet i osäkerhetsberäkningen.", _share_range("per år"))
    retirement_age: float = _a(
        65.5, "Genomsnittlig pensionsålder (avgångsålder), år",
        "Pensionsmyndigheten, Pensionsåldrar och arbetslivets längd (2025): medelpensioneringsåldern var 65,5 "
        "år 2024, efter höjningarna 2023 (lägsta uttagsålder 63, garantipension 66, LAS-ålder 69 år).", _amount("år"))
    retirement_age_sd: float = _a(
        1.5, "Spridning i pensionsålder, standardavvikelse i år",
        "Antagande: avgångsåldern fördelas normalt kring medelåldern (±1,5 år), avskuren 4 år före "
        "medelåldern och vid LAS-åldern 69 år (Pensionsmyndigheten 2025), eftersom uttag sprids över 61–69 år.",
        _amount("år"))
    retirement_age_range: tuple[float, float] = _a(
        (64.2, 66.5), "Osäkerhet: pensionsålder, lägsta–högsta",
        "Lägst 64,2 år: genomsnittlig utträdesålder ur arbetskraften 2021–2022 (Pensionsmyndigheten, "
        "Pensionsåldrar och arbetslivets längd 2022 och 2023). Högst 66,5 år: halvvägs från 66,0 (2023) mot "
        "riktåldern 67 år som gäller från 2026 (Pensionsmyndigheten).", _amount("år"))
    turnover: float | None = _a(
        None, "Personalomsättning utöver pension, andel per år",
        "Från data: nya tillsvidareanställda (Kolada n00239) minus nettoökningen av tillsvidareanställda "
        "(n00233), delat med tillsvidareanställda, medel över alla år (2013–), minus modellens pensionsavgångar. "
        "Nya tillsvidareanställda omfattar även visstidsanställda som får fast tjänst och byten mellan "
        "kommuner; ett kommunvärde utanför 5–95-percentilerna av landets 290 kommuner begränsas till gränsen "
        "(omorganisationer ger enstaka extrema år). Redovisas separat från rekryteringsbehovet.", _turnover)
    turnover_range: tuple[float, float] | None = _a(
        None, "Osäkerhet: personalomsättning, lägsta–högsta",
        "Från data: lägsta och högsta årsvärde av samma mått för kommunen (minus pensionsavgångar).",
        _share_range("per år"))
    employment_range: tuple[float, float] | None = _a(
        None, "Osäkerhet: sysselsättningsnivå, faktor lägsta–högsta",
        "Från data: lägsta och högsta förvärvsfrekvens 20–64 år (Kolada n00914) 2012–2021 i förhållande till "
        "det senaste året; gäller sysselsättningen i alla åldrar efter basåret.", _factor_range)
    hsl_share: float = _a(
        0.10, "Kommunal hälso- och sjukvård, andel av årsarbetarna i vård och omsorg",
        "Antagande: SKR anger cirka 16 000 sjuksköterskor i kommunernas äldreomsorg 2019 (SKR, Äldreomsorg – "
        "personal- och kompetensförsörjning, 2021), ungefär 7 % av rikets årsarbetare i vård och omsorg om "
        "äldre och personer med funktionsnedsättning (Kolada n20041, 222 000); med arbetsterapeuter och "
        "fysioterapeuter antas en tiondel. Ersätts av kommunens HR-underlag när det finns.", _share())
    use_90_ratio: float = _a(
        2.0, "Insatsbehov 90+ år i förhållande till 80–89 år",
        "Antagande: andelen med hemtjänst eller särskilt boende är dubbelt så hög bland 90+ som bland 80–89 år. "
        "Socialstyrelsens statistik och Kolada redovisar bara 65–79 och 80+ (n20891, n20892); kvoten styr "
        "endast fördelningen inom 80+.", _amount("gånger", 1))
    commuting: bool = _a(
        True, "Pendling räknas in i tillgången",
        "Ja: boende sysselsatta × (1 − utpendling) ÷ (1 − inpendling) = sysselsatta med arbetsställe i "
        "kommunen (Kolada n02279, n02276; samma som n02201 ÷ n02202). Nej: bara de boende sysselsatta.")
    extra_hours: float = _a(
        3.0, "Hävstång: deltidsanställda arbetar fler timmar per vecka",
        "Tre timmar mer per vecka för alla deltidsanställda (Kolada n00227), SKR:s räkneexempel (" + SKR_2022
        + ").", _amount("timmar per vecka", singular="timme per vecka"))
    full_time_hours: float = _a(
        40.0, "Heltid, timmar per vecka",
        "Antagande: 40 timmar, heltid enligt Allmänna bestämmelser (AB) för de flesta kommunala yrken.",
        _amount("timmar per vecka", singular="timme per vecka"))
    retirement_age_increase: float = _a(
        1.0, "Hävstång: senare pensionsålder, år",
        "Ett år senare avgång: färre pensioneringar och sysselsättningsprofilen från 55 år ett år senare "
        "(SKR:s räkneexempel, " + SKR_2022 + ").", _amount("år"))
    productivity_lever: float = _a(
        0.005, "Hävstång: produktivitet/teknik, per år",
        "Antagande: 0,5 % lägre personalbehov per brukare och år (digitalisering, välfärdsteknik); "
        "storleksordning som i SKR:s diskussion av effektiviseringar.", _share("per år"))
    sick_leave_reduction: float = _a(
        1.0, "Hävstång: lägre sjukfrånvaro, procentenheter",
        "Antagande: sjukfrånvaron (Kolada n00090, andel av ordinarie arbetstid) sänks med 1 procentenhet; "
        "den frigjorda tiden minskar behovet av årsarbetare.", _amount("procentenheter", singular="procentenhet"))

    def __post_init__(self) -> None:
        _check_range("productivity", self.productivity, -0.05, 0.05, "a yearly share")
        _check_range("retirement_age", self.retirement_age, 55, 75, "years")
        _check_range("retirement_age_sd", self.retirement_age_sd, 0, 5, "years")
        _check_pair("productivity_range", self.productivity_range, -0.05, 0.05, self.productivity)
        _check_pair("retirement_age_range", self.retirement_age_range, 55, 75, self.retirement_age)
        if self.turnover is not None:
            _check_range("turnover", self.turnover, 0, 0.5, "a yearly share")
        if self.turnover_range is not None:
            _check_pair("turnover_range", self.turnover_range, 0, 0.5, self.turnover)
        if self.employment_range is not None:
            _check_pair("employment_range", self.employment_range, 0.5, 1.5, 1.0)
        _check_range("hsl_share", self.hsl_share, 0, 1, "a share", high_open=True)
        if not (self.use_90_ratio > 0 and np.isfinite(self.use_90_ratio)):
            raise ValueError(f"use_90_ratio must be a finite number > 0, got {self.use_90_ratio!r}")
        _check_range("full_time_hours", self.full_time_hours, 1, 60, "hours a week")
        _check_range("extra_hours", self.extra_hours, 0, self.full_time_hours, "hours a week")
        _check_range("retirement_age_increase", self.retirement_age_increase, 0, 5, "years")
        _check_range("productivity_lever", self.productivity_lever, 0, 0.05, "a yearly share")
        _check_range("sick_leave_reduction", self.sick_leave_reduction, 0, 20, "percentage points")
        if not isinstance(self.commuting, bool):
            raise TypeError(f"commuting must be True or False, got {self.commuting!r}")


def _check_range(name: str, value: Any, low: float, high: float, unit: str, high_open: bool = False) -> None:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
        and np.isfinite(value) and low <= value and (value < high if high_open else value <= high)
    if not ok:
        bound = f"[{low}, {high})" if high_open else f"[{low}, {high}]"
        raise ValueError(f"{name} must be {unit} in {bound}, got {value!r}")


def _check_pair(name: str, pair: Any, low: float, high: float, centre: float | None) -> None:
    if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
        raise ValueError(f"{name} must be a (lowest, highest) pair, got {pair!r}")
    for value in pair:
        _check_range(name, value, low, high, "a value")
    if not pair[0] <= pair[1] or (centre is not None and not pair[0] <= centre <= pair[1]):
        raise ValueError(f"{name} must satisfy lowest <= assumption ({centre}) <= highest, got {tuple(pair)}")


ASSUMPTION_NAMES: tuple[str, ...] = _shared.names(Assumptions)


def make_assumptions(base: Assumptions | None = None, **overrides: Any) -> Assumptions:
    """An :class:`Assumptions` with some fields changed; unknown names raise ``ValueError``."""
    return _shared.with_overrides(Assumptions, base, **overrides)
