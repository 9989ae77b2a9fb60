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


@pytest.fixture
def pairwise(table):
    return table[table.test == "fisher"].reset_index(drop=True)


def test_every_pair_is_compared_once_with_its_shares_and_difference(table, pairwise):
    assert list(table.columns) == list(COLUMNS)
    table = pairwise
    assert list(zip(table.group_a, table.group_b, strict=True)) == [("a", "b"), ("a", "c"), ("b", "c")]
    assert table.estimate_a.tolist() == [0.9, 0.9, 0.1] and table.estimate_b.tolist() == [0.1, 0.5, 0.5]
    assert table.difference.tolist() == pytest.approx([0.8, 0.4, -0.4])
    assert (table.ci_low < table.difference).all() and (table.difference < table.ci_high).all()


def test_p_values_are_fishers_and_holm_adjusted_across_the_plan(pairwise):
    table = pairwise
    expected = [stats.fisher_exact([[YES[a], 20 - YES[a]], [YES[b], 20 - YES[b]]]).pvalue
                for a, b in (("a", "b"), ("a", "c"), ("b", "c"))]
    assert table.p_value.tolist() == pytest.approx(expected, rel=1e-10)
    assert table.p_adjusted.tolist() == pytest.approx(holm(np.array(expected)), rel=1e-10)
    assert (table.adjust_method == "Holm").all()


def test_groups_that_do_not_differ_share_a_letter(pairwise):
    table = pairwise
    assert table.significant.tolist() == [True, True, True]
    assert table.letters.tolist() == ["a | b", "a | c", "b | c"]


def test_the_whole_unweighted_table_has_pearson_and_fisher_beside_the_family(table):
    """Whole-table tests of the same data are reported, not adjusted: the family stays the pairs."""
    whole = table[table.group_b == ""].set_index("test")
    counts = np.array([[YES[g] for g in "abc"], [20 - YES[g] for g in "abc"]])
    assert whole.loc["chisq", "statistic"] == pytest.approx(stats.chi2_contingency(counts, correction=False)[0])
    assert 0 < whole.loc["fisher-table", "p_value"] < 1e-4
    assert not whole["in_family"].any() and whole["p_adjusted"].isna().all()
    assert table[table.test == "fisher"]["in_family"].all()


def test_a_weighted_design_compares_pairs_by_design_based_differences_and_runs_svychisq(make_responses):
    rows = [{"rid": f"{g}{i}", "group": g, "q": "yes" if i < YES[g] else "no", "w": 1 + (i % 3)}
            for g in "abc" for i in range(20)]
    responses = make_responses(rows, {"respondent_id": "rid", "weights": "w"}, QUESTIONS,
                               {"fpc": False, "comparisons": [{"measure": "says_yes", "by": "group"}],
                                "share_tests": [{"measure": "says_yes", "value": 0.4}]},
                               measures=MEASURES)
    variable = code_measure(responses, responses.questionnaire.measure("says_yes"))
    table = compare_all(responses, [variable], design_variants(responses))
    assert "fisher" not in set(table.test)
    pairs = table[table.test == "design-difference"]
    assert len(pairs) == 3 and (pairs.se > 0).all() and pairs["in_family"].all()
    weights = np.array([1 + (i % 3) for i in range(20)])
    share_a = (weights * (np.arange(20) < YES["a"])).sum() / weights.sum()
    assert pairs.estimate_a.iloc[0] == pytest.approx(share_a)
    svy = table[table.group_b == ""]
    assert list(svy.test) == ["rao-scott-f", "rao-scott-chisq", "wald-f", "adjusted-wald-f"]
    assert list(svy.in_family) == [True, False, False, False]
    one = table[table.by == ""].set_index("test")
    assert list(one.index) == ["binom-test", "prop-test", "design-t"]
    assert one.loc["design-t", "in_family"] and not one.loc["binom-test", "in_family"]
    assert one.loc["binom-test", "estimate_a"] == pytest.approx(30 / 60)


def test_share_tests_of_an_unweighted_sample_are_binom_test_first(make_responses):
    rows = [{"rid": f"{g}{i}", "group": g, "q": "yes" if i < YES[g] else "no"} for g in "abc" for i in range(20)]
    responses = make_responses(rows, {"respondent_id": "rid"}, QUESTIONS,
                               {"fpc": False, "share_tests": [{"measure": "says_yes", "value": 0.4}]},
                               measures=MEASURES)
    variable = code_measure(responses, responses.questionnaire.measure("says_yes"))
    table = compare_all(responses, [variable], design_variants(responses)).set_index("test")
    assert table.loc["binom-test", "p_value"] == pytest.approx(stats.binomtest(30, 60, 0.4).pvalue, rel=1e-10)
    assert table.loc["binom-test", "in_family"] and not table.loc["prop-test", "in_family"]
