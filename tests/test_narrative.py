"""The answers first: sentence generators checked on result frames built here (synthetic test data, labelled).

Each test gives a small result frame with known numbers and checks the sentence a reader gets: the numbers,
the ranges in words, the signs and the wording of shortage and surplus.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from tillsammans.formatting import MINUS, NBSP
from tillsammans.plots import comparison, narrative
from tillsammans.population import WORKING_AGE
from tillsammans.workforce import SECTORS


def n(text: str) -> str:
    """The test's plain spaces and hyphen-minus as the house style writes them (no-break space, U+2212)."""
    return text.replace("_", NBSP).replace("~", MINUS)


# -- numbers in words ------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "rounded"), [(17_587.1, 17_600), (25_675.7, 25_700), (1_485.0, 1_500),
                                                (937.4, 940), (-87.0, -90), (62.0, 60), (7.4, 7), (0.2, 0)])
def test_approx_rounds_by_size(value, rounded):
    assert narrative.approx(value) == rounded


def test_range_words_and_short():
    assert narrative.range_words(17_587.1, 25_675.7, "invånare") == n("mellan 17_600 och 25_700 invånare")
    assert narrative.range_words(-87, 197, signed=True) == n("mellan ~90 och +200")
    assert narrative.range_short(1_485, 2_172) == n("1_500–2_200")
    assert narrative.range_short(-87, 197, signed=True) == n("~90 till +200")


def test_numbers_in_words():
    assert narrative.in_words(5) == "fem" and narrative.in_words(7) == "sju"
    assert narrative.in_words(12) == "12"
    assert narrative.join_words(["a"]) == "a"
    assert narrative.join_words(["a", "b", "c"]) == "a, b och c"


# -- population ----------------------------------------------------------------------------------------


def _projection(years: list[int], per_age: dict[int, float]) -> pd.DataFrame:
    """Synthetic projection: the same count at every age and sex in a year (test data)."""
    rows = [{"year": y, "sex": s, "age": a, "population": per_age[y] / 2} for y in years
            for s in ("female", "male") for a in range(101)]
    return pd.DataFrame(rows)


def test_population_outlook_sums_the_defined_groups():
    proj = _projection([2025, 2040], {2025: 100.0, 2040: 110.0})
    sims = pd.concat([_projection([2040], {2040: v}).assign(sim=i) for i, v in enumerate(np.linspace(90, 130, 41))])
    out = narrative.population_outlook(proj, sims, 2025, 2040)
    lo, hi = WORKING_AGE
    assert out.at["total", "today"] == pytest.approx(101 * 100)
    assert out.at["working_age", "end"] == pytest.approx((hi - lo + 1) * 110)
    assert out.at["children", "today"] == pytest.approx(15 * 100)  # 1–15 år
    assert out.at["very_old", "today"] == pytest.approx(21 * 100)  # 80–100+
    # (0–19 + 65+) / (20–64) with an even age structure: (20 + 36) / 45
    assert out.at["dependency_ratio", "today"] == pytest.approx(56 / 45)
    # 41 paths from 90 to 130 per age: the 10th and 90th percentiles are 94 and 126
    assert out.at["total", "q10"] == pytest.approx(101 * 94)
    assert out.at["total", "q90"] == pytest.approx(101 * 126)
    with pytest.raises(ValueError, match=r"lacks year\(s\) \[2050\]"):
        narrative.population_outlook(proj, None, 2025, 2050)


def _outlook(coverage_years=(2025, 2040)) -> pd.DataFrame:
    """A synthetic outlook (test data) shaped like population_outlook's result."""
    frame = pd.DataFrame({
        "today": [21_028.2, 10_930.8, 3_595.3, 1_647.6, 0.924],
        "end": [21_442.0, 10_993.1, 3_360.3, 2_139.3, 0.950],
        "q10": [17_587.1, 8_629.7, 2_362.1, 1_916.5, 0.88],
        "q90": [25_675.7, 13_362.3, 4_518.4, 2_364.2, 1.05],
    }, index=pd.Index(["total", "working_age", "children", "very_old", "dependency_ratio"], name="measure"))
    frame.attrs.update(today=coverage_years[0], end_year=coverage_years[1])
    return frame


def _sentences(text: str) -> int:
    """Sentences in a text: full stops that end it or are followed by a space and a capital letter."""
    return len(re.findall(r"\.(?:$|\s+(?=[A-ZÅÄÖ]))", text.strip()))


