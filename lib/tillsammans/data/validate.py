"""Validation of the study's tables.

Every rule names the file, the rule and an example row, so an analyst can find the fault in the raw file.
All violations in a table are collected before raising, so one build shows every problem at once.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from tillsammans.data.catalog import (
    CELL_KEY_BASE,
    CELL_KEY_FIRST_YEAR,
    CELL_KEY_PER_PART,
    KOLADA_POPULATION,
    Table,
)


class DataValidationError(ValueError):
    """A table broke one or more rules; ``violations`` lists ``(file, rule, example)``."""

    def __init__(self, violations: list[tuple[str, str, str]]):
        self.violations = violations
        lines = [f"{f}: {rule}; e.g. {example}" for f, rule, example in violations]
        super().__init__(f"{len(violations)} data validation error(s):\n  " + "\n  ".join(lines))


def _example(frame: pd.DataFrame, mask: pd.Series | np.ndarray | None = None) -> str:
    rows = frame if mask is None else frame[np.asarray(mask)]
    if rows.empty:
        return "(no row)"
    first = rows.iloc[0]
    return "row " + ", ".join(f"{k}={v.item() if hasattr(v, 'item') else v!r}" for k, v in first.items()
                              if k != "geometry")


def coerce_types(frame: pd.DataFrame, table: Table, label: str) -> pd.DataFrame:
    """Check columns and cast them to the table's types; non-numeric values are violations."""
    violations: list[tuple[str, str, str]] = []
    missing = [c for c in table.columns if c not in frame.columns]
    if missing:
        raise DataValidationError(
            [(label, f"missing column(s) {missing}; expected {list(table.columns)}",
              f"columns present: {list(frame.columns)}")]
        )
    out = frame[list(table.columns)].copy()
    for col, kind in table.columns.items():
        if kind in ("int", "float"):
            numeric = pd.to_numeric(out[col], errors="coerce")
            bad = numeric.isna() & out[col].notna()
            if bad.any():
                violations.append((label, f"non-numeric values in column '{col}' ({int(bad.sum())} rows)",
                                   _example(frame, bad)))
                continue
            infinite = np.isinf(numeric.to_numpy(dtype=float, na_value=np.nan))
            if infinite.any():
                rule = f"infinite values in column '{col}' ({int(infinite.sum())} rows); every number must be finite"
                violations.append((label, rule, _example(frame, infinite)))
                continue
            if kind == "int":
                if numeric.isna().any():
                    violations.append((label, f"missing values in integer column '{col}'",
                                       _example(frame, numeric.isna())))
                    continue
                fractional = numeric != np.round(numeric)
                if fractional.any():
                    violations.append((label, f"non-integer values in count column '{col}'",
                                       _example(frame, fractional)))
                    continue
                out[col] = numeric.astype("int64")
            else:
                out[col] = numeric.astype("float64")
        elif kind in ("code", "str"):
            out[col] = out[col].astype("string")
    if violations:
        raise DataValidationError(violations)
    return out


def check_table(frame: pd.DataFrame, table: Table, label: str, known_codes: Iterable[str] | None) -> None:
    """Apply the table's rules: known codes, no duplicates, no negatives, complete grids."""
    violations: list[tuple[str, str, str]] = []
    if frame.empty:
        raise DataValidationError([(label, "table is empty", "(no row)")])
    if known_codes is not None:
        known = set(known_codes)
        for col in table.code_columns:
            unknown = ~frame[col].isin(known)
            if unknown.any():
                values = sorted(frame.loc[unknown, col].astype(str).unique())[:5]
                violations.append((label, f"unknown region code(s) in '{col}': {values}",
                                   _example(frame, unknown)))
    dup = frame.duplicated(list(table.key), keep=False)
    if dup.any():
        violations.append((label, f"duplicated cells on key {list(table.key)} ({int(dup.sum())} rows)",
                           _example(frame, dup)))
    for col in table.counts:
        negative = frame[col] < 0
        if negative.any():
            violations.append((label, f"negative values in '{col}' ({int(negative.sum())} rows)",
                               _example(frame, negative)))
        missing = frame[col].isna()
        if missing.any():
            violations.append((label, f"missing values in '{col}' ({int(missing.sum())} rows)",
                               _example(frame, missing)))
    for col, (low, high) in table.bounds.items():
        outside = ~frame[col].between(low, high) & frame[col].notna()
        if outside.any():
            violations.append((label, f"'{col}' outside {low:g}–{high:g} ({int(outside.sum())} rows)",
                               _example(frame, outside)))
    for col, allowed in table.grid.items():
        values = frame[col].astype(type(allowed[0]))
        outside = ~values.isin(allowed)
        if outside.any():
            violations.append((label, f"'{col}' outside the allowed values {allowed[0]!r}…{allowed[-1]!r}",
                               _example(frame, outside)))
    if table.grid and not dup.any():
        expected = int(np.prod([len(v) for v in table.grid.values()]))
        sizes = frame.groupby(list(table.grid_by), observed=True).size()
        short = sizes[sizes != expected]
        if not short.empty:
            where = dict(zip(table.grid_by, np.atleast_1d(short.index[0]), strict=False))
            violations.append((
                label,
                (f"incomplete {'/'.join(table.grid)} grid: {len(short)} group(s) of {list(table.grid_by)} "
                 f"have {short.iloc[0]} cells instead of {expected}"),
                f"group {where}",
            ))
    if violations:
        raise DataValidationError(violations)


