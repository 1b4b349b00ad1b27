"""Accuracy: backtests of the production model (counties 1995–2015, all 290 municipalities 2000–2025)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tillsammans import population as pop
from tillsammans.municipalities import NETWORK
from tillsammans.population.backtest import _project_case


@pytest.fixture(scope="module")
def inputs(processed_dir):
    return pop.load_inputs(processed_dir)


@pytest.fixture(scope="module")
def counties(inputs):
    # All 21 counties, jump-offs 1995, 2000, 2005, to 2015 (SCB single-age data 1968–2015).
    return pop.backtest_counties(inputs, n_sims=200)


@pytest.fixture(scope="module")
def municipalities(inputs):
    # All 290 from synthesised jump-offs 2000, 2005, 2010, 2015 and SCB's 2019 single ages (cached per build).
    return pop.backtest_municipalities(inputs)


@pytest.fixture(scope="module")
def unreconciled(inputs):
    # The same cases with the unreconciled model (deterministic: the intervals are the reconciled model's).
    return pop.backtest_municipalities(inputs, assumptions=pop.Assumptions(reconcile=False), n_sims=1)


def test_backtests_report_the_reconciled_and_the_unreconciled_model(municipalities, unreconciled):
    """Both models on the same cases; the naive benchmarks are the same, the model's projections are not."""
    keys = ["region_code", "jump_off", "year", "age_group", "method"]
    both = municipalities.merge(unreconciled, on=keys, suffixes=("", "_unreconciled"), validate="one_to_one")
    assert len(both) == len(municipalities) == len(unreconciled)
    naive = both[both.method != "model"]
    np.testing.assert_allclose(naive.projected, naive.projected_unreconciled)
    model = both[both.method == "model"]
    assert (model.projected - model.projected_unreconciled).abs().max() > 100


def test_backtest_tables_are_tidy(counties, municipalities):
    assert set(counties.method) == {"model", "naive_constant", "naive_growth"}
    assert set(counties.jump_off) == {1995, 2000, 2005}
    assert counties.year.max() == 2015 and counties.horizon.max() == 20
    assert set(municipalities.jump_off) == {2000, 2005, 2010, 2015, 2019}
    assert municipalities.region_code.nunique() == 290
    # Age groups are observed to 2022 (Kolada), totals to 2025 (SCB).
    assert municipalities[municipalities.age_group == "0–19"].year.max() == 2022
    assert municipalities[municipalities.age_group == "total"].year.max() == 2025
    errors = pop.backtest_errors(counties)
    assert {"method", "horizon", "age_group", "mape", "mean_signed_error", "n"} <= set(errors.columns)


def _perturbed_after(inputs, year: int, factor: float = 1.5):
    """A copy of the inputs whose every observation after ``year`` is multiplied by ``factor``."""
    k_cols = inputs.kolada_years > year
    kolada = {k: np.where(k_cols, v * factor, v) for k, v in inputs.kolada_values.items()}
    by_sex = {k: np.where(k_cols[None, :, None], v * factor, v) for k, v in inputs.kolada_by_sex.items()}
    c_cols = (inputs.county_years > year)[None, :, None, None]
    mx = np.where((inputs.mx_years > year)[:, None, None], inputs.national_mx * factor, inputs.national_mx)
    asfr = np.where((inputs.asfr_years > year)[:, None], inputs.national_asfr * factor, inputs.national_asfr)
    return dataclasses.replace(
        inputs, kolada_values=kolada, kolada_by_sex=by_sex, national_mx=mx, national_asfr=asfr,
        county_pop=np.where(c_cols, inputs.county_pop * factor, inputs.county_pop),
        recent_totals={}, projected_asfr=inputs.projected_asfr * factor, projected_mx=inputs.projected_mx * factor,
        _memo={})


