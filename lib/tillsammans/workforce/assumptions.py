"""The workforce model's assumptions: every default a named parameter with a Swedish label and its source.

``Assumptions`` is a frozen dataclass; each field's metadata holds the label and the source (a Kolada KPI,
an SKR publication, or the plain statement that it is the project's own assumption). Functions of
:mod:`tillsammans.workforce` take the fields as keyword arguments; an unknown name is an error that lists the
known ones. :func:`assumptions_table` prints what a report used, with the data-derived values filled in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tillsammans import assumptions as _shared
from tillsammans.assumptions import assumption as _a

SKR_2022 = ("SKR, Välfärdens kompetensförsörjning – personalprognos 2021–2031 (2022) och Ekonomirapporten "
            "oktober 2022")


@dataclass(frozen=True)
class Assumptions:
    """Assumptions of the workforce model (defaults as used in the study's reports)."""

    productivity: float = _a(
        0.0, "Produktivitet, förändring av personal per brukare per år",
        "Antagande enligt SKR:s metod: personaltätheten per brukare hålls på dagens nivå (0 %/år). "
        "Ett positivt värde (0,005 = 0,5 %/år) minskar behovet.")
    pension_age: int = _a(
        66, "Pensionsålder (medelvärde för avgångsåldern), år",
        "Antagande: 66 år, i linje med SKR:s beräkningar där avgångsåldern antas stiga mot 66 år (" + SKR_2022
        + "). Arbetsför ålder räknas från 20 år till pensionsåldern.")
    exit_age_sd: float = _a(
        1.5, "Spridning i avgångsålder, standardavvikelse i år",
        "Antagande: avgångsåldern fördelas normalt kring pensionsåldern (±1,5 år, avskuren 4 år före och "
        "3 år efter), eftersom avgångar i kommunerna sprids över 61–69 år (flexibel pensionsålder).")
    turnover: float | None = _a(
        None, "Personalomsättning utöver pension, andel per år",
        "Från data: kommunens nya tillsvidareanställda (Kolada n00239) ÷ tillsvidareanställda (n00233), "
        "medel över de tre senaste åren, minus personalens tillväxt (n00233) och modellens pensionsavgångar; "
        "5 % om data saknas (antagande). Nya tillsvidareanställda inkluderar även visstidsanställda som får "
        "fast tjänst och byten mellan kommuner, så värdet är snarare en övre gräns; därför redovisas "
        "omsättningen separat.")
    hsl_share: float = _a(
        0.10, "Kommunal hälso- och sjukvård, andel av årsarbetarna i vård och omsorg",
        "Antagande: SKR anger cirka 16 000 sjuksköterskor i kommunernas äldreomsorg 2019 (SKR, Äldreomsorg – "
        "personal- och kompetensförsörjning, 2021), ungefär 7 % av rikets årsarbetare i vård och omsorg om "
        "äldre och personer med funktionsnedsättning (Kolada n20041, 222 000); med arbetsterapeuter och "
        "fysioterapeuter antas en tiondel. Ersätts av kommunens HR-underlag när det finns.")
    use_90_ratio: float = _a(
        2.0, "Insatsbehov 90+ år i förhållande till 80–89 år",
        "Antagande: andelen med hemtjänst eller särskilt boende är dubbelt så hög bland 90+ som bland 80–89 år. "
        "Socialstyrelsens statistik och Kolada redovisar bara 65–79 och 80+ (n20891, n20892); kvoten styr "
        "endast fördelningen inom 80+.")
    older_staff_ages: tuple[int, int] = _a(
        (55, 65), "Åldersfördelning för anställda 55+",
        "Antagande: anställda 55 år och äldre (Kolada n00214, n20214, n30214) fördelas jämnt över 55–65 år; "
        "den nationella åldersprofilen (SKR Kommunal personal, tabell 6) finns inte i spegeln.")
    younger_staff_ages: tuple[int, int] = _a(
        (20, 54), "Åldersfördelning för anställda under 55",
        "Antagande: anställda under 55 år fördelas jämnt över 20–54 år.")
    first_working_age: int = _a(
        20, "Arbetsför ålder från, år",
        "Som i SKR:s och SCB:s mått på befolkningen i arbetsför ålder (20–64/66 år).")
    commuting: bool = _a(
        True, "Pendling räknas in i tillgången",
        "Ja: boende sysselsatta × (1 − utpendling) ÷ (1 − inpendling) = arbetstillfällen i kommunen "
        "(Kolada n02279, n02276, 2020–2022).")
    extra_hours: float = _a(
        3.0, "Hävstång: deltidsanställda arbetar fler timmar per vecka",
        "Tre timmar mer per vecka för alla deltidsanställda (Kolada n00227), SKR:s räkneexempel (" + SKR_2022
        + ").")
    full_time_hours: float = _a(
        40.0, "Heltid, timmar per vecka",
        "Antagande: 40 timmar, heltid enligt Allmänna bestämmelser (AB) för de flesta kommunala yrken.")
    pension_age_increase: int = _a(
        1, "Hävstång: senare pensionsålder, år",
        "Ett år senare avgång och ett år längre arbetsför ålder (SKR:s räkneexempel, " + SKR_2022 + ").")
    productivity_lever: float = _a(
        0.005, "Hävstång: produktivitet/teknik, per år",
        "Antagande: 0,5 % lägre personalbehov per brukare och år (digitalisering, välfärdsteknik); "
        "storleksordning som i SKR:s diskussion av effektiviseringar.")
    sick_leave_reduction: float = _a(
        1.0, "Hävstång: lägre sjukfrånvaro, procentenheter",
        "Antagande: sjukfrånvaron (Kolada n00090, andel av ordinarie arbetstid) sänks med 1 procentenhet; "
        "den frigjorda tiden minskar behovet av årsarbetare.")

    def __post_init__(self) -> None:
        if not (-0.05 <= self.productivity <= 0.05):
            raise ValueError(f"productivity must be a yearly share in [-0.05, 0.05], got {self.productivity}")
        if not (isinstance(self.pension_age, int) and 60 <= self.pension_age <= 72):
            raise ValueError(f"pension_age must be an integer in 60..72, got {self.pension_age!r}")
        if not (0 <= self.exit_age_sd <= 5):
            raise ValueError(f"exit_age_sd must be in [0, 5] years, got {self.exit_age_sd}")
        if self.turnover is not None and not (0 <= self.turnover <= 0.5):
            raise ValueError(f"turnover must be None (from data) or a share in [0, 0.5], got {self.turnover}")
        for name in ("hsl_share",):
            if not (0 <= getattr(self, name) < 1):
                raise ValueError(f"{name} must be a share in [0, 1), got {getattr(self, name)}")
        if self.use_90_ratio <= 0:
            raise ValueError(f"use_90_ratio must be > 0, got {self.use_90_ratio}")
        for name in ("older_staff_ages", "younger_staff_ages"):
            low, high = getattr(self, name)
            if not (15 <= low <= high <= 75):
                raise ValueError(f"{name} must be (low, high) ages with 15 <= low <= high <= 75, got {(low, high)}")
        if not (15 <= self.first_working_age < self.pension_age):
            raise ValueError(f"first_working_age must be in 15..pension_age-1, got {self.first_working_age}")
        if not (0 <= self.extra_hours <= self.full_time_hours) or self.full_time_hours <= 0:
            raise ValueError("extra_hours must be in [0, full_time_hours] and full_time_hours > 0, got "
                             f"{self.extra_hours}, {self.full_time_hours}")
        if not (isinstance(self.pension_age_increase, int) and 0 <= self.pension_age_increase <= 5):
            raise ValueError(f"pension_age_increase must be an integer in 0..5, got {self.pension_age_increase!r}")
        if not (0 <= self.productivity_lever <= 0.05):
            raise ValueError(f"productivity_lever must be in [0, 0.05], got {self.productivity_lever}")
        if not (0 <= self.sick_leave_reduction <= 20):
            raise ValueError(f"sick_leave_reduction must be in [0, 20] percentage points, got {self.sick_leave_reduction}")


ASSUMPTION_NAMES: tuple[str, ...] = _shared.names(Assumptions)


def make_assumptions(base: Assumptions | None = None, **overrides: Any) -> Assumptions:
    """An :class:`Assumptions` with some fields changed; unknown names raise ``ValueError``."""
    return _shared.with_overrides(Assumptions, base, **overrides)
