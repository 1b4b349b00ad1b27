"""Municipal migration age profiles, estimated from Kolada's age-group stocks and components.

The residual method on age groups
---------------------------------
Kolada publishes, per region, sex and year (1998–2022), the inhabitants in seven age groups (0–5, 6–15, 16–19,
20–44, 45–64, 65–79, 80+; 20–64 unsplit before 2008) and the year's births, deaths, in- and out-migrants. For
every year the previous year's groups are spread over single ages with the county's single-age shape within
each group (SCB, to 2015; Sweden's after), aged one year with national survival ratios scaled to the
region's observed deaths, and the observed births added: what is left over in each group at the end of the
year is the group's net migration. Adding the out-migrants the region would lose from each group (its
observed out-migrants, spread by the national relative out-migration rates on its population) gives the
in-migrants by group and sex.

Profiles
--------
Pooled over the migration window, the in-migrants' group shares divided by the national schedule's shares
are the region's *group factors*. They are shrunk towards the county's factors (the county towards the
national schedule) by credibility, ``w = N ÷ (N + k)`` with N the in-migrants of the window and k
``Assumptions.profile_credibility``, and spread over single ages smoothly: the profile is the national
schedule (itself a smooth least-squares fit across the 21 counties, :mod:`~tillsammans.population.schedules`)
times a factor that is smooth across ages and reproduces the group shares. Seven groups cannot identify the
parameters of a full Rogers–Castro schedule per municipality; a smooth multiplicative adjustment of a model
schedule fitted on richer data is the "similar" model migration schedule the method asks for.

Out-migration keeps the national relative age pattern at the municipality's own crude rate, so what is
identified — net migration by age group — is reproduced; the split of a group's net flow into in and out is
the national one. The design leaves room for a domestic/international split (a second pair of profiles
estimated the same way) and for an in-migration level tied to housing (the level, not the profile, moves).
"""

from __future__ import annotations

import numpy as np

from tillsammans.population import rates, schedules
from tillsammans.population.agegroups import MIGRATION_AGE_GROUPS, group_index
from tillsammans.population.assumptions import Assumptions
from tillsammans.population.inputs import PopulationInputs

GROUPS = MIGRATION_AGE_GROUPS
_GROUP_OF_AGE = group_index(GROUPS)
_SPLIT = (3, 4)  # 20–44 and 45–64: published separately from 2008 only


def observed_groups(inputs: PopulationInputs) -> np.ndarray:
    """Kolada's inhabitants by sex and migration age group, array (regions, years, 2, 7); NaN where missing.

    Before 2008 only 20–64 is published: its total is put in 20–44 and 45–64 is NaN.
    """
    def compute() -> np.ndarray:
        k = inputs.kolada_by_sex
        out = np.stack([k["n01952"], k["n01953"], k["n01954"], k["n01955"] - k["n02833"], k["n02833"],
                        k["n01956"], k["n01957"]], axis=-1)
        unsplit = ~np.isfinite(k["n02833"]) & np.isfinite(k["n01955"])
        out[..., 3] = np.where(unsplit, k["n01955"], out[..., 3])
        return out
    return inputs.memo(("migration_groups",), compute)


def _shape_source(inputs: PopulationInputs, code: str, year: int) -> np.ndarray:
    """Single-age population (2, 101) whose within-group shape spreads a region's groups in ``year``."""
    county = code if code in inputs.county_codes else inputs.registry.county_of(code) if len(code) == 4 else None
    if county in inputs.county_codes and inputs.county_years[0] <= year <= inputs.county_years[-1]:
        return inputs.county_pop[inputs.county_codes.index(county), int(year - inputs.county_years[0])]
    nat_years = inputs.national_pop_years
    return inputs.national_pop[int(min(max(year, nat_years[0]), nat_years[-1]) - nat_years[0])]


def _features(groups: np.ndarray) -> np.ndarray:
    """Log ratios of 65–79, 0–19 and 80+ to 20–64 (..., 2, 3) from groups (..., 2, 7) whose entry 3 is 20–64."""
    working = groups[..., 3]
    return np.stack([np.log(groups[..., 5] / working), np.log(groups[..., :3].sum(axis=-1) / working),
                     np.log(groups[..., 6] / working)], axis=-1)


