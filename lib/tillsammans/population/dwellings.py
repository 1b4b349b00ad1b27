"""Dwellings completed per year: what was built, a default forecast, and a municipality's own plan.

The housing scenario (:mod:`~tillsammans.population.housing`) ties migration to the dwellings completed each
year. This module says how many those are:

* **observed** — Kolada n07917 (completed dwellings in new buildings per 1 000 inhabitants, SCB) times the
  inhabitants on 31 December (n01951) ÷ 1 000, every municipality 1994–2022;
* **default** — a forecast from the municipality's building permits of the last two years (n07925) and its
  completions of the last ten years, by a rule estimated across all 290 municipalities
  (:func:`completion_rule`): the mean yearly completions of the next five years per 1 000 inhabitants,
  regressed on the permits granted in the last two years per year and the ten-year mean completions, both
  per 1 000 inhabitants. It is applied at the latest year with permits (2021 in the mirror) and held for
  every later year (a constant number of dwellings a year). Plan readiness (n07923) was tried as a third
  predictor and added nothing (``completion_rule().candidates``);
* **local** — the municipality's own plan, ``data/raw/local/dwellings_<code>.csv`` (``year,
  dwellings_planned``), from its housing programme (*bostadsförsörjningsprogram*); strictly validated
  (:func:`read_dwellings`), documented with an example in ``docs/local_dwellings_file.md``. Years the file
  does not cover follow the default.

``Assumptions.dwelling_path`` chooses: ``"auto"`` (the local file if present, else the default),
``"local"``, ``"default"`` or ``"observed"`` (the completions that actually happened, for backtests; the
default after the last observed year).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tillsammans import paths
from tillsammans.cache import storable
from tillsammans.population.inputs import PopulationInputs

#: Completed dwellings in new buildings per 1 000 inhabitants (31 December), Kolada (SCB).
COMPLETIONS_KPI = "n07917"
#: Dwellings granted building permits in the last two years (T and T − 1) per 1 000 inhabitants of T − 1.
PERMITS_KPI = "n07925"
#: Plan readiness: dwellings that can be built under all valid detailed plans on 31 December, per 1 000.
PLAN_READINESS_KPI = "n07923"

#: Years ahead whose mean completions the default rule predicts, and years of the "recent" mean.
RULE_HORIZON, RECENT_YEARS = 5, 10

#: Columns of the local dwellings file, in this order.
DWELLINGS_COLUMNS: tuple[str, str] = ("year", "dwellings_planned")

#: Most dwellings per 1 000 inhabitants a year accepted in a local file: twice the highest yearly rate any
#: municipality completed 1994–2022 (30 per 1 000).
MAX_DWELLINGS_PER_1000 = 60.0

#: Largest number of dwellings in one row of a local file (more than any Swedish municipality completes).
MAX_DWELLINGS = 50_000

#: Swedish names of the dwelling paths (captions, the assumptions table).
PATH_LABELS = {
    "observed": "de bostäder som färdigställdes enligt SCB, Kolada n07917",
    "default": "en prognos ur beviljade bygglov de senaste två åren och färdigställda bostäder de senaste tio "
               "åren, Kolada n07925 och n07917",
    "recent": "genomsnittet av färdigställda bostäder de senaste tio åren, Kolada n07917",
    "local": "kommunens egen plan ur bostadsförsörjningsprogrammet",
}


class DwellingsFileError(ValueError):
    """A local dwellings file that breaks the schema; the message names the file, the line and the rule."""


def dwellings_path(municipality: str, directory: Path | None = None) -> Path:
    """Where a municipality's own dwelling plan is expected: ``data/raw/local/dwellings_<code>.csv``."""
    return Path(directory or paths.local_dir()) / f"dwellings_{municipality}.csv"


def _grid(inputs: PopulationInputs, kpi: str) -> np.ndarray:
    return inputs.kolada_values[kpi]


def completions(inputs: PopulationInputs, code: str) -> pd.Series:
    """Completed dwellings in new buildings per year (dwellings), Kolada n07917 × n01951 ÷ 1 000.

    Returns
    -------
    Series
        Dwellings by year (1994–2022 in the mirror); years without data are left out.
    """
    counts = completion_counts(inputs, code)
    return pd.Series(list(counts.values()), index=pd.Index(list(counts), name="year", dtype=int), name="dwellings",
                     dtype=float)


