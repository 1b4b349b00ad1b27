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


def lever_gap(gap_frame: pd.DataFrame, later_supply: pd.DataFrame, part_timers: float, sick_leave: float,
              levers: tuple[str, ...] | list[str], base_year: int, productivity_lever: float = 0.005,
              sick_leave_reduction: float = 1.0, extra_hours: float = 3.0, full_time_hours: float = 40.0
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
    base_need = float(frame.loc[frame["year"] == base_year, "staff_need"].iloc[0])
    if "productivity" in levers:
        frame["staff_need"] *= (1 + productivity_lever) ** -(frame["year"] - base_year)
    if "sick_leave" in levers:
        d = min(sick_leave_reduction / 100, sick_leave)
        frame["staff_need"] *= (1 - sick_leave) / (1 - sick_leave + d)
    if "retirement" in levers:
        frame["supply"] = frame["year"].map(later_supply.set_index("year")["supply"])
    if "hours" in levers:
        frame["supply"] += part_timers * extra_hours / full_time_hours * frame["staff_need"] / base_need
    frame["gap"] = frame["staff_need"] - frame["supply"]
    return frame


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
    def gap_in(chosen) -> float:
        frame = lever_gap(gap_frame, later_supply, part_timers, sick_leave, tuple(chosen), base_year, **sizes)
        return float(frame.loc[frame["year"] == year, "gap"].iloc[0])

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
