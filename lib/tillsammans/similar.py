"""Structurally similar municipalities, in the spirit of Kolada's *liknande kommuner*.

A municipality is compared not only with the other members of its network but with the municipalities that
resemble it most in the structure that drives welfare demand and staff supply: size, density, growth, age
structure, employment, commuting and tax base. Each feature is standardised over all 290 municipalities
(z-score, so every feature weighs the same) and the similarity is the Euclidean distance between the
standardised profiles. Kolada's own groups of similar municipalities use comparable structural factors but a
different, per-service selection; ours is one general-purpose set, computed from the data in ``data/processed``.

Sits right after :mod:`tillsammans.data` in the data flow (reads Kolada, imports nothing to its right).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from tillsammans import paths
from tillsammans.data import kolada_wide
from tillsammans.municipalities import registry


@dataclass(frozen=True)
class Feature:
    """One structural feature: its Swedish label, unit and the Kolada KPIs it is computed from."""

    label: str
    unit: str
    kpis: tuple[str, ...]


#: The structural features, in display order. ``log`` features are compared on a log scale.
FEATURES: dict[str, Feature] = {
    "population": Feature("Invånare", "antal", ("n01951",)),
    "density": Feature("Invånare per km² land", "antal", ("n01951", "n02993")),
    "growth_10y": Feature("Befolkningsförändring senaste 10 åren", "%", ("n01951",)),
    "share_0_19": Feature("Andel 0–19 år", "%", ("n01952", "n01953", "n01954", "n01951")),
    "share_65_79": Feature("Andel 65–79 år", "%", ("n01956", "n01951")),
    "share_80": Feature("Andel 80 år och äldre", "%", ("n01957", "n01951")),
    "employment_rate": Feature("Förvärvsarbetande 20–64 år", "%", ("n00914",)),
    "out_commuting": Feature("Utpendling", "%", ("n02279",)),
    "tax_base": Feature("Skattekraft", "kr per invånare", ("n00903",)),
}
#: Features compared on a log scale (size and density span several orders of magnitude).
LOG_FEATURES = ("population", "density")
#: The source line for tables built from these features.
SOURCE = "Kolada (" + ", ".join(sorted({k for f in FEATURES.values() for k in f.kpis})) + "), egna beräkningar"


def structural_features(processed_dir: Path | None = None) -> pd.DataFrame:
    """The structural features of all municipalities at the latest year each KPI has.

    Returns
    -------
    DataFrame
        Index ``region_code`` (the 290 municipalities), one column per key of :data:`FEATURES`, in the units
        of :data:`FEATURES` (shares and growth in percent). ``frame.attrs["years"]`` maps each feature to the
        year it was read for.

    Raises
    ------
    ValueError
        When a feature is missing for some municipality (the data are incomplete: rebuild with ``make data``).
    """
    folder = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    manifest = folder / "manifest.json"
    if not manifest.exists():  # not a built data folder (e.g. a test's): nothing identifies its version
        return _structural_features(folder)
    return _kept_features(str(folder.resolve()), manifest.stat().st_mtime_ns).copy()


@lru_cache(maxsize=4)
def _kept_features(folder: str, _manifest_version: int) -> pd.DataFrame:
    """:func:`structural_features` kept per data build (every report of a build compares with the same 290)."""
    return _structural_features(Path(folder))


def _structural_features(processed_dir: Path) -> pd.DataFrame:
    kpis = sorted({k for f in FEATURES.values() for k in f.kpis})
    codes = registry().municipalities()
    wide = kolada_wide(kpis, regions=codes, processed_dir=processed_dir)
    complete = wide.groupby(level="year").count()
    # The latest year in which every municipality has the KPI (a partly published year is skipped).
    found = {k: int(complete.index[complete[k] == len(codes)].max()) if (complete[k] == len(codes)).any()
             else None for k in kpis}
    missing = [k for k, y in found.items() if y is None]
    if missing:
        raise ValueError(f"Kolada KPI(s) {', '.join(missing)} lack a year with all {len(codes)} municipalities; "
                         "rebuild data/processed with `make data`")
    latest = {k: y for k, y in found.items() if y is not None}

    def at(kpi: str, shift: int = 0) -> pd.Series:
        return wide.xs(latest[kpi] - shift, level="year")[kpi].reindex(codes)

    pop = at("n01951")
    out = pd.DataFrame(index=pd.Index(codes, name="region_code"))
    out["population"] = pop
    out["density"] = at("n01951") / at("n02993")
    out["growth_10y"] = 100 * (pop / at("n01951", 10) - 1)
    out["share_0_19"] = 100 * (at("n01952") + at("n01953") + at("n01954")) / pop
    out["share_65_79"] = 100 * at("n01956") / pop
    out["share_80"] = 100 * at("n01957") / pop
    out["employment_rate"] = at("n00914")
    out["out_commuting"] = at("n02279")
    out["tax_base"] = at("n00903")
    out.attrs["years"] = {name: max(latest[k] for k in f.kpis) for name, f in FEATURES.items()}
    if out.isna().any().any():
        bad = out[out.isna().any(axis=1)].index[0]
        raise ValueError(f"structural features incomplete for {bad}: {out.loc[bad].to_dict()}")
    return out


def standardised(features: pd.DataFrame) -> pd.DataFrame:
    """Z-scores over all municipalities (log scale for :data:`LOG_FEATURES`)."""
    z = features.copy()
    for name in LOG_FEATURES:
        if name in z:
            z[name] = np.log(z[name])
    return (z - z.mean()) / z.std(ddof=0)


def similar_municipalities(
    municipality: str,
    n: int = 5,
    features: pd.DataFrame | None = None,
    processed_dir: Path | None = None,
) -> pd.DataFrame:
    """The ``n`` municipalities most similar to ``municipality`` in structure.

    Parameters
    ----------
    municipality : str
        SCB code or name of a municipality.
    n : int
        How many neighbours, 1–289.
    features : DataFrame, optional
        :func:`structural_features` already read (faster for many municipalities).

    Returns
    -------
    DataFrame
        ``rank, region_code, name, distance`` and the feature columns, the municipality itself first
        (rank 0, distance 0), then its neighbours by increasing distance (distance in standard deviations).
    """
    reg = registry()
    code = reg.resolve(municipality, level="municipality")
    features = structural_features(processed_dir) if features is None else features
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or not 1 <= n < len(features):
        raise ValueError(f"n={n!r} must be an integer in 1–{len(features) - 1}")
    z = standardised(features)
    distance = np.sqrt(((z - z.loc[code]) ** 2).sum(axis=1))
    order = distance.drop(code).nsmallest(int(n)).index
    chosen = [code, *order]
    out = features.loc[chosen].copy()
    out.insert(0, "distance", distance.loc[chosen])
    out.insert(0, "name", [reg.name(c) for c in chosen])
    out.insert(0, "rank", range(len(chosen)))
    out.attrs["years"] = features.attrs.get("years", {})
    return out.reset_index()
