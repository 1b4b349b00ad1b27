"""International migration: SCB's national assumption, distributed to the municipalities by observed shares.

A municipality's migration levels come from its own history of in- and out-migrants (Kolada n01801, n01802,
the migration window, 2018–2022 in the mirror). Those flows include international moves, and their history
holds the large refugee immigration of 2014–2019, whose level no national projection expects to return.
SCB's 2024 national projection assumes a much lower net immigration (derived in
:mod:`~tillsammans.population.national`: about −6 000 in 2026–2027, 27 000 in 2030, 35 000 from 2040,
against 56 000 a year in 2018–2022). So, for each projected year with SCB's assumption,

    in-migrants(t) = level × profile − I_hist × profile + share × N_SCB(t)

where I_hist is the municipality's mean international net migration over the level years (Kolada n01806),
``share`` its part of the 290 municipalities' international net over the same years, and N_SCB(t) SCB's
national net migration by sex and age. The domestic part — in- and out-migrants less the international net
— keeps the municipal history, and the international part no longer carries the peak years' level.
The historical part leaves with the municipality's own in-migrant profile (the way it entered the model);
the national part arrives with SCB's age and sex pattern.
"""

from __future__ import annotations

import numpy as np

from tillsammans.population.inputs import PopulationInputs
from tillsammans.population.levels import RegionModel
from tillsammans.population.national import scb_national
from tillsammans.population.schedules import uses_scb_assumptions


def follows_scb(model: RegionModel) -> bool:
    """Whether the model's international migration follows SCB's national assumption (see the module docstring).

    Municipalities with gross flows, ``international_migration="scb"``, and information from 2024 on (SCB's
    projection did not exist before: a backtest keeps the municipality's own history).
    """
    return (model.assumptions.international_migration == "scb" and model.migration_mode == "gross"
            and len(model.code) == 4 and uses_scb_assumptions(model.as_of))


def international_adjustment(model: RegionModel, inputs: PopulationInputs, years: np.ndarray) -> np.ndarray:
    """Persons to add to the model's in-migrants in each of ``years``, array (T, 2, 101).

    Zero in years before SCB's first projected year; after its last (2050) the last year's net is held.
    """
    years = np.asarray(years)
    out = np.zeros((len(years), 2, 101))
    if not follows_scb(model):
        return out
    scb = scb_national(inputs)
    first, last = int(scb.years[1]), int(scb.years[-1])
    inside = years >= first
    rows = np.clip(years[inside], first, last) - first
    out[inside] = (model.international_share * scb.net_migration[rows]
                   - model.international_level * model.in_profile)
    return out