def completion_counts(inputs: PopulationInputs, code: str) -> dict[int, float]:
    """:func:`completions` as ``{year: dwellings}`` (memoised; the projection reads it once per run)."""
    def compute() -> dict[int, float]:
        row = inputs.kolada_codes.get(code)
        if row is None:
            return {}
        count = _grid(inputs, COMPLETIONS_KPI)[row] * _grid(inputs, "n01951")[row] / 1000
        ok = np.isfinite(count)
        return dict(zip(inputs.kolada_years[ok].astype(int).tolist(), count[ok].tolist(), strict=True))
    return inputs.memo(("completions", code), compute)


def _rates(inputs: PopulationInputs) -> dict[str, np.ndarray]:
    """Per municipality (rows: :func:`_municipal_rows`) and year: completions, population, permits per year."""
    def compute() -> dict[str, np.ndarray]:
        rows = _municipal_rows(inputs)
        pop = _grid(inputs, "n01951")[rows]
        count = _grid(inputs, COMPLETIONS_KPI)[rows] * pop / 1000
        permits = np.full_like(pop, np.nan)
        # n07925 counts two years per 1 000 inhabitants of the year before: per year and per inhabitant of t.
        permits[:, 1:] = _grid(inputs, PERMITS_KPI)[rows, 1:] / 2 * pop[:, :-1] / pop[:, 1:]
        return {"count": count, "population": pop, "permits": permits,
                "plan": _grid(inputs, PLAN_READINESS_KPI)[rows]}
    return inputs.memo(("dwelling_rates",), compute)


def _municipal_rows(inputs: PopulationInputs) -> list[int]:
    return inputs.memo(("municipal_kolada_rows",),
                       lambda: [inputs.kolada_codes[c] for c in inputs.registry.municipalities()
                                if c in inputs.kolada_codes])


def predictors(inputs: PopulationInputs, year: int) -> pd.DataFrame:
    """The default rule's predictors (per 1 000 inhabitants on 31 December of ``year``) and its outcome.

    Returns
    -------
    DataFrame
        Index ``region_code``; ``permits`` (dwellings granted permits per year, the last two years),
        ``recent`` (mean completions of the last ten years), ``recent5`` (of the last five), ``plan`` (plan
        readiness), ``outcome`` (mean completions of the next five years; NaN where not yet observed).
    """
    r = _rates(inputs)
    j = int(year - inputs.kolada_years[0])
    pop = r["population"][:, j]
    n_years = len(inputs.kolada_years)

    def mean_rate(lo: int, hi: int) -> np.ndarray:
        if lo < 0 or hi >= n_years:
            return np.full(len(pop), np.nan)
        return r["count"][:, lo:hi + 1].mean(axis=1) / pop * 1000
    codes = [c for c in inputs.registry.municipalities() if c in inputs.kolada_codes]
    return pd.DataFrame({
        "permits": r["permits"][:, j], "recent": mean_rate(j - RECENT_YEARS + 1, j),
        "recent5": mean_rate(j - 4, j), "plan": r["plan"][:, j],
        "outcome": mean_rate(j + 1, j + RULE_HORIZON),
    }, index=pd.Index(codes, name="region_code"))


#: Candidate predictor sets of the default rule; the chosen one is :data:`RULE_PREDICTORS`.
RULE_CANDIDATES: dict[str, tuple[str, ...]] = {
    "permits": ("permits",),
    "permits_recent": ("permits", "recent"),
    "permits_recent_plan": ("permits", "recent", "plan"),
}
RULE_PREDICTORS = RULE_CANDIDATES["permits_recent"]


