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
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
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
    assert "Kommunerna sida vid sida" in page.locator("h2").all_inner_texts()
    link = page.locator('a[href="0319-alvkarleby/01_population.html"]')
    assert link.count() == 1
    page.locator("#nyckeltal th").nth(1).click()
    assert page.locator("#nyckeltal th").nth(1).get_attribute("aria-sort") == "ascending"
    page.close()
