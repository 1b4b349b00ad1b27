"""The study's navigation bar: every report links to the front page, the glossary, the other reports of its
municipality and the network's reports.

A report is rendered on a worker that does not know which other reports exist (a cluster worker has no
copy of the reports folder), so the export writes a bar with the two pages every build writes (the front
page and the glossary) between two markers, and the build fills in the rest from the reports on disk
(:func:`link_reports`, called by :func:`~tillsammans.reports.index.write_index`). Only a bar that changed is
rewritten, atomically; the rest of the page stays byte for byte as rendered.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

from tillsammans import atomic
from tillsammans.reports.runner import NETWORK_DIR, _topic

NAV_START = "<!--NAV-->"
NAV_END = "<!--/NAV-->"
#: The study's own pages, written by every build into the reports folder.
INDEX_PAGE = "index.html"
GLOSSARY_PAGE = "ordlista.html"
#: How far into a report the bar is looked for (it follows the inline stylesheet near the top).
_HEAD_BYTES = 256 * 1024

_MUNICIPALITY_DIR = re.compile(r"^(\d{4})-[a-z0-9-]+$")

BASIC_NAV = (f'<ul><li class="home"><a href="../{INDEX_PAGE}">C-Tillsammans: alla rapporter</a></li>'
             f'<li><a href="../{GLOSSARY_PAGE}">Ordlista</a></li></ul>')


def report_folders(reports: Path) -> list[Path]:
    """The folders holding reports: one per municipality (``0381-enkoping``) and ``network``."""
    if not reports.is_dir():
        return []
    return sorted(p for p in reports.iterdir()
                  if p.is_dir() and (_MUNICIPALITY_DIR.match(p.name) or p.name == NETWORK_DIR))


def folder_label(folder: str, name_of: Callable[[str], str]) -> str:
    """The bar's name for a report folder: the municipality's name, or the network's."""
    match = _MUNICIPALITY_DIR.match(folder)
    return name_of(match.group(1)) if match else "Nätverket C-Tillsammans"


def _links(folder: Path, current: Path | None, prefix: str) -> str:
    items = []
    for page in sorted(folder.glob("*.html")):
        topic = html.escape(_topic(page.stem).capitalize())
        here = current is not None and page.name == current.name and folder == current.parent
        items.append(f'<li><a href="{prefix}{page.name}" aria-current="page">{topic}</a></li>' if here
                     else f'<li><a href="{prefix}{page.name}">{topic}</a></li>')
    return "".join(items)


def navigation(page: Path, reports: Path, name_of: Callable[[str], str]) -> str:
    """The bar of one report page: front page, its own folder's reports, the network's, glossary, PDF."""
    own = page.parent
    groups = [f'<li class="home"><a href="../{INDEX_PAGE}">C-Tillsammans: alla rapporter</a></li>']
    label = html.escape(folder_label(own.name, name_of))
    groups.append(f'<li class="group"><span class="label">{label}:</span><ul>{_links(own, page, "")}</ul></li>')
    network = reports / NETWORK_DIR
    if own.name != NETWORK_DIR and network.is_dir() and any(network.glob("*.html")):
        groups.append(f'<li class="group"><span class="label">Nätverket:</span>'
                      f'<ul>{_links(network, None, f"../{NETWORK_DIR}/")}</ul></li>')
    groups.append(f'<li><a href="../{GLOSSARY_PAGE}">Ordlista</a></li>')
    pdf = page.with_suffix(".pdf")
    if pdf.exists():
        groups.append(f'<li class="pdf"><a href="{pdf.name}" download>Rapporten som PDF</a></li>')
    return "<ul>" + "".join(groups) + "</ul>"


def replace_navigation(text: str, bar: str) -> str | None:
    """``text`` with the bar between the markers replaced, or None when it has no bar."""
    start = text.find(NAV_START)
    end = text.find(NAV_END, start)
    if start < 0 or end < 0:
        return None
    return text[:start + len(NAV_START)] + bar + text[end:]


def current_navigation(path: Path) -> str | None:
    """The bar a report holds now (read from the top of the file only), or None."""
    with path.open("rb") as fh:
        head = fh.read(_HEAD_BYTES).decode("utf-8", errors="replace")
    start = head.find(NAV_START)
    end = head.find(NAV_END, start)
    return head[start + len(NAV_START):end] if start >= 0 and end >= 0 else None


def link_reports(reports: Path, name_of: Callable[[str], str] | None = None) -> list[Path]:
    """Fill in every report's navigation bar from the reports that exist; return the pages rewritten.

    A page whose bar is already right is not touched; a page is replaced atomically (a temporary file in
    its folder, then a rename), keeping its permissions.
    """
    if name_of is None:
        from tillsammans.municipalities import registry

        name_of = registry().name
    reports = Path(reports)
    changed = []
    for folder in report_folders(reports):
        for page in sorted(folder.glob("*.html")):
            bar = navigation(page, reports, name_of)
            if current_navigation(page) in (None, bar):
                continue
            text = replace_navigation(page.read_text(encoding="utf-8"), bar)
            if text is None:
                continue
            atomic.write_text(page, text)  # a failed write keeps the page as it was
            changed.append(page)
    return changed
