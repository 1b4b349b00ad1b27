"""Official statistics for the study: download or mirror copy, validation, processed tables.

Typical use::

    from tillsammans import data
    data.fill_raw()            # data/raw from the offline mirror, or SCB/Kolada when there is none
    data.build_processed()     # validated parquet + manifest.json in data/processed
    pop = data.load_table("population_municipality_age_sex")
    kolada = data.kolada(["n01951"], regions=["0381"])
"""

from tillsammans.data.build import (
    build_processed,
    copy_mirror,
    fill_raw,
    latest_observed_year,
    load_table,
    read_manifest,
    sha256,
)
from tillsammans.data.catalog import TABLES, Table
from tillsammans.data.kolada_values import kolada, kolada_wide
from tillsammans.data.validate import DataValidationError

__all__ = [
    "TABLES",
    "DataValidationError",
    "Table",
    "build_processed",
    "copy_mirror",
    "fill_raw",
    "kolada",
    "kolada_wide",
    "latest_observed_year",
    "load_table",
    "read_manifest",
    "sha256",
]