@storable
@dataclass(frozen=True)
class CompletionRule:
    """The default rule: next five years' mean completions per 1 000 inhabitants from today's predictors.

    Attributes
    ----------
    coefficients, standard_errors : dict
        ``const`` and each of :data:`RULE_PREDICTORS` (dwellings per 1 000 inhabitants per year, per unit
        of the predictor); standard errors clustered by municipality.
    info_years : tuple of int
        The years whose predictors (and next five years' outcomes) the rule was estimated on.
    n : int
        Municipality × year rows.
    candidates : DataFrame
        The choice among :data:`RULE_CANDIDATES` (AIC on the first information year, on the rows every
        candidate has) and its check on the last information year, beside the benchmarks (mean absolute
        errors, dwellings per 1 000 inhabitants a year; see :func:`_candidates`); empty when fewer than two
        information years exist.
    """

    coefficients: dict[str, float]
    standard_errors: dict[str, float]
    info_years: tuple[int, ...]
    n: int
    candidates: pd.DataFrame = field(default_factory=pd.DataFrame)

    def predict(self, frame: pd.DataFrame) -> pd.Series:
        """Predicted yearly completions per 1 000 inhabitants (≥ 0) for rows with the predictors."""
        value = self.coefficients["const"] + sum(self.coefficients[p] * frame[p] for p in RULE_PREDICTORS)
        return value.clip(lower=0.0)


def _fit(frame: pd.DataFrame, columns: tuple[str, ...]):
    import statsmodels.api as sm

    groups = pd.factorize(frame.index.get_level_values("region_code"))[0]
    design = sm.add_constant(frame[list(columns)], has_constant="add")
    if frame.index.get_level_values("year").nunique() > 1:
        return sm.OLS(frame["outcome"], design).fit(cov_type="cluster", cov_kwds={"groups": groups})
    return sm.OLS(frame["outcome"], design).fit(cov_type="HC1")


def rule_years(inputs: PopulationInputs, as_of: int | None = None) -> list[int]:
    """Information years with permits for most municipalities whose next five years of completions are observed
    (by ``as_of``)."""
    r = _rates(inputs)
    last = int(inputs.kolada_years[np.isfinite(r["count"]).mean(axis=0) > 0.9][-1])
    if as_of is not None:
        last = min(last, int(as_of))
    years = []
    for j, y in enumerate(inputs.kolada_years.astype(int)):
        if y + RULE_HORIZON <= last and np.isfinite(r["permits"][:, j]).mean() > 0.9:
            years.append(int(y))
    return years


def completion_rule(inputs: PopulationInputs, as_of: int | None = None) -> CompletionRule | None:
    """The default rule estimated on every information year available by ``as_of`` (None: all data).

    OLS (statsmodels) across the 290 municipalities, pooled over the information years (2015–2017 in the
    mirror, outcomes to 2022), standard errors clustered by municipality. None when no year qualifies
    (before 2020 no five-year outcome after a year with permits was observed: then the default is the
    ten-year mean).
    """
    from tillsammans.cache import cached

    def compute() -> CompletionRule | None:
        years = rule_years(inputs, as_of)
        if not years:
            return None
        frame = pd.concat({y: predictors(inputs, y) for y in years}, names=["year"]).swaplevel().sort_index()
        data = frame.dropna(subset=[*RULE_PREDICTORS, "outcome"])
        fit = _fit(data, RULE_PREDICTORS)
        return CompletionRule(coefficients={k: float(v) for k, v in fit.params.items()},
                              standard_errors={k: float(v) for k, v in fit.bse.items()},
                              info_years=tuple(years), n=int(fit.nobs),
                              candidates=_candidates(inputs, years))
    # With all data the rule is kept in data/processed/cache: a report kernel then needs no statsmodels import.
    return inputs.memo(("completion_rule", as_of),
                       lambda: cached("population_completion_rule", compute, modules=["tillsammans.population"],
                                      parameters={"as_of": as_of}, processed_dir=inputs.processed_dir,
                                      enabled=as_of is None))