def part_whole_tolerance(year: int | np.ndarray, n_parts: int | np.ndarray) -> np.ndarray:
    """Largest accepted |Σ parts − whole| (persons) for a published total and its published parts.

    Zero before :data:`~tillsammans.data.catalog.CELL_KEY_FIRST_YEAR`; from then on SCB's cell-key noise
    allows ``CELL_KEY_BASE + CELL_KEY_PER_PART · √n_parts`` persons (see the catalogue for the reasoning).
    """
    year = np.asarray(year)
    n_parts = np.asarray(n_parts, dtype=float)
    return np.where(year >= CELL_KEY_FIRST_YEAR, CELL_KEY_BASE + CELL_KEY_PER_PART * np.sqrt(n_parts), 0.0)


def part_whole_mismatch(parts: pd.DataFrame, wholes: pd.DataFrame, keys: list[str], value: str = "population",
                        whole_value: str | None = None) -> pd.DataFrame:
    """Groups whose parts do not add up to their whole beyond :func:`part_whole_tolerance`.

    Parameters
    ----------
    parts : DataFrame
        ``*keys, value`` — e.g. one row per municipality (keys ``county, year``) or per age (``region_code, year``).
    wholes : DataFrame
        ``*keys, whole_value`` — the published totals; only groups present in both are compared.

    Returns
    -------
    DataFrame
        ``*keys, parts_sum, whole, n_parts, difference, tolerance`` for the groups that fail (empty when none).
    """
    whole_value = whole_value or value
    g = parts.groupby(keys, as_index=False).agg(parts_sum=(value, "sum"), n_parts=(value, "size"))
    merged = g.merge(wholes[[*keys, whole_value]].rename(columns={whole_value: "whole"}), on=keys, how="inner")
    merged["difference"] = merged["parts_sum"] - merged["whole"]
    year = merged.get("year", 0)
    merged["tolerance"] = part_whole_tolerance(year, merged["n_parts"])
    return merged[merged["difference"].abs() > merged["tolerance"]].reset_index(drop=True)


def check_recent_totals(recent: pd.DataFrame, kolada: pd.DataFrame, kolada_recent: pd.DataFrame,
                        regions: pd.DataFrame) -> None:
    """SCB's latest municipal totals against Kolada (same published number) and the counties (part–whole).

    * A municipality-year in both SCB's totals and Kolada ``n01951`` (2020–2022 in ``values.csv.gz``, 2025 in
      ``values_2024_2025.csv``) must agree exactly: both publish the same cell.
    * The municipalities of a county must add up to Kolada's county total where both exist, within
      :func:`part_whole_tolerance` (exact before 2025, a few persons of cell-key noise from 2025).
    """
    violations: list[tuple[str, str, str]] = []
    label = "population_municipality_total_recent"
    total_t = pd.concat([kolada, kolada_recent], ignore_index=True)
    total_t = total_t[(total_t["kpi"] == KOLADA_POPULATION) & (total_t["gender"] == "T")]
    merged = recent.merge(total_t[["region_code", "year", "value"]], on=["region_code", "year"], how="inner")
    diff = merged["population"] != merged["value"]
    if diff.any():
        violations.append((label, f"disagrees with Kolada n01951 for {int(diff.sum())} municipality-years",
                           _example(merged, diff)))
    county_of = regions.set_index("region_code")["county_code"]
    parts = recent.assign(county=recent["region_code"].map(county_of)).dropna(subset=["county"])
    wholes = total_t.rename(columns={"region_code": "county"})
    bad = part_whole_mismatch(parts, wholes, ["county", "year"], "population", "value")
    if not bad.empty:
        rule = (f"municipalities do not add up to Kolada's county total (n01951) in {len(bad)} county-years "
                "beyond the cell-key tolerance")
        violations.append((label, rule, _example(bad)))
    if violations:
        raise DataValidationError(violations)


