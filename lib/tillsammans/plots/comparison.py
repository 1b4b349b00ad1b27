"""A municipality among its structurally most similar municipalities (in the spirit of Kolada's *liknande
kommuner*): the tables and the sentence of the population and workforce reports.

The neighbours come from :func:`tillsammans.similar.similar_municipalities` (nine Kolada features, z-scored over
the 290 municipalities, Euclidean distance). The comparison puts observed figures (Kolada, the base year) next
to projected ones: each neighbour's main population projection and, for the workforce report, its workforce
model without Monte Carlo (:func:`tillsammans.workforce.network_comparison`, computed once per build and kept
in the project's cache). A handful of municipalities per report, never all 290.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from tillsammans.plots.narrative import NUMBER_WORDS, in_words, join_words
from tillsammans.similar import SOURCE
from tillsammans.vocabulary import WORKING_AGE_LABEL


def comparison_labels(table: pd.DataFrame) -> dict[str, str]:
    """Swedish column names of :func:`similar_comparison` with the years of the table (``table.attrs``)."""
    year, latest, end = table.attrs["year"], table.attrs["latest"], table.attrs["end_year"]
    return {
        "name": "Kommun",
        "distance": "Avstånd (standardavvikelser)",
        "population": f"Invånare {year}",
        "dependency_ratio": f"Försörjningskvot {year}",
        "share_80plus": f"Andel 80+ {year}",
        "population_change": f"Befolkningsförändring {latest}–{end}",
        "working_age_change": f"Förändring {WORKING_AGE_LABEL} {latest}–{end}",
        "dependency_ratio_end": f"Försörjningskvot {end}",
        "staff_per_1000": f"Årsarbetare per 1 000 invånare {year}",
        "need_change": f"Personalbehov, förändring {year}–{end}",
        "gap_per_1000_end": f"Gap per 1 000 invånare {end}",
    }


STAFF_KPI = "n00098"
POPULATION_KPI = "n01951"


def similar_comparison(
    municipality: str,
    n: int = 5,
    year: int | None = None,
    end_year: int = 2040,
    scenario: str = "base",
    workforce: bool = False,
    processed_dir: Path | None = None,
    **assumptions,
) -> pd.DataFrame:
    """The municipality and its ``n`` most similar municipalities, observed and projected side by side.

    Parameters
    ----------
    municipality : str
        SCB code or name.
    n : int
        Neighbours (1–289).
    year : int, optional
        The observed year (default the study's base year, :func:`tillsammans.workforce.base_year`).
    end_year, scenario : int, str
        The projection compared.
    workforce : bool
        Also run the workforce model for the neighbours (staff per 1 000 inhabitants, need change, gap).
    **assumptions
        Fields of :class:`tillsammans.workforce.Assumptions` (the report's own), for the workforce model.

    Returns
    -------
    DataFrame
        One row per municipality, itself first: ``rank, region_code, name, distance`` (standard deviations),
        observed ``population, dependency_ratio, share_80plus`` in ``year``, projected ``population_change``,
        ``working_age_change`` (shares, from the latest observed year to ``end_year``) and
        ``dependency_ratio_end``; with ``workforce`` also ``staff_per_1000`` (Kolada n00098 ÷ n01951 × 1 000),
        ``need_change`` (share) and ``gap_per_1000_end``. ``attrs``: ``year``, ``end_year``, ``features``
        (:func:`tillsammans.similar.similar_municipalities`' frame, the features table).
    """
    from tillsammans import population as pop
    from tillsammans import similar
    from tillsammans import workforce as wf
    from tillsammans.population import observed

    near = similar.similar_municipalities(municipality, n=n, processed_dir=processed_dir)
    codes = list(near["region_code"])
    year = wf.base_year(processed_dir) if year is None else int(year)
    seen = observed.key_figures(codes, year=year, processed_dir=processed_dir).set_index("region_code")
    out = near[["rank", "region_code", "name", "distance"]].copy()
    out["population"] = out["region_code"].map(seen["population"])
    out["dependency_ratio"] = out["region_code"].map(seen["dependency_ratio"])
    out["share_80plus"] = out["region_code"].map(seen["share_80plus"])

    inputs = pop.load_inputs(processed_dir)
    latest = pop.latest_observed_year(inputs=inputs)
    projected = pop.compare_regions(codes, end_year, scenario, inputs=inputs)
    first = projected[projected["year"] == latest].set_index("region_code")
    last = projected[projected["year"] == end_year].set_index("region_code")
    out["population_change"] = out["region_code"].map(last["population"] / first["population"] - 1)
    out["working_age_change"] = out["region_code"].map(last["working_age"] / first["working_age"] - 1)
    out["dependency_ratio_end"] = out["region_code"].map(last["dependency_ratio"])
    if workforce:
        from tillsammans import data

        kolada = data.kolada([STAFF_KPI, POPULATION_KPI], regions=codes, processed_dir=processed_dir)
        wide = kolada[kolada["year"] == year].pivot(index="region_code", columns="kpi", values="value")
        out["staff_per_1000"] = out["region_code"].map(1000 * wide[STAFF_KPI] / wide[POPULATION_KPI])
        staff = wf.network_comparison(codes, end_year, scenario, processed_dir=processed_dir,
                                      **assumptions).set_index("region_code")
        out["need_change"] = out["region_code"].map(staff["need_end"] / staff["staff_today"] - 1)
        out["gap_per_1000_end"] = out["region_code"].map(staff["gap_per_1000_end"])
    out.attrs.update(year=year, end_year=int(end_year), latest=int(latest), features=near)
    return out.reset_index(drop=True)


def features_table(near: pd.DataFrame) -> pd.DataFrame:
    """The similarity features of the municipality and its neighbours with Swedish headers and units.

    ``attrs["decimals"]`` holds the decimals to show per column (counts and kronor whole, the rest one).
    """
    from tillsammans.similar import FEATURES

    years = near.attrs.get("years", {})
    names = {k: f"{f.label}, {f.unit}" + (f" ({years[k]})" if k in years else "") for k, f in FEATURES.items()}
    out = near[["name", "distance", *FEATURES]].rename(
        columns={"name": "Kommun", "distance": "Avstånd (standardavvikelser)", **names})
    out.attrs["decimals"] = {"Avstånd (standardavvikelser)": 2,
                             **{names[k]: 0 if k in ("population", "tax_base") else 1 for k in FEATURES}}
    return out


def method_sentence(n: int) -> str:
    """How "similar" was computed, generated from :data:`tillsammans.similar.FEATURES`."""
    from tillsammans.similar import FEATURES, LOG_FEATURES

    logs = [FEATURES[k].label.lower() for k in LOG_FEATURES]
    return (f"Kommunerna som liknar kommunen mest har valts på {in_words(len(FEATURES))} kännetecken från Kolada: "
            f"{join_words([f.label.lower() for f in FEATURES.values()])}. "
            f"Varje kännetecken standardiseras över landets "
            f"290 kommuner ({join_words(logs)} på logaritmisk skala), så att alla väger lika, "
            f"och likheten är avståndet "
            f"mellan kommunernas standardiserade värden (euklidiskt avstånd, i standardavvikelser). "
            f"De {in_words(n)} med "
            "kortast avstånd visas, i samma anda som Koladas liknande kommuner men med ett gemensamt urval för alla "
            "verksamheter.")


_ORDINALS = ("", "näst ", "tredje ", "fjärde ", "femte ", "sjätte ", "sjunde ", "åttonde ", "nionde ", "tionde ")


def _position(values: pd.Series, own: str, high: str, low: str) -> str:
    """'högsta', 'näst lägsta', 'tredje högsta' … of ``own`` among ``values``."""
    order = values.rank(ascending=False, method="min")
    k = int(order[own])
    n = len(values)
    if k <= (n + 1) / 2:
        return f"{_ORDINALS[k - 1]}{high}" if k - 1 < len(_ORDINALS) else f"{k}:e {high}"
    j = n - k + 1
    return f"{_ORDINALS[j - 1]}{low}" if j - 1 < len(_ORDINALS) else f"{j}:e {low}"


def comparison_sentences(
    table: pd.DataFrame,
    measures: Sequence[tuple[str, str, str, str, str, Callable[[float], str]]],
) -> list[str]:
    """Where the municipality stands among its neighbours, one clause per measure.

    Parameters
    ----------
    table : DataFrame
        :func:`similar_comparison` (the municipality first).
    measures : list of (column, article, noun, high word, low word, formatter)
        E.g. ``("dependency_ratio_end", "den", "försörjningskvoten år 2040", "högsta", "lägsta",
        lambda v: fmt_number(v, 2))``; the municipality's own value follows in brackets.
    """
    own = table.iloc[0]
    others = list(table["name"].iloc[1:])
    values = table.set_index("region_code")
    clauses = [f"{article} {_position(values[col], own.region_code, high, low)} {noun} ({fmt(own[col])})"
               for col, article, noun, high, low, fmt in measures]
    return [(f"Bland {own['name']} och de {in_words(len(others))} kommuner som liknar den mest ({join_words(others)}) "
             f"har {own['name']} {join_words(clauses)}.")]


__all__ = [
    "NUMBER_WORDS",
    "SOURCE",
    "comparison_labels",
    "comparison_sentences",
    "features_table",
    "in_words",
    "method_sentence",
    "similar_comparison",
]
