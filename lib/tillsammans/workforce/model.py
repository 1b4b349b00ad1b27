"""Demand, retirements, recruitment need, supply, gap and levers — the SKR / HELSEMOD logic per municipality.

All functions take tidy DataFrames and return tidy DataFrames. Population frames have ``year, age,
population`` (persons, age 0..100 with 100 = 100+), optionally ``sex`` (summed over) and ``sim`` (one
stochastic path per value, kept through the calculation). The first year of the population frame is the
base year: staff per user are held at that year's level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from math import erf, sqrt
from pathlib import Path

import numpy as np
import pandas as pd

from tillsammans import assumptions as shared_assumptions
from tillsammans import data
from tillsammans.municipalities import SWEDEN
from tillsammans.workforce.assumptions import Assumptions, make_assumptions
from tillsammans.workforce.sectors import SECTORS, users, working_age
from tillsammans.workforce.staff import (
    _values,
    model_inputs,
    national_shares,
    read_kolada,
    sector_staff,
    staff_by_age,
    staff_today,
)

DEFAULT_TURNOVER = 0.05


def _base_year(population: pd.DataFrame, base_year: int | None) -> int:
    year = int(population["year"].min()) if base_year is None else int(base_year)
    if year not in set(population["year"].unique()):
        raise ValueError(f"base year {year} is not in the population frame (years "
                         f"{population['year'].min()}–{population['year'].max()})")
    return year


def _check_productivity(productivity: float) -> None:
    if not (-0.05 <= productivity <= 0.05):
        raise ValueError(f"productivity must be a yearly share in [-0.05, 0.05], got {productivity}")


# -- demand ---------------------------------------------------------------------------------------


def use_rates(inputs: pd.DataFrame, municipality: str, population: pd.DataFrame,
              base_year: int | None = None, **assumptions) -> dict[str, float]:
    """Eldercare use rates by age band: share with hemtjänst or särskilt boende.

    65–79 and 80+ from Kolada (``n20891`` of 65+, ``n20892`` of 80+, the municipality's own values, Sweden's
    when the municipality has none); 80+ is split into 80–89 and 90+ with the assumed ratio ``use_90_ratio``
    and the base year's population.

    Returns
    -------
    dict
        ``use_65_79, use_80_89, use_90`` (shares 0..1).
    """
    a = make_assumptions(**assumptions)
    v = _values(inputs, municipality)
    year = _base_year(population, base_year)
    pop = population[population["year"] == year]
    if "sim" in pop.columns:
        pop = pop[pop["sim"] == pop["sim"].min()]
    by_age = pop.groupby("age")["population"].sum()
    p65 = by_age.loc[65:79].sum()
    p80 = by_age.loc[80:89].sum()
    p90 = by_age.loc[90:].sum()
    r65, r80 = v.get("n20891", np.nan), v.get("n20892", np.nan)
    if not (np.isfinite(r65) and np.isfinite(r80)):
        national = _values(inputs, SWEDEN)
        r65, r80 = national.get("n20891", np.nan), national.get("n20892", np.nan)
    if not (np.isfinite(r65) and np.isfinite(r80)):
        raise ValueError(f"municipality {municipality}: Kolada n20891/n20892 (invånare 65+/80+ med hemtjänst "
                         "eller särskilt boende) missing; cannot weight eldercare users")
    users_80 = r80 / 100 * (p80 + p90)
    users_65 = max(r65 / 100 * (p65 + p80 + p90) - users_80, 0.0)
    rate_80_89 = users_80 / (p80 + a.use_90_ratio * p90) if (p80 + p90) > 0 else r80 / 100
    return {"use_65_79": users_65 / p65 if p65 > 0 else 0.0,
            "use_80_89": float(rate_80_89),
            "use_90": float(min(a.use_90_ratio * rate_80_89, 1.0))}


def staff_need(population: pd.DataFrame, sector_staff: pd.DataFrame, rates: Mapping[str, float],
               productivity: float = 0.0, base_year: int | None = None) -> pd.DataFrame:
    """Staff needed per sector and year: today's staff per user × projected users.

    need(s, t) = staff(s) × users(s, t) / users(s, base) × (1 + productivity) ** -(t − base)

    Parameters
    ----------
    population : DataFrame
        ``[sim,] year, age, population [, sex]``.
    sector_staff : DataFrame
        ``sector, staff`` (årsarbetare in the base year), e.g. from :func:`sector_staff`.
    rates : mapping
        Eldercare use rates, see :func:`use_rates`.
    productivity : float
        Yearly fall in staff per user (0.005 = 0.5 %/year); default 0 (SKR: today's standard).

    Returns
    -------
    DataFrame
        ``[sim,] year, sector, users, staff_need`` (årsarbetare).
    """
    _check_productivity(productivity)
    year0 = _base_year(population, base_year)
    u = users(population, rates)
    keys = ["sim"] if "sim" in u.columns else []
    base = u[u["year"] == year0].set_index(keys + ["sector"])["users"].rename("base_users")
    out = u.join(base, on=keys + ["sector"])
    out = out[out["year"] >= year0]
    staff = sector_staff.set_index("sector")["staff"]
    out["staff0"] = out["sector"].map(staff).fillna(0.0)
    ratio = np.where(out["base_users"] > 0, out["users"] / out["base_users"].where(out["base_users"] > 0), 1.0)
    out["staff_need"] = out["staff0"] * ratio * (1 + productivity) ** -(out["year"] - year0)
    return out[keys + ["year", "sector", "users", "staff_need"]].reset_index(drop=True)


def total_over_sectors(frame: pd.DataFrame, value: str | Sequence[str] = "staff_need") -> pd.DataFrame:
    """Sum a per-sector frame over sectors: ``[sim,] year, <value>``."""
    keys = [k for k in ("sim", "year") if k in frame.columns]
    values = [value] if isinstance(value, str) else list(value)
    return frame.groupby(keys, as_index=False)[values].sum()


# -- retirements and turnover ---------------------------------------------------------------------


def exit_hazard(pension_age: int = 66, exit_age_sd: float = 1.5, max_age: int = 80) -> pd.Series:
    """Probability of retiring at each age given still working, for ages 0..max_age.

    Exit ages follow a normal distribution around ``pension_age`` (sd ``exit_age_sd``) cut at 4 years before
    and 3 years after; everyone still working at the upper cut retires then.
    """
    ages = np.arange(pension_age - 4, pension_age + 4)
    if exit_age_sd > 0:
        cdf = [0.5 * (1 + erf((x - pension_age) / (exit_age_sd * sqrt(2)))) for x in (ages - 0.5)] + [1.0]
        p = np.diff(cdf)
        p[-1] += 1 - p.sum()  # the mass beyond the upper cut exits at the cut
        p[0] += 0.0
        p = p / p.sum()
    else:
        p = (ages == pension_age).astype(float)
    survivors = p[::-1].cumsum()[::-1]
    hazard = np.divide(p, survivors, out=np.ones_like(p), where=survivors > 0)
    out = pd.Series(0.0, index=pd.RangeIndex(0, max_age + 1, name="age"))
    out.loc[ages[0]:ages[-1]] = hazard
    out.loc[ages[-1]:] = 1.0
    return out


def retirements(staff_age: pd.DataFrame, years: Sequence[int], pension_age: int = 66,
                exit_age_sd: float = 1.5) -> pd.DataFrame:
    """Retirements from today's staff, per sector and year.

    Today's staff age one year per year and leave with :func:`exit_hazard`. Only the base-year stock
    retires: people hired during the projection are assumed young enough not to reach pension age before the
    end year (the horizon is about 20 years).

    Parameters
    ----------
    staff_age : DataFrame
        ``sector, age, staff`` in the base year (årsarbetare), from :func:`staff_by_age`.
    years : sequence of int
        The base year followed by the projection years.

    Returns
    -------
    DataFrame
        ``year, sector, retirements, remaining`` for the years after the base year (årsarbetare).
    """
    years = sorted(int(y) for y in years)
    hazard = exit_hazard(pension_age, exit_age_sd, max_age=120)
    pivot = staff_age.pivot_table(index="age", columns="sector", values="staff", aggfunc="sum").fillna(0.0)
    pivot = pivot.reindex(columns=list(SECTORS), fill_value=0.0)
    stock = pivot.reindex(range(121), fill_value=0.0).to_numpy()
    h = hazard.to_numpy()[:, None]
    rows = []
    for year in years[1:]:
        stock = np.vstack([np.zeros((1, stock.shape[1])), stock[:-1]])  # everyone one year older
        leaving = stock * h
        stock = stock - leaving
        for j, sector in enumerate(SECTORS):
            rows.append((year, sector, float(leaving[:, j].sum()), float(stock[:, j].sum())))
    return pd.DataFrame(rows, columns=["year", "sector", "retirements", "remaining"])


def implied_turnover(municipality: str, year: int, retirement_rate: float,
                     processed_dir: Path | None = None, tidy: pd.DataFrame | None = None) -> float | None:
    """Yearly turnover (leaving for reasons other than pension) implied by Kolada, or None without data.

    new hires (``n00239``) ÷ permanent staff (``n00233``), averaged over the three latest years up to
    ``year``, minus the average growth of ``n00233`` over those years, minus ``retirement_rate``; floored at 0.
    """
    if tidy is None:
        tidy = data.kolada(["n00239", "n00233"], regions=[municipality], processed_dir=processed_dir)
    sel = tidy[(tidy["region_code"] == municipality) & tidy["kpi"].isin(["n00239", "n00233"])]
    if sel.empty:
        return None
    wide = sel.pivot_table(index="year", columns="kpi", values="value").reindex(columns=["n00239", "n00233"])
    wide = wide.sort_index()
    growth = wide["n00233"].pct_change()
    frame = pd.DataFrame({"hires": wide["n00239"] / wide["n00233"], "growth": growth}).dropna()
    frame = frame[frame.index <= year].tail(3)
    if len(frame) == 0:
        return None
    return float(max(frame["hires"].mean() - frame["growth"].mean() - retirement_rate, 0.0))


def recruitment_need(need: pd.DataFrame, retired: pd.DataFrame, turnover: float) -> pd.DataFrame:
    """Recruitment need per sector and year: growth + retirements (+ turnover shown separately).

    Parameters
    ----------
    need : DataFrame
        ``year, sector, staff_need`` (one path, no ``sim``), base year included.
    retired : DataFrame
        ``year, sector, retirements`` from :func:`retirements`.
    turnover : float
        Yearly share of staff leaving the municipality for other reasons than pension.

    Returns
    -------
    DataFrame
        ``year, sector, staff_need, growth, retirements, turnover, recruitment_need, recruitment_gross`` and
        the cumulative sums ``cum_growth, cum_retirements, cum_turnover, cum_recruitment_need,
        cum_recruitment_gross`` (årsarbetare). ``recruitment_need = growth + retirements``; it is negative in
        a year when falling need exceeds retirements. ``recruitment_gross`` adds turnover.
    """
    if not (0 <= turnover <= 0.5):
        raise ValueError(f"turnover must be a share in [0, 0.5], got {turnover}")
    if "sim" in need.columns:
        raise ValueError("recruitment_need takes one path; aggregate or select a sim first")
    frame = need.sort_values(["sector", "year"]).copy()
    frame["previous"] = frame.groupby("sector")["staff_need"].shift()
    frame = frame.dropna(subset=["previous"])
    frame["growth"] = frame["staff_need"] - frame["previous"]
    frame["turnover"] = turnover * frame["previous"]
    frame = frame.merge(retired[["year", "sector", "retirements"]], on=["year", "sector"], how="left")
    frame["retirements"] = frame["retirements"].fillna(0.0)
    frame["recruitment_need"] = frame["growth"] + frame["retirements"]
    frame["recruitment_gross"] = frame["recruitment_need"] + frame["turnover"]
    cols = ["growth", "retirements", "turnover", "recruitment_need", "recruitment_gross"]
    for col in cols:
        frame[f"cum_{col}"] = frame.groupby("sector")[col].cumsum()
    order = {s: i for i, s in enumerate(SECTORS)}
    frame = frame.sort_values(["year", "sector"], key=lambda c: c.map(order) if c.name == "sector" else c)
    return frame[["year", "sector", "staff_need", *cols, *[f"cum_{c}" for c in cols]]].reset_index(drop=True)


# -- supply and gap -------------------------------------------------------------------------------


def supply_factors(inputs: pd.DataFrame, municipality: str, commuting: bool = True) -> dict[str, float]:
    """Employment rate, welfare share and commuting factor from Kolada (shares 0..1).

    ``commuting_factor = (1 − n02279) ÷ (1 − n02276)``: employed residents × this = jobs in the municipality
    (residents working at home plus in-commuters), assuming the in-commuting share stays as today.
    """
    v = _values(inputs, municipality)
    e, s = v.get("n00914", np.nan), v.get("n02203", np.nan)
    if not (np.isfinite(e) and np.isfinite(s)):
        raise ValueError(f"municipality {municipality}: Kolada n00914 (förvärvsarbetande 20–64) or n02203 "
                         "(andel i kommun-/regionsektor) missing; cannot compute supply")
    out_, in_ = v.get("n02279", np.nan), v.get("n02276", np.nan)
    factor = (1 - out_ / 100) / (1 - in_ / 100) if commuting and np.isfinite(out_) and np.isfinite(in_) else 1.0
    return {"employment_rate": e / 100, "welfare_share": s / 100, "commuting_factor": float(factor)}


def supply(population: pd.DataFrame, factors: Mapping[str, float], staff_total: float,
           first_age: int = 20, pension_age: int = 66, base_year: int | None = None,
           calibration_pension_age: int | None = None) -> pd.DataFrame:
    """Plausible welfare staff supply from the municipality's own working-age population.

    welfare_workers(t) = working-age residents(t) × employment rate × welfare share × commuting factor,
    i.e. persons in municipal/regional welfare jobs located in the municipality. These are converted to the
    municipality's årsarbetare with one calibration factor from the base year (today's staff ÷ today's
    modelled welfare workers), so today's staff equals today's supply by construction and the gap measures
    how need outgrows what the same share of the working-age population provides.

    Parameters
    ----------
    factors : mapping
        From :func:`supply_factors`.
    staff_total : float
        Today's staff (årsarbetare).
    calibration_pension_age : int, optional
        Pension age of the calibration (default ``pension_age``); a lever that raises the pension age keeps
        the calibration of the base case so the extra ages add supply.

    Returns
    -------
    DataFrame
        ``[sim,] year, population, working_age, welfare_workers, supply`` (persons; supply in årsarbetare).
    """
    year0 = _base_year(population, base_year)
    keys = ["sim"] if "sim" in population.columns else []
    product = factors["employment_rate"] * factors["welfare_share"] * factors["commuting_factor"]
    wa = working_age(population, first_age, pension_age)
    wa["welfare_workers"] = wa["working_age"] * product
    cal_age = pension_age if calibration_pension_age is None else calibration_pension_age
    cal = working_age(population[population["year"] == year0], first_age, cal_age)
    cal = cal.set_index(keys)["working_age"] if keys else cal["working_age"].iloc[0]
    base_workers = (wa[keys].join(cal, on=keys)["working_age"] if keys else cal) * product
    wa["supply"] = wa["welfare_workers"] * staff_total / base_workers
    wa = wa[wa["year"] >= year0]
    return wa[keys + ["year", "population", "working_age", "welfare_workers", "supply"]].reset_index(drop=True)


def gap(need_total: pd.DataFrame, supplied: pd.DataFrame) -> pd.DataFrame:
    """Gap between staff need and plausible supply.

    Returns
    -------
    DataFrame
        ``[sim,] year, staff_need, supply, gap, gap_per_1000, gap_share_working_age, need_share_working_age``;
        gap in årsarbetare, per 1 000 inhabitants, and as shares (0..1) of the working-age population.
    """
    keys = [k for k in ("sim", "year") if k in need_total.columns]
    frame = need_total[keys + ["staff_need"]].merge(supplied, on=keys, how="inner")
    frame["gap"] = frame["staff_need"] - frame["supply"]
    frame["gap_per_1000"] = frame["gap"] / frame["population"] * 1000
    frame["gap_share_working_age"] = frame["gap"] / frame["working_age"]
    frame["need_share_working_age"] = frame["staff_need"] / frame["working_age"]
    return frame[keys + ["staff_need", "supply", "gap", "gap_per_1000", "gap_share_working_age",
                         "need_share_working_age"]]


# -- levers ---------------------------------------------------------------------------------------

LEVERS: dict[str, str] = {
    "productivity": "Produktivitet och teknik",
    "sick_leave": "Lägre sjukfrånvaro",
    "hours": "Deltidsanställda arbetar mer",
    "pension": "Senare pensionsålder",
}


def lever_effects(population: pd.DataFrame, need_total: pd.DataFrame, factors: Mapping[str, float],
                  staff_total: float, part_timers: float, sick_leave: float, base_year: int | None = None,
                  levers: Sequence[str] | None = None, _supplies: dict | None = None,
                  **assumptions) -> pd.DataFrame:
    """The gap per year with the chosen levers applied together.

    Levers (sizes from :class:`~tillsammans.workforce.assumptions.Assumptions`):

    * ``productivity``: need × (1 + productivity_lever) ** −(t − base);
    * ``sick_leave``: sick leave (share of scheduled time, Kolada n00090) falls by ``sick_leave_reduction``
      percentage points, so each årsarbetare delivers (1 − s + d)/(1 − s) as much: need × (1 − s)/(1 − s + d);
    * ``hours``: part-timers (Kolada n00227, persons) work ``extra_hours`` more a week, adding
      part_timers × extra_hours / full_time_hours årsarbetare, growing with the need;
    * ``pension``: the pension age rises by ``pension_age_increase`` years: more working-age residents supply
      welfare staff (the calibration of the base case is kept).

    Returns
    -------
    DataFrame
        ``year, staff_need, supply, gap`` after the levers.
    """
    a = make_assumptions(**assumptions)
    chosen = set(LEVERS if levers is None else levers)
    unknown = chosen - set(LEVERS)
    if unknown:
        raise ValueError(f"unknown lever(s) {sorted(unknown)}; allowed: {', '.join(LEVERS)}")
    year0 = _base_year(population, base_year)
    need = need_total[["year", "staff_need"]].copy()
    base_need = float(need.loc[need["year"] == year0, "staff_need"].iloc[0])
    if "productivity" in chosen:
        need["staff_need"] *= (1 + a.productivity_lever) ** -(need["year"] - year0)
    if "sick_leave" in chosen:
        d = min(a.sick_leave_reduction / 100, sick_leave)
        need["staff_need"] *= (1 - sick_leave) / (1 - sick_leave + d)
    pension_age = a.pension_age + (a.pension_age_increase if "pension" in chosen else 0)
    if _supplies is not None and pension_age in _supplies:
        sup = _supplies[pension_age]
    else:
        sup = supply(population, factors, staff_total, a.first_working_age, pension_age, year0,
                     calibration_pension_age=a.pension_age)[["year", "supply"]]
        if _supplies is not None:
            _supplies[pension_age] = sup
    frame = need.merge(sup, on="year")
    if "hours" in chosen:
        frame["supply"] += part_timers * a.extra_hours / a.full_time_hours * frame["staff_need"] / base_need
    frame["gap"] = frame["staff_need"] - frame["supply"]
    return frame


def levers_table(population: pd.DataFrame, need_total: pd.DataFrame, factors: Mapping[str, float],
                 staff_total: float, part_timers: float, sick_leave: float, year: int | None = None,
                 base_year: int | None = None, **assumptions) -> pd.DataFrame:
    """What each lever closes of the gap in ``year`` (default the last year), alone and in a bridge.

    Returns
    -------
    DataFrame
        ``lever, Hävstång, alone, step, remaining``: ``alone`` = gap closed by the lever alone, ``step`` = gap
        closed when added after the levers above it (the bridge; steps sum to the effect of all together),
        ``remaining`` = gap left after it and the levers above. The first row is the gap without levers,
        the last the levers together. Årsarbetare.
    """
    year = int(need_total["year"].max()) if year is None else int(year)
    args = (population, need_total, factors, staff_total, part_timers, sick_leave, base_year)
    cache: dict = {}

    def gap_in(levers):
        frame = lever_effects(*args, levers=levers, _supplies=cache, **assumptions)
        return float(frame.loc[frame["year"] == year, "gap"].iloc[0])

    start = gap_in([])
    rows = [{"lever": "gap", "Hävstång": f"Gap {year} utan åtgärder", "alone": np.nan, "step": np.nan,
             "remaining": start}]
    applied: list[str] = []
    previous = start
    for lever, label in LEVERS.items():
        applied.append(lever)
        now = gap_in(applied)
        rows.append({"lever": lever, "Hävstång": label, "alone": start - gap_in([lever]),
                     "step": previous - now, "remaining": now})
        previous = now
    rows.append({"lever": "together", "Hävstång": "Alla hävstänger tillsammans", "alone": start - previous,
                 "step": start - previous, "remaining": previous})
    return pd.DataFrame(rows)


# -- uncertainty ----------------------------------------------------------------------------------


def quantile_name(q: float) -> str:
    """Column name of a quantile: 0.1 → ``q10``, 0.5 → ``q50``, 0.025 → ``q025``, 0.975 → ``q975``."""
    per_mille = round(1000 * q)
    return f"q{per_mille // 10:02d}" if per_mille % 10 == 0 else f"q{per_mille:03d}"


def need_quantiles(sim_population: pd.DataFrame, sector_staff: pd.DataFrame, rates: Mapping[str, float],
                   productivity: float = 0.0, q: Sequence[float] = (0.025, 0.1, 0.5, 0.9, 0.975),
                   by_sector: bool = False, base_year: int | None = None) -> pd.DataFrame:
    """Quantiles of the staff need over population simulations.

    Returns
    -------
    DataFrame
        ``year [, sector], q025, q10, q50, q90, q975`` (årsarbetare; column names as
        :func:`tillsammans.plots.fan` expects: per cent, with a leading 0 and no point for 2.5 and 97.5).
    """
    if "sim" not in sim_population.columns:
        raise ValueError("need_quantiles needs a population frame with a 'sim' column (simulate_population)")
    need = staff_need(sim_population, sector_staff, rates, productivity, base_year)
    keys = ["year", "sector"] if by_sector else ["year"]
    per_sim = need.groupby(["sim", *keys], as_index=False)["staff_need"].sum()
    out = per_sim.groupby(keys)["staff_need"].quantile(list(q)).unstack()
    out.columns = [quantile_name(float(c)) for c in out.columns]
    return out.reset_index()


# -- one call per municipality --------------------------------------------------------------------


@dataclass
class WorkforceResult:
    """Everything the report shows for one municipality (all tidy DataFrames, årsarbetare)."""

    municipality: str
    base_year: int
    end_year: int
    assumptions: Assumptions
    origin: str
    local_file: str | None
    inputs: pd.DataFrame
    staff: pd.DataFrame
    sectors: pd.DataFrame
    rates: dict[str, float]
    turnover: float
    turnover_source: str
    factors: dict[str, float]
    need: pd.DataFrame
    need_total: pd.DataFrame
    recruitment: pd.DataFrame
    supply: pd.DataFrame
    gap: pd.DataFrame
    levers: pd.DataFrame
    need_quantiles: pd.DataFrame | None = None
    derived: dict[str, tuple[str, str]] = field(default_factory=dict)

    def key_figures(self) -> dict[str, float]:
        """Key numbers: staff today, need in the end year, cumulative recruitment need and its parts, gap."""
        rec = self.recruitment.groupby("year")[["growth", "retirements", "turnover"]].sum().sum()
        end = self.gap[self.gap["year"] == self.end_year].iloc[0]
        base = self.gap[self.gap["year"] == self.base_year].iloc[0]
        return {
            "staff_today": float(self.sectors["staff"].sum()),
            "need_end": float(end["staff_need"]),
            "cum_growth": float(rec["growth"]),
            "cum_retirements": float(rec["retirements"]),
            "cum_turnover": float(rec["turnover"]),
            "cum_recruitment_need": float(rec["growth"] + rec["retirements"]),
            "supply_end": float(end["supply"]),
            "gap_end": float(end["gap"]),
            "gap_per_1000_end": float(end["gap_per_1000"]),
            "gap_share_working_age_end": float(end["gap_share_working_age"]),
            "need_share_working_age_base": float(base["need_share_working_age"]),
            "need_share_working_age_end": float(end["need_share_working_age"]),
        }


def workforce(municipality: str, population: pd.DataFrame, sim_population: pd.DataFrame | None = None,
              local: str | Path | None = "auto", processed_dir: Path | None = None,
              **assumptions) -> WorkforceResult:
    """Run the whole workforce model for one municipality.

    Parameters
    ----------
    municipality : str
        SCB code (validated by the caller through the registry).
    population : DataFrame
        Projected population ``year, age, population [, sex]``; its first year is the base year.
    sim_population : DataFrame, optional
        Simulated paths ``sim, year, age, population [, sex]`` for the intervals of the staff need.
    local : "auto", path or None
        The municipality's HR extract (see :mod:`tillsammans.workforce.local`).
    **assumptions
        Fields of :class:`~tillsammans.workforce.assumptions.Assumptions`.
    """
    a = make_assumptions(**assumptions)
    if "sim" in population.columns:
        raise ValueError("population must be one path (project_population); pass simulations as sim_population")
    year0 = _base_year(population, None)
    end_year = int(population["year"].max())
    if end_year <= year0:
        raise ValueError(f"population frame must span more than one year, got {year0}–{end_year}")
    tidy = read_kolada(municipality, processed_dir)
    inputs = model_inputs(municipality, year0, processed_dir, tidy=tidy)
    staff = staff_today(municipality, year0, local=local, processed_dir=processed_dir, inputs=inputs,
                        hsl_share=a.hsl_share)
    sectors = sector_staff(staff)
    rates = use_rates(inputs, municipality, population, year0, use_90_ratio=a.use_90_ratio)
    need = staff_need(population, sectors, rates, a.productivity, year0)
    need_total = total_over_sectors(need)
    years = sorted(need["year"].unique())
    retired = retirements(staff_by_age(staff, older_staff_ages=a.older_staff_ages,
                                       younger_staff_ages=a.younger_staff_ages),
                          years, a.pension_age, a.exit_age_sd)
    staff_total = float(sectors["staff"].sum())
    first_rate = float(retired.loc[retired["year"] == years[1], "retirements"].sum()) / staff_total
    if a.turnover is not None:
        turnover, turnover_source = a.turnover, "parameter"
    else:
        implied = implied_turnover(municipality, year0, first_rate, processed_dir, tidy=tidy)
        turnover, turnover_source = ((implied, "Kolada n00239, n00233") if implied is not None
                                     else (DEFAULT_TURNOVER, "antagande (data saknas)"))
    recruitment = recruitment_need(need, retired, turnover)
    factors = supply_factors(inputs, municipality, a.commuting)
    supplied = supply(population, factors, staff_total, a.first_working_age, a.pension_age, year0)
    gapped = gap(need_total, supplied)
    v = _values(inputs, municipality)
    part_timers = float(v.get("n00227", np.nan)) if np.isfinite(v.get("n00227", np.nan)) else 0.0
    sick = float(v.get("n00090", np.nan)) / 100 if np.isfinite(v.get("n00090", np.nan)) else 0.0
    lever_args = {k: getattr(a, k) for k in ("productivity_lever", "sick_leave_reduction", "extra_hours",
                                             "full_time_hours", "pension_age", "pension_age_increase",
                                             "first_working_age")}
    levers = levers_table(population, need_total, factors, staff_total, part_timers, sick, end_year, year0,
                          **lever_args)
    quants = None
    if sim_population is not None:
        quants = need_quantiles(sim_population, sectors, rates, a.productivity, base_year=year0)

    def kyear(kpi):
        row = inputs[(inputs["region_code"] == municipality) & (inputs["kpi"] == kpi)]
        return "" if row.empty or pd.isna(row["year"].iloc[0]) else f", {int(row['year'].iloc[0])}"

    shares = national_shares(inputs)
    derived = {
        "Personal i dag": (
            "kommunens HR-underlag" if staff.attrs.get("origin") == "local" else "Kolada",
            (f"Kommunens HR-underlag {Path(staff.attrs['file']).name} ersätter Koladas standardvärden"
             if staff.attrs.get("origin") == "local" else
             f"Kolada n00098{kyear('n00098')}, n11104, n20041; övriga verksamheter med rikets kostnadsandelar")),
        "Rikets kostnadsandelar (grundskola, gymnasieskola, IFO, övrigt)": (
            " / ".join(f"{100 * shares[s]:.0f} %" for s in ("grundskola", "gymnasieskola", "ifo", "admin_ovrigt")),
            ("Kolada riket: n10037, n11008, n11102, n11103, n15008, n17007, n30101, n31001, n03066, n01953, "
             "n01954 (antagande: lika personal per krona i de fyra verksamheterna)")),
        "Andel med hemtjänst/särskilt boende 65–79 / 80–89 / 90+": (
            " / ".join(f"{100 * rates[k]:.1f} %".replace(".", ",") for k in ("use_65_79", "use_80_89", "use_90")),
            (f"Kolada n20891, n20892{kyear('n20892')} och antagen kvot 90+ / 80–89"
             if np.isfinite(v.get("n20892", np.nan)) else
             "Kolada n20891, n20892 för riket (kommunen saknar värde) och antagen kvot 90+ / 80–89")),
        "Personalomsättning utöver pension, använd": (
            f"{100 * turnover:.1f} % per år".replace(".", ","), turnover_source),
        "Förvärvsfrekvens 20–64 år": (f"{100 * factors['employment_rate']:.1f} %".replace(".", ","),
                                      f"Kolada n00914{kyear('n00914')}"),
        "Andel sysselsatta i kommun-/regionsektor": (f"{100 * factors['welfare_share']:.1f} %".replace(".", ","),
                                                     f"Kolada n02203{kyear('n02203')}"),
        "Pendlingsfaktor (1 − utpendling) ÷ (1 − inpendling)": (
            f"{factors['commuting_factor']:.2f}".replace(".", ","), f"Kolada n02279, n02276{kyear('n02276')}"),
        "Anställda 55+ (antal, andel)": (
            f"{v.get('n00219', float('nan')):,.0f}".replace(",", "\u00a0") + " / "
            + f"{v.get('n00214', float('nan')):.1f} %".replace(".", ","),
            f"Kolada n00219, n00214{kyear('n00214')}; andelen tillämpas på årsarbetarna"),
        "Deltidsanställda (hävstång timmar)": (f"{part_timers:,.0f}".replace(",", "\u00a0"),
                                               f"Kolada n00227{kyear('n00227')}"),
        "Sjukfrånvaro (hävstång)": (f"{100 * sick:.1f} %".replace(".", ","), f"Kolada n00090{kyear('n00090')}"),
    }
    return WorkforceResult(municipality, year0, end_year, a, staff.attrs.get("origin", "kolada"),
                           staff.attrs.get("file"), inputs, staff, sectors, rates, turnover, turnover_source,
                           factors, need, need_total, recruitment, supplied, gapped, levers, quants, derived)


#: Swedish column labels of :func:`compare`.
COMPARE_LABELS: dict[str, str] = {
    "staff_today": "Årsarbetare i dag",
    "need_end": "Behov slutåret",
    "cum_recruitment_need": "Rekryteringsbehov (tillväxt + pension)",
    "cum_turnover": "Därtill personalomsättning",
    "gap_end": "Gap slutåret",
    "gap_per_1000_end": "Gap per 1 000 invånare",
    "gap_share_working_age_end": "Gap, andel av arbetsför ålder",
    "need_share_working_age_base": "Behov i dag, andel av arbetsför ålder",
    "need_share_working_age_end": "Behov slutåret, andel av arbetsför ålder",
}


def compare(results: Mapping[str, WorkforceResult]) -> pd.DataFrame:
    """Key figures of several municipalities side by side (the network view), one row per municipality.

    Returns
    -------
    DataFrame
        ``region_code, base_year, end_year`` and the :meth:`WorkforceResult.key_figures`.
    """
    rows = []
    for code, result in results.items():
        rows.append({"region_code": code, "base_year": result.base_year, "end_year": result.end_year,
                     **result.key_figures()})
    return pd.DataFrame(rows)


def network_comparison(
    municipalities: Sequence[str],
    end_year: int = 2040,
    scenario: str = "base",
    local: str | Path | None = "auto",
    processed_dir: Path | None = None,
    cache: bool = True,
    **assumptions,
) -> pd.DataFrame:
    """:func:`compare` for several municipalities, each with its main (deterministic) projection.

    Every municipality's report and the network summary show the same comparison, so with ``cache=True``
    it is computed once per build and kept in ``data/processed/cache`` (keyed on the data, the model
    source, the arguments and the user's local extracts).
    """
    from tillsammans import paths, population
    from tillsammans.cache import cached, files_hash

    codes = list(municipalities)

    def compute() -> pd.DataFrame:
        inputs = population.load_inputs(processed_dir)
        return compare({c: workforce(c, population.project_population(c, end_year, scenario, inputs=inputs),
                                     local=local, processed_dir=processed_dir, **assumptions)
                        for c in codes})

    parameters = {"municipalities": codes, "end_year": end_year, "scenario": scenario, "local": str(local),
                  "assumptions": assumptions, "local_files": files_hash(paths.local_dir())}
    return cached("workforce_network", compute, modules=["tillsammans.population", "tillsammans.workforce"],
                  parameters=parameters, processed_dir=processed_dir, enabled=cache)


def assumptions_table(result: WorkforceResult | None = None, **assumptions) -> pd.DataFrame:
    """The assumptions of a run (or of the defaults) for the report.

    Returns
    -------
    DataFrame
        ``Antagande, Värde, Källa`` (Swedish), the parameters first, then the values derived from data.
    """
    a = result.assumptions if result is not None else make_assumptions(**assumptions)
    table = shared_assumptions.table(a, source_column="Källa")
    if result is not None:
        derived = pd.DataFrame([{"Antagande": k, "Värde": v, "Källa": s} for k, (v, s) in result.derived.items()],
                               columns=table.columns)
        table = pd.concat([table, derived], ignore_index=True)
    return table
