"""Step 1 of the pipeline, *inputs*: today's staff by sector and age band, from Kolada or a local HR extract.

Default split of Kolada ``n00098`` (årsarbetare totalt, kommun):

* förskola = ``n11104`` (årsarbetare i förskolan, kommunal regi) — local;
* vård och omsorg = ``n20041`` (årsarbetare inom vård och omsorg om äldre och personer med
  funktionsnedsättning) — local; of it a share ``hsl_share`` (assumption) is kommunal hälso- och sjukvård,
  the rest is split between äldreomsorg and funktionsstöd in proportion to the municipality's own costs
  (``n20007`` kr/inv 65+ × invånare 65+ against ``n20001`` kr/inv × invånare);
* the remainder (grundskola, gymnasieskola, individ- och familjeomsorg, administration och övrigt) is split
  with *national* cost shares from Kolada (riket, same year): grundskola and gymnasieskola share the
  pedagogical cost outside förskola in proportion to cost per pupil × inhabitants 6–15 / 16–18; IFO is its cost
  without ekonomiskt bistånd (a transfer, not staff); the rest of the municipal cost is "övrigt". The
  assumption is that staff per krona is the same across these four sectors.

The age bands: the share of employees 55+ (``n00214`` total, ``n20214`` vård och omsorg, ``n30214`` IFO;
the other sectors get the residual that reproduces the total); the ages within the bands are the *exits*
step's business (:func:`tillsammans.workforce.exits.staff_age_profile`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tillsammans.municipalities import SWEDEN
from tillsammans.workforce.assumptions import Assumptions, make_assumptions
from tillsammans.workforce.inputs import LOCAL_KPIS, model_inputs
from tillsammans.workforce.inputs import values as _values
from tillsammans.workforce.local import AGE_BANDS, local_hr_path, read_local_hr
from tillsammans.workforce.sectors import SECTORS

#: National KPIs of the cost split (all needed).
COST_KPIS = ("n03066", "n10037", "n11008", "n11102", "n11103", "n15008", "n17007", "n30101", "n31001", "n20001",
             "n01951", "n01953", "n01954")

REQUIRED_LOCAL = ("n00098", "n11104", "n20041", "n20007", "n20001", "n01951", "n01956", "n01957", "n00214")

CARE = ("aldreomsorg", "funktionsstod", "halso_sjukvard")


def national_shares(inputs: pd.DataFrame) -> pd.Series:
    """National cost shares used to split the staff outside förskola and vård och omsorg.

    Returns
    -------
    Series
        Shares (sum 1) for ``grundskola, gymnasieskola, ifo, admin_ovrigt``. Source: Kolada, riket.
    """
    v = _values(inputs, SWEDEN)
    missing = [k for k in COST_KPIS if not np.isfinite(v.get(k, np.nan))]
    if missing:
        raise ValueError(f"Kolada national values missing for {missing}; rebuild data/processed (make data)")
    inv = v["n01951"]
    preschool = v["n11008"] * v["n11102"] * v["n11103"] / inv  # kr/inv: cost per child × children
    rest_ped = v["n10037"] - preschool
    school = v["n15008"] * v["n01953"]
    upper = v["n17007"] * v["n01954"] * 3 / 4  # 16–18 of the 16–19 band
    weights = pd.Series({
        "grundskola": rest_ped * school / (school + upper),
        "gymnasieskola": rest_ped * upper / (school + upper),
        "ifo": v["n30101"] - v["n31001"],
        "admin_ovrigt": v["n03066"] - v["n10037"] - v["n20001"] - v["n30101"],
    })
    if (weights <= 0).any():
        raise ValueError(f"national cost shares are not all positive: {weights.to_dict()}")
    return weights / weights.sum()


def _default_staff(municipality: str, inputs: pd.DataFrame, a: Assumptions) -> pd.DataFrame:
    v = _values(inputs, municipality)
    missing = [k for k in REQUIRED_LOCAL if not np.isfinite(v.get(k, np.nan))]
    if missing:
        raise ValueError(f"municipality {municipality}: Kolada has no value for {missing} "
                         f"({', '.join(LOCAL_KPIS[k] for k in missing)}); supply a local HR extract at "
                         f"{local_hr_path(municipality)}")
    total, preschool, care = v["n00098"], v["n11104"], v["n20041"]
    elder_cost = v["n20007"] * (v["n01956"] + v["n01957"])
    care_cost = v["n20001"] * v["n01951"]
    elder_share = float(np.clip(elder_cost / care_cost, 0, 1)) if care_cost > 0 else 0.8
    rest = total - preschool - care
    if rest < 0:
        raise ValueError(f"municipality {municipality}: förskola ({preschool:.0f}) + vård och omsorg "
                         f"({care:.0f}) exceed all årsarbetare ({total:.0f}) in Kolada")
    shares = national_shares(inputs)
    src_rest = ("Kolada n00098 − n11104 − n20041, fördelat med rikets kostnadsandelar (Kolada riket: n10037, "
                "n11008, n15008, n17007, n30101, n31001, n03066)")
    staff = {
        "forskola": (preschool, "Kolada n11104"),
        "grundskola": (rest * shares["grundskola"], src_rest),
        "gymnasieskola": (rest * shares["gymnasieskola"], src_rest),
        "aldreomsorg": (care * (1 - a.hsl_share) * elder_share,
                        "Kolada n20041 × (1 − andel HSL) × kostnadsandel äldreomsorg (n20007, n20001)"),
        "funktionsstod": (care * (1 - a.hsl_share) * (1 - elder_share),
                          "Kolada n20041 × (1 − andel HSL) × kostnadsandel funktionsstöd (n20007, n20001)"),
        "ifo": (rest * shares["ifo"], src_rest),
        "halso_sjukvard": (care * a.hsl_share, "Kolada n20041 × antagen andel HSL"),
        "admin_ovrigt": (rest * shares["admin_ovrigt"], src_rest),
    }
    # Share 55+ by sector: local where Kolada has it, the residual that reproduces n00214 elsewhere.
    total_55 = v["n00214"] / 100
    care_55 = v.get("n20214", np.nan) / 100 if np.isfinite(v.get("n20214", np.nan)) else total_55
    ifo_55 = v.get("n30214", np.nan) / 100 if np.isfinite(v.get("n30214", np.nan)) else total_55
    known = dict.fromkeys(CARE, care_55) | {"ifo": ifo_55}
    known_fte = sum(staff[s][0] for s in known)
    other_fte = total - known_fte
    residual = ((total_55 * total - sum(staff[s][0] * known[s] for s in known)) / other_fte if other_fte > 0
                else total_55)
    residual = float(np.clip(residual, 0, 1))
    rows = []
    for sector, (fte, source) in staff.items():
        s55 = known.get(sector, residual)
        src55 = {"ifo": "n30214"}.get(sector, "n20214" if sector in CARE else "n00214 (residual)")
        rows.append({"sector": sector, "age_band": "<55", "staff": fte * (1 - s55),
                     "source": f"{source}; ålder: Kolada {src55}"})
        rows.append({"sector": sector, "age_band": "55+", "staff": fte * s55,
                     "source": f"{source}; ålder: Kolada {src55}"})
    return pd.DataFrame(rows)


def staff_today(
    municipality: str,
    year: int,
    local: str | Path | None = "auto",
    processed_dir: Path | None = None,
    inputs: pd.DataFrame | None = None,
    **assumptions,
) -> pd.DataFrame:
    """Today's staff (årsarbetare) by sector and age band.

    Parameters
    ----------
    municipality : str
        SCB code.
    year : int
        Base year (Kolada values of that year, or the nearest available, see :func:`model_inputs`).
    local : "auto", path or None
        ``"auto"``: use ``data/raw/local/hr_<code>.csv`` if it exists; a path: that file (must exist);
        None: Kolada defaults only.
    inputs : DataFrame, optional
        :func:`model_inputs` already read for this municipality and year.
    **assumptions
        Fields of :class:`~tillsammans.workforce.assumptions.Assumptions` (``hsl_share`` is used here).

    Returns
    -------
    DataFrame
        ``sector, age_band, staff, source``; ``age_band`` is ``<55``/``55+`` for the defaults or the bands
        of the HR extract. ``attrs["origin"]`` is ``"kolada"`` or ``"local"``, ``attrs["file"]`` the file.
    """
    a = make_assumptions(**assumptions)
    path = None
    if local == "auto":
        candidate = local_hr_path(municipality)
        path = candidate if candidate.is_file() else None
    elif local is not None:
        path = Path(local)
        if not path.is_file():
            raise FileNotFoundError(f"local HR extract {path} does not exist")
    if path is not None:
        frame = read_local_hr(path, municipality)
        frame["source"] = f"Kommunens HR-underlag ({path.name})"
        frame.attrs.update(origin="local", file=str(path))
        return frame
    if inputs is None:
        inputs = model_inputs(municipality, year, processed_dir)
    frame = _default_staff(municipality, inputs, a)
    frame.attrs.update(origin="kolada", file=None)
    return frame


def sector_staff(staff: pd.DataFrame) -> pd.DataFrame:
    """Staff per sector: ``sector, Verksamhet, staff, share_55, source`` in report order."""
    older_bands = {"55+", *(b for b, (low, _) in AGE_BANDS.items() if low >= 55)}
    fte = dict.fromkeys(SECTORS, 0.0)
    older = dict.fromkeys(SECTORS, 0.0)
    source: dict[str, str] = {}
    for sector, band, value, src in zip(staff["sector"], staff["age_band"], staff["staff"],
                                        staff["source"] if "source" in staff else [""] * len(staff), strict=True):
        fte[sector] += value
        older[sector] += value if band in older_bands else 0.0
        source.setdefault(sector, src)
    return pd.DataFrame({
        "sector": list(SECTORS), "Verksamhet": list(SECTORS.values()), "staff": [fte[s] for s in SECTORS],
        "share_55": [older[s] / fte[s] if fte[s] > 0 else 0.0 for s in SECTORS],
        "source": [source.get(s, "") for s in SECTORS]})
