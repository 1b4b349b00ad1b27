"""Data checks against official totals, the manifest, and validation of bad input."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tillsammans import data, paths
from tillsammans.data.build import load_raw_validated
from tillsammans.data.catalog import TABLES
from tillsammans.data.validate import DataValidationError

# -- official totals ------------------------------------------------------------------------------


def test_sweden_2019_single_age_total(processed_dir):
    pop = data.load_table("population_municipality_age_sex", processed_dir)
    assert pop["population"].sum() == 10_327_589  # SCB, folkmängd 31 december 2019
    assert pop["region_code"].nunique() == 290


def test_enkoping_2019(processed_dir):
    pop = data.load_table("population_municipality_age_sex", processed_dir,
                          filters=[("region_code", "==", "0381")])
    assert pop["population"].sum() == 45_287


def test_single_age_equals_kolada_for_every_municipality(processed_dir):
    pop = data.load_table("population_municipality_age_sex", processed_dir)
    sums = pop.groupby("region_code")["population"].sum()
    kolada = data.kolada(["n01951"], processed_dir=processed_dir)
    k2019 = kolada[(kolada["year"] == 2019) & (kolada["region_code"].str.len() == 4)]
    merged = k2019.set_index("region_code")["value"]
    assert len(merged) == 290
    pd.testing.assert_series_equal(sums.sort_index().astype(float), merged.sort_index(), check_names=False)


def test_national_deaths_2019_and_uppsala_county_2015(processed_dir):
    deaths = data.load_table("deaths_sweden_age_sex", processed_dir, filters=[("year", "==", 2019)])
    assert deaths["deaths"].sum() == 88_766
    county = data.load_table("population_county_age_sex", processed_dir,
                             filters=[("region_code", "==", "03"), ("year", "==", 2015)])
    assert county["population"].sum() == 354_164


def test_codes_keep_leading_zeros(processed_dir):
    pop = data.load_table("population_municipality_age_sex", processed_dir, columns=["region_code"])
    assert pop["region_code"].str.len().eq(4).all()
    assert "0114" in set(pop["region_code"])


def test_manifest_describes_every_table(processed_dir):
    manifest = data.read_manifest(processed_dir)
    assert set(manifest["tables"]) == set(TABLES)
    for name, entry in manifest["tables"].items():
        assert {"source", "table_id", "retrieved", "rows", "sha256"} <= set(entry)
        assert data.sha256(processed_dir / entry["file"]) == entry["sha256"], name
        assert entry["rows"] > 0


def test_load_verifies_hash(processed_dir, tmp_path):
    copy = tmp_path / "processed"
    shutil.copytree(processed_dir, copy)
    target = copy / "regions.parquet"
    frame = pd.read_parquet(target)
    frame.iloc[:-1].to_parquet(target)
    # issue 13: a changed processed file is refused on every read, not only with verify=True
    for verify in (True, False):
        with pytest.raises(data.IntegrityError, match=r"regions\.parquet .*changed after the build.*make data"):
            data.load_table("regions", copy, verify=verify)


def test_unknown_table_name(processed_dir):
    with pytest.raises(KeyError, match="known tables"):
        data.load_table("population_of_mars", processed_dir)


# -- validation of bad input (each rule names the file, the rule and a row) ----------------------


@pytest.fixture
def small_raw(tmp_path, processed_dir):
    """A raw folder with a small, valid population table (two municipalities, 2019), built by the test."""
    pop = data.load_table("population_municipality_age_sex", processed_dir,
                          filters=[("region_code", "in", ["0319", "0381"])])
    raw = tmp_path / "raw"
    (raw / "scb").mkdir(parents=True)
    return raw, pop


def _write(raw: Path, frame: pd.DataFrame) -> None:
    frame.to_csv(raw / TABLES["population_municipality_age_sex"].raw, index=False)


def _validate(raw: Path, registry):
    return load_raw_validated(TABLES["population_municipality_age_sex"], raw, set(registry.codes()))


def test_valid_slice_passes(small_raw, registry):
    raw, pop = small_raw
    _write(raw, pop)
    assert len(_validate(raw, registry)) == 2 * 2 * 101


@pytest.mark.parametrize(
    "corrupt, rule",
    [
        (lambda f: f.assign(region_code=f["region_code"].where(f["region_code"] != "0319", "0318")),
         "unknown region code"),
        (lambda f: f.iloc[1:], "incomplete sex/age grid"),
        (lambda f: pd.concat([f, f.iloc[[0]]]), "duplicated cells"),
        (lambda f: f.assign(population=f["population"].where(f.index != f.index[5], -3)), "negative values"),
        (lambda f: f.assign(population=f["population"].astype(object).where(f.index != f.index[7], "12 three")),
         "non-numeric values"),
        (lambda f: f.drop(columns="sex"), "missing column"),
    ],
    ids=["unknown-code", "missing-cell", "duplicate", "negative", "non-numeric", "missing-column"],
)
def test_bad_input_names_file_rule_and_row(small_raw, registry, corrupt, rule):
    raw, pop = small_raw
    _write(raw, corrupt(pop.reset_index(drop=True)))
    with pytest.raises(DataValidationError) as info:
        _validate(raw, registry)
    message = str(info.value)
    assert rule in message
    assert "population_municipality_age_sex.csv.gz" in message
    assert "e.g." in message


def test_totals_disagreeing_between_sources(processed_dir):
    from tillsammans.data.validate import check_population_totals

    pop = data.load_table("population_municipality_age_sex", processed_dir)
    totals = data.load_table("population_municipality_total", processed_dir)
    kolada = data.load_table("kolada_values", processed_dir, filters=[("kpi", "==", "n01951")])
    sweden = data.load_table("population_sweden_age_sex", processed_dir, filters=[("year", "==", 2019)])
    pop.loc[pop.index[0], "population"] += 1
    with pytest.raises(DataValidationError, match="disagrees with"):
        check_population_totals(pop, totals, kolada, sweden)


def test_failed_build_leaves_processed_data_untouched(tmp_path, processed_dir):
    """A corrupt raw file stops the build and the earlier processed files stay byte-identical."""
    raw = tmp_path / "raw"
    shutil.copytree(paths.raw_dir(), raw)
    processed = tmp_path / "processed"
    shutil.copytree(processed_dir, processed)
    before = {p.name: p.read_bytes() for p in processed.iterdir() if p.is_file()}
    target = raw / TABLES["deaths_county_age_sex"].raw
    with gzip.open(target, "rb") as fh:
        head = fh.read(20_000)
    target.write_bytes(gzip.compress(head)[:-7])  # truncated gzip
    with pytest.raises(DataValidationError, match="deaths_county_age_sex"):
        data.build_processed(raw, processed)
    after = {p.name: p.read_bytes() for p in processed.iterdir() if p.is_file()}
    assert after == before
    assert json.loads((processed / "manifest.json").read_text())["tables"]


def test_mirror_copy_refuses_incomplete_mirror(tmp_path):
    (tmp_path / "regions.csv").write_text("region_code,name,level,county_code\n")
    with pytest.raises(FileNotFoundError, match="lacks"):
        data.copy_mirror(tmp_path, tmp_path / "raw")


# -- the latest totals (SCB 2020–2025, Kolada 2024–2025) and SCB's cell-key noise -------------------


def test_recent_totals_cover_2020_2025_and_equal_kolada(processed_dir):
    recent = data.load_table("population_municipality_total_recent", processed_dir)
    assert recent.groupby("year")["region_code"].nunique().to_dict() == dict.fromkeys(range(2020, 2026), 290)
    enkoping = recent[recent.region_code == "0381"].set_index("year")["population"]
    assert enkoping[2025] == 48_804 and enkoping[2022] == 47_848  # SCB, folkmängd 31 december
    kolada = data.kolada(["n01951"], processed_dir=processed_dir).set_index(["region_code", "year"])["value"]
    both = recent.set_index(["region_code", "year"])["population"].loc[lambda s: s.index.get_level_values(1) <= 2022]
    assert (kolada.reindex(both.index) == both).all()


def test_recent_kolada_has_the_scb_model_change_for_all_290(processed_dir):
    values = data.load_table("kolada_values_recent", processed_dir)
    per_kpi = values.groupby(["kpi", "year"])["region_code"].nunique()
    assert per_kpi[("n02915", 2024)] == 290 and per_kpi[("n02838", 2024)] == 290
    assert per_kpi[("n01951", 2025)] == 290


def _regions_frame():
    return pd.DataFrame({"region_code": ["03", "0305", "0319"], "county_code": ["03", "03", "03"]})


def _kolada_rows(rows):
    return pd.DataFrame([{"kpi": "n01951", "gender": "T", "region_code": c, "year": y, "value": v}
                         for c, y, v in rows])


def test_cell_key_noise_of_a_few_persons_is_accepted_in_2025():
    from tillsammans.data.validate import check_recent_totals

    recent = pd.DataFrame({"region_code": ["0305", "0319"], "year": [2025, 2025], "population": [28_000, 9_700]})
    # The county total differs from the sum of its municipalities by 4 persons: cell-key noise, not an error.
    county = _kolada_rows([("03", 2025, 37_704)])
    check_recent_totals(recent, county, _kolada_rows([]), _regions_frame())


def test_large_part_whole_mismatch_is_still_an_error_in_2025_and_any_mismatch_before():
    from tillsammans.data.validate import check_recent_totals, part_whole_tolerance

    recent = pd.DataFrame({"region_code": ["0305", "0319"], "year": [2025, 2025], "population": [28_000, 9_700]})
    with pytest.raises(DataValidationError, match="county total"):
        check_recent_totals(recent, _kolada_rows([("03", 2025, 38_700)]), _kolada_rows([]), _regions_frame())
    # Before the cell-key years the parts must add up exactly: one person off is an error.
    before = recent.assign(year=2022)
    with pytest.raises(DataValidationError, match="county total"):
        check_recent_totals(before, _kolada_rows([("03", 2022, 37_701)]), _kolada_rows([]), _regions_frame())
    assert part_whole_tolerance(2024, 290) == 0
    assert 40 < part_whole_tolerance(2025, 290) < 60


def test_recent_total_that_disagrees_with_kolada_is_an_error():
    from tillsammans.data.validate import check_recent_totals

    recent = pd.DataFrame({"region_code": ["0305"], "year": [2025], "population": [28_000]})
    with pytest.raises(DataValidationError, match="disagrees with Kolada"):
        check_recent_totals(recent, _kolada_rows([]), _kolada_rows([("0305", 2025, 28_001)]), _regions_frame())


def test_latest_observed_year_is_read_from_the_manifest(processed_dir):
    """One definition of the year the reports state: the last year of SCB's municipal totals (2025)."""
    from tillsammans import plots, population

    assert data.latest_observed_year(processed_dir=processed_dir) == 2025
    assert population.latest_observed_year(processed_dir) == 2025
    assert "senast observerade folkmängd 2025" in plots.data_vintage(data.read_manifest(processed_dir))


