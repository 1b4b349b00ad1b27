"""Issue 13 items 3, 6, 10 and 11: processed data checked against the manifest on every read, one build per
folder, validation that names the file, and no debris after a failed or killed build.

Every test here works on a temporary copy of the project's data (``TILLSAMMANS_HOME`` or explicit folders)
and damages the copy; the real ``data/`` is never changed. Each test backs a row of ``docs/reliability.md``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tillsammans import data, integrity, paths
from tillsammans.__main__ import main
from tillsammans.data import DataValidationError
from tillsammans.data.catalog import TABLES
from tillsammans.locks import FolderBusyError, folder_lock

NOTEBOOK = str(paths.notebooks_dir() / "01_population.ipynb")
REAL_RAW = paths.raw_dir()  # before a test points TILLSAMMANS_HOME at a copy


@pytest.fixture
def home(tmp_path, processed_dir, monkeypatch):
    """A project root with a copy of ``data/processed`` (no cache), used as ``TILLSAMMANS_HOME``."""
    root = tmp_path / "home"
    shutil.copytree(processed_dir, root / "data" / "processed", ignore=shutil.ignore_patterns("cache", ".lock"))
    shutil.copytree(paths.reference_dir(), root / "data" / "reference")
    monkeypatch.setenv("TILLSAMMANS_HOME", str(root))
    monkeypatch.setenv("TILLSAMMANS_REPORTS", str(root / "reports"))
    integrity._VERIFIED.clear()
    return root


def _processed(home: Path) -> Path:
    return home / "data" / "processed"


def _tamper_value(path: Path) -> None:
    """Change one figure of a table (as a hand edit would): the file's bytes and size change."""
    frame = pd.read_parquet(path)
    frame.loc[frame.index[0], "value"] = frame["value"].iloc[0] * 10 + 1
    frame.to_parquet(path, index=False)


def _flip_byte_keeping_size_and_time(path: Path) -> None:
    """Change one byte in the middle of the file and restore its size and modification time."""
    stat = os.stat(path)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _short_error(code: int, err: str, *fragments: str) -> None:
    assert code == 1, err
    assert "Traceback" not in err
    assert 1 <= len([line for line in err.strip().splitlines() if line.strip()]) <= 2, err
    for fragment in fragments:
        assert fragment in err, err


# -- item 3: integrity end to end -------------------------------------------------------------------


def test_changed_table_stops_the_report_build_naming_the_file(home, capsys):
    _tamper_value(_processed(home) / "kolada_values.parquet")
    for extra in ([], ["--force"]):
        code = main(["reports", "--municipalities", "0319", "--notebooks", NOTEBOOK, "--no-progress", *extra])
        _, err = capsys.readouterr()
        _short_error(code, err, "kolada_values.parquet", "changed after the build", "make data")
    assert not (home / "reports").exists() or not list((home / "reports").glob("*/*.html"))


def test_every_read_checks_the_file_not_only_verify(home):
    _tamper_value(_processed(home) / "kolada_values.parquet")
    with pytest.raises(integrity.IntegrityError, match=r"kolada_values\.parquet"):
        data.kolada(["n01951"], regions=["0319"])


