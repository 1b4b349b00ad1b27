"""Figures of the cooperation analysis (network map, vulnerability, elasticities, residuals, ranking heatmap).

Each function draws on axes it is given and returns nothing, so a notebook applies the house style,
calls one of these and adds the caption. Numbers drawn as text use Swedish formats.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from tillsammans.plots import fmt_number, swedish_axis


def _polygons(geom):
    return list(geom.geoms) if hasattr(geom, "geoms") else [geom]


def draw_network_map(
    ax,
    geoms: pd.DataFrame,
    centres: pd.DataFrame,
    colours: Sequence[str],
    host: str | None = None,
    distances: pd.DataFrame | None = None,
    context: pd.DataFrame | None = None,
) -> None:
    """The network's municipalities (filled), their centres, and lines to the most central member.

    Parameters
    ----------
    geoms : DataFrame
        ``region_code, name, geometry`` (shapely) for the members.
    centres : DataFrame
        ``region_code, name, lon, lat``.
    colours : list of str
        One colour per member, in order.
    host : str, optional
        Code of the most central member; lines with straight-line km are drawn to it.
    distances : DataFrame, optional
        Straight-line km (for the line labels).
    context : DataFrame, optional
        Other boundaries (e.g. the rest of the county) drawn in light grey.
    """
    if context is not None:
        for geom in context["geometry"]:
            for poly in _polygons(geom):
                ax.fill(*poly.exterior.xy, facecolor="#EEEEEE", edgecolor="white", linewidth=0.6)
    for geom, colour in zip(geoms["geometry"], colours, strict=False):
        for poly in _polygons(geom):
            ax.fill(*poly.exterior.xy, facecolor=colour, alpha=0.55, edgecolor="white", linewidth=0.8)
    pos = centres.set_index("region_code")
    if host is not None:
        hx, hy = pos.at[host, "lon"], pos.at[host, "lat"]
        for code, row in pos.iterrows():
            if code == host:
                continue
            ax.plot([hx, row["lon"]], [hy, row["lat"]], color="#333333", linewidth=0.8, linestyle="--")
            if distances is not None:
                ax.text((hx + row["lon"]) / 2, (hy + row["lat"]) / 2,
                        f"{fmt_number(distances.at[host, code])} km", fontsize=8, ha="center", va="center",
                        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
                              "alpha": 0.8})
    ax.scatter(pos["lon"], pos["lat"], s=18, color="black", zorder=3)
    for code, row in pos.iterrows():
        ax.annotate(row["name"], (row["lon"], row["lat"]), xytext=(4, 4), textcoords="offset points",
                    fontsize=9, fontweight="bold" if code == host else "normal")
    lat0 = float(pos["lat"].mean())
    ax.set_aspect(1 / np.cos(np.radians(lat0)))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)


def draw_vulnerability(ax, vulnerability_fn: pd.DataFrame, labels: Mapping[str, str],
                       colours: Sequence[str]) -> None:
    """Horizontal bars per function: risk that some member is short — each alone, today, pooled."""
    frame = vulnerability_fn.set_index("function").sort_values("risk_standalone")
    y = np.arange(len(frame))
    series = [("risk_standalone", "Var och en för sig"), ("risk_today", "Med dagens samverkan"),
              ("risk_pooled", "Gemensam personal i nätverket")]
    height = 0.27
    for i, ((col, label), colour) in enumerate(zip(series, colours, strict=False)):
        ax.barh(y + (1 - i) * height, frame[col], height=height, color=colour, label=label)
    ax.set_yticks(y)
    ax.set_yticklabels([labels.get(f, f) for f in frame.index])
    ax.set_xlim(0, 1)
    ax.set_xlabel("Sannolikhet att minst en kommun har för få på plats en given arbetsdag")
    ax.legend(loc="lower right")


def draw_elasticities(ax, elasticities: pd.DataFrame, colour: str, highlight: str) -> None:
    """Forest plot: each KPI's population elasticity with its 95 % interval (HC3); zero line dashed."""
    frame = elasticities.sort_values("elasticity").reset_index(drop=True)
    y = np.arange(len(frame))
    signif = (frame["ci_high"] < 0) | (frame["ci_low"] > 0)
    for i, row in frame.iterrows():
        c = highlight if signif[i] else colour
        ax.plot([row["ci_low"], row["ci_high"]], [i, i], color=c, linewidth=2)
        ax.plot(row["elasticity"], i, "o", color=c)
    ax.axvline(0, color="#333333", linestyle="--", linewidth=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels([f"{n} ({u})" for n, u in zip(frame["label"], frame["unit"], strict=True)])
    ax.set_xlabel("Elasticitet: procent förändring i kostnad per enhet när invånarantalet ökar 1 %")


def draw_residuals(axes, fits: Mapping, kpis: Sequence[str], labels: Mapping[str, str], colour: str) -> None:
    """Residuals against fitted values, one panel per KPI (a diagnostic for form and outliers)."""
    for ax, kpi in zip(np.atleast_1d(axes), kpis, strict=False):
        res = fits[kpi].result
        ax.scatter(res.fittedvalues, res.resid, s=8, alpha=0.6, color=colour)
        ax.axhline(0, color="#333333", linewidth=0.8)
        ax.set_title(textwrap.fill(labels.get(kpi, kpi), 28), fontsize=9)
        ax.set_xlabel("Anpassat värde, log(kr)")
    np.atleast_1d(axes)[0].set_ylabel("Residual, log")


def draw_heatmap(ax, ranked: pd.DataFrame, labels: Mapping[str, str], criteria: Mapping[str, str]) -> None:
    """Functions (rows, best first) × criteria (columns) coloured by score 0–1, with the weighted total.

    Drawn with :func:`seaborn.heatmap`; the cell labels are Swedish numbers from
    :mod:`tillsammans.formatting`.
    """
    import seaborn as sns

    cols = list(criteria)
    values = ranked[[*cols, "total"]].astype(float)
    ranks = zip(ranked.index, ranked["rank"], strict=True)
    values.index = [f"{int(r)}. {labels.get(f, f)}" for f, r in ranks]
    values.columns = [*(criteria[c] for c in cols), "Sammanvägt"]
    annotations = values.map(lambda v: fmt_number(v, 2))
    sns.heatmap(values, ax=ax, cmap="Blues", vmin=0, vmax=1, annot=annotations, fmt="",
                annot_kws={"fontsize": 8}, cbar_kws={"fraction": 0.03, "pad": 0.02, "label": "Poäng (0–1)"})
    swedish_axis(ax.collections[0].colorbar.ax, "y", decimals=1)
    ax.set_xticklabels(ax.get_xticklabels(), rotation=30, ha="right")
    ax.set_ylabel("")
    ax.tick_params(left=False, bottom=False)
    ax.grid(False)
