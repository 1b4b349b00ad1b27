"""``reports/index.html``, the study's front page: what the study is, the network's answers, the seven side by
side with the links to their reports, and every other rendered municipality in a searchable list.

The key figures are those each notebook recorded (``plots.record_keys``) in its executed copy, so the front
page always agrees with the reports it links to; a figure a notebook did not record is shown as "–". The
tables sort by any column (a few lines of inline script; the page stays self-contained), the current sort
column marked with an arrow and ``aria-sort``.

:func:`write_index` also writes the glossary and fills in every report's navigation bar.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

from tillsammans import paths
from tillsammans.formatting import MISSING, fmt_number, fmt_percent, fmt_signed
from tillsammans.reports.navigation import GLOSSARY_PAGE, INDEX_PAGE, link_reports
from tillsammans.reports.runner import NETWORK_DIR, _topic
from tillsammans.reports.site import page, site_navigation, write_glossary, write_page

_MUNICIPALITY_DIR = re.compile(r"^(\d{4})-[a-z0-9-]+$")


@dataclass(frozen=True)
class Column:
    """A key-figure column: the recorded key, its Swedish heading (``{year}`` etc. filled from the keys that
    name the year), how it is written (decimals, a share, a signed change) and the keys naming its years."""

    key: str
    heading: str
    decimals: int = 0
    percent: bool = False
    signed: bool = False
    year_keys: tuple[str, ...] = ()

    def fmt(self, value: float) -> str:
        if self.percent:
            return fmt_percent(value)
        return fmt_signed(value, self.decimals) if self.signed else fmt_number(value, self.decimals)


def _working_age() -> str:
    from tillsammans.vocabulary import WORKING_AGE_LABEL

    return WORKING_AGE_LABEL


def columns() -> list[Column]:
    """The key figures of the front page's tables, in order."""
    age = _working_age()
    return [
        Column("population_latest", "Invånare {latest_year}", year_keys=("latest_year",)),
        Column("population_end", "Invånare {end_year} (framskrivning)", year_keys=("end_year",)),
        Column("share_20_64", f"Andel {age} {{year}}", percent=True, year_keys=("year",)),
        Column("share_20_64_end", f"Andel {age} {{end_year}}", percent=True, year_keys=("end_year",)),
        Column("dependency_ratio", "Försörjningskvot {year}", 2, year_keys=("year",)),
        Column("dependency_ratio_end", "Försörjningskvot {end_year}", 2, year_keys=("end_year",)),
        Column("recruitment_need", "Rekryteringsbehov {recruitment_from}–{gap_year}, årsarbetare",
               year_keys=("recruitment_from", "gap_year")),
        Column("gap", "Gap {gap_year}, årsarbetare", signed=True, year_keys=("gap_year",)),
        Column("gap_per_1000", "Gap {gap_year} per 1 000 invånare", 1, signed=True, year_keys=("gap_year",)),
    ]


#: The columns of the list of all municipalities (a phone shows it whole).
ALL_COLUMNS = ("population_latest", "population_end", "share_20_64_end", "gap_per_1000")

_SORT_SCRIPT = """
document.querySelectorAll('table.sortable').forEach(function (table) {
  var heads = table.querySelectorAll('thead th');
  heads.forEach(function (th, col) {
    var button = th.querySelector('button');
    if (!button) { return; }
    button.addEventListener('click', function () {
      var asc = th.getAttribute('aria-sort') !== 'ascending';
      heads.forEach(function (h) { if (h.querySelector('button')) { h.setAttribute('aria-sort', 'none'); } });
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].dataset.sort, y = b.cells[col].dataset.sort;
        if (x === '' && y === '') { return 0; }
        if (x === '') { return 1; }
        if (y === '') { return -1; }
        var nx = parseFloat(x), ny = parseFloat(y);
        var cmp = (isNaN(nx) || isNaN(ny)) ? x.localeCompare(y, 'sv') : nx - ny;
        return asc ? cmp : -cmp;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
var search = document.getElementById('sok');
if (search) {
  search.addEventListener('input', function () {
    var q = search.value.trim().toLocaleLowerCase('sv'), shown = 0;
    document.querySelectorAll('#alla tbody tr').forEach(function (row) {
      var hit = row.dataset.search.indexOf(q) >= 0;
      row.hidden = !hit; shown += hit ? 1 : 0;
    });
    document.getElementById('sok-antal').textContent = shown + (shown === 1 ? ' kommun' : ' kommuner');
  });
}
"""

