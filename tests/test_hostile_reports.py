"""Issue 13 item 2, end to end: hostile names and values through every notebook, rendered pages scanned.

A copy of the project's data (built by the test, labelled hostile) gives Älvkarleby, Enköping and Uppsala
county names with tags, event handlers and quotes, puts a ``javascript:`` URL and a script tag into the
curated cooperation facts, and hands the workforce notebook a local HR file in a folder whose name is
markup. The four notebooks render for Älvkarleby and a network with Enköping; every page and the index are
then scanned for anything a browser would run (``tests/htmlscan.py``), and the hostile text must be there,
shown as text.
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import pandas as pd
import pytest

from htmlscan import live_markup
from tillsammans import integrity, paths

pytestmark = pytest.mark.notebooks

#: The hostile names (test data): each region's real name followed by markup.
HOSTILE_NAMES = {
    "0319": "Älvkarleby<script>alert(1)</script><img src=x onerror=alert(2)>",
    "0381": 'Enköping"><svg onload=alert(3)>',
    "03": "Region Uppsala<iframe src=javascript:alert(4)>",
}
HOSTILE_FOLDER = "<img src=x onerror=alert(5)>"


def rewrite_table(processed: Path, name: str, frame: pd.DataFrame) -> None:
    """Replace a processed table and record it in the manifest as a data build would (sha256, size, time,
    digest), so the integrity checks accept it: the hostile data are a valid build, not a tampered one."""
    import json

    target = processed / f"{name}.parquet"
    frame.to_parquet(target, index=False)
    manifest = json.loads((processed / integrity.MANIFEST).read_text(encoding="utf-8"))
    manifest["tables"][name].update(integrity.file_record(target))
    manifest["digest"] = integrity.tables_digest(manifest["tables"])
    (processed / integrity.MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_home(tmp_path_factory, processed_dir):
    home = tmp_path_factory.mktemp("hostile")
    processed = home / "data" / "processed"
    shutil.copytree(processed_dir, processed, ignore=shutil.ignore_patterns("cache", ".lock"))
    regions = pd.read_parquet(processed / "regions.parquet")
    regions["name"] = [HOSTILE_NAMES.get(c, n) for c, n in zip(regions["region_code"], regions["name"], strict=False)]
    rewrite_table(processed, "regions", regions)
    shutil.copytree(paths.reference_dir(), home / "data" / "reference")
    facts = home / "data" / "reference" / "cooperation" / "existing_cooperations.csv"
    existing = pd.read_csv(facts, dtype=str, keep_default_na=False)
    existing.loc[0, "source_url"] = "javascript:alert(6)"
    existing.loc[0, "name"] = "<script>alert(7)</script>" + existing.loc[0, "name"]
    existing.to_csv(facts, index=False)
    shutil.copytree(paths.notebooks_dir(), home / "notebooks")
    local = home / HOSTILE_FOLDER
    local.mkdir()
    from tillsammans.workforce import SECTORS

    rows = [f"0319,{sector},{band},{10.0 if band != '65+' else 1.0}" for sector in SECTORS
            for band in ("-29", "55-59", "65+")]
    (local / "hr_0319.csv").write_text("region_code,sector,age_band,staff_fte\n" + "\n".join(rows) + "\n",
                                       encoding="utf-8")
    return home


@pytest.fixture(scope="module")
def hostile_build(hostile_home, tmp_path_factory):
    import os

    from tillsammans.reports import build_reports

    reports = tmp_path_factory.mktemp("hostile-reports")
    saved = {k: os.environ.get(k) for k in ("TILLSAMMANS_HOME", "TILLSAMMANS_REPORTS")}
    os.environ["TILLSAMMANS_HOME"] = str(hostile_home)
    os.environ["TILLSAMMANS_REPORTS"] = str(reports)
    try:
        results = build_reports("0319", network="0319,0381", progress=False, n_jobs=2,
                                parameters={"local_hr": str(hostile_home / HOSTILE_FOLDER / "hr_0319.csv"),
                                            "n_sims": 50})
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return reports, results


def test_every_page_shows_the_hostile_text_as_text(hostile_build):
    reports, results = hostile_build
    assert sorted(r.job.stem for r in results) == ["01_population", "02_workforce", "03_cooperation", "04_summary"]
    assert {r.status for r in results} == {"ok"}
    pages = [*sorted(reports.glob("*/*.html")), reports / "index.html"]
    assert len(pages) == 5
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert live_markup(text) == [], page.name
    text = next(reports.glob("0319-*/01_population.html")).read_text(encoding="utf-8")
    # the hostile names reached the page, escaped
    assert html.escape(HOSTILE_NAMES["0319"], quote=False) in text or html.escape(HOSTILE_NAMES["0319"]) in text


def test_hostile_values_reach_the_pages_as_text(hostile_build):
    reports, _ = hostile_build
    workforce = next(reports.glob("0319-*/02_workforce.html")).read_text(encoding="utf-8")
    # the local HR file ran (its folder's name is markup): the report names the municipality's own HR data
    # in words and shows no file path (issue 11: no file paths in a report's text), so nothing to run either
    assert "eget HR-underlag" in workforce and "onerror=alert(5)" not in html.unescape(workforce)
    cooperation = (reports / "network" / "03_cooperation.html").read_text(encoding="utf-8")
    assert "javascript:alert(6)" in cooperation and "&lt;script&gt;alert(7)" in cooperation
    summary = (reports / "network" / "04_summary.html").read_text(encoding="utf-8")
    assert "svg onload=alert(3)" in html.unescape(summary)


def test_folder_names_stay_plain(hostile_build):
    reports, _ = hostile_build
    assert all(p.name.isascii() and "<" not in p.name for p in reports.iterdir())
