"""Downloads an analyst can open: a report's tables as Swedish-Excel CSV and as one Excel workbook.

Swedish Excel reads a CSV file with semicolons between the fields, a decimal comma and, to recognise UTF-8
(å, ä, ö), a byte-order mark; anything else opens as one column of text or with the numbers as dates. The
values are rounded as the report shows them (the same decimals per column), shares are percent values under
a header marked "(%)", and a missing value is an empty cell. Numbers carry no thousands separator and an
ASCII minus, so Excel reads them as numbers.

A table's download data (:func:`download_frame`) travel inside the report twice: as a CSV link under the
table, and as a machine-readable output (:data:`TABLE_MIME`) from which the export builds the workbook
(:func:`workbook`), also embedded in the page, so a mailed report keeps every download.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

#: Mime type of a table's download data in a notebook output (the HTML export does not show it).
TABLE_MIME = "application/vnd.tillsammans.table+json"
#: Media types of the downloads, for the ``data:`` links.
CSV_TYPE = "text/csv;charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: Excel's limit on a sheet name and the characters it refuses in one.
_SHEET_NAME_LENGTH = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def percent_header(column: str) -> str:
    """The header of a share column in a download: its values are percent, and the header says so."""
    return column if "%" in column else f"{column} (%)"


def download_frame(frame: pd.DataFrame, decimals: int | dict[str, int] = 0, percent: Iterable[str] = (),
                   percent_decimals: int = 1) -> pd.DataFrame:
    """The table as it should be downloaded: rounded as shown, shares as percent values.

    Parameters
    ----------
    frame : DataFrame
        The table with its Swedish column names, as the report shows it.
    decimals : int or dict
        Decimals of float columns, one value or per column (the report's own rounding).
    percent : columns
        Columns holding shares (0–1); in the download they hold percent (0–100) under :func:`percent_header`.
    percent_decimals : int
        Decimals of a percent value when ``decimals`` does not name the column.

    Returns
    -------
    DataFrame
        Integer columns as nullable integers, rounded floats, text unchanged; a value that rounds to zero
        has no sign.
    """
    percent = set(percent)
    out = {}
    for column in frame.columns:
        values = frame[column]
        named = isinstance(decimals, dict) and column in decimals
        places = decimals.get(column, 0) if isinstance(decimals, dict) else decimals
        header = str(column)
        if column in percent:
            values = pd.to_numeric(values, errors="coerce") * 100
            places = places if named else percent_decimals
            header = percent_header(header)
        if isinstance(values.dtype, np.dtype) and values.dtype.kind == "f":
            # numpy floats, the common case: on the array, without pandas' per-call overhead
            rounded = np.round(values.to_numpy(), places) + 0.0  # + 0.0 turns −0.0 into 0.0
            out[header] = _integers(rounded) if places == 0 else rounded
            continue
        if pd.api.types.is_bool_dtype(values):
            values = values.map({True: "ja", False: "nej"})
        elif pd.api.types.is_integer_dtype(values):
            values = values.astype("Int64")
        elif pd.api.types.is_float_dtype(values):
            rounded = values.round(places) + 0.0
            values = rounded.round().astype("Int64") if places == 0 else rounded
        elif values.dtype == object:
            values = values.map(_plain)
        out[header] = values.reset_index(drop=True)
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


def _integers(rounded: np.ndarray) -> pd.arrays.IntegerArray:
    """Whole floats as nullable integers (``Int64``), NaN as missing; an infinite value raises."""
    if np.isinf(rounded).any():
        raise OverflowError("cannot convert float infinity to integer (a table's download holds ±inf)")
    missing = np.isnan(rounded)
    return pd.arrays.IntegerArray(np.where(missing, 0, rounded).astype(np.int64), missing)


def _plain(value):
    """An object cell for a download: numbers as numbers, missing as empty, anything else as text."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return "ja" if value else "nej"
    if isinstance(value, (int, np.integer, float, np.floating)):
        return value
    return str(value)


def to_csv(frame: pd.DataFrame) -> bytes:
    """The CSV bytes Swedish Excel opens as a table: ``;`` separated, decimal comma, UTF-8 with BOM."""
    text = frame.to_csv(sep=";", decimal=",", index=False, lineterminator="\r\n")
    return text.encode("utf-8-sig")


def table_record(frame: pd.DataFrame, name: str, title: str = "", source: str = "", number: int | None = None
                 ) -> dict:
    """A download frame as a JSON-safe record (the :data:`TABLE_MIME` output) for the workbook."""
    rows = [[_json_value(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    return {"name": name, "number": number, "title": title, "source": source,
            "columns": [str(c) for c in frame.columns], "rows": rows}


def _json_value(value):
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def sheet_names(records: Sequence[dict]) -> list[str]:
    """One unique sheet name per table: "Tabell 3", or the file name when a table has no number."""
    names: list[str] = []
    for i, record in enumerate(records, start=1):
        base = f"Tabell {record['number']}" if record.get("number") else re.sub(r"\.csv$", "", record["name"])
        base = _SHEET_FORBIDDEN.sub("-", base)[:_SHEET_NAME_LENGTH] or f"Tabell {i}"
        name, n = base, 2
        while name.casefold() in {x.casefold() for x in names}:
            suffix = f" ({n})"
            name, n = base[:_SHEET_NAME_LENGTH - len(suffix)] + suffix, n + 1
        names.append(name)
    return names


def workbook(records: Sequence[dict], title: str, date: dt.date | None = None) -> bytes:
    """An Excel workbook of a report's tables: a contents sheet, then one sheet per table.

    Parameters
    ----------
    records : sequence of dict
        :func:`table_record` of each table, in report order.
    title : str
        The report's title, written at the top of the contents sheet.
    date : date, optional
        The report's date, used as the workbook's created and modified time (default today), so the same
        report gives the same bytes.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    date = date or dt.date.today()
    book = Workbook()
    contents = book.active
    contents.title = "Innehåll"
    contents.append([title])
    contents["A1"].font = Font(bold=True, size=13)
    contents.append([])
    contents.append(["Blad", "Tabell", "Källa"])
    for cell in contents[3]:
        cell.font = Font(bold=True)
    names = sheet_names(records)
    for name, record in zip(names, records, strict=True):
        contents.append([name, record.get("title") or record["name"], record.get("source") or ""])
        contents.cell(row=contents.max_row, column=1).hyperlink = f"#'{name}'!A1"
        sheet = book.create_sheet(name)
        sheet.append(record["columns"])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in record["rows"]:
            sheet.append(row)
        sheet.freeze_panes = "A2"
        for j, column in enumerate(record["columns"], start=1):
            longest = max([len(str(column))] + [len(str(r[j - 1])) for r in record["rows"] if r[j - 1] is not None])
            sheet.column_dimensions[get_column_letter(j)].width = min(60, max(8, longest + 2))
    contents.column_dimensions["A"].width = 12
    contents.column_dimensions["B"].width = 90
    contents.column_dimensions["C"].width = 60
    stamp = dt.datetime(date.year, date.month, date.day)
    book.properties.creator = "tillsammans"
    book.properties.created = book.properties.modified = stamp
    buffer = io.BytesIO()
    # ExcelWriter directly: Workbook.save would stamp the modified time with the clock
    ExcelWriter(book, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    return _fixed_zip_times(buffer.getvalue(), stamp)


def _fixed_zip_times(data: bytes, stamp: dt.datetime) -> bytes:
    """The same zip with every member dated ``stamp`` (openpyxl dates them with the clock)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return buffer.getvalue()