_CSS = """
.front .lead { font-size: 18px; max-width: 75ch; margin: 8px 0; }
.front .meta { font-size: 14px; color: var(--muted); }
.answers { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 420px); gap: 24px; align-items: start; }
@media (max-width: 860px) { .answers { display: block; } }
.answers p.text { max-width: 70ch; }
table.data th.kommun { min-width: 10em; background: #fff; font-weight: 400; border-bottom: 1px solid var(--line); }
table.data th.kommun .links { display: block; font-size: 13px; }
table.data th.kommun .code { color: var(--muted); font-size: 13px; }
table.sortable th.kommun, table.sortable thead th:first-child { position: sticky; left: 0; z-index: 1; }
table.sortable thead th:first-child { background: var(--bg); }
table.sortable th button { font: inherit; font-weight: 600; color: inherit; background: none; border: 0; padding: 0;
                           cursor: pointer; text-align: inherit; }
table.sortable th button::after { content: " \\2195"; color: var(--muted); font-weight: 400; }
table.sortable th[aria-sort="ascending"] button::after { content: " \\25B2"; color: var(--focus); }
table.sortable th[aria-sort="descending"] button::after { content: " \\25BC"; color: var(--focus); }
table.sortable th[aria-sort="ascending"], table.sortable th[aria-sort="descending"] { background: #e8f0fe; }
dl.definitions { font-size: 14px; max-width: 80ch; }
dl.definitions dt { font-weight: 600; display: inline; } dl.definitions dd { display: inline; margin: 0; }
dl.definitions dd::after { content: ""; display: block; margin-bottom: 4px; }
.search input { font: inherit; padding: 6px 10px; width: min(100%, 360px);
                border: 1px solid #9aa0a6; border-radius: 4px; }
.search .count { color: var(--muted); font-size: 14px; margin-left: 8px; }
"""


# -- what the reports recorded ---------------------------------------------------------------------


def collect(reports: Path) -> tuple[list[dict], dict]:
    """The rendered municipalities (code, name, member or not, keys, report links) and the network's
    (keys, report links)."""
    from tillsammans.municipalities import registry

    names = registry()
    rows = []
    for folder in sorted(p for p in reports.iterdir() if p.is_dir() and _MUNICIPALITY_DIR.match(p.name)):
        links = [(f"{folder.name}/{h.name}", _topic(h.stem)) for h in sorted(folder.glob("*.html"))]
        if links:
            code = folder.name[:4]
            rows.append({"code": code, "name": names.name(code), "network": names.is_network(code),
                         "keys": _keys(folder), "links": links})
    folder = reports / NETWORK_DIR
    network = {"keys": _keys(folder) if folder.is_dir() else {},
               "links": [(f"{NETWORK_DIR}/{h.name}", _topic(h.stem)) for h in sorted(folder.glob("*.html"))]
               if folder.is_dir() else []}
    return rows, network


def _keys(folder: Path) -> dict:
    keys: dict = {}
    for key_file in sorted(folder.glob("*.keys.json")):
        keys.update(json.loads(key_file.read_text(encoding="utf-8")))
    if keys.get("base_year") is not None:
        keys["recruitment_from"] = keys["base_year"] + 1  # the recruitment need counts from the year after
    return keys


def network_totals(members: list[dict]) -> dict:
    """The members' recorded figures added up (population weighted for shares); only figures every member
    recorded, so a total never leaves a municipality out."""
    def every(*names: str) -> bool:
        return bool(members) and all(m["keys"].get(n) is not None for m in members for n in names)

    def total(name: str) -> float:
        return sum(m["keys"][name] for m in members)

    out: dict = {}
    for year_key, value_key in (("latest_year", "population_latest"), ("end_year", "population_end")):
        if every(year_key, value_key) and len({m["keys"][year_key] for m in members}) == 1:
            out[year_key], out[value_key] = members[0]["keys"][year_key], total(value_key)
    for year_key, share, weight in (("year", "share_20_64", "population"),
                                    ("end_year", "share_20_64_end", "population_end")):
        if every(year_key, share, weight) and len({m["keys"][year_key] for m in members}) == 1:
            out[year_key] = members[0]["keys"][year_key]
            out[share] = sum(m["keys"][share] * m["keys"][weight] for m in members) / total(weight)
    for name in ("recruitment_need", "gap"):
        if every(name, "base_year", "gap_year") and len({(m["keys"]["base_year"], m["keys"]["gap_year"])
                                                          for m in members}) == 1:
            out[name] = total(name)
            out["base_year"], out["gap_year"] = members[0]["keys"]["base_year"], members[0]["keys"]["gap_year"]
    return out


# -- the page --------------------------------------------------------------------------------------


