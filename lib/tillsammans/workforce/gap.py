"""Step 5 of the pipeline, *gap*: recruitment need, need minus supply, and today's qualified-staff shortfall.

* recruitment need = growth of the need + retirements; turnover (other leavers) shown separately
  (:func:`recruitment_need`);
* gap = need − supply, per year (:func:`gap`); the supply is one number for all sectors, so the sector
  table (:func:`sector_gap`) splits it by the base year's staff shares;
* today's shortfall of qualified staff where Kolada measures qualifications (:func:`qualified_shortfall`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tillsammans.municipalities import SWEDEN
from tillsammans.population.agegroups import WORKING_AGE
from tillsammans.workforce.demand import need_array, sector_order, user_weights
from tillsammans.workforce.exits import project_staff, retirement_hazard
from tillsammans.workforce.inputs import Prepared, value_year, values
from tillsammans.workforce.sectors import SECTORS
from tillsammans.workforce.supply import supply_array

#: Recruitment columns, per year and cumulated (``cum_<name>``).
RECRUITMENT_COLUMNS = ("growth", "retirements", "turnover", "recruitment_need", "recruitment_gross")


def recruitment_need(need: pd.DataFrame, exits: pd.DataFrame) -> pd.DataFrame:
    """Recruitment need per sector and year: growth + retirements (+ turnover shown separately).

    Parameters
    ----------
    need : DataFrame
        ``year, sector, staff_need`` (one path), base year included.
    exits : DataFrame
        ``year, sector, retirements, turnover`` for the years after the base year
        (:func:`~tillsammans.workforce.exits.project_staff`).

    Returns
    -------
    DataFrame
        ``year, sector, staff_need, growth, retirements, turnover, recruitment_need, recruitment_gross`` and
        the cumulative sums ``cum_growth`` … (årsarbetare). ``recruitment_need = growth + retirements``; it is
        negative in a year when a falling need exceeds retirements. ``recruitment_gross`` adds turnover.
    """
    if "sim" in need.columns:
        raise ValueError("recruitment_need takes one path; aggregate or select a sim first")
    frame = need.sort_values(["sector", "year"]).copy()
    frame["growth"] = frame["staff_need"] - frame.groupby("sector")["staff_need"].shift()
    frame = frame.dropna(subset=["growth"])
    frame = frame.merge(exits[["year", "sector", "retirements", "turnover"]], on=["year", "sector"], how="left")
    frame[["retirements", "turnover"]] = frame[["retirements", "turnover"]].fillna(0.0)
    frame["recruitment_need"] = frame["growth"] + frame["retirements"]
    frame["recruitment_gross"] = frame["recruitment_need"] + frame["turnover"]
    cumulated = frame.groupby("sector")[list(RECRUITMENT_COLUMNS)].cumsum()
    frame[[f"cum_{col}" for col in RECRUITMENT_COLUMNS]] = cumulated.to_numpy()
    frame = sector_order(frame)
    cols = ["year", "sector", "staff_need", *RECRUITMENT_COLUMNS, *[f"cum_{c}" for c in RECRUITMENT_COLUMNS]]
    return frame[cols].reset_index(drop=True)


def gap(need_total: pd.DataFrame, supplied: pd.DataFrame) -> pd.DataFrame:
    """Gap between staff need and supply.

    Parameters
    ----------
    need_total : DataFrame
        ``[sim,] year, staff_need`` (all sectors).
    supplied : DataFrame
        ``[sim,] year, population, working_age, supply`` (:func:`~tillsammans.workforce.supply`).

    Returns
    -------
    DataFrame
        ``[sim,] year, staff_need, supply, gap, gap_change, gap_per_1000, gap_share_working_age,
        need_share_working_age``; gap in årsarbetare (positive: the need exceeds what the population
        supplies), ``gap_change`` its change since the base year, per 1 000 inhabitants, and as shares (0..1)
        of the residents 20–64.
    """
    keys = [k for k in ("sim", "year") if k in need_total.columns]
    frame = need_total[[*keys, "staff_need"]].merge(supplied, on=keys, how="inner")
    frame["gap"] = frame["staff_need"] - frame["supply"]
    first = frame.groupby([k for k in keys if k != "year"])["gap"].transform("first") if "sim" in keys \
        else frame["gap"].iloc[0]
    frame["gap_change"] = frame["gap"] - first
    frame["gap_per_1000"] = frame["gap"] / frame["population"] * 1000
    frame["gap_share_working_age"] = frame["gap"] / frame["working_age"]
    frame["need_share_working_age"] = frame["staff_need"] / frame["working_age"]
    columns = [*keys, "staff_need", "supply", "gap", "gap_change", "gap_per_1000", "gap_share_working_age",
               "need_share_working_age"]
    return frame[columns].reset_index(drop=True)


def sector_gap(need: pd.DataFrame, supply_total: pd.DataFrame, sectors: pd.DataFrame) -> pd.DataFrame:
    """Need, supply and gap per sector: the supply split by the base year's staff shares.

    Returns
    -------
    DataFrame
        ``[sim,] year, sector, staff_need, supply, gap`` (årsarbetare).
    """
    shares = sectors.set_index("sector")["staff"]
    shares = shares / shares.sum()
    keys = [k for k in ("sim", "year") if k in need.columns]
    frame = need[[*keys, "sector", "staff_need"]].merge(supply_total[[*keys, "supply"]], on=keys)
    frame["supply"] = frame["supply"] * frame["sector"].map(shares)
    frame["gap"] = frame["staff_need"] - frame["supply"]
    return frame


@dataclass(frozen=True)
class Qualification:
    """A qualified-staff share in Kolada and the staff it applies to.

    ``staff_sector``: the share applies to the model's staff of that sector (årsarbetare); ``teachers``:
    it applies to the teachers, counted as pupils ÷ pupils per teacher FTE (two Kolada KPIs).
    """

    kpi: str
    label: str
    staff_sector: str | None = None
    teachers: tuple[str, str] | None = None


#: Qualified-staff shares where Kolada measures them, by sector.
QUALIFICATIONS: dict[str, Qualification] = {
    "forskola": Qualification("n11023", "Årsarbetare i förskolan med pedagogisk högskoleexamen",
                              staff_sector="forskola"),
    "grundskola": Qualification("n15814", "Lärare (grundskola åk 1–9) med legitimation och behörighet i minst "
                                "ett ämne", teachers=("n15809", "n15034")),
    "gymnasieskola": Qualification("n17826", "Lärare (gymnasieskola) med legitimation och behörighet i minst "
                                   "ett ämne", teachers=("n17820", "n17817")),
    "aldreomsorg": Qualification("u23495", "Omsorgspersonal i särskilt boende med adekvat utbildning",
                                 staff_sector="aldreomsorg"),
}


def qualified_shortfall(inputs: pd.DataFrame, municipality: str, sectors: pd.DataFrame,
                        national: Mapping[str, tuple[float, str]] | None = None) -> pd.DataFrame:
    """Today's qualified-staff shortfall where Kolada measures qualifications.

    For each measured qualification (:data:`QUALIFICATIONS`): the municipality's qualified share, Sweden's,
    the årsarbetare without the qualification (staff × (1 − share)) and the årsarbetare needed to reach
    Sweden's share (staff × (national − local), 0 at or above it).

    * preschool: ``n11023`` (pedagogical degree) on the municipal preschool staff (Kolada ``n11104``);
    * eldercare: ``u23495`` (adequate education, särskilt boende on weekdays) on all eldercare staff;
    * teachers in compulsory school (grades 1–9) and upper secondary school, municipal schools:
      ``n15814`` / ``n17826`` (licence and qualification in at least one subject) on the teacher FTE,
      pupils ÷ pupils per teacher FTE (``n15809`` ÷ ``n15034``, ``n17820`` ÷ ``n17817``), October.

    Parameters
    ----------
    national : mapping, optional
        ``kpi → (share in percent, source)`` where Kolada has no value for Sweden (e.g. the teacher-weighted
        mean of the municipalities, :func:`~tillsammans.workforce.inputs.national_teacher_share`).

    Returns
    -------
    DataFrame
        ``sector, kpi, label, year, share, national_share, national_source, staff, staff_source, without,
        to_national`` (shares 0..1, årsarbetare; NaN where not measured).
    """
    v, nat = values(inputs, municipality), values(inputs, SWEDEN)
    staff = sectors.set_index("sector")["staff"]
    national = dict(national or {})
    rows = []
    for sector, q in QUALIFICATIONS.items():
        share = v.get(q.kpi, np.nan) / 100
        if np.isfinite(nat.get(q.kpi, np.nan)):
            national_share, national_source = nat[q.kpi] / 100, f"Kolada {q.kpi}, riket"
        else:
            value, source = national.get(q.kpi, (np.nan, ""))
            national_share, national_source = value / 100, source
        if q.teachers is not None:
            pupils, ratio = v.get(q.teachers[0], np.nan), v.get(q.teachers[1], np.nan)
            fte = pupils / ratio if ratio > 0 else np.nan
            staff_source = f"elever Kolada {q.teachers[0]} ÷ elever per lärare {q.teachers[1]}"
        else:
            fte = float(staff.get(q.staff_sector, np.nan))
            staff_source = "modellens personal i dag"
        rows.append({"sector": sector, "kpi": q.kpi, "label": q.label,
                     "year": value_year(inputs, municipality, q.kpi), "share": share,
                     "national_share": national_share, "national_source": national_source, "staff": fte,
                     "staff_source": staff_source,
                     "without": fte * (1 - share) if np.isfinite(share) else np.nan,
                     "to_national": fte * max(national_share - share, 0.0)
                     if np.isfinite(share) and np.isfinite(national_share) else np.nan})
    out = pd.DataFrame(rows)
    out["sector"] = pd.Categorical(out["sector"], categories=list(SECTORS))
    return out.sort_values("sector").assign(sector=lambda f: f["sector"].astype(str)).reset_index(drop=True)


def run_paths(prepared: Prepared, population: np.ndarray, years: np.ndarray, productivity: float | np.ndarray = 0.0,
              retirement_age: float | np.ndarray = 65.5, retirement_age_sd: float = 1.5,
              turnover: float | np.ndarray | None = None, employment_level: float | np.ndarray = 1.0,
              exits: bool = True) -> dict[str, np.ndarray]:
    """The pipeline demand → exits → supply → gap on arrays, for one or many paths.

    Parameters
    ----------
    prepared : Prepared
        The municipality's inputs.
    population : ndarray
        Residents, paths × years × ages 0..100, the base year among ``years``.
    productivity, retirement_age, turnover, employment_level :
        One value, or one value per path (the Monte Carlo draws); ``turnover`` None: from data.
    exits : bool
        Follow the staff year by year for retirements and turnover (the costly part); the gap needs only
        need and supply, so the tornado leaves it out.

    Returns
    -------
    dict of ndarray
        ``years`` (from the base year), ``need`` (paths × years × sectors), ``retirements``, ``turnover``,
        ``hires`` (paths × years−1 × sectors; only with ``exits``), ``supply``, ``population``, ``working_age``
        (paths × years).
    """
    keep = years >= prepared.base_year
    years, population = years[keep], population[:, keep, :]
    users_ = population @ user_weights(prepared.rates)
    staff0 = prepared.sectors.set_index("sector")["staff"].reindex(list(SECTORS)).to_numpy()
    need = need_array(users_, staff0, years, prepared.base_year, productivity)
    flows = {}
    if exits:
        hazard = retirement_hazard(np.atleast_1d(np.asarray(retirement_age, dtype=float)), retirement_age_sd)
        q = prepared.turnover["turnover"] if turnover is None else turnover
        flows = project_staff(prepared.age0, need, hazard, q)
    supplied = supply_array(population, years, prepared.base_year, prepared.factors, retirement_age,
                            employment_level)
    return {"years": years, "need": need, **flows, "supply": supplied["supply"],
            "population": population.sum(axis=2),
            "working_age": population[:, :, WORKING_AGE[0]:WORKING_AGE[1] + 1].sum(axis=2)}
