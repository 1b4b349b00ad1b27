"""The answers first: "Det här betyder det för …" — plain Swedish sentences generated from the results.

Every report opens with three to five sentences for a politician or an official: how many people and how many
of working age, what that means for children and the very old, how many staff the municipality needs and must
recruit, how big the gap is and how sure we are. Each generator takes result frames (or the key figures the
models return) and returns a list of sentences; :func:`answer_block` shows them under the heading. Numbers
are written by :mod:`tillsammans.formatting`; a range is rounded (:func:`approx`) because its ends are
uncertain, a central value is written as in the report's tables, so text and table agree.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from tillsammans.formatting import fmt_number, fmt_percent, fmt_signed
from tillsammans.population.agegroups import WORKING_AGE
from tillsammans.vocabulary import (
    CHILDREN,
    CHILDREN_LABEL,
    INTERVAL_WORDS,
    VERY_OLD,
    VERY_OLD_LABEL,
    WORKING_AGE_TERM,
)

#: The age groups of the population answer: label → (first age, last age), inclusive (100 = 100 and over).
OUTLOOK_GROUPS: dict[str, tuple[int, int]] = {"total": (0, 100), "working_age": WORKING_AGE, "children": CHILDREN,
                                               "very_old": VERY_OLD}


# -- numbers in words ------------------------------------------------------------------------------


def approx(value: float) -> float:
    """A number rounded for a sentence: to hundreds from 1 000, to tens from 10, else to whole numbers."""
    size = abs(float(value))
    step = 100 if size >= 1000 else 10 if size >= 10 else 1
    return float(round(float(value) / step) * step)


def range_words(low: float, high: float, unit: str = "", signed: bool = False) -> str:
    """``'mellan 17 600 och 25 700 invånare'`` (ends rounded with :func:`approx`; ``signed`` writes +/−)."""
    fmt = fmt_signed if signed else fmt_number
    text = f"mellan {fmt(approx(low))} och {fmt(approx(high))}"
    return f"{text} {unit}".rstrip()


def range_short(low: float, high: float, signed: bool = False) -> str:
    """The same rounded range for a key-number box: ``'17 600–25 700'`` (``'−90 till +200'`` when signed)."""
    if signed:
        return f"{fmt_signed(approx(low))} till {fmt_signed(approx(high))}"
    return f"{fmt_number(approx(low))}–{fmt_number(approx(high))}"


def _moves(before: float, after: float, end_year: int | None = None) -> str:
    """'ökar från omkring 1 600 i dag till 2 139 år 2040' (today's value is an estimate, so rounded)."""
    when = f" år {end_year}" if end_year is not None else ""
    if abs(after - before) < 0.01 * max(abs(before), 1.0):
        return f"är ungefär detsamma som i dag ({fmt_number(after)}{when})"
    verb = "ökar" if after > before else "minskar"
    return f"{verb} från omkring {fmt_number(approx(before))} i dag till {fmt_number(after)}{when}"


#: Small numbers in words, as Swedish text writes them.
NUMBER_WORDS = ("noll", "en", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio")


def in_words(n: int) -> str:
    """A count as Swedish text writes it: words up to ten ("fem"), digits above."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else fmt_number(n)


def join_words(items: Sequence[str]) -> str:
    """'a', 'a och b', 'a, b och c'."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " och " + items[-1]


# -- population (01) --------------------------------------------------------------------------------


def _group_sums(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    both = frame.groupby([*keys, "age"], as_index=False)["population"].sum()
    out = {name: both[both["age"].between(lo, hi)].groupby(keys)["population"].sum()
           for name, (lo, hi) in OUTLOOK_GROUPS.items()}
    young = both[both["age"] <= WORKING_AGE[0] - 1].groupby(keys)["population"].sum()
    old = both[both["age"] >= WORKING_AGE[1] + 1].groupby(keys)["population"].sum()
    result = pd.DataFrame(out)
    result["dependency_ratio"] = (young + old) / result["working_age"]
    return result


def population_outlook(projection: pd.DataFrame, sims: pd.DataFrame | None, today: int,
                       end_year: int) -> pd.DataFrame:
    """The figures of the population answer: persons today and in the end year, with the 80 % interval.

    Parameters
    ----------
    projection : DataFrame
        The main projection (:func:`tillsammans.population.project_population`): ``year, sex, age,
        population``; it must hold ``today`` and ``end_year``.
    sims : DataFrame, optional
        Simulated paths (:func:`tillsammans.population.simulate_population`) for the interval.
    today, end_year : int
        "I dag" (the latest observed total) and the end year.

    Returns
    -------
    DataFrame
        Index ``measure`` (``total``, ``working_age``, ``children``, ``very_old`` of :data:`OUTLOOK_GROUPS`
        and ``dependency_ratio``); columns ``today``, ``end`` (main projection) and ``q10``, ``q90`` (the
        simulations' 80 % interval in the end year; NaN without ``sims``). ``attrs`` holds the two years.
    """
    years = set(projection["year"])
    missing = [y for y in (today, end_year) if y not in years]
    if missing:
        raise ValueError(f"the projection lacks year(s) {missing}; it covers {min(years)}–{max(years)}")
    main = _group_sums(projection[projection["year"].isin([today, end_year])], ["year"])
    out = pd.DataFrame({"today": main.loc[today], "end": main.loc[end_year]})
    out["q10"] = out["q90"] = np.nan
    if sims is not None:
        per_sim = _group_sums(sims[sims["year"] == end_year], ["sim"])
        out["q10"] = per_sim.quantile(0.1)
        out["q90"] = per_sim.quantile(0.9)
    out.index.name = "measure"
    out.attrs.update(today=int(today), end_year=int(end_year))
    return out


def population_sentences(name: str, outlook: pd.DataFrame, coverage80: float | None = None) -> list[str]:
    """The population answer in four or five sentences (one per item), from :func:`population_outlook`.

    ``coverage80`` is the measured share of backtest outcomes inside the model's 80 % interval (the total
    population, all municipalities); it is quoted as measured, never as "four out of five".
    """
    today, end = outlook.attrs["today"], outlook.attrs["end_year"]
    t, w, c, o = (outlook.loc[m] for m in ("total", "working_age", "children", "very_old"))
    dep = outlook.loc["dependency_ratio"]

    def interval(row: pd.Series, unit: str) -> str:
        return f" – {INTERVAL_WORDS} {range_words(row.q10, row.q90, unit)}" if pd.notna(row.q10) else ""

    out = [
        (f"I dag ({today}) har {name} {fmt_number(t.today)} invånare, och år {end} väntas {fmt_number(t.end)}"
         f"{interval(t, 'invånare')}."),
        (f"I {WORKING_AGE_TERM} finns i dag omkring {fmt_number(approx(w.today))} invånare; år {end} väntas "
         f"{fmt_number(w.end)}{interval(w, '')}."),
        (f"Antalet {CHILDREN_LABEL} {_moves(c.today, c.end)}, och antalet {VERY_OLD_LABEL} "
         f"{_moves(o.today, o.end, end)}."),
        (f"Det betyder {fmt_number(100 * dep.end)} barn, unga och äldre per 100 invånare i arbetsför ålder år {end}, "
         f"mot {fmt_number(100 * dep.today)} i dag."),
    ]
    if coverage80 is not None and pd.notna(coverage80):
        out.append("Intervallen bygger på hur födda, döda och flyttningar har varierat tidigare; när modellen "
                   f"prövades på tidigare år hamnade {fmt_percent(coverage80, 0)} av utfallen för folkmängden "
                   "inom 80-procentsintervallet.")
    return out


# -- workforce (02) --------------------------------------------------------------------------------


def _sector_phrase(label: str, value: float) -> str:
    return f"{label[:1].lower() + label[1:]} ({fmt_signed(value)})"


def workforce_sentences(name: str, key: Mapping[str, float], sectors: pd.DataFrame, base_year: int,
                        end_year: int, labels: Mapping[str, str], top_assumption: tuple[str, float] | None = None
                        ) -> list[str]:
    """The workforce answer in four or five sentences (one per item).

    Parameters
    ----------
    key : mapping
        :meth:`tillsammans.workforce.WorkforceResult.key_figures` (with the ``*_q10``/``*_q90`` intervals
        when the Monte Carlo ran).
    sectors : DataFrame
        :func:`tillsammans.workforce.sector_results`: ``sector, staff_today, staff_need, gap`` (a ``total`` row
        is ignored).
    labels : mapping
        Sector id → Swedish name (:data:`tillsammans.workforce.SECTORS`).
    top_assumption : (str, float), optional
        The Swedish name of the assumption that moves the gap most and its swing (årsarbetare).
    """
    def interval(name_: str, unit: str, signed: bool = False) -> str:
        lo, hi = key.get(f"{name_}_q10"), key.get(f"{name_}_q90")
        if lo is None or hi is None or pd.isna(lo) or pd.isna(hi):
            return ""
        return f" – {INTERVAL_WORDS} {range_words(lo, hi, unit, signed=signed)}"

    growth = key["cum_recruitment_need"] - key["cum_retirements"]
    reason = (f"för att möta ett ökat behov och ersätta {fmt_number(key['cum_retirements'])} som går i pension"
              if growth > 0.5 else f"för att ersätta {fmt_number(key['cum_retirements'])} som går i pension")
    rec_range = interval("cum_recruitment_need", "")
    out = [
        (f"{name} har {fmt_number(key['staff_today'])} årsarbetare i välfärden {base_year}, och med dagens "
         f"personaltäthet behövs {fmt_number(key['need_end'])} år {end_year}{interval('need_end', 'årsarbetare')}."),
        f"Fram till {end_year} behöver kommunen rekrytera {fmt_number(key['cum_recruitment_need'])} årsarbetare"
        + (f" ({rec_range.removeprefix(' – ')})" if rec_range else "")
        + f" {reason}; därtill kommer omkring {fmt_number(approx(key['cum_turnover']))} som slutar av andra skäl.",
    ]
    gap = key["gap_end"]
    gap_range = interval("gap_end", "", signed=True)
    where = (f" – gapet ligger {gap_range.removeprefix(' – ')} (minus betyder överskott)" if gap_range else "")
    if gap > 0:
        out.append(f"År {end_year} behövs {fmt_number(gap)} fler årsarbetare än kommunens egen befolkning troligen "
                   f"kan ge{where}.")
    else:
        out.append(f"År {end_year} kan kommunens egen befolkning troligen ge {fmt_number(-gap)} fler årsarbetare "
                   f"än som behövs{where}.")
    per = sectors[sectors["sector"] != "total"].set_index("sector")
    short = per[per["gap"].round() > 0].sort_values("gap", ascending=False).head(2)
    fewer = per.assign(change=per["staff_need"] - per["staff_today"]).sort_values("change").head(1)
    parts = []
    if len(short):
        phrases = [_sector_phrase(labels[s], g) for s, g in short["gap"].items()]
        phrases[0] = phrases[0].replace(")", " årsarbetare)", 1)
        parts.append(f"Bristen år {end_year} finns i " + join_words(phrases))
    if len(fewer) and fewer["change"].iloc[0] <= -1:
        s = fewer.index[0]
        parts.append(f"{labels[s][:1].lower() + labels[s][1:]} behöver {fmt_number(-fewer['change'].iloc[0])} "
                     "färre årsarbetare än i dag")
    if parts:
        sentence = ", medan ".join(parts) if len(parts) == 2 else parts[0]
        out.append(sentence[:1].upper() + sentence[1:] + ".")
    if top_assumption is not None:
        label, swing = top_assumption
        out.append(f"Mest osäkert är antagandet om {label[:1].lower() + label[1:]}: ensamt flyttar det gapet "
                   f"{fmt_number(swing)} årsarbetare mellan sitt lägsta och högsta värde.")
    return out


# -- the network (04) and cooperation (03) ------------------------------------------------------------


def network_sentences(names: Sequence[str], population: pd.DataFrame, workforce_total: pd.DataFrame,
                      per_municipality: pd.DataFrame, base_year: int, end_year: int,
                      top_functions: Sequence[str], name_of: Callable[[str], str]) -> list[str]:
    """The network's answer in five sentences.

    Parameters
    ----------
    names : list of str
        The municipalities' names.
    population : DataFrame
        Index ``today``, ``end``; columns ``year, population, working_age, very_old`` (the network's sums).
    workforce_total : DataFrame
        :func:`tillsammans.workforce.network_total` (``year, output, central, q10, q90``).
    per_municipality : DataFrame
        ``region_code, gap_per_1000_end`` (:func:`tillsammans.workforce.network_workforce`'s municipalities).
    top_functions : list of str
        The Swedish names of the highest-ranked cooperation functions, best first.
    """
    today, end = population.loc["today"], population.loc["end"]
    wt = workforce_total[workforce_total["year"] == end_year].set_index("output")
    staff_now = workforce_total[(workforce_total["year"] == base_year)
                                & (workforce_total["output"] == "staff_need")]["central"].iloc[0]

    def rng(output: str, unit: str, signed: bool = False) -> str:
        row = wt.loc[output]
        return f" ({INTERVAL_WORDS} {range_words(row.q10, row.q90, unit, signed=signed)})"

    worst = per_municipality.sort_values("gap_per_1000_end", ascending=False).iloc[0]
    gap = wt.loc["gap", "central"]
    return [
        (f"De {in_words(len(names))} kommunerna har {fmt_number(today.population)} invånare år "
         f"{int(today.year)}; år {end_year} väntas {fmt_number(end.population)}."),
        (f"I {WORKING_AGE_TERM} väntas {fmt_number(end.working_age)} invånare år {end_year}, mot omkring "
         f"{fmt_number(approx(today.working_age))} i dag, medan antalet {VERY_OLD_LABEL} "
         f"{_moves(today.very_old, end.very_old, end_year)}."),
        (f"Välfärden behöver {fmt_number(wt.loc['staff_need', 'central'])} årsarbetare år {end_year} mot "
         f"{fmt_number(staff_now)} år {base_year}, och kommunerna behöver rekrytera "
         f"{fmt_number(wt.loc['recruitment_need', 'central'])} årsarbetare {base_year + 1}–{end_year}"
         f"{rng('recruitment_need', 'årsarbetare')}."),
        (f"Gapet mot vad kommunernas egna befolkningar troligen kan ge är {fmt_signed(gap)} årsarbetare år "
         f"{end_year}{rng('gap', 'årsarbetare', signed=True)}; störst är det i {name_of(worst.region_code)} "
         f"({fmt_signed(worst.gap_per_1000_end, 1)} per 1 000 invånare)."),
        (f"Samverkan ger mest i {join_words([f.lower() for f in top_functions])}, "
         f"enligt en rangordning som väger in var "
         "personalbristen finns."),
    ]


def cooperation_sentences(sector_gaps: pd.DataFrame, gap_year: int, sector_labels: Mapping[str, str],
                          ranking: pd.DataFrame, function_labels: Mapping[str, str],
                          vulnerability_fn: pd.DataFrame, top: int = 3) -> list[str]:
    """The cooperation report's answer in four sentences.

    Parameters
    ----------
    sector_gaps : DataFrame
        :func:`tillsammans.cooperation.gaps.network_sector_gaps` (index ``sector``; ``gap``, ``gap_share``).
    ranking : DataFrame
        :attr:`tillsammans.cooperation.CooperationResult.ranking` (index ``function``, best first).
    vulnerability_fn : DataFrame
        ``function, risk_today, risk_pooled``.
    """
    short = sector_gaps[sector_gaps["gap"].round() > 0].sort_values("gap", ascending=False)
    first = ranking.index[0]
    v = vulnerability_fn.set_index("function").loc[first]
    risky = vulnerability_fn.sort_values("risk_today", ascending=False).iloc[0]
    out = []
    if len(short):
        items = [f"{fmt_number(r.gap)} årsarbetare i {sector_labels[s].lower()}" for s, r in short.iterrows()]
        out.append(f"Personalprognosen ger nätverket en brist på {join_words(items)} år {gap_year}; i övriga "
                   "verksamheter räcker den egna befolkningen troligen till.")
    else:
        out.append(f"Personalprognosen ger nätverket ingen brist i någon verksamhet år {gap_year}.")
    names = [function_labels[f].lower() for f in ranking.index[:top]]
    out += [
        f"Rangordningen av funktionerna väger in var bristen finns; högst kommer {join_words(names)}.",
        (f"Med gemensam personal sjunker risken att minst en kommun en given arbetsdag har för få på plats inom "
         f"{function_labels[first].lower()} från {fmt_percent(v.risk_today, 0)} till "
         f"{fmt_percent(v.risk_pooled, 1)}."),
        (f"Sårbarast i dag är {function_labels[risky.function].lower()}, där risken är "
         f"{fmt_percent(risky.risk_today, 0)} en given arbetsdag."),
    ]
    return out


# -- display ---------------------------------------------------------------------------------------


def answer_block(subject: str, sentences: Sequence[str], anchor: str = "svar"):
    """The opening block: the heading "Det här betyder det för <subject>" and the sentences as a short list,
    one message per item, so a reader can take in the answers at a glance."""
    from IPython.display import HTML

    if not sentences:
        raise ValueError("an answer block needs at least one sentence")
    items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences)
    return HTML(f'<section class="answer"><h2 id="{html.escape(anchor)}">Det här betyder det för '
                f"{html.escape(subject)}</h2><ul>{items}</ul></section>")


__all__ = [
    "NUMBER_WORDS",
    "OUTLOOK_GROUPS",
    "answer_block",
    "approx",
    "cooperation_sentences",
    "in_words",
    "join_words",
    "network_sentences",
    "population_outlook",
    "population_sentences",
    "range_short",
    "range_words",
    "workforce_sentences",
]
