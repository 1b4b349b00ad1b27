"""The municipality's own HR extract: staff (full-time equivalents) by sector and age band.

File: ``data/raw/local/hr_<code>.csv`` (UTF-8, comma-separated, one header line), e.g.
``data/raw/local/hr_0381.csv``. The full schema with an example is in ``docs/local_hr_extract.md``.

=============  =====================================================================================
column         meaning
=============  =====================================================================================
region_code    the municipality's SCB code, four digits as text (``0381``); every row the same code
sector         one of :data:`tillsammans.workforce.sectors.SECTORS` (``forskola``, ``grundskola``, …)
age_band       one of :data:`AGE_BANDS` (``-29``, ``30-39``, ``40-49``, ``50-54``, ``55-59``, ``60-64``,
               ``65+``)
staff_fte      årsarbetare (full-time equivalents), a finite number from 0 to 100 000
=============  =====================================================================================

Every sector must appear at least once (write 0 where the municipality has no staff in a sector), a
``(sector, age_band)`` pair at most once, and the total must be above 0. When the file is present it replaces
*all* default staff numbers (total, sector split and age profile); a file with any error is rejected as a whole with a
:class:`LocalDataError` that names the file, the line and what is expected — the model never mixes the
defaults with a half-read file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tillsammans import paths
from tillsammans.workforce.sectors import SECTORS

#: Age bands of the HR extract and the ages each covers (the lowest band starts at the younger-staff age).
AGE_BANDS: dict[str, tuple[int, int]] = {
    "-29": (20, 29),
    "30-39": (30, 39),
    "40-49": (40, 49),
    "50-54": (50, 54),
    "55-59": (55, 59),
    "60-64": (60, 64),
    "65+": (65, 67),
}

COLUMNS = ("region_code", "sector", "age_band", "staff_fte")

#: Largest staff_fte accepted in one row: more than any Swedish municipality employs in total.
MAX_STAFF_FTE = 100_000


class LocalDataError(ValueError):
    """A local HR extract that breaks the schema; the message names the file, the line(s) and the rule."""


def local_hr_path(municipality: str, directory: Path | None = None) -> Path:
    """Where the HR extract of ``municipality`` is expected: ``data/raw/local/hr_<code>.csv``."""
    return Path(directory or paths.local_dir()) / f"hr_{municipality}.csv"


def read_local_hr(path: Path | str, municipality: str) -> pd.DataFrame:
    """Read and validate a local HR extract.

    Parameters
    ----------
    path : Path
        The CSV file.
    municipality : str
        The SCB code the file must belong to.

    Returns
    -------
    DataFrame
        ``sector, age_band, staff`` (årsarbetare), one row per (sector, age band) in the file.

    Raises
    ------
    LocalDataError
        Missing or unknown columns, unknown sectors or age bands, negative or non-numeric staff, another
        municipality's code, duplicated (sector, age band) pairs, sectors absent from the file. All problems
        found are listed (up to 10), each with its line number (line 1 is the header).
    """
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise LocalDataError(f"{path}: cannot be read as a UTF-8 CSV with a header line ({exc})") from exc
    raw.columns = [c.strip() for c in raw.columns]
    missing = [c for c in COLUMNS if c not in raw.columns]
    extra = [c for c in raw.columns if c not in COLUMNS]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing column(s) {missing}")
        if extra:
            parts.append(f"unknown column(s) {extra}")
        raise LocalDataError(f"{path}, line 1 (header): {'; '.join(parts)}; expected exactly {list(COLUMNS)}")
    if raw.empty:
        raise LocalDataError(f"{path}: no data rows; expected one row per sector and age band")

    problems: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    rows: list[tuple[str, str, float]] = []
    for i, rec in enumerate(raw.itertuples(index=False), start=2):
        code, sector, band, value = (str(getattr(rec, c)).strip() for c in COLUMNS)
        if code != municipality:
            problems.append(f"line {i}: region_code {code!r} is not {municipality!r} (the file must hold only "
                            f"this municipality's staff)")
        if sector not in SECTORS:
            problems.append(f"line {i}: unknown sector {sector!r}; allowed: {', '.join(SECTORS)}")
        if band not in AGE_BANDS:
            problems.append(f"line {i}: unknown age_band {band!r}; allowed: {', '.join(AGE_BANDS)}")
        try:
            staff = float(value.replace(",", ".").replace("\u00a0", "").replace(" ", ""))
        except ValueError:
            problems.append(f"line {i}: staff_fte {value!r} is not a number; expected årsarbetare >= 0")
            staff = None
        if staff is not None and not (0 <= staff <= MAX_STAFF_FTE):
            what = ("negative or NaN" if not (staff >= 0) else
                    "not a finite number" if staff == float("inf") else "too large")
            problems.append(f"line {i}: staff_fte {value!r} is {what}; expected årsarbetare from 0 to "
                            f"{MAX_STAFF_FTE:,}".replace(",", " "))
            staff = None
        key = (sector, band)
        if key in seen:
            problems.append(f"line {i}: sector {sector!r}, age_band {band!r} repeats line {seen[key]}; "
                            "expected each pair once")
        seen.setdefault(key, i)
        if staff is not None:  # a bad number is already among the problems, and those reject the whole file
            rows.append((sector, band, staff))
    if not problems:
        absent = [s for s in SECTORS if s not in {r[0] for r in rows}]
        if absent:
            problems.append(f"sector(s) {absent} have no row; write 0 for a sector without staff "
                            "(every sector must appear so that no default is mixed in)")
        elif sum(r[2] for r in rows) <= 0:
            problems.append(f"lines 2–{len(rows) + 1}: every staff_fte is 0; expected the municipality's "
                            "årsarbetare, a total above 0")
    if problems:
        shown = problems[:10] + ([f"… and {len(problems) - 10} more"] if len(problems) > 10 else [])
        raise LocalDataError(f"{path}: rejected, defaults not used either:\n  " + "\n  ".join(shown))
    return pd.DataFrame(rows, columns=["sector", "age_band", "staff"])


def file_municipality(path: Path | str) -> str | None:
    """The municipality an HR extract belongs to: the ``region_code`` of its first data row (None if unreadable).

    Used to apply an explicitly chosen file only to its own municipality when several are compared.
    """
    try:
        head = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8", nrows=1)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return None
    head.columns = [c.strip() for c in head.columns]
    if "region_code" not in head.columns or head.empty:
        return None
    return str(head["region_code"].iloc[0]).strip()


def local_for(municipality: str, local: str | Path | None) -> str | Path | None:
    """The ``local`` argument to use for ``municipality`` when one choice is made for several municipalities.

    ``"auto"`` and None apply to every municipality; an explicit file applies to the municipality it belongs
    to (:func:`file_municipality`), the others use their own ``data/raw/local/hr_<code>.csv`` if present.
    """
    if local is None or local == "auto":
        return local
    return local if file_municipality(local) == municipality else "auto"
