"""The house style: Swedish number formats, palette, figures and tables with numbered captions and sources.

Numbers are written by :mod:`tillsammans.formatting` (re-exported here as ``fmt_number``, ``fmt_percent``,
``fmt_signed``), the study's one Swedish number format.

Typical notebook use::

    from tillsammans import plots
    plots.use_style()
    cap = plots.Captions()
    fig, ax = plt.subplots(); ...; plots.swedish_axis(ax)
    cap.figure("Folkmängd 1950–2022.", source="SCB; Kolada (n01951)")
    plots.table(frame, caption=cap.table("Nyckeltal.", source="Kolada"))
"""

from __future__ import annotations

import base64
import functools
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tillsammans.formatting import MISSING
from tillsammans.formatting import fmt_general as fmt_general
from tillsammans.formatting import fmt_number as fmt_number
from tillsammans.formatting import fmt_percent as fmt_percent
from tillsammans.formatting import fmt_signed as fmt_signed
from tillsammans.plots.downloads import CSV_TYPE, TABLE_MIME, download_frame, table_record, to_csv
from tillsammans.plots.text import markdown as markdown

#: Colours: one for the municipality in focus, muted ones for comparisons (colour-blind safe, Okabe–Ito).
PALETTE = {
    "focus": "#0072B2",
    "county": "#E69F00",
    "sweden": "#7F7F7F",
    "female": "#CC79A7",
    "male": "#009E73",
    "accent": "#D55E00",
    "light": "#56B4E9",
}
#: Seven distinguishable colours for the seven municipalities side by side: Okabe–Ito's six and Tol's wine,
#: never grey, which the figures keep for the country and for the municipalities outside the network.
NETWORK_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#882255")


# -- numbers: one formatter for the study (tillsammans.formatting) -------------------------------


def swedish_axis(ax, axis: str = "y", decimals: int = 0, percent: bool = False) -> None:
    """Use Swedish number formatting on a matplotlib axis (``axis`` is ``"x"``, ``"y"`` or ``"both"``).

    With ``percent=True`` the data are shares (0–1) and ticks read ``'25 %'``.
    """
    from matplotlib.ticker import FuncFormatter

    # matplotlib writes every tick label again at each layout pass (tight_layout, draw, tight box): a label
    # is written once per value
    label = functools.lru_cache(maxsize=256)(functools.partial(fmt_percent if percent else fmt_number,
                                                               decimals=decimals))
    targets = {"x": [ax.xaxis], "y": [ax.yaxis], "both": [ax.xaxis, ax.yaxis]}[axis]
    for target in targets:
        target.set_major_formatter(FuncFormatter(lambda x, _pos: label(x)))