def test_population_sentences_from_a_known_outlook():
    text = narrative.population_sentences("Tierp", _outlook(), coverage80=0.731)
    assert 4 <= len(text) <= 5
    assert text[0] == n("I dag (2025) har Tierp 21_028 invånare, och år 2040 väntas 21_442 – med 80 procents "
                        "sannolikhet mellan 17_600 och 25_700 invånare.")
    # one sentence per item: the block stays at three to five sentences (issue 11)
    assert all(_sentences(t) == 1 for t in text), text
    assert "arbetsför ålder (20–64 år)" in text[1]
    assert n("10_993") in text[1] and n("mellan 8_600 och 13_400") in text[1]
    assert n("minskar från omkring 3_600 i dag till 3_360") in text[2]
    assert n("ökar från omkring 1_600 i dag till 2_139 år 2040") in text[2]
    assert text[3] == "Det betyder 95 barn, unga och äldre per 100 invånare i arbetsför ålder år 2040, mot 92 i dag."
    # coverage quoted as measured, never as "four out of five"
    assert n("73_%") in text[4] and "fyra av fem" not in " ".join(text)
    assert len(narrative.population_sentences("Tierp", _outlook())) == 4


# -- workforce -----------------------------------------------------------------------------------------


def _key(gap: float, q10: float, q90: float) -> dict[str, float]:
    return {"staff_today": 1742.2, "need_end": 1832.2, "need_end_q10": 1485.0, "need_end_q90": 2172.0,
            "cum_recruitment_need": 602.0, "cum_recruitment_need_q10": 240.0, "cum_recruitment_need_q90": 937.0,
            "cum_retirements": 512.0, "cum_turnover": 2152.0, "gap_end": gap, "gap_end_q10": q10, "gap_end_q90": q90}


def _sectors() -> pd.DataFrame:
    """Synthetic per-sector results (test data): a shortage in eldercare and health care, fewer teachers."""
    return pd.DataFrame({
        "sector": [*SECTORS, "total"],
        "staff_today": [232, 393, 112, 335, 221, 83, 62, 304, 1742],
        "staff_need": [231, 335, 104, 463, 221, 83, 91, 305, 1833],
        "gap": [-8, -71, -12, 117, -7, -3, 27, -9, 34],
    })


def test_workforce_sentences_shortage():
    text = narrative.workforce_sentences("Tierp", _key(32.8, -87, 197), _sectors(), 2022, 2040, SECTORS,
                                         ("Produktivitet (personal per brukare)", 330.4))
    joined = " ".join(text)
    assert all(_sentences(t) == 1 for t in text), text
    assert text[0].startswith(n("Tierp har 1_742 årsarbetare i välfärden 2022, och med dagens personaltäthet behövs "
                                "1_832 år 2040 – med 80 procents sannolikhet mellan 1_500 och 2_200"))
    assert n("rekrytera 602 årsarbetare (med 80 procents sannolikhet mellan 240 och 940)") in text[1]
    assert "ersätta 512 som går i pension" in text[1] and n("omkring 2_200 som slutar av andra skäl") in text[1]
    assert "År 2040 behövs 33 fler årsarbetare än kommunens egen befolkning troligen kan ge" in text[2]
    assert n("mellan ~90 och +200") in text[2]
    assert "äldreomsorg (+117 årsarbetare) och kommunal hälso- och sjukvård (+27)" in text[3]
    assert "behöver 58 färre årsarbetare än i dag" in text[3]
    assert "produktivitet (personal per brukare)" in text[4] and "330" in text[4]
    assert "None" not in joined and "nan" not in joined


def test_workforce_sentences_surplus_without_intervals():
    key = {k: v for k, v in _key(-120.4, np.nan, np.nan).items() if not k.endswith(("_q10", "_q90"))}
    key["cum_recruitment_need"] = 400.0  # less than the retirements: the need falls
    text = narrative.workforce_sentences("Knivsta", key, _sectors(), 2022, 2040, SECTORS)
    assert "kan kommunens egen befolkning troligen ge 120 fler årsarbetare än som behövs" in text[2]
    assert "sannolikhet" not in " ".join(text)
    assert "för att ersätta 512 som går i pension" in text[1] and "ökat behov" not in text[1]
    assert len(text) == 4  # no tornado given


# -- network and cooperation ----------------------------------------------------------------------------