def _years(rows: list[dict], key: str) -> str:
    years = sorted({r["keys"][key] for r in rows if r["keys"].get(key) is not None})
    return "/".join(str(y) for y in years) or MISSING


def _heading(column: Column, rows: list[dict]) -> str:
    return column.heading.format(**{k: _years(rows, k) for k in column.year_keys})


def key_table(rows: list[dict], table_id: str, shown: list[Column], caption: str) -> str:
    """A sortable table, one row per municipality: its name and report links first, then the key figures."""
    head = ('<th scope="col" aria-sort="ascending"><button type="button">Kommun och rapporter</button></th>'
            + "".join(f'<th scope="col" class="num" aria-sort="none"><button type="button">'
                      f"{html.escape(_heading(c, rows))}</button></th>" for c in shown))
    body = []
    for r in sorted(rows, key=lambda r: r["name"]):
        links = " · ".join(f'<a href="{html.escape(href)}">{html.escape(topic.capitalize())}</a>'
                           for href, topic in r["links"])
        cells = [(f'<th scope="row" class="kommun" data-sort="{html.escape(r["name"])}"><strong>'
                  f'{html.escape(r["name"])}</strong> <span class="code">{r["code"]}</span>'
                  f'<span class="links">{links}</span></th>')]
        for c in shown:
            value = r["keys"].get(c.key)
            text = MISSING if value is None else c.fmt(value)
            cells.append(f'<td class="num" data-sort="{"" if value is None else html.escape(str(value))}">'
                         f"{html.escape(text)}</td>")
        search = html.escape(f"{r['name']} {r['code']}".casefold())
        body.append(f'<tr data-search="{search}">' + "".join(cells) + "</tr>")
    return (f'<div class="table-wrap">{caption}<div class="table-scroll"><table class="data sortable" '
            f'id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
            f"{_download(rows, table_id, shown)}</div>")


def _download(rows: list[dict], table_id: str, shown: list[Column]) -> str:
    """The table's CSV for Swedish Excel, inside the page like every report table's."""
    import pandas as pd

    from tillsammans.plots.downloads import CSV_TYPE, download_frame, to_csv

    ordered = sorted(rows, key=lambda r: r["name"])
    frame = pd.DataFrame({"Kommun": [r["name"] for r in ordered], "Kod": [r["code"] for r in ordered],
                          **{_heading(c, rows): pd.array([r["keys"].get(c.key) for r in ordered], dtype="Float64")
                             for c in shown}})
    frame = download_frame(frame, decimals={_heading(c, rows): c.decimals for c in shown if not c.percent},
                           percent=[_heading(c, rows) for c in shown if c.percent])
    data = base64.b64encode(to_csv(frame)).decode("ascii")
    return (f'<p class="download"><a class="csv" download="c-tillsammans_{table_id}.csv" '
            f'href="data:{CSV_TYPE};base64,{data}">Ladda ner tabellen (CSV för Excel)</a></p>')


def _definitions() -> str:
    from tillsammans.vocabulary import glossary

    terms = glossary().set_index("Term")["Förklaring"]
    wanted = [t for t in ("Gap", "Rekryteringsbehov", "Demografisk försörjningskvot", "Arbetsför ålder")
              if t in terms.index]
    return ('<dl class="definitions">' + "".join(f"<dt>{html.escape(t)}:</dt> <dd>{html.escape(terms[t])}</dd>"
                                                  for t in wanted)
            + '</dl><p class="caption">Fler begrepp i <a href="ordlista.html">ordlistan</a>.</p>')


def network_answers(network: dict, members: list[dict]) -> str:
    """The network's key answers: a few sentences and one small chart, from what the members' reports recorded
    (added up) and the network summary (the cooperation ranking); empty when nothing was recorded."""
    keys = network_totals(members)
    parts = []
    if "population_latest" in keys and "population_end" in keys:
        parts.append(
            f'<p class="text">Nätverkets kommuner har tillsammans {fmt_number(keys["population_latest"])} invånare '
            f'({keys["latest_year"]}) och väntas ha {fmt_number(keys["population_end"])} år {keys["end_year"]} '
            "enligt huvudalternativet."
            + (f" Andelen i arbetsför ålder ({_working_age()}) går från {fmt_percent(keys['share_20_64'])} "
               f"({keys['year']}) till {fmt_percent(keys['share_20_64_end'])} ({keys['end_year']})."
               if "share_20_64" in keys and "share_20_64_end" in keys else "") + "</p>")
    if "recruitment_need" in keys and "gap" in keys:
        gap = keys["gap"]
        parts.append(
            f'<p class="text">Välfärden behöver rekrytera {fmt_number(keys["recruitment_need"])} årsarbetare '
            f'{keys["base_year"] + 1}–{keys["gap_year"]}. År {keys["gap_year"]} behöver kommunerna '
            f'{fmt_number(abs(gap))} årsarbetare {"fler" if gap > 0 else "färre"} än den egna befolkningen '
            f"troligen ger (gapet: {fmt_signed(gap)} årsarbetare).</p>")
    top = network["keys"].get("top_function")
    if top:
        parts.append(f'<p class="text">Högst rangordnad funktion för samverkan: {html.escape(str(top))}.</p>')
    links = " · ".join(f'<a href="{html.escape(h)}">{html.escape(t.capitalize())}</a>' for h, t in network["links"])
    if links:
        parts.append(f'<p class="text">Nätverkets rapporter: {links}.</p>')
    chart = working_age_chart(members)
    if not parts and not chart:
        return ""
    return (f'<h2 id="svaren">Nätverkets svar i korthet</h2><div class="answers"><div>{"".join(parts)}</div>'
            f"<div>{chart}</div></div>")


