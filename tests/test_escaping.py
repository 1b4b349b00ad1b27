"""Issue 13 item 2: text from the data never becomes live markup in a report.

Unit level: the library's HTML and Markdown helpers, rendered with nbconvert's own Markdown renderer (the
one the reports use). The end-to-end check, hostile names and values through every notebook and a scan of
the rendered pages, is ``tests/test_hostile_reports.py``.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from htmlscan import live_markup
from tillsammans import plots

#: Hostile strings (built by the test): tags, event handlers, script URLs in Markdown and HTML, quotes.
HOSTILE = [
    "Älvkarleby<script>alert(1)</script><img src=x onerror=alert(2)>",
    '"><svg onload=alert(3)>',
    "[klicka](javascript:alert(4))",
    "![bild](javascript:alert(5))",
    "<javascript:alert(6)>",
    "<a href='javascript:alert(7)'>länk</a>",
    "' onmouseover='alert(8)",
]

def _markdown_html(text: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(text)


def test_the_renderer_itself_passes_markup_through():
    """The reason for the helper: nbconvert's Markdown renderer keeps raw HTML and javascript: links."""
    assert live_markup(_markdown_html(HOSTILE[0]))
    assert "javascript:alert(4)" in _markdown_html(HOSTILE[2]).split('href="')[1]


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_helper_shows_hostile_text_as_text(text):
    rendered = _markdown_html(plots.markdown(f"För {text} står **hälften** av felet.").data)
    assert live_markup(rendered) == [], rendered
    assert "<strong>hälften</strong>" in rendered  # the study's own emphasis still works


def test_markdown_helper_keeps_the_readers_characters():
    import html

    rendered = _markdown_html(plots.markdown("Heby & Tierp <> [1]").data)
    assert html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip() == "Heby & Tierp <> [1]"


@pytest.mark.parametrize("text", HOSTILE)
def test_table_escapes_names_values_headers_and_plain_captions(text):
    frame = pd.DataFrame({"Kommun": [text], text: [1.5]})
    page = plots.table(frame, caption=text, csv_name=f"{text}.csv").data
    assert live_markup(page) == [], page


@pytest.mark.parametrize("text", HOSTILE)
def test_captions_header_key_numbers_and_alt_text_escape(text):
    cap = plots.Captions()
    assert live_markup(str(cap.figure(text, source=text))) == []
    header = plots.header(text, text, {text: text, "Kommuner": [text]}, {"tables": {}, "origin": {}}).data
    assert live_markup(header) == []
    assert live_markup(plots.key_numbers({text: text}, note=text).data) == []


def test_notebooks_show_generated_text_only_through_the_escaping_helpers():
    """Every notebook shows its generated sentences through ``plots.markdown`` (or the other escaping
    helpers), never through IPython's ``Markdown``/``HTML``, which would pass the data's markup through."""
    import json

    from tillsammans import paths

    raw = re.compile(r"(?<![\w.])(Markdown|HTML)\(")
    offenders = []
    for notebook in sorted(paths.notebooks_dir().glob("[0-9][0-9]_*.ipynb")):
        for n, cell in enumerate(json.loads(notebook.read_text(encoding="utf-8"))["cells"]):
            if cell["cell_type"] == "code" and raw.search("".join(cell["source"])):
                offenders.append(f"{notebook.name} cell {n}")
    assert offenders == []