def test_a_hand_edited_manifest_hash_is_noticed(home):
    manifest_path = _processed(home) / integrity.MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["tables"]["kolada_values"]["sha256"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(integrity.IntegrityError, match="digest does not match"):
        data.load_table("kolada_values")


def test_a_manifest_with_a_forged_digest_is_caught_by_verify(home, capsys):
    """A manifest rewritten with a consistent digest passes the size-and-time fast path (documented in
    ``tillsammans.integrity``); ``data --verify`` hashes every file and names it."""
    manifest_path = _processed(home) / integrity.MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["tables"]["kolada_values"]["sha256"] = "0" * 64
    manifest["digest"] = integrity.tables_digest(manifest["tables"])
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    code = main(["data", "--verify"])
    _, err = capsys.readouterr()
    _short_error(code, err, "kolada_values.parquet", "make data")


def test_verify_hashes_files_whose_size_and_time_are_unchanged(home, capsys):
    target = _processed(home) / "population_municipality_age_sex.parquet"
    _flip_byte_keeping_size_and_time(target)
    integrity.verify(_processed(home))  # the fast path trusts size and time: the documented limit
    code = main(["data", "--verify"])
    _, err = capsys.readouterr()
    _short_error(code, err, "population_municipality_age_sex.parquet", "sha256")
    code = main(["reports", "--verify", "--municipalities", "0319", "--notebooks", NOTEBOOK, "--no-progress"])
    _, err = capsys.readouterr()
    _short_error(code, err, "population_municipality_age_sex.parquet")



def test_reports_from_other_data_are_not_current_after_the_data_are_restored(home):
    """A report rendered from other (rebuilt) data has another cache key, so restoring the data renders it
    again instead of keeping the report of the other data as "unchanged (cached)"."""
    from tillsammans.reports import runner

    processed = _processed(home)
    manifest_path = processed / integrity.MANIFEST
    table = processed / "kolada_values.parquet"
    original = (table.read_bytes(), manifest_path.read_bytes())
    good = runner.inputs_fingerprint()
    _tamper_value(table)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["tables"]["kolada_values"].update(integrity.file_record(table))
    manifest["digest"] = integrity.tables_digest(manifest["tables"])
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")  # as `make data` from other raw data
    integrity.verify(processed)
    other = runner.inputs_fingerprint()
    assert other != good
    table.write_bytes(original[0])
    manifest_path.write_bytes(original[1])
    assert runner.inputs_fingerprint() == good

def test_verify_prints_the_digest_of_good_data(home, capsys):
    assert main(["data", "--verify"]) == 0
    out, _ = capsys.readouterr()
    assert integrity.data_digest(_processed(home)) in out


def test_a_copied_folder_with_new_times_still_passes(home):
    """Modification times change on a copy; the full hash then decides, and an unchanged file passes."""
    target = _processed(home) / "regions.parquet"
    os.utime(target, ns=(0, 10**18))
    assert integrity.verify_file(_processed(home), "regions") == target


def test_a_missing_or_unlisted_table_is_named(home):
    (_processed(home) / "regions.parquet").unlink()
    with pytest.raises(integrity.IntegrityError, match=r"regions\.parquet is missing"):
        data.load_table("regions")
    (_processed(home) / integrity.MANIFEST).write_text("{not json", encoding="utf-8")
    with pytest.raises(integrity.IntegrityError, match="not valid JSON"):
        data.load_table("regions")


def test_a_manifest_naming_a_file_outside_the_folder_is_refused(home):
    manifest_path = _processed(home) / integrity.MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["tables"]["regions"]["file"] = "../../etc/passwd"
    manifest["digest"] = integrity.tables_digest(manifest["tables"])
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(integrity.IntegrityError, match="not a plain"):
        data.load_table("regions")


def test_the_report_footer_records_the_data_digest(rendered):
    """The rendered report names the digest of the data it was built from (``data --verify`` prints it)."""
    reports, _, results = rendered
    assert [r.status for r in results] == ["ok"]
    page = next(reports.glob("0319-*/01_population.html")).read_text(encoding="utf-8")
    assert f'<code class="data-digest">{integrity.data_digest()}</code>' in page


# -- item 6: one lock per folder --------------------------------------------------------------------


def _hold_lock(folder: Path, shared: bool = False) -> subprocess.Popen:
    """Another process holding ``folder``'s lock until its stdin closes."""
    code = textwrap.dedent(f"""
        import sys
        from tillsammans.locks import folder_lock
        with folder_lock({str(folder)!r}, "test build (another process)", shared={shared}):
            print("held", flush=True)
            sys.stdin.read()
    """)
    holder = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_report_build_in_the_same_folder_stops_with_a_message(home, capsys):
    holder = _hold_lock(home / "reports")
    try:
        code = main(["reports", "--municipalities", "0319", "--notebooks", NOTEBOOK, "--no-progress"])
        _, err = capsys.readouterr()
        _short_error(code, err, "is in use by another test build (another process)", f"process {holder.pid}",
                     "run the report build (python -m tillsammans reports) again")
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_data_build_and_report_build_exclude_each_other(home, tmp_path):
    data_folder = home / "data"
    holder = _hold_lock(data_folder)  # a data build replacing data/processed
    try:
        with pytest.raises(FolderBusyError, match="in use"), folder_lock(data_folder, "report build", shared=True):
            pass
        with pytest.raises(FolderBusyError, match=r"data build|in use"):
            data.build_processed(home / "data" / "raw", _processed(home))
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    reader = _hold_lock(data_folder, shared=True)  # a report build reading the data
    try:
        with folder_lock(data_folder, "another report build", shared=True):
            pass  # report builds may share the data
        with pytest.raises(FolderBusyError), folder_lock(data_folder, "data build"):
            pass
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)