def _split_model(inputs: PopulationInputs, year: int) -> np.ndarray:
    """Coefficients (2, 4) predicting logit(45–64 ÷ 20–64) per sex from :func:`_features`, fitted across the
    21 counties' single ages of ``year`` (or of the last county year, 2015, after it)."""
    def compute() -> np.ndarray:
        j = int(min(max(year, inputs.county_years[0]), inputs.county_years[-1]) - inputs.county_years[0])
        p = inputs.county_pop[:, j]
        g = np.stack([p[..., lo:hi + 1].sum(axis=-1) for lo, hi in GROUPS.values()], axis=-1)
        share = g[..., 4] / (g[..., 3] + g[..., 4])
        g[..., 3] += g[..., 4]
        x = _features(g)
        coef = np.empty((2, 4))
        for sex in range(2):
            design = np.column_stack([np.ones(len(p)), x[:, sex]])
            coef[sex] = np.linalg.lstsq(design, np.log(share[:, sex] / (1 - share[:, sex])), rcond=None)[0]
        return coef
    return inputs.memo(("split_20_64", int(min(year, inputs.county_years[-1]))), compute)


def split_working_age(inputs: PopulationInputs, groups: np.ndarray, year: int) -> np.ndarray:
    """Groups (2, 7) with 20–64 unsplit (entry 3 = 20–64, entry 4 NaN) split into 20–44 and 45–64.

    Before 2008 Kolada publishes 20–64 only. How much of it is 45–64 follows the rest of the age structure
    (an older municipality has more 45–64-year-olds within its 20–64): the share is predicted from the
    ratios of 65–79, 0–19 and 80+ to 20–64 by a regression across the 21 counties' single ages of the same
    year (SCB; checked on 2019: mean error of 45–64 −2 % / −1 % for women / men, 4 % mean absolute, against
    −9.5 % / 12 % with the county's own split).
    """
    if np.isfinite(groups[..., 4]).all():
        return groups
    coef = _split_model(inputs, year)
    x = _features(groups)
    logit = coef[:, 0] + (x * coef[:, 1:]).sum(axis=-1)
    share = 1 / (1 + np.exp(-logit))
    out = groups.copy()
    out[..., 4] = groups[..., 3] * share
    out[..., 3] = groups[..., 3] - out[..., 4]
    return out


