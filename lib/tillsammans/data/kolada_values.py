"""Convenient reads of the processed Kolada values (one KPI set, some regions, tidy or wide)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from tillsammans.data.build import load_table
from tillsammans.data.catalog import KOLADA_VALUE_TABLES


def kolada(
    kpis: Sequence[str],
    regions: Sequence[str] | None = None,
    gender: str = "T",
    processed_dir: Path | None = None,
) -> pd.DataFrame:
    """Kolada values, tidy: ``kpi, region_code, year, value``.

    Reads every Kolada values table of the build (:data:`~tillsammans.data.catalog.KOLADA_VALUE_TABLES`:
    ``values.csv.gz`` and ``values_extra.csv.gz``), so any KPI is found the same way.

    Parameters
    ----------
    kpis : list of str
        Kolada KPI ids, e.g. ``["n01951"]``.
    regions : list of str, optional
        SCB region codes; all regions when omitted.
    gender : {"T", "K", "M"}
        Total, women (kvinnor) or men (män).
    """
    if gender not in ("T", "K", "M"):
        raise ValueError(f"gender must be 'T', 'K' or 'M', got {gender!r}")
    filters = [("kpi", "in", list(kpis)), ("gender", "==", gender)]
    if regions is not None:
        filters.append(("region_code", "in", list(regions)))
    # KPI ids are unique across the files (checked at build), so the parts never overlap
    parts = [load_table(values, processed_dir, filters=filters) for values, _ in KOLADA_VALUE_TABLES]
    frame = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)
    return frame.drop(columns="gender").sort_values(["kpi", "region_code", "year"]).reset_index(drop=True)


def kolada_wide(
    kpis: Sequence[str],
    regions: Sequence[str] | None = None,
    gender: str = "T",
    processed_dir: Path | None = None,
) -> pd.DataFrame:
    """Kolada values with one column per KPI, indexed by ``region_code, year``."""
    tidy = kolada(kpis, regions, gender, processed_dir)
    return tidy.pivot_table(index=["region_code", "year"], columns="kpi", values="value").reindex(
        columns=list(kpis)
    )
