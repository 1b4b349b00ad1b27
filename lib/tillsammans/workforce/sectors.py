"""Welfare sectors, their Swedish labels and the age groups whose numbers drive each sector's demand.

Users are counted from a population frame (``year, age, population`` and optionally ``sex``/``sim``);
demand follows the users, so only the *relative* size of the user groups matters (staff per user is held at
today's level, see :func:`tillsammans.workforce.demand.staff_need`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tillsammans.population.agegroups import WORKING_AGE

#: Sector ids in report order, with Swedish labels.
SECTORS: dict[str, str] = {
    "forskola": "Förskola",
    "grundskola": "Grundskola (inkl. förskoleklass och fritidshem)",
    "gymnasieskola": "Gymnasieskola",
    "aldreomsorg": "Äldreomsorg",
    "funktionsstod": "Funktionsstöd (LSS, SoL)",
    "ifo": "Individ- och familjeomsorg",
    "halso_sjukvard": "Kommunal hälso- och sjukvård",
    "admin_ovrigt": "Administration och övrigt",
}

#: User age groups per sector: a list of ``(first_age, last_age, weight_key)``; ``weight_key`` None means
#: weight 1, otherwise the name of a use rate (eldercare bands have different use rates).
USER_GROUPS: dict[str, list[tuple[int, int, str | None]]] = {
    "forskola": [(1, 5, None)],
    "grundskola": [(6, 15, None)],
    "gymnasieskola": [(16, 18, None)],
    "aldreomsorg": [(65, 79, "use_65_79"), (80, 89, "use_80_89"), (90, 100, "use_90")],
    "funktionsstod": [(0, 100, None)],
    "ifo": [(0, 100, None)],
    "halso_sjukvard": [(80, 100, None)],
    "admin_ovrigt": [(0, 100, None)],
}

#: Swedish description of each sector's users, for tables.
USER_LABELS: dict[str, str] = {
    "forskola": "barn 1–5 år",
    "grundskola": "barn 6–15 år",
    "gymnasieskola": "ungdomar 16–18 år",
    "aldreomsorg": "65–79, 80–89 och 90+ år viktade med andel med hemtjänst/särskilt boende",
    "funktionsstod": "hela befolkningen",
    "ifo": "hela befolkningen",
    "halso_sjukvard": "invånare 80+ år",
    "admin_ovrigt": "hela befolkningen",
}


def sector_table() -> pd.DataFrame:
    """The sectors as a table: ``sector, Verksamhet, Brukare``."""
    return pd.DataFrame(
        {"sector": list(SECTORS), "Verksamhet": list(SECTORS.values()),
         "Brukare": [USER_LABELS[s] for s in SECTORS]}
    )


def check_sectors(names, where: str = "") -> None:
    """Raise ``ValueError`` if any name is not a known sector id."""
    unknown = sorted(set(names) - set(SECTORS))
    if unknown:
        raise ValueError(f"{where}unknown sector(s) {unknown}; allowed: {', '.join(SECTORS)}")


def _prepare(population: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    required = {"year", "age", "population"}
    missing = required - set(population.columns)
    if missing:
        raise ValueError(f"population frame lacks column(s) {sorted(missing)}; expected year, age, population "
                         "(optionally sex, sim)")
    if (population["population"] < 0).any():
        raise ValueError("population frame has negative counts")
    keys = ["sim", "year"] if "sim" in population.columns else ["year"]
    return population, keys


def _age_blocks(population: pd.DataFrame, keys: list[str]) -> tuple[pd.DataFrame, np.ndarray] | None:
    """The matrix of a frame stored as the population model writes it, without sorting; None otherwise.

    The model's frames come in blocks of 101 rows (ages 0..100) of one ``[sim,] year`` (and sex), sorted by
    ``[sim,] year``: reading them as blocks costs a few passes over the rows instead of a hash of every row
    (~4x faster for 1 000 simulated paths).
    """
    n = len(population)
    if n == 0 or n % 101:
        return None
    age = population["age"].to_numpy()
    if not (age.reshape(-1, 101) == np.arange(101)).all():
        return None
    block_key = np.zeros(n // 101, dtype=np.int64)
    for column, scale in (("sim", 100_000), ("year", 1)):
        if column not in keys:
            continue
        values = population[column].to_numpy()
        first = values[::101]
        if not (values.reshape(-1, 101) == first[:, None]).all():
            return None
        block_key += first.astype(np.int64) * scale
    starts = np.flatnonzero(np.r_[True, block_key[1:] != block_key[:-1]])
    run_keys = block_key[starts]
    if (np.diff(run_keys) <= 0).any() or (run_keys < 0).any():
        return None
    values = population["population"].to_numpy(dtype=float).reshape(-1, 101)
    lengths = np.diff(np.r_[starts, len(block_key)])
    if (lengths == lengths[0]).all():  # the usual case: the same number of sexes in every year
        matrix = values.reshape(len(starts), int(lengths[0]), 101).sum(axis=1)
    else:
        matrix = np.add.reduceat(values, starts, axis=0)
    index = (pd.DataFrame({"sim": run_keys // 100_000, "year": run_keys % 100_000}) if "sim" in keys
             else pd.DataFrame({"year": run_keys}))
    return index, matrix


def age_matrix(population: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Persons by single age as a matrix: one row per ``[sim,] year``, one column per age 0..100.

    Returns
    -------
    (DataFrame, ndarray)
        The row keys (``[sim,] year``, sorted) and the ``rows × 101`` matrix (sex summed over).
    """
    population, keys = _prepare(population)
    blocks = _age_blocks(population, keys)  # blocks have the ages 0..100 exactly: no range check needed
    if blocks is not None:
        return blocks
    age = population["age"].to_numpy().astype(np.int64)
    if len(age) and (age.min() < 0 or age.max() > 100):
        raise ValueError(f"population ages must lie in 0..100 (100 = 100+), got {age.min()}..{age.max()}")
    year = population["year"].to_numpy().astype(np.int64)
    sim = population["sim"].to_numpy().astype(np.int64) if "sim" in keys else np.zeros_like(year)
    # any other order: bincount on integer keys, ~20x faster than pivot_table for thousands of paths
    codes, uniques = pd.factorize(sim * 100_000 + year, sort=True)
    matrix = np.bincount(codes * 101 + age, weights=population["population"].to_numpy().astype(float),
                         minlength=len(uniques) * 101).reshape(len(uniques), 101)
    index = (pd.DataFrame({"sim": uniques // 100_000, "year": uniques % 100_000}) if "sim" in keys
             else pd.DataFrame({"year": uniques}))
    return index, matrix


def population_array(population: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Persons by path, year and single age as an array (sex summed over).

    Returns
    -------
    (sims, years, ndarray)
        Path ids (``[0]`` for a frame without ``sim``), the years, and the ``paths × years × 101`` array.
    """
    index, matrix = age_matrix(population)
    years = np.unique(index["year"].to_numpy())
    sims = np.unique(index["sim"].to_numpy()) if "sim" in index.columns else np.array([0])
    if len(index) != len(sims) * len(years):
        raise ValueError("population frame is not a complete grid of sim × year; every simulated path must "
                         "have every year")
    # age_matrix sorts its keys (sim, then year), so the rows reshape directly
    return sims, years, matrix.reshape(len(sims), len(years), 101)


def working_age(population: pd.DataFrame, ages: tuple[int, int] = WORKING_AGE) -> pd.DataFrame:
    """Residents of working age (default the study's 20–64, :data:`~tillsammans.population.agegroups.WORKING_AGE`)
    and the total, per year: ``[sim,] year, working_age, population``."""
    index, matrix = age_matrix(population)
    out = index.copy()
    out["working_age"] = matrix[:, ages[0]:ages[1] + 1].sum(axis=1)
    out["population"] = matrix.sum(axis=1)
    return out
