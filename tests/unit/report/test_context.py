"""The template's context: numbers pre-formatted, small bases suppressed, each figure from its record."""

import math

import pytest
from survey_files import write_survey

from pipeline.records import SRS, Estimate
from pipeline.report.context import build_context, interval, level_text, percent, shown
from pipeline.run import analyse


def test_percentages_round_and_a_missing_value_is_a_dash():
    assert percent(0.7073) == "71%" and percent(0.7073, 1) == "70.7%"
    assert percent(None) == percent(math.nan) == "\u2013"
    assert interval(0.36, 0.571) == "36% to 57%"


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
