"""Report-ready summaries of projections: regions side by side, scenarios, backtest tables.

Thin compositions of the projection and indicator functions, so that notebooks call one function per table
or figure and hold no model code.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tillsammans.municipalities import SWEDEN
from tillsammans.population.backtest import backtest_errors
from tillsammans.population.indicators import WORKING_AGE, dependency_ratio, dependency_ratio_of, working_age_share
from tillsammans.population.inputs import PopulationInputs, load_inputs
from tillsammans.population.national import national_projection, scb_end_year, scb_national
from tillsammans.population.projection import project_population, project_sum
from tillsammans.population.scenarios import SCENARIOS


def _both_sexes(frame: pd.DataFrame, keys: Sequence[str] = ("year",)) -> pd.DataFrame:
    return frame.groupby([*keys, "age"], as_index=False, observed=True)["population"].sum()


def projected_indicators(frame: pd.DataFrame, pension_age: int = 65) -> pd.DataFrame:
    """Yearly indicators of a projection (both sexes).

    Returns
    -------
    DataFrame
        ``year, population, working_age (20–64), share_20_64, share_20_pension (20 to pension_age − 1),
        dependency_ratio, age_80plus, share_80plus``.
    """
    fast = _indicators_from_grid(frame, pension_age)
    if fast is not None:
        return fast
    both = _both_sexes(frame)
    dep = dependency_ratio(both).set_index("year")
    wa = working_age_share(both, *WORKING_AGE).set_index("year")
    wp = working_age_share(both, WORKING_AGE[0], pension_age - 1).set_index("year")
    old = both[both.age >= 80].groupby("year")["population"].sum()
    out = pd.DataFrame({
        "population": wa["population"], "working_age": wa["working_age"], "share_20_64": wa["working_age_share"],
        "share_20_pension": wp["working_age_share"], "dependency_ratio": dep["dependency_ratio"],
        "age_80plus": old,
    })
    out["share_80plus"] = out["age_80plus"] / out["population"]
    return out.reset_index()


def _indicators_from_grid(frame: pd.DataFrame, pension_age: int) -> pd.DataFrame | None:
    """:func:`projected_indicators` of a complete ``year, sex, age, population`` grid (float64, ages 0..100),
    with one grouped sum instead of ten — the same numbers, bit for bit; ``None`` for any other frame (which then
    takes the frame route)."""
    if (set(frame.columns) != {"year", "sex", "age", "population"} or frame["population"].dtype != np.float64
            or not WORKING_AGE[0] <= pension_age - 1 <= 100):
        return None
    years, year_index = np.unique(frame["year"].to_numpy(), return_inverse=True)
    ages = frame["age"].to_numpy()
    if len(frame) != 2 * 101 * len(years) or ages.min() < 0 or ages.max() > 100:
        return None
    counts = np.zeros((len(years), 101), dtype=np.int64)
    np.add.at(counts, (year_index, ages), 1)
    if not (counts == 2).all():
        return None
    # Both sexes: the two rows of a cell added in the frame's order (a pair's Kahan sum is the plain sum).
    both = np.zeros((len(years), 101))
    values = frame["population"].to_numpy()
    order = np.argsort(year_index * 101 + ages, kind="stable")
    cells = (year_index * 101 + ages)[order]
    pairs = values[order].reshape(-1, 2)
    both.reshape(-1)[cells[::2]] = pairs[:, 0] + pairs[:, 1]

    # Each age range summed as the frame route sums it: its rows only, grouped by year (pandas' grouped sum
    # depends on what else is in the block, so one grouping per range keeps the numbers bit for bit).
    lo, hi = WORKING_AGE
    ranges = {"population": (0, 100), "working_age": (lo, hi), "young": (0, lo - 1), "old": (hi + 1, 100),
              "to_pension": (lo, pension_age - 1), "age_80plus": (80, 100)}
    grid_ages, grid_years, flat = np.tile(np.arange(101), len(years)), np.repeat(years, 101), both.reshape(-1)
    sums = pd.DataFrame({
        name: pd.Series(flat[inside]).groupby(grid_years[inside], sort=True).sum().reindex(years, fill_value=0.0)
        for name, (a, b) in ranges.items() for inside in [(grid_ages >= a) & (grid_ages <= b)]})
    sums.index.name = "year"
    out = pd.DataFrame({
        "population": sums["population"], "working_age": sums["working_age"],
        "share_20_64": sums["working_age"] / sums["population"],
        "share_20_pension": sums["to_pension"] / sums["population"],
        "dependency_ratio": dependency_ratio_of(sums["young"], sums["old"], sums["working_age"]),
        "age_80plus": sums["age_80plus"],
    }).reset_index()
    out["share_80plus"] = out["age_80plus"] / out["population"]
    return out


def compare_regions(
    regions: Sequence[str],
    end_year: int = 2040,
    scenario: str = "base",
    pension_age: int = 65,
    inputs: PopulationInputs | None = None,
    processed_dir: Path | None = None,
    **assumptions: Any,
) -> pd.DataFrame:
    """Projected indicators for several regions: municipalities, counties and Sweden side by side.

    A municipality is its own projection from its latest single ages (2019 in the mirror). A county is the
    sum of its municipalities' projections (so the parts add up to the whole). Sweden (``"00"``) is SCB's:
    its observed single ages to 2020, then SCB's national projection 2024 (:func:`national_projection`, to
    2050 at most) — the reports' "Riket", the same in every scenario. Years without data (Sweden 2021–2024,
    after 2050) have NaN indicators, so a line drawn from the frame breaks there.

    Returns
    -------
    DataFrame
        ``region_code, source`` + the columns of :func:`projected_indicators`; ``source`` is ``"model"``,
        ``"observed"`` (SCB) or ``"scb_projection"``.
    """
    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    parts = []
    first = None
    # A region's indicators are kept on the inputs (a report kernel compares the same county, Sweden and
    # neighbours in notebook after notebook); ``assign`` below copies, so the kept frames are never handed out.
    settings = (int(end_year), scenario, int(pension_age), repr(sorted(assumptions.items())))
    for region in regions:
        code = inputs.registry.resolve(region)
        if code == SWEDEN:
            continue
        members = ([c for c in inputs.registry.municipalities() if inputs.registry.county_of(c) == code]
                   if len(code) == 2 else [code])
        part = inputs.memo(("compare_regions", code, *settings), lambda members=members: projected_indicators(
            project_sum(members, end_year, scenario, inputs=inputs, **assumptions), pension_age))
        first = int(part["year"].min()) if first is None else min(first, int(part["year"].min()))
        parts.append(part.assign(source="model", region_code=code))
    if any(inputs.registry.resolve(r) == SWEDEN for r in regions):
        start = first if first is not None else int(scb_national(inputs).years[0])
        part = inputs.memo(("compare_regions", SWEDEN, start, *settings),
                           lambda: _national_indicators(inputs, start, end_year, pension_age))
        parts.append(part.assign(region_code=SWEDEN))
    out = pd.concat(parts, ignore_index=True)
    order = [inputs.registry.resolve(r) for r in regions]
    out["region_code"] = pd.Categorical(out["region_code"], categories=order, ordered=True)
    out = out.sort_values(["region_code", "year"]).reset_index(drop=True)
    out["region_code"] = out["region_code"].astype(str)
    return out[["region_code", "source", *[c for c in out.columns if c not in ("region_code", "source")]]]


def _national_indicators(inputs: PopulationInputs, start: int, end_year: int, pension_age: int) -> pd.DataFrame:
    """Sweden's indicators for :func:`compare_regions`: SCB's observed single ages, then its projection."""
    scb = scb_national(inputs)
    national = national_projection(min(end_year, int(scb.years[-1])), from_year=start, inputs=inputs)
    sources = national.groupby("year")["source"].first()
    part = projected_indicators(national.drop(columns="source"), pension_age)
    part = part.set_index("year").reindex(range(start, end_year + 1)).rename_axis("year").reset_index()
    part["source"] = part["year"].map(sources)
    return part


def scenario_table(
    municipality: str,
    end_year: int = 2040,
    years: Sequence[int] | None = None,
    scenarios: Sequence[str] | None = None,
    inputs: PopulationInputs | None = None,
    processed_dir: Path | None = None,
    **assumptions: Any,
) -> pd.DataFrame:
    """Key numbers of every scenario in selected years.

    Returns
    -------
    DataFrame
        ``scenario, description, year, population, working_age, share_20_64, dependency_ratio, age_80plus``.
    """
    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    scenarios = list(SCENARIOS) if scenarios is None else list(scenarios)
    rows = []
    for name in scenarios:
        ind = projected_indicators(project_population(municipality, end_year, name, inputs=inputs, **assumptions))
        chosen = ind if years is None else ind[ind.year.isin(list(years))]
        chosen = chosen.assign(scenario=name, description=SCENARIOS[name])
        rows.append(chosen)
    out = pd.concat(rows, ignore_index=True)
    return out[["scenario", "description", "year", "population", "working_age", "share_20_64", "dependency_ratio",
                "age_80plus"]]


def backtest_table(backtest: pd.DataFrame, horizons: Sequence[int] = (5, 10),
                   by: Sequence[str] = ("horizon", "age_group"),
                   unreconciled: pd.DataFrame | None = None) -> pd.DataFrame:
    """MAPE of the model and of both naive benchmarks, and the model's mean signed error, wide.

    Parameters
    ----------
    unreconciled : DataFrame, optional
        The same backtest with the unreconciled model (``Assumptions(reconcile=False)``): adds its MAPE and
        mean signed error as ``mape_unreconciled, bias_unreconciled``.

    Returns
    -------
    DataFrame
        ``*by, mape_model, mape_naive_constant, mape_naive_growth, bias_model, n`` (percent; n = projections
        per method), age groups in the order total, 0–19, 20–64, 65–79, 80+.
    """
    by = list(by)

    def wide_errors(frame: pd.DataFrame) -> pd.DataFrame:
        errors = backtest_errors(frame[frame["horizon"].isin(list(horizons))], by=["method", *by])
        return errors.pivot_table(index=by, columns="method", values=["mape", "mean_signed_error", "n"])

    wide = wide_errors(backtest)
    out = pd.DataFrame({
        "mape_model": wide[("mape", "model")], "mape_naive_constant": wide[("mape", "naive_constant")],
        "mape_naive_growth": wide[("mape", "naive_growth")], "bias_model": wide[("mean_signed_error", "model")],
        "n": wide[("n", "model")].astype(int),
    })
    if unreconciled is not None:
        other = wide_errors(unreconciled)
        out.insert(1, "mape_unreconciled", other[("mape", "model")])
        out.insert(5, "bias_unreconciled", other[("mean_signed_error", "model")])
    out = out.reset_index()
    order = {"total": 0, "0–19": 1, "20–64": 2, "65–79": 3, "80+": 4}
    return out.sort_values(by, key=lambda s: s.map(order) if s.name == "age_group" else s).reset_index(drop=True)


def national_comparison(
    end_year: int | None = None,
    inputs: PopulationInputs | None = None,
    processed_dir: Path | None = None,
    cache: bool = True,
) -> pd.DataFrame:
    """Per year: the sum of the 290 municipal projections beside SCB's national projection and our own.

    The first thing a demographer does with municipal projections is add them up. Rows from the latest
    observed year (2025) to ``end_year`` (default and at most SCB's last year, 2050).

    Returns
    -------
    DataFrame
        ``year, sum_reconciled`` (main scenario), ``sum_unreconciled`` (scenario ``"unreconciled"``),
        ``own_national`` (this model run on Sweden's own data, ``project_population("00")``, unreconciled),
        ``scb`` (SCB's national projection 2024, stocks derived from its mean population), and the
        differences from SCB in percent: ``reconciled_pct, unreconciled_pct, own_national_pct``.
    """
    from tillsammans.cache import cached

    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    last = scb_end_year(scb_national(inputs), end_year)
    return cached("population_national_comparison", lambda: _national_comparison(inputs, last),
                  modules=["tillsammans.population"], parameters={"end_year": last},
                  processed_dir=inputs.processed_dir, enabled=cache)


def _national_comparison(inputs: PopulationInputs, end_year: int) -> pd.DataFrame:
    scb = scb_national(inputs)
    codes = inputs.registry.municipalities()
    sums = {}
    for scenario in ("base", "unreconciled"):
        frame = project_sum(codes, end_year, scenario, inputs=inputs)
        sums[scenario] = frame.groupby("year")["population"].sum()
    own = project_population(SWEDEN, end_year, "base", inputs=inputs).groupby("year")["population"].sum()
    years = range(int(scb.years[0]), end_year + 1)
    out = pd.DataFrame({
        "year": list(years),
        "sum_reconciled": [sums["base"][y] for y in years],
        "sum_unreconciled": [sums["unreconciled"][y] for y in years],
        "own_national": [own[y] for y in years],
        "scb": [scb.stock(y).sum() for y in years],
    })
    for column, name in (("sum_reconciled", "reconciled_pct"), ("sum_unreconciled", "unreconciled_pct"),
                         ("own_national", "own_national_pct")):
        out[name] = 100 * (out[column] / out["scb"] - 1)
    return out


def scenario_comparison(
    municipalities: str | Sequence[str],
    end_year: int = 2040,
    scenarios: Sequence[str] = ("base", "housing"),
    years: Sequence[int] | None = None,
    groups: dict[str, tuple[int, int]] | None = None,
    inputs: PopulationInputs | None = None,
    processed_dir: Path | None = None,
    **assumptions: Any,
) -> pd.DataFrame:
    """Population by age group in several scenarios, side by side (e.g. the housing scenario beside the main one).

    Parameters
    ----------
    municipalities : str or list of str
        One municipality or several (each projected on its own).
    years : list of int, optional
        Years to keep (default: every projected year).
    groups : dict, optional
        Age groups (default :data:`SERVICE_AGE_GROUPS`); the total is always included as ``"total"``.

    Returns
    -------
    DataFrame
        ``region_code, scenario, year, age_group, population, difference`` — ``difference`` is the scenario's
        population less the first scenario's (persons; 0 for the first).
    """
    from tillsammans.population.indicators import SERVICE_AGE_GROUPS, age_groups

    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    codes = [municipalities] if isinstance(municipalities, str) else list(municipalities)
    codes = [inputs.registry.resolve(c, level="municipality") for c in codes]
    groups = SERVICE_AGE_GROUPS if groups is None else groups
    unknown = [s for s in scenarios if s not in SCENARIOS]
    if unknown or not scenarios:
        raise ValueError(f"unknown scenario(s) {unknown}; allowed: {', '.join(SCENARIOS)}")
    parts = []
    for code in codes:
        for name in scenarios:
            frame = _both_sexes(project_population(code, end_year, name, inputs=inputs, **assumptions))
            if years is not None:
                frame = frame[frame["year"].isin(list(years))]
            grouped = age_groups(frame, {"total": (0, 100), **groups})[["year", "age_group", "population"]]
            parts.append(grouped.assign(region_code=code, scenario=name))
    out = pd.concat(parts, ignore_index=True)
    out["age_group"] = out["age_group"].astype(str)
    first = out[out["scenario"] == scenarios[0]].set_index(["region_code", "year", "age_group"])["population"]
    out["difference"] = out["population"].to_numpy() - first.reindex(
        pd.MultiIndex.from_frame(out[["region_code", "year", "age_group"]])).to_numpy()
    return out[["region_code", "scenario", "year", "age_group", "population", "difference"]]


def dwellings_table(
    municipality: str,
    end_year: int = 2040,
    history_from: int = 1994,
    inputs: PopulationInputs | None = None,
    processed_dir: Path | None = None,
    **assumptions: Any,
) -> pd.DataFrame:
    """Completed dwellings per year and the housing scenario's path, with the reference the main projection holds.

    Returns
    -------
    DataFrame
        ``year, dwellings, kind`` — ``kind`` ``"observed"`` (Kolada n07917, to 2022), then per projected year
        the path's source (``"local"``, ``"default"``, ``"recent"``); ``attrs``: ``reference`` (dwellings a
        year in the level years), ``reference_years``, ``source`` (Swedish description of the path, with its
        numbers), ``label`` (a Swedish phrase naming where the path comes from), ``file`` (the local plan).
    """
    from tillsammans.population.dwellings import PATH_LABELS, completions
    from tillsammans.population.levels import prepare_region

    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    code = inputs.registry.resolve(municipality, level="municipality")
    plan = prepare_region(code, None, end_year, "housing", inputs, **assumptions).housing
    if plan is None:  # the housing scenario always makes a plan; a model without one is a programming error
        raise RuntimeError(f"the housing scenario made no dwelling plan for {code}")
    seen = completions(inputs, code)
    history = pd.DataFrame({"year": seen.index.astype(int), "dwellings": seen.to_numpy(), "kind": "observed"})
    out = pd.concat([history[history["year"] >= history_from], plan.path.frame()], ignore_index=True)
    out.attrs.update(reference=plan.reference, reference_years=plan.reference_years, source=plan.path.source,
                     label=PATH_LABELS[plan.path.kind], file=plan.path.file)
    return out


def housing_parameters(inputs: PopulationInputs | None = None, processed_dir: Path | None = None) -> pd.DataFrame:
    """The housing scenario's estimated parameters for the report, Swedish labels.

    Returns
    -------
    DataFrame
        ``parameter, label, estimate, se, lower95, upper95, n`` (persons per completed dwelling; the
        replacement: persons per out-migrant); :mod:`~tillsammans.population.housing`.
    """
    from tillsammans.population.housing import PARAMETER_LABELS, housing_effect

    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    effect = housing_effect(inputs)
    out = effect.parameters.copy()
    out.insert(1, "label", out["parameter"].map(PARAMETER_LABELS))
    out.attrs.update(years=effect.years, n_municipalities=effect.n_municipalities)
    return out


def housing_assumptions(
    municipality: str,
    end_year: int = 2040,
    inputs: PopulationInputs | None = None,
    processed_dir: Path | None = None,
    **assumptions: Any,
) -> pd.DataFrame:
    """Rows of the assumptions table for the housing scenario: the dwelling path, its source, the parameters.

    Returns
    -------
    DataFrame
        ``Antagande, Värde, Källa/motivering`` (as :func:`~tillsammans.population.assumptions_table`).
    """
    from tillsammans.formatting import fmt_number
    from tillsammans.population.housing import PARAMETER_LABELS

    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    table = dwellings_table(municipality, end_year, inputs=inputs, **assumptions)
    path = table[table["kind"] != "observed"]
    ref_years = table.attrs["reference_years"]
    params = housing_parameters(inputs).set_index("parameter")
    y0, y1 = params.attrs["years"]

    def estimate(name: str) -> str:
        r = params.loc[name]
        return (f"{fmt_number(r.estimate, 2)} personer (95 %: {fmt_number(r.lower95, 2)} till "
                f"{fmt_number(r.upper95, 2)})")
    source = (f"Skattat i alla {params.attrs['n_municipalities']} kommuner {y0}–{y1} med fasta effekter för kommun "
              "och år (Kolada n01801, n01802, n07917, n01951; statsmodels, standardfel klustrade per kommun)")
    rows = [
        {"Antagande": "Färdigställda bostäder per år i scenariot Bostadsbyggande",
         "Värde": (f"{fmt_number(path['dwellings'].mean())} per år i genomsnitt "
                   f"{int(path['year'].min())}–{int(path['year'].max())}"),
         "Källa/motivering": table.attrs["source"]},
        {"Antagande": "Bostadsbyggandet som huvudalternativets flyttnivåer bygger på",
         "Värde": f"{fmt_number(table.attrs['reference'])} per år ({ref_years[0]}–{ref_years[-1]})",
         "Källa/motivering": "Färdigställda bostäder under åren för flyttnivåerna (Kolada n07917); bara skillnaden "
                             "mot detta ändrar flyttningen i scenariot"},
        {"Antagande": PARAMETER_LABELS["in_per_dwelling"], "Värde": estimate("in_per_dwelling"),
         "Källa/motivering": source},
        {"Antagande": PARAMETER_LABELS["out_per_dwelling"], "Värde": estimate("out_per_dwelling"),
         "Källa/motivering": source + "; negativt: byggandet håller kvar invånare som annars flyttat"},
        {"Antagande": "Avstämning av bostadseffekten mot riket", "Värde": "nej",
         "Källa/motivering": "Bostadsbyggandet är kommunens egen plan; huvudalternativets avstämning behålls, "
                             "bostadseffekten läggs till utan att tas från andra kommuner"},
    ]
    return pd.DataFrame(rows, columns=["Antagande", "Värde", "Källa/motivering"])


def scenario_assumptions_table(
    municipality: str,
    scenario: str = "base",
    end_year: int = 2040,
    inputs: PopulationInputs | None = None,
    processed_dir: Path | None = None,
    **assumptions: Any,
) -> pd.DataFrame:
    """The population model's assumptions table for a report: every assumption, and the scenario's own rows.

    The housing scenario adds its dwelling path, where the numbers come from, and its parameters
    (:func:`housing_assumptions`); the other scenarios change named assumptions only.
    """
    from tillsammans.population.assumptions import assumptions_table
    from tillsammans.population.scenarios import SCENARIO_DEFINITIONS

    if scenario not in SCENARIO_DEFINITIONS:
        raise ValueError(f"unknown scenario {scenario!r}; allowed: {', '.join(SCENARIO_DEFINITIONS)}")
    table = assumptions_table(scenario=scenario, **assumptions)  # the values of the scenario that ran
    if SCENARIO_DEFINITIONS[scenario].housing_led:
        extra = housing_assumptions(municipality, end_year, inputs=inputs, processed_dir=processed_dir,
                                    **assumptions)
        table = pd.concat([table, extra], ignore_index=True)
    return table


def housing_overview(
    municipalities: Sequence[str],
    end_year: int = 2040,
    inputs: PopulationInputs | None = None,
    processed_dir: Path | None = None,
    **assumptions: Any,
) -> pd.DataFrame:
    """Per municipality: the housing scenario's dwellings beside the reference, and the population it gives.

    Returns
    -------
    DataFrame
        ``region_code, dwellings_per_year`` (mean of the path over the projected years), ``reference`` (mean
        completions a year in the level years), ``path_kind`` (``local``, ``default`` or ``recent``),
        ``population_base, population_housing, difference`` (persons in ``end_year``; the main scenario and the
        housing scenario), ``working_age_base, working_age_housing`` (20–64).
    """
    inputs = inputs if inputs is not None else load_inputs(processed_dir)
    codes = [inputs.registry.resolve(c, level="municipality") for c in municipalities]
    groups = scenario_comparison(codes, end_year, ("base", "housing"), years=[end_year],
                                 groups={"20–64": (20, 64)}, inputs=inputs, **assumptions)
    wide = groups.pivot_table(index="region_code", columns=["age_group", "scenario"], values="population")
    rows = []
    for code in codes:
        table = dwellings_table(code, end_year, inputs=inputs, **assumptions)
        path = table[table["kind"] != "observed"]
        rows.append({"region_code": code, "dwellings_per_year": float(path["dwellings"].mean()),
                     "reference": float(table.attrs["reference"]),
                     "path_kind": "local" if (path["kind"] == "local").any() else str(path["kind"].iloc[0]),
                     "population_base": float(wide.at[code, ("total", "base")]),
                     "population_housing": float(wide.at[code, ("total", "housing")]),
                     "working_age_base": float(wide.at[code, ("20–64", "base")]),
                     "working_age_housing": float(wide.at[code, ("20–64", "housing")])})
    out = pd.DataFrame(rows)
    out.insert(6, "difference", out["population_housing"] - out["population_base"])
    return out
