"""Fill ``data/raw`` (mirror copy or download) and build the validated ``data/processed`` tables.

A build reads every raw file, validates it (schema, codes, grids, counts, cross-source totals) and only when
*everything* passed moves the new parquet files and ``manifest.json`` into ``data/processed``. New raw files
(from the mirror or a download) are staged and validated the same way before any file of ``data/raw`` is
replaced. A failed build leaves the previous raw and processed data untouched.

One build at a time: each holds the data folder's lock (:mod:`tillsammans.locks`) and, holding it, removes
what a killed build left behind (staging folders, ``*.part`` files). The manifest records each table's
sha256, size and modification time, and a digest of its entries; every read checks them
(:mod:`tillsammans.integrity`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

import pandas as pd

from tillsammans import atomic, integrity, paths
from tillsammans.data.catalog import KOLADA_VALUE_TABLES, TABLES, Table
from tillsammans.data.validate import (
    DataValidationError,
    check_kolada_kpis,
    check_population_totals,
    check_recent_totals,
    check_region_coverage,
    check_region_list,
    check_table,
    coerce_types,
)
from tillsammans.integrity import read_manifest
from tillsammans.locks import folder_lock

MANIFEST = "manifest.json"
ROW_GROUP_ROWS = 20_000
RAW_ORIGIN = "ORIGIN.json"


def _population_totals(frames: dict[str, pd.DataFrame]) -> None:
    check_population_totals(frames["population_municipality_age_sex"], frames["population_municipality_total"],
                            frames["kolada_values"], frames["population_sweden_age_sex"])


def _recent_totals(frames: dict[str, pd.DataFrame]) -> None:
    check_recent_totals(frames["population_municipality_total_recent"], frames["kolada_values"],
                        frames["kolada_values_recent"], frames["regions"])


def _kolada_kpis(frames: dict[str, pd.DataFrame]) -> None:
    check_kolada_kpis(frames, KOLADA_VALUE_TABLES, catalogued=["kolada_values_extra"])


#: Checks across tables, run when every table passed its own rules.
CROSS_CHECKS = (_population_totals, _recent_totals, _kolada_kpis, check_region_coverage)

#: Prefixes of the staging folders a build makes beside ``data/raw`` and ``data/processed``.
STAGING_PREFIXES = (".raw-", ".processed-")


def data_lock(folder: Path):
    """The lock of a data folder (the parent of ``raw`` and ``processed``), for a build that changes it."""
    return folder_lock(folder, "data build (python -m tillsammans data)")


def remove_debris(data_dir: Path, raw_dir: Path | None = None, processed_dir: Path | None = None) -> list[Path]:
    """Delete what killed data builds left: staging folders and ``*.part`` files. Hold the lock."""
    removed = atomic.remove_debris(data_dir, tuple(f"{p}*" for p in STAGING_PREFIXES))
    for folder in (raw_dir, processed_dir):
        if folder is not None:
            removed += atomic.remove_debris(folder, (f".*{atomic.PART}", "*.part"), recursive=True)
    return removed


# -- raw ------------------------------------------------------------------------------------------


def copy_mirror(mirror: Path, raw_dir: Path) -> list[Path]:
    """Copy every catalogued file from the offline mirror into ``raw_dir`` (same relative paths).

    Each file is copied to a temporary name and renamed, so an interrupted copy never leaves a half file.
    :func:`fill_raw` copies into a staging folder and validates before anything in ``data/raw`` changes.
    """
    mirror = Path(mirror)
    if not mirror.is_dir():
        raise FileNotFoundError(f"offline mirror {mirror} is not a folder; give --mirror the folder of the "
                                "mirror's README (…/shared/data), or download with --online")
    missing = [t.raw for t in TABLES.values() if not (mirror / t.raw).is_file()]
    if missing:
        raise FileNotFoundError(f"offline mirror {mirror} lacks {missing}; expected the layout of its README")
    written = []
    for table in TABLES.values():
        target = raw_dir / table.raw
        target.parent.mkdir(parents=True, exist_ok=True)
        written.append(atomic.copy_file(mirror / table.raw, target))
    _write_origin(raw_dir, {"origin": "mirror", "mirror": str(mirror.resolve())})
    return written


def _write_origin(raw_dir: Path, info: dict) -> None:
    info = {**info, "retrieved": dt.date.today().isoformat()}
    atomic.write_text(raw_dir / RAW_ORIGIN, json.dumps(info, indent=2, ensure_ascii=False) + "\n")


def fill_raw(raw_dir: Path | None = None, mirror: Path | None = None, online: bool = False) -> str:
    """Fill ``data/raw`` from the mirror when there is one, else download from SCB and Kolada.

    The new files are staged and validated as a build would; only when every table passes do they replace
    the files in ``raw_dir``. Use :func:`refresh` to fill and build in one step (validated once).

    Parameters
    ----------
    raw_dir : Path, optional
        Target, default ``data/raw``.
    mirror : Path, optional
        The offline mirror; default ``$TILLSAMMANS_MIRROR`` or ``../shared/data``.
    online : bool
        Download even when a mirror exists.

    Returns
    -------
    str
        ``"mirror"`` or ``"download"``.
    """
    raw_dir = Path(raw_dir) if raw_dir is not None else paths.raw_dir()
    with data_lock(raw_dir.parent):
        remove_debris(raw_dir.parent, raw_dir)
        with _staged_raw(raw_dir) as staging:
            origin = _fill(staging, mirror, online)
            validate_raw(staging)
            _install_raw(staging, raw_dir)
    return origin


def refresh(raw_dir: Path | None = None, processed_dir: Path | None = None, mirror: Path | None = None,
            online: bool = False, skip_raw: bool = False) -> tuple[str, dict]:
    """Fill ``data/raw`` (unless ``skip_raw``) and build ``data/processed``: ``python -m tillsammans data``.

    New raw files are staged, validated once, written to ``data/processed`` and only then moved into
    ``data/raw``; a failure at any step leaves both folders as they were.

    Returns
    -------
    (str, dict)
        Where the raw data came from (``"mirror"``, ``"download"`` or ``"data/raw"``) and the manifest.
    """
    raw_dir = Path(raw_dir) if raw_dir is not None else paths.raw_dir()
    processed_dir = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    with data_lock(processed_dir.parent):
        remove_debris(processed_dir.parent, raw_dir, processed_dir)
        if skip_raw:
            return "data/raw", _write_processed(validate_raw(raw_dir), raw_dir, processed_dir)
        with _staged_raw(raw_dir) as staging:
            origin = _fill(staging, mirror, online)
            manifest = _write_processed(validate_raw(staging), staging, processed_dir)
            _install_raw(staging, raw_dir)
    return origin, manifest


def _fill(target: Path, mirror: Path | None, online: bool) -> str:
    mirror = mirror if mirror is not None else paths.mirror_dir()
    if mirror is not None and not online:
        copy_mirror(Path(mirror), target)
        return "mirror"
    from tillsammans.data import download

    download.download_all(target)
    _write_origin(target, {"origin": "download"})
    return "download"


class _staged_raw:
    """A staging folder beside ``raw_dir`` for new raw files, removed on exit whatever happened."""

    def __init__(self, raw_dir: Path):
        self.raw_dir = raw_dir

    def __enter__(self) -> Path:
        self.raw_dir.parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=STAGING_PREFIXES[0], dir=self.raw_dir.parent))
        return self.path

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _install_raw(staging: Path, raw_dir: Path) -> None:
    """Move validated staged raw files into ``raw_dir`` (renames on one file system: none fails half way)."""
    for file in sorted(p for p in staging.rglob("*") if p.is_file()):
        target = raw_dir / file.relative_to(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(file, target)


def read_raw(table: Table, raw_dir: Path) -> pd.DataFrame:
    """Read one raw file with codes and labels as strings (leading zeros kept)."""
    path = Path(raw_dir) / table.raw
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found (table '{table.name}'); run `make data`")
    try:
        if table.kind == "geoparquet":
            return pd.read_parquet(path)
        text_cols = {c: "string" for c, kind in table.columns.items() if kind in ("code", "str")}
        return pd.read_csv(path, dtype=text_cols, keep_default_na=True)
    except (OSError, ValueError, EOFError, pd.errors.ParserError) as exc:  # gzip/CSV/parquet corruption
        raise DataValidationError([(str(path), f"unreadable file ({type(exc).__name__}: {exc})", "")]) from exc


def load_raw_validated(table: Table, raw_dir: Path, known_codes: set[str] | None) -> pd.DataFrame:
    label = str(Path(raw_dir) / table.raw)
    frame = read_raw(table, raw_dir)
    if table.kind == "geoparquet":
        missing = [c for c in table.columns if c not in frame.columns]
        if missing:
            raise DataValidationError([(label, f"missing column(s) {missing}", str(list(frame.columns)))])
        check_table(frame, table, label, known_codes)
        return frame
    typed = coerce_types(frame, table, label)
    check_table(typed, table, label, known_codes)
    if table.name == "regions":
        check_region_list(typed, label)
    return typed


# -- processed ------------------------------------------------------------------------------------


def build_processed(raw_dir: Path | None = None, processed_dir: Path | None = None) -> dict:
    """Validate every raw table and write ``data/processed`` (parquet + ``manifest.json``).

    Returns the manifest. Raises :class:`DataValidationError` listing every violation found; in that case
    nothing in ``processed_dir`` is changed.
    """
    raw_dir = Path(raw_dir) if raw_dir is not None else paths.raw_dir()
    processed_dir = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    with data_lock(processed_dir.parent):
        remove_debris(processed_dir.parent, None, processed_dir)
        return _write_processed(validate_raw(raw_dir), raw_dir, processed_dir)


def validate_raw(raw_dir: Path) -> dict[str, pd.DataFrame]:
    """Read and validate every catalogued raw table; the typed frames, or :class:`DataValidationError`
    listing every violation."""
    violations: list[tuple[str, str, str]] = []
    frames: dict[str, pd.DataFrame] = {}
    try:
        frames["regions"] = load_raw_validated(TABLES["regions"], raw_dir, None)
    except DataValidationError as exc:
        raise DataValidationError(exc.violations) from None
    known = set(frames["regions"]["region_code"])
    for name, table in TABLES.items():
        if name == "regions":
            continue
        try:
            frames[name] = load_raw_validated(table, raw_dir, known)
        except DataValidationError as exc:
            violations.extend(exc.violations)
    if not violations:
        for check in CROSS_CHECKS:
            try:
                check(frames)
            except DataValidationError as exc:
                violations.extend(exc.violations)
    if violations:
        raise DataValidationError(violations)
    return frames


def _write_processed(frames: dict[str, pd.DataFrame], raw_dir: Path, processed_dir: Path) -> dict:
    origin_file = raw_dir / RAW_ORIGIN
    origin = json.loads(origin_file.read_text(encoding="utf-8")) if origin_file.exists() else {}
    processed_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIXES[1], dir=processed_dir.parent))
    try:
        tables: dict[str, dict] = {}
        manifest: dict = {"built": dt.datetime.now().isoformat(timespec="seconds"), "origin": origin,
                          "tables": tables}
        for name, unsorted in frames.items():
            table = TABLES[name]
            target = staging / f"{name}.parquet"
            frame = (unsorted if table.kind == "geoparquet"
                     else unsorted.sort_values(list(table.key), kind="stable").reset_index(drop=True))
            # Sorted rows in small row groups let filtered reads (one KPI, a few regions) skip most of the
            # file: reading a municipality's Kolada values drops from ~0.2 s to ~0.02 s.
            frame.to_parquet(target, index=False, row_group_size=ROW_GROUP_ROWS)
            entry = {
                "file": target.name,
                "raw": table.raw,
                "source": table.source,
                "table_id": table.table_id,
                "retrieved": origin.get("retrieved"),
                "rows": len(frame),
                # size and modification time survive the rename below: the fast path of every read
                **integrity.file_record(target),
            }
            if "year" in frame.columns:
                entry["years"] = [int(frame["year"].min()), int(frame["year"].max())]
            tables[name] = entry
        manifest["digest"] = integrity.tables_digest(tables)
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                        encoding="utf-8")
        # Move the tables first and the manifest last: a reader checks files against the manifest, so a
        # half-finished move is detected rather than silently read.
        for name in frames:
            os.replace(staging / f"{name}.parquet", processed_dir / f"{name}.parquet")
        os.replace(staging / MANIFEST, processed_dir / MANIFEST)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


# -- loading --------------------------------------------------------------------------------------


#: The table whose last year is the latest observed population (SCB's 31 December totals per municipality).
LATEST_POPULATION_TABLE = "population_municipality_total_recent"


def latest_observed_year(manifest: dict | None = None, processed_dir: Path | None = None) -> int:
    """The latest year with an observed population total (31 December) in the built data.

    The one definition every report states (SCB's municipal totals; 2025 in the mirror, with SCB's cell-key
    noise). Reads the manifest only, so it costs nothing; ``tillsammans.population.latest_observed_year``
    and the reports' data line call it.
    """
    manifest = manifest if manifest is not None else read_manifest(processed_dir)
    entry = manifest.get("tables", {}).get(LATEST_POPULATION_TABLE) or manifest.get("tables", {}).get("kolada_values")
    if not entry or not entry.get("years"):
        raise ValueError(f"the manifest names no years for {LATEST_POPULATION_TABLE}; rebuild with `make data`")
    return int(entry["years"][1])


def load_table(
    name: str,
    processed_dir: Path | None = None,
    columns: list[str] | None = None,
    filters: list | None = None,
    verify: bool = False,
) -> pd.DataFrame:
    """Read a processed table.

    Parameters
    ----------
    name : str
        A catalogued table (see ``tillsammans.data.TABLES``).
    processed_dir : Path, optional
        Default ``data/processed``.
    columns, filters :
        Passed to :func:`pandas.read_parquet` (pyarrow filters such as ``[("kpi", "in", ["n01951"])]``).
    verify : bool
        Hash the file in full. Without it the file is still checked against the manifest, by size and
        modification time, and hashed when those differ (:func:`tillsammans.integrity.verify_file`).

    Raises
    ------
    tillsammans.integrity.IntegrityError
        The file is not the one the data build wrote.
    """
    if name not in TABLES:
        raise KeyError(f"unknown table {name!r}; known tables: {', '.join(TABLES)}")
    processed_dir = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    path = integrity.verify_file(processed_dir, name, full=verify)
    return _read_parquet(path, columns, filters)


#: Reads kept in this process (a report kernel runs notebook after notebook, and many reads repeat: the
#: county, Sweden, all municipalities' features), keyed by the file's identity and the read's arguments, so a
#: rebuilt file is read afresh. Callers get copies: what one notebook changes, the next never sees.
_READS: OrderedDict[tuple, tuple[pd.DataFrame, int]] = OrderedDict()
_READS_LOCK = threading.Lock()
#: Memory the kept reads may take (bytes), and the most one read may take to be kept.
READS_MAX_BYTES = 512 * 1024**2
READ_MAX_BYTES = 64 * 1024**2


def _read_parquet(path: Path, columns: list[str] | None, filters: list | None) -> pd.DataFrame:
    stat = os.stat(path)
    key = (str(path), stat.st_size, stat.st_mtime_ns, None if columns is None else tuple(columns), repr(filters))
    with _READS_LOCK:
        kept = _READS.get(key)
        if kept is not None:
            _READS.move_to_end(key)
    if kept is not None:
        return kept[0].copy()
    frame = pd.read_parquet(path, columns=columns, filters=filters)
    size = int(frame.memory_usage(deep=True).sum())
    if size <= READ_MAX_BYTES:
        with _READS_LOCK:
            _READS[key] = (frame.copy(), size)
            while sum(s for _, s in _READS.values()) > READS_MAX_BYTES:
                _READS.popitem(last=False)
    return frame
