"""A scanner for live markup in a rendered page (tests of issue 13 item 2).

Text shown as text (``&lt;script&gt;``) is harmless; what counts is what a browser would run or load: a
``<script>`` that holds data, an event-handler attribute, a ``javascript:`` URL, an element that runs code
(svg, iframe, object, embed), an image from anywhere but an embedded PNG.
"""

from __future__ import annotations

from html.parser import HTMLParser

_ACTIVE = {"svg", "iframe", "object", "embed", "math", "form", "base", "meta", "link"}
_OWN_META = ({"charset"}, {"name", "content"})


class _Scanner(HTMLParser):
    def __init__(self, marker: str):
        super().__init__(convert_charrefs=True)
        self.marker = marker
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = {k for k, _ in attrs}
        for name, raw in attrs:
            value = (raw or "").strip().lower()
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action", "formaction", "xlink:href") and value.startswith(
                    ("javascript:", "vbscript:")):
                self.found.append(f"<{tag} {name}={value[:40]}>")
        if tag == "img" and not dict(attrs).get("src", "").startswith("data:image/png;base64,"):
            self.found.append(f"<img src={dict(attrs).get('src')!r}>")
        if tag in _ACTIVE and not (tag in ("meta", "link") and names in _OWN_META):
            self.found.append(f"<{tag}>")
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and self.marker in data:
            self.found.append(f"<script>{data.strip()[:40]}")


def live_markup(page: str, marker: str = "alert(") -> list[str]:
    """Elements and attributes in ``page`` a browser would run or load, beyond the study's own markup."""
    scanner = _Scanner(marker)
    scanner.feed(page)
    scanner.close()
    return scanner.found
