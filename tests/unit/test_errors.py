"""The error family: where a problem is, and the one line a user reads about it."""

import pytest

from pipeline.errors import AnswersError, Issue, PipelineError, QuestionnaireError


def test_message_names_place_code_found_expected_and_hint():
    issue = Issue("invalid-code", "answers.csv", "'maybe'", "one of yes, no", line=4, respondent="r3",
                  column="q1", hint="check the codes")
    assert issue.message() == ("answers.csv, line 4, respondent r3, column q1: [invalid-code] found 'maybe'; "
                               "expected one of yes, no (check the codes)")


def test_location_of_a_yaml_key_has_line_and_key_only():
    issue = Issue("wrong-type", "q.yaml", "1", "text", line=7, key="survey.id")
    assert issue.location() == "q.yaml, line 7, key survey.id"


def test_to_dict_leaves_out_what_was_not_said():
    assert Issue("empty-file", "a.csv", "an empty file", "rows").to_dict() == {
        "code": "empty-file", "file": "a.csv", "found": "an empty file", "expected": "rows"}


def test_an_error_holds_a_single_issue_or_many_and_lists_their_codes():
    one = Issue("a", "f", "x", "y")
    assert PipelineError(one).issues == [one]
    assert AnswersError([one, Issue("b", "f", "x", "y")]).codes == ["a", "b"]


def test_render_with_a_limit_says_how_many_problems_are_hidden():
    error = PipelineError([Issue(f"c{i}", "f", "x", "y") for i in range(5)])
    lines = error.render(limit=2).splitlines()
    assert lines == ["f: [c0] found x; expected y", "f: [c1] found x; expected y", "... and 3 more problem(s)"]
    assert str(error).count("\n") == 4  # the whole list when no limit is given


def test_user_errors_form_one_family_under_pipeline_error():
    assert issubclass(QuestionnaireError, PipelineError) and issubclass(AnswersError, PipelineError)
    assert not issubclass(AnswersError, QuestionnaireError)
    with pytest.raises(PipelineError):
        raise QuestionnaireError(Issue("x", "f", "a", "b"))
