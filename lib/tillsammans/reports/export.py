"""HTML export of an executed notebook: no code, self-contained, a table of contents, Swedish chrome.

nbconvert's default templates load require.js, MathJax and mermaid from a CDN and the lab template
replaces our alt texts; our template (``templates/tillsammans``) extends the classic one with a small
inline stylesheet and no external scripts, so one file can be mailed and opened offline.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import html
import json
import re
import threading
from pathlib import Path

import nbformat

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
CSS = TEMPLATES / "report.css"

_HEADING = re.compile(r'<h([23]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


def table_of_contents(body: str) -> str:
    """An ordered list of links to the report's level-2 and level-3 headings (nbconvert sets their ids)."""
    items = []
    for level, anchor, inner in _HEADING.findall(body):
        text = html.unescape(_TAGS.sub("", inner)).replace("¶", "").strip()
        cls = ' class="sub"' if level == "3" else ""
        items.append(f'<li{cls}><a href="#{anchor}">{html.escape(text)}</a></li>')
    if not items:
        return ""
    return f'<details open><summary>Innehåll</summary><ol>{"".join(items)}</ol></details><script>{_TOC_SCRIPT}</script>'


#: The contents list is open beside the text on a wide screen and folded above it on a phone.
_TOC_SCRIPT = ("(function(){var d=document.querySelector('nav.toc details'),m=window.matchMedia('(max-width: 860px)');"
               "function f(){d.open=!m.matches;}f();m.addEventListener('change',f);})();")


_LOCAL = threading.local()


def _report_exporter_class() -> type:
    """nbconvert's HTML exporter without its closing accessibility pass.

    ``HTMLExporter.from_notebook_node`` ends by parsing the whole page again with BeautifulSoup to give images
    without alt text a placeholder and the lab template's cells tab stops, then serialises the tree: three
    quarters of the export time. Our template gives every image its own alt text (:func:`tillsammans.plots.show`)
    and has no lab cells, so the pass changes nothing but the bytes' spelling (the page parses to the same
    tree: ``tests/test_reports.py``). This class sets up the same filters and renders the template directly.
    """
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            info = nb.metadata.get("language_info", {})
            lexer = info.get("pygments_lexer", info.get("name", None))
            self.register_filter("highlight_code",
                                 self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return ReportExporter


def _exporter():
    """This thread's HTML exporter: the template is loaded and compiled once per worker, not per report."""
    exporter = getattr(_LOCAL, "exporter", None)
    if exporter is None:
        exporter = _report_exporter_class()(
            template_name="tillsammans",
            extra_template_basedirs=[str(TEMPLATES)],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            language_code="sv",
            optimistic_validation=True,  # validate once after the preprocessors, not after each one
        )
        _LOCAL.exporter = exporter
        _LOCAL.css = CSS.read_text(encoding="utf-8")
    return exporter


def notebook_to_html(notebook: nbformat.NotebookNode, title: str, footer: str = "",
                     date: dt.date | None = None) -> str:
    """Render an executed notebook as a self-contained HTML report without input cells.

    The page carries its downloads (every table's CSV and one Excel workbook of all tables, as ``data:``
    links, so a mailed file keeps them) and the study's navigation bar; the build fills in the links to
    the other reports once they exist (:func:`tillsammans.reports.navigation.link_reports`).
    """
    from tillsammans.reports.navigation import BASIC_NAV, NAV_END, NAV_START

    exporter = _exporter()
    resources = {"report_title": title, "report_css": _LOCAL.css, "report_footer": footer,
                 "report_nav": f"{NAV_START}{BASIC_NAV}{NAV_END}"}
    body, _ = exporter.from_notebook_node(_without_key_records(notebook), resources=resources)
    body = body.replace("<!--TOC-->", table_of_contents(body), 1)
    return body.replace("<!--DOWNLOADS-->", workbook_link(notebook, title, date), 1)


def table_records(notebook: nbformat.NotebookNode) -> list[dict]:
    """The download data of every table the notebook showed (``plots.table``), in report order."""
    from tillsammans.plots.downloads import TABLE_MIME

    return [output["data"][TABLE_MIME] for cell in notebook.cells for output in cell.get("outputs", [])
            if TABLE_MIME in output.get("data", {})]


def workbook_name(title: str) -> str:
    """The workbook's file name from the report's title: 'Tierp – befolkning' → 'tierp-befolkning.xlsx'."""
    from tillsammans.reports.runner import slug

    return f"{slug(title) or 'rapport'}.xlsx"


def workbook_link(notebook: nbformat.NotebookNode, title: str, date: dt.date | None = None) -> str:
    """A download link to the report's tables as one Excel workbook (none when it has no table)."""
    from tillsammans.plots.downloads import XLSX_TYPE, workbook

    records = table_records(notebook)
    if not records:
        return ""
    data = base64.b64encode(workbook(records, title, date)).decode("ascii")
    return (f'<a class="workbook" download="{html.escape(workbook_name(title))}" '
            f'href="data:{XLSX_TYPE};base64,{data}">Alla {len(records)} tabeller i en Excelfil</a>')


def _without_key_records(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy without the machine-readable key-figure outputs (they feed the index, not the reader)."""
    from tillsammans.plots import KEYS_MIME

    clean = copy.copy(notebook)
    clean.cells = []
    for cell in notebook.cells:
        kept = cell
        if cell.get("outputs") and any(KEYS_MIME in o.get("data", {}) for o in cell.outputs):
            kept = copy.copy(cell)
            kept.outputs = [o for o in cell.outputs if KEYS_MIME not in o.get("data", {})]
        clean.cells.append(kept)
    return clean


def extract_keys(notebook: nbformat.NotebookNode) -> dict:
    """The key figures a notebook recorded with ``plots.record_keys`` (for the index page)."""
    from tillsammans.plots import KEYS_MIME

    keys: dict = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            value = output.get("data", {}).get(KEYS_MIME)
            if value:
                keys.update(value if isinstance(value, dict) else json.loads(value))
    return keys


def external_references(page: str) -> list[str]:
    """Scripts, stylesheets and images the page would fetch from the network (should be none)."""
    pattern = re.compile(r'<(?:script|img|link|iframe)[^>]+(?:src|href)="((?:https?:)?//[^"]+)"', re.IGNORECASE)
    return pattern.findall(page)
