"""Generated Swedish text for the reports, safe to show whatever the data it quotes contain.

A sentence such as ``f"… {regions.name(c)} står för …"`` quotes names and labels from the data; shown as
Markdown, a name holding ``<script>`` or ``[x](javascript:…)`` would become live markup in the rendered
report (nbconvert's Markdown renderer passes raw HTML and every link scheme through). :func:`markdown`
shows such text with Markdown's emphasis (``**fet**``, ``*kursiv*``) still working and with HTML and
Markdown links and images from the data shown as plain text.
"""

from __future__ import annotations

import html

#: Markdown syntax that makes links, images and autolinks; escaped with a backslash (shown as itself).
_LINK_SYNTAX = str.maketrans({"[": r"\[", "]": r"\]"})


def escape_markdown(text: str) -> str:
    """``text`` with HTML special characters as entities and Markdown link brackets escaped.

    ``<``, ``>``, ``&`` and quotes become entities (the reader sees the characters, the browser no tags);
    ``[`` and ``]`` are backslash-escaped, so no ``[text](url)`` or ``![alt](url)`` forms a link or an image.
    Emphasis markers (``*``, ``_``) are kept: the study's own sentences use them.
    """
    return html.escape(str(text), quote=True).translate(_LINK_SYNTAX)


def markdown(text: str):
    """Show generated text (Markdown with emphasis only) as a Markdown output, escaped by :func:`escape_markdown`.

    Use it for every sentence a notebook builds from results: ``plots.markdown(f"För {name} …")``.
    """
    from IPython.display import Markdown

    return Markdown(escape_markdown(text))


__all__ = ["escape_markdown", "markdown"]
