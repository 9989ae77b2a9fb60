"""The template's context: numbers pre-formatted, small bases suppressed, each figure from its record."""

import math

import pytest
from survey_files import write_survey

from pipeline.records import SRS, Estimate
from pipeline.report.context import _points, build_context, interval, level_text, percent, shown
from pipeline.run import analyse


def test_percentages_round_and_a_missing_value_is_a_dash():
    assert percent(0.7073) == "71%" and percent(0.7073, 1) == "70.7%"
    assert percent(None) == percent(math.nan) == "\u2013"
    assert interval(0.36, 0.571) == "36\u201357%"  # one line, one unit
    assert interval(math.nan, 0.5) == "\u2013"


def test_a_difference_that_rounds_to_zero_has_no_sign():
    assert _points(-0.004) == "0" and _points(-0.006) == "-1" and _points(0.19) == "19"


def test_the_level_is_never_rounded_away():
    assert level_text(0.95) == "95%" and level_text(0.975) == "97.5%"


def test_a_record_is_shown_only_at_or_above_the_threshold():
    def record(n: int) -> Estimate:
        return Estimate("s", "m", "yes", "", "", SRS, n, "all", 0.5, 0.1, 0.3, 0.7, "wilson", False, False, math.nan)

    assert not shown(None, 5) and not shown(record(4), 5) and shown(record(5), 5)


@pytest.fixture
def context(tmp_path):
    rows = [{"rid": f"r{i}", "q": "yes" if i < 6 else "no"} for i in range(10)]
    paths = write_survey(tmp_path, "small", rows, {"respondent_id": "rid"},
                         [{"id": "q", "type": "single_choice", "label": "Q",
                           "codes": [{"code": "no", "label": "No"}, {"code": "yes", "label": "Yes"}]}],
                         {"fpc": False, "headline": ["says_yes"]},
                         measures=[{"id": "says_yes", "question": "q", "categories": ["yes"], "base": "valid",
                                    "label": "Say yes"}])
    return build_context(analyse(*paths, command="test"))


def test_the_appendix_gives_each_answer_its_share_count_and_interval(context):
    table = next(t for t in context["appendix"] if t["id"] == "q")
    yes = next(r for r in table["rows"] if r["label"] == "Yes")
    assert (yes["percent"], yes["count"], yes["n"]) == ("60%", 6, 10)
    assert context["respondents"] == 10


def _plan_survey(tmp_path, analysis: dict, measures: list[dict]):
    """Ten respondents: six say yes to q, three agree with r (one is not asked r), all answer s."""
    rows = [{"rid": f"r{i}", "q": "yes" if i < 6 else "no", "r": "" if i == 9 else ("agree" if i < 3 else "disagree"),
             "s": "yes" if i < 8 else "no"} for i in range(10)]
    codes = [{"code": "no", "label": "No"}, {"code": "yes", "label": "Yes"}]
    questions = [{"id": "q", "type": "single_choice", "label": "Q", "codes": codes},
                 {"id": "r", "type": "single_choice", "label": "R", "asked_if": {"question": "q", "in": ["yes", "no"]},
                  "codes": [{"code": "agree", "label": "Agree"}, {"code": "disagree", "label": "Disagree"}],
                  "missing": {"allow_blank": True}},
                 {"id": "s", "type": "single_choice", "label": "S", "codes": codes}]
    paths = write_survey(tmp_path, "plan", rows, {"respondent_id": "rid"}, questions, {"fpc": False, **analysis},
                         measures=measures)
    return build_context(analyse(*paths, command="test"))


MEASURES = [
    {"id": "says_yes", "question": "q", "categories": ["yes"], "base": "all", "label": "Say yes to Q",
     "finding": "said yes to Q"},
    {"id": "agrees", "question": "r", "categories": ["agree"], "base": "valid", "label": "Agree with R"},
    {"id": "s_yes", "question": "s", "categories": ["yes"], "base": "all", "label": "Say yes to S"},
]


def test_main_points_come_from_the_headline_with_count_base_and_one_interval(tmp_path):
    context = _plan_survey(tmp_path, {"headline": ["says_yes", "agrees"]}, MEASURES)
    assert context["main_points"] == [
        "60% of respondents said yes to Q (6 of 10; 95%\u00a0CI\u00a031\u201383%).",
        "Agree with R: 33% of those answering (3 of 9; 95%\u00a0CI\u00a012\u201365%).",
    ]


def test_main_points_key_chooses_and_orders_them(tmp_path):
    plan = {"headline": ["says_yes", "agrees", "s_yes"], "main_points": ["s_yes", "says_yes"]}
    context = _plan_survey(tmp_path, plan, MEASURES)
    assert [p.split(":")[0].split(" (")[0] for p in context["main_points"]] == [
        "Say yes to S", "60% of respondents said yes to Q"]


def test_at_most_six_headline_measures_become_main_points(tmp_path):
    measures = [{"id": f"m{i}", "question": "q", "categories": ["yes"], "base": "all", "label": f"M{i}"}
                for i in range(8)]
    context = _plan_survey(tmp_path, {"headline": [m["id"] for m in measures]}, measures)
    assert [p.split(":")[0] for p in context["main_points"]] == [f"M{i}" for i in range(6)]


def test_a_theme_has_one_chart_per_base_largest_first_and_its_table_in_the_same_order(tmp_path):
    theme = {"id": "t", "title": "Views", "measures": ["says_yes", "agrees", "s_yes"], "message": "Most said yes"}
    context = _plan_survey(tmp_path, {"themes": [theme]}, MEASURES)
    groups = context["themes"][0]["rates"]
    assert [[f["id"] for f in g["figures"]] for g in groups] == [["s_yes", "says_yes"], ["agrees"]]
    assert [g["title"] for g in groups] == ["Most said yes", "Views: shares of those answering"]
    assert groups[0]["subtitle"] == "Base: all respondents; n = 10"
    assert [g["number"] for g in groups] == [1, 2] and [g["table"] for g in groups] == [1, 2]
    assert groups[0]["chart"].alt.startswith("Figure 1: Most said yes. Base: all respondents; n = 10.")


def test_as_listed_keeps_the_plan_order(tmp_path):
    theme = {"id": "t", "title": "Views", "measures": ["says_yes", "s_yes"]}
    context = _plan_survey(tmp_path, {"themes": [theme], "chart_order": "as_listed"}, MEASURES)
    assert [f["id"] for f in context["themes"][0]["rates"][0]["figures"]] == ["says_yes", "s_yes"]


def test_comparisons_are_sentences_naming_the_method(tmp_path):
    measures = [*MEASURES, {"id": "q_group", "question": "q", "categories": ["yes"], "label": "Q yes"}]
    context = _plan_survey(tmp_path, {"comparisons": [{"measure": "s_yes", "by": "q"}], "suppress_below": 1},
                           measures)
    group = context["comparisons"]["groups"][0]
    assert group["heading"] == "Say yes to S, by q"
    (sentence,) = group["sentences"]
    assert sentence.startswith("No 50% (n = 4) was lower than Yes 100% (n = 6): a difference of 50 points (95% CI")
    assert "Newcombe); Fisher's exact test p = " in sentence and sentence.endswith("not a significant difference.")
