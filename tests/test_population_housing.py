"""The housing scenario (issue 15): estimation, the dwelling paths, the local plan file, the projection, reports.

Known answers: a synthetic panel (built here, labelled) with a known effect per dwelling and municipality and
year effects is recovered by the fixed-effects estimator; the two-way within transformation removes pure
effects exactly; the net effect equals the in-migrant effect less the out-migrant effect (OLS is linear in the
outcome); a dwelling path equal to the reference gives the main projection exactly; the first projected
year's extra in-migrants are the estimated in-migrants per dwelling times the extra dwellings.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from tillsammans import population as pop
from tillsammans.population import dwellings, housing
from tillsammans.population.levels import prepare_region
from tillsammans.population.run import run_projection


@pytest.fixture(scope="module")
def inputs(processed_dir):
    return pop.load_inputs(processed_dir)


@pytest.fixture(scope="module")
def effect(inputs):
    return pop.housing_effect(inputs)


# --- estimation ---------------------------------------------------------------------------------------------------


def _synthetic_panel(kappa: float, seed: int = 7) -> pd.DataFrame:
    """SYNTHETIC test data: 120 municipalities × 15 years, rate = a_m + b_t + kappa · dwellings + noise."""
    rng = np.random.default_rng(seed)
    units, years = 120, 15
    a = rng.normal(50, 10, units)
    b = rng.normal(0, 3, years)
    rows = []
    for m in range(units):
        for t in range(years):
            if rng.random() < 0.1:  # unbalanced, as the real panel is
                continue
            d = max(rng.gamma(1.5, 1.5) + 0.1 * a[m] / 10, 0.0)
            rows.append({"region_code": f"S{m:03d}", "year": 2000 + t, "dwellings": d,
                         "in_migrants": a[m] + b[t] + kappa * d + rng.normal(0, 2)})
    return pd.DataFrame(rows)


def test_fixed_effects_recover_a_known_effect_per_dwelling():
    frame = _synthetic_panel(kappa=0.8)
    fit = housing.fixed_effects(frame, ["in_migrants"], ["dwellings"])["in_migrants"]
    assert abs(fit.params[0] - 0.8) < 3 * fit.bse[0]
    assert 0.01 < fit.bse[0] < 0.2


def test_within_transformation_removes_municipality_and_year_effects_exactly():
    frame = _synthetic_panel(kappa=0.0)
    rng = np.random.default_rng(1)
    unit = {c: rng.normal() for c in frame["region_code"].unique()}
    year = {y: rng.normal() for y in frame["year"].unique()}
    frame["pure"] = frame["region_code"].map(unit) + frame["year"].map(year)
    assert np.abs(housing.within(frame, ["pure"])).max() < 1e-9


def test_parameters_have_uncertainty_and_net_is_in_less_out(effect):
    p = effect.parameters.set_index("parameter")
    assert list(p.columns) == ["estimate", "se", "lower95", "upper95", "n"]
    assert (p["se"] > 0).all()
    assert np.allclose(p["lower95"], p["estimate"] - 1.96 * p["se"])
    # OLS is linear in the outcome: the net regression's coefficient is exactly in − out.
    assert p.at["net_per_dwelling", "estimate"] == pytest.approx(
        p.at["in_per_dwelling", "estimate"] - p.at["out_per_dwelling", "estimate"], abs=1e-9)
    assert p.at["in_per_dwelling", "lower95"] > 0  # completions bring in-migrants, clearly
    assert effect.years == (1998, 2022) and effect.n_municipalities == 290


def test_net_effect_per_dwelling_is_below_the_persons_per_dwelling(effect, inputs):
    """A new dwelling cannot add more people, net, than dwellings hold on average (Kolada n07913, 2022)."""
    per_1000 = [inputs.kolada_value("n07913", c, 2022) for c in inputs.registry.municipalities()]
    persons_per_dwelling = 1000 / np.nanmedian(per_1000)
    assert 1.8 < persons_per_dwelling < 2.8
    assert 0 < effect.value("net_per_dwelling") < persons_per_dwelling


def test_profile_of_movers_into_new_housing(effect):
    assert effect.profile.shape == (2, 101)
    assert effect.profile.sum() == pytest.approx(1.0)
    assert (effect.profile >= 0).all()
    g = effect.groups
    assert g["share"].sum() == pytest.approx(1.0)
    assert set(g["age_group"]) == set(pop.agegroups.MIGRATION_AGE_GROUPS)
    # Movers into new housing are older than movers in general (45–64) and bring more small children (0–5).
    by_group = g.groupby("age_group")[["share", "share_all_movers"]].sum()
    assert by_group.at["45–64", "share"] > by_group.at["45–64", "share_all_movers"]
    assert by_group.at["0–5", "share"] > by_group.at["0–5", "share_all_movers"]


def test_estimation_uses_no_year_after_as_of(inputs):
    panel = housing.panel(inputs, as_of=2010)
    assert panel["year"].max() == 2010 and panel["year"].min() == housing.FIRST_YEAR


def test_validation_table_says_which_data_chose_what(inputs):
    table = pop.housing_validation(inputs)
    assert set(table["period"]) == {"choice", "evaluation"}
    assert set(table["variant"]) == {"standard", *housing.VARIANTS}
    choice = table[table["period"] == "choice"].set_index("variant")["mae_net"]
    # The chosen regressors are the best of the housing variants in the choice period.
    assert choice[housing.CHOSEN] == choice.drop("standard").min()
    evaluation = table[table["period"] == "evaluation"].set_index("variant")["mae_net"]
    assert evaluation[housing.CHOSEN] < evaluation["standard"]


# --- the dwelling paths -------------------------------------------------------------------------------------------


def test_completions_are_the_per_1000_kpi_times_the_population(inputs):
    built = pop.completions(inputs, "0330")
    expected = inputs.kolada_value("n07917", "0330", 2020) * inputs.kolada_value("n01951", "0330", 2020) / 1000
    assert built[2020] == pytest.approx(expected)
    assert built.index.max() == 2022


def test_default_rule_is_chosen_on_one_year_and_beats_the_benchmarks_on_another(inputs):
    rule = pop.completion_rule(inputs)
    assert rule.info_years == (2015, 2016, 2017)
    assert all(rule.coefficients[p] > 0 for p in dwellings.RULE_PREDICTORS)
    c = rule.candidates.set_index("rule")
    assert c["aic_fit_common"].idxmin() == "permits_recent"  # the choice, on the first information year
    for benchmark in ("benchmark_permits", "benchmark_recent", "benchmark_recent5"):
        assert c.at["permits_recent", "mae_evaluation_all"] < c.at[benchmark, "mae_evaluation_all"]


def test_default_path_before_any_permits_is_the_ten_year_mean(inputs):
    value, kind, year = dwellings.default_dwellings(inputs, "0381", as_of=2010)
    built = pop.completions(inputs, "0381")
    assert kind == "recent" and year == 2010
    assert value == pytest.approx(built.loc[2001:2010].mean())


def test_default_path_ignores_data_after_as_of(inputs):
    """Completions and permits after the information year change by 50 %: the default path does not."""
    before = dwellings.default_dwellings(inputs, "0330", as_of=2012)
    values = dict(inputs.kolada_values)
    for kpi in ("n07917", "n07925", "n01951"):
        arr = values[kpi].copy()
        arr[:, inputs.kolada_years > 2012] *= 1.5
        values[kpi] = arr
    perturbed = replace(inputs, kolada_values=values, _memo={})
    assert dwellings.default_dwellings(perturbed, "0330", as_of=2012) == before


# --- the local plan file --------------------------------------------------------------------------------------------


def _write(tmp_path, text: str, code: str = "0330", encoding: str = "utf-8") -> object:
    path = dwellings.dwellings_path(code, tmp_path)
    path.write_bytes(text.encode(encoding))
    return path


def test_local_file_is_read_with_bom_and_semicolons(tmp_path):
    path = _write(tmp_path, "\ufeffyear;dwellings_planned\n2026;300\n2027;1 250\n\n2028;0\n")
    frame = pop.read_dwellings(path, "0330", 2026, 2070, reference_population=30_000)
    assert frame.to_dict("list") == {"year": [2026, 2027, 2028], "dwellings_planned": [300, 1250, 0]}


@pytest.mark.parametrize(("text", "message"), [
    ("year,dwellings\n2026,100\n", (r"line 1 \(header\): columns \['year', 'dwellings'\]; expected exactly "
                                   r"\['year', 'dwellings_planned'\]")),
    ("year,dwellings_planned\n2024,100\n", (r"line 2: year 2024 is outside the projected years \(the years up to then "
                                          r"are observed\); allowed: 2026–2070")),
    ("year,dwellings_planned\n2026,-5\n", (r"line 2: dwellings_planned '-5' is not a whole number; expected the "
                                         r"dwellings to be completed that year, from 0 to")),
    ("year,dwellings_planned\n2026,12.5\n", r"line 2: dwellings_planned '12.5' is not a whole number"),
    ("year,dwellings_planned\nnästa år,100\n", (r"line 2: year 'nästa år' is not a calendar year; expected a whole "
                                              r"number from 2026 to 2070")),
    ("year,dwellings_planned\n2026,100\n2026,120\n", r"line 3: year 2026 repeats line 2; expected each year once"),
    ("year,dwellings_planned\n2026,100\n2028,120\n", r"years \[2027\] are missing between 2026 and 2028"),
    ("year,dwellings_planned\n2026,100,7\n", r"line 2: 3 fields; expected 2 \(year, dwellings_planned\)"),
    ("year,dwellings_planned\n", r"no data rows; expected one row per year of the plan"),
    ("year,dwellings_planned\n2026,5000\n", (r"line 2: dwellings_planned 5000, 167 per 1 000 inhabitants is too many; "
                                           r"allowed: 0 to 1\xa0800 \(at most 60 per 1 000 inhabitants a year")),
])
def test_bad_local_file_names_file_line_and_what_is_allowed(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(pop.DwellingsFileError, match=message) as err:
        pop.read_dwellings(path, "0330", 2026, 2070, reference_population=30_000)
    assert str(path) in str(err.value)


def test_local_file_that_is_not_utf8_is_rejected(tmp_path):
    path = _write(tmp_path, "year,dwellings_planned\n2026,100 # år\n", encoding="latin-1")
    with pytest.raises(pop.DwellingsFileError, match="not UTF-8 text"):
        pop.read_dwellings(path, "0330", 2026, 2070)


def test_every_problem_is_listed_with_its_line(tmp_path):
    path = _write(tmp_path, "year,dwellings_planned\n2020,100\n2027,x\n2028,50\n")
    with pytest.raises(pop.DwellingsFileError) as err:
        pop.read_dwellings(path, "0330", 2026, 2070)
    assert "line 2: year 2020" in str(err.value) and "line 3: dwellings_planned 'x'" in str(err.value)


def test_local_plan_drives_the_path_and_other_years_follow_the_default(tmp_path, inputs):
    _write(tmp_path, "year,dwellings_planned\n2027,900\n2028,900\n")
    path = pop.dwelling_path(inputs, "0330", np.arange(2026, 2031), "auto", directory=tmp_path)
    default = dwellings.default_dwellings(inputs, "0330")[0]
    assert path.kind == "local" and path.file is not None
    assert list(path.dwellings) == pytest.approx([default, 900, 900, default, default])
    assert path.kinds == ("default", "local", "local", "default", "default")
    assert "dwellings_0330.csv" in path.source
    # "default" ignores the file; "local" needs one.
    assert pop.dwelling_path(inputs, "0330", np.arange(2026, 2031), "default", directory=tmp_path).kind == "default"
    with pytest.raises(FileNotFoundError, match=r"dwelling_path='local' but .*dwellings_0331\.csv does not exist"):
        pop.dwelling_path(inputs, "0331", np.arange(2026, 2031), "local", directory=tmp_path)


def test_a_bad_local_file_is_an_error_not_a_silent_default(tmp_path, inputs):
    _write(tmp_path, "year,dwellings_planned\n2026,lots\n")
    with pytest.raises(pop.DwellingsFileError, match="the default path not used either"):
        pop.dwelling_path(inputs, "0330", np.arange(2026, 2031), "auto", directory=tmp_path)


def test_projection_reads_the_local_file_of_the_municipality(tmp_path, inputs, monkeypatch):
    from tillsammans import paths

    monkeypatch.setattr(paths, "local_dir", lambda: tmp_path)
    _write(tmp_path, "year,dwellings_planned\n" + "".join(f"{y},1000\n" for y in range(2026, 2041)))
    model = prepare_region("0330", None, 2040, "housing", inputs)
    assert model.housing.path.kind == "local"
    assert set(model.housing.path.dwellings) == {1000.0}
    planned = pop.project_population("0330", 2040, "housing", inputs=inputs).query("year == 2040").population.sum()
    _write(tmp_path, "year,dwellings_planned\n" + "".join(f"{y},100\n" for y in range(2026, 2041)))
    fewer = pop.project_population("0330", 2040, "housing", inputs=inputs).query("year == 2040").population.sum()
    assert planned > fewer  # the edited file is read again, and more dwellings mean more people


def test_the_documented_example_file_is_valid_and_used(tmp_path, inputs):
    """docs/examples/dwellings_0330.csv (docs/local_dwellings_file.md) is read as documented: its years from the
    file, the years after it on the default path."""
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "docs" / "examples" / "dwellings_0330.csv"
    text = example.read_text(encoding="utf-8")
    assert text in (Path(__file__).resolve().parents[1] / "docs" / "local_dwellings_file.md").read_text(
        encoding="utf-8")  # the doc shows the file as it is
    first = pop.latest_observed_year(processed_dir=inputs.processed_dir) + 1
    table = pop.read_dwellings(example, "0330", first, 2040)
    rows = [line.split(",") for line in text.strip().splitlines()[1:]]
    assert table["year"].tolist() == [int(y) for y, _ in rows]
    assert table["dwellings_planned"].tolist() == [int(d) for _, d in rows]
    (tmp_path / "dwellings_0330.csv").write_text(text, encoding="utf-8")
    path = pop.dwelling_path(inputs, "0330", np.arange(first, 2041), "local", directory=tmp_path)
    last = int(table["year"].max())
    assert [k for y, k in zip(path.years, path.kinds, strict=True) if y <= last] == ["local"] * (last - first + 1)
    assert set(path.kinds[last - first + 1:]) == {"default"}


# --- the projection -------------------------------------------------------------------------------------------------


def test_housing_is_a_scenario_with_a_swedish_label():
    assert "housing" in pop.SCENARIOS and pop.SCENARIO_LABELS["housing"] == "Bostadsbyggande"


def test_a_path_at_the_reference_gives_the_main_projection(inputs):
    model = prepare_region("0305", None, 2040, "housing", inputs)
    plan = model.housing
    flat = replace(plan.path, dwellings=np.full(len(plan.path.years), plan.reference))
    model.housing = replace(plan, path=flat)
    base = run_projection(prepare_region("0305", None, 2040, "base", inputs), inputs, 2040)
    np.testing.assert_allclose(run_projection(model, inputs, 2040).population, base.population, rtol=1e-12)


def test_first_year_extra_in_migrants_are_the_effect_times_the_extra_dwellings(inputs, effect):
    model = prepare_region("0330", None, 2040, "housing", inputs)
    extra = model.housing.deviation(np.array([2026]))[0]
    comps = {s: pop.projection_components("0330", 2040, s, inputs=inputs).query("year == 2026")
             .set_index("component")["value"] for s in ("base", "housing")}
    added = comps["housing"]["in_migrants"] - comps["base"]["in_migrants"]
    assert added == pytest.approx(effect.value("in_per_dwelling") * extra, rel=1e-9)
    assert comps["housing"]["out_migrants"] < comps["base"]["out_migrants"]  # building keeps residents


def test_the_main_projection_and_its_reconciliation_do_not_depend_on_the_dwelling_path(inputs):
    a = pop.Assumptions()
    rec = pop.reconciliation(inputs, a)
    assert pop.reconciliation(inputs, replace(a, dwelling_path="observed")) is rec
    main = pop.project_population("0381", 2030, inputs=inputs)
    pd.testing.assert_frame_equal(main, pop.project_population("0381", 2030, inputs=inputs, dwelling_path="default"))


def test_housing_scenario_needs_a_municipality_and_a_valid_path_name(inputs):
    with pytest.raises(ValueError, match="scenario 'housing' is defined for municipalities"):
        pop.project_population("03", 2030, "housing", inputs=inputs)
    with pytest.raises(ValueError, match=r"dwelling_path must be one of 'auto', 'local', 'default', 'observed'"):
        pop.project_population("0330", 2030, "housing", inputs=inputs, dwelling_path="plan")


@pytest.mark.parametrize("code", ["0180", "2584", "0319"])
def test_housing_scenario_runs_for_any_municipality(inputs, code):
    frame = pop.project_population(code, 2040, "housing", inputs=inputs)
    sims = pop.simulate_population(code, 2030, "housing", n_sims=20, seed=1, inputs=inputs)
    assert (frame["population"] >= 0).all() and sims["sim"].nunique() == 20
    table = pop.housing_assumptions(code, 2040, inputs=inputs)
    assert table["Antagande"].str.contains("Färdigställda bostäder per år").any()


def test_report_tables(inputs):
    cmp = pop.scenario_comparison(["0330", "0319"], 2040, years=[2040], inputs=inputs)
    assert set(cmp["scenario"]) == {"base", "housing"}
    assert (cmp.loc[cmp["scenario"] == "base", "difference"] == 0).all()
    total = cmp[(cmp["age_group"] == "total")].set_index(["region_code", "scenario"])["population"]
    services = cmp[(cmp["age_group"] != "total")].groupby(["region_code", "scenario"])["population"].sum()
    # The service age groups 1–5 … 90+ leave out age 0 only.
    assert ((total - services) > 0).all() and ((total - services) / total < 0.02).all()
    table = pop.scenario_assumptions_table("0330", "housing", inputs=inputs)
    assert table["Antagande"].str.contains("Avstämning av bostadseffekten mot riket").any()
    # the table of the scenario that ran (issue 11): for the main scenario, its own table and no housing rows
    assert pop.scenario_assumptions_table("0330", "base", inputs=inputs).equals(pop.assumptions_table(scenario="base"))
    overview = pop.housing_overview(["0330", "0319"], 2040, inputs=inputs)
    assert np.allclose(overview["difference"], overview["population_housing"] - overview["population_base"])


# --- the backtest ----------------------------------------------------------------------------------------------------


def test_backtest_uses_the_dwellings_actually_completed(inputs):
    model = prepare_region("0330", 2010, 2022, "housing", inputs, as_of=2010, dwelling_path="observed")
    built = pop.completions(inputs, "0330")
    path = model.housing.path
    assert list(path.years) == list(range(2011, 2023))
    assert path.dwellings == pytest.approx(built.loc[2011:2022].to_numpy())
    assert model.housing.effect.years[1] == 2010  # the parameters from the years up to the jump-off
    assert model.housing.reference == pytest.approx(built.loc[2006:2010].mean())


def test_housing_comparison_by_kind(inputs):
    codes = ["0330", "0305", "0319", "0381"]
    housing_bt = pop.backtest_housing(inputs, codes=codes, jump_offs=(2010,), cache=False)
    standard = pop.backtest_municipalities(inputs, codes=codes, jump_offs=(2010,), n_sims=1, cache=False)
    table = pop.housing_comparison(housing_bt, standard, inputs, horizons=(5, 10), by="building_change",
                                   include_all=True)
    assert table.attrs["last_year"] == 2022
    assert table["building_change"].iloc[0] == "alla"
    alla = table[table["building_change"] == "alla"]
    assert alla["n"].tolist() == [4, 4]
    assert {"mape_housing", "mape_standard", "mape_naive_constant", "mape_naive_growth"} <= set(table.columns)