def _candidates(inputs: PopulationInputs, years: list[int]) -> pd.DataFrame:
    """Each candidate fitted on the first information year and evaluated on the last, beside the benchmarks.

    Plan readiness is published for about half of the municipalities, so every rule is compared on the rows
    that have all predictors (``*_common``); the rules without it also on every municipality (``*_all``).
    """
    if len(years) < 2:
        return pd.DataFrame()
    first, last = years[0], years[-1]
    fit_frame = pd.concat({first: predictors(inputs, first)}, names=["year"]).swaplevel()
    columns_all = ["permits", "recent", "recent5", "plan", "outcome"]
    fit_common = fit_frame.dropna(subset=columns_all)
    test = predictors(inputs, last).dropna(subset=["permits", "recent", "recent5", "outcome"])
    test_common = test.dropna(subset=["plan"])

    def mae(pred: pd.Series, sample: pd.DataFrame) -> float:
        return float((pred - sample["outcome"]).abs().mean())
    rows = []
    for name, columns in RULE_CANDIDATES.items():
        on_common = _fit(fit_common, columns)
        row = {"rule": name, "aic_fit_common": float(on_common.aic),
               "mae_fit_common": float(np.abs(on_common.resid).mean())}

        def predict(params: pd.Series, sample: pd.DataFrame, columns: tuple[str, ...] = columns) -> pd.Series:
            return (params["const"] + sum(params[c] * sample[c] for c in columns)).clip(lower=0)
        row["mae_evaluation_common"] = mae(predict(on_common.params, test_common), test_common)
        if "plan" not in columns:
            fitted = _fit(fit_frame.dropna(subset=[*columns, "outcome"]), columns)
            row["mae_evaluation_all"] = mae(predict(fitted.params, test), test)
        rows.append(row)
    for name, column in (("benchmark_permits", "permits"), ("benchmark_recent", "recent"),
                         ("benchmark_recent5", "recent5")):
        rows.append({"rule": name, "mae_evaluation_common": mae(test_common[column], test_common),
                     "mae_evaluation_all": mae(test[column], test)})
    out = pd.DataFrame(rows).reindex(columns=["rule", "aic_fit_common", "mae_fit_common", "mae_evaluation_common",
                                              "mae_evaluation_all"])
    out.attrs.update(fit_year=first, evaluation_year=last, n_fit_common=len(fit_common),
                     n_evaluation_common=len(test_common), n_evaluation_all=len(test))
    return out


@dataclass(frozen=True)
class DwellingPath:
    """Dwellings completed per year in a projection's years, and where the numbers come from.

    Attributes
    ----------
    code : str
    years : array (T,)
    dwellings : array (T,)
        Dwellings completed in each year (new buildings).
    kind : str
        ``"local"``, ``"default"``, ``"recent"`` (the default without permits: the ten-year mean) or
        ``"observed"``; ``kinds`` gives it per year (a local file or observations cover only some years).
    source : str
        Swedish description for the assumptions table and captions.
    file : Path or None
        The local file, when one was read.
    """

    code: str
    years: np.ndarray
    dwellings: np.ndarray
    kind: str
    source: str
    kinds: tuple[str, ...] = ()
    file: Path | None = None

    def frame(self) -> pd.DataFrame:
        """``year, dwellings, kind`` (one row per year)."""
        return pd.DataFrame({"year": self.years.astype(int), "dwellings": self.dwellings,
                             "kind": list(self.kinds) or [self.kind] * len(self.years)})


def default_dwellings(inputs: PopulationInputs, code: str, as_of: int | None = None) -> tuple[float, str, int]:
    """The default number of dwellings completed a year after the latest observations, and how it was found.

    Returns
    -------
    (float, str, int)
        Dwellings per year; ``"default"`` (the rule at the latest year with permits) or ``"recent"`` (the
        ten-year mean, when the rule or the permits are missing); the information year used.
    """
    if inputs.kolada_codes.get(code) is None or len(code) != 4:
        raise ValueError(f"no dwelling data for {code}: the housing scenario is defined for municipalities")
    return inputs.memo(("default_dwellings", code, as_of), lambda: _default_dwellings(inputs, code, as_of))


def _default_dwellings(inputs: PopulationInputs, code: str, as_of: int | None) -> tuple[float, str, int]:
    row = inputs.kolada_codes[code]
    r = _rates(inputs)
    i = _municipal_rows(inputs).index(row)
    years = inputs.kolada_years.astype(int)
    known = [j for j, y in enumerate(years) if (as_of is None or y <= as_of) and np.isfinite(r["count"][i, j])
             and np.isfinite(r["population"][i, j])]
    if len(known) < 3:
        raise ValueError(f"fewer than three years of completed dwellings (Kolada {COMPLETIONS_KPI}) for {code}"
                         + ("" if as_of is None else f" up to {as_of}"))
    rule = completion_rule(inputs, as_of)
    with_permits = [j for j in known if np.isfinite(r["permits"][i, j])]
    if rule is not None and with_permits:
        j = with_permits[-1]
        rates = predictors(inputs, int(years[j])).loc[code]
        if np.isfinite(rates[list(RULE_PREDICTORS)].to_numpy(dtype=float)).all():
            rate = float(rule.predict(rates.to_frame().T).iloc[0])
            return rate * float(r["population"][i, j]) / 1000, "default", int(years[j])
    j = known[-1]
    recent = [k for k in known if k > j - RECENT_YEARS]
    return float(np.mean(r["count"][i, recent])), "recent", int(years[j])