def test_a_killed_holder_never_leaves_a_stale_lock(tmp_path):
    holder = _hold_lock(tmp_path)
    holder.kill()
    holder.wait(timeout=30)
    with folder_lock(tmp_path, "next build"):
        pass


# -- item 10: validation names the file -----------------------------------------------------------


@pytest.fixture
def death_risks(tmp_path, processed_dir):
    table = TABLES["projection_death_risks_sweden"]
    raw = tmp_path / "raw"
    (raw / table.raw).parent.mkdir(parents=True)
    shutil.copyfile(paths.raw_dir() / table.raw, raw / table.raw)
    return table, raw


@pytest.mark.parametrize(("value", "rule"), [(np.inf, "infinite values in column 'death_risk'"),
                                               (7.5, "'death_risk' outside 0–1"),
                                               (-0.1, "'death_risk' outside 0–1")],
                         ids=["inf", "7.5", "negative"])
def test_impossible_death_risk_fails_at_load_naming_the_file(death_risks, registry, value, rule):
    from tillsammans.data.build import load_raw_validated

    table, raw = death_risks
    frame = pd.read_csv(raw / table.raw, dtype=str)
    frame.loc[3, "death_risk"] = str(value)
    frame.to_csv(raw / table.raw, index=False)
    with pytest.raises(DataValidationError) as info:
        load_raw_validated(table, raw, set(registry.codes()))
    assert rule in str(info.value)
    assert table.raw in str(info.value)


def test_an_extra_municipality_without_data_fails_at_build_naming_the_file(processed_dir):
    from tillsammans.data.validate import COUNTY_COVERAGE, MUNICIPAL_COVERAGE, check_region_coverage

    frames = {name: data.load_table(name) for name in ("regions", "kolada_values", *MUNICIPAL_COVERAGE,
                                                        *COUNTY_COVERAGE)}
    check_region_coverage(frames)  # the real data pass
    extra = pd.DataFrame([{"region_code": "0399", "name": "Påhittad (test)", "level": "municipality",
                           "county_code": "03"}])
    frames["regions"] = pd.concat([frames["regions"], extra.astype(frames["regions"].dtypes.to_dict())],
                                  ignore_index=True)
    with pytest.raises(DataValidationError) as info:
        check_region_coverage(frames)
    message = str(info.value)
    assert "0399 Påhittad (test)" in message and TABLES["regions"].raw in message
    assert TABLES["population_municipality_age_sex"].raw in message


def test_a_malformed_region_list_is_refused(processed_dir):
    from tillsammans.data.validate import check_region_list

    regions = data.load_table("regions")
    check_region_list(regions, "regions.csv")
    bad = regions.copy()
    bad.loc[bad["region_code"] == "0319", "region_code"] = "319"
    with pytest.raises(DataValidationError, match="region codes must be digits"):
        check_region_list(bad, "regions.csv")


# -- item 11: no debris -------------------------------------------------------------------------------


def _with_file_size_limit(code: str, limit: int = 4096) -> subprocess.CompletedProcess:
    """Run ``code`` in a process that cannot write files beyond ``limit`` bytes (a full disk, as the
    kernel reports it: EFBIG on the write that crosses the limit)."""
    prelude = textwrap.dedent(f"""
        import resource, signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
    """)
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=120, check=False)


def test_a_full_disk_keeps_the_old_file_and_leaves_no_part_file(tmp_path):
    target = tmp_path / "index.html"
    target.write_text("the earlier good page", encoding="utf-8")
    done = _with_file_size_limit(f"""
        from tillsammans import atomic
        try:
            atomic.write_text({str(target)!r}, "x" * 100_000)
        except OSError as exc:
            print("refused", exc.errno)
    """)
    assert "refused" in done.stdout, done.stderr
    assert target.read_text(encoding="utf-8") == "the earlier good page"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html"]


def test_a_full_disk_while_publishing_leaves_no_truncated_failed_notebook(tmp_path):
    """A failed job's executed notebook is staged whole or not at all (no truncated ``*.FAILED.ipynb``)."""
    staging = tmp_path / "tmp"
    staging.mkdir()
    done = _with_file_size_limit(f"""
        from pathlib import Path
        from tillsammans.reports import runner
        try:
            runner._stage(Path({str(staging)!r}), "01_population.FAILED.ipynb", "{{" + "x" * 100_000)
        except OSError as exc:
            print("refused", exc.errno)
    """)
    assert "refused" in done.stdout, done.stderr
    assert list(staging.iterdir()) == []


