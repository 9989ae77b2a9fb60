"""The method in one call: every row accounted for, and the files a run writes."""

import datetime as dt
import json

import pytest
from survey_files import write_survey

from pipeline.errors import PipelineError
from pipeline.run import _dated_report_html, analyse, estimate_files, report_date, report_html

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


def test_the_report_is_dated_by_the_build_and_its_html_is_the_report_of_that_date(tmp_path, monkeypatch):
    results = analyse(*small_survey(tmp_path), command="python -m pipeline report")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    built, html = _dated_report_html(results)
    assert built == dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.UTC) == report_date(results)
    assert html == report_html(results, built) and "2023-11-14T22:13:20Z" in html


def test_a_build_date_that_is_no_number_stops_the_report_as_before(tmp_path, monkeypatch):
    results = analyse(*small_survey(tmp_path), command="python -m pipeline report")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(PipelineError) as caught:
        _dated_report_html(results)
    assert caught.value.codes == ["bad-source-date-epoch"]
