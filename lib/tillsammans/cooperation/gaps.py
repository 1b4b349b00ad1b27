"""The workforce results the cooperation ranking follows: the projected staff gap per welfare sector.

The workforce model (:mod:`tillsammans.workforce`) projects, per municipality and sector, the staff need, the
recruitment need (need growth + retirements) and the gap (need − the supply the municipality's own population
is likely to give, shared out over the sectors by today's staff). A cooperation function belongs to one sector
(the catalogue's ``sector``: the handläggare of eldercare to *äldreomsorg*, the specialists of social services to
*individ- och familjeomsorg*, the support functions to *administration och övrigt* …), so the ranking can prefer
functions where the projected shortage is.

Each municipality's main projection (no Monte Carlo) is run once per build and kept in the project's cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

#: Columns summed over the network.
SUMMED = ("staff_today", "staff_need", "recruitment_need", "gap")


def sector_gaps(
    municipalities: Sequence[str],
    end_year: int = 2040,
    scenario: str = "base",
    local: str | Path | None = "auto",
    processed_dir: Path | None = None,
    cache: bool = True,
    **assumptions,
) -> pd.DataFrame:
    """The workforce model's per-sector results of each municipality in ``end_year`` (main projection).

    Parameters
    ----------
    municipalities : list of str
        SCB codes (validated by the caller).
    end_year, scenario : int, str
        The population projection the workforce model runs on.
    local : "auto", path or None
        The municipalities' HR extracts (see :mod:`tillsammans.workforce.local`).
    **assumptions
        Fields of :class:`tillsammans.workforce.Assumptions`.

    Returns
    -------
    DataFrame
        ``region_code, year, sector, staff_today, staff_need, recruitment_need, gap`` (årsarbetare; the
        recruitment need cumulative from the base year), one row per municipality and sector, no total rows.
    """
    from tillsammans import paths, population, workforce
    from tillsammans.cache import cached, files_hash

    codes = list(municipalities)
    workforce.make_assumptions(**assumptions)

    def compute() -> pd.DataFrame:
        inputs = population.load_inputs(processed_dir)
        parts = []
        for code in codes:
            frame = population.project_population(code, end_year, scenario, inputs=inputs)
            result = workforce.workforce(code, frame, local=workforce.local_for(code, local),
                                         processed_dir=processed_dir, **assumptions)
            parts.append(workforce.sector_results(result))
        out = pd.concat(parts, ignore_index=True)
        return out.loc[out["sector"] != "total", ["region_code", "year", "sector", *SUMMED]].reset_index(drop=True)

    parameters = {"municipalities": codes, "end_year": end_year, "scenario": scenario, "local": str(local),
                  "assumptions": assumptions, "local_files": files_hash(paths.local_dir())}
    return cached("cooperation_sector_gaps", compute, modules=["tillsammans.population", "tillsammans.workforce",
                                                                "tillsammans.cooperation.gaps"],
                  parameters=parameters, processed_dir=processed_dir, enabled=cache)


def network_sector_gaps(per_municipality: pd.DataFrame) -> pd.DataFrame:
    """The network's sum per sector and the shares the ranking reads.

    Parameters
    ----------
    per_municipality : DataFrame
        :func:`sector_gaps` (``region_code, sector`` and the summed columns).

    Returns
    -------
    DataFrame
        Index ``sector`` (in the workforce model's order); ``staff_today, staff_need, recruitment_need, gap``
        summed over the municipalities (årsarbetare), ``recruitment_share`` (recruitment need ÷ staff today)
        and ``gap_share`` (gap ÷ staff today; negative where the own population is likely to give more than the
        sector needs).
    """
    from tillsammans.workforce import SECTORS

    missing = [c for c in ("sector", *SUMMED) if c not in per_municipality.columns]
    if missing:
        raise ValueError(f"sector gaps lack column(s) {missing}; expected sector, {', '.join(SUMMED)}")
    unknown = sorted(set(per_municipality["sector"]) - set(SECTORS))
    if unknown:
        raise ValueError(f"unknown sector(s) {unknown}; allowed: {', '.join(SECTORS)}")
    out = per_municipality.groupby("sector")[list(SUMMED)].sum()
    out = out.reindex([s for s in SECTORS if s in out.index])
    if (out["staff_today"] <= 0).any():
        bad = out.index[out["staff_today"] <= 0].tolist()
        raise ValueError(f"sector(s) {bad} have no staff today; the gap share is undefined")
    out["recruitment_share"] = out["recruitment_need"] / out["staff_today"]
    out["gap_share"] = out["gap"] / out["staff_today"]
    return out