def test_a_killed_data_build_leaves_nothing_the_next_build_keeps(tmp_path, processed_dir):
    data_folder = tmp_path / "data"
    raw, processed = data_folder / "raw", data_folder / "processed"
    shutil.copytree(paths.raw_dir(), raw)
    shutil.copytree(processed_dir, processed, ignore=shutil.ignore_patterns("cache", ".lock"))
    debris = [data_folder / ".processed-abc123", data_folder / ".raw-def456"]
    for folder in debris:
        folder.mkdir()
        (folder / "half.parquet").write_bytes(b"PAR1")
    (processed / ".regions.parquet.xyz.part").write_bytes(b"")
    data.build_processed(raw, processed)
    assert not any(folder.exists() for folder in debris)
    assert not list(processed.glob("*.part"))


def test_a_bad_mirror_file_never_replaces_the_good_raw_copy(tmp_path, processed_dir):
    mirror = paths.mirror_dir()
    if mirror is None:
        pytest.skip("no offline mirror")
    bad_mirror = tmp_path / "mirror"
    shutil.copytree(mirror, bad_mirror)
    table = TABLES["projection_death_risks_sweden"]
    frame = pd.read_csv(bad_mirror / table.raw, dtype=str)
    frame.loc[0, "death_risk"] = "7.5"
    frame.to_csv(bad_mirror / table.raw, index=False)
    raw = tmp_path / "data" / "raw"
    shutil.copytree(paths.raw_dir(), raw)
    before = {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()}
    with pytest.raises(DataValidationError, match="death_risk"):
        data.fill_raw(raw, mirror=bad_mirror)
    assert {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()} == before
    assert not list((tmp_path / "data").glob(".raw-*"))


def test_a_killed_report_build_leaves_nothing_the_next_build_keeps(tmp_path):
    from tillsammans.reports import runner
    from tillsammans.reports.kernels import FOLDER_PREFIX, remove_stale_kernel_folders

    reports = tmp_path / "reports"
    (reports / runner.TMP_DIR / "123-456").mkdir(parents=True)
    (reports / runner.TMP_DIR / "123-456" / "01_population.html.abc").write_text("half", encoding="utf-8")
    (reports / ".index.html.abc.part").write_text("", encoding="utf-8")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    dead_pid = int(gone.stdout)
    kernels = tmp_path / "tmp"
    stale = kernels / f"{FOLDER_PREFIX}{dead_pid}-1-abc"
    alive = kernels / f"{FOLDER_PREFIX}{os.getpid()}-1-def"
    stale.mkdir(parents=True)
    alive.mkdir()
    with runner.build_lock(reports):
        pass
    assert sorted(p.name for p in reports.iterdir()) == [".lock"]
    assert remove_stale_kernel_folders(kernels) == [stale]
    assert alive.exists() and not stale.exists()



# -- item 8: the data command and a failing index read as errors ------------------------------------


def test_a_truncated_gzip_in_data_raw_is_one_short_error(home, capsys):
    import gzip

    raw = home / "data" / "raw"
    shutil.copytree(REAL_RAW, raw)
    target = raw / TABLES["deaths_county_age_sex"].raw
    with gzip.open(target, "rb") as fh:
        head = fh.read(20_000)
    target.write_bytes(gzip.compress(head)[:-7])
    before = {p.name: p.read_bytes() for p in _processed(home).iterdir() if p.is_file()}
    code = main(["data", "--skip-raw"])
    _, err = capsys.readouterr()
    assert code == 1 and err.startswith("error: ") and "Traceback" not in err, err
    assert TABLES["deaths_county_age_sex"].raw in err
    assert len(err.strip().splitlines()) <= 4, err
    assert {p.name: p.read_bytes() for p in _processed(home).iterdir() if p.is_file()} == before


def test_the_summary_is_printed_when_the_index_cannot_be_written(rendered, monkeypatch, capsys):
    from tillsammans.reports import build

    reports, jobs, _ = rendered

    def fail(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(build, "write_index", fail)
    monkeypatch.setenv("TILLSAMMANS_REPORTS", str(reports))
    code = main(["reports", "--municipalities", "0319", "--notebooks", jobs[0].notebook, "--no-progress"])
    _, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in err, err
    assert "0 rendered, 1 unchanged (cached), 0 failed" in err
    assert "index not written: " in err and "No space left on device" in err
