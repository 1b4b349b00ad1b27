"""Economies of scale: how cost per inhabitant (or per user) varies with municipal size across Sweden.

For each cost KPI a cross-section of the 290 municipalities is fitted by OLS with heteroskedasticity-robust
(HC3) standard errors (statsmodels):

``log(cost) = α + ε · log(population) + γ · log(density) + δ · age shares + u``

where density is inhabitants per km² of land (Kolada ``n02993``) and the age shares are 0–19, 65–79 and 80+
(Kolada ``n01952``–``n01957`` over ``n01951``). ε is the elasticity of cost per unit with respect to
population at a given density and age structure: −0.05 means that a municipality 10 % larger has about
0.5 % lower cost per unit. Values are averaged over several years to damp one-off swings.

A cross-sectional elasticity is a description, not a causal effect of cooperation: cooperating in one
function does not make a municipality larger in every respect, and the difference-in-differences evidence
from Denmark's 2007 amalgamations found savings in administration offset elsewhere (Blom-Hansen, Houlberg,
Serritzlew & Treisman 2016, *APSR* 110(4)). The translation to the network in
:func:`network_cost_effect` is therefore an upper-bound style "what size alone would predict".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tillsammans.cooperation.assumptions import DEFAULTS

#: Cost KPIs used by default: id → (Swedish label, unit, the unit's population base for the effect).
COST_KPIS: dict[str, tuple[str, str]] = {
    "n03067": ("Nettokostnad kommunens verksamhet totalt", "kr/inv"),
    "n05002": ("Nettokostnad politisk verksamhet", "kr/inv"),
    "n20007": ("Kostnad äldreomsorg", "kr/inv 65+"),
    "n28016": ("Nettokostnad LSS och SFB", "kr/inv"),
    "n30005": ("Nettokostnad individ- och familjeomsorg", "kr/inv"),
    "n11008": ("Kostnad förskola", "kr/inskrivet barn"),
    "n15008": ("Kostnad kommunal grundskola åk 1–9", "kr/elev"),
    "n07037": ("Nettokostnad infrastruktur, skydd m.m.", "kr/inv"),
    "n09022": ("Nettokostnad kulturverksamhet", "kr/inv"),
    "n09018": ("Nettokostnad fritidsverksamhet", "kr/inv"),
    "u37009": ("Kostnad för överförmyndare/-nämnd", "kr/ställföreträdarskap"),
}

POPULATION_KPI = "n01951"
AREA_KPI = "n02993"
AGE_KPIS = {"share_0_19": ("n01952", "n01953", "n01954"), "share_65_79": ("n01956",), "share_80": ("n01957",)}
CONTROLS = ("log_density", "share_0_19", "share_65_79", "share_80")


def cost_panel(
    kpis: Sequence[str] | None = None,
    years: Sequence[int] = DEFAULTS.cost_years,
    municipalities: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per municipality: each cost KPI, population, density and age shares, averaged over ``years``.

    Returns
    -------
    DataFrame
        Index ``region_code``; columns the KPI ids, ``population``, ``land_km2``, ``density`` (inh./km²),
        ``log_population``, ``log_density``, ``share_0_19``, ``share_65_79``, ``share_80``.
    """
    from tillsammans import data
    from tillsammans.municipalities import registry

    kpis = list(kpis or COST_KPIS)
    if not years:
        raise ValueError("years must name at least one year")
    codes = list(municipalities) if municipalities is not None else registry().municipalities()
    ages = [k for group in AGE_KPIS.values() for k in group]
    wanted = [*kpis, POPULATION_KPI, AREA_KPI, *ages]
    tidy = data.kolada(wanted, regions=codes)
    tidy = tidy[tidy["year"].isin(list(years))]
    shares = tidy[tidy["kpi"].isin([POPULATION_KPI, *ages])].pivot_table(
        index=["region_code", "year"], columns="kpi", values="value")
    out = tidy.groupby(["region_code", "kpi"])["value"].mean().unstack("kpi").reindex(columns=wanted)
    out.index.name = "region_code"
    out = out.rename(columns={POPULATION_KPI: "population", AREA_KPI: "land_km2"})
    out["density"] = out["population"] / out["land_km2"]
    out["log_population"] = np.log(out["population"])
    out["log_density"] = np.log(out["density"])
    for name, group in AGE_KPIS.items():
        share = shares[list(group)].sum(axis=1) / shares[POPULATION_KPI]
        out[name] = share.groupby(level="region_code").mean()
    return out.drop(columns=ages)


@dataclass
class ScaleFit:
    """One KPI's fitted model (statsmodels results with HC3 covariance) and its sample."""

    kpi: str
    result: Any  # statsmodels RegressionResults (HC3); statsmodels has no type information
    sample: pd.DataFrame


def fit_scale_models(
    panel: pd.DataFrame,
    kpis: Sequence[str] | None = None,
    controls: Sequence[str] = CONTROLS,
    min_obs: int = 100,
) -> dict[str, ScaleFit]:
    """Fit ``log(cost) ~ log(population) + controls`` by OLS with HC3 errors for each KPI.

    Municipalities without a positive value for the KPI are left out of that KPI's model (a KPI with fewer
    than ``min_obs`` observations is skipped, e.g. a cost only reported by some).
    """
    import statsmodels.api as sm

    kpis = [k for k in (kpis or COST_KPIS) if k in panel.columns]
    unknown = [c for c in controls if c not in panel.columns]
    if unknown:
        raise ValueError(f"unknown control(s) {unknown}; available: {', '.join(CONTROLS)}")
    fits: dict[str, ScaleFit] = {}
    for kpi in kpis:
        sample = panel[[kpi, "log_population", *controls]].dropna()
        sample = sample[sample[kpi] > 0]
        if len(sample) < min_obs:
            continue
        y = np.log(sample[kpi])
        x = sm.add_constant(sample[["log_population", *controls]])
        fits[kpi] = ScaleFit(kpi, sm.OLS(y, x).fit(cov_type="HC3"), sample)
    return fits


