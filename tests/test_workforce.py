"""Tests of tillsammans.workforce: SKR order of magnitude, model properties, bad local files, data checks.

Synthetic population frames below are built by the tests themselves and labelled as such; the data checks and
the SKR check read the real processed tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tillsammans import data
from tillsammans import workforce as wf
from tillsammans.municipalities import NETWORK

RATES = {"use_65_79": 0.05, "use_80_89": 0.3, "use_90": 0.6}


def synthetic_population(years=range(2019, 2031), growth=0.0, old_growth=0.0, sims=None) -> pd.DataFrame:
    """SYNTHETIC test population: 1 000 persons per age 0..100, optionally growing (all ages / 65+)."""
    rows = []
    for sim in (sims or [None]):
        for y in years:
            k = y - min(years)
            scale = 1 + (0 if sim is None else 0.01 * sim)
            for age in range(101):
                pop = 1000.0 * (1 + growth) ** k * scale * ((1 + old_growth) ** k if age >= 65 else 1)
                rows.append({"sim": sim, "year": y, "age": age, "population": pop})
    frame = pd.DataFrame(rows)
    return frame.drop(columns="sim") if sims is None else frame


def unit_staff(value: float = 100.0) -> pd.DataFrame:
    return pd.DataFrame({"sector": list(wf.SECTORS), "staff": value})


# -- SKR's national order of magnitude ---------------------------------------------------------------


@pytest.mark.parametrize("ratio", [1.0, 2.0, 3.0])
def test_skr_order_of_magnitude(processed_dir, ratio):
    """SKR (Välfärdens kompetensförsörjning, 2022; "Äldreomsorg", 2021): 80+ growing by ~50 % over ten years
    needs ~30 % more eldercare staff.

    Mapping: national inputs = Sweden's observed population 2020 (SCB 0000053A) and SCB's national projection
    (BE0401, 2024) for 2028, when 80+ has grown by ~50 %; national use rates 2020 (Kolada riket n20891,
    n20892); the model's age bands 65–79 / 80–89 / 90+ with the default 90+/80–89 ratio. Staff per user held
    constant as in SKR. The model gives ~34 %: the 65–79 band, which grows little, dilutes the 80+ growth.
    The result holds for 90+/80–89 use ratios from 1 to 3 (the ratio is an assumption).
    """
    observed = data.load_table("population_sweden_age_sex", processed_dir, filters=[("year", "==", 2020)])
    projected = data.load_table("projection_population_deaths_sweden", processed_dir,
                                filters=[("year", "==", 2028)])
    a = observed.groupby("age", as_index=False)["population"].sum().assign(year=2020)
    b = (projected.assign(age=projected["age"].clip(upper=100)).groupby("age", as_index=False)
         ["projected_mean_population"].sum().rename(columns={"projected_mean_population": "population"})
         .assign(year=2028))
    pop = pd.concat([a, b], ignore_index=True)
    k = data.kolada(["n20891", "n20892"], regions=["00"], processed_dir=processed_dir)
    inputs = k[k["year"] == 2020].assign(region_code="00")
    rates = wf.use_rates(inputs, "00", pop, use_90_ratio=ratio)
    need = wf.staff_need(pop, unit_staff(1.0), rates).set_index(["year", "sector"])["staff_need"]
    growth_80 = pop[(pop.age >= 80) & (pop.year == 2028)].population.sum() / \
        pop[(pop.age >= 80) & (pop.year == 2020)].population.sum() - 1
    eldercare = need[(2028, "aldreomsorg")] - 1
    assert 0.45 <= growth_80 <= 0.55
    assert 0.25 <= eldercare <= 0.40, f"eldercare staff growth {eldercare:.1%} for 80+ growth {growth_80:.1%}"
    assert eldercare < growth_80


# -- properties ----------------------------------------------------------------------------------------


def test_zero_change_gives_zero_need():
    pop = synthetic_population()
    need = wf.staff_need(pop, unit_staff(), RATES)
    assert np.allclose(need["staff_need"], 100.0)
    young = pd.DataFrame({"sector": list(wf.SECTORS), "age": 30, "staff": 100.0})  # nobody near pension
    retired = wf.retirements(young, sorted(pop.year.unique()))
    assert retired["retirements"].abs().max() == 0
    rec = wf.recruitment_need(need, retired, turnover=0.0)
    assert np.allclose(rec[["growth", "retirements", "turnover", "recruitment_need", "recruitment_gross"]], 0.0)
    assert np.allclose(rec["cum_recruitment_gross"], 0.0)


def test_recruitment_is_growth_plus_retirements_plus_turnover():
    pop = synthetic_population(old_growth=0.03)
    need = wf.staff_need(pop, unit_staff(), RATES)
    staff_age = wf.staff_by_age(pd.DataFrame({"sector": list(wf.SECTORS), "age_band": "55+", "staff": 50.0,
                                              "source": "test"}))
    retired = wf.retirements(staff_age, sorted(pop.year.unique()))
    rec = wf.recruitment_need(need, retired, turnover=0.05)
    assert np.allclose(rec["recruitment_need"], rec["growth"] + rec["retirements"])
    assert np.allclose(rec["recruitment_gross"] - rec["recruitment_need"], rec["turnover"])
    end = rec[rec.year == rec.year.max()].set_index("sector")
    first = need[need.year == need.year.min()].set_index("sector")["staff_need"]
    last = need[need.year == need.year.max()].set_index("sector")["staff_need"]
    assert np.allclose(end["cum_growth"], (last - first).reindex(end.index))
    assert rec.loc[rec.sector == "aldreomsorg", "growth"].gt(0).all()
    assert rec.loc[rec.sector == "forskola", "growth"].abs().max() < 1e-9


def test_all_older_staff_retire_within_horizon():
    staff_age = pd.DataFrame({"sector": "ifo", "age": range(55, 66), "staff": 10.0})
    retired = wf.retirements(staff_age, range(2019, 2040), pension_age=66)
    assert retired["retirements"].sum() == pytest.approx(110.0)
    assert retired["remaining"].min() >= 0
    later = wf.retirements(staff_age, range(2019, 2030), pension_age=67)
    early = wf.retirements(staff_age, range(2019, 2030), pension_age=66)
    assert later["retirements"].sum() < early["retirements"].sum()


def test_exit_hazard_mean_is_pension_age():
    h = wf.exit_hazard(66, 1.5)
    surv = np.cumprod(np.r_[1.0, 1 - h.to_numpy()[:-1]])
    p = surv * h.to_numpy()
    assert p.sum() == pytest.approx(1.0)
    assert (np.arange(len(p)) * p).sum() == pytest.approx(66, abs=0.3)


@pytest.mark.parametrize("productivity", [0.0, 0.005, 0.01, 0.02])
def test_more_productivity_never_raises_need(productivity):
    pop = synthetic_population(old_growth=0.02, growth=-0.005)
    low = wf.staff_need(pop, unit_staff(), RATES, productivity=productivity)
    high = wf.staff_need(pop, unit_staff(), RATES, productivity=productivity + 0.005)
    assert (high["staff_need"] <= low["staff_need"] + 1e-9).all()


def test_bad_parameters_are_rejected():
    with pytest.raises(ValueError, match="unknown assumption"):
        wf.make_assumptions(pensionage=67)
    with pytest.raises(ValueError, match="pension_age"):
        wf.make_assumptions(pension_age=90)
    with pytest.raises(ValueError, match="productivity"):
        wf.staff_need(synthetic_population(), unit_staff(), RATES, productivity=0.5)
    with pytest.raises(ValueError, match="population frame lacks"):
        wf.users(pd.DataFrame({"year": [2019], "population": [1.0]}), RATES)
    with pytest.raises(ValueError, match="unknown lever"):
        wf.lever_effects(synthetic_population(), pd.DataFrame(), {}, 1.0, 0.0, 0.0, levers=["magic"])


def test_need_quantiles_are_ordered():
    sims = synthetic_population(old_growth=0.02, sims=list(range(20)))
    sims.loc[sims.year > 2019, "population"] *= 1 + 0.002 * sims.loc[sims.year > 2019, "sim"]
    qs = wf.need_quantiles(sims, unit_staff(), RATES)
    cols = ["q025", "q10", "q50", "q90", "q975"]
    assert list(qs.columns) == ["year", *cols]
    assert (qs[cols].diff(axis=1).iloc[:, 1:] >= -1e-9).all().all()
    assert qs["q975"].iloc[-1] > qs["q025"].iloc[-1]


# -- the seven, real data ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def observed_2019(processed_dir):
    pop = data.load_table("population_municipality_age_sex", processed_dir,
                          filters=[("region_code", "in", list(NETWORK))])
    return pop


@pytest.mark.parametrize("code", NETWORK)
def test_network_staff_today(processed_dir, code):
    k = data.kolada(["n00098"], regions=[code], processed_dir=processed_dir)
    assert (k["year"] == 2019).any() and k["value"].gt(0).all()
    staff = wf.staff_today(code, 2019, local=None, processed_dir=processed_dir)
    sectors = wf.sector_staff(staff)
    assert list(sectors["sector"]) == list(wf.SECTORS)
    assert (sectors["staff"] >= 0).all() and (sectors["staff"] > 0).sum() == len(wf.SECTORS)
    total = float(k.loc[k.year == 2019, "value"].iloc[0])
    assert sectors["staff"].sum() == pytest.approx(total)  # sectors sum to Kolada's total
    assert ((sectors["share_55"] >= 0) & (sectors["share_55"] <= 1)).all()


@pytest.mark.parametrize("code", NETWORK)
def test_network_model_runs(processed_dir, observed_2019, code):
    """Run on a SYNTHETIC path built from the observed 2019 population (ages shifted, no deaths/migration)."""
    base = observed_2019[observed_2019.region_code == code].groupby("age")["population"].sum()
    frames = []
    for k in range(11):
        shifted = base.shift(k).fillna(base.iloc[0])
        frames.append(pd.DataFrame({"year": 2019 + k, "age": shifted.index, "population": shifted.values}))
    pop = pd.concat(frames, ignore_index=True)
    result = wf.workforce(code, pop, local=None, processed_dir=processed_dir)
    assert result.need_total["staff_need"].iloc[0] == pytest.approx(result.sectors["staff"].sum())
    assert (result.need["staff_need"] >= 0).all()
    total = wf.total_over_sectors(result.need)
    assert np.allclose(total["staff_need"], result.need.groupby("year")["staff_need"].sum().to_numpy())
    assert result.gap["gap"].iloc[0] == pytest.approx(0.0, abs=1e-6)
    assert 0 <= result.turnover <= 0.5
    levers = result.levers.set_index("lever")
    assert levers.loc["together", "remaining"] <= levers.loc["gap", "remaining"]
    assert levers.loc[list(wf.LEVERS), "step"].sum() == pytest.approx(levers.loc["together", "step"])
    table = wf.assumptions_table(result)
    assert list(table.columns) == ["Antagande", "Värde", "Källa"] and table["Källa"].str.len().gt(0).all()


def test_national_shares_match_skr_structure(processed_dir):
    """Implied national structure: pedagogical ~45 %, vård och omsorg ~1/3 (SKL, Personalen i kommuner 2015/2017)."""
    inputs = wf.model_inputs("0381", 2019, processed_dir)
    shares = wf.national_shares(inputs)
    k = data.kolada(["n00098", "n11104", "n20041"], regions=["00"], processed_dir=processed_dir)
    v = k[k.year == 2019].set_index("kpi")["value"]
    rest = 1 - v["n11104"] / v["n00098"] - v["n20041"] / v["n00098"]
    pedagogical = v["n11104"] / v["n00098"] + rest * (shares["grundskola"] + shares["gymnasieskola"])
    assert 0.38 <= pedagogical <= 0.50
    assert 0.28 <= v["n20041"] / v["n00098"] <= 0.38
    assert shares.sum() == pytest.approx(1.0)


# -- local HR extract ----------------------------------------------------------------------------------


def write_hr(path, rows, header="region_code,sector,age_band,staff_fte"):
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def good_rows(code="0381"):
    return [f"{code},{s},{b},{10.0 if b != '65+' else 1.0}" for s in wf.SECTORS for b in ("-29", "55-59", "65+")]


def test_local_hr_replaces_defaults(tmp_path, processed_dir):
    path = write_hr(tmp_path / "hr_0381.csv", good_rows())
    staff = wf.staff_today("0381", 2019, local=path, processed_dir=processed_dir)
    assert staff.attrs["origin"] == "local"
    sectors = wf.sector_staff(staff)
    assert sectors["staff"].sum() == pytest.approx(8 * 21.0)
    assert sectors["source"].str.contains("hr_0381.csv").all()
    assert sectors["share_55"].iloc[0] == pytest.approx(11 / 21)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda rows: rows[:-1] + ["0381,skola,-29,5"], r"line 25: unknown sector 'skola'"),
        (lambda rows: rows[:-1] + ["0381,ifo,-29,-3"], r"line 25: staff_fte '-3' is negative"),
        (lambda rows: rows[:-1] + ["0381,ifo,-29,many"], r"line 25: staff_fte 'many' is not a number"),
        (lambda rows: ["0331" + r[4:] if i == 3 else r for i, r in enumerate(rows)],
         r"line 5: region_code '0331' is not '0381'"),
        (lambda rows: rows + [rows[0]], r"line 26: .*repeats line 2"),
        (lambda rows: [r for r in rows if ",ifo," not in r], r"sector\(s\) \['ifo'\] have no row"),
        (lambda rows: rows[:-1] + ["0381,ifo,70-74,1"], r"unknown age_band '70-74'"),
    ],
)
def test_bad_local_files(tmp_path, processed_dir, mutate, message):
    path = write_hr(tmp_path / "hr_0381.csv", mutate(good_rows()))
    with pytest.raises(wf.LocalDataError, match=message) as info:
        wf.staff_today("0381", 2019, local=path, processed_dir=processed_dir)
    assert str(path) in str(info.value)


def test_bad_local_header(tmp_path):
    path = write_hr(tmp_path / "hr_0381.csv", ["0381,forskola,-29"], header="region_code,sector,age_band")
    with pytest.raises(wf.LocalDataError, match=r"line 1 \(header\): missing column\(s\) \['staff_fte'\]"):
        wf.read_local_hr(path, "0381")
    path = write_hr(tmp_path / "hr_0381.csv", ["0381,forskola,-29,1,x"],
                    header="region_code,sector,age_band,staff_fte,note")
    with pytest.raises(wf.LocalDataError, match=r"unknown column\(s\) \['note'\]"):
        wf.read_local_hr(path, "0381")


def test_missing_explicit_local_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        wf.staff_today("0381", 2019, local=tmp_path / "nope.csv")


def test_bad_local_file_in_auto_location_is_never_skipped(tmp_path, monkeypatch, processed_dir):
    """A broken data/raw/local/hr_<code>.csv stops the run instead of silently falling back to Kolada."""
    monkeypatch.setenv("TILLSAMMANS_HOME", str(tmp_path))
    local = tmp_path / "data" / "raw" / "local"
    local.mkdir(parents=True)
    write_hr(local / "hr_0381.csv", good_rows()[:-1] + ["0381,ifo,65+,-1"])
    with pytest.raises(wf.LocalDataError, match="hr_0381.csv"):
        wf.staff_today("0381", 2019, local="auto", processed_dir=processed_dir)
    write_hr(local / "hr_0381.csv", good_rows())
    assert wf.staff_today("0381", 2019, local="auto", processed_dir=processed_dir).attrs["origin"] == "local"


def test_workforce_with_local_file(tmp_path, processed_dir):
    pop = synthetic_population(years=range(2019, 2026), old_growth=0.02)
    path = write_hr(tmp_path / "hr_0381.csv", good_rows())
    result = wf.workforce("0381", pop, local=path, processed_dir=processed_dir)
    assert result.origin == "local"
    assert result.sectors["staff"].sum() == pytest.approx(8 * 21.0)
    table = wf.assumptions_table(result)
    assert table.loc[table["Antagande"] == "Personal i dag", "Källa"].str.contains("hr_0381.csv").all()
    compared = wf.compare({"0381": result})
    assert compared.loc[0, "staff_today"] == pytest.approx(8 * 21.0)


def test_quantile_names():
    assert [wf.quantile_name(q) for q in (0.025, 0.1, 0.5, 0.9, 0.975)] == ["q025", "q10", "q50", "q90", "q975"]


def test_national_fallback_for_missing_use_rates(processed_dir, observed_2019):
    """Sorsele (2422) has no Kolada n20891/n20892: Sweden's rates are used and the table says so."""
    pop = data.load_table("population_municipality_age_sex", processed_dir, filters=[("region_code", "==", "2422")])
    base = pop.groupby("age")["population"].sum()
    frame = pd.concat([pd.DataFrame({"year": 2019 + k, "age": base.index, "population": base.values})
                       for k in range(3)], ignore_index=True)
    result = wf.workforce("2422", frame, local=None, processed_dir=processed_dir)
    table = wf.assumptions_table(result)
    assert table["Källa"].str.contains("för riket").any()
    assert 0 < result.rates["use_80_89"] < result.rates["use_90"] <= 1