# -- the extra Kolada file (teachers, pupils, preschool staff, housing) ------------------------------------


def test_extra_kolada_values_are_built_and_read_like_the_others(processed_dir):
    """values_extra.csv.gz and kpis_extra.csv are processed tables, and data.kolada finds their KPIs."""
    from tillsammans.data.catalog import KOLADA_EXTRA_KPIS

    manifest = data.read_manifest(processed_dir)
    assert {"kolada_values_extra", "kolada_kpis_extra"} <= set(manifest["tables"])
    extra = data.load_table("kolada_values_extra", processed_dir)
    main = data.load_table("kolada_values", processed_dir, columns=["kpi"])
    listed = data.load_table("kolada_kpis_extra", processed_dir)["kpi"]
    assert set(extra["kpi"]) == set(KOLADA_EXTRA_KPIS) == set(listed)
    assert not set(extra["kpi"]) & set(main["kpi"])
    # teachers and housing are reachable the same way as every other KPI, beside a main-file KPI
    both = data.kolada(["n15034", "n07917", "n01951"], regions=["0381"], processed_dir=processed_dir)
    assert set(both["kpi"]) == {"n15034", "n07917", "n01951"}
    assert both.groupby("kpi")["year"].max().to_dict() == {"n01951": 2022, "n07917": 2022, "n15034": 2022}
    # every municipality has its compulsory-school pupils and pupils per teacher FTE in 2022
    pupils = extra[(extra["kpi"].isin(["n15809", "n15034"])) & (extra["year"] == 2022)]
    assert pupils.groupby("kpi")["region_code"].nunique().to_dict() == {"n15034": 290, "n15809": 290}


