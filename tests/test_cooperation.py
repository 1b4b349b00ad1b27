"""Unit tests of the cooperation model: Erlang C against published values, pooling properties, bad input.

Synthetic inputs here are built by the tests and labelled as such; the real-data checks are in
``test_cooperation_data.py``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from tillsammans.cooperation import functions, legal, queueing, ranking, vulnerability
from tillsammans.cooperation.assumptions import DEFAULTS

# -- Erlang B / C -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("servers", "load"),
    # The classic Erlang B table (grade of service 1 %, and 2 % for 10 trunks), as printed in telephone
    # traffic engineering handbooks, e.g. ITU-T "Teletraffic Engineering Handbook" (Iversen), Erlang B tables:
    # 5 trunks → 1.36 E, 10 → 4.46 E (1 %), 10 → 5.08 E (2 %), 20 → 12.03 E.
    [(5, 1.36), (10, 4.46), (20, 12.03)],
)
def test_erlang_b_matches_published_one_percent_table(servers, load):
    assert queueing.erlang_b(servers, load) == pytest.approx(0.01, abs=2e-4)


def test_erlang_b_two_percent_table_value():
    assert queueing.erlang_b(10, 5.08) == pytest.approx(0.02, abs=2e-4)


def test_erlang_c_call_centre_example_against_direct_formula():
    # The textbook call-centre example (e.g. the step-by-step "Erlang-C formula" pages for call centres):
    # 360 calls per half hour, mean handling time 240 s → A = 48 erlang, 55 agents, answer target 15 s.
    load = 360 / 1800 * 240
    assert load == pytest.approx(48.0)
    direct_num = load**55 / math.factorial(55) * 55 / (55 - load)
    direct = direct_num / (sum(load**k / math.factorial(k) for k in range(55)) + direct_num)
    assert queueing.erlang_c(55, load) == pytest.approx(direct, rel=1e-12)
    assert queueing.erlang_c(55, load) == pytest.approx(0.2387, abs=1e-4)
    # Service level within 15 s and mean wait (ASA = C·h/(c−A)).
    assert queueing.service_level(55, load, 15 / 240) == pytest.approx(0.8459, abs=1e-4)
    assert queueing.erlang_c(55, load) * 240 / (55 - load) == pytest.approx(8.18, abs=0.01)


def test_erlang_c_single_server_is_utilisation():
    # M/M/1: the probability of waiting equals the utilisation ρ.
    for rho in (0.1, 0.5, 0.9):
        assert queueing.erlang_c(1, rho) == pytest.approx(rho)


def test_erlang_c_overloaded_and_empty():
    assert queueing.erlang_c(3, 3.0) == 1.0
    assert queueing.erlang_c(3, 0.0) == 0.0
    assert queueing.staff_for_service_level(0.0) == 0


def test_staff_for_service_level_is_minimal():
    load, target, wait = 7.3, 0.9, 0.25
    c = queueing.staff_for_service_level(load, target, wait)
    assert queueing.service_level(c, load, wait) >= target
    assert queueing.service_level(c - 1, load, wait) < target


def test_sqrt_staffing():
    assert queueing.sqrt_staffing(16, beta=1) == 20
    assert queueing.sqrt_staffing(0) == 0


@pytest.mark.parametrize("target", [0.7, 0.8, 0.9, 0.95])
@pytest.mark.parametrize("wait", [0.1, 0.5, 1.0])
def test_pooled_erlang_staff_never_exceeds_standalone(target, wait):
    grid = [0.05, 0.3, 0.8, 1.7, 3.2, 6.5, 12.0]
    for loads in itertools.combinations_with_replacement(grid, 3):
        alone = sum(queueing.staff_for_service_level(a, target, wait) for a in loads)
        pooled = queueing.staff_for_service_level(sum(loads), target, wait)
        assert pooled <= alone, (loads, target, wait)


def test_service_target_validation():
    with pytest.raises(ValueError, match="service level"):
        queueing.staff_for_service_level(2.0, target=1.2)
    with pytest.raises(ValueError, match="load"):
        queueing.staff_for_service_level(-1.0)


# -- binomial vulnerability ---------------------------------------------------------------------------


def test_shortfall_probability_known_values():
    # One person, needed: unavailable with probability p.
    assert vulnerability.shortfall_probability(1, 1, 0.15) == pytest.approx(0.15)
    # Two people, both needed: 1 − 0.85².
    assert vulnerability.shortfall_probability(2, 2, 0.15) == pytest.approx(1 - 0.85**2)
    # Two people, one needed: both away.
    assert vulnerability.shortfall_probability(2, 1, 0.15) == pytest.approx(0.15**2)
    assert vulnerability.shortfall_probability(0, 1, 0.15) == 1.0
    assert vulnerability.shortfall_probability(3, 0, 0.15) == 0.0


def test_pooled_pmf_sums_to_one_and_matches_binomial():
    pmf = vulnerability.pooled_available_pmf([3, 4], [0.2, 0.2])
    assert pmf.sum() == pytest.approx(1.0)
    from scipy import stats

    assert np.allclose(pmf, stats.binom.pmf(np.arange(8), 7, 0.8))


def _synthetic(heads: list[int], probs: list[float], floor: int, cov: float):
    """Synthetic network (test data): one function, given head counts and absence rates."""
    codes = [f"9{i:03d}" for i in range(len(heads))]
    staff = pd.DataFrame({"region_code": codes, "function": "x", "population": 1.0,
                          "fte": [float(h) for h in heads], "heads": heads, "source": "syntetisk"})
    unavail = pd.DataFrame({"region_code": codes, "p": probs})
    cat = pd.DataFrame({"min_staff": [floor], "coverage": [cov]}, index=["x"])
    return staff, unavail, cat, codes


@pytest.mark.parametrize("floor", [1, 2, 3])
@pytest.mark.parametrize("cov", [0.0, 0.5, 0.8, 1.0])
@pytest.mark.parametrize("p", [0.05, 0.15, 0.3])
def test_pooling_never_increases_network_risk(floor, cov, p):
    rng = np.random.default_rng(20260101)
    for _ in range(6):
        k = int(rng.integers(2, 8))
        heads = [int(h) for h in rng.integers(0, 12, size=k)]
        probs = list(np.clip(p + rng.normal(0, 0.03, size=k), 0.0, 0.9))
        staff, unavail, cat, codes = _synthetic(heads, probs, floor, cov)
        groups = {"x": [set(codes[:2])]}
        _, fn = vulnerability.vulnerability(staff, unavail, cat, groups=groups)
        row = fn.iloc[0]
        assert row["risk_pooled"] <= row["risk_today"] + 1e-12
        assert row["risk_today"] <= row["risk_standalone"] + 1e-12
        assert row["required_pooled"] <= row["required_sum"]


def test_unavailability_validation():
    with pytest.raises(ValueError, match="vacancy"):
        vulnerability.unavailability(["0381"], vacancy=-0.1, sick_leave=pd.Series({"0381": 0.07}))
    with pytest.raises(ValueError, match="below 1"):
        vulnerability.unavailability(["0381"], vacancy=0.5, other_leave=0.5,
                                     sick_leave=pd.Series({"0381": 0.07}))
    frame = vulnerability.unavailability(["0381"], sick_leave=pd.Series({"0381": 0.07}))
    assert frame.at[0, "p"] == pytest.approx(0.07 + DEFAULTS.vacancy + DEFAULTS.other_leave)


# -- ranking weights --------------------------------------------------------------------------------


def test_weights_normalised():
    w = ranking.validate_weights(dict.fromkeys(ranking.CRITERIA, 2.0))
    assert sum(w.values()) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"vulnerability": 1.0}, "missing"),
        ({**ranking.DEFAULT_WEIGHTS, "pris": 0.1}, "unknown"),
        ({**ranking.DEFAULT_WEIGHTS, "cost": -0.1}, "non-negative"),
        (dict.fromkeys(ranking.CRITERIA, 0.0), "positive"),
        ([0.2, 0.2, 0.2, 0.2, 0.2], "dict"),
        ({**ranking.DEFAULT_WEIGHTS, "geography": float("nan")}, "non-negative"),
    ],
)
def test_bad_weights_rejected(weights, message):
    with pytest.raises(ValueError, match=message):
        ranking.validate_weights(weights)


# -- local staff file ---------------------------------------------------------------------------------


def _write(tmp_path, text: str):
    path = tmp_path / functions.LOCAL_STAFF_FILE
    path.write_text(text, encoding="utf-8")
    return path


def test_local_staff_file_read_and_used(tmp_path):
    path = _write(tmp_path, "kommun_kod,funktion,arsarbetare\n0319,it,4.5\n0319,overformyndare,0\n")
    local = functions.read_local_staff(path, municipalities=["0319", "0381"])
    staff = functions.staff_by_function(pd.Series({"0319": 9600.0, "0381": 45000.0}), local=local)
    it = staff.set_index(["region_code", "function"])
    assert it.at[("0319", "it"), "fte"] == 4.5
    assert it.at[("0319", "it"), "source"] == "lokal"
    assert it.at[("0319", "overformyndare"), "heads"] == 0
    assert it.at[("0381", "it"), "source"] == "skattning"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kommun_kod,funktion,arsarbetare\n0319,it,-1\n", "negative"),
        ("kommun_kod,funktion,arsarbetare\n0319,juridik,2\n", "unknown funktion"),
        ("kommun_kod,funktion,arsarbetare\n9999,it,2\n", "unknown kommun_kod"),
        ("kommun_kod,funktion,arsarbetare\n0319,it,två\n", "must be a number"),
        ("kommun_kod,funktion\n0319,it\n", "missing column"),
        ("kommun_kod,funktion,arsarbetare\n0319,it,2\n0319,it,3\n", "duplicate"),
    ],
)
def test_bad_local_staff_file(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(ValueError, match=message):
        functions.read_local_staff(path, municipalities=["0319", "0381"])


def test_unknown_function_in_catalogue():
    with pytest.raises(ValueError, match="allowed"):
        functions.catalogue(["it", "kök"])


# -- legal reference tables -------------------------------------------------------------------------


def test_reference_tables_keep_sources_and_unverified():
    existing = legal.load_existing()
    forms = legal.load_legal_forms()
    assert len(existing) == 31 and len(forms) == 7
    assert existing["source_url"].str.startswith("http").all()
    assert forms["source_url"].str.contains("http").all()
    assert existing.apply(lambda r: "unverified" in " ".join(r.astype(str)).lower(), axis=1).sum() > 10


def test_existing_arrangements_for_the_network():
    net = ["0381", "0331", "0305", "0330", "0360", "0319", "0382"]
    cat = functions.catalogue()
    ex = legal.existing_cooperations(net, cat, as_of="2026-01-01")
    groups = legal.current_groups(ex)
    # The joint IT board of Heby, Knivsta, Tierp, Älvkarleby and Östhammar (since 2019, host Tierp).
    assert {"0331", "0330", "0360", "0319", "0382"} in groups["it"]
    cover = legal.coverage(ex, net, cat)
    assert cover.at["raddningstjanst", "covered_share"] == 1.0  # every one of the seven has an arrangement
    table = legal.existing_table(ex)
    assert table["Ej verifierat"].ne("–").any()
    shown = table.drop(columns="Källa")
    assert not shown.apply(lambda c: c.astype(str).str.contains("unverified")).any().any()


def test_legal_scores_in_unit_interval():
    scores = legal.legal_scores(functions.catalogue())
    assert scores.between(0, 1).all()
    assert scores["it"] == 1.0 and scores["overformyndare"] < 1.0


def test_rank_sensitivity_synthetic():
    # Synthetic scores (test data): function "a" dominates on every criterion, so it is first in every column.
    scores = pd.DataFrame({k: [1.0, 0.5, 0.2] for k in ranking.CRITERIA},
                          index=pd.Index(["a", "b", "c"], name="function"))
    table = ranking.rank_sensitivity(scores)
    assert (table.loc["a"] == 1).all()
    assert list(table.columns[:2]) == ["Valda vikter", "Lika vikter"]
    assert len(table.columns) == 2 + len(ranking.CRITERIA)


def test_missing_sick_leave_names_the_municipality():
    with pytest.raises(ValueError, match=r"no sick-leave value \(n00090\) for \['0319'\]"):
        vulnerability.unavailability(["0381", "0319"],
                                     sick_leave=pd.Series({"0381": 0.07, "0319": float("nan")}))


# -- Swedish display of the curated tables and the workforce criterion (synthetic inputs) ---------------


def test_display_text_translates_and_keeps_details():
    from tillsammans.cooperation import labels

    assert labels.display_text("2018-12-31 (inferred: superseded by joint IT board 2019; unverified)") == \
        "2018-12-31 (härlett: ersatt av den gemensamma IT-nämnden 2019; ej verifierat)"
    assert labels.display_text("other (projektsamverkan)") == "annan form (projektsamverkan)"
    assert labels.display_text("no (unverified) – förbundet") == "nej (ej verifierat) – förbundet"
    assert labels.display_text("partly – delegation") == "delvis – delegation"
    assert labels.display_text("Gästrike Vatten") == "Gästrike Vatten"  # Swedish text untouched
    assert labels.display_text("juridisk person, 'specialkommun'") == "juridisk person, ”specialkommun”"
    names = {"0360": "Tierp", "0183": "Sundbyberg", "03": "Region Uppsala"}
    assert labels.name_codes("0360 (ej verifierat)", names) == "Tierp (ej verifierat)"
    assert labels.name_codes("säte 0183 (Sundbyberg)", names) == "säte Sundbyberg"
    assert labels.name_codes("R03", names) == "Region Uppsala"
    assert labels.name_codes("9999", names) == "9999"  # unknown codes stay visible


def test_workforce_gap_criterion_synthetic():
    # Synthetic catalogue and sector gaps (test data): "a" sits in the sector with the largest relative
    # shortage, "b" in one with a smaller shortage, "c" in one with a surplus.
    cat = functions.catalogue(["it", "bistand_aldre", "hsl_specialist"])
    gaps = pd.DataFrame({"gap_share": [-0.01, 0.5, 0.25]},
                        index=pd.Index(["admin_ovrigt", "aldreomsorg", "halso_sjukvard"], name="sector"))
    vuln = pd.DataFrame({"function": list(cat.index), "risk_today": 0.5, "risk_pooled": 0.1})
    staff = pd.DataFrame({"region_code": "0319", "function": list(cat.index), "heads": 3})
    cover = pd.DataFrame({"covered": [[]] * 3, "covered_share": 0.0, "within_share": 0.0},
                         index=pd.Index(cat.index, name="function"))
    one = pd.Series(1.0, index=cat.index)
    scores = ranking.criteria_scores(cat, vuln, staff, cover, one, one, sector_gaps=gaps)
    assert scores.loc["bistand_aldre", "workforce_gap"] == 1.0
    assert scores.loc["hsl_specialist", "workforce_gap"] == 0.5
    assert scores.loc["it", "workforce_gap"] == 0.0
    assert scores.loc["it", "sector_gap_share"] == -0.01
    without = ranking.criteria_scores(cat, vuln, staff, cover, one, one)
    assert (without["workforce_gap"] == 0).all()
    only = {k: (1.0 if k == "workforce_gap" else 0.0) for k in ranking.CRITERIA}
    assert list(ranking.rank_functions(scores, only).index[:2]) == ["bistand_aldre", "hsl_specialist"]


def test_every_function_belongs_to_a_workforce_sector():
    from tillsammans.cooperation import gaps
    from tillsammans.workforce import SECTORS

    assert set(functions.CATALOGUE["sector"]) <= set(SECTORS)
    with pytest.raises(ValueError, match="unknown sector"):
        gaps.network_sector_gaps(pd.DataFrame({"sector": ["skola"], "staff_today": [1.0], "staff_need": [1.0],
                                               "recruitment_need": [0.0], "gap": [0.0]}))
    with pytest.raises(ValueError, match="lack column"):
        gaps.network_sector_gaps(pd.DataFrame({"sector": ["ifo"]}))
