"""SKR's levers on the gap: productivity, lower sick leave, more hours for part-timers, later retirement.

Each lever changes the need or the supply of the gap step; :func:`levers_table` shows what each closes of
the gap in the end year, alone and as a bridge (added one after the other).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

#: Lever ids in bridge order.
LEVERS: tuple[str, ...] = ("productivity", "sick_leave", "hours", "retirement")
#: Default sizes of the levers (the report's come from :class:`~tillsammans.workforce.Assumptions`).
SIZES: dict[str, float] = {"productivity_lever": 0.005, "sick_leave_reduction": 1.0, "extra_hours": 3.0,
                           "full_time_hours": 40.0}


def lever_gap(gap_frame: pd.DataFrame, later_supply: pd.DataFrame, part_timers: float, sick_leave: float,
              levers: tuple[str, ...] | list[str], base_year: int,
              productivity_lever: float = SIZES["productivity_lever"],
              sick_leave_reduction: float = SIZES["sick_leave_reduction"],
              extra_hours: float = SIZES["extra_hours"], full_time_hours: float = SIZES["full_time_hours"]
              ) -> pd.DataFrame:
    """The gap per year with the chosen levers applied together.

    * ``productivity``: need × (1 + productivity_lever) ** −(t − base);
    * ``sick_leave``: sick leave (share of scheduled time, Kolada n00090) falls by ``sick_leave_reduction``
      percentage points, so each årsarbetare delivers (1 − s + d)/(1 − s) as much;
    * ``hours``: part-timers (Kolada n00227, persons) work ``extra_hours`` more a week, adding
      part_timers × extra_hours / full_time_hours årsarbetare, growing with the need;
    * ``retirement``: the supply with the later retirement age (``later_supply``).

    Parameters
    ----------
    gap_frame : DataFrame
        ``year, staff_need, supply`` without levers (:func:`~tillsammans.workforce.gap.gap`).
    later_supply : DataFrame
        ``year, supply`` with the retirement age raised by the lever.

    Returns
    -------
    DataFrame
        ``year, staff_need, supply, gap`` (årsarbetare).
    """
    unknown = sorted(set(levers) - set(LEVERS))
    if unknown:
        raise ValueError(f"unknown lever(s) {unknown}; allowed: {', '.join(LEVERS)}")
    frame = gap_frame[["year", "staff_need", "supply"]].copy()
    later = later_supply.set_index("year")["supply"].reindex(frame["year"]).to_numpy()
    need, supply = _with_levers(frame["year"].to_numpy(), frame["staff_need"].to_numpy(), frame["supply"].to_numpy(),
                                later, part_timers, sick_leave, levers, base_year, productivity_lever,
                                sick_leave_reduction, extra_hours, full_time_hours)
    frame["staff_need"], frame["supply"] = need, supply
    frame["gap"] = need - supply
    return frame


def _with_levers(years: np.ndarray, need: np.ndarray, supply: np.ndarray, later: np.ndarray, part_timers: float,
                 sick_leave: float, levers: tuple[str, ...] | list[str], base_year: int, productivity_lever: float,
                 sick_leave_reduction: float, extra_hours: float, full_time_hours: float
                 ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`lever_gap` on arrays (need and supply per year; ``later`` the supply with the later retirement
    age in the same years): the need and the supply with the levers."""
    base_need = float(need[years == base_year][0])
    need = need.astype(float)
    if "productivity" in levers:
        need *= (1 + productivity_lever) ** -(years - base_year)
    if "sick_leave" in levers:
        d = min(sick_leave_reduction / 100, sick_leave)
        need *= (1 - sick_leave) / (1 - sick_leave + d)
    supply = later.astype(float) if "retirement" in levers else supply.astype(float)
    if "hours" in levers:
        supply += part_timers * extra_hours / full_time_hours * need / base_need
    return need, supply


def levers_table(gap_frame: pd.DataFrame, later_supply: pd.DataFrame, part_timers: float, sick_leave: float,
                 year: int, base_year: int, **sizes: float) -> pd.DataFrame:
    """What each lever closes of the gap in ``year``, alone and in a bridge.

    Returns
    -------
    DataFrame
        ``lever, alone, step, remaining``: ``alone`` = gap closed by the lever alone, ``step`` = gap closed
        when added after the levers above it (steps sum to the effect of all together), ``remaining`` = gap
        left after it and the levers above. The first row (``gap``) is the gap without levers, the last
        (``together``) all levers. Årsarbetare.
    """
    sizes = {**SIZES, **sizes}
    years = gap_frame["year"].to_numpy()
    need, supply = gap_frame["staff_need"].to_numpy(), gap_frame["supply"].to_numpy()
    later = later_supply.set_index("year")["supply"].reindex(years).to_numpy()
    at = years == year

    def gap_in(chosen) -> float:
        with_need, with_supply = _with_levers(years, need, supply, later, part_timers, sick_leave, tuple(chosen),
                                              base_year, **sizes)
        return float((with_need - with_supply)[at][0])

    start = gap_in(())
    rows = [{"lever": "gap", "alone": np.nan, "step": np.nan, "remaining": start}]
    previous = start
    for applied in itertools.accumulate([[lever] for lever in LEVERS]):
        now = gap_in(applied)
        rows.append({"lever": applied[-1], "alone": start - gap_in([applied[-1]]), "step": previous - now,
                     "remaining": now})
        previous = now
    rows.append({"lever": "together", "alone": start - previous, "step": start - previous, "remaining": previous})
    return pd.DataFrame(rows)