def year_axis(ax, axis: str = "x", max_ticks: int = 8) -> None:
    """Years without thousands separators (``2040``, not ``2 040``), at most ``max_ticks`` ticks."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(MaxNLocator(nbins=max_ticks, integer=True))
    target.set_major_formatter(FuncFormatter(lambda x, _pos: f"{round(x)}"))


def use_style() -> None:
    """Matplotlib settings for the reports: readable sizes, no top/right spines, embedded-size figures."""
    import matplotlib as mpl

    mpl.rcParams.update({
        "figure.figsize": (8, 4.2),
        "figure.dpi": 100,
        "savefig.dpi": 100,
        "savefig.bbox": "tight",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.titlesize": 12,
        "axes.titleweight": "bold",
        "axes.labelsize": 10,
        "legend.frameon": False,
        "font.size": 10,
        "axes.unicode_minus": True,
        # Stable SVG/PNG output: no timestamps or random ids in the metadata.
        "svg.hashsalt": "tillsammans",
        "path.simplify": True,
    })


# -- captions -------------------------------------------------------------------------------------


class Caption(str):
    """A caption as HTML; Jupyter shows it formatted under the figure or above the table.

    Besides the HTML it keeps its parts (``kind``, ``number``, ``text``, ``source``): a table's downloads
    are named and titled from them.
    """

    kind: str = ""
    number: int | None = None
    text: str = ""
    source: str = ""

    def _repr_html_(self) -> str:
        return str(self)


@dataclass
class Captions:
    """Numbered figure and table captions for one report, each with its source.

    ``figure()`` and ``table()`` return a caption that Jupyter renders under the figure or above the table,
    e.g. "**Figur 2.** Åldersgrupper 1995–2022. *Källa: Kolada (n01952–n01957).*"
    """

    figures: int = 0
    tables: int = 0
    listed: list[str] = field(default_factory=list)

    def figure(self, text: str, source: str) -> Caption:
        self.figures += 1
        return self._caption("Figur", self.figures, text, source)

    def table(self, text: str, source: str) -> Caption:
        self.tables += 1
        return self._caption("Tabell", self.tables, text, source)

    def _caption(self, kind: str, number: int, text: str, source: str) -> Caption:
        if not source or not source.strip():
            raise ValueError(f"{kind} {number} needs a source (e.g. 'SCB, BE0101N1'); every figure names one")
        self.listed.append(f"{kind} {number}. {text}")
        caption = Caption(
            f'<p class="caption" data-kind="{kind.lower()}"><strong>{kind} {number}.</strong> '
            f"{html.escape(text)} <em>Källa: {html.escape(source)}</em></p>"
        )
        caption.kind, caption.number, caption.text, caption.source = kind, number, text, source
        return caption


def show(fig, alt: str) -> None:
    """Display a figure as a PNG with Swedish alt text (the HTML export keeps it) and close it."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    image = png(fig)
    plt.close(fig)
    width, height = _png_size(image)
    data = base64.b64encode(image).decode("ascii")
    # The natural size in the tag lets the page keep the figure's text legible on a phone (the stylesheet
    # shows it at that size in a box that scrolls sideways) and reserves its space while loading.
    display(
        {"text/html": f'<div class="figure-wrap"><img class="figure" width="{width}" height="{height}" '
                      f'src="data:image/png;base64,{data}" alt="{html.escape(alt)}"></div>',
         "text/plain": f"[Figur: {alt}]"},
        raw=True,
    )


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height in pixels from a PNG's header (IHDR: bytes 16–24)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG image")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def png(fig) -> bytes:
    """The figure as PNG bytes, cropped as ``savefig(bbox_inches="tight")`` crops it.

    ``savefig`` with a tight box lays the figure out twice (once to measure, once to draw at the cropped
    size), which is half the time of a report's figures; here the figure is drawn once on its canvas and
    the measured box cut out of the pixels, then encoded once. The result differs from ``savefig`` only by
    the sub-pixel position of the crop. Falls back to ``savefig`` where the settings ask for more
    (another dpi or face colour, transparency); when the box reaches outside the figure (a label or legend
    below the axes), ``savefig`` draws it again at the box already measured instead of measuring it anew.
    """
    import io
    import math

    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image, PngImagePlugin

    rc = mpl.rcParams
    dpi = fig.dpi if rc["savefig.dpi"] == "figure" else rc["savefig.dpi"]
    plain = (dpi == fig.dpi and rc["savefig.bbox"] == "tight" and not rc["savefig.transparent"]
             and rc["savefig.facecolor"] == "auto" and rc["savefig.edgecolor"] == "auto"
             and isinstance(fig.canvas, FigureCanvasAgg) and isinstance(rc["savefig.pad_inches"], float))
    buffer = io.BytesIO()
    if plain:
        canvas = fig.canvas
        canvas.draw()
        width, height = canvas.get_width_height()
        box = fig.get_tightbbox(canvas.get_renderer()).padded(rc["savefig.pad_inches"])
        left, top = round(box.x0 * dpi), round(height - box.y1 * dpi)
        # the same pixel size as savefig (its renderer truncates; the tolerance absorbs float noise)
        right, bottom = left + math.floor(box.width * dpi + 1e-3), top + math.floor(box.height * dpi + 1e-3)
        if left >= 0 and top >= 0 and right <= width and bottom <= height:
            image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
            image.crop((left, top, right, bottom)).save(buffer, format="png", dpi=(dpi, dpi),
                                                        pnginfo=PngImagePlugin.PngInfo())
            return buffer.getvalue()
        # the box savefig's "tight" would measure in a draw of its own: the figure is laid out already
        fig.savefig(buffer, format="png", metadata={"Software": None}, bbox_inches=box)
        return buffer.getvalue()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


