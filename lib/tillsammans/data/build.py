"""Fill ``data/raw`` (mirror copy or download) and build the validated ``data/processed`` tables.

A build reads every raw file, validates it (schema, codes, grids, counts, cross-source totals) and only when
*everything* passed moves the new parquet files and ``manifest.json`` into ``data/processed``. A failed build
leaves the previous processed data untouched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from tillsammans import paths
from tillsammans.data.catalog import KOLADA_VALUE_TABLES, TABLES, Table
from tillsammans.data.validate import (
    DataValidationError,
    check_kolada_kpis,
    check_population_totals,
    check_recent_totals,
    check_table,
    coerce_types,
)

MANIFEST = "manifest.json"
ROW_GROUP_ROWS = 20_000
RAW_ORIGIN = "ORIGIN.json"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- raw ------------------------------------------------------------------------------------------


def copy_mirror(mirror: Path, raw_dir: Path) -> list[Path]:
    """Copy every catalogued file from the offline mirror into ``raw_dir`` (same relative paths).

    Each file is copied to a temporary name and renamed, so an interrupted copy never leaves a half file.
    """
    mirror = Path(mirror)
    missing = [t.raw for t in TABLES.values() if not (mirror / t.raw).is_file()]
    if missing:
        raise FileNotFoundError(f"offline mirror {mirror} lacks {missing}; expected the layout of its README")
    written = []
    for table in TABLES.values():
        target = raw_dir / table.raw
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        shutil.copyfile(mirror / table.raw, tmp)
        os.replace(tmp, target)
        written.append(target)
    _write_origin(raw_dir, {"origin": "mirror", "mirror": str(mirror.resolve())})
    return written


def _write_origin(raw_dir: Path, info: dict) -> None:
    info = {**info, "retrieved": dt.date.today().isoformat()}
    (raw_dir / RAW_ORIGIN).write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def fill_raw(raw_dir: Path | None = None, mirror: Path | None = None, online: bool = False) -> str:
    """Fill ``data/raw`` from the mirror when there is one, else download from SCB and Kolada.

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
    raw_dir.mkdir(parents=True, exist_ok=True)
    mirror = mirror if mirror is not None else paths.mirror_dir()
    if mirror is not None and not online:
        copy_mirror(Path(mirror), raw_dir)
        return "mirror"
    from tillsammans.data import download

    download.download_all(raw_dir)
    _write_origin(raw_dir, {"origin": "download"})
    return "download"


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
    return typed


# -- processed ------------------------------------------------------------------------------------


def build_processed(raw_dir: Path | None = None, processed_dir: Path | None = None) -> dict:
    """Validate every raw table and write ``data/processed`` (parquet + ``manifest.json``).

    Returns the manifest. Raises :class:`DataValidationError` listing every violation found; in that case
    nothing in ``processed_dir`` is changed.
    """
    raw_dir = Path(raw_dir) if raw_dir is not None else paths.raw_dir()
    processed_dir = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    origin_file = raw_dir / RAW_ORIGIN
    origin = json.loads(origin_file.read_text(encoding="utf-8")) if origin_file.exists() else {}

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
        try:
            check_population_totals(
                frames["population_municipality_age_sex"], frames["population_municipality_total"],
                frames["kolada_values"], frames["population_sweden_age_sex"],
            )
        except DataValidationError as exc:
            violations.extend(exc.violations)
        try:
            check_recent_totals(frames["population_municipality_total_recent"], frames["kolada_values"],
                                frames["kolada_values_recent"], frames["regions"])
        except DataValidationError as exc:
            violations.extend(exc.violations)
        try:
            check_kolada_kpis(frames, KOLADA_VALUE_TABLES, catalogued=["kolada_values_extra"])
        except DataValidationError as exc:
            violations.extend(exc.violations)
    if violations:
        raise DataValidationError(violations)

    processed_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".processed-", dir=processed_dir.parent))
    try:
        manifest = {"built": dt.datetime.now().isoformat(timespec="seconds"), "origin": origin, "tables": {}}
        for name, frame in frames.items():
            table = TABLES[name]
            target = staging / f"{name}.parquet"
            if table.kind != "geoparquet":
                frame = frame.sort_values(list(table.key), kind="stable").reset_index(drop=True)
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
                "sha256": sha256(target),
            }
            if "year" in frame.columns:
                entry["years"] = [int(frame["year"].min()), int(frame["year"].max())]
            manifest["tables"][name] = entry
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                        encoding="utf-8")
        # Move the tables first and the manifest last: a reader checks hashes against the manifest, so a
        # half-finished move is detected rather than silently read.
        for name in frames:
            os.replace(staging / f"{name}.parquet", processed_dir / f"{name}.parquet")
        os.replace(staging / MANIFEST, processed_dir / MANIFEST)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


# -- loading --------------------------------------------------------------------------------------


def read_manifest(processed_dir: Path | None = None) -> dict:
    processed_dir = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    path = processed_dir / MANIFEST
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: the processed data are not built; run `make data`")
    return json.loads(path.read_text(encoding="utf-8"))


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
        Check the file's sha256 against the manifest (detects corruption after the build).
    """
    if name not in TABLES:
        raise KeyError(f"unknown table {name!r}; known tables: {', '.join(TABLES)}")
    processed_dir = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    manifest = read_manifest(processed_dir)
    entry = manifest["tables"].get(name)
    if entry is None:
        raise FileNotFoundError(f"table {name!r} is not in {processed_dir / MANIFEST}; rebuild with `make data`")
    path = processed_dir / entry["file"]
    if verify and sha256(path) != entry["sha256"]:
        raise DataValidationError([(str(path), "sha256 differs from manifest.json (file changed or corrupt)",
                                    "rebuild with `make data`")])
    return pd.read_parquet(path, columns=columns, filters=filters)
