import numpy as np
import pandas as pd
import pytest

from pipeline.answer_columns import resolve_columns
from pipeline.errors import AnswersError
from pipeline.ingest import RawAnswers
from pipeline.questionnaire import parse_questionnaire
from pipeline.yamlsource import YamlDocument


def questionnaire(design=None, questions=None):
    data = {"format": 1, "survey": {"id": "s", "title": "t"}, "design": design or {"respondent_id": "id"},
            "questions": questions or [{"id": "q1", "type": "yes_no", "column": "Q1 (yes/no)"},
                                       {"id": "age", "type": "numeric"}]}
    return parse_questionnaire(YamlDocument("s.yaml", data, {}))


def raw(columns: dict, fmt="csv", labels=None) -> RawAnswers:
    cells = pd.DataFrame({name: pd.Categorical(values) for name, values in columns.items()})
    return RawAnswers("a.csv", "utf-8", tuple(columns), cells, pd.Series(np.arange(2, len(cells) + 2)), (),
                      format=fmt, labels=labels or {})


def test_used_columns_are_renamed_and_the_rest_listed_in_file_order():
    resolved = resolve_columns(raw({"Start": ["x", "y"], "id": ["1", "2"], "Q1 (yes/no)": ["yes", "no"],
                                    "age": ["3", "4"], "Notes": ["", ""]}), questionnaire())
    assert list(resolved.cells.columns) == ["id", "q1", "age"]
    assert resolved.ignored_columns == ("Start", "Notes")
    assert resolved.sources == {"q1": "Q1 (yes/no)"}
    assert list(resolved.cells["q1"]) == ["yes", "no"]


def test_a_needed_column_that_is_absent_names_the_files_name_and_the_question():
    with pytest.raises(AnswersError) as error:
        resolve_columns(raw({"id": ["1"], "q1": ["yes"], "age": ["3"]}), questionnaire())
    assert error.value.codes == ["missing-column"]
    assert "column Q1 (yes/no)" in str(error.value) and "question 'q1'" in str(error.value)


def test_without_an_id_column_rows_are_numbered_from_one():
    q = questionnaire(design={"respondent_id": None})
    resolved = resolve_columns(raw({"Q1 (yes/no)": ["yes", "no", "yes"], "age": ["1", "2", "3"]}), q)
    assert list(resolved.cells[q.id_column]) == ["1", "2", "3"] and resolved.ids_are_row_numbers


def test_labels_replace_values_only_where_the_label_is_a_code():
    resolved = resolve_columns(raw({"id": ["1", "2", "3"], "Q1 (yes/no)": ["1", "2", "9"], "age": ["1", "2", "9"]},
                                   fmt="sav", labels={"Q1 (yes/no)": {"1": "yes", "2": "no", "9": "Unknown"},
                                                      "age": {"9": "no"}}), questionnaire())
    assert list(resolved.cells["q1"]) == ["yes", "no", "9"]
    assert list(resolved.cells["age"]) == ["1", "2", "9"]  # a numeric question has no codes to match