def working_age_chart(members: list[dict]) -> str:
    """A small chart: each member's share of working age now and at the end year (from the recorded keys)."""
    have = [m for m in members if m["keys"].get("share_20_64") is not None
            and m["keys"].get("share_20_64_end") is not None]
    if not have:
        return ""
    import numpy as np

    from tillsammans import cache, plots

    have = sorted(have, key=lambda m: m["keys"]["share_20_64_end"])
    year, end_year = _years(have, "year"), _years(have, "end_year")
    labels = [m["name"] for m in have]
    now = [m["keys"]["share_20_64"] for m in have]
    end = [m["keys"]["share_20_64_end"] for m in have]
    # From the disk cache when the members' figures are unchanged (a rebuild of another municipality's report
    # redraws the front page): matplotlib's import and the drawing are most of the page's time.
    drawn_by = ["tillsammans.reports.index", "tillsammans.plots", "tillsammans.population.agegroups"]
    stored = cache.cached("front-page-chart",
                          lambda: np.frombuffer(_draw_working_age(labels, now, end, year, end_year), dtype=np.uint8),
                          modules=drawn_by,
                          parameters={"labels": labels, "now": now, "end": end, "year": year, "end_year": end_year})
    image = stored.tobytes()
    width, height = plots._png_size(image)
    alt = (f"Punktdiagram: andelen invånare {_working_age()} år {year} och {end_year} i varje kommun; "
           + "; ".join(f"{m['name']} {fmt_percent(m['keys']['share_20_64'])} till "
                       f"{fmt_percent(m['keys']['share_20_64_end'])}" for m in have) + ".")
    data = base64.b64encode(image).decode("ascii")
    return (f'<div class="figure-wrap"><img class="figure small" width="{width}" height="{height}" '
            f'src="data:image/png;base64,{data}" alt="{html.escape(alt)}"></div>'
            f'<p class="caption"><strong>Figur.</strong> Andel av invånarna i arbetsför ålder ({_working_age()}) '
            f"{year} och {end_year}, huvudalternativet. <em>Källa: SCB:s befolkningsstatistik via Kolada; "
            f"framskrivning enligt respektive befolkningsrapport.</em></p>")


