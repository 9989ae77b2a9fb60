"""Every bad cell is found in one pass, named by line, respondent and column; invalid rows are
excluded only when asked, and routing decides who was asked."""

import pytest

from pipeline.errors import AnswersError

from .conftest import YES_NO

DESIGN = {"respondent_id": "rid"}
QUESTIONS = [{"id": "owns", "type": "single_choice", "codes": YES_NO},
             {"id": "cars", "type": "numeric", "asked_if": {"question": "owns", "in": ["yes"]},
              "range": {"min": 1, "max": 5, "integer": True}, "missing": {"allow_blank": True}}]


def rows(*pairs):
    return [{"rid": f"r{i + 1}", "owns": owns, "cars": cars} for i, (owns, cars) in enumerate(pairs)]


def problems(error):
    return [(i.line, i.respondent, i.column, i.code) for i in error.issues]


def test_valid_answers_are_accepted_with_numbers_parsed(make_responses):
    responses = make_responses(rows(("yes", "2"), ("no", ""), ("yes", "5")), DESIGN, QUESTIONS)
    assert len(responses.answers) == 3 and responses.issues == ()
    assert responses.numeric["cars"].tolist()[::2] == [2.0, 5.0]
    assert responses.line_numbers.tolist() == [2, 3, 4]


def test_every_bad_cell_is_reported_at_once(make_responses):
    with pytest.raises(AnswersError) as caught:
        make_responses(rows(("maybe", ""), ("no", "1"), ("yes", "9"), ("yes", "1.5"), ("yes", "x")), DESIGN, QUESTIONS)
    assert problems(caught.value) == [(2, "r1", "owns", "invalid-code"), (3, "r2", "cars", "answered-not-asked"),
                                      (4, "r3", "cars", "out-of-range"), (5, "r4", "cars", "not-an-integer"),
                                      (6, "r5", "cars", "not-a-number")]


def test_excluding_invalid_rows_keeps_the_rest_and_counts_what_was_dropped(make_responses):
    responses = make_responses(rows(("yes", "2"), ("maybe", ""), ("no", "")), DESIGN, QUESTIONS, exclude_invalid=True)
    assert responses.answers["rid"].tolist() == ["r1", "r3"]
    assert responses.excluded_lines == (3,) and responses.rows_read == 3
    assert [i.code for i in responses.issues] == ["invalid-code"]


def test_a_missing_column_stops_the_run_even_when_excluding(tmp_path):
    from .conftest import checked

    with pytest.raises(AnswersError) as caught:
        checked(tmp_path, [{"rid": "r1", "owns": "yes"}], DESIGN, QUESTIONS, exclude_invalid=True)
    assert caught.value.codes == ["missing-column"]


def test_duplicate_ids_name_the_first_line(make_responses):
    data = rows(("yes", "1"), ("no", ""))
    data[1]["rid"] = "r1"
    with pytest.raises(AnswersError) as caught:
        make_responses(data, DESIGN, QUESTIONS)
    (issue,) = caught.value.issues
    assert issue.code == "duplicate-id" and issue.line == 3 and "already used on line 2" in issue.found


def test_routing_asks_only_those_whose_answer_leads_there(make_responses):
    responses = make_responses(rows(("yes", "2"), ("no", ""), ("yes", "")), DESIGN, QUESTIONS)
    cars = responses.questionnaire.question("cars")
    assert responses.asked(cars).tolist() == [True, False, True]


def test_no_valid_row_left_is_an_error(make_responses):
    with pytest.raises(AnswersError) as caught:
        make_responses(rows(("maybe", "")), DESIGN, QUESTIONS, exclude_invalid=True)
    assert caught.value.codes[-1] == "no-valid-rows"


def test_many_numeric_ids_are_told_apart_as_texts(make_responses):
    """Over 4096 ids are held as Arrow text and compared as numbers first: '01' and '1' are two
    ids, and a number used twice is still a duplicate."""
    data = [{"rid": str(i), "owns": "no", "cars": ""} for i in range(1, 5001)]
    data[10]["rid"] = "01"
    responses = make_responses(data, DESIGN, QUESTIONS)
    assert len(responses.answers) == 5000 and responses.issues == ()
    assert str(responses.answers["rid"].dtype) != "category"
    data[20]["rid"] = "77"
    with pytest.raises(AnswersError) as caught:
        make_responses(data, DESIGN, QUESTIONS)
    (issue,) = caught.value.issues
    assert issue.code == "duplicate-id" and issue.line == 78 and "'77', already used on line 22" in issue.found
