"""A questionnaire with lists of interval methods yields a row for each; the first is the main one."""

from __future__ import annotations

import pandas as pd
import pytest
from survey_files import write_survey

from pipeline.errors import QuestionnaireError
from pipeline.questionnaire import load_questionnaire
from pipeline.run import analyse
from pipeline.stats.hypergeometric import hypergeometric_interval
from pipeline.stats.intervals import binomial_interval

YES_NO = [{"code": "no", "label": "No"}, {"code": "yes", "label": "Yes"}]
GROUPS = [{"code": "a", "label": "A"}, {"code": "b", "label": "B"}]


def survey(folder, analysis: dict, design: dict | None = None, name: str = "lists"):
    rows = [{"rid": f"r{i}", "group": "ab"[i % 2], "q": "yes" if i % 5 < 3 else "no"} for i in range(40)]
    questions = [{"id": "group", "type": "single_choice", "codes": GROUPS},
                 {"id": "q", "type": "single_choice", "codes": YES_NO}]
    return write_survey(folder, name, rows, design or {"respondent_id": "rid", "population_size": 60}, questions,
                        {"subgroups": ["group"], **analysis})


def test_every_method_is_a_row_in_order_and_lookups_find_the_first(tmp_path):
    results = analyse(*survey(tmp_path, {"interval": ["clopper-pearson", "wilson"],
                                         "design_interval": ["logit", "hypergeometric"]}), command="test")
    table = results.estimates
    frame = table.frame()
    overall = frame[(frame.measure == "q") & (frame.category == "yes") & (frame.domain_variable == "")]
    assert list(zip(overall.variant, overall.ci_method, strict=True)) == [
        ("srs", "clopper-pearson"), ("srs", "wilson"), ("fpc", "logit"), ("fpc", "hypergeometric")]
    assert table.get("q", "yes").ci_method == "clopper-pearson"
    assert table.get("q", "yes", variant="fpc").ci_method == "logit"
    wilson = table.get("q", "yes", method="wilson")
    assert (wilson.ci_low, wilson.ci_high) == pytest.approx(tuple(float(v) for v in binomial_interval(24, 40)))
    exact = table.get("q", "yes", variant="fpc", method="hypergeometric")
    assert (exact.ci_low, exact.ci_high) == tuple(float(v) for v in hypergeometric_interval(24, 40, 60))
    assert exact.note == ""
    in_group = table.get("q", "yes", "group", "a", "fpc", method="hypergeometric")
    assert in_group.note.startswith("population of the base taken as 30")
    assert (in_group.ci_low, in_group.ci_high) == tuple(float(v) for v in hypergeometric_interval(12, 20, 30))


def test_one_method_gives_the_rows_it_always_gave(tmp_path):
    one = analyse(*survey(tmp_path, {"interval": "wilson"}, name="one"), command="test").estimates.frame()
    listed = analyse(*survey(tmp_path, {"interval": ["wilson"]}, name="listed"), command="test").estimates.frame()
    pd.testing.assert_frame_equal(one.drop(columns="survey"), listed.drop(columns="survey"))
    assert set(one.ci_method) == {"wilson", "logit"}


@pytest.mark.parametrize("analysis,design,found", [
    ({"design_interval": ["hypergeometric"]}, {"respondent_id": "rid"}, "'hypergeometric'"),
    ({"design_interval": ["hypergeometric"], "fpc": False}, None, "'hypergeometric'"),
    ({"design_interval": ["logit", "logit"]}, None, "'logit' again"),
])
def test_the_exact_interval_needs_a_known_population_and_methods_are_listed_once(tmp_path, analysis, design, found):
    q_path, _ = survey(tmp_path, analysis, design)
    with pytest.raises(QuestionnaireError) as error:
        load_questionnaire(q_path)
    (issue,) = error.value.issues
    assert issue.code == "invalid-value" and issue.key.startswith("analysis.design_interval") and issue.found == found


def test_the_exact_interval_is_not_the_main_one_of_a_calibrated_design(tmp_path):
    q_path, _ = survey(tmp_path, {"design_interval": ["hypergeometric", "logit"]},
                       {"respondent_id": "rid", "population_size": 60,
                        "weighting": {"method": "poststratify", "variables": ["group"]}},
                       )
    text = q_path.read_text(encoding="utf-8") + (
        "population:\n  size: 60\n  frame:\n    variables: [group]\n    cells:\n"
        "      - {group: a, count: 30}\n      - {group: b, count: 30}\n")
    q_path.write_text(text, encoding="utf-8")
    with pytest.raises(QuestionnaireError) as error:
        load_questionnaire(q_path)
    (issue,) = error.value.issues
    assert (issue.key, issue.found) == ("analysis.design_interval", "'hypergeometric' first")


@pytest.mark.parametrize("test,key,found", [
    ({"measure": "nothing", "value": 0.5}, "analysis.share_tests[0].measure", "'nothing'"),
    ({"measure": "says_yes", "value": 1.0}, "analysis.share_tests[0].value", "1"),
])
def test_share_tests_name_a_measure_and_a_share_strictly_between_0_and_1(tmp_path, test, key, found):
    q_path, _ = survey(tmp_path, {"share_tests": [test]})
    text = q_path.read_text(encoding="utf-8") + "measures:\n  - {id: says_yes, question: q, categories: [\"yes\"]}\n"
    q_path.write_text(text, encoding="utf-8")
    with pytest.raises(QuestionnaireError) as error:
        load_questionnaire(q_path)
    (issue,) = error.value.issues
    assert (issue.key, issue.found) == (key, found)
