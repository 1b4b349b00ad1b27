"""The report's figures and tables after the speed-ups of issue 12: the same labels, pixels, cells and downloads.

Known answers: tick labels are what :func:`~tillsammans.formatting.fmt_number` writes; a figure whose tight box
reaches outside the canvas gives the pixels of ``savefig(bbox_inches="tight")``; a table's cells and its
download follow the documented rounding (synthetic frames, built here).
"""

import io

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from tillsammans import plots
from tillsammans.formatting import MINUS, NBSP, fmt_number, fmt_percent
from tillsammans.plots import downloads


@pytest.fixture(autouse=True)
def _style():
    with matplotlib.rc_context():
        plots.use_style()
        yield
    plt.close("all")


def _labels(axis) -> list[str]:
    return [t.get_text() for t in axis.get_ticklabels()]


def test_swedish_axis_labels_are_fmt_number_and_stay_so_on_redraw():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [-15000.0, 25000.0])
    plots.swedish_axis(ax, "y", decimals=1)
    fig.canvas.draw()
    first = _labels(ax.yaxis)
    expected = [fmt_number(v, 1) for v in ax.get_yticks()]
    assert first == expected and any(label.startswith(MINUS) for label in first)
    ax.set_ylim(-30000, 30000)  # new ticks: the cache must not hand out the old labels
    fig.canvas.draw()
    assert _labels(ax.yaxis) == [fmt_number(v, 1) for v in ax.get_yticks()]


def test_swedish_axis_both_and_percent_get_their_own_formatters():
    fig, ax = plt.subplots()
    ax.plot([0.0, 0.5], [0.1, 0.25])
    plots.swedish_axis(ax, "both", percent=True, decimals=0)
    assert ax.xaxis.get_major_formatter() is not ax.yaxis.get_major_formatter()
    fig.canvas.draw()
    assert _labels(ax.xaxis) == [fmt_percent(v, 0) for v in ax.get_xticks()]
    assert all(label.endswith(f"{NBSP}%") for label in _labels(ax.yaxis))


def _pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))


def _figure(outside: bool):
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot([2000, 2040], [1000, 3000], label="Folkmängd")
    ax.set_title("Befolkning")
    if outside:  # a legend below the axes, outside the canvas, as several report figures have
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncols=3)
    return fig


@pytest.mark.parametrize("outside", [False, True])
def test_png_is_savefig_tight(outside):
    fig = _figure(outside)
    fast = plots.png(fig)
    fig_again = _figure(outside)
    buffer = io.BytesIO()
    fig_again.savefig(buffer, format="png", metadata={"Software": None})
    reference = _pixels(buffer.getvalue())
    image = _pixels(fast)
    assert image.shape == reference.shape
    if outside:  # savefig at the box png measured: the same pixels as savefig measuring it itself
        assert np.array_equal(image, reference)
    # inside the canvas png crops the canvas: the same size, the crop's sub-pixel position may differ


def test_table_cells_and_download():
    frame = pd.DataFrame({
        "Kommun": ["Enköping", None, "Älv<karleby>"],
        "Invånare": np.array([45000, 1200, -3], dtype=np.int64),
        "Kvot": [0.745, -0.004, np.nan],
        "Andel": [0.1234, 0.5, np.nan],
        "Behov": pd.array([1.5, None, -0.2], dtype="Float64"),
    })
    table = plots.table(frame, decimals={"Kvot": 2, "Behov": 0}, percent=["Andel"])
    assert ("<tr><td>Enköping</td><td class=num>45\u00a0000</td><td class=num>0,74</td>"
            "<td class=num>12,3\u00a0%</td><td class=num>2</td></tr>") in table.html
    assert ("<tr><td>–</td><td class=num>1\u00a0200</td><td class=num>0,00</td>"
            "<td class=num>50,0\u00a0%</td><td class=num>–</td></tr>") in table.html
    assert (f"<tr><td>Älv&lt;karleby&gt;</td><td class=num>{MINUS}3</td><td class=num>–</td>"
            f"<td class=num>–</td><td class=num>0</td></tr>") in table.html
    record = table.record
    assert record["columns"] == ["Kommun", "Invånare", "Kvot", "Andel (%)", "Behov"]
    assert record["rows"] == [["Enköping", 45000, 0.74, 12.3, 2], [None, 1200, 0.0, 50.0, None],
                              ["Älv<karleby>", -3, None, None, 0]]
    assert [type(v) for v in record["rows"][0]] == [str, int, float, float, int]