def check_population_totals(
    single_age: pd.DataFrame, totals: pd.DataFrame, kolada: pd.DataFrame, sweden: pd.DataFrame
) -> None:
    """Totals must agree between sources: SCB single-age sums = SCB totals = Kolada ``n01951``.

    Also the municipalities sum to Sweden's total for the same year.
    """
    violations: list[tuple[str, str, str]] = []
    # Parts (202 age × sex cells) against published wholes: exact before 2025, cell-key tolerance after.
    sums = single_age.groupby(["region_code", "year"], as_index=False).agg(
        population=("population", "sum"), n_cells=("population", "size"))
    for other, label, col in [
        (totals, "population_municipality_total", "population"),
        (kolada[(kolada["kpi"] == KOLADA_POPULATION) & (kolada["gender"] == "T")], "kolada n01951", "value"),
    ]:
        merged = sums.merge(other[["region_code", "year", col]], on=["region_code", "year"], how="inner",
                            suffixes=("", "_other"))
        other_col = f"{col}_other" if col == "population" else col
        if merged.empty:
            violations.append(("population_municipality_age_sex", f"no overlapping years with {label}", ""))
            continue
        tolerance = part_whole_tolerance(merged["year"].to_numpy(), merged["n_cells"].to_numpy())
        diff = (merged["population"] - merged[other_col]).abs().to_numpy() > tolerance
        if diff.any():
            violations.append((
                "population_municipality_age_sex",
                f"sum over age and sex disagrees with {label} for {int(diff.sum())} municipalities",
                _example(merged, diff),
            ))
    nation = sweden.groupby("year", as_index=False)["population"].sum()
    bad = part_whole_mismatch(sums[["region_code", "year", "population"]], nation, ["year"])
    for row in bad.itertuples():
        violations.append(("population_municipality_age_sex",
                           "municipalities do not sum to Sweden's total (beyond the cell-key tolerance)",
                           f"year={row.year}: municipalities {row.parts_sum} vs Sweden {row.whole}"))
    if violations:
        raise DataValidationError(violations)


def check_kolada_kpis(frames: dict[str, pd.DataFrame], pairs: Iterable[tuple[str, str]],
                      catalogued: Iterable[str] = ()) -> None:
    """Kolada values split over several files: every KPI id in exactly one file, and catalogued there.

    Parameters
    ----------
    frames : dict
        The validated tables by name.
    pairs : iterable of (values table, KPI catalogue table)
        E.g. :data:`~tillsammans.data.catalog.KOLADA_VALUE_TABLES`.
    catalogued : iterable of str
        The values tables whose every KPI must be in their catalogue (the extra file; the main file holds
        a few KPIs Kolada no longer lists).
    """
    violations: list[tuple[str, str, str]] = []
    pairs = list(pairs)
    catalogued = set(catalogued)
    owner: dict[str, str] = {}
    for values_name, kpis_name in pairs:
        values, kpis = frames[values_name], frames[kpis_name]
        ids = set(values["kpi"].astype(str))
        for kpi in sorted(ids):
            if kpi in owner:
                rule = f"KPI {kpi} is also in {owner[kpi]}; a KPI id must be in one Kolada file only"
                violations.append((values_name, rule, _example(values, values["kpi"] == kpi)))
            owner.setdefault(kpi, values_name)
        if values_name in catalogued:
            listed = set(kpis["kpi"].astype(str))
            missing = sorted(ids - listed)
            if missing:
                violations.append((values_name, f"KPI(s) {missing[:5]} not in the catalogue {kpis_name}",
                                   _example(values, values["kpi"].isin(missing))))
    catalogues = [frames[k] for _, k in pairs]
    for i, (_, kpis_name) in enumerate(pairs):
        for j in range(i):
            both = set(catalogues[i]["kpi"].astype(str)) & set(catalogues[j]["kpi"].astype(str))
            if both:
                violations.append((kpis_name, f"KPI(s) {sorted(both)[:5]} also in {pairs[j][1]}",
                                   _example(catalogues[i], catalogues[i]["kpi"].isin(both))))
    if violations:
        raise DataValidationError(violations)


