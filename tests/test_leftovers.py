"""No code in the reports (issue 11 item 4): every rendered page of a municipality (Tierp) and of the
network, the front page and the glossary are scanned for what a program, not a Swedish report, would write.

The scanner (:mod:`reportscan`) is tested first on strings with known answers; then the rendered pages.
Leftovers typed in the notebooks' text whose rewrite belongs to issue 11 part B are listed in
:data:`LEFT_TO_PART_B`; the list must shrink, never hide a new leftover: an entry that no longer occurs is
an error too, so it is removed when part B lands.
"""

from __future__ import annotations

import pytest

from reportscan import leftovers, visible_text

PAGES = ("0360-tierp/01_population.html", "0360-tierp/02_workforce.html", "network/03_cooperation.html",
         "network/04_summary.html", "index.html", "ordlista.html")

#: page → {(kind, text)} found in text typed in the notebooks, rewritten by issue 11 part B.
LEFT_TO_PART_B: dict[str, set[tuple[str, str]]] = {}


@pytest.mark.parametrize(("text", "kinds"), [
    ("<p>None = observerad andel pojkar</p>", {"Python repr"}),
    ("<td>True</td><td>nan</td>", {"Python repr"}),
    ("<p>'scb': SCB:s framskrivning</p>", {"quoted identifier"}),
    ("<p>Källa: egen framskrivning (tillsammans.population)</p>", {"module name"}),
    ("<p>se data/raw/local/hr_0381.csv</p>", {"file name or path", "underscore identifier"}),
    ("<td>inferred: superseded by joint IT board</td>", {"English status word"}),
    ("<td>https://itcentrum.se/gemensam-it-namnd/</td>", {"web address as text"}),
    ("<p>hämtad (offline-spegel)</p>", {"mirror"}),
    ('<img alt="pension_age" src="x">', {"underscore identifier"}),
    ("<th>retirement_age</th>", {"underscore identifier"}),
])
def test_scanner_finds_each_kind_of_leftover(text, kinds):
    assert {f.kind for f in leftovers(text)} == kinds


def test_scanner_leaves_swedish_text_alone():
    page = ("<h1>C-Tillsammans</h1><p>Kommunerna arbetar tillsammans. Andelen 20–64 år är 52,8 %, "
            "gapet +33 årsarbetare (80 %-intervall −47 till 112).</p>"
            '<a href="https://itcentrum.se/">itcentrum.se</a><script>var x = None;</script>'
            "<style>.a_b { color: red }</style><p>Tierp – befolkning (notebooken 01_population)</p>")
    assert leftovers(page) == []
    assert "var x" not in " ".join(visible_text(page))


@pytest.mark.notebooks
@pytest.mark.parametrize("name", PAGES)
def test_rendered_page_has_no_code_leftovers(rendered_all, name):
    page = (rendered_all / name).read_text(encoding="utf-8")
    found = leftovers(page)
    known = LEFT_TO_PART_B.get(name, set())
    new = sorted({(f.kind, f.match, f.context) for f in found if (f.kind, f.match) not in known})
    assert not new, f"{name}: leftovers of code in the text a reader sees:\n" + "\n".join(
        f"  {kind}: {match!r} in …{context}…" for kind, match, context in new)
    stale = known - {(f.kind, f.match) for f in found}
    assert not stale, f"{name}: fixed, remove from LEFT_TO_PART_B: {sorted(stale)}"


@pytest.fixture(scope="module")
def rendered_more(tmp_path_factory):
    """01 and 02 for two more members (Knivsta: growing, turnover capped; Älvkarleby: the smallest), so text
    branches Tierp does not reach are scanned too. Stale reports of older code once showed 'None = …' here."""
    from tillsammans.municipalities import registry
    from tillsammans.reports import runner

    reports = tmp_path_factory.mktemp("reports_more")
    jobs = runner.plan(["0330", "0319"], None, registry=registry())  # None: no network notebooks
    results = runner.run_jobs(jobs, reports=reports, n_jobs=2, progress=False)
    failed = [r for r in results if r.status != "ok"]
    assert not failed, runner.summary(results)
    return reports


@pytest.mark.notebooks
def test_other_members_pages_have_no_code_leftovers(rendered_more):
    pages = sorted(rendered_more.glob("*/0*.html"))
    assert len(pages) >= 4, [p.name for p in pages]
    for page in pages:
        found = leftovers(page.read_text(encoding="utf-8"))
        assert not found, f"{page.parent.name}/{page.name}: " + "; ".join(
            f"{f.kind}: {f.match!r} in …{f.context}…" for f in found)