# -- tables ---------------------------------------------------------------------------------------


def _format_cell(value, decimals: int) -> str:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return fmt_number(value, 0)
    if isinstance(value, (float, np.floating)):
        return fmt_number(value, decimals)
    return "–" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


_URL = re.compile(r"https?://[^\s;,)]+[^\s;,).:]")


def linked(text: str) -> str:
    """HTML of a text whose web addresses become links named by their site (``itcentrum.se``)."""
    from urllib.parse import urlparse

    out, last = [], 0
    for match in _URL.finditer(text):
        url = match.group(0)
        site = urlparse(url).netloc.removeprefix("www.") or url
        out.append(html.escape(text[last:match.start()]))
        out.append(f'<a href="{html.escape(url)}">{html.escape(site)}</a>')
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


@dataclass(frozen=True)
class Table:
    """A report table: its HTML (caption, table, download link) and its download data for the workbook.

    Jupyter shows the HTML; the download data ride along in the same output under
    :data:`~tillsammans.plots.downloads.TABLE_MIME`, where the HTML export collects them into the report's
    Excel workbook.
    """

    html: str
    record: dict

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/html": self.html, TABLE_MIME: self.record}

    def _repr_html_(self) -> str:
        return self.html

    @property
    def data(self) -> str:
        """The HTML, under the name IPython's display objects use (``HTML(...).data``)."""
        return self.html


def table(
    frame: pd.DataFrame,
    caption: str | None = None,
    decimals: int | dict[str, int] = 0,
    percent: Iterable[str] = (),
    csv_name: str | None = None,
    index: bool = False,
    links: Iterable[str] = (),
) -> Table:
    """A table as HTML with Swedish number formats, its caption and a download link.

    Parameters
    ----------
    frame : DataFrame
        The data, with Swedish column names.
    caption : str, optional
        From :meth:`Captions.table` (numbered, with source); shown above the table.
    decimals : int or dict
        Decimals for float columns, one value or per column; the downloads are rounded the same way.
    percent : columns
        Columns holding shares (0–1) to show as ``'12,3 %'``; downloaded as percent values under a
        header marked "(%)".
    csv_name : str, optional
        File name of the download (default ``tabell_<number>.csv`` from the caption). Every table has a
        download: a Swedish-Excel CSV (:mod:`tillsammans.plots.downloads`) inside the HTML, so a mailed
        report keeps it, and a sheet in the report's workbook.
    index : bool
        Show the frame's index as the first column(s).
    links : columns
        Columns whose web addresses are shown as links (:func:`linked`); the downloads keep the addresses.
    """
    percent, links = set(percent), set(links)
    shown = frame.reset_index() if index else frame
    # Column by column in plain Python: cells are short strings, and a DataFrame of them costs more to build
    # than to write.
    columns = list(shown.columns)
    numeric = {c for c in columns if pd.api.types.is_numeric_dtype(shown[c])}
    cells = []
    for col in columns:
        places = decimals.get(col, 0) if isinstance(decimals, dict) else decimals
        if col in percent:
            places = places if isinstance(decimals, dict) and col in decimals else 1
            texts = [fmt_percent(v, places) for v in shown[col]]
        else:
            texts = [_format_cell(v, places) for v in shown[col]]
        escape = linked if col in links else html.escape
        opening = "<td class=num>" if col in numeric else "<td>"
        cells.append([f"{opening}{escape(text)}</td>" for text in texts])
    head = "".join(f"<th{' class=num' if c in numeric else ''}>{html.escape(str(c))}</th>" for c in columns)
    rows = ("".join("<tr>" + "".join(row) + "</tr>" for row in zip(*cells, strict=True)) if cells
            else "<tr></tr>" * len(shown))
    number = getattr(caption, "number", None)
    name = csv_name or (f"tabell_{number}.csv" if number else "tabell.csv")
    download = download_frame(shown, decimals, percent)
    href = f"data:{CSV_TYPE};base64," + base64.b64encode(to_csv(download)).decode("ascii")
    link = (f'<p class="download"><a class="csv" download="{html.escape(name)}" href="{href}">'
            f"Ladda ner tabellen (CSV för Excel)</a></p>")
    record = table_record(download, name, title=getattr(caption, "text", ""),
                          source=getattr(caption, "source", ""), number=number)
    # Our numbered captions are markup already; any other text is escaped.
    cap = str(caption) if isinstance(caption, Caption) else html.escape(str(caption)) if caption else ""
    return Table(f'<div class="table-wrap">{cap}<div class="table-scroll"><table class="data"><thead><tr>{head}'
                 f"</tr></thead><tbody>{rows}</tbody></table></div>{link}</div>", record)


