"""Small surveys for the unit tests, checked through the public entry points."""

from __future__ import annotations

from pathlib import Path

import pytest
from survey_files import write_survey

from pipeline.ingest import read_answers
from pipeline.questionnaire import load_questionnaire
from pipeline.validate import Responses, check_answers

GROUPS = [{"code": "a", "label": "Group A"}, {"code": "b", "label": "Group B"}]
YES_NO = [{"code": "no", "label": "No"}, {"code": "yes", "label": "Yes"}]


def checked(folder: Path, rows: list[dict], design: dict, questions: list[dict], analysis: dict | None = None,
            exclude_invalid: bool = False, name: str = "unit", **sections) -> Responses:
    """The checked answers of a survey written to `folder`."""
    q_path, a_path = write_survey(folder, name, rows, design, questions, analysis, **sections)
    questionnaire = load_questionnaire(q_path)
    return check_answers(read_answers(a_path, questionnaire.delimiter), questionnaire, exclude_invalid)


@pytest.fixture
def make_responses(tmp_path):
    """Build checked answers from rows, a design and questions, in a fresh folder."""
    return lambda *args, **kwargs: checked(tmp_path, *args, **kwargs)