def test_network_sentences():
    population = pd.DataFrame({"year": [2025, 2040], "population": [160_847, 172_425],
                               "working_age": [86_518, 91_861], "very_old": [10_700, 14_793]},
                              index=["today", "end"])
    total = pd.DataFrame({
        "year": [2022, 2022, 2022, 2040, 2040, 2040],
        "output": ["staff_need", "recruitment_need", "gap"] * 2,
        "central": [11_446, 0, -91, 12_936, 4_711, 472],
        "q10": [11_446, 0, -91, 11_702, 3_506, -267], "q90": [11_446, 0, -91, 14_259, 6_104, 1_387]})
    per = pd.DataFrame({"region_code": ["0382", "0330"], "gap_per_1000_end": [14.1, -1.5]})
    text = narrative.network_sentences(["A"] * 7, population, total, per, 2022, 2040, ["IT", "Upphandling"],
                                       {"0382": "Östhammar", "0330": "Knivsta"}.get)
    assert text[0] == n("De sju kommunerna har 160_847 invånare år 2025; år 2040 väntas 172_425.")
    assert n("rekrytera 4_711 årsarbetare 2023–2040 (med 80 procents sannolikhet mellan 3_500 och 6_100") in text[2]
    assert n("+472 årsarbetare år 2040 (med 80 procents sannolikhet mellan ~270 och +1_400") in text[3]
    assert "störst är det i Östhammar (+14,1 per 1" in text[3]
    assert "it och upphandling" in text[4]
    assert len(text) == 5 and all(_sentences(t) == 1 for t in text), text


def test_cooperation_sentences():
    gaps = pd.DataFrame({"gap": [1081.3, 215.0, -575.8], "gap_share": [0.49, 0.57, -0.2]},
                        index=pd.Index(["aldreomsorg", "halso_sjukvard", "grundskola"], name="sector"))
    ranking = pd.DataFrame({"total": [0.7, 0.6, 0.5]}, index=pd.Index(["a", "b", "c"], name="function"))
    vuln = pd.DataFrame({"function": ["a", "b", "c"], "risk_today": [0.6, 0.9, 0.1],
                         "risk_pooled": [0.004, 0.2, 0.0]})
    labels = {"a": "Funktion A", "b": "Funktion B", "c": "Funktion C"}
    text = narrative.cooperation_sentences(gaps, 2040, SECTORS, ranking, labels, vuln)
    assert text[0].startswith(n("Personalprognosen ger nätverket en brist på 1_081 årsarbetare i äldreomsorg och 215 "
                                "årsarbetare i kommunal hälso- och sjukvård år 2040"))
    assert "högst kommer funktion a, funktion b och funktion c" in text[1]
    assert n("inom funktion a från 60_% till 0,4_%") in text[2]
    assert n("Sårbarast i dag är funktion b, där risken är 90_%") in text[3]
    assert len(text) == 4 and all(_sentences(t) == 1 for t in text), text


def test_answer_block_heading_and_escaping():
    block = narrative.answer_block("Tierp", ["Ett <b>test</b>.", "Två."])
    assert '<h2 id="svar">Det här betyder det för Tierp</h2>' in block.data
    assert "&lt;b&gt;" in block.data and "<b>" not in block.data
    assert "<li>Ett &lt;b&gt;test&lt;/b&gt;.</li><li>Två.</li>" in block.data  # one message per item
    with pytest.raises(ValueError, match="at least one sentence"):
        narrative.answer_block("Tierp", [])


# -- similar municipalities: the sentence ---------------------------------------------------------------


def test_comparison_sentence_positions():
    table = pd.DataFrame({"region_code": ["1", "2", "3", "4", "5", "6"],
                          "name": ["Hem", "B", "C", "D", "E", "F"],
                          "gap": [5.0, 1.0, 2.0, 3.0, 4.0, 6.0], "ratio": [0.8, 0.9, 1.0, 1.1, 1.2, 1.3]})
    text = comparison.comparison_sentences(table, [
        ("gap", "det", "gapet", "största", "minsta", lambda v: f"{v:.0f}"),
        ("ratio", "den", "kvoten", "högsta", "lägsta", lambda v: f"{v:.1f}")])
    assert text == [("Bland Hem och de fem kommuner som liknar den mest (B, C, D, E och F) har Hem det näst största "
                     "gapet (5) och den lägsta kvoten (0.8).")]


def test_method_sentence_names_every_feature():
    from tillsammans.similar import FEATURES

    text = comparison.method_sentence(5)
    assert "nio kännetecken" in text or f"{len(FEATURES)} kännetecken" in text
    assert all(f.label.lower() in text for f in FEATURES.values())
    assert "De fem med kortast avstånd" in text