def dwelling_path(inputs: PopulationInputs, code: str, years: np.ndarray, mode: str = "auto",
                  as_of: int | None = None, directory: Path | None = None,
                  reference_population: float | None = None) -> DwellingPath:
    """Dwellings completed in each of ``years`` for the housing scenario.

    Parameters
    ----------
    mode : {"auto", "local", "default", "observed"}
        See the module docstring (``Assumptions.dwelling_path``).
    as_of : int, optional
        Information year of the default (backtests); ``"observed"`` uses the completions after it.
    directory : Path, optional
        Folder of the local files (default ``data/raw/local``).
    reference_population : float, optional
        Inhabitants the local file's upper bound is measured against (the latest observed total).
    """
    years = np.asarray(years, dtype=int)
    file = dwellings_path(code, directory)
    try:  # the same file, unchanged, gives the same path: memoised on its size and modification time
        stat = file.stat()
        version: tuple | None = (str(file), stat.st_mtime_ns, stat.st_size)
    except OSError:
        version = None
    key = ("dwelling_path", code, mode, as_of, int(years[0]), int(years[-1]), len(years), version,
           reference_population)
    return inputs.memo(key, lambda: _dwelling_path(inputs, code, years, mode, as_of, file,
                                                   reference_population))


def _dwelling_path(inputs: PopulationInputs, code: str, years: np.ndarray, mode: str, as_of: int | None,
                   file: Path, reference_population: float | None) -> DwellingPath:
    if mode == "local" and not file.exists():
        raise FileNotFoundError(f"dwelling_path='local' but {file} does not exist; write the municipality's "
                                f"plan there (see docs/local_dwellings_file.md) or use 'auto' or 'default'")
    default, default_kind, info_year = default_dwellings(inputs, code, as_of)
    values = np.full(len(years), default)
    kinds = [default_kind] * len(years)
    kind, used = default_kind, None
    source = f"{PATH_LABELS[default_kind]} (uppgifter till och med {info_year}): {_fmt(default)} bostäder per år"
    if mode == "observed":
        seen = completion_counts(inputs, code)
        for t, y in enumerate(years.tolist()):
            if y in seen:
                values[t], kinds[t] = seen[y], "observed"
        kind = "observed"
        last = max(seen) if seen else info_year
        source = f"{PATH_LABELS['observed']}, till {last}; därefter {source}"
    elif mode in ("auto", "local") and file.exists():
        plan = read_dwellings(file, code, int(years[0]), int(years[-1]) if len(years) else int(years[0]),
                              reference_population=reference_population)
        planned = dict(zip(plan["year"].tolist(), plan["dwellings_planned"].astype(float).tolist(), strict=True))
        for t, y in enumerate(years):
            if int(y) in planned:
                values[t], kinds[t] = planned[int(y)], "local"
        kind, used = "local", file
        first, last = int(plan["year"].min()), int(plan["year"].max())
        source = (f"{PATH_LABELS['local']}, {file.name}: {first}–{last} i genomsnitt "
                  f"{_fmt(plan['dwellings_planned'].mean())} bostäder per år; övriga år {source}")
    return DwellingPath(code=code, years=years, dwellings=values, kind=kind, source=source, kinds=tuple(kinds),
                        file=used)


def _fmt(value: float) -> str:
    from tillsammans.formatting import fmt_number

    return fmt_number(value)


