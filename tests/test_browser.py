"""Headless browser checks of the rendered HTML (Debian's chromium; skipped when it is not installed).

The suite installs nothing: `.ci/run` installs chromium on CI. Screenshots go to reports/_screenshots/.
"""

from __future__ import annotations

import shutil

import pytest

from tillsammans import paths
from tillsammans.reports.index import write_index

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)"),
]

# Chromium's background services try the network, which is closed here; these flags keep it quiet.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


def _open(browser, path, screenshot_name):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    def console(m) -> None:
        if m.type in ("error", "warning"):
            problems.append(f"console {m.type}: {m.text}")

    page.on("console", console)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    shots = paths.reports_dir() / "_screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / screenshot_name), full_page=True)
    return page, problems


def test_municipality_report_in_browser(browser, rendered):
    reports, _, _ = rendered
    page, problems = _open(browser, reports / "0319-alvkarleby" / "01_population.html", "0319-01_population.png")
    assert problems == []
    images = page.evaluate("Array.from(document.images).map(i => [i.complete && i.naturalWidth > 0, i.alt])")
    assert len(images) >= 5
    assert all(loaded and alt for loaded, alt in images)
    assert page.locator("h1").first.inner_text() == "Befolkningen i Älvkarleby"
    headings = page.locator("main h2").all_inner_texts()
    # the answer first (issue 11): the first heading is the municipality's answer, then the evidence
    assert headings[0] == "Det här betyder det för Älvkarleby" and any("Försörjningskvot" in h for h in headings)
    keys = page.locator(".key-numbers .value").all_inner_texts()
    assert len(keys) >= 4 and keys[0].replace("\u00a0", "").isdigit()
    toc = page.locator("nav.toc a").all_inner_texts()
    assert toc[0] == "Det här betyder det för Älvkarleby"
    page.close()


def test_index_in_browser_sorts(browser, rendered):
    reports, _, _ = rendered
    write_index(reports)
    page, problems = _open(browser, reports / "index.html", "index.png")
    assert problems == []
    assert "Kommunerna i nätverket" in page.locator("h2").all_inner_texts()
    link = page.locator('a[href="0319-alvkarleby/01_population.html"]')
    assert link.count() == 1
    page.locator("#nyckeltal th").nth(1).click()
    assert page.locator("#nyckeltal th").nth(1).get_attribute("aria-sort") == "ascending"
    page.close()


# -- every page of a municipality and of the network, at a desktop width and on a phone (issue 11) --------

#: Desktop and phone widths the reports must fit without sideways scrolling.
WIDTHS = (1280, 390)
#: Figure text in the study's style is 10 pt at 100 dpi, 13.9 px at the image's natural size; on a phone it
#: must not shrink below this many CSS pixels.
MIN_FIGURE_TEXT_PX = 10.0
FIGURE_TEXT_PX = 10 * 100 / 72

_LAYOUT = """() => {
  const de = document.documentElement;
  const images = Array.from(document.querySelectorAll('img.figure'))
    .map(i => [i.getBoundingClientRect().width / i.naturalWidth, i.alt.slice(0, 40)]);
  const tables = Array.from(document.querySelectorAll('table.data')).map(t => {
    const wrap = t.closest('.table-wrap');
    return {csv: wrap ? wrap.querySelectorAll('a.csv[download][href^="data:text/csv"]').length : 0,
            caption: wrap && wrap.querySelector('p.caption')
              ? wrap.querySelector('p.caption').innerText.slice(0, 50) : ''};
  });
  const links = Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'));
  const ids = Array.from(document.querySelectorAll('[id]')).map(e => e.id);
  return {overflow: Math.max(de.scrollWidth, document.body.scrollWidth) - de.clientWidth, images, tables, links, ids,
          workbooks: document.querySelectorAll(
            'a.workbook[download][href^="data:application/vnd.openxmlformats"]').length};
}"""


def _pages(reports):
    return [*sorted(reports.glob("*/*.html")), reports / "index.html", reports / "ordlista.html"]


def _check_links(page_path, links, ids):
    from urllib.parse import unquote

    broken = []
    for href in links:
        if href.startswith(("data:", "http://", "https://")):
            continue
        if href.startswith("#"):
            # as the HTML standard finds a fragment's element: the fragment as written, then percent-decoded
            # (nbconvert writes heading ids percent-encoded, "F%C3%B6rs%C3%B6rjningskvot")
            if href[1:] not in ids and unquote(href[1:]) not in ids:
                broken.append(href)
        elif not (page_path.parent / unquote(href.split("#")[0])).resolve().exists():
            broken.append(href)
    return broken


