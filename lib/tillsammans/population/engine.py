"""The cohort-component engine: one annual step for many simulations at once, and the loop over years.

Time runs from 31 December of year t to 31 December of t+1; ages are completed years at the end of the year
(0..100, 100 = 100+). In a step, the people aged a−1 at the start ("the cohort at risk", see
:func:`tillsammans.population.rates.cohort_start`) reach age a; of them the out-migrants leave at the rate
``o(a)`` (counted on the cohort at the start of the year), the rest survive with the survival ratio
``S(a)``; in-migrants arrive during the year and are exposed to half a year's mortality (``√S``). Births
come from the fertility rates on the mean number of women of the year (start and end); the year's births
are the cohort at risk of age 0.

Arrays have a leading simulation axis (size 1 for a deterministic run); the only Python loop is over years.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Schedules:
    """The engine's inputs for T consecutive projection steps (step t ends on 31 December of ``years[t]``).

    Attributes
    ----------
    years : array (T,)
    survival : array (T, 2, 101)
        Survival ratios by age reached at the end of the year (age 0: births surviving to year end).
    fertility : array (T, 101)
        Births per woman-year by mother's age (completed years at the birth).
    boys_share : float
        Share of boys among births.
    in_counts : array (T, 2, 101)
        In-migrants during the year by sex and age at the end of the year (persons; negative values are
        allowed for a net-migration model).
    out_rates : array (T, 2, 101)
        Out-migration rates on the cohort at risk (probabilities in [0, 1]).
    in_shape : array (2, 101)
        Age/sex distribution (sums to 1) used for shocks to the in-migration level and for balanced migration.
    zero_net : bool
        When true the in-migrants equal the out-migrants in every step and simulation (distributed by
        ``in_shape``); ``in_counts`` is then ignored.
    """

    years: np.ndarray
    survival: np.ndarray
    fertility: np.ndarray
    boys_share: float
    in_counts: np.ndarray
    out_rates: np.ndarray
    in_shape: np.ndarray
    zero_net: bool = False

    def __post_init__(self) -> None:
        T = len(self.years)
        for name, shape in (("survival", (T, 2, 101)), ("fertility", (T, 101)), ("in_counts", (T, 2, 101)),
                            ("out_rates", (T, 2, 101)), ("in_shape", (2, 101))):
            arr = getattr(self, name)
            if arr.shape != shape:
                raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
            if not np.isfinite(arr).all():
                raise ValueError(f"{name} contain NaN or infinite values; allowed: finite numbers")
        if (self.survival <= 0).any() or (self.survival > 1).any():
            raise ValueError("survival ratios must lie in (0, 1]")
        if (self.fertility < 0).any():
            raise ValueError("fertility rates must be >= 0")
        if (self.out_rates < 0).any() or (self.out_rates > 1).any():
            raise ValueError("out-migration rates must lie in [0, 1]")
        if not 0 <= self.boys_share <= 1:
            raise ValueError(f"boys_share must lie in [0, 1], got {self.boys_share}")


@dataclass
class StepResult:
    population: np.ndarray  # (S, 2, 101)
    births: np.ndarray  # (S, 2)
    deaths: np.ndarray  # (S, 2)
    in_migrants: np.ndarray  # (S, 2)
    out_migrants: np.ndarray  # (S, 2)


def step(
    pop: np.ndarray,
    survival: np.ndarray,
    fertility: np.ndarray,
    boys_share: float,
    in_counts: np.ndarray,
    out_rates: np.ndarray,
    in_shape: np.ndarray,
    zero_net: bool = False,
    root: np.ndarray | None = None,
) -> StepResult:
    """One annual step for S simulations.

    Parameters
    ----------
    pop : (S, 2, 101)
    survival, in_counts, out_rates : (2, 101) or (S, 2, 101)
    fertility : (101,) or (S, 101)
    root : like ``survival``, optional
        √survival when the caller has it already (saves a square root per cell).
    """
    if root is None:
        root = np.sqrt(survival)
    start = np.empty_like(pop)
    start[:, :, 1:] = pop[:, :, :-1]
    start[:, :, -1] += pop[:, :, -1]
    start[:, :, 0] = 0.0
    out = start * out_rates
    stay = start - out
    new = stay * survival
    sex_split = np.array([1 - boys_share, boys_share])
    if zero_net:
        # In-migrants = all out-migrants, including newborns leaving; births depend (slightly) on the female
        # in-migrants, so solve the linear equation T = O1 + c·(B0 + b1·T) for the in-migrant total T.
        b0 = 0.5 * ((pop[:, 0] + new[:, 0]) * fertility).sum(axis=-1)
        b1 = 0.5 * (fertility * in_shape[0] * root[..., 0, :]).sum(axis=-1)
        c = (sex_split * out_rates[..., 0]).sum(axis=-1)
        o1 = out[:, :, 1:].sum(axis=(1, 2))
        total_in = (o1 + c * b0) / (1 - b1 * c)
        inc = total_in[:, None, None] * in_shape
    else:
        inc = in_counts
    arriving = inc * root
    # Deaths: stayers who do not survive plus in-migrants who die after arriving (before births are known,
    # age 0 of ``stay`` and ``new`` is zero, so it is added below).
    kept_sum = new.sum(axis=-1)
    deaths = stay.sum(axis=-1) - kept_sum + inc.sum(axis=-1) - arriving.sum(axis=-1)
    new += arriving
    births = (0.5 * ((pop[:, 0] + new[:, 0]) * fertility).sum(axis=-1))[:, None] * sex_split
    out[:, :, 0] = births * out_rates[..., 0]
    stay0 = births - out[:, :, 0]
    kept0 = stay0 * survival[..., 0]
    new[:, :, 0] = kept0 + arriving[..., 0]
    deaths = deaths + stay0 - kept0
    np.maximum(new, 0.0, out=new)
    S = pop.shape[0]
    return StepResult(new, births, np.broadcast_to(deaths, (S, 2)), np.broadcast_to(inc.sum(axis=-1), (S, 2)),
                      out.sum(axis=-1))


def run(
    pop0: np.ndarray,
    sched: Schedules,
    mortality_multiplier: np.ndarray | None = None,
    fertility_multiplier: np.ndarray | None = None,
    in_shift: np.ndarray | None = None,
    out_multiplier: np.ndarray | None = None,
    out: dict[str, np.ndarray] | None = None,
    in_groups: tuple[np.ndarray, np.ndarray] | None = None,
    added: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Project ``pop0`` through all steps of ``sched``, optionally with per-simulation level deviations.

    Parameters
    ----------
    pop0 : array (2, 101) or (S, 2, 101)
        Population at the jump-off.
    mortality_multiplier, fertility_multiplier, out_multiplier : arrays (S, T), optional
        Multipliers of the hazard (survival becomes S**m), the fertility rates and the out-migration rates.
    in_shift : array (S, T), optional
        Persons added to the in-migrants each year, spread by ``sched.in_shape`` (may be negative).
    out : dict of arrays, optional
        Preallocated results to fill (same keys and shapes as returned), e.g. views into a longer array.
    in_groups : (deviations (S, T, G), shapes (G, 2, 101)), optional
        Persons added to the in-migrants of each of G age groups each year, spread by the group's shape
        (each sums to 1): deviations of the migrants' age composition.
    added : array (T, 2, 101), optional
        Persons added at the end of each step, the same in every simulation (may be negative; the population
        is floored at 0), counted as in-migrants: the reconciliation with a national control
        (:mod:`~tillsammans.population.reconcile`).

    Returns
    -------
    dict
        ``population`` (S, T+1, 2, 101) with the jump-off first; ``births``, ``deaths``, ``in_migrants``,
        ``out_migrants`` (S, T, 2).
    """
    pop0 = np.asarray(pop0, dtype=float)
    if pop0.ndim == 2:
        pop0 = pop0[None]
    if pop0.shape[1:] != (2, 101):
        raise ValueError(f"jump-off population must have shape (2, 101) or (S, 2, 101), got {pop0.shape}")
    if not np.isfinite(pop0).all() or (pop0 < 0).any():
        raise ValueError("jump-off population must be finite and >= 0")
    multipliers = [m for m in (mortality_multiplier, fertility_multiplier, in_shift, out_multiplier) if m is not None]
    S = max([pop0.shape[0]] + [m.shape[0] for m in multipliers])
    T = len(sched.years)
    for m in multipliers:
        if m.shape not in ((S, T), (1, T)):
            raise ValueError(f"level deviations must have shape ({S}, {T}), got {m.shape}")
    if added is not None and added.shape != (T, 2, 101):
        raise ValueError(f"added persons must have shape ({T}, 2, 101), got {added.shape}")
    pop = np.broadcast_to(pop0, (S, 2, 101)).copy()
    if out is None:
        out = {
            "population": np.empty((S, T + 1, 2, 101)),
            "births": np.empty((S, T, 2)), "deaths": np.empty((S, T, 2)),
            "in_migrants": np.empty((S, T, 2)), "out_migrants": np.empty((S, T, 2)),
        }
    out["population"][:, 0] = pop
    roots = np.sqrt(sched.survival)
    # Migration shocks as one matrix product per year: columns = the total's shock (spread by in_shape) and
    # each age group's deviation (spread by its shape); laid out year-major so each year's slice is contiguous.
    shocks, shapes = [], []
    if in_shift is not None:
        shocks.append(np.broadcast_to(in_shift, (S, T))[..., None])
        shapes.append(sched.in_shape.reshape(1, -1))
    if in_groups is not None:
        shocks.append(np.broadcast_to(in_groups[0], (S, T, in_groups[0].shape[-1])))
        shapes.append(in_groups[1].reshape(len(in_groups[1]), -1))
    if shocks:
        shock_by_year = np.ascontiguousarray(np.moveaxis(np.concatenate(shocks, axis=-1), 1, 0))  # (T, S, G)
        shock_shapes = np.concatenate(shapes, axis=0)  # (G, 2 · 101)
        inc_buffer = np.empty((S, 2 * 101))
    half_log = 0.5 * np.log(sched.survival) if mortality_multiplier is not None else None
    for t in range(T):
        if mortality_multiplier is not None and half_log is not None:  # half_log exists exactly when m does
            # S**m and √(S**m) with a single exponential per cell.
            root = np.exp(mortality_multiplier[:, t, None, None] * half_log[t])
            surv = root * root
        else:
            surv, root = sched.survival[t], roots[t]
        fert = sched.fertility[t]
        if fertility_multiplier is not None:
            fert = fert * fertility_multiplier[:, t, None]
        inc = sched.in_counts[t]
        if shocks:
            np.matmul(shock_by_year[t], shock_shapes, out=inc_buffer)
            inc_buffer += inc.reshape(-1)
            inc = inc_buffer.reshape(S, 2, 101)
        rate = sched.out_rates[t]
        if out_multiplier is not None:
            rate = np.minimum(rate * out_multiplier[:, t, None, None], 1.0)
        res = step(pop, surv, fert, sched.boys_share, inc, rate, sched.in_shape, sched.zero_net, root)
        pop = res.population
        out["in_migrants"][:, t] = res.in_migrants
        if added is not None:
            pop = np.maximum(pop + added[t], 0.0)
            out["in_migrants"][:, t] += added[t].sum(axis=-1)
        out["population"][:, t + 1] = pop
        out["births"][:, t] = res.births
        out["deaths"][:, t] = res.deaths
        out["out_migrants"][:, t] = res.out_migrants
    return out