# -- figures --------------------------------------------------------------------------------------


def pyramid(ax, frame: pd.DataFrame, value: str = "population", title: str | None = None,
            share: bool = False, outline: pd.DataFrame | None = None, outline_label: str | None = None):
    """An age pyramid: men to the left, women to the right, by single year of age.

    ``frame`` has columns ``sex, age, <value>``. With ``share=True`` each bar is the share of the total,
    so municipalities of different size compare. ``outline`` (same shape) is drawn as a line, e.g. the
    county or a later year.
    """
    def prepared(data: pd.DataFrame) -> pd.DataFrame:
        wide = data.pivot_table(index="age", columns="sex", values=value, aggfunc="sum").sort_index()
        return wide / wide.to_numpy().sum() if share else wide

    wide = prepared(frame)
    ages = wide.index.to_numpy()
    men = _bars(ax, ages, -wide["male"].to_numpy(), PALETTE["male"], "Män")
    women = _bars(ax, ages, wide["female"].to_numpy(), PALETTE["female"], "Kvinnor")
    handles = [men, women]
    if outline is not None:
        other = prepared(outline)
        (line,) = ax.step(-other["male"], other.index, where="mid", color="black", linewidth=0.8,
                          label=outline_label)
        ax.step(other["female"], other.index, where="mid", color="black", linewidth=0.8)
        if outline_label:
            handles.insert(0, line)  # the legend's order of old, when the bars were a BarContainer
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda x, _p: fmt_percent(abs(x), 2) if share else fmt_number(abs(x))))
    ax.set_ylabel("Ålder")
    ax.set_ylim(-0.5, ages.max() + 0.5)
    ax.axvline(0, color="black", linewidth=0.5)
    if title:
        ax.set_title(title)
    ax.legend(handles=handles, loc="upper right")
    return ax


def _bars(ax, y: np.ndarray, width: np.ndarray, color: str, label: str):
    """Horizontal bars of height 1 from 0 to ``width`` at ``y``, as one collection.

    The same pixels as ``ax.barh(y, width, height=1.0, linewidth=0)``: a hundred bars as a hundred patches
    cost more to build and draw than the rest of a pyramid.
    """
    from matplotlib.collections import PolyCollection

    width = np.nan_to_num(np.asarray(width, dtype=float))  # a missing bar is no bar, as with barh
    zero = np.zeros_like(width)
    corners = np.stack([np.c_[zero, y - 0.5], np.c_[width, y - 0.5], np.c_[width, y + 0.5], np.c_[zero, y + 0.5]],
                       axis=1)
    bars = PolyCollection(list(corners), facecolors=color, edgecolors="face", linewidths=0, label=label)
    ax.add_collection(bars)
    return bars


