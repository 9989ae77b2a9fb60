"""Answers files as delivered: broken files of each format, where errors point, unused columns, no id column.

A damaged file of any format, a password-protected workbook and merged header cells stop the
run with exit 2 and a message naming the file (no traceback); a bad answer is named by file,
sheet, row and column as a person would find it; columns no question uses are listed and
ignored; without an id column the row number is the respondent id.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from pipeline.answer_formats import read_answers_file
from pipeline.cli import main
from pipeline.errors import AnswersError
from tests.answer_files import FORMATS, write_answers
from tests.survey_files import write_survey

DATA = Path(__file__).resolve().parent / "data" / "formats"
ROWS = [{"rid": f"r{i}", "agree": "yes" if i % 2 else "no", "age": str(20 + i)} for i in range(1, 7)]
QUESTIONS = [{"id": "agree", "type": "yes_no"}, {"id": "age", "type": "numeric"}]


def survey(folder: Path, rows=ROWS, design=None, questions=QUESTIONS, **sections) -> tuple[Path, Path]:
    return write_survey(folder, "formats", rows, design or {"respondent_id": "rid"}, questions, **sections)


def validate(capsys, questionnaire: Path, answers: Path) -> tuple[int, str]:
    code = main(["validate", str(questionnaire), str(answers)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.err


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_damaged_file_of_each_format_is_exit_2_naming_the_file(fmt, tmp_path, capsys):
    questionnaire, answers = survey(tmp_path)
    good = write_answers(answers, fmt, tmp_path / f"good.{fmt}")
    damaged = tmp_path / f"damaged.{fmt}"
    data = good.read_bytes()
    damaged.write_bytes(data[: len(data) // 3] + b"\x00garbage" * 40)

    code, err = validate(capsys, questionnaire, damaged)

    assert code == 2 and "[corrupt-file]" in err and str(damaged) in err


@pytest.mark.parametrize("fmt", FORMATS)
def test_random_bytes_with_the_extension_are_exit_2(fmt, tmp_path, capsys):
    questionnaire, _ = survey(tmp_path)
    answers = tmp_path / f"noise.{fmt}"
    answers.write_bytes(bytes(range(256)) * 8)

    code, err = validate(capsys, questionnaire, answers)

    assert code == 2 and "[corrupt-file]" in err


def test_a_password_protected_workbook_is_named_as_such(tmp_path, capsys):
    questionnaire, _ = survey(tmp_path)

    code, err = validate(capsys, questionnaire, DATA / "password_protected.xlsx")

    assert code == 2 and "[password-protected]" in err and "without a password" in err


def test_merged_header_cells_are_refused_with_the_sheet_and_cells(tmp_path, capsys):
    questionnaire, _ = survey(tmp_path)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Wave 1"
    sheet.append(["rid", "agree", "age"])
    sheet.append(["r1", "yes", 30])
    sheet.merge_cells("B1:C1")
    answers = tmp_path / "merged.xlsx"
    book.save(answers)

    code, err = validate(capsys, questionnaire, answers)

    assert code == 2 and "[merged-cells]" in err
    assert f"{answers}, sheet Wave 1, row 1" in err and "B1:C1 in the header row" in err


@pytest.mark.parametrize(("fmt", "where"), [
    ("csv", "line 4, respondent r3, column age"),
    ("xlsx", "sheet answers, row 4, respondent r3, column age"),
    ("sav", "row 3, respondent r3, column age"),
    ("dta", "row 3, respondent r3, column age"),
    ("parquet", "row 3, respondent r3, column age"),
])
def test_a_bad_answer_is_named_by_file_sheet_row_and_column_in_every_format(fmt, where, tmp_path, capsys):
    rows = [dict(row) for row in ROWS]
    rows[2]["age"] = "-1"
    questions = [QUESTIONS[0], {"id": "age", "type": "numeric", "range": {"min": 0, "max": 120}}]
    questionnaire, answers = survey(tmp_path, rows, questions=questions)
    if fmt != "csv":
        answers = write_answers(answers, fmt, tmp_path / f"formats.{fmt}", keep_text=("rid",))

    code, err = validate(capsys, questionnaire, answers)

    assert code == 2 and "[out-of-range]" in err
    assert f"{answers}, {where}: [out-of-range] found '-1'" in err


def test_a_column_no_question_uses_is_ignored_and_listed(tmp_path, out_dir, capsys):
    rows = [{**row, "StartDate": "2024-01-02", "Interviewer": "x"} for row in ROWS]
    questionnaire, answers = survey(tmp_path, rows)

    assert main(["estimate", str(questionnaire), str(answers), "--out", str(out_dir)]) == 0

    validation = json.loads((out_dir / "validation.json").read_text())
    assert validation["ignored_columns"] == ["StartDate", "Interviewer"]
    assert validation["rows_accepted"] == 6


def test_a_column_a_question_needs_is_still_an_error(tmp_path, capsys):
    rows = [{k: v for k, v in row.items() if k != "age"} for row in ROWS]
    questionnaire, answers = survey(tmp_path, rows)

    code, err = validate(capsys, questionnaire, answers)

    assert code == 2 and "[missing-column]" in err and "question 'age'" in err


def test_column_names_a_file_column_with_spaces_dots_and_capitals(tmp_path, capsys):
    rows = [{"rid": r["rid"], "Agree Q1.a": r["agree"], "AGE": r["age"]} for r in ROWS]
    rows[1]["Agree Q1.a"] = "perhaps"
    questions = [{"id": "agree", "type": "yes_no", "column": "Agree Q1.a"},
                 {"id": "age", "type": "numeric", "column": "AGE"}]
    questionnaire, answers = survey(tmp_path, rows, questions=questions)

    code, err = validate(capsys, questionnaire, answers)

    assert code == 2 and "respondent r2, column Agree Q1.a: [invalid-code] found 'perhaps'" in err
    rows[1]["Agree Q1.a"] = "no"
    questionnaire, answers = survey(tmp_path, rows, questions=questions)
    assert validate(capsys, questionnaire, answers)[0] == 0


def test_without_an_id_column_the_row_number_is_the_respondent(tmp_path, out_dir, capsys):
    rows = [{"agree": r["agree"], "age": r["age"]} for r in ROWS] * 2  # repeated rows are still respondents
    rows[4] = {"agree": "maybe", "age": "1"}
    questionnaire, answers = survey(tmp_path, rows, design={"respondent_id": None})

    code, err = validate(capsys, questionnaire, answers)
    assert code == 2 and "line 6, respondent 5, column agree: [invalid-code]" in err

    rows[4] = dict(rows[0])
    questionnaire, answers = survey(tmp_path, rows, design={"respondent_id": None})
    assert main(["estimate", str(questionnaire), str(answers), "--out", str(out_dir)]) == 0
    validation = json.loads((out_dir / "validation.json").read_text())
    assert validation["respondent_id"] == "row number" and validation["rows_accepted"] == 12


def test_the_sheet_is_chosen_by_the_questionnaire_else_the_first(tmp_path, capsys):
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["these are not answers"])
    sheet = book.create_sheet("Data")
    sheet.append(["rid", "agree", "age"])
    for row in ROWS:
        sheet.append([row["rid"], row["agree"], int(row["age"])])
    answers = tmp_path / "two sheets.xlsx"
    book.save(answers)
    questionnaire, _ = survey(tmp_path, answers={"sheet": "Data"})
    assert validate(capsys, questionnaire, answers)[0] == 0

    questionnaire, _ = survey(tmp_path, answers={"sheet": "Wave 2"})
    code, err = validate(capsys, questionnaire, answers)
    assert code == 2 and "[sheet-not-found] found no sheet 'Wave 2' (sheets: Notes, Data)" in err

    questionnaire, _ = survey(tmp_path)
    code, err = validate(capsys, questionnaire, answers)
    assert code == 2 and f"{answers}, sheet Notes: [no-rows]" in err


@pytest.mark.parametrize("fmt", FORMATS)
def test_files_over_the_size_limit_are_refused_before_reading(fmt, tmp_path):
    _, answers = survey(tmp_path)
    converted = write_answers(answers, fmt, tmp_path / f"formats.{fmt}")

    with pytest.raises(AnswersError) as error:
        read_answers_file(converted, max_bytes=100)

    assert error.value.codes == ["file-too-large"]


def test_a_workbook_that_unpacks_past_the_limit_is_refused(tmp_path):
    _, answers = survey(tmp_path)
    converted = write_answers(answers, "xlsx", tmp_path / "formats.xlsx")
    size = converted.stat().st_size

    with pytest.raises(AnswersError) as error:
        read_answers_file(converted, max_bytes=size + 10)

    assert error.value.codes == ["file-too-large"] and "unpacked" in str(error.value)


def test_the_reports_validation_summary_lists_ignored_columns_and_row_number_ids(tmp_path):
    from pipeline.report.context import build_context
    from pipeline.report.render import render_html
    from pipeline.run import analyse

    rows = [{"agree": r["agree"], "age": r["age"], "Interviewer": "x"} for r in ROWS]
    questionnaire, answers = survey(tmp_path, rows, design={"respondent_id": None})

    html = render_html(build_context(analyse(questionnaire, answers, "test")))

    assert "no question uses, and so not read: Interviewer." in html
    assert "no id column: each respondent is identified by their row number" in html
    questionnaire, answers = survey(tmp_path)
    html = render_html(build_context(analyse(questionnaire, answers, "test")))
    assert "Every column of the answers file is used." in html and "identified by the column rid" in html


def test_validate_says_which_columns_it_ignored(tmp_path, capsys):
    rows = [{**row, "Duration (s)": "30"} for row in ROWS]
    questionnaire, answers = survey(tmp_path, rows)

    assert main(["validate", str(questionnaire), str(answers)]) == 0

    assert "ignored 1 column no question uses: Duration (s)" in capsys.readouterr().out


def test_a_blank_column_key_is_an_invalid_value(tmp_path, capsys):
    questions = [{"id": "agree", "type": "yes_no", "column": " "}, QUESTIONS[1]]
    questionnaire, _ = survey(tmp_path, questions=questions)

    assert main(["validate", str(questionnaire)]) == 2
    assert "key questions[0].column: [invalid-value]" in capsys.readouterr().err


def test_excluded_rows_of_a_workbook_are_named_by_sheet_row(tmp_path, out_dir, capsys):
    rows = [dict(row) for row in ROWS]
    rows[2]["agree"] = "maybe"
    questionnaire, answers = survey(tmp_path, rows)
    workbook = write_answers(answers, "xlsx", tmp_path / "formats.xlsx", sheet="Wave 1")

    assert main(["estimate", str(questionnaire), str(workbook), "--out", str(out_dir), "--exclude-invalid"]) == 0

    validation = json.loads((out_dir / "validation.json").read_text())
    assert (validation["rows_read"], validation["rows_accepted"], validation["excluded_rows"]) == (6, 5, [4])
    assert validation["format"] == "xlsx" and validation["sheet"] == "Wave 1"
    assert validation["issues"][0] | {"file": "f"} == {
        "code": "invalid-code", "file": "f", "found": "'maybe'", "expected": "one of yes, no", "respondent": "r3",
        "column": "agree", "sheet": "Wave 1", "row": 4}
    assert (validation["physical_lines_read"], validation["header_lines"], validation["record_lines"]) == (7, 1, 6)
