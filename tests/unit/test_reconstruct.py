"""A recipe of counts gives answers that meet every count, the same bytes every time."""

import pytest
import yaml
from survey_files import write_survey

from pipeline.errors import QuestionnaireError
from pipeline.questionnaire import load_questionnaire
from pipeline.reconstruct import read_recipe, reconstruct_answers, write_answers_csv

from .conftest import GROUPS, YES_NO

QUESTIONS = [{"id": "group", "type": "single_choice", "codes": GROUPS},
             {"id": "q", "type": "single_choice", "codes": YES_NO},
             {"id": "why", "type": "text"}]
FRAME = {"size": 10,
         "frame": {"variables": ["group"], "cells": [{"group": "a", "count": 6}, {"group": "b", "count": 4}]}}


def recipe(tmp_path, respondents=3, counts=None, seed=7):
    spec = {"reconstruction": {"seed": seed, "respondents": respondents, "id_format": "P{:02d}",
                               "questions": {"q": {"counts": counts or {"yes": 2, "no": 1}},
                                             "why": {"texts": ["because"]}}}}
    path = tmp_path / "recipe.provenance.yaml"
    path.write_text(yaml.safe_dump(spec))
    return read_recipe(path)


@pytest.fixture
def questionnaire(tmp_path):
    q_path, _ = write_survey(tmp_path, "rebuilt", [{"rid": "r1", "group": "a", "q": "yes", "why": ""}],
                             {"respondent_id": "rid"}, QUESTIONS, population=FRAME)
    return load_questionnaire(q_path)


def test_counts_are_met_exactly_and_the_frame_is_shared_by_largest_remainder(tmp_path, questionnaire):
    answers = reconstruct_answers(questionnaire, recipe(tmp_path))
    assert answers["rid"].tolist() == ["P01", "P02", "P03"]
    assert sorted(answers["q"]) == ["no", "yes", "yes"]
    assert sorted(answers["why"]) == ["", "", "because"]
    # 3 of a 6/4 frame: quotas 1.8 and 1.2, floors 1 and 1, the remainder to the larger fraction (a)
    assert sorted(answers["group"]) == ["a", "a", "b"]
    assert list(answers.columns) == ["rid", "group", "q", "why"]


def test_the_same_recipe_gives_the_same_bytes(tmp_path, questionnaire):
    first = write_answers_csv(reconstruct_answers(questionnaire, recipe(tmp_path)))
    assert first == write_answers_csv(reconstruct_answers(questionnaire, recipe(tmp_path)))
    assert first.startswith(b"rid,group,q,why\nP01,") and b"\r" not in first


def test_counts_that_do_not_add_up_to_the_respondents_are_refused(tmp_path, questionnaire):
    with pytest.raises(QuestionnaireError) as caught:
        reconstruct_answers(questionnaire, recipe(tmp_path, counts={"yes": 1, "no": 1}))
    (issue,) = caught.value.issues
    assert issue.code == "count-mismatch" and issue.found == "counts summing to 2" and issue.expected.startswith("3,")


def test_a_recipe_without_respondents_is_refused(tmp_path, questionnaire):
    with pytest.raises(QuestionnaireError) as caught:
        reconstruct_answers(questionnaire, recipe(tmp_path, respondents=0))
    assert caught.value.issues[0].key == "reconstruction.respondents"


def test_a_file_without_a_recipe_is_refused(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("provenance: {reconstructed: false}\n")
    with pytest.raises(QuestionnaireError) as caught:
        read_recipe(path)
    assert caught.value.codes == ["missing-key"]
