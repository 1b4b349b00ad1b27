"""The population package's one table of age groups: the services', the indicators' and Kolada's.

Every age group is a label → (first age, last age), inclusive, in completed years (100 = 100 and over).
Kolada publishes inhabitants by age group (KPIs ``n01952``–``n01957``, ``n02832``/``n02833``, produced by
SCB); :data:`KOLADA_AGE_GROUPS` maps each KPI to its ages, and :data:`MIGRATION_AGE_GROUPS` is the finest
partition of 0–100+ they allow (used to estimate the municipal migration age profiles and to align the
carried-through population with the observed stocks).
"""

from __future__ import annotations

import numpy as np

#: Working age, the study's one definition for the indicators (as SCB and Kolada: 20–64 years, inclusive). The
#: supply of staff uses employment rates at every age 15–74; only the words "arbetsför ålder" and the
#: indicators (working-age share, dependency ratio, gap per person of working age) mean this range.
WORKING_AGE: tuple[int, int] = (20, 64)

#: Age groups of the municipal services: förskola 1–5, grundskola 6–15, gymnasium 16–18, the rest of the adults
#: 19–64 (not the working age, see :data:`WORKING_AGE`), äldre 65–79, 80–89, 90+.
SERVICE_AGE_GROUPS: dict[str, tuple[int, int]] = {
    "1–5": (1, 5), "6–15": (6, 15), "16–18": (16, 18), "19–64": (19, 64), "65–79": (65, 79),
    "80–89": (80, 89), "90+": (90, 100),
}

#: Broad age groups of the demographic indicators, the backtests and the interval coverage.
BROAD_AGE_GROUPS: dict[str, tuple[int, int]] = {
    "0–19": (0, 19), "20–64": WORKING_AGE, "65–79": (65, 79), "80+": (80, 100)}

#: Kolada inhabitants by age group: KPI → (first age, last age). 20–64 is split at 45 from 2008 (45–64) and
#: 2015 (20–44); the six groups without the split cover 0–100+ from 1994.
KOLADA_AGE_GROUPS: dict[str, tuple[int, int]] = {
    "n01952": (0, 5), "n01953": (6, 15), "n01954": (16, 19), "n01955": (20, 64), "n02832": (20, 44),
    "n02833": (45, 64), "n01956": (65, 79), "n01957": (80, 100),
}

#: Kolada's six age groups that partition 0–100+ in every year (the observed history's groups).
KOLADA_PARTITION: tuple[str, ...] = ("n01952", "n01953", "n01954", "n01955", "n01956", "n01957")

#: The finest partition of 0–100+ Kolada allows: 20–44 is derived as n01955 − n02833 (both from 2008).
MIGRATION_AGE_GROUPS: dict[str, tuple[int, int]] = {
    "0–5": (0, 5), "6–15": (6, 15), "16–19": (16, 19), "20–44": (20, 44), "45–64": (45, 64),
    "65–79": (65, 79), "80+": (80, 100),
}


def label(lo: int, hi: int) -> str:
    """The house label of an age range: ``(0, 19)`` → ``"0–19"``, ``(80, 100)`` → ``"80+"``."""
    return f"{lo}+" if hi >= 100 else f"{lo}–{hi}"


def group_index(groups: dict[str, tuple[int, int]]) -> np.ndarray:
    """Group number of every age 0..100 for a partition of 0–100+ (raises if the groups do not partition it)."""
    out = np.full(101, -1)
    for i, (lo, hi) in enumerate(groups.values()):
        out[lo:hi + 1] = i
    if (out < 0).any() or sum(hi - lo + 1 for lo, hi in groups.values()) != 101:
        raise ValueError(f"age groups {list(groups)} do not partition the ages 0–100+")
    return out


def group_sums(values: np.ndarray, groups: dict[str, tuple[int, int]]) -> np.ndarray:
    """Sums over the ages of each group: array (..., 101) → (..., len(groups))."""
    return np.stack([values[..., lo:hi + 1].sum(axis=-1) for lo, hi in groups.values()], axis=-1)