def read_dwellings(path: Path | str, municipality: str, first_year: int, last_year: int,
                   reference_population: float | None = None) -> pd.DataFrame:
    """Read and validate a municipality's dwelling plan, ``data/raw/local/dwellings_<code>.csv``.

    The file (UTF-8, a byte-order mark allowed; comma- or semicolon-separated, one header line) has exactly
    the columns ``year, dwellings_planned``: one row per calendar year, the years consecutive and within
    ``first_year``..``last_year`` (the projected years: 2026 on in the reports), the number of dwellings
    the municipality plans to complete that year a whole number from 0 (spaces as thousands separators
    allowed) to :data:`MAX_DWELLINGS_PER_1000` per 1 000 inhabitants (``reference_population``) and at most
    :data:`MAX_DWELLINGS`. See ``docs/local_dwellings_file.md``.

    Returns
    -------
    DataFrame
        ``year, dwellings_planned`` sorted by year.

    Raises
    ------
    DwellingsFileError
        Naming the file, the line (line 1 is the header) and what is allowed; every problem found (up to 10).
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise DwellingsFileError(f"{path}: cannot be read ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise DwellingsFileError(f"{path}: not UTF-8 text ({exc}); save the file as CSV UTF-8") from exc
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise DwellingsFileError(f"{path}, line 1: no header; expected the header "
                                 f"{','.join(DWELLINGS_COLUMNS)}")
    delimiter = ";" if ";" in lines[0] and "," not in lines[0] else ","
    header = [c.strip().lower() for c in next(csv.reader([lines[0]], delimiter=delimiter))]
    if tuple(header) != DWELLINGS_COLUMNS:
        raise DwellingsFileError(f"{path}, line 1 (header): columns {header}; expected exactly "
                                 f"{list(DWELLINGS_COLUMNS)} (comma- or semicolon-separated)")
    problems: list[str] = []
    rows: list[tuple[int, int, int]] = []  # (line, year, dwellings)
    bound = (MAX_DWELLINGS if reference_population is None
             else min(MAX_DWELLINGS, MAX_DWELLINGS_PER_1000 * reference_population / 1000))
    for number, cells in enumerate(csv.reader(io.StringIO("\n".join(lines[1:])), delimiter=delimiter), start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != 2:
            problems.append(f"line {number}: {len(cells)} fields; expected 2 ({', '.join(DWELLINGS_COLUMNS)})")
            continue
        year_text, value_text = (c.strip() for c in cells)
        year = _whole(year_text)
        if year is None:
            problems.append(f"line {number}: year {year_text!r} is not a calendar year; expected a whole number "
                            f"from {first_year} to {last_year}")
        elif not first_year <= year <= last_year:
            why = (" (the years up to then are observed)" if year < first_year else "")
            problems.append(f"line {number}: year {year} is outside the projected years{why}; allowed: "
                            f"{first_year}–{last_year}")
        value = _whole(value_text.replace("\u00a0", "").replace(" ", ""))
        if value is None:
            problems.append(f"line {number}: dwellings_planned {value_text!r} is not a whole number; expected "
                            f"the dwellings to be completed that year, from 0 to {_fmt(bound)}")
        elif value > bound:
            per_1000 = ("" if reference_population is None
                        else f", {value / reference_population * 1000:.0f} per 1 000 inhabitants")
            problems.append(f"line {number}: dwellings_planned {value}{per_1000} is too many; allowed: 0 to "
                            f"{_fmt(bound)} (at most {MAX_DWELLINGS_PER_1000:.0f} per 1 000 inhabitants a "
                            f"year, twice the highest rate any municipality completed 1994–2022)")
        if year is not None and value is not None:
            rows.append((number, year, value))
    if not rows and not problems:
        problems.append("no data rows; expected one row per year of the plan")
    seen: dict[int, int] = {}
    for number, year, _ in rows:
        if year in seen:
            problems.append(f"line {number}: year {year} repeats line {seen[year]}; expected each year once")
        seen.setdefault(year, number)
    if rows and not problems:
        missing = sorted(set(range(min(seen), max(seen) + 1)) - set(seen))
        if missing:
            problems.append(f"years {missing} are missing between {min(seen)} and {max(seen)}; expected one row "
                            f"for every year of the plan (write 0 for a year without completions)")
    if problems:
        shown = problems[:10] + ([f"… and {len(problems) - 10} more"] if len(problems) > 10 else [])
        raise DwellingsFileError(f"{path}: rejected for {municipality}, the default path not used either:\n  "
                                 + "\n  ".join(shown))
    frame = pd.DataFrame([(y, v) for _, y, v in rows], columns=list(DWELLINGS_COLUMNS))
    return frame.sort_values("year").reset_index(drop=True)


def _whole(text: str) -> int | None:
    """A non-negative whole number written as digits (``"120"``, ``"120.0"`` and ``"-5"`` are not)."""
    return int(text) if text.isascii() and text.isdigit() else None