def test_a_kpi_in_two_kolada_files_is_refused():
    from tillsammans.data.validate import check_kolada_kpis

    def values(*kpis):
        return pd.DataFrame({"kpi": list(kpis), "region_code": "0381", "year": 2022, "gender": "T", "value": 1.0})

    def catalogue(*kpis):
        return pd.DataFrame({"kpi": list(kpis), "title": "x"})

    pairs = [("kolada_values", "kolada_kpis"), ("kolada_values_extra", "kolada_kpis_extra")]
    good = {"kolada_values": values("n01951"), "kolada_kpis": catalogue("n01951"),
            "kolada_values_extra": values("n15034"), "kolada_kpis_extra": catalogue("n15034")}
    check_kolada_kpis(good, pairs, catalogued=["kolada_values_extra"])
    with pytest.raises(DataValidationError, match=r"kolada_values_extra: KPI n01951 is also in kolada_values"):
        check_kolada_kpis({**good, "kolada_values_extra": values("n15034", "n01951")}, pairs)
    with pytest.raises(DataValidationError, match=r"KPI\(s\) \['n15035'\] not in the catalogue kolada_kpis_extra"):
        check_kolada_kpis({**good, "kolada_values_extra": values("n15034", "n15035")}, pairs,
                          catalogued=["kolada_values_extra"])
    with pytest.raises(DataValidationError, match=r"kolada_kpis_extra: KPI\(s\) \['n01951'\] also in kolada_kpis"):
        check_kolada_kpis({**good, "kolada_kpis_extra": catalogue("n15034", "n01951")}, pairs)


