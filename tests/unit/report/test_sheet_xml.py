"""Rows written as worksheet XML directly are the rows openpyxl writes for the same values."""

import io
import re
import zipfile

import pytest
from openpyxl import Workbook
from openpyxl.styles import Alignment

from pipeline.report.sheet_xml import MAX_TEXT, cell_xml, rows_xml

ROWS = [
    [0.25, 3, "text", None, True],
    [1 / 3, -12345678901234567, " padded ", "", False],
    [1e-20, 0, "a & b < c > d", "#N/A", "x\ry"],
    [None, 2.5, "n = 82", "Ünïcode \u2013 36\u201357%", None],
]


def openpyxl_rows(rows: list[list], styled_columns: set[int]) -> tuple[bytes, list[int | None]]:
    """The <row> elements openpyxl writes for `rows` from row 4, styling the given columns as the workbook does."""
    book = Workbook()
    sheet = book.active
    sheet.cell(row=1, column=1, value="title")
    for number, values in enumerate(rows, start=4):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=number, column=column, value=value)
            if column in styled_columns and value is not None:
                if isinstance(value, (int, float)):
                    cell.number_format = "0.0%"
                cell.alignment = Alignment(horizontal="right")
    buffer = io.BytesIO()
    book.save(buffer)
    xml = zipfile.ZipFile(buffer).read("xl/worksheets/sheet1.xml")
    body = re.search(rb'(<row r="4".*)</sheetData>', xml).group(1)
    ids = sorted({int(i) for i in re.findall(rb' s="(\d+)"', body)})
    return body, ids


def test_the_rows_are_the_bytes_openpyxl_writes_for_the_same_values():
    expected, _ = openpyxl_rows(ROWS, set())
    assert rows_xml(ROWS, 4, [(None, None)] * 5) == expected


def test_numbers_and_other_values_of_a_formatted_column_take_their_own_styles():
    expected, ids = openpyxl_rows(ROWS, {1, 2, 3})
    number, other = ids  # openpyxl numbers styles as it meets them: the first cell is a number
    styles = [(number, other)] * 3 + [(None, None)] * 2
    assert rows_xml(ROWS, 4, styles) == expected


def test_an_empty_cell_is_left_out_and_text_is_cut_to_what_a_cell_holds():
    assert cell_xml(None, "A1", 3) == ""
    long = cell_xml("x" * (MAX_TEXT + 10), "A1", None)
    assert long.count("x") == MAX_TEXT


def test_values_a_cell_cannot_hold_stop_the_build():
    with pytest.raises(ValueError, match="control characters"):
        cell_xml("bell\x07", "A1", None)
    with pytest.raises(TypeError, match="cannot hold"):
        cell_xml(object(), "A1", None)
