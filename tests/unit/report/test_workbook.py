"""The workbook to the Analysis Function's spreadsheet standard: cover, contents, notes, one table a sheet."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from survey_files import write_survey

from pipeline.report.workbook import build_workbook
from pipeline.run import analyse

BUILT = dt.datetime(2024, 3, 5, 6, 7, 8, tzinfo=dt.UTC)
CODES = [{"code": "no", "label": "No"}, {"code": "yes", "label": "Yes"}]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("workbook")
    rows = [{"rid": f"r{i}", "q": "yes" if i % 3 else "no", "g": "a" if i < 9 else "b"} for i in range(12)]
    paths = write_survey(folder, "small", rows, {"respondent_id": "rid"},
                         [{"id": "q", "type": "single_choice", "label": "Says yes", "codes": CODES},
                          {"id": "g", "type": "single_choice", "label": "Group",
                           "codes": [{"code": "a", "label": "Group A"}, {"code": "b", "label": "Group B"}]}],
                         {"fpc": False, "level": 0.9, "headline": ["says_yes"], "subgroups": ["g"],
                          "themes": [{"id": "t", "title": "Saying yes", "measures": ["says_yes"]}]},
                         measures=[{"id": "says_yes", "question": "q", "categories": ["yes"], "label": "Say yes"}])
    return analyse(*paths, command="test")


@pytest.fixture(scope="module")
def data(results) -> bytes:
    return build_workbook(results, BUILT)


@pytest.fixture(scope="module")
def book(data):
    return load_workbook(io.BytesIO(data))


def table(sheet) -> list[dict]:
    header = [c.value for c in sheet[3]]
    return [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=4)]


def test_the_same_results_and_date_give_the_same_bytes(results, data):
    assert build_workbook(results, BUILT) == data
    assert build_workbook(results, BUILT + dt.timedelta(days=1)) != data


def test_cover_contents_notes_then_one_sheet_per_table(book):
    assert book.sheetnames == ["Cover", "Contents", "Notes", "Theme_1", "Subgroups_1", "Answers", "Estimates"]
    cover = "\n".join(str(c.value) for c in book["Cover"]["A"] if c.value)
    for heading in ("Source", "Date", "Contact", "Built on 05 March 2024"):
        assert heading in cover
    contents = table(book["Contents"])
    assert [r["Sheet name"] for r in contents] == book.sheetnames[3:]
    assert all(book["Contents"].cell(row=i, column=1).hyperlink.location == f"'{name}'!A1"
               for i, name in enumerate(book.sheetnames[3:], start=4))


def test_note_markers_point_at_numbered_notes(book):
    numbers = [r["Note number"] for r in table(book["Notes"])]
    assert numbers == [f"note {i}" for i in range(1, len(numbers) + 1)]
    cited = {marker for sheet in book.worksheets[3:] for marker in _markers(sheet["A1"].value)}
    cited |= {marker for sheet in book.worksheets[3:] for c in sheet[3] for marker in _markers(c.value)}
    assert cited and cited <= set(numbers)


def _markers(text) -> list[str]:
    import re

    return re.findall(r"\[(note \d+)\]", str(text or ""))


def test_every_table_sheet_has_title_frozen_header_no_merged_cells_and_fitted_widths(book):
    for sheet in book.worksheets[1:]:
        assert sheet["A1"].value and sheet["A3"].value and sheet.freeze_panes == "A4", sheet.title
        assert not sheet.merged_cells.ranges, sheet.title
        assert all(c.value for c in sheet[3]), sheet.title  # no blank header
        assert len(sheet.tables) == 1 and next(iter(sheet.tables.values())).ref.startswith("A3:"), sheet.title
        for letter in ("A", "B"):
            assert 10 <= sheet.column_dimensions[letter].width <= 100, sheet.title
    assert not book["Cover"].merged_cells.ranges


def test_shares_are_numbers_formatted_as_percentages_with_plain_headers(book, results):
    rows = table(book["Theme_1"])
    assert list(rows[0]) == ["Measure", "Base", "Percentage (%)", "Respondents in base (count)",
                             "Lower limit, 90% confidence interval (%)", "Upper limit, 90% confidence interval (%)"]
    row = results.estimates.get("says_yes", "yes")
    assert rows == [{"Measure": "Say yes", "Base": row.base, "Percentage (%)": pytest.approx(row.estimate),
                     "Respondents in base (count)": 12,
                     "Lower limit, 90% confidence interval (%)": pytest.approx(row.ci_low),
                     "Upper limit, 90% confidence interval (%)": pytest.approx(row.ci_high)}]
    assert book["Theme_1"]["C4"].number_format == "0.0%" and book["Theme_1"]["D4"].number_format == "#,##0"


def test_a_subgroup_under_the_threshold_is_the_marker_not_a_number(book):
    rows = {r["Group"]: r for r in table(book["Subgroups_1"])}
    assert rows["Group B"]["Percentage (%)"] == "[c]" and rows["Group B"]["Respondents in base (count)"] == 3
    assert isinstance(rows["Group A"]["Percentage (%)"], float)


def test_every_estimate_is_a_row_of_the_estimates_sheet_with_labels_beside_ids(book, results):
    rows = table(book["Estimates"])
    assert len(rows) == len(results.estimates)
    assert {(r["Measure id"], r["Measure"]) for r in rows} >= {("says_yes", "Say yes"), ("q", "Says yes")}
    assert {(r["Subgroup code"], r["Subgroup"]) for r in rows if r["Subgroup code"]} == {("a", "Group A"),
                                                                                         ("b", "Group B")}
    assert {(r["Category codes"], r["Categories"]) for r in rows if r["Measure id"] == "q"} == {("no", "No"),
                                                                                               ("yes", "Yes")}


def test_report_tables_have_no_blank_cells(book):
    for sheet in book.worksheets[3:-1]:  # the estimates sheet keeps estimates.csv's blanks
        assert all(value is not None for row in sheet.iter_rows(min_row=3, values_only=True) for value in row), \
            sheet.title


def test_numeric_estimates_have_their_own_sheet_in_the_answers_units_not_percentages(tmp_path):
    rows = [{"rid": f"r{i}", "x": str(10 + i), "q": "yes" if i % 3 else "no"} for i in range(9)]
    paths = write_survey(tmp_path, "numbers", rows, {"respondent_id": "rid"},
                         [{"id": "x", "type": "numeric", "label": "Visits"},
                          {"id": "q", "type": "single_choice", "label": "Says yes", "codes": CODES}], {"fpc": False})
    results = analyse(*paths, command="test")
    book = load_workbook(io.BytesIO(build_workbook(results, BUILT)))
    assert "Numeric_estimates" in book.sheetnames
    sheet = book["Numeric_estimates"]
    header = [c.value for c in sheet[3]]
    records = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=4)]
    mean = next(r for r in records if r["Statistic"].value == "mean" and r["Design variant"].value == "srs")
    assert mean["Estimate (answers' units)"].value == pytest.approx(14.0)  # 10..18
    assert mean["Estimate (answers' units)"].number_format != "0.0%"
    shares = book["Estimates"]
    column = [c.value for c in shares[3]].index("Statistic")
    assert {row[column] for row in shares.iter_rows(min_row=4, values_only=True)} == {"share"}


def test_the_garbage_collector_is_as_it_was_after_the_build(results):
    import gc

    assert gc.isenabled()
    build_workbook(results, BUILT)
    assert gc.isenabled()
    gc.disable()
    try:
        build_workbook(results, BUILT)
        assert not gc.isenabled()
    finally:
        gc.enable()
