"""The analysis plan's comparisons: pairwise differences, exact tests, adjusted p-values and letters."""

import numpy as np
import pytest
from scipy import stats

from pipeline.compare import COLUMNS, compare_all
from pipeline.measures import code_measure
from pipeline.survey_design import design_variants

from .conftest import YES_NO

GROUPS3 = [{"code": "a", "label": "A"}, {"code": "b", "label": "B"}, {"code": "c", "label": "C"}]
QUESTIONS = [{"id": "group", "type": "single_choice", "codes": GROUPS3},
             {"id": "q", "type": "single_choice", "codes": YES_NO}]
MEASURES = [{"id": "says_yes", "question": "q", "categories": ["yes"]}]
YES = {"a": 18, "b": 2, "c": 10}  # of 20 in each group


def holm(p):
    """Holm's step-down adjustment, written out: sorted p times (m - rank), made monotone, capped at 1."""
    order = np.argsort(p)
    adjusted = np.empty(len(p))
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, (len(p) - rank) * p[index])
        adjusted[index] = min(running, 1.0)
    return adjusted


@pytest.fixture
def table(make_responses):
    rows = [{"rid": f"{g}{i}", "group": g, "q": "yes" if i < YES[g] else "no"} for g in "abc" for i in range(20)]
    responses = make_responses(rows, {"respondent_id": "rid"}, QUESTIONS,
                               {"fpc": False, "comparisons": [{"measure": "says_yes", "by": "group"}]},
                               measures=MEASURES)
    variable = code_measure(responses, responses.questionnaire.measure("says_yes"))
    return compare_all(responses, [variable], design_variants(responses))


def test_every_pair_is_compared_once_with_its_shares_and_difference(table):
    assert list(table.columns) == list(COLUMNS)
    assert list(zip(table.group_a, table.group_b, strict=True)) == [("a", "b"), ("a", "c"), ("b", "c")]
    assert table.estimate_a.tolist() == [0.9, 0.9, 0.1] and table.estimate_b.tolist() == [0.1, 0.5, 0.5]
    assert table.difference.tolist() == pytest.approx([0.8, 0.4, -0.4])
    assert (table.ci_low < table.difference).all() and (table.difference < table.ci_high).all()


def test_p_values_are_fishers_and_holm_adjusted_across_the_plan(table):
    expected = [stats.fisher_exact([[YES[a], 20 - YES[a]], [YES[b], 20 - YES[b]]]).pvalue
                for a, b in (("a", "b"), ("a", "c"), ("b", "c"))]
    assert table.p_value.tolist() == pytest.approx(expected, rel=1e-10)
    assert table.p_adjusted.tolist() == pytest.approx(holm(np.array(expected)), rel=1e-10)
    assert (table.adjust_method == "Holm").all()


def test_groups_that_do_not_differ_share_a_letter(table):
    assert table.significant.tolist() == [True, True, True]
    assert table.letters.tolist() == ["a | b", "a | c", "b | c"]
