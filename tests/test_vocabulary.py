"""One vocabulary: the working age, the scenario names, the county's name, the parameters in Swedish words.

No report text may show a Python repr (``None``, ``True``, ``'scb'``), a module name or a file path; these tests
check the library functions that write the parameters and assumptions.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tillsammans import assumptions as shared
from tillsammans import plots, population, vocabulary, workforce
from tillsammans.plots import workforce as wfplots
from tillsammans.population import indicators, scenarios

LEFTOVERS = re.compile(r"\bNone\b|\bTrue\b|\bFalse\b|'[a-z_]+'|\bnan\b|tillsammans\.|data/|docs/|spegel")


def test_one_working_age_definition():
    lo, hi = population.WORKING_AGE
    assert (lo, hi) == (20, 64)
    assert vocabulary.WORKING_AGE_LABEL == "20–64 år"
    assert population.BROAD_AGE_GROUPS["20–64"] == population.WORKING_AGE
    # the indicators and the workforce model count the same ages
    frame = pd.DataFrame({"year": 2040, "age": range(101), "population": 1.0})
    assert indicators.working_age_share(frame)["working_age"].iloc[0] == hi - lo + 1
    assert indicators.dependency_ratio(frame)["working_age"].iloc[0] == hi - lo + 1
    assert workforce.working_age(frame)["working_age"].iloc[0] == hi - lo + 1


def test_one_name_per_scenario_in_the_glossary():
    terms = vocabulary.glossary()
    assert list(terms.columns) == ["Term", "Förklaring"]
    for name, s in scenarios.SCENARIO_DEFINITIONS.items():
        assert vocabulary.scenario_label(name) == s.label
        row = terms[terms["Term"] == f"Scenario: {s.label}"]
        assert len(row) == 1 and row["Förklaring"].iloc[0] == s.description
    with pytest.raises(ValueError, match="allowed: base"):
        vocabulary.scenario_label("basis")
    assert vocabulary.WORKING_AGE_LABEL in vocabulary.define("Arbetsför ålder")
    with pytest.raises(ValueError, match="the glossary has"):
        vocabulary.define("Arbetskraft")
    assert not terms["Förklaring"].str.contains(LEFTOVERS).any()


def test_uppsala_lan_not_region_uppsala(processed_dir):
    assert vocabulary.region_name("03") == "Uppsala län"
    assert vocabulary.region_name("01") == "Stockholms län"
    assert vocabulary.region_name("00") == "Riket"
    assert vocabulary.region_name("0360") == "Tierp"


def test_workforce_parameters_in_swedish_words_with_units():
    shown = shared.parameters(workforce.make_assumptions(turnover=None, commuting=True, productivity=0.0))
    text = " ".join(f"{k} {v}" for k, v in shown.items())
    assert not LEFTOVERS.search(text), text
    assert shown["Pendling räknas in i tillgången"] == "ja"
    assert shown["Personalomsättning utöver pension, andel per år"] == "från data (Kolada)"
    assert shown["Genomsnittlig pensionsålder (avgångsålder), år"] == "65,5\u00a0år"
    assert shown["Hävstång: produktivitet/teknik, per år"] == "0,5\u00a0% per år"
    assert shown["Hävstång: lägre sjukfrånvaro, procentenheter"] == "1\u00a0procentenhet"
    with pytest.raises(ValueError, match="unknown assumption"):
        shared.parameters(workforce.make_assumptions(), ["pension_age"])
    assert wfplots.staff_data_text("auto", False) == "Kolada (inget eget HR-underlag finns)"
    assert wfplots.staff_data_text(None, True).startswith("Kolada")


def test_population_assumptions_show_the_scenario_that_ran():
    default = population.assumptions_table(scenario="base").set_index("Antagande")
    constant = population.assumptions_table(scenario="constant_mortality").set_index("Antagande")
    assert default.at["Scenario", "Värde"] == "Huvudalternativ"
    assert default.at["Dödlighetens utveckling", "Värde"] == "SCB:s antagna minskning"
    assert constant.at["Scenario", "Värde"] == "Oförändrad dödlighet"
    assert constant.at["Dödlighetens utveckling", "Värde"] == "oförändrad (basårens nivå)"
    unreconciled = population.assumptions_table(scenario="unreconciled").set_index("Antagande")
    assert unreconciled.at["Avstämning mot riket", "Värde"] == "nej"
    text = " ".join(default.reset_index().astype(str).to_numpy().ravel())
    assert not LEFTOVERS.search(text), LEFTOVERS.search(text)


def test_sources_become_links():
    html = plots.linked("Houlberg (2012), https://ojs.ub.gu.se/index.php/sjpa/article/view/978; <b>")
    assert '<a href="https://ojs.ub.gu.se/index.php/sjpa/article/view/978">ojs.ub.gu.se</a>;' in html
    assert "&lt;b&gt;" in html
    table = plots.table(pd.DataFrame({"Källa": ["https://www.itcentrum.se/x/ ; https://lagen.nu/a:1"]}),
                        links=["Källa"]).html
    assert ('<a href="https://www.itcentrum.se/x/">itcentrum.se</a> ; '
            '<a href="https://lagen.nu/a:1">lagen.nu</a>') in table


def test_network_colours_distinct_and_never_the_grey_of_the_rest():
    """Issue 11: Östhammar (the seventh member) was grey like the non-members on the map and like "Riket"."""
    from matplotlib.colors import to_rgb

    colours = [to_rgb(c) for c in plots.NETWORK_COLOURS]
    assert len(set(colours)) == len(colours) == 7
    greys = [c for c in colours if max(c) - min(c) < 0.1]
    assert not greys, f"a network colour is grey: {plots.NETWORK_COLOURS}"
    assert to_rgb(plots.PALETTE["sweden"]) not in colours