def _draw_working_age(labels: list[str], now: list[float], end: list[float], year: str, end_year: str) -> bytes:
    """The front page's chart as PNG bytes: each member's share of working age now and at the end year."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from tillsammans import plots

    with plt.rc_context():
        plots.use_style()
        fig, ax = plt.subplots(figsize=(3.5, 0.36 * len(labels) + 1.2))
        ax.hlines(labels, now, end, color=plots.PALETTE["sweden"], linewidth=1.5)
        ax.scatter(now, labels, color=plots.PALETTE["light"], zorder=3, label=year)
        ax.scatter(end, labels, color=plots.PALETTE["focus"], zorder=3, label=f"{end_year} (framskrivning)")
        plots.swedish_axis(ax, "x", percent=True)
        ax.grid(axis="y", visible=False)
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=9)
        ax.set_xlabel(f"Andel av invånarna som är {_working_age()}")
        image = plots.png(fig)
        plt.close(fig)
    return image


def render_index(rows: list[dict], network: dict, manifest: dict, reports: Path | None = None) -> str:
    """The front page as HTML."""
    from tillsammans.municipalities import NETWORK, registry
    from tillsammans.plots import data_vintage
    from tillsammans.vocabulary import region_name

    names = registry()
    members = [r for r in rows if r["network"]]
    others = [r for r in rows if not r["network"]]
    member_names = [names.name(c) for c in NETWORK]
    listed = ", ".join(member_names[:-1]) + " och " + member_names[-1]
    county = region_name(names.county_of(NETWORK[0]))
    shown = [c for c in columns() if any(r["keys"].get(c.key) is not None for r in rows)] or columns()
    intro = (
        f'<header class="front"><h1>C-Tillsammans: befolkning, välfärdens personal och samverkan</h1>'
        f'<p class="lead">{html.escape(listed)} i {html.escape(county)} samarbetar i nätverket C-Tillsammans. '
        "Andelen invånare "
        f"i arbetsför ålder minskar samtidigt som välfärden behöver fler anställda. Förstudien visar hur "
        f"befolkningen utvecklas, hur mycket personal varje kommun behöver och kan rekrytera, och var samverkan "
        f"lönar sig.</p>"
        f'<p class="meta">Sidan skapad {dt.date.today().isoformat()}. Data: {html.escape(data_vintage(manifest))}.</p>'
        "</header>")
    seven = ""
    if members:
        caption = ('<p class="caption"><strong>Kommunerna i nätverket.</strong> Länkarna under namnet leder till '
                   "kommunens rapporter. Klicka på en kolumnrubrik för att sortera. <em>Källa: SCB:s "
                   "befolkningsstatistik via Kolada; framskrivning och personalberäkning enligt respektive "
                   "rapport (huvudalternativet).</em></p>")
        seven = ('<h2 id="kommunerna">Kommunerna i nätverket</h2>'
                 + key_table(members, "nyckeltal", shown, caption) + _definitions())
    everyone = ""
    if others:
        few = [c for c in shown if c.key in ALL_COLUMNS]
        caption = ('<p class="caption"><strong>Alla kommuner med rapporter.</strong> Sök på namn eller kod; '
                   "klicka på en kolumnrubrik för att sortera. <em>Källa: som ovan.</em></p>")
        everyone = (f'<h2 id="alla-kommuner">Alla kommuner med rapporter ({len(rows)})</h2>'
                    f'<p class="search"><label for="sok">Sök kommun: </label><input type="search" id="sok" '
                    f'autocomplete="off" placeholder="t.ex. Sala eller 1981"><span class="count" id="sok-antal" '
                    f'aria-live="polite">{len(rows)} kommuner</span></p>'
                    + key_table(rows, "alla", few, caption))
    body = (intro + network_answers(network, members) + seven + everyone
            + '<footer class="report-footer">Genererad av tillsammans. Rapporterna innehåller alla källor och '
              'antaganden; <a href="ordlista.html">ordlistan</a> förklarar begreppen.</footer>')
    navigation = site_navigation(reports, INDEX_PAGE) if reports is not None else ""
    return page("C-Tillsammans – rapporter", body, navigation, extra_css=_CSS, script=_SORT_SCRIPT)


#: Where the key of the last written front page is kept (see :func:`index_key`).
INDEX_KEY = "_logs/index.key"


def index_key(reports: Path, fingerprint: str) -> str:
    """What the front page, the glossary and the reports' navigation bars are made from: the library and the
    data (``fingerprint``, :func:`~tillsammans.reports.runner.inputs_fingerprint`) and every published report's
    build key and key figures. The same key means that writing them again would write the same files."""
    digest = hashlib.sha256(fingerprint.encode())
    for file in sorted([*reports.glob("*/.*.key"), *reports.glob("*/*.keys.json")]):
        digest.update(str(file.relative_to(reports)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def index_is_current(reports: Path, key: str) -> bool:
    """True when the front page and the glossary exist and were written from ``key``."""
    stored = reports / INDEX_KEY
    return ((reports / INDEX_PAGE).exists() and (reports / GLOSSARY_PAGE).exists() and stored.exists()
            and stored.read_text(encoding="utf-8").strip() == key)


def prepare_index() -> None:
    """Import what :func:`write_index` needs (pandas, the glossary's modules: half a second), e.g. while the
    notebooks run, so that the front page follows the last report at once."""
    import tillsammans.plots
    import tillsammans.vocabulary  # noqa: F401


def write_index(reports: Path | None = None, manifest: dict | None = None) -> Path:
    """Write ``reports/index.html`` and ``reports/ordlista.html`` atomically, fill in every report's
    navigation bar, and return the front page's path."""
    from tillsammans.data import read_manifest

    reports = Path(reports) if reports is not None else paths.reports_dir()
    manifest = manifest if manifest is not None else read_manifest()
    rows, network = collect(reports)
    target = write_page(reports / INDEX_PAGE, render_index(rows, network, manifest, reports))
    write_glossary(reports)
    link_reports(reports)
    return target