def test_build_refuses_an_extra_file_that_repeats_a_main_kpi(tmp_path, processed_dir):
    """A values_extra.csv.gz with a KPI of values.csv.gz stops the build; processed data stay as they were."""
    raw = tmp_path / "raw"
    shutil.copytree(paths.raw_dir(), raw)
    processed = tmp_path / "processed"
    shutil.copytree(processed_dir, processed, ignore=shutil.ignore_patterns("cache"))
    before = (processed / "manifest.json").read_bytes()
    target = raw / TABLES["kolada_values_extra"].raw
    frame = pd.read_csv(target, dtype={"region_code": str})
    frame.loc[frame.index[:3], "kpi"] = "n00098"  # Årsarbetare totalt lives in values.csv.gz
    frame.to_csv(target, index=False, compression="gzip")
    with pytest.raises(DataValidationError, match=r"KPI n00098 is also in kolada_values"):
        data.build_processed(raw, processed)
    assert (processed / "manifest.json").read_bytes() == before


def test_repeated_reads_are_kept_as_copies(processed_dir):
    """load_table keeps reads in the process (issue 12): the same read again gives equal data, a caller's
    change to one result never reaches the next, and other filters or columns are other reads."""
    from tillsammans.data import build

    filters = [("region_code", "in", ["0381"])]
    load_table = data.load_table
    first = load_table("population_municipality_total", processed_dir, filters=filters)
    expected = first.copy()
    first.loc[:, "population"] = -1
    again = load_table("population_municipality_total", processed_dir, filters=filters)
    pd.testing.assert_frame_equal(again, expected)
    other = load_table("population_municipality_total", processed_dir, filters=[("region_code", "in", ["0319"])])
    assert set(other["region_code"]) == {"0319"}
    assert list(load_table("population_municipality_total", processed_dir, columns=["year"]).columns) == ["year"]
    assert build.READ_MAX_BYTES <= build.READS_MAX_BYTES
    assert sum(size for _, size in build._READS.values()) <= build.READS_MAX_BYTES
