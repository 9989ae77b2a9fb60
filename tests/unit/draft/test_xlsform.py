import openpyxl
import pytest
import yaml

from pipeline.draft.xlsform import _routing, draft_from_xlsform

TARGET = {"q": {"id": "q", "type": "single_choice", "codes": [{"code": "a"}, {"code": "b"}]},
          "n": {"id": "n", "type": "numeric"}}


@pytest.mark.parametrize(("expression", "condition"), [
    ("${q} = 'a'", {"question": "q", "in": "a"}),
    ("${q}='b'", {"question": "q", "in": "b"}),
    ('selected(${q}, "a")', {"question": "q", "in": "a"}),
    ("${q} = 'a' or ${q} = 'b'", {"question": "q", "in": ["a", "b"]}),
    ("${q} != 'a'", None), ("${q} = 'a' and ${n} > 1", None), ("${n} = 1", None), ("${q} = 'z'", None),
    ("${missing} = 'a'", None)])
def test_relevant_becomes_routing_only_where_the_format_can_say_it(expression, condition):
    assert _routing(expression, TARGET) == condition


def test_rows_that_are_not_questions_are_listed_as_not_converted(tmp_path):
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    for row in (["type", "name", "label"], ["geopoint", "where", "Location"], ["calculate", "c", None],
                ["select_one missing_list", "q", "Q?"], ["text", "t", "T?"]):
        survey.append(row)
    book.save(tmp_path / "form.xlsx")
    text = draft_from_xlsform(tmp_path / "form.xlsx", "form")
    assert "'where' of type 'geopoint' is not converted" in text and "'c' of type 'calculate'" in text
    assert "choice list 'missing_list' not found" in text
    assert [q["type"] for q in yaml.safe_load(text)["questions"]] == ["text", "text"]


def test_an_answers_workbook_is_not_taken_for_a_form(tmp_path):
    from pipeline.draft.xlsform import is_xlsform

    book = openpyxl.Workbook()
    book.active.title = "survey"  # a sheet of answers that happens to be called survey
    book.active.append(["type", "name", "age"])
    book.save(tmp_path / "answers.xlsx")
    assert not is_xlsform(tmp_path / "answers.xlsx")
    book.create_sheet("choices")
    book.save(tmp_path / "form.xlsx")
    assert is_xlsform(tmp_path / "form.xlsx")
    assert not is_xlsform(tmp_path / "form.csv") and not is_xlsform(tmp_path / "missing.xlsx")
