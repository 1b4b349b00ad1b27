"""Demand backtest: would the demand model have predicted the staff that municipalities actually had?

From each jump-off year (2012, 2015, 2019 by default) the production demand code (today's staff split by
sector, :func:`~tillsammans.workforce.staff_today`; staff per user held constant,
:func:`~tillsammans.workforce.demand.need_array`) predicts each later year's staff up to the last year with
data, with users from the *observed* population, for all 290 municipalities and three series with
observed staff in Kolada: all municipal årsarbetare (``n00098``), preschool (``n11104``) and care of the
elderly and disabled (``n20041``). Beside it, two naive predictions: constant staff, and constant staff per
inhabitant.

The observed population by single age exists for 2019 only, so each year's population is synthesised: the
2019 single-age counts scaled, within each of Kolada's age groups (0, 1–5, 6–15, 16–19, 20–64, 65–79, 80+),
to that year's observed group total. Staff and populations are the jump-off's; a few weights start later in
Kolada and are taken from their first year (eldercare use rates from 2015 for the 2012 jump-off; Sweden's
cost shares that split the staff outside preschool and care, 2014–2016, for 2012 and 2015).

Error measures (:func:`backtest_errors`): the mean, the median and the staff-weighted absolute percentage
error, the bias, and the same without organisational breaks of the observed series (:func:`series_breaks`:
staff moved to or from a company, a joint board or private providers show up as jumps no demography
explains); :func:`backtest_drivers` lists the municipalities behind a mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from tillsammans import data
from tillsammans.workforce.demand import need_array, use_rates, user_weights
from tillsammans.workforce.inputs import kolada_all, kolada_series, model_inputs
from tillsammans.workforce.sectors import SECTORS
from tillsammans.workforce.staff import sector_staff, staff_today

#: Default jump-off years of the backtest.
JUMP_OFFS = (2012, 2015, 2019)
#: Kolada age groups used to synthesise single-age populations: KPI → (first age, last age).
AGE_GROUP_KPIS = {"n01817": (0, 0), "n01926": (1, 5), "n01953": (6, 15), "n01954": (16, 19),
                  "n01955": (20, 64), "n01956": (65, 79), "n01957": (80, 100)}
#: The observed series: name → (Kolada KPI, the model's sectors summed).
SERIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "total": ("n00098", tuple(SECTORS)),
    "forskola": ("n11104", ("forskola",)),
    "vard_omsorg": ("n20041", ("aldreomsorg", "funktionsstod", "halso_sjukvard")),
}
#: Prediction methods: the model and the two naive benchmarks.
METHODS = ("model", "constant_staff", "constant_per_inhabitant")
#: An observed staff series that changes by more than this factor from one year to the next (up or down)
#: has an organisational break: demography moves a municipality's users by a few percent a year, so such a
#: jump means staff moved to or from a company, a joint board or private providers (Kolada counts only the
#: municipality's own employees). Set before looking at which rows it flags.
BREAK_FACTOR = 1.5


def series_breaks(values: np.ndarray, factor: float = BREAK_FACTOR) -> np.ndarray:
    """Whether a break happened in or before each year (cumulative): ``values`` by year, NaN where missing.

    A break is a change by more than ``factor`` (either way) from the previous year with a value, or a
    change between zero and a positive number. The first year never has one.
    """
    values = np.asarray(values, dtype=float)
    out = np.zeros(len(values), dtype=bool)
    previous = np.nan
    for i, v in enumerate(values):
        if np.isnan(v):
            continue
        if not np.isnan(previous):
            low, high = min(v, previous), max(v, previous)
            out[i] = (high > 0 and low <= 0) or (low > 0 and high / low > factor)
        previous = v
    return np.logical_or.accumulate(out)


def synthesise_population(shape: np.ndarray, groups: pd.DataFrame) -> np.ndarray:
    """Single-age populations (years × 101) from a single-age shape and Kolada group totals per year.

    Parameters
    ----------
    shape : ndarray
        Persons by single age 0..100 in a year with single-age data (2019).
    groups : DataFrame
        One row per year, one column per KPI of :data:`AGE_GROUP_KPIS` (persons).
    """
    out = np.zeros((len(groups), 101))
    for kpi, (low, high) in AGE_GROUP_KPIS.items():
        part = shape[low:high + 1]
        total = part.sum()
        weights = part / total if total > 0 else np.full(len(part), 1 / len(part))
        out[:, low:high + 1] = groups[kpi].to_numpy()[:, None] * weights[None, :]
    return out


def backtest_demand(municipalities: Sequence[str] | None = None, jump_offs: Sequence[int] = JUMP_OFFS,
                    last_year: int | None = None, processed_dir: Path | None = None) -> pd.DataFrame:
    """Predicted and observed staff from each jump-off to ``last_year`` (default: the last year with data).

    Returns
    -------
    DataFrame
        ``region_code, jump_off, year, horizon, series, observed, model, constant_staff,
        constant_per_inhabitant`` (årsarbetare) and ``break``: the observed series had an organisational
        break (:func:`series_breaks`) between the jump-off and the year. Municipalities without the jump-off
        year's staff data are left out of that jump-off (and counted in ``attrs["skipped"]``).
    """
    tidy = kolada_all(processed_dir)
    groups_tidy = data.kolada(list(AGE_GROUP_KPIS), processed_dir=processed_dir)
    single = data.load_table("population_municipality_age_sex", processed_dir)
    shapes = single.groupby(["region_code", "age"])["population"].sum().unstack().reindex(columns=range(101))
    codes = list(shapes.index) if municipalities is None else list(municipalities)
    staff_kpis = [kpi for kpi, _ in SERIES.values()] + ["n01951"]
    observed = tidy[tidy["kpi"].isin(staff_kpis)].pivot_table(index=["region_code", "year"], columns="kpi",
                                                               values="value")
    last_year = int(observed.index.get_level_values("year").max()) if last_year is None else int(last_year)
    series = kolada_series(tidy)
    groups_all = groups_tidy.pivot_table(index=["region_code", "year"], columns="kpi", values="value").reindex(
        columns=list(AGE_GROUP_KPIS))
    with_groups = set(groups_all.index.get_level_values("region_code"))
    rows = []
    skipped: list[tuple[str, int | None]] = []  # (municipality, jump-off year; None: every jump-off)
    for code in codes:
        if code not in with_groups or code not in shapes.index:
            skipped.append((code, None))
            continue
        groups = groups_all.loc[code]
        for jump in jump_offs:
            years = np.arange(jump, last_year + 1)
            g = groups.reindex(years)
            if g.isna().any().any() or (code, jump) not in observed.index:
                skipped.append((code, jump))
                continue
            pop = synthesise_population(shapes.loc[code].to_numpy(dtype=float), g)
            try:
                inputs = model_inputs(code, jump, series=series)
                sectors = sector_staff(staff_today(code, jump, local=None, inputs=inputs))
                frame = pd.DataFrame({"year": jump, "age": np.arange(101), "population": pop[0]})
                rates = use_rates(inputs, code, frame, jump)
            except ValueError:
                skipped.append((code, jump))
                continue
            staff0 = sectors.set_index("sector")["staff"].reindex(list(SECTORS)).to_numpy()
            need = need_array((pop @ user_weights(rates))[None], staff0, years, jump)[0]
            obs = observed.loc[code].reindex(years)
            inhabitants = obs["n01951"].to_numpy()
            for name, (kpi, sectors_) in SERIES.items():
                idx = [list(SECTORS).index(s) for s in sectors_]
                model = need[:, idx].sum(axis=1)
                # the model's jump-off value is its own split of the observed total: scale to the observed
                # series so that all three methods start from the same observed number
                start = obs[kpi].iloc[0]
                model = model / model[0] * start if model[0] > 0 else model
                values_ = obs[kpi].to_numpy(dtype=float)
                broken = series_breaks(values_)
                for k, year in enumerate(years[1:], start=1):
                    rows.append((code, jump, int(year), k, name, values_[k], model[k], start,
                                 start * inhabitants[k] / inhabitants[0], bool(broken[k])))
    out = pd.DataFrame(rows, columns=["region_code", "jump_off", "year", "horizon", "series", "observed",
                                      *METHODS, "break"])
    out = out.dropna(subset=["observed"]).reset_index(drop=True)
    out.attrs["skipped"] = skipped
    return out


def _long(backtest: pd.DataFrame) -> pd.DataFrame:
    frame = backtest[backtest["observed"] > 0].assign(start=lambda f: f["constant_staff"])
    if "break" not in frame.columns:
        frame = frame.assign(**{"break": False})
    long = frame.melt(id_vars=[c for c in frame.columns if c not in METHODS], value_vars=list(METHODS),
                      var_name="method", value_name="predicted")
    long["error"] = long["predicted"] - long["observed"]
    long["pe"] = 100 * long["error"] / long["observed"]
    long["ape"] = long["pe"].abs()
    long["abs_error"] = long["error"].abs()
    return long


def backtest_errors(backtest: pd.DataFrame, by: Sequence[str] = ("series", "horizon")) -> pd.DataFrame:
    """Errors and bias of each method, in percent.

    Returns
    -------
    DataFrame
        ``*by, method, n, mape, median_ape, wape, bias, n_break, mape_no_break, bias_no_break``:

        * ``mape`` — mean absolute percentage error (each municipality counts the same);
        * ``median_ape`` — the median of the absolute percentage errors;
        * ``wape`` — staff-weighted: Σ |predicted − observed| ÷ Σ observed (large municipalities count by
          their staff; a small series that collapses cannot dominate it);
        * ``bias`` — mean percentage error (positive: the method predicted too many staff);
        * ``n_break``, ``mape_no_break``, ``bias_no_break`` — the rows whose observed series had an
          organisational break (:data:`BREAK_FACTOR`) and the mean error and bias without them.

        Rows with observed staff ≤ 0 are left out.
    """
    long = _long(backtest)
    keys = list(dict.fromkeys([*by, "method"]))
    grouped = long.groupby(keys, sort=False)
    out = grouped.agg(n=("pe", "size"), mape=("ape", "mean"), median_ape=("ape", "median"),
                      abs_error=("abs_error", "sum"), observed=("observed", "sum"), bias=("pe", "mean"),
                      n_break=("break", "sum"))
    out["wape"] = 100 * out.pop("abs_error") / out.pop("observed")
    clean = long[~long["break"]].groupby(keys, sort=False).agg(mape_no_break=("ape", "mean"),
                                                                bias_no_break=("pe", "mean"))
    out = out.join(clean).reset_index()
    out["n_break"] = out["n_break"].astype(int)
    out["method"] = pd.Categorical(out["method"], categories=list(METHODS))
    columns = [*keys, "n", "mape", "median_ape", "wape", "bias", "n_break", "mape_no_break", "bias_no_break"]
    return out.sort_values(keys).reset_index(drop=True)[columns]


def backtest_drivers(backtest: pd.DataFrame, series: str = "vard_omsorg", horizon: int = 10,
                     method: str = "model", top: int = 5) -> pd.DataFrame:
    """The municipalities that drive a mean error: the largest absolute percentage errors of one cell.

    Returns
    -------
    DataFrame
        ``region_code, jump_off, year, observed, predicted, staff_at_jump_off, ape, share_of_mean, break``
        for the ``top`` rows with the largest error (``share_of_mean``: their part of the mean absolute
        percentage error of the cell, 0..1). ``attrs["mape"]`` is the cell's mean.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
    long = _long(backtest)
    cell = long[(long["series"] == series) & (long["horizon"] == horizon) & (long["method"] == method)]
    if cell.empty:
        raise ValueError(f"no backtest rows for series {series!r} at horizon {horizon}")
    rows = cell.nlargest(top, "ape")
    out = pd.DataFrame({"region_code": rows["region_code"], "jump_off": rows["jump_off"], "year": rows["year"],
                        "observed": rows["observed"], "predicted": rows["predicted"],
                        "staff_at_jump_off": rows["start"], "ape": rows["ape"],
                        "share_of_mean": rows["ape"] / cell["ape"].sum(),
                        "break": rows["break"]}).reset_index(drop=True)
    out.attrs["mape"] = float(cell["ape"].mean())
    return out


def cached_backtest(jump_offs: Sequence[int] = JUMP_OFFS, processed_dir: Path | None = None,
                    cache: bool = True) -> pd.DataFrame:
    """:func:`backtest_demand` for all municipalities, computed once per build (``data/processed/cache``)."""
    from tillsammans.cache import cached

    return cached("workforce_backtest", lambda: backtest_demand(None, jump_offs, processed_dir=processed_dir),
                  modules=["tillsammans.workforce"], parameters={"jump_offs": list(jump_offs)},
                  processed_dir=processed_dir, enabled=cache)
