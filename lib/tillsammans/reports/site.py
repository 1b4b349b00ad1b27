"""The study's own pages beside the reports: the page shell they share and the glossary (``ordlista.html``).

Both are written by every build (:func:`~tillsammans.reports.index.write_index`), so every report's links
to them resolve. The glossary is generated from :func:`tillsammans.vocabulary.glossary`, the study's one
source of terms.
"""

from __future__ import annotations

import html
from pathlib import Path

from tillsammans.reports.navigation import GLOSSARY_PAGE, INDEX_PAGE, report_folders
from tillsammans.reports.runner import NETWORK_DIR, _topic

CSS = Path(__file__).resolve().parents[1] / "templates" / "report.css"


def site_navigation(reports: Path, current: str) -> str:
    """The navigation bar of a page in the reports folder itself (front page, glossary)."""
    def item(href: str, text: str) -> str:
        here = ' aria-current="page"' if href == current else ""
        return f'<li><a href="{href}"{here}>{html.escape(text)}</a></li>'

    home = ' aria-current="page"' if current == INDEX_PAGE else ""
    items = [f'<li class="home"><a href="{INDEX_PAGE}"{home}>C-Tillsammans: alla rapporter</a></li>']
    network = [p for p in report_folders(reports) if p.name == NETWORK_DIR]
    pages = sorted(network[0].glob("*.html")) if network else []
    if pages:
        links = "".join(item(f"{NETWORK_DIR}/{p.name}", _topic(p.stem).capitalize()) for p in pages)
        items.append(f'<li class="group"><span class="label">Nätverket:</span><ul>{links}</ul></li>')
    items.append(item(GLOSSARY_PAGE, "Ordlista"))
    return "<ul>" + "".join(items) + "</ul>"


def page(title: str, body: str, navigation: str, extra_css: str = "", script: str = "") -> str:
    """A self-contained page in the reports' style (inline stylesheet, no external files)."""
    css = CSS.read_text(encoding="utf-8")
    return f"""<!DOCTYPE html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta name="generator" content="tillsammans">
<title>{html.escape(title)}</title>
<style>{css}
main.single {{ max-width: 1248px; margin: 0 auto; padding: 24px 16px 48px; }}
{extra_css}
</style>
</head>
<body>
<a class="skip" href="#innehall">Hoppa till innehållet</a>
<header class="site"><nav class="site" aria-label="Rapporterna">{navigation}</nav></header>
<main class="single" id="innehall">
{body}
</main>
{f"<script>{script}</script>" if script else ""}
</body>
</html>
"""


def write_page(path: Path, text: str) -> Path:
    """Write a page atomically (:func:`tillsammans.atomic.write_text`): a failed write keeps the old page."""
    from tillsammans import atomic

    return atomic.write_text(path, text)


def glossary_page(reports: Path) -> str:
    """``ordlista.html``: every term of the study with its definition."""
    from tillsammans.vocabulary import glossary

    terms = glossary()
    entries = "".join(f"<dt>{html.escape(t)}</dt><dd>{html.escape(d)}</dd>"
                      for t, d in zip(terms["Term"], terms["Förklaring"], strict=True))
    body = (f'<h1>Ordlista</h1><p class="subject">Orden i rapporterna om C-Tillsammans och vad de betyder. '
            f'Alla rapporter använder orden i samma betydelse.</p><dl class="glossary">{entries}</dl>'
            f'<footer class="report-footer">Genererad av tillsammans.</footer>')
    css = ("dl.glossary dt { font-weight: 700; margin-top: 14px; } "
           "dl.glossary dd { margin: 2px 0 0; max-width: 75ch; }")
    return page("C-Tillsammans – ordlista", body, site_navigation(reports, GLOSSARY_PAGE), extra_css=css)


def write_glossary(reports: Path) -> Path:
    """Write ``reports/ordlista.html`` atomically and return its path."""
    return write_page(Path(reports) / GLOSSARY_PAGE, glossary_page(Path(reports)))
