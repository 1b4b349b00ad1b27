"""Downloads an analyst can open (issue 11 item 7): Swedish-Excel CSV and one workbook per report.

The frames here are built by the tests (synthetic, labelled as such); the known answers are the bytes
Swedish Excel needs: a byte-order mark, semicolons, decimal commas, no thousands separator.
"""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from tillsammans import plots
from tillsammans.plots import downloads


def _synthetic() -> pd.DataFrame:
    return pd.DataFrame({
        "Kommun": ["Tierp", "Heby", None],
        "Kod": ["0360", "0331", "0319"],
        "Invånare": [9675.0068, 14000.4, np.nan],
        "Andel 20–64 år": [0.528076, 0.5, -0.00001],
        "Försörjningskvot": [0.8937, 0.9, -0.001],
        "Antal": [1, 2, 3],
    })


def test_csv_is_swedish_excel_rounded_as_shown_with_percent_values():
    frame = downloads.download_frame(_synthetic(), decimals={"Försörjningskvot": 2}, percent=["Andel 20–64 år"])
    data = downloads.to_csv(frame)
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM (Excel reads å, ä, ö right)"
    assert data.decode("utf-8-sig") == (
        "Kommun;Kod;Invånare;Andel 20–64 år (%);Försörjningskvot;Antal\r\n"
        "Tierp;0360;9675;52,8;0,89;1\r\n"
        "Heby;0331;14000;50,0;0,9;2\r\n"
        ";0319;;0,0;0,0;3\r\n"
    )


def test_csv_reads_back_as_numbers_with_the_swedish_settings():
    frame = downloads.download_frame(_synthetic(), decimals=1, percent=["Andel 20–64 år"])
    back = pd.read_csv(io.BytesIO(downloads.to_csv(frame)), sep=";", decimal=",", encoding="utf-8-sig",
                       dtype={"Kod": str})
    assert back["Invånare"].tolist()[:2] == [9675.0, 14000.4]
    assert back["Andel 20–64 år (%)"].tolist() == [52.8, 50.0, 0.0]
    assert back["Kod"].tolist() == ["0360", "0331", "0319"]


def test_a_header_that_says_percent_is_kept():
    frame = downloads.download_frame(pd.DataFrame({"Andel, %": [0.25]}), percent=["Andel, %"])
    assert list(frame.columns) == ["Andel, %"] and frame.iloc[0, 0] == 25.0


def test_table_always_has_a_download_rounded_as_the_table_shows_it():
    cap = plots.Captions()
    caption = cap.table("Syntetisk tabell.", source="test")
    table = plots.table(_synthetic(), caption=caption, percent=["Andel 20–64 år"])
    link = re.search(r'<a class="csv" download="([^"]+)" href="data:text/csv;charset=utf-8;base64,([^"]+)"',
                     table.html)
    assert link, "every table gets a CSV link, named from its caption when no name is given"
    assert link.group(1) == "tabell_1.csv"
    text = base64.b64decode(link.group(2)).decode("utf-8-sig")
    assert "9675.0068" not in text and "Tierp;0360;9675;52,8;1;1\r\n" in text
    assert "9\u00a0675" in table.html  # the table itself shows the Swedish display
    bundle = table._repr_mimebundle_()
    assert bundle["text/html"] == table.html
    record = bundle[downloads.TABLE_MIME]
    assert record["number"] == 1 and record["title"] == "Syntetisk tabell." and record["source"] == "test"
    assert record["rows"][0][:3] == ["Tierp", "0360", 9675]


def test_workbook_has_a_contents_sheet_and_one_sheet_per_table():
    cap = plots.Captions()
    first = plots.table(_synthetic(), caption=cap.table("Första.", source="SCB"), percent=["Andel 20–64 år"])
    second = plots.table(pd.DataFrame({"År": [2022], "Värde": [1.25]}), caption=cap.table("Andra.", source="Kolada"),
                         decimals=1)
    data = downloads.workbook([first.record, second.record], "Tierp – befolkning")
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Innehåll", "Tabell 1", "Tabell 2"]
    assert [c.value for c in book["Tabell 1"][1]] == ["Kommun", "Kod", "Invånare", "Andel 20–64 år (%)",
                                                      "Försörjningskvot", "Antal"]
    assert [c.value for c in book["Tabell 1"][2]] == ["Tierp", "0360", 9675, 52.8, 1, 1]
    assert book["Tabell 2"]["B2"].value == 1.2  # rounded to one decimal as shown (1.25 → 1.2, half to even)
    contents = [[c.value for c in row] for row in book["Innehåll"].iter_rows(min_row=4)]
    assert contents == [["Tabell 1", "Första.", "SCB"], ["Tabell 2", "Andra.", "Kolada"]]


def test_workbook_bytes_are_the_same_for_the_same_tables():
    table = plots.table(_synthetic(), caption=plots.Captions().table("T.", source="S"))
    assert downloads.workbook([table.record], "T") == downloads.workbook([table.record], "T")


@pytest.mark.parametrize(("records", "expected"), [
    ([{"number": 1, "name": "a.csv"}, {"number": 1, "name": "b.csv"}], ["Tabell 1", "Tabell 1 (2)"]),
    ([{"number": None, "name": "avstånd/km:[x]?.csv"}], ["avstånd-km--x--"]),
    ([{"number": None, "name": "x" * 40 + ".csv"}], ["x" * 31]),
])
def test_sheet_names_are_unique_and_allowed_by_excel(records, expected):
    assert downloads.sheet_names(records) == expected