def fan(ax, frame: pd.DataFrame, x: str = "year", median: str = "q50",
        bands: Sequence[tuple[str, str, str]] = (("q025", "q975", "95 %"), ("q10", "q90", "80 %")),
        color: str | None = None, label: str | None = None):
    """A fan chart: shaded prediction intervals (outer to inner) and the median line."""
    color = color or PALETTE["focus"]
    for (low, high, name), alpha in zip(bands, (0.18, 0.32, 0.45), strict=False):
        ax.fill_between(frame[x], frame[low], frame[high], color=color, alpha=alpha, linewidth=0,
                        label=f"{name}-intervall")
    ax.plot(frame[x], frame[median], color=color, linewidth=1.8, label=label or "Median")
    return ax


# -- report header --------------------------------------------------------------------------------


def data_vintage(manifest: dict) -> str:
    """One line on the data's age: the years each source covers and when the files were retrieved."""
    tables = manifest.get("tables", {})

    def span(name: str) -> str:
        years = tables.get(name, {}).get("years")
        if not years:
            return "–"
        return str(years[0]) if years[0] == years[1] else f"{years[0]}–{years[1]}"

    origin = manifest.get("origin", {})
    how = ("projektets lokala kopia av SCB:s och Koladas data" if origin.get("origin") == "mirror"
           else "SCB:s och Koladas API:er")
    from tillsammans.data import latest_observed_year

    try:
        latest = f"senast observerade folkmängd {latest_observed_year(manifest)}; "
    except ValueError:
        latest = ""
    return (f"{latest}Kolada {span('kolada_values')}; "
            f"SCB befolkning per kommun {span('population_municipality_total')}, "
            f"ettårsklasser {span('population_municipality_age_sex')}; hämtad {origin.get('retrieved', '–')} "
            f"({how}); byggd {manifest.get('built', '–')}")


def header(title: str, subject: str, parameters: dict, manifest: dict, date: str | None = None):
    """The report's header: title, subject (municipality or network), date, parameters and data vintage."""
    import datetime as dt

    from IPython.display import HTML

    date = date or dt.date.today().isoformat()
    params = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(_param_text(v))}</td></tr>"
        for k, v in parameters.items()
    )
    return HTML(
        f'<header class="report-header"><h1>{html.escape(title)}</h1>'
        f'<p class="subject">{html.escape(subject)}</p>'
        f'<p class="meta">Rapporten skapad {html.escape(date)}. Data: {html.escape(data_vintage(manifest))}.</p>'
        f'<details class="parameters"><summary>Parametrar</summary><table>{params}</table></details></header>'
    )


def _param_text(value) -> str:
    """A parameter's value in Swedish words: lists joined, ja/nej, a dash for none, decimal commas."""
    if isinstance(value, (list, tuple)):
        return ", ".join(_param_text(v) for v in value)
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if value is None:
        return MISSING
    if isinstance(value, float):
        return fmt_general(value)
    return str(value)


def key_numbers(numbers: dict[str, str], note: str | None = None):
    """The key numbers first: a row of labelled figures (already formatted) at the top of a report."""
    from IPython.display import HTML

    items = "".join(f'<div class="key"><span class="value">{html.escape(v)}</span>'
                    f'<span class="label">{html.escape(k)}</span></div>' for k, v in numbers.items())
    foot = f'<p class="key-note">{html.escape(note)}</p>' if note else ""
    return HTML(f'<div class="key-numbers">{items}</div>{foot}')


#: Mime type under which a notebook records its key figures for the index page (not shown in the HTML).
KEYS_MIME = "application/vnd.tillsammans.keys+json"


def record_keys(**figures) -> None:
    """Record a report's key figures (plain numbers) for ``reports/index.html``.

    Recognised names: ``year, population, share_20_64, dependency_ratio, share_80plus`` (observed),
    ``end_year, share_20_64_end, dependency_ratio_end`` (projection), ``recruitment_need, gap,
    gap_per_1000`` (workforce). The runner reads them from the executed notebook.
    """
    from IPython.display import display

    clean = {k: (None if v is None or pd.isna(v) else (int(v) if isinstance(v, (int, np.integer)) else
                                                       float(v) if isinstance(v, (float, np.floating)) else v))
             for k, v in figures.items()}
    display({KEYS_MIME: clean}, raw=True)
