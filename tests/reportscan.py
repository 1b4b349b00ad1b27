"""What a reader sees on a rendered page, and the leftovers of code in it (issue 11 item 4).

The text a reader sees is every text node outside ``<script>`` and ``<style>``, plus the alternative text
of images and the titles of elements. In it, :func:`leftovers` looks for what a Python program, not a
Swedish report, would write: reprs (``None``, ``True``, ``nan``, quoted identifiers such as ``'scb'``),
English status words of the curated tables, file names and paths, and module names such as
``(tillsammans.population)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

#: Leftover → pattern; each is searched in the visible text, segment by segment.
URL = re.compile(r"\b(?:https?://|www\.)\S+")
PATTERNS: dict[str, re.Pattern] = {
    "web address as text": URL,
    "Python repr": re.compile(r"\b(?:None|True|False|nan|NaN|NaT|inf|-inf)\b|<NA>|\bobject at 0x|\bdtype:"),
    "quoted identifier": re.compile(r"(?<![\w’])'[a-z][a-z0-9_]*'(?![\w’])|\"[a-z]+_[a-z0-9_]+\""),
    "Python list or dict": re.compile(r"\[\s*'|\{\s*'|'\s*\]|'\s*\}"),
    "English status word": re.compile(
        r"\b(?:inferred|superseded|evidence|other|active|planned|proposed|ended|unknown|pending|verified|"
        r"unverified|confirmed|dissolved|ongoing|briefens|brief)\b", re.IGNORECASE),
    "file name or path": re.compile(
        r"\b[\w.-]+\.(?:py|ipynb|csv|parquet|json|gz|xlsx|html|j2)\b|\b(?:data|reports|notebooks|lib)/[\w./-]+"),
    "module name": re.compile(r"\btillsammans\.[a-z_]+|\b(?:pandas|numpy|statsmodels|papermill)\.[a-z_]+"),
    "mirror": re.compile(r"\bspegel|\bspegeln\b|\bmirror\b", re.IGNORECASE),
    "underscore identifier": re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b"),
}


@dataclass(frozen=True)
class Finding:
    kind: str
    match: str
    context: str


class _Visible(HTMLParser):
    """Collects the text a reader sees (and the alt texts), skipping scripts and styles."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.segments: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("alt", "title", "aria-label") and value:
                self.segments.append(value)

    def handle_startendtag(self, tag, attrs):
        for name, value in attrs:
            if name in ("alt", "title", "aria-label") and value:
                self.segments.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.segments.append(data)


def visible_text(page: str) -> list[str]:
    """The page's visible text segments, in order."""
    parser = _Visible()
    parser.feed(page)
    parser.close()
    return parser.segments


def leftovers(page: str) -> list[Finding]:
    """Every leftover of code in the text a reader sees, with some context."""
    found = []
    for segment in visible_text(page):
        for kind, pattern in PATTERNS.items():
            # an address shown as text is one finding, not also a file name or an identifier inside it
            text = segment if pattern is URL else URL.sub(" ", segment)
            for match in pattern.finditer(text):
                start = max(0, match.start() - 50)
                found.append(Finding(kind, match.group(0), " ".join(text[start:match.end() + 50].split())))
    return found
