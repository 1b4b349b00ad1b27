"""Staff needed for a target service level on case-handling functions: Erlang C and square-root staffing.

The M/M/c queue (Erlang's delay model): cases arrive at random (Poisson), each takes an exponentially
distributed handling time with mean *h*, and *c* handlers serve them in order of arrival. The offered load
``A = λ · h`` (erlang) is the number of handlers the work would occupy at 100 % utilisation. Erlang's C
formula gives the probability that a case has to wait, and the service level is

``SL(t) = 1 − C(c, A) · exp(−(c − A) · t / h)``,

the share of cases whose handling starts within the target time *t*. The square-root staffing rule
``c ≈ A + β · √A`` (Halfin & Whitt 1981, *Operations Research* 29(3)) shows why pooling pays: the safety
margin grows with the square root of the load, so one pool for the network needs fewer handlers than the
sum of separate pools (Smith & Whitt 1981, "Resource sharing for efficiency in traffic systems", *Bell
System Technical Journal* 60(1)).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from tillsammans.cooperation.assumptions import DEFAULTS


def erlang_b(servers: int, load: float) -> float:
    """Erlang's B (loss) formula by the stable recursion ``B_k = A·B_{k−1} / (k + A·B_{k−1})``."""
    if servers < 0 or load < 0:
        raise ValueError(f"servers and load must be non-negative, got {servers}, {load}")
    b = 1.0
    for k in range(1, int(servers) + 1):
        b = load * b / (k + load * b)
    return b


def erlang_c(servers: int, load: float) -> float:
    """Erlang's C formula: the probability that an arriving case waits (1 when ``servers ≤ load``).

    Parameters
    ----------
    servers : int
        Handlers *c*.
    load : float
        Offered load *A* in erlang (arrival rate × mean handling time).
    """
    if load == 0:
        return 0.0
    if servers <= load:
        return 1.0
    b = erlang_b(servers, load)
    return servers * b / (servers - load * (1 - b))


def service_level(servers: int, load: float, target_wait: float) -> float:
    """Share of cases that start within ``target_wait`` (in units of the mean handling time)."""
    if target_wait < 0:
        raise ValueError(f"target_wait must be non-negative, got {target_wait}")
    if load == 0:
        return 1.0
    if servers <= load:
        return 0.0
    return 1 - erlang_c(servers, load) * math.exp(-(servers - load) * target_wait)


def staff_for_service_level(load: float, target: float = DEFAULTS.service_target,
                            target_wait: float = DEFAULTS.target_wait, minimum: int = 1) -> int:
    """The fewest handlers giving ``service_level ≥ target``.

    Parameters
    ----------
    load : float
        Offered load in erlang (≥ 0).
    target : float
        Required share of cases started within the target time, in (0, 1).
    target_wait : float
        Target time as a multiple of the mean handling time (0.5 = half a handling time).
    minimum : int
        Never fewer than this many handlers (a function with any work needs one).
    """
    if not 0 < target < 1:
        raise ValueError(f"target service level must be in (0, 1), got {target}")
    if load < 0 or not np.isfinite(load):
        raise ValueError(f"load must be a non-negative number, got {load}")
    if load == 0:
        return 0
    c = max(minimum, math.floor(load) + 1)
    while service_level(c, load, target_wait) < target:
        c += 1
    return c


def sqrt_staffing(load: float, beta: float = 1.0) -> int:
    """Square-root staffing ``ceil(A + β·√A)``; β ≈ 0.5–2 depending on the service target."""
    if load < 0:
        raise ValueError(f"load must be non-negative, got {load}")
    return math.ceil(round(load + beta * math.sqrt(load), 9))


def staffing_comparison(
    staff: pd.DataFrame,
    catalogue: pd.DataFrame,
    occupancy: float = DEFAULTS.occupancy,
    target: float = DEFAULTS.service_target,
    target_wait: float = DEFAULTS.target_wait,
) -> pd.DataFrame:
    """Handlers needed for a service target, standalone vs pooled, for the case-handling functions.

    The offered load of a municipality is taken as its staff (årsarbetare) times ``occupancy``, the share
    of working time spent on the queue of cases; the rest is meetings, development and travel. This makes
    the comparison about *organisation*, not about the level of staffing, which the estimate cannot judge.

    Returns
    -------
    DataFrame
        ``function, load`` (network load, erlang), ``staff_alone`` (sum of standalone needs),
        ``staff_pooled`` (one pool), ``saved`` (handlers saved), ``saved_share`` (share of the
        standalone need), ``sqrt_alone`` and ``sqrt_pooled`` (square-root rule with β = 1).
    """
    if not 0 < occupancy <= 1:
        raise ValueError(f"occupancy must be in (0, 1], got {occupancy}")
    case_fns = catalogue.index[catalogue["case_handling"].astype(bool)]
    rows = []
    for fn, block in staff[staff["function"].isin(case_fns)].groupby("function", sort=False):
        loads = block["fte"].to_numpy() * occupancy
        alone = sum(staff_for_service_level(a, target, target_wait) for a in loads)
        pooled = staff_for_service_level(float(loads.sum()), target, target_wait)
        rows.append({
            "function": fn, "load": float(loads.sum()), "staff_alone": int(alone),
            "staff_pooled": int(pooled), "saved": int(alone - pooled),
            "saved_share": (alone - pooled) / alone if alone else 0.0,
            "sqrt_alone": int(sum(sqrt_staffing(a) for a in loads)),
            "sqrt_pooled": sqrt_staffing(float(loads.sum())),
        })
    return pd.DataFrame(rows)
