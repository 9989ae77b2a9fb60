"""What the engines cannot do yet stops the run with engine-unsupported."""

import pytest

from pipeline.engines.support import check_supported
from pipeline.errors import AnswersError
from pipeline.questionnaire.parsing import parse_questionnaire
from pipeline.yamlsource import YamlDocument


def test_numeric_questions_and_comparisons_are_named():
    q = parse_questionnaire(YamlDocument("t.yaml", {
        "format": 1, "survey": {"id": "t", "title": "t"}, "design": {"respondent_id": "id"},
        "questions": [{"id": "age", "type": "numeric"}]}, {}))
    with pytest.raises(AnswersError) as error:
        check_supported(q, "csv", "duckdb", exclude_invalid=False)
    assert [i.code for i in error.value.issues] == ["engine-unsupported"]
    assert "numeric question 'age'" in error.value.issues[0].found
    with pytest.raises(AnswersError):
        check_supported(q, "xlsx", "spark", exclude_invalid=True)
