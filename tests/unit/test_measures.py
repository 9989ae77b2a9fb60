"""A measure's denominator follows its base (all, asked, valid); its numerator, its categories."""

import numpy as np

from pipeline.measures import STATUSES, code_measure, code_options, code_question, status_codes, status_counts

from .conftest import YES_NO

DESIGN = {"respondent_id": "rid"}
QUESTIONS = [
    {"id": "owns", "type": "single_choice", "codes": YES_NO},
    {"id": "likes", "type": "single_choice", "asked_if": {"question": "owns", "in": ["yes"]},
     "codes": YES_NO, "missing": {"dont_know": ["dk"], "allow_blank": True}},
    {"id": "media", "type": "multiple_choice", "layout": "delimited", "delimiter": ";",
     "codes": [{"code": "tv", "label": "TV"}, {"code": "web", "label": "Web"}]},
]
# owns, likes, media
ANSWERS = [("yes", "yes", "tv"), ("yes", "no", "tv;web"), ("yes", "dk", "web"), ("no", "", "tv"), ("yes", "", "web")]


def responses(make_responses, measures):
    rows = [{"rid": f"r{i}", "owns": o, "likes": k, "media": m} for i, (o, k, m) in enumerate(ANSWERS)]
    return make_responses(rows, DESIGN, QUESTIONS, measures=measures)


def measure(base):
    return [{"id": "likes_it", "question": "likes", "categories": ["yes"], "base": base}]


def test_each_base_gives_its_own_denominator(make_responses):
    # asked: r0, r1, r2, r4; valid answers among them: r0 (yes), r1 (no)
    expected = {"all": [1, 0, 0, 0, 0], "asked": [1, 0, 0, -1, 0], "valid": [1, 0, -1, -1, -1]}
    for base, codes in expected.items():
        r = responses(make_responses, measure(base))
        coded = code_measure(r, r.questionnaire.measure("likes_it"))
        assert coded.codes.tolist() == codes, base
        assert coded.complement and coded.categories == ("other", "yes")


def test_status_of_each_answer(make_responses):
    r = responses(make_responses, measure("valid"))
    status = status_codes(r, r.questionnaire.question("likes"))
    assert [STATUSES[s] for s in status] == ["answered", "answered", "dont_know", "not_asked", "blank"]


def test_a_question_is_coded_over_its_valid_answers(make_responses):
    r = responses(make_responses, measure("valid"))
    coded = code_question(r, r.questionnaire.question("likes"))
    assert coded.codes.tolist() == [1, 0, -1, -1, -1] and coded.labels == ("No", "Yes")


def test_each_option_of_a_multiple_choice_is_its_own_binary_variable(make_responses):
    r = responses(make_responses, measure("valid"))
    options = {v.id: v.codes.tolist() for v in code_options(r, r.questionnaire.question("media"))}
    assert options == {"media.tv": [1, 1, 0, 1, 0], "media.web": [0, 1, 1, 0, 1]}


def test_status_counts_are_the_counts_of_each_respondents_status(make_responses):
    r = responses(make_responses, measure("valid"))
    for question in r.questionnaire.questions:  # routed with a missing code and blanks; delimited choices
        counts = status_counts(r, question)
        assert counts.tolist() == np.bincount(status_codes(r, question), minlength=len(STATUSES)).tolist()
    likes = status_counts(r, r.questionnaire.question("likes"))
    assert {STATUSES[i]: int(c) for i, c in enumerate(likes) if c} == {"answered": 2, "dont_know": 1,
                                                                        "not_asked": 1, "blank": 1}