def test_download_frame_rounds_floats_without_negative_zero():
    frame = pd.DataFrame({"a": [-0.4, 2.5, np.nan, 1e6 + 0.5], "b": [-0.004, 1.005, 2.675, np.nan]})
    out = downloads.download_frame(frame, decimals={"a": 0, "b": 2})
    assert str(out["a"].dtype) == "Int64" and out["a"].tolist() == [0, 2, pd.NA, 1000000]
    assert out["b"].dtype == np.float64  # rounded by numpy, as pandas rounds: 2.675 gives 2.68
    assert np.signbit(out["b"].to_numpy()[0]) == np.False_ and out["b"].tolist()[1:3] == [1.0, 2.68]
    assert list(out.index) == [0, 1, 2, 3]
    csv = downloads.to_csv(out).decode("utf-8-sig")
    assert csv.splitlines() == ["a;b", "0;0,0", "2;1,0", ";2,68", "1000000;"]


def test_download_frame_keeps_a_frames_own_index_out():
    frame = pd.DataFrame({"x": [1.25, 2.5]}, index=[7, 3])
    out = downloads.download_frame(frame, decimals=1)
    assert list(out.index) == [0, 1] and out["x"].tolist() == [1.2, 2.5]


def _pyramid_frame(scale: float) -> pd.DataFrame:
    ages = np.arange(0, 101)
    return pd.DataFrame({"sex": np.repeat(["male", "female"], ages.size), "age": np.tile(ages, 2),
                         "population": scale * np.r_[np.linspace(100, 10, ages.size), np.linspace(90, 12, ages.size)]})


def _barh_pyramid(ax, frame, outline, label):
    """The pyramid as it was drawn before its bars became one collection (the reference)."""
    def prepared(data):
        wide = data.pivot_table(index="age", columns="sex", values="population", aggfunc="sum").sort_index()
        return wide / wide.to_numpy().sum()

    wide, other = prepared(frame), prepared(outline)
    ages = wide.index.to_numpy()
    ax.barh(ages, -wide["male"], height=1.0, color=plots.PALETTE["male"], label="Män", linewidth=0)
    ax.barh(ages, wide["female"], height=1.0, color=plots.PALETTE["female"], label="Kvinnor", linewidth=0)
    ax.step(-other["male"], other.index, where="mid", color="black", linewidth=0.8, label=label)
    ax.step(other["female"], other.index, where="mid", color="black", linewidth=0.8)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _p: fmt_percent(abs(x), 2)))
    ax.set_ylabel("Ålder")
    ax.set_ylim(-0.5, ages.max() + 0.5)
    ax.axvline(0, color="black", linewidth=0.5)
    ax.legend(loc="upper right")


def test_pyramid_bars_as_one_collection_draw_the_same_pixels():
    frame, outline = _pyramid_frame(1.0), _pyramid_frame(1.3)
    fig, ax = plt.subplots(figsize=(7, 6))
    plots.pyramid(ax, frame, share=True, outline=outline, outline_label="Länet")
    fig_ref, ax_ref = plt.subplots(figsize=(7, 6))
    _barh_pyramid(ax_ref, frame, outline, "Länet")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Länet", "Män", "Kvinnor"]
    assert [t.get_text() for t in ax_ref.get_legend().get_texts()] == ["Länet", "Män", "Kvinnor"]
    assert ax.get_xlim() == ax_ref.get_xlim()
    assert np.array_equal(_pixels(plots.png(fig)), _pixels(plots.png(fig_ref)))


def test_download_frame_refuses_an_infinite_whole_number():
    with pytest.raises(OverflowError, match="infinity"):
        downloads.download_frame(pd.DataFrame({"x": [1.0, np.inf]}), decimals=0)