@pytest.mark.parametrize("code, jump_off", [("0319", 2010), ("03", 2000)])
def test_backtest_uses_no_data_after_the_jump_off(inputs, code, jump_off):
    """Changing every observation after the jump-off (and SCB's later assumptions) changes nothing."""
    a = pop.Assumptions()
    clean = _project_case(inputs, code, jump_off, jump_off + 8, 1, 1, a)[1]
    changed = _project_case(_perturbed_after(inputs, jump_off), code, jump_off, jump_off + 8, 1, 1, a)[1]
    for group in clean:
        np.testing.assert_allclose(changed[group], clean[group], rtol=1e-12)
    # … while a change up to the jump-off does move it (the test can fail).
    moved = _project_case(_perturbed_after(inputs, jump_off - 3, 1.1), code, jump_off, jump_off + 8, 1, 1, a)[1]
    assert not np.allclose(moved["total"], clean["total"])


def test_model_beats_the_naive_benchmarks_for_the_old(counties, municipalities):
    """Ageing is what a cohort model knows and a naive method does not: 65–79 and 80+ at 5 and 10 years."""
    for table in (counties, municipalities):
        errors = pop.backtest_errors(table[table.horizon.isin([5, 10])]).set_index(["horizon", "age_group", "method"])
        for h in (5, 10):
            for group in ("65–79", "80+"):
                model = errors.loc[(h, group, "model"), "mape"]
                assert model < errors.loc[(h, group, "naive_constant"), "mape"]
                assert model < errors.loc[(h, group, "naive_growth"), "mape"]


def test_eighty_percent_intervals_cover_70_to_90_percent_out_of_sample(municipalities):
    """The persistence was chosen on the county backtests; coverage is measured on the 290 municipalities
    (other regions, other jump-offs) for the total at horizons 1–10. The method promises 80 %: 70–90 %."""
    coverage = pop.backtest_coverage(municipalities[municipalities.horizon <= 10], by=())
    assert 0.70 <= coverage.loc[0, "coverage80"] <= 0.90
    assert coverage.loc[0, "coverage95"] > coverage.loc[0, "coverage80"]


@pytest.mark.parametrize("group", ["0–19", "20–64", "80+"])
def test_age_group_intervals_cover_70_to_90_percent_out_of_sample(municipalities, group):
    """The composition persistence was chosen on the counties' age groups; measured on the municipalities."""
    coverage = pop.backtest_coverage(municipalities[municipalities.horizon <= 10], by=(), age_group=group)
    assert 0.70 <= coverage.loc[0, "coverage80"] <= 0.90


@pytest.mark.xfail(strict=True, reason="65–79 is covered in about half of the cases (0.53): the synthesised "
                   "jump-offs misplace ages 60–64; from SCB's real 2019 single ages 0.71 (0.80 unreconciled; "
                   "docs/population.md)")
def test_65_79_intervals_cover_70_to_90_percent_out_of_sample(municipalities):
    coverage = pop.backtest_coverage(municipalities[municipalities.horizon <= 10], by=(), age_group="65–79")
    assert 0.70 <= coverage.loc[0, "coverage80"] <= 0.90


def test_network_2019_jump_off_matches_observed_2020_2022(inputs):
    """Projected from 2019 without observed components, the seven's totals stay within 4 % of Kolada's in
    2020–2022 (Enköping and Knivsta grew faster than their recent migration)."""
    check = pop.municipal_check(NETWORK, inputs=inputs)
    totals = check[check.age_group == "total"]
    assert set(totals.year) == {2020, 2021, 2022}
    assert len(totals) == 21
    assert totals.error_pct.abs().max() < 4.0
    assert totals[totals.horizon == 1].error_pct.abs().max() < 1.5


def test_municipal_check_summary_is_the_mean_error_by_size_class(inputs):
    """The summary's MAPE is the mean absolute error of its rows (a known answer), and the largest
    municipalities (≥ 100 000, many in- and out-movers that average out) are projected more accurately
    three years ahead than the smallest (< 10 000)."""
    check = pop.municipal_check(inputs=inputs)
    totals = check[check.age_group == "total"]
    summary = pop.municipal_check_summary(totals, by=("size_class", "horizon")).set_index(["size_class", "horizon"])
    small = totals[(totals.size_class == "< 10 000") & (totals.horizon == 3)]
    assert summary.loc[("< 10 000", 3), "mape"] == pytest.approx(small.error_pct.abs().mean())
    assert summary.loc[("< 10 000", 3), "n"] == len(small)
    assert summary.loc[("100 000 +", 3), "mape"] < summary.loc[("< 10 000", 3), "mape"]