def elasticity_table(fits: dict[str, ScaleFit], alpha: float = 0.05) -> pd.DataFrame:
    """The population elasticity of each KPI with its HC3 standard error and confidence interval.

    Returns
    -------
    DataFrame
        ``kpi, label, unit, elasticity, se_hc3, ci_low, ci_high, p_value, n, r2``.
    """
    rows = []
    for kpi, fit in fits.items():
        res = fit.result
        low, high = res.conf_int(alpha=alpha).loc["log_population"]
        name, unit = COST_KPIS.get(kpi, (kpi, ""))
        rows.append({"kpi": kpi, "label": name, "unit": unit,
                     "elasticity": float(res.params["log_population"]),
                     "se_hc3": float(res.bse["log_population"]), "ci_low": float(low), "ci_high": float(high),
                     "p_value": float(res.pvalues["log_population"]), "n": int(res.nobs),
                     "r2": float(res.rsquared)})
    return pd.DataFrame(rows)


def diagnostics_table(fits: dict[str, ScaleFit]) -> pd.DataFrame:
    """Model checks per KPI.

    ``bp_p`` Breusch–Pagan test of constant variance (small p: heteroskedastic, hence HC3);
    ``jb_p`` Jarque–Bera test of normal residuals; ``reset_p`` Ramsey's RESET (small p: the log-linear
    form misses curvature); ``vif_log_population`` variance inflation of log population given the controls;
    ``max_cook`` the largest Cook's distance (a single municipality driving the fit); ``cond_no``.
    """
    from statsmodels.stats.diagnostic import het_breuschpagan, linear_reset
    from statsmodels.stats.outliers_influence import variance_inflation_factor
    from statsmodels.stats.stattools import jarque_bera

    rows = []
    for kpi, fit in fits.items():
        res = fit.result
        exog = res.model.exog
        names = list(res.model.exog_names)
        bp = het_breuschpagan(res.resid, exog)[1]
        jb = jarque_bera(res.resid)[1]
        try:
            reset = float(linear_reset(res, power=2, use_f=True).pvalue)
        except Exception:  # noqa: BLE001 - RESET can fail on singular designs; report as missing
            reset = np.nan
        vif = variance_inflation_factor(exog, names.index("log_population"))
        cooks = res.get_influence().cooks_distance[0]
        rows.append({"kpi": kpi, "r2_adj": float(res.rsquared_adj), "bp_p": float(bp), "jb_p": float(jb),
                     "reset_p": reset, "vif_log_population": float(vif), "max_cook": float(np.max(cooks)),
                     "region_max_cook": str(fit.sample.index[int(np.argmax(cooks))]),
                     "cond_no": float(res.condition_number)})
    return pd.DataFrame(rows)


def network_cost_effect(
    fits: dict[str, ScaleFit],
    panel: pd.DataFrame,
    municipalities: Sequence[str],
    alpha: float = 0.05,
) -> pd.DataFrame:
    """What the elasticity predicts if each function served the network's combined population.

    For municipality *i* the cost per unit changes by the factor ``(P_network / P_i)^ε`` at unchanged
    density and age structure. The network effect is the cost-weighted mean of ``factor − 1`` (weights:
    cost per unit × inhabitants, a proxy for the KPI's total cost), and for KPIs in kr per inhabitant also in
    kronor per year. Because ``P_network / P_i > 1`` for every member, the effect is monotone in ε, so the
    interval follows from the interval of ε.

    Returns
    -------
    DataFrame
        ``kpi, label, elasticity, effect, effect_low, effect_high`` (shares; negative = lower cost),
        ``sek_per_year, sek_per_year_low, sek_per_year_high`` (NaN when the unit is not per inhabitant) and
        ``significant`` (interval excludes 0).
    """
    codes = list(municipalities)
    missing = [c for c in codes if c not in panel.index]
    if missing:
        raise ValueError(f"municipalities {missing} not in the cost panel")
    table = elasticity_table(fits, alpha=alpha).set_index("kpi")
    total = float(panel.loc[codes, "population"].sum())
    rows = []
    for kpi in table.index:
        sub = panel.loc[codes, [kpi, "population"]].dropna()
        if sub.empty:
            continue
        weight = sub[kpi] * sub["population"]
        ratio = np.log(total / sub["population"])

        def effect(eps: float, weight=weight, ratio=ratio) -> tuple[float, float]:
            change = np.exp(eps * ratio) - 1
            return float((weight * change).sum() / weight.sum()), float((weight * change).sum())

        est, lo, hi = (effect(table.at[kpi, c]) for c in ("elasticity", "ci_low", "ci_high"))
        per_inh = COST_KPIS.get(kpi, ("", ""))[1] == "kr/inv"
        rows.append({
            "kpi": kpi, "label": table.at[kpi, "label"], "elasticity": table.at[kpi, "elasticity"],
            "effect": est[0], "effect_low": lo[0], "effect_high": hi[0],
            "sek_per_year": est[1] if per_inh else np.nan, "sek_per_year_low": lo[1] if per_inh else np.nan,
            "sek_per_year_high": hi[1] if per_inh else np.nan,
            "significant": bool(table.at[kpi, "ci_high"] < 0 or table.at[kpi, "ci_low"] > 0),
        })
    return pd.DataFrame(rows)