def spread_groups(groups: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """Spread group totals (..., 2, 7) over single ages with a single-age ``shape`` (2, 101) within each group.

    When 45–64 is NaN (20–64 unsplit), the 20–44 entry is spread over 20–64.
    """
    groups = np.asarray(groups, dtype=float)
    unsplit = ~np.isfinite(groups[..., 4])
    out = np.empty((*groups.shape[:-1], 101))
    for split in (False, True):
        idx = _GROUP_OF_AGE.copy()
        if split:
            idx[45:65] = 3
        weights = np.asarray(shape, dtype=float) + 1e-9
        sums = np.zeros((*weights.shape[:-1], 7))
        for g in range(7):
            sums[..., g] = weights[..., idx == g].sum(axis=-1)
        share = weights / np.take_along_axis(sums, np.broadcast_to(idx, weights.shape), axis=-1)
        vals = np.nan_to_num(groups)[..., idx] * share
        mask = unsplit if split else ~unsplit
        out[mask] = vals[mask]
    return out


#: Smoothing passes of the synthesis tilt (see :func:`synthesise_population`).
SYNTHESIS_PASSES = 4


def synthesise_population(inputs: PopulationInputs, code: str, year: int) -> np.ndarray:
    """A single-age jump-off (2, 101) from Kolada's age groups by sex and the county's single-age shape.

    The county's shape is tilted smoothly across ages by the municipality's group-to-county ratios (the same
    smooth, share-keeping adjustment as the migration profiles, :func:`smooth_profile`), so that a
    municipality older than its county also has more people just below the next group's border; the group
    totals are then met exactly.
    """
    return inputs.memo(("synthesised", code, int(year)), lambda: _synthesise(inputs, code, int(year)))


def _synthesise(inputs: PopulationInputs, code: str, year: int) -> np.ndarray:
    row = inputs.kolada_codes.get(code)
    j = int(year - inputs.kolada_years[0])
    if row is None or not 0 <= j < len(inputs.kolada_years):
        raise ValueError(f"no Kolada age groups for {code} in {year}")
    groups = observed_groups(inputs)[row, j]
    if not np.isfinite(groups[..., [0, 1, 2, 3, 5, 6]]).all():
        raise ValueError(f"Kolada's age groups by sex are incomplete for {code} in {year}; "
                         f"years with all groups: {sorted(synthesisable_years(inputs, code))}")
    shape = _shape_source(inputs, code, year)
    full = split_working_age(inputs, groups, year)
    base = shape / shape.sum()
    ratio = full / full.sum() / np.maximum(_group_shares(base, split=True), 1e-12)
    tilted = smooth_profile(base, np.maximum(ratio, 1e-3), passes=SYNTHESIS_PASSES)
    return spread_groups(full, tilted)


def synthesisable_years(inputs: PopulationInputs, code: str) -> list[int]:
    """Years with all of Kolada's age groups by sex for ``code`` (a jump-off can be synthesised)."""
    def compute() -> list[int]:
        row = inputs.kolada_codes.get(code)
        if row is None:
            return []
        g = observed_groups(inputs)[row]
        ok = np.isfinite(g[..., [0, 1, 2, 3, 5, 6]]).all(axis=(-1, -2))
        return [int(y) for y in inputs.kolada_years[ok]]
    return inputs.memo(("synthesisable_years", code), compute)


def in_migrants_by_group(inputs: PopulationInputs, code: str, a: Assumptions,
                         as_of: int | None = None) -> dict[int, np.ndarray]:
    """Residual in-migrants by sex and migration age group per year, ``{year: (2, 7)}`` (45–64 NaN before 2008).

    Only years whose stocks (this and the previous year) and components are all observed, up to ``as_of``.
    """
    return {y: ins for y, (ins, _) in residual_flows(inputs, code, a, as_of).items()}


def residual_flows(inputs: PopulationInputs, code: str, a: Assumptions,
                   as_of: int | None = None) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Residual in-migrants and modelled out-migrants by sex and group per year, ``{year: (ins, outs)}``."""
    key = ("residual_flows", code, a.profile_years, a.profile_smoothing, as_of)
    return inputs.memo(key, lambda: _residual_flows(inputs, code, a, as_of))


def _residual_flows(inputs: PopulationInputs, code: str, a: Assumptions,
                    as_of: int | None) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    row = inputs.kolada_codes.get(code)
    if row is None:
        return {}
    g = observed_groups(inputs)[row]
    k = inputs.kolada_by_sex
    _, out_rel = schedules.migration_profiles(inputs, a, as_of)
    years = inputs.kolada_years
    result: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for j in range(1, len(years)):
        y = int(years[j])
        if as_of is not None and y > as_of:
            break
        # Births and deaths by sex start in 2019 for municipalities: the totals, split by the boys' share
        # and by the expected deaths.
        births = inputs.kolada_values["n01804"][row, j] * np.array([1 - inputs.boys_share, inputs.boys_share])
        deaths = inputs.kolada_values["n01805"][row, j]
        outs = k["n01802"][row, j]
        core = [0, 1, 2, 3, 5, 6]
        if not (np.isfinite(g[j - 1][..., core]).all() and np.isfinite(g[j][..., core]).all()
                and np.isfinite(births).all() and np.isfinite(deaths) and np.isfinite(outs).all()):
            continue
        split = np.isfinite(g[j - 1][..., 4]).all() and np.isfinite(g[j][..., 4]).all()
        prev_groups = g[j - 1] if split else np.where(np.arange(7) == 4, np.nan, g[j - 1])
        if not split and np.isfinite(g[j - 1][..., 4]).all():
            prev_groups[..., 3] = g[j - 1][..., 3] + g[j - 1][..., 4]
        prev = spread_groups(split_working_age(inputs, prev_groups, y - 1), _shape_source(inputs, code, y - 1))
        start = rates.cohort_start(prev[None], births[None])[0]
        mx = schedules.national_mortality(inputs, [y], a, observed=True)[0]
        surv = rates.survival_ratios(mx)
        expected = start * (1 - surv)
        scale = float(np.clip(deaths / max(expected.sum(), 1e-9), 0.3, 3.0))
        survivors = start - expected * scale
        surv_g = np.stack([survivors[..., lo:hi + 1].sum(axis=-1) for lo, hi in GROUPS.values()], axis=-1)
        out_w = out_rel * start
        out_w = out_w / np.maximum(out_w.sum(axis=-1, keepdims=True), 1e-9) * outs[:, None]
        out_g = np.stack([out_w[..., lo:hi + 1].sum(axis=-1) for lo, hi in GROUPS.values()], axis=-1)
        if not split:  # the 20–44 entry holds 20–64
            surv_g[..., 3] += surv_g[..., 4]
            out_g[..., 3] += out_g[..., 4]
        current = g[j].copy()
        if not split and np.isfinite(current[..., 4]).all():  # first year of the split (2008): merge again
            current[..., 3] += current[..., 4]
        ins = current - surv_g + out_g
        if not split:
            ins[..., 4] = np.nan
            out_g[..., 4] = np.nan
        result[y] = (ins, out_g)
    return result


#: The coarse groups of the age-composition deviations (published in every year): 0–5, 6–15, 16–19, 20–64,
#: 65–79, 80+ as index lists into :data:`GROUPS` (20–64 = 20–44 + 45–64).
COARSE = ((0,), (1,), (2,), (3, 4), (5,), (6,))


def coarse_from_groups(values: np.ndarray) -> np.ndarray:
    """(…, 2, 7) with 45–64 possibly NaN → (6,) summed over sex."""
    v = np.nan_to_num(values).sum(axis=-2)
    return np.array([v[..., list(ix)].sum(axis=-1) for ix in COARSE])


#: The coarse groups' ages (inclusive).
COARSE_AGES = ((0, 5), (6, 15), (16, 19), (20, 64), (65, 79), (80, 100))


def coarse_sums(by_age: np.ndarray) -> np.ndarray:
    """Sums over sex and the ages of each coarse group: (2, 101) → (6,)."""
    return np.array([by_age[..., lo:hi + 1].sum() for lo, hi in COARSE_AGES])


def coarse_spread(profile: np.ndarray) -> np.ndarray:
    """Within-group age/sex shapes (6, 2, 101) of ``profile`` for the coarse groups, each summing to 1."""
    out = np.zeros((len(COARSE_AGES), 2, 101))
    for k, (lo, hi) in enumerate(COARSE_AGES):
        out[k, :, lo:hi + 1] = profile[:, lo:hi + 1]
        out[k] /= max(out[k].sum(), 1e-12)
    return out


def composition_sd(net_by_group: list[np.ndarray], movers_by_group: list[np.ndarray],
                   shares: np.ndarray) -> np.ndarray:
    """Yearly standard deviation (persons) of each coarse group's net migration beyond its share of the total.

    ``net_by_group`` and ``movers_by_group``: per year, (6,) net migrants and in + out migrants; ``shares``
    (6,) the groups' shares of the in-migrant profile (how a shock to the total is spread). The deviation
    of a group is its net migration minus its share of the year's total net migration; the Poisson part
    (in + out of the group) is removed from its variance, as for the total.
    """
    if len(net_by_group) < 3:
        return np.zeros(len(COARSE))
    net = np.array(net_by_group)
    dev = net - net.sum(axis=1, keepdims=True) * shares
    variance = dev.var(axis=0, ddof=1) - (np.array(movers_by_group).mean(axis=0) if movers_by_group else 0.0)
    return np.sqrt(np.maximum(variance, 0.0))


def _group_shares(profile: np.ndarray, split: bool) -> np.ndarray:
    s = np.stack([profile[..., lo:hi + 1].sum(axis=-1) for lo, hi in GROUPS.values()], axis=-1)
    if not split:
        s[..., 3] += s[..., 4]
        s[..., 4] = np.nan
    return s


def group_factors(inputs: PopulationInputs, code: str, window: tuple[int, int], a: Assumptions,
                  as_of: int | None = None) -> tuple[np.ndarray, float]:
    """Raw factors (2, 7): the region's in-migrants' group shares ÷ the national schedule's, over ``window``.

    Returns the factors (1 where nothing is observed) and the number of in-migrants behind them.
    """
    base, _ = schedules.migration_profiles(inputs, a, as_of)
    by_year = in_migrants_by_group(inputs, code, a, as_of)
    years = [y for y in range(window[0], window[1] + 1) if y in by_year]
    if not years:
        return np.ones((2, 7)), 0.0
    ins = np.stack([by_year[y] for y in years])
    split_years = np.isfinite(ins[:, 0, 4])
    total = np.nansum(ins[:, :, [0, 1, 2, 3, 5, 6]].clip(min=0), axis=(1, 2)).sum()
    coarse = ins.copy()
    coarse[split_years, :, 3] += coarse[split_years, :, 4]
    pooled = coarse[..., [0, 1, 2, 3, 5, 6]].sum(axis=0)  # (2, 6), 3 = 20–64
    shares = np.maximum(pooled / max(pooled.sum(), 1e-9), 0.0)
    base_s = _group_shares(base, split=False)[..., [0, 1, 2, 3, 5, 6]]
    # A group with (implausibly) no in-migrants keeps a tenth of the national share: the residual is noisy.
    shares = np.maximum(shares, 0.1 * base_s)
    f6 = shares / shares.sum() / base_s
    factors = np.insert(f6, 4, f6[..., 3], axis=-1)  # 20–44 and 45–64 both get the 20–64 factor …
    if split_years.sum() >= 3:  # … unless the split is observed often enough to tell them apart
        part = ins[split_years][..., [3, 4]].sum(axis=0).clip(min=1e-9)
        base_part = _group_shares(base, split=True)[..., [3, 4]]
        within = part / part.sum(axis=-1, keepdims=True) / (base_part / base_part.sum(axis=-1, keepdims=True))
        within = np.clip(within, 0.2, 5.0)
        # Keep the 20–64 total: rescale so that the two parts' weighted factor equals the 20–64 factor.
        w = base_part / base_part.sum(axis=-1, keepdims=True)
        within /= (within * w).sum(axis=-1, keepdims=True)
        factors[..., 3] = f6[..., 3] * within[..., 0]
        factors[..., 4] = f6[..., 3] * within[..., 1]
    return factors, float(total)


def smooth_profile(base: np.ndarray, factors: np.ndarray, passes: int = 6, rounds: int = 4) -> np.ndarray:
    """The national schedule × an age-smooth factor whose group shares match ``base``'s × ``factors``.

    The group factors are a step function of age; its logarithm is smoothed (``passes`` of [1, 2, 1]/4) and
    the steps are corrected ``rounds`` times so the smoothed profile keeps the target group shares.
    """
    target = _group_shares(base, split=True) * factors
    target = target / target.sum()
    steps = np.log(np.maximum(factors, 1e-6))
    for _ in range(rounds):
        log_f = rates.smooth_ages(steps[..., _GROUP_OF_AGE], passes, keep_first=False)
        profile = base * np.exp(log_f)
        profile /= profile.sum()
        achieved = _group_shares(profile, split=True)
        steps += np.log(np.maximum(target, 1e-12) / np.maximum(achieved, 1e-12))
    log_f = rates.smooth_ages(steps[..., _GROUP_OF_AGE], passes, keep_first=False)
    profile = base * np.exp(log_f)
    return profile / profile.sum()


def in_migrant_profile(inputs: PopulationInputs, code: str, window: tuple[int, int], a: Assumptions,
                       as_of: int | None = None) -> np.ndarray:
    """The region's in-migrants' age/sex distribution (2, 101), summing to 1 (see the module docstring).

    A municipality is shrunk towards its county, a county towards the national schedule; Sweden ("00")
    uses the national schedule itself.
    """
    key = ("in_profile", code, window, a.profile_years, a.profile_smoothing, a.profile_credibility, as_of)

    def compute() -> np.ndarray:
        base, _ = schedules.migration_profiles(inputs, a, as_of)
        if code == "00":
            return base
        log_f = _shrunk_log_factors(inputs, code, window, a, as_of)
        return smooth_profile(base, np.exp(log_f))
    return inputs.memo(key, compute)


def _shrunk_log_factors(inputs: PopulationInputs, code: str, window: tuple[int, int], a: Assumptions,
                        as_of: int | None) -> np.ndarray:
    key = ("in_log_factors", code, window, a.profile_years, a.profile_smoothing, a.profile_credibility, as_of)

    def compute() -> np.ndarray:
        raw, n = group_factors(inputs, code, window, a, as_of)
        prior = np.zeros((2, 7))
        county = inputs.registry.county_of(code) if len(code) == 4 else None
        if county is not None and county in inputs.kolada_codes:
            prior = _shrunk_log_factors(inputs, county, window, a, as_of)
        w = n / (n + a.profile_credibility) if n > 0 else 0.0
        return w * np.log(raw) + (1 - w) * prior
    return inputs.memo(key, compute)
