"""The reports as a site (issue 11 items 2, 5, 6, 7): navigation bars, the front page, the glossary, the
workbook link — on synthetic executed notebooks built by the tests (no kernel), so they run in seconds."""

from __future__ import annotations

import base64
import html
import io
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from openpyxl import load_workbook

from tillsammans import plots
from tillsammans.plots.downloads import TABLE_MIME
from tillsammans.reports import navigation
from tillsammans.reports.export import external_references, notebook_to_html, table_records
from tillsammans.reports.index import collect, network_totals, write_index

MANIFEST = {"tables": {}, "origin": {"origin": "mirror", "retrieved": "2026-12-01"}, "built": "2026-12-01"}


def _notebook(title: str, n_tables: int = 2, keys: dict | None = None) -> nbformat.NotebookNode:
    """A synthetic executed notebook: a heading, ``n_tables`` tables and (optionally) recorded keys."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell(f"## Sammanfattning\n\n{title}."))
    cap = plots.Captions()
    for i in range(n_tables):
        table = plots.table(pd.DataFrame({"År": [2022, 2040], "Invånare": [100.4 + i, 120.6]}),
                            caption=cap.table(f"Syntetisk tabell {i + 1}.", source="test"))
        cell = nbformat.v4.new_code_cell("")
        cell.outputs = [nbformat.v4.new_output("display_data", data=table._repr_mimebundle_())]
        nb.cells.append(cell)
    if keys:
        cell = nbformat.v4.new_code_cell("")
        cell.outputs = [nbformat.v4.new_output("display_data", data={plots.KEYS_MIME: keys})]
        nb.cells.append(cell)
    return nb


def _site(root: Path, folders: dict[str, dict[str, dict]]) -> Path:
    """A reports folder: {folder: {stem: keys}} rendered from synthetic notebooks."""
    for folder, pages in folders.items():
        (root / folder).mkdir(parents=True)
        for stem, keys in pages.items():
            nb = _notebook(f"{folder} {stem}", keys=keys)
            (root / folder / f"{stem}.html").write_text(notebook_to_html(nb, f"{folder} – {stem}"), encoding="utf-8")
            (root / folder / f"{stem}.keys.json").write_text(json.dumps(keys), encoding="utf-8")
    write_index(root, manifest=MANIFEST)
    return root


TIERP = {"01_population": {"year": 2022, "population": 21406.0, "share_20_64": 0.528, "latest_year": 2025,
                           "population_latest": 21028.0, "end_year": 2040, "population_end": 21442.0,
                           "share_20_64_end": 0.513, "dependency_ratio": 0.89, "dependency_ratio_end": 0.95},
         "02_workforce": {"base_year": 2022, "recruitment_need": 601.6, "gap": 32.8, "gap_per_1000": 1.53,
                          "gap_year": 2040}}
HEBY = {"01_population": {"year": 2022, "population": 14000.0, "share_20_64": 0.53, "latest_year": 2025,
                          "population_latest": 14275.0, "end_year": 2040, "population_end": 14968.0,
                          "share_20_64_end": 0.514}}


def _links(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'<a [^>]*href="([^"]+)"', page)]


def _assert_links_resolve(page_path: Path) -> None:
    page = page_path.read_text(encoding="utf-8")
    ids = set(re.findall(r'id="([^"]+)"', page))
    for href in _links(page):
        if href.startswith(("data:", "http")):
            continue
        if href.startswith("#"):
            assert href[1:] in ids or html.unescape(href[1:]) in ids, f"{page_path.name}: no anchor {href}"
        else:
            assert (page_path.parent / href).resolve().exists(), f"{page_path}: broken link {href}"


def test_report_has_a_workbook_of_its_tables_and_a_csv_per_table():
    nb = _notebook("Tierp", n_tables=3)
    page = notebook_to_html(nb, "Tierp – befolkning")
    assert len(table_records(nb)) == 3
    assert page.count('class="csv" download=') == 3
    link = re.search(r'<a class="workbook" download="tierp-befolkning.xlsx" href="data:application/'
                     r'vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64,([^"]+)"', page)
    assert link, "the workbook travels inside the page"
    book = load_workbook(io.BytesIO(base64.b64decode(link.group(1))))
    assert book.sheetnames == ["Innehåll", "Tabell 1", "Tabell 2", "Tabell 3"]
    assert [c.value for c in book["Tabell 1"][2]] == [2022, 100]
    assert TABLE_MIME not in page and external_references(page) == []


def test_report_without_tables_has_no_workbook_link():
    page = notebook_to_html(_notebook("Tom", n_tables=0), "Tom")
    assert 'class="workbook"' not in page


def test_navigation_links_every_report_of_the_municipality_and_the_network(tmp_path):
    root = _site(tmp_path, {"0360-tierp": TIERP, "0331-heby": HEBY, "network": {"03_cooperation": {},
                                                                                 "04_summary": {}}})
    page = (root / "0360-tierp" / "01_population.html").read_text(encoding="utf-8")
    bar = navigation.current_navigation(root / "0360-tierp" / "01_population.html")
    assert '<a href="01_population.html" aria-current="page">Befolkning</a>' in bar
    assert 'href="02_workforce.html"' in bar and "Tierp:" in bar
    assert 'href="../network/03_cooperation.html"' in bar and 'href="../network/04_summary.html"' in bar
    assert 'href="../index.html"' in bar and 'href="../ordlista.html"' in bar
    assert "heby" not in bar, "a municipality's bar lists its own reports and the network's, not others'"
    network_bar = navigation.current_navigation(root / "network" / "04_summary.html")
    assert "Nätverket C-Tillsammans:" in network_bar and "Nätverket:</span>" not in network_bar
    for html_file in [*root.glob("*/*.html"), root / "index.html", root / "ordlista.html"]:
        _assert_links_resolve(html_file)
    assert page.count(navigation.NAV_START) == 1


def test_navigation_is_rewritten_only_when_it_changes_and_the_rest_stays(tmp_path):
    root = _site(tmp_path, {"0360-tierp": TIERP})
    target = root / "0360-tierp" / "01_population.html"
    before = target.read_text(encoding="utf-8")
    assert navigation.link_reports(root) == []
    (root / "0360-tierp" / "01_population.pdf").write_bytes(b"%PDF-1.4 synthetic")
    assert navigation.link_reports(root) == [target]
    after = target.read_text(encoding="utf-8")
    assert 'href="01_population.pdf"' in navigation.current_navigation(target)
    strip = re.compile(re.escape(navigation.NAV_START) + ".*?" + re.escape(navigation.NAV_END), re.DOTALL)
    assert strip.sub("", before) == strip.sub("", after)


def test_front_page_links_first_defines_the_gap_and_marks_the_sort(tmp_path):
    root = _site(tmp_path, {"0360-tierp": TIERP, "0331-heby": HEBY})
    page = (root / "index.html").read_text(encoding="utf-8")
    table = page[page.index('id="nyckeltal"'):page.index("</table>", page.index('id="nyckeltal"'))]
    first_row = table[table.index("<tbody>"):]
    assert re.search(r'<tr[^>]*><th scope="row" class="kommun"[^>]*><strong>Heby</strong>.*?'
                     r'href="0331-heby/01_population.html"', first_row), "name and report links first"
    assert '<th scope="col" aria-sort="ascending"><button type="button">Kommun och rapporter' in table
    assert "Invånare 2040 (framskrivning)" in table and "Gap 2040, årsarbetare" in table
    assert "Rekryteringsbehov 2023–2040" in table
    assert "<dt>Gap:</dt> <dd>Personalbehovet minus tillgången, i årsarbetare" in page
    assert "21\u00a0442" in table and "+33" in table  # Tierp's population 2040 and gap
    csv = re.search(r'class="csv" download="c-tillsammans_nyckeltal.csv" href="data:text/csv;charset=utf-8;'
                    r'base64,([^"]+)"', page)
    assert csv, "the front page's table is downloadable too"
    assert base64.b64decode(csv.group(1)).decode("utf-8-sig").splitlines()[2] == \
        "Tierp;0360;21028;21442;52,8;51,3;0,89;0,95;602;33;1,5"
    assert 'href="ordlista.html"' in page and external_references(page) == []
    assert 'id="sok"' not in page, "the search list appears only with municipalities outside the network"
    glossary = (root / "ordlista.html").read_text(encoding="utf-8")
    for term in ("Arbetsför ålder", "Uppsala län", "Gap", "Rekryteringsbehov", "Scenario: Huvudalternativ"):
        assert f"<dt>{term}</dt>" in glossary


def test_front_page_lists_municipalities_outside_the_network_in_a_searchable_table(tmp_path):
    root = _site(tmp_path, {"0360-tierp": TIERP, "1981-sala": {"01_population": HEBY["01_population"]}})
    page = (root / "index.html").read_text(encoding="utf-8")
    assert 'id="sok"' in page and 'id="alla"' in page and 'data-search="sala 1981"' in page
    rows, _ = collect(root)
    assert {r["code"]: r["network"] for r in rows} == {"0360": True, "1981": False}


def test_network_totals_add_up_and_weight_shares_by_population():
    members = [{"keys": {"latest_year": 2025, "population_latest": 100.0, "end_year": 2040, "population_end": 300.0,
                         "year": 2022, "population": 100.0, "share_20_64": 0.5, "share_20_64_end": 0.4}},
               {"keys": {"latest_year": 2025, "population_latest": 50.0, "end_year": 2040, "population_end": 100.0,
                         "year": 2022, "population": 300.0, "share_20_64": 0.6, "share_20_64_end": 0.6}}]
    totals = network_totals(members)
    assert totals["population_latest"] == 150 and totals["population_end"] == 400
    assert totals["share_20_64"] == pytest.approx((0.5 * 100 + 0.6 * 300) / 400)
    assert totals["share_20_64_end"] == pytest.approx((0.4 * 300 + 0.6 * 100) / 400)
    members[1]["keys"]["population_end"] = None
    assert "population_end" not in network_totals(members), "a total never leaves a member out"
