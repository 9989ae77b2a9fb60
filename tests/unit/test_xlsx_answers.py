from datetime import datetime

import openpyxl
import pytest

from pipeline.errors import AnswersError
from pipeline.xlsx_answers import read_xlsx


def workbook(path, rows, title="Sheet1", merge=None):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    book.save(path)
    return path


def test_cells_are_read_as_text_with_the_sheets_row_numbers(tmp_path):
    path = workbook(tmp_path / "a.xlsx", [["  "], ["id", "n", "when", "ok"], ["r1", 3, datetime(2024, 3, 1), True],
                                          [" ", None], ["r2", 2.5, None, False]])
    raw = read_xlsx(path, None, 1 << 20)
    assert raw.header == ("id", "n", "when", "ok")
    assert list(raw.cells["n"]) == ["3", "2.5"] and list(raw.cells["when"]) == ["2024-03-01", ""]
    assert list(raw.cells["ok"]) == ["TRUE", "FALSE"]
    assert list(raw.line_numbers) == [3, 5] and raw.sheet == "Sheet1"
    assert (raw.lines.physical, raw.lines.header, raw.lines.blank, raw.lines.records) == (5, 1, 2, 2)


def test_a_value_under_a_blank_header_is_refused_with_its_cell(tmp_path):
    path = workbook(tmp_path / "a.xlsx", [["id", None], ["r1", None], ["r2", "x"]])
    with pytest.raises(AnswersError) as error:
        read_xlsx(path, None, 1 << 20)
    assert "sheet Sheet1, row 3, column B: [unnamed-column]" in str(error.value)


def test_merged_cells_below_the_header_are_refused_too(tmp_path):
    path = workbook(tmp_path / "a.xlsx", [["id", "q"], ["r1", "x"], ["r2", None]], merge="B2:B3")
    with pytest.raises(AnswersError) as error:
        read_xlsx(path, None, 1 << 20)
    assert error.value.codes == ["merged-cells"] and "B2:B3" in str(error.value)
    assert "header" not in error.value.issues[0].found


def test_an_old_xls_or_a_text_file_is_corrupt(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(AnswersError) as error:
        read_xlsx(path, None, 1 << 20)
    assert error.value.codes == ["corrupt-file"] and ".xls" in str(error.value)
    path.write_text("id,q\n1,2\n")
    with pytest.raises(AnswersError) as error:
        read_xlsx(path, None, 1 << 20)
    assert error.value.codes == ["corrupt-file"]


def test_a_formula_without_a_saved_result_is_refused_not_read_blank(tmp_path):
    path = workbook(tmp_path / "a.xlsx", [["id", "n"], ["r1", 3], ["r2", "=1+1"]])
    with pytest.raises(AnswersError) as error:
        read_xlsx(path, None, 1 << 20)
    assert "sheet Sheet1, row 3, column B: [uncalculated-formula]" in str(error.value)
