"""The workbook: a cover, a contents sheet and one titled table per sheet, in fixed bytes."""

import io

from openpyxl import load_workbook
from survey_files import write_survey

from pipeline.report.workbook import build_workbook
from pipeline.run import analyse


def test_every_estimate_is_a_row_of_the_estimates_sheet_with_its_variant(tmp_path):
    rows = [{"rid": f"r{i}", "q": "yes" if i % 3 else "no"} for i in range(9)]
    paths = write_survey(tmp_path, "small", rows, {"respondent_id": "rid"},
                         [{"id": "q", "type": "single_choice",
                           "codes": [{"code": "no", "label": "No"}, {"code": "yes", "label": "Yes"}]}],
                         {"fpc": False, "level": 0.9})
    results = analyse(*paths, command="test")
    data = build_workbook(results)
    assert data == build_workbook(results)  # the same bytes every time
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Cover", "Contents", "Estimates"]
    sheet = book["Estimates"]
    header = [c.value for c in sheet[2]]
    assert header[15:18] == ["variant", "statistic", "deff"] and sheet.max_row == 2 + len(results.estimates)
    cover = "\n".join(str(c.value) for row in book["Cover"].iter_rows() for c in row if c.value)
    assert "90%" in cover and "95%" not in cover


def test_the_cover_names_the_intervals_of_numeric_rows(tmp_path):
    rows = [{"rid": f"r{i}", "x": str(i)} for i in range(9)]
    paths = write_survey(tmp_path, "numbers", rows, {"respondent_id": "rid"}, [{"id": "x", "type": "numeric"}],
                         {"fpc": False})
    book = load_workbook(io.BytesIO(build_workbook(analyse(*paths, command="test"))))
    cover = "\n".join(str(c.value) for row in book["Cover"].iter_rows() for c in row if c.value)
    assert "(t)" in cover and "Woodruff" in cover and "(woodruff)" in cover
