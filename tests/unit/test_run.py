"""The method in one call: every row accounted for, and the files a run writes."""

import json

from survey_files import write_survey

from pipeline.run import analyse, estimate_files

YES_NO = [{"code": "no", "label": "No"}, {"code": "yes", "label": "Yes"}]


def small_survey(folder):
    rows = [{"rid": f"r{i}", "q": a} for i, a in enumerate(["yes", "no", "yes", ""])]
    return write_survey(folder, "small", rows, {"respondent_id": "rid"},
                        [{"id": "q", "type": "single_choice", "codes": YES_NO, "missing": {"allow_blank": True}}],
                        {"fpc": False})


def test_the_validation_summary_accounts_for_every_row_and_answer(tmp_path):
    results = analyse(*small_survey(tmp_path), command="python -m pipeline estimate")
    validation = results.validation
    assert (validation.rows_read, validation.rows_accepted, validation.rows_excluded) == (4, 4, 0)
    assert validation.per_question["q"].answered == 3 and validation.per_question["q"].blank == 1
    assert validation.lines is not None and validation.lines.physical_lines_read == 5


def test_the_estimate_files_are_the_tables_and_accounts_without_a_report(tmp_path):
    files = estimate_files(analyse(*small_survey(tmp_path), command="python -m pipeline estimate"))
    assert set(files) == {"estimates.csv", "validation.json", "manifest.json"}  # no claims, no comparisons
    assert json.loads(files["manifest.json"])["command"] == "python -m pipeline estimate"
    header = files["estimates.csv"].decode().splitlines()[0]
    assert header.endswith(",note,variant,statistic,deff,ess")
