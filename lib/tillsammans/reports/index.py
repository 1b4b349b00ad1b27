"""``reports/index.html``: every rendered municipality side by side with its key figures, and the links.

The key figures are those each notebook recorded (``plots.record_keys``) in its executed copy, so the
index always agrees with the reports it links to. The table sorts by any column (a few lines of inline
script; the page stays self-contained).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

from tillsammans import atomic, paths
from tillsammans.plots import data_vintage, fmt_number, fmt_percent
from tillsammans.reports.runner import NETWORK_DIR, _topic

_MUNICIPALITY_DIR = re.compile(r"^(\d{4})-[a-z0-9-]+$")

#: Index columns: key name, Swedish heading, formatter.
COLUMNS = [
    ("population", "Invånare", lambda v: fmt_number(v)),
    ("share_20_64", "Andel 20–64 år", lambda v: fmt_percent(v)),
    ("share_20_64_end", "Andel 20–64 år, slutår", lambda v: fmt_percent(v)),
    ("dependency_ratio", "Försörjningskvot", lambda v: fmt_number(v, 2)),
    ("dependency_ratio_end", "Försörjningskvot, slutår", lambda v: fmt_number(v, 2)),
    ("share_80plus", "Andel 80+", lambda v: fmt_percent(v)),
    ("recruitment_need", "Rekryteringsbehov till slutåret", lambda v: fmt_number(v)),
    ("gap_per_1000", "Gap per 1 000 inv., slutår", lambda v: fmt_number(v, 1)),
]

_SORT_SCRIPT = """
document.querySelectorAll('table.sortable th').forEach(function (th, col) {
  th.setAttribute('aria-sort', 'none');
  th.addEventListener('click', function () {
    var table = th.closest('table'), body = table.tBodies[0];
    var asc = th.getAttribute('aria-sort') !== 'ascending';
    table.querySelectorAll('th').forEach(function (h) { h.setAttribute('aria-sort', 'none'); });
    th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col].dataset.sort, y = b.cells[col].dataset.sort;
      var nx = parseFloat(x), ny = parseFloat(y);
      var cmp = (isNaN(nx) || isNaN(ny)) ? x.localeCompare(y, 'sv') : nx - ny;
      return asc ? cmp : -cmp;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""


def collect(reports: Path) -> tuple[list[dict], list[tuple[str, str]]]:
    """The rendered municipalities (code, name, keys, report links) and the network's report links."""
    from tillsammans.municipalities import registry

    names = registry()
    rows = []
    for folder in sorted(p for p in reports.iterdir() if p.is_dir() and _MUNICIPALITY_DIR.match(p.name)):
        code = folder.name[:4]
        keys: dict = {}
        for key_file in sorted(folder.glob("*.keys.json")):
            keys.update(json.loads(key_file.read_text(encoding="utf-8")))
        links = [(f"{folder.name}/{h.name}", _topic(h.stem)) for h in sorted(folder.glob("*.html"))]
        if links:
            rows.append({"code": code, "name": names.name(code), "network": names.is_network(code),
                         "keys": keys, "links": links})
    network = reports / NETWORK_DIR
    network_links = ([(f"{NETWORK_DIR}/{h.name}", _topic(h.stem)) for h in sorted(network.glob("*.html"))]
                     if network.is_dir() else [])
    return rows, network_links


def render_index(rows: list[dict], network_links: list[tuple[str, str]], manifest: dict) -> str:
    shown = [c for c in COLUMNS if any(r["keys"].get(c[0]) is not None for r in rows)]
    years = sorted({r["keys"].get("year") for r in rows if r["keys"].get("year")})
    end_years = sorted({r["keys"].get("end_year") for r in rows if r["keys"].get("end_year")})
    head = "<th>Kommun</th>" + "".join(f'<th class="num">{html.escape(h)}</th>' for _, h, _ in shown)
    head += "<th>Rapporter</th>"
    body = []
    for r in sorted(rows, key=lambda r: (not r["network"], r["name"])):
        cells = [(f'<td data-sort="{html.escape(r["name"])}"><strong>{html.escape(r["name"])}</strong> '
                  f'<span class="code">{r["code"]}</span></td>')]
        for key, _, fmt in shown:
            value = r["keys"].get(key)
            cells.append(f'<td class="num" data-sort="{"" if value is None else html.escape(str(value))}">'
                         f'{html.escape(fmt(value)) if value is not None else "–"}</td>')
        links = " · ".join(f'<a href="{html.escape(href)}">{html.escape(topic)}</a>'
                           for href, topic in r["links"])
        cells.append(f'<td data-sort="">{links}</td>')
        body.append(f'<tr class="{"member" if r["network"] else "other"}">' + "".join(cells) + "</tr>")
    network_html = (
        "<h2 id=\"natverket\">Nätverket C-Tillsammans</h2><ul>"
        + "".join(f'<li><a href="{html.escape(h)}">{html.escape(t.capitalize())}</a></li>' for h, t in network_links)
        + "</ul>" if network_links else ""
    )
    year_text = "/".join(str(y) for y in years) or "–"
    end_text = "/".join(str(y) for y in end_years)
    css = (Path(__file__).resolve().parents[1] / "templates" / "report.css").read_text(encoding="utf-8")
    return f"""<!DOCTYPE html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>C-Tillsammans – rapporter</title>
<style>{css}
main.index {{ max-width: 1180px; margin: 0 auto; padding: 24px 16px 48px; }}
.code {{ color: var(--muted); font-size: 13px; }}
tr.member td:first-child {{ border-left: 4px solid var(--focus); }}
</style>
</head>
<body>
<main class="index">
<header class="report-header">
<h1>C-Tillsammans: befolkning, välfärdens personal och samverkan</h1>
<p class="subject">Förstudie för Enköping, Heby, Håbo, Knivsta, Tierp, Älvkarleby och Östhammar</p>
<p class="meta">Sidan skapad {dt.date.today().isoformat()}. Data: {html.escape(data_vintage(manifest))}.</p>
</header>
{network_html}
<h2 id="kommunerna">Kommunerna sida vid sida</h2>
<p>Nyckeltal år {year_text}{f" och vid slutåret {end_text} (framskrivning)" if end_text else ""}.
Klicka på en kolumnrubrik för att sortera. Försörjningskvot = (0–19 år + 65 år och äldre) / (20–64 år).</p>
<div class="table-wrap"><table class="data sortable" id="nyckeltal">
<thead><tr>{head}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody></table></div>
<p class="caption">Källa: SCB:s befolkningsstatistik via Kolada (n01951–n01957); framskrivning och
personalbehov enligt respektive rapport.</p>
<footer class="report-footer">Genererad av tillsammans. Rapporterna innehåller alla källor och antaganden.</footer>
</main>
<script>{_SORT_SCRIPT}</script>
</body>
</html>
"""


def write_index(reports: Path | None = None, manifest: dict | None = None) -> Path:
    """Write ``reports/index.html`` atomically and return its path."""
    from tillsammans.data import read_manifest

    reports = Path(reports) if reports is not None else paths.reports_dir()
    manifest = manifest if manifest is not None else read_manifest()
    rows, network_links = collect(reports)
    page = render_index(rows, network_links, manifest)
    return atomic.write_text(reports / "index.html", page)  # a failed write leaves the old page, no debris