def test_carry_through_reproduces_totals(inputs):
    check = pop.carry_through_check(NETWORK, inputs=inputs)
    totals = check[check.age_group == "total"]
    # Kolada's totals include register corrections that the components do not: within 0.5 %.
    assert totals.error_pct.abs().max() < 0.5


def test_kolada_projection_comparison(inputs):
    table = pop.kolada_projection_comparison(["0381"], inputs=inputs)
    total = table[(table.kpi == "n02907") & (table.target_year.between(2020, 2022))]
    assert len(total) == 3
    assert total.observed.notna().all() and total.scb_model.notna().all() and total.ours.notna().all()


def test_scb_model_comparison_for_the_network(inputs):
    table = pop.scb_model_comparison(NETWORK, inputs=inputs, network="nätverket")
    assert set(table.years_ahead) == {5, 10} and len(table) == 2 * (len(NETWORK) + 1)
    row = table[(table.region_code == "0381") & (table.years_ahead == 5)].iloc[0]
    assert row.population_2024 == inputs.recent_totals["0381"][2024]
    assert row.scb_model_change_pct == pytest.approx(inputs.scb_model_change[5]["0381"])
    net = table[(table.region_code == "nätverket") & (table.years_ahead == 10)].iloc[0]
    parts = table[(table.region_code != "nätverket") & (table.years_ahead == 10)]
    assert net.ours == pytest.approx(parts.ours.sum())


def test_backtest_summary_holds_exactly_the_tables_computed_from_the_backtests(inputs, municipalities, unreconciled,
                                                                              counties):
    """The report reads the finished tables (computed once per build); they equal the summaries of the backtests
    themselves, and each municipality's own errors equal those of its own rows alone."""
    import pandas as pd

    from tillsammans.population.backtest_summary import OWN_HORIZONS

    summary = pop.backtest_summary(inputs)
    total = municipalities[municipalities["age_group"] == "total"]
    pd.testing.assert_frame_equal(summary["errors"], pop.backtest_table(municipalities, unreconciled=unreconciled),
                                  check_exact=True)
    pd.testing.assert_frame_equal(summary["by_size"], pop.backtest_table(total, by=("horizon", "size_class")),
                                  check_exact=True)
    pd.testing.assert_frame_equal(summary["coverage"], pop.backtest_coverage(
        municipalities[municipalities["horizon"] <= 10], by=("age_group",), age_group=None), check_exact=True)
    county10 = counties[(counties["horizon"] == 10) & (counties["age_group"] == "total")]
    pd.testing.assert_frame_equal(summary["counties"], pop.backtest_errors(county10, by=("method",)), check_exact=True)
    housing = pop.housing_comparison(pop.backtest_housing(inputs), municipalities, inputs, horizons=(5, 10),
                                     by="building_change", include_all=True)
    pd.testing.assert_frame_equal(summary["housing"], housing, check_exact=True)
    assert summary["housing"].attrs == housing.attrs
    for code in ("0319", "0180", "2480", "0360"):
        own = total[(total["region_code"] == code) & total["horizon"].isin(OWN_HORIZONS)]
        alone = pop.backtest_errors(own, by=("method", "horizon"))
        in_summary = summary["own"][summary["own"]["region_code"] == code].drop(columns="region_code")
        pd.testing.assert_frame_equal(in_summary.reset_index(drop=True), alone, check_exact=True, check_dtype=False)
    years = summary["jump_offs"].groupby("backtest")["jump_off"].agg(list)
    assert years["municipalities"] == sorted(municipalities["jump_off"].unique())
    assert years["counties"] == sorted(counties["jump_off"].unique())
