"""The housing-led scenario: migration tied to the dwellings completed, estimated across all 290 municipalities.

The parameters
--------------
A panel of the 290 municipalities, 1998–2022 (Kolada: in-migrants n01801, out-migrants n01802, inhabitants
n01951, completed dwellings in new buildings n07917 × n01951 ÷ 1 000), every flow per 1 000 inhabitants at
the start of the year. With municipality and year fixed effects (each municipality's own level and the
national swings of each year removed), OLS (statsmodels, on the within-transformed panel, standard errors
clustered by municipality) gives

* ``in_per_dwelling`` — in-migrants per completed dwelling: the persons who move into the municipality
  because a new dwelling was completed that year (beyond its usual in-migration);
* ``out_per_dwelling`` — out-migrants per completed dwelling: negative when building keeps residents who
  would otherwise have moved away; positive when the new dwellings' movers merely *replace* out-movers;
* ``net_per_dwelling`` — the net effect (its own regression; equal to the difference of the two);
* ``replacement`` — in-migrants per out-migrant (the in-migration regression with the out-migrants as a
  second regressor): how much of the vacated housing is refilled from outside the municipality in the same
  year, reported for interpretation (the projection's out-migrants are a rate on the population);
* the **age profile of movers into new housing** — the same regression for the residual in-migrants of each
  sex and Kolada age group (:mod:`~tillsammans.population.migration`; 20–44 and 45–64 from 2009), whose
  coefficients' shares, spread over single ages on the national migration schedule
  (:func:`~tillsammans.population.migration.smooth_profile`), are the profile.

Which data chose what (:func:`housing_validation`): the regressors — completions of the same year only,
also those of the year before, or small houses and blocks of flats separately — were chosen on the one-year
net migration of 2008–2012 with parameters from 1998–2007 (same year only: the others were no better),
and then evaluated on 2013–2022 with parameters from 1998–2012. The reports' parameters use 1998–2022; a
backtest's use only the years up to its jump-off.

The projection
--------------
The main projection's migration levels are the means of the migration window's level years (2018–2022); so
are its dwellings, implicitly. The housing scenario adds what building more or fewer dwellings than then
changes: in year t, with D(t) the dwellings of the path (:mod:`~tillsammans.population.dwellings`) and D̄ the
mean completions of the level years,

    in-migrants(t) = standard(t) + in_per_dwelling · (D(t) − D̄) · housing profile
    out-rates(t)   = standard rates · (1 + out_per_dwelling · (D(t) − D̄) ÷ standard out-migrants)

Everything else — SCB's international migration, the reconciliation's persons — is the main projection's.
**Not reconciled**: a housing-led path is a local plan, a claim about this municipality; the main
projection's reconciliation persons are kept (so the scenario differs from the main one by the housing
alone), but the housing effect itself is not taken back from the other municipalities. If all 290 built
at their default path, their sum would leave SCB's national projection by the sum of their effects
(``docs/population.md`` reports it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from tillsammans.cache import storable
from tillsammans.population import migration, schedules
from tillsammans.population.agegroups import MIGRATION_AGE_GROUPS
from tillsammans.population.assumptions import Assumptions
from tillsammans.population.dwellings import COMPLETIONS_KPI, DwellingPath, dwelling_path
from tillsammans.population.inputs import PopulationInputs

if TYPE_CHECKING:
    from statsmodels.regression.linear_model import RegressionResultsWrapper

    from tillsammans.population.levels import RegionModel

#: First year of Kolada's gross flows and of the estimation panel.
FIRST_YEAR = 1998

#: Regressor sets tried (:func:`housing_validation`); the projection uses :data:`CHOSEN`.
VARIANTS: dict[str, tuple[str, ...]] = {
    "same_year": ("dwellings",),
    "same_and_previous_year": ("dwellings", "dwellings_previous"),
    "by_type": ("small_houses", "flats"),
}
CHOSEN = "same_year"

#: Periods of the choice and of the evaluation: (estimation years, evaluated years).
CHOICE_PERIOD = ((1998, 2007), (2008, 2012))
EVALUATION_PERIOD = ((1998, 2012), (2013, 2022))

#: Swedish names of the parameters (tables).
PARAMETER_LABELS = {
    "in_per_dwelling": "Inflyttade per färdigställd bostad",
    "out_per_dwelling": "Utflyttade per färdigställd bostad",
    "net_per_dwelling": "Nettoinflyttning per färdigställd bostad",
    "replacement": "Inflyttade per utflyttad (återfyllnad av lediga bostäder)",
    "in_per_dwelling_given_out": "Inflyttade per färdigställd bostad, givet utflyttningen",
}

#: The Kolada age groups of the profile, with 20–64 as one group when the split is not used.
_COARSE = ("0–5", "6–15", "16–19", "20–64", "65–79", "80+")


@storable
@dataclass(frozen=True)
class HousingEffect:
    """Migration per completed dwelling, estimated across the municipalities (see the module docstring).

    Attributes
    ----------
    parameters : DataFrame
        ``parameter, estimate, se, lower95, upper95, n`` — persons per dwelling (``replacement``: persons per
        out-migrant), fixed-effects OLS, standard errors clustered by municipality.
    groups : DataFrame
        ``sex, age_group, in_per_dwelling, se, share, share_all_movers`` — the in-migrants per dwelling by sex
        and age group, their share of all in-migrants per dwelling (the profile's group shares) and the
        national schedule's share of all in-migrants in the group, for comparison.
    profile : array (2, 101)
        Age/sex distribution (sums to 1) of the in-migrants that new dwellings bring.
    years : (int, int)
        First and last year of the panel.
    n_municipalities : int
    """

    parameters: pd.DataFrame
    groups: pd.DataFrame
    profile: np.ndarray
    years: tuple[int, int]
    n_municipalities: int
    as_of: int | None = None

    @property
    def in_per_dwelling(self) -> float:
        return self.value("in_per_dwelling")

    @property
    def out_per_dwelling(self) -> float:
        return self.value("out_per_dwelling")

    def value(self, name: str) -> float:
        """The estimate of a parameter (:data:`PARAMETER_LABELS`)."""
        values = self.__dict__.get("_values")
        if values is None:
            values = dict(zip(self.parameters["parameter"], self.parameters["estimate"].astype(float), strict=True))
            object.__setattr__(self, "_values", values)
        return values[name]


def panel(inputs: PopulationInputs, as_of: int | None = None) -> pd.DataFrame:
    """The municipality × year panel of flows and completions, per 1 000 inhabitants at the start of the year.

    Returns
    -------
    DataFrame
        ``region_code, year, population_start`` and, per 1 000 inhabitants on 31 December of the year
        before: ``in_migrants, out_migrants, net_migration, dwellings, dwellings_previous, small_houses,
        flats`` (completed dwellings in new buildings; small houses n07905, blocks of flats n07906) and the
        counts ``in_count, out_count, dwellings_count``. Years 1998 to ``as_of`` (all data: 2022).
    """
    def compute() -> pd.DataFrame:
        codes = [c for c in inputs.registry.municipalities() if c in inputs.kolada_codes]
        rows = [inputs.kolada_codes[c] for c in codes]
        years = inputs.kolada_years.astype(int)
        v = {k: inputs.kolada_values[k][rows] for k in ("n01801", "n01802", "n01951", COMPLETIONS_KPI,
                                                        "n07905", "n07906")}
        pop = v["n01951"]
        start = np.full_like(pop, np.nan)
        start[:, 1:] = pop[:, :-1]
        count = {k: v[k] * pop / 1000 for k in (COMPLETIONS_KPI, "n07905", "n07906")}
        previous = np.full_like(pop, np.nan)
        previous[:, 1:] = count[COMPLETIONS_KPI][:, :-1]
        per = 1000 / start
        frame = pd.DataFrame({
            "region_code": np.repeat(codes, len(years)), "year": np.tile(years, len(codes)),
            "population_start": start.ravel(),
            "in_migrants": (v["n01801"] * per).ravel(), "out_migrants": (v["n01802"] * per).ravel(),
            "dwellings": (count[COMPLETIONS_KPI] * per).ravel(), "dwellings_previous": (previous * per).ravel(),
            "small_houses": (count["n07905"] * per).ravel(), "flats": (count["n07906"] * per).ravel(),
            "in_count": v["n01801"].ravel(), "out_count": v["n01802"].ravel(),
            "dwellings_count": count[COMPLETIONS_KPI].ravel(),
        })
        frame["net_migration"] = frame["in_migrants"] - frame["out_migrants"]
        frame = frame[frame["year"] >= FIRST_YEAR].dropna().reset_index(drop=True)
        return frame
    full = inputs.memo(("housing_panel",), compute)
    return full if as_of is None else full[full["year"] <= as_of].reset_index(drop=True)


def within(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The columns with municipality and year fixed effects removed (two-way within transformation).

    Exact for an unbalanced panel: the residuals of a least-squares fit on the municipality and year dummies.
    """
    units = pd.factorize(frame["region_code"])[0]
    periods = pd.factorize(frame["year"])[0]
    n_units, n_periods = units.max() + 1, periods.max() + 1
    dummies = np.zeros((len(frame), n_units + n_periods - 1))
    dummies[np.arange(len(frame)), units] = 1.0
    later = periods > 0
    dummies[np.flatnonzero(later), n_units + periods[later] - 1] = 1.0
    values = frame[columns].to_numpy(dtype=float)
    coef, *_ = np.linalg.lstsq(dummies, values, rcond=None)
    return values - dummies @ coef


def _ols(y: np.ndarray, x: np.ndarray, groups: np.ndarray) -> RegressionResultsWrapper:
    import statsmodels.api as sm

    return sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": groups})


def fixed_effects(frame: pd.DataFrame, outcomes: list[str], regressors: list[str]
                  ) -> dict[str, RegressionResultsWrapper]:
    """Fixed-effects OLS of each outcome on the regressors (statsmodels results, clustered by municipality)."""
    transformed = within(frame, [*outcomes, *regressors])
    groups = pd.factorize(frame["region_code"])[0]
    x = transformed[:, len(outcomes):]
    return {name: _ols(transformed[:, k], x, groups) for k, name in enumerate(outcomes)}


def housing_effect(inputs: PopulationInputs, as_of: int | None = None, a: Assumptions | None = None,
                   cache: bool = True) -> HousingEffect:
    """The housing parameters estimated on the years up to ``as_of`` (None: all, 1998–2022), memoised.

    With all data the result is kept in ``data/processed/cache`` (about 4 s to estimate: the residual
    in-migrants by age group of all 290 municipalities).
    """
    from tillsammans.cache import cached

    a = a or Assumptions()
    key = ("housing_effect", as_of, a.profile_years, a.profile_smoothing)
    parameters = {"as_of": as_of, "profile_years": a.profile_years, "profile_smoothing": a.profile_smoothing}
    return inputs.memo(key, lambda: cached("population_housing_effect", lambda: _estimate(inputs, as_of, a),
                                           modules=["tillsammans.population"], parameters=parameters,
                                           processed_dir=inputs.processed_dir, enabled=cache and as_of is None))


def _row(name: str, fit, index: int = 0) -> dict:
    est, se = float(fit.params[index]), float(fit.bse[index])
    return {"parameter": name, "estimate": est, "se": se, "lower95": est - 1.96 * se, "upper95": est + 1.96 * se,
            "n": int(fit.nobs)}


def _estimate(inputs: PopulationInputs, as_of: int | None, a: Assumptions) -> HousingEffect:
    data = panel(inputs, as_of)
    if data["year"].nunique() < 3:
        raise ValueError(f"the housing parameters need at least three years of flows and completions from "
                         f"{FIRST_YEAR}; as_of={as_of} leaves {data['year'].nunique()}")
    fits = fixed_effects(data, ["in_migrants", "out_migrants", "net_migration"], list(VARIANTS[CHOSEN]))
    both = fixed_effects(data, ["in_migrants"], ["out_migrants", *VARIANTS[CHOSEN]])["in_migrants"]
    parameters = pd.DataFrame([
        _row("in_per_dwelling", fits["in_migrants"]), _row("out_per_dwelling", fits["out_migrants"]),
        _row("net_per_dwelling", fits["net_migration"]), _row("replacement", both, 0),
        _row("in_per_dwelling_given_out", both, 1),
    ])
    groups, profile = _profile(inputs, data, as_of, a)
    return HousingEffect(parameters=parameters, groups=groups, profile=profile,
                         years=(int(data["year"].min()), int(data["year"].max())),
                         n_municipalities=int(data["region_code"].nunique()), as_of=as_of)


def _group_panel(inputs: PopulationInputs, data: pd.DataFrame, as_of: int | None, a: Assumptions) -> pd.DataFrame:
    """Residual in-migrants by sex and age group per 1 000 inhabitants, joined to the panel."""
    names = list(MIGRATION_AGE_GROUPS)
    records = []
    for code in data["region_code"].unique():
        for year, (ins, _) in migration.residual_flows(inputs, code, a, as_of).items():
            rec = {"region_code": code, "year": int(year)}
            for s, sex in enumerate(("female", "male")):
                for g, name in enumerate(names):
                    rec[f"{sex} {name}"] = ins[s, g]
                # 20–64 as one group in every year (before 2009 the 20–44 entry holds it)
                rec[f"{sex} 20–64"] = ins[s, 3] + (ins[s, 4] if np.isfinite(ins[s, 4]) else 0.0)
            records.append(rec)
    groups = pd.DataFrame(records)
    merged = data.merge(groups, on=["region_code", "year"], how="inner")
    value_columns = [c for c in groups.columns if c not in ("region_code", "year")]
    merged[value_columns] = merged[value_columns].mul(1000 / merged["population_start"], axis=0)
    return merged


def _profile(inputs: PopulationInputs, data: pd.DataFrame, as_of: int | None,
             a: Assumptions) -> tuple[pd.DataFrame, np.ndarray]:
    merged = _group_panel(inputs, data, as_of, a)
    regressors = list(VARIANTS[CHOSEN])
    sexes = ("female", "male")
    coarse = [f"{s} {g}" for s in sexes for g in _COARSE]
    fits = fixed_effects(merged.dropna(subset=coarse), coarse, regressors)
    split_cols = [f"{s} {g}" for s in sexes for g in ("20–44", "45–64")]
    split = merged.dropna(subset=split_cols)
    split_fits = fixed_effects(split, split_cols, regressors) if split["year"].nunique() >= 3 else {}
    base, _ = schedules.migration_profiles(inputs, a, as_of)
    base_groups = np.stack([base[..., lo:hi + 1].sum(axis=-1) for lo, hi in MIGRATION_AGE_GROUPS.values()], axis=-1)
    coef = np.zeros((2, 7))
    rows = []
    for s, sex in enumerate(sexes):
        for g, name in enumerate(_COARSE):
            fit = fits[f"{sex} {name}"]
            est, se = float(fit.params[0]), float(fit.bse[0])
            if name == "20–64":
                if split_fits:
                    young, old = (max(float(split_fits[f"{sex} {p}"].params[0]), 0.0) for p in ("20–44", "45–64"))
                    part = young / (young + old) if young + old > 0 else 0.5
                else:  # too few years with the split: the national schedule's division of 20–64
                    part = base_groups[s, 3] / (base_groups[s, 3] + base_groups[s, 4])
                coef[s, 3], coef[s, 4] = est * part, est * (1 - part)
                for p, value in (("20–44", est * part), ("45–64", est * (1 - part))):
                    sub = split_fits.get(f"{sex} {p}")
                    rows.append({"sex": sex, "age_group": p, "in_per_dwelling": value,
                                 "se": float(sub.bse[0]) if sub is not None else np.nan})
            else:
                coef[s, g if g < 3 else g + 1] = est
                rows.append({"sex": sex, "age_group": name, "in_per_dwelling": est, "se": se})
    # A group with a negative or no estimated effect keeps a tenth of its national share (as the municipal
    # profiles do): the smoothing needs every group, and the residual method is noisy.
    positive = np.maximum(coef, 0.0)
    shares = np.maximum(positive / positive.sum(), 0.1 * base_groups)
    shares = shares / shares.sum()
    profile = migration.smooth_profile(base, shares / base_groups)
    table = pd.DataFrame(rows)
    order = {name: k for k, name in enumerate(MIGRATION_AGE_GROUPS)}
    table["share"] = [shares[sexes.index(r.sex), order[r.age_group]] for r in table.itertuples()]
    table["share_all_movers"] = [base_groups[sexes.index(r.sex), order[r.age_group]] for r in table.itertuples()]
    return table, profile


@dataclass(frozen=True)
class HousingPlan:
    """What the housing scenario adds to one municipality's projection.

    Attributes
    ----------
    path : DwellingPath
        Dwellings completed per projected year and their source.
    reference : float
        Mean completed dwellings a year over the level years of the migration levels (``reference_years``):
        the building the main projection's levels already hold.
    effect : HousingEffect
    """

    path: DwellingPath
    reference: float
    reference_years: tuple[int, ...]
    effect: HousingEffect

    def deviation(self, years: np.ndarray) -> np.ndarray:
        """Dwellings above (below) the reference in each of ``years`` (the path's last value held after it)."""
        rows = np.clip(np.searchsorted(self.path.years, np.asarray(years)), 0, len(self.path.years) - 1)
        return self.path.dwellings[rows] - self.reference


def housing_plan(inputs: PopulationInputs, code: str, level_years: list[int], first_year: int, end_year: int,
                 a: Assumptions, as_of: int | None = None, reference_population: float | None = None) -> HousingPlan:
    """The housing scenario's dwelling path and parameters for one municipality (called by ``prepare_region``).

    ``level_years`` are the years whose mean migration the main projection uses; their mean completions are
    the reference. ``first_year``..``end_year`` are the projected years (a local file must lie within them).
    A backtest (``as_of`` set) never reads a local file: ``"auto"`` means the default there.
    """
    from tillsammans.population.dwellings import completion_counts

    mode = a.dwelling_path
    if as_of is not None and mode in ("auto", "local"):
        if mode == "local":
            raise ValueError("dwelling_path='local' cannot be used with as_of (a backtest): a municipality's "
                             "plan is for the future; use 'observed' or 'default'")
        mode = "default"
    seen = completion_counts(inputs, code)
    used = [y for y in level_years if y in seen]
    if not used:
        raise ValueError(f"no completed dwellings (Kolada {COMPLETIONS_KPI}) for {code} in the level years "
                         f"{level_years}; the housing scenario needs them")
    years = np.arange(first_year, end_year + 1)
    path = dwelling_path(inputs, code, years, mode, as_of=as_of, reference_population=reference_population)
    return HousingPlan(path=path, reference=float(np.mean([seen[y] for y in used])), reference_years=tuple(used),
                       effect=housing_effect(inputs, as_of, a))


def housing_adjustment(model: RegionModel, years: np.ndarray, out_migrants: float) -> tuple[np.ndarray, np.ndarray]:
    """In-migrants to add (T, 2, 101) and the factor (T,) on the out-migration rates in each of ``years``.

    ``out_migrants`` is the main projection's out-migrants a year at the start (persons): the out-migrant
    effect of a dwelling is applied as a proportional change of the out-migration rates.
    """
    plan = model.housing
    if plan is None:
        return np.zeros((len(years), 2, 101)), np.ones(len(years))
    dev = plan.deviation(years)
    added = plan.effect.in_per_dwelling * dev[:, None, None] * plan.effect.profile
    factor = 1.0 + plan.effect.out_per_dwelling * dev / max(out_migrants, 1.0)
    return added, np.clip(factor, 0.0, None)


def housing_validation(inputs: PopulationInputs) -> pd.DataFrame:
    """The choice of regressors and the out-of-sample check of the housing effect on one-year net migration.

    For every evaluated year t and municipality, the standard prediction is the main model's: in-migrants at
    their mean of the five years before, out-migrants at the mean out-migration rate of those years times
    the inhabitants at the start of t. The housing prediction adds each regressor's coefficient × its
    deviation from its mean of those five years (completions known: the backtest situation). Coefficients
    are estimated on the estimation years only.

    Returns
    -------
    DataFrame
        ``period`` (``choice`` or ``evaluation``), ``estimation_years, evaluated_years, variant`` (``standard``
        or a :data:`VARIANTS` name), ``mae_net``, ``mae_in`` (mean absolute error of net migration and of
        in-migration, per 1 000 inhabitants), ``in_coefficients, out_coefficients`` (text), ``n``.
    """
    data = panel(inputs).sort_values(["region_code", "year"]).reset_index(drop=True)
    rows = []
    for period, ((e0, e1), (v0, v1)) in (("choice", CHOICE_PERIOD), ("evaluation", EVALUATION_PERIOD)):
        est = data[data["year"].between(e0, e1)]
        evaluated = _one_year_predictions(data, v0, v1)
        for variant in ("standard", *VARIANTS):
            if variant == "standard":
                delta_in = delta_out = 0.0
                text_in = text_out = ""
            else:
                regs = list(VARIANTS[variant])
                fits = fixed_effects(est.dropna(subset=regs), ["in_migrants", "out_migrants"], regs)
                k_in, k_out = fits["in_migrants"].params, fits["out_migrants"].params
                delta_in = sum(k * evaluated[f"dev_{r}"] for k, r in zip(k_in, regs, strict=True))
                delta_out = sum(k * evaluated[f"dev_{r}"] for k, r in zip(k_out, regs, strict=True))
                text_in = ", ".join(f"{r} {k:.3f}" for r, k in zip(regs, k_in, strict=True))
                text_out = ", ".join(f"{r} {k:.3f}" for r, k in zip(regs, k_out, strict=True))
            net = evaluated["pred_in"] + delta_in - evaluated["pred_out"] - delta_out
            rows.append({"period": period, "estimation_years": f"{e0}–{e1}", "evaluated_years": f"{v0}–{v1}",
                         "variant": variant,
                         "mae_net": float(((net - evaluated["obs_net"]) * evaluated["per"]).abs().mean()),
                         "mae_in": float(((evaluated["pred_in"] + delta_in - evaluated["obs_in"])
                                          * evaluated["per"]).abs().mean()),
                         "in_coefficients": text_in, "out_coefficients": text_out, "n": len(evaluated)})
    return pd.DataFrame(rows)


def _one_year_predictions(data: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    """Per municipality and evaluated year: the standard predictions, observations and regressor deviations
    (counts; ``per`` converts to per 1 000 inhabitants at the start of the year)."""
    counts = {"dwellings": "dwellings_count"}
    frames = []
    for _, rows in data.groupby("region_code", sort=False):
        g = rows.set_index("year")
        for t in range(first, last + 1):
            window = list(range(t - 5, t))
            if t not in g.index or not all(y in g.index for y in window):
                continue
            w, now = g.loc[window], g.loc[t]
            start = now["population_start"]
            rec = {"region_code": now["region_code"], "year": t, "per": 1000 / start,
                   "pred_in": w["in_count"].mean(),
                   "pred_out": (w["out_count"] / w["population_start"]).mean() * start,
                   "obs_in": now["in_count"], "obs_net": now["in_count"] - now["out_count"]}
            for r in ("dwellings", "dwellings_previous", "small_houses", "flats"):
                # regressors are per 1 000 at the start of each year; back to counts for the deviation
                column = counts.get(r)
                series = (g[column] if column else g[r] * g["population_start"] / 1000)
                rec[f"dev_{r}"] = (series.loc[t] - series.loc[window].mean())
            frames.append(rec)
    return pd.DataFrame(frames)
