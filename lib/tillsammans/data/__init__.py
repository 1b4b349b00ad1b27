"""Official statistics for the study: download or mirror copy, validation, processed tables.

Typical use::

    from tillsammans import data
    data.refresh()             # data/raw from the offline mirror (or SCB/Kolada), validated, and
                               # data/processed built from it: parquet + manifest.json
    data.verify(full=True)     # every processed file against the manifest's hashes
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
    refresh,
    validate_raw,
)
from tillsammans.data.catalog import TABLES, Table
from tillsammans.data.kolada_values import kolada, kolada_wide
from tillsammans.data.validate import DataValidationError
from tillsammans.integrity import IntegrityError, sha256, verify

__all__ = [
    "TABLES",
    "DataValidationError",
    "IntegrityError",
    "Table",
    "build_processed",
    "copy_mirror",
    "fill_raw",
    "kolada",
    "kolada_wide",
    "latest_observed_year",
    "load_table",
    "read_manifest",
    "refresh",
    "sha256",
    "validate_raw",
    "verify",
]
