"""validation.json and manifest.json are the typed accounts, written field by field."""

from pipeline.errors import Issue
from pipeline.summaries import (
    STATUSES,
    AnswerStatusCounts,
    InputFile,
    LineSummary,
    Manifest,
    SpanningRecord,
    ValidationSummary,
)


def test_statuses_follow_the_counts_fields():
    assert STATUSES == ("answered", "dont_know", "not_applicable", "refused", "blank", "not_asked")
    assert list(AnswerStatusCounts(1, 2, 3, 4, 5, 6).to_json().values()) == [1, 2, 3, 4, 5, 6]


def test_validation_json_lists_rows_lines_issues_and_statuses_in_order():
    lines = LineSummary(6, 1, 1, 4, (SpanningRecord(3, 4, ("comment",)),))
    issue = Issue("invalid-code", "a.csv", "'x'", "a code", line=5, column="q")
    summary = ValidationSummary("q.yaml", "a.csv", "utf-8", 3, 2, 1, (5,), lines, (issue,),
                                {"q": AnswerStatusCounts(2, 0, 0, 0, 0, 0)})
    written = summary.to_json()
    assert list(written) == ["questionnaire", "answers", "encoding", "rows_read", "rows_accepted", "rows_excluded",
                             "excluded_lines", "physical_lines_read", "header_lines", "blank_lines", "record_lines",
                             "records_spanning_lines", "issues", "per_question", "format", "ignored_columns",
                             "respondent_id"]
    assert written["records_spanning_lines"] == [{"first_line": 3, "last_line": 4, "columns": ["comment"]}]
    assert written["issues"][0]["line"] == 5 and written["per_question"]["q"]["answered"] == 2


def test_without_a_line_account_no_line_fields_are_written():
    summary = ValidationSummary("q.yaml", "a.csv", "utf-8", 1, 1, 0, (), None, (), {})
    assert "physical_lines_read" not in summary.to_json()


def test_the_manifest_names_each_input_with_its_hash():
    manifest = Manifest("0.1.0", "3.11.7", "python -m pipeline", {"answers": InputFile("a.csv", "ab12")},
                        {"numpy": "2"})
    assert manifest.to_json()["inputs"] == {"answers": {"path": "a.csv", "sha256": "ab12"}}