#: SCB region codes by level: "00" Sweden, two digits a county, four digits a municipality.
REGION_CODE_LENGTH = {"country": 2, "county": 2, "municipality": 4}


def check_region_list(regions: pd.DataFrame, label: str) -> None:
    """The region list: known levels, codes of the right length, names, and each municipality in a listed county."""
    violations: list[tuple[str, str, str]] = []
    level = regions["level"].astype(str)
    bad_level = ~level.isin(list(REGION_CODE_LENGTH))
    if bad_level.any():
        violations.append((label, f"'level' must be one of {list(REGION_CODE_LENGTH)}", _example(regions, bad_level)))
    code = regions["region_code"].astype(str)
    length = level.map(REGION_CODE_LENGTH)
    malformed = ~bad_level & (~code.str.fullmatch(r"\d+") | (code.str.len() != length))
    if malformed.any():
        violations.append((label, "region codes must be digits: 2 for Sweden and counties, 4 for municipalities",
                           _example(regions, malformed)))
    nameless = regions["name"].isna() | (regions["name"].astype(str).str.strip() == "")
    if nameless.any():
        violations.append((label, "every region needs a name", _example(regions, nameless)))
    counties = set(code[level == "county"])
    municipal = level == "municipality"
    orphan = municipal & ~regions["county_code"].astype(str).isin(counties)
    if orphan.any():
        violations.append((label, "a municipality's county_code must be a county of the list",
                           _example(regions, orphan)))
    prefix = municipal & ~orphan & (code.str[:2] != regions["county_code"].astype(str))
    if prefix.any():
        violations.append((label, "a municipality's code starts with its county's code", _example(regions, prefix)))
    if violations:
        raise DataValidationError(violations)


#: Tables every municipality (or county) of the region list must have rows in, with the rows' key column.
MUNICIPAL_COVERAGE = ("population_municipality_age_sex", "population_municipality_total",
                      "population_municipality_total_recent")
COUNTY_COVERAGE = ("population_county_age_sex", "deaths_county_age_sex", "births_county_mother_age")


def check_region_coverage(frames: dict[str, pd.DataFrame]) -> None:
    """Every municipality and county of the region list has data in the tables the models read.

    A region list with an extra municipality (or a table that lost one) would otherwise pass here and fail
    in a model, far from the cause. The population tables must cover every municipality; Kolada's
    population (``n01951``) must exist for it; the county tables every county.
    """
    from tillsammans.data.catalog import KOLADA_POPULATION, TABLES

    regions = frames["regions"]
    violations: list[tuple[str, str, str]] = []
    by_level = {lvl: set(regions.loc[regions["level"] == lvl, "region_code"].astype(str))
                for lvl in ("municipality", "county")}
    names = dict(zip(regions["region_code"].astype(str), regions["name"].astype(str), strict=True))

    def missing_in(table: str, level: str, present: set[str], what: str) -> None:
        lacking = sorted(by_level[level] - present)
        if lacking:
            listed = ", ".join(f"{c} {names.get(c, '')}".strip() for c in lacking[:5])
            violations.append((
                TABLES["regions"].raw,
                f"{len(lacking)} {level}(s) of the region list have no {what} in {TABLES[table].raw}: {listed}"
                + ("…" if len(lacking) > 5 else "") + "; remove them from the list or add their data",
                f"row region_code={lacking[0]!r}"))

    for table in MUNICIPAL_COVERAGE:
        missing_in(table, "municipality", set(frames[table]["region_code"].astype(str)), "rows")
    kolada = frames["kolada_values"]
    population = kolada.loc[(kolada["kpi"] == KOLADA_POPULATION) & (kolada["gender"] == "T"), "region_code"]
    missing_in("kolada_values", "municipality", set(population.astype(str)), f"population ({KOLADA_POPULATION})")
    for table in COUNTY_COVERAGE:
        missing_in(table, "county", set(frames[table]["region_code"].astype(str)), "rows")
    if violations:
        raise DataValidationError(violations)
