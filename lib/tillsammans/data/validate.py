"""Validation of the study's tables.

Every rule names the file, the rule and an example row, so an analyst can find the fault in the raw file.
All violations in a table are collected before raising, so one build shows every problem at once.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from tillsammans.data.catalog import KOLADA_POPULATION, Table


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
            where = dict(zip(table.grid_by, np.atleast_1d(short.index[0])))
            violations.append((
                label,
                (f"incomplete {'/'.join(table.grid)} grid: {len(short)} group(s) of {list(table.grid_by)} "
                 f"have {short.iloc[0]} cells instead of {expected}"),
                f"group {where}",
            ))
    if violations:
        raise DataValidationError(violations)


def check_population_totals(
    single_age: pd.DataFrame, totals: pd.DataFrame, kolada: pd.DataFrame, sweden: pd.DataFrame
) -> None:
    """Totals must agree between sources: SCB single-age sums = SCB totals = Kolada ``n01951``.

    Also the municipalities sum to Sweden's total for the same year.
    """
    violations: list[tuple[str, str, str]] = []
    sums = single_age.groupby(["region_code", "year"], as_index=False)["population"].sum()
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
        diff = merged["population"] != merged[other_col]
        if diff.any():
            violations.append((
                "population_municipality_age_sex",
                f"sum over age and sex disagrees with {label} for {int(diff.sum())} municipalities",
                _example(merged, diff),
            ))
    nation = sweden.groupby("year")["population"].sum()
    by_year = sums.groupby("year")["population"].sum()
    for year, total in by_year.items():
        if year in nation.index and nation[year] != total:
            violations.append(("population_municipality_age_sex",
                               "municipalities do not sum to Sweden's total",
                               f"year={year}: municipalities {total} vs Sweden {nation[year]}"))
    if violations:
        raise DataValidationError(violations)