def test_every_page_fits_desktop_and_phone_links_resolve_tables_download(browser, rendered_all):
    shots = paths.reports_dir() / "_screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    problems = []
    for width in WIDTHS:
        page = browser.new_page(viewport={"width": width, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e, errors=errors: errors.append(f"page error: {e}"))
        page.on("requestfailed", lambda r, errors=errors: errors.append(f"request failed: {r.url}"))
        for path in _pages(rendered_all):
            name = str(path.relative_to(rendered_all))
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            page.screenshot(path=str(shots / f"{name.replace('/', '-').removesuffix('.html')}-{width}.png"))
            layout = page.evaluate(_LAYOUT)
            if layout["overflow"] > 0:
                problems.append(f"{name} at {width} px scrolls sideways by {layout['overflow']} px")
            broken = _check_links(path, layout["links"], set(layout["ids"]))
            if broken:
                problems.append(f"{name}: links that do not resolve: {broken[:5]}")
            missing = [t["caption"] for t in layout["tables"] if t["csv"] != 1]
            if missing:
                problems.append(f"{name}: tables without their CSV download: {missing}")
            in_report = path.parent != rendered_all
            if in_report and layout["tables"] and layout["workbooks"] != 1:
                problems.append(f"{name}: {layout['workbooks']} workbook links (one expected)")
            if width < 600:
                small = [(round(scale * FIGURE_TEXT_PX, 1), alt) for scale, alt in layout["images"]
                         if scale * FIGURE_TEXT_PX < MIN_FIGURE_TEXT_PX]
                if small:
                    problems.append(f"{name} at {width} px: figure text below {MIN_FIGURE_TEXT_PX} px: {small}")
        problems += errors
        page.close()
    assert not problems, "\n".join(problems)


def test_every_report_links_the_front_page_its_municipality_and_the_network(browser, rendered_all):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((rendered_all / "0360-tierp" / "01_population.html").as_uri())
    bar = page.locator("nav.site a")
    hrefs = [bar.nth(i).get_attribute("href") for i in range(bar.count())]
    assert hrefs[0] == "../index.html"
    assert {"01_population.html", "02_workforce.html", "../network/03_cooperation.html",
            "../network/04_summary.html", "../ordlista.html"} <= set(hrefs)
    assert page.locator('nav.site a[aria-current="page"]').inner_text() == "Befolkning"
    page.goto((rendered_all / "network" / "03_cooperation.html").as_uri())
    assert page.locator('nav.site a[href="04_summary.html"]').count() == 1
    page.close()


def test_contents_fold_on_a_phone_and_stay_open_on_a_desktop(browser, rendered_all):
    report = (rendered_all / "0360-tierp" / "02_workforce.html").as_uri()
    for width, expected in ((1280, True), (390, False)):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(report)
        assert page.evaluate("document.querySelector('nav.toc details').open") is expected
        page.close()


def test_front_page_sorts_with_a_marked_column(browser, rendered_all):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((rendered_all / "index.html").as_uri())
    heads = page.locator("#nyckeltal thead th")
    assert heads.nth(0).get_attribute("aria-sort") == "ascending", "the current sort is marked from the start"
    assert page.locator("#nyckeltal tbody th a").first.get_attribute("href") == "0360-tierp/01_population.html"
    heads.nth(1).locator("button").click()
    assert heads.nth(1).get_attribute("aria-sort") == "ascending"
    assert heads.nth(0).get_attribute("aria-sort") == "none"
    arrow = page.evaluate("getComputedStyle(document.querySelectorAll('#nyckeltal thead th button')[1], "
                          "'::after').content")
    assert "▲" in arrow
    heads.nth(1).locator("button").click()
    assert heads.nth(1).get_attribute("aria-sort") == "descending"
    page.close()


def test_pdf_of_every_report_has_pages_and_a_failed_print_keeps_it(rendered_all, monkeypatch):
    from tillsammans.reports.pdf import PdfError, page_count, report_pages, write_pdfs

    written = write_pdfs(rendered_all, jobs=2)
    assert len(written) == len(report_pages(rendered_all)) == 4
    counts = {p.relative_to(rendered_all).as_posix(): page_count(p) for p in written}
    assert all(n >= 2 for n in counts.values()), counts
    assert write_pdfs(rendered_all) == [], "an unchanged report is not printed again"
    pdf = rendered_all / "network" / "04_summary.pdf"
    before = pdf.read_bytes()
    monkeypatch.setenv("TILLSAMMANS_CHROMIUM", "/bin/false")
    with pytest.raises(PdfError, match=r"04_summary\.html: chromium exited with 1"):
        write_pdfs(rendered_all, pages=[rendered_all / "network" / "04_summary.html"], force=True)
    assert pdf.read_bytes() == before
    monkeypatch.delenv("TILLSAMMANS_CHROMIUM")
    write_index(rendered_all)
    bar = (rendered_all / "network" / "04_summary.html").read_text(encoding="utf-8")
    assert 'href="04_summary.pdf"' in bar


def test_front_page_search_finds_any_rendered_municipality(browser, tmp_path):
    """A front page with municipalities outside the network (synthetic folders built by the test)."""
    import json

    for folder, name in (("0360-tierp", "Tierp"), ("1981-sala", "Sala"), ("0180-stockholm", "Stockholm")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "01_population.html").write_text(f"<h1>{name}</h1>", encoding="utf-8")
        (tmp_path / folder / "01_population.keys.json").write_text(json.dumps({"population_latest": 1000.0}))
    write_index(tmp_path)
    page = browser.new_page(viewport={"width": 390, "height": 900})
    page.goto((tmp_path / "index.html").as_uri())
    assert page.locator("#alla tbody tr:visible").count() == 3
    page.fill("#sok", "sala")
    assert page.locator("#alla tbody tr:visible").count() == 1
    assert page.locator("#sok-antal").inner_text() == "1 kommun"
    page.fill("#sok", "0180")
    assert page.locator("#alla tbody tr:visible th strong").inner_text() == "Stockholm"
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    page.close()
