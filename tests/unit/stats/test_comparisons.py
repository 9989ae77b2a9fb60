"""Group comparisons against scipy, statsmodels and hand calculations."""

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep

from pipeline.stats.comparisons import (
    adjust,
    chi_square,
    compact_letters,
    fisher_exact,
    newcombe_difference,
    one_sample_test,
    rao_scott,
)

P = [0.01, 0.04, 0.03, 0.005, 0.2]


def test_holm_by_hand():
    # sorted: 0.005*5, 0.01*4, 0.03*3, 0.04*2, 0.2*1, made non-decreasing: .025 .04 .09 .09 .2
    assert adjust(P, "holm").tolist() == pytest.approx([0.04, 0.09, 0.09, 0.025, 0.2])


def test_benjamini_hochberg_by_hand():
    # p_(i) m / i from the largest down, running minimum: .2, .05, .05, .025, .05
    assert adjust(P, "bh").tolist() == pytest.approx([0.025, 0.05, 0.05, 0.025, 0.2])
    assert adjust([], "holm").tolist() == []


@pytest.mark.parametrize("table", [[[12, 5], [3, 9]], [[33, 25], [8, 16]], [[0, 10], [5, 5]]])
def test_fisher_p_value_is_scipys(table):
    assert fisher_exact(np.array(table)).p_value == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-12)


def test_fisher_odds_ratio_at_the_edges_of_the_table():
    assert fisher_exact(np.array([[0, 10], [5, 5]])).estimate == 0.0
    assert fisher_exact(np.array([[10, 0], [5, 5]])).estimate == np.inf


def test_chi_square_of_a_2x2_table_by_hand():
    # [[10, 20], [30, 40]]: expected 12, 18, 28, 42; sum (o - e)^2 / e
    expected = 4 / 12 + 4 / 18 + 4 / 28 + 4 / 42
    result = chi_square(np.array([[10, 20], [30, 40]]))
    assert result.statistic == pytest.approx(expected) and result.df == (1.0,)
    assert result.p_value == pytest.approx(stats.chi2.sf(expected, 1))
    assert chi_square(np.array([[10, 20], [30, 40]]), correct=True).statistic < expected


def test_one_proportion_test_by_hand():
    # 58 of 82 against 0.5: (58 - 41)^2 / 20.5, and with Yates' correction (17 - 0.5)^2 / 20.5
    assert one_sample_test(58, 82, correct=False).statistic == pytest.approx(289 / 20.5)
    assert one_sample_test(58, 82).statistic == pytest.approx(16.5 ** 2 / 20.5)


@pytest.mark.parametrize("x1,n1,x2,n2", [(56, 70, 48, 80), (9, 10, 3, 10), (5, 56, 0, 29), (6, 7, 2, 7)])
def test_newcombe_difference_is_statsmodels_newcomb(x1, n1, x2, n2):
    difference, low, high = newcombe_difference(x1, n1, x2, n2)
    expected = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff")
    assert difference == pytest.approx(x1 / n1 - x2 / n2)
    assert (low, high) == pytest.approx(expected, rel=1e-10)


def test_newcombe_textbook_value():
    # Newcombe (1998), Statistics in Medicine 17: 873-890, Table II, example (b), method 10
    assert [round(v, 4) for v in newcombe_difference(9, 10, 3, 10)[1:]] == [0.1705, 0.809]


def test_rao_scott_under_multinomial_sampling_is_pearsons_test():
    # With the covariance of a simple random sample, (diag(p) - p p') / n, the design effects
    # are all 1: the F statistic is Pearson's chi-square with 1 and df degrees of freedom.
    counts = np.array([10.0, 30.0, 20.0, 40.0])  # cells (row, column) = (0,0), (1,0), (0,1), (1,1)
    n = counts.sum()
    p = counts / n
    f_test, chisq = rao_scott(p, (np.diag(p) - np.outer(p, p)) / n, 2, 2, int(n), 1000)
    pearson = stats.chi2_contingency([[10, 20], [30, 40]], correction=False).statistic
    assert f_test.statistic == pytest.approx(pearson) and f_test.df == pytest.approx((1.0, 1000.0))
    assert chisq.p_value == pytest.approx(stats.chi2.sf(pearson, 1))


def test_letters_split_only_groups_that_differ():
    assert compact_letters(["a", "b", "c"], set()) == {"a": "a", "b": "a", "c": "a"}
    assert compact_letters(["a", "b", "c"], {frozenset("ab")}) == {"a": "a", "b": "b", "c": "ab"}
    assert compact_letters(["a", "b", "c"], {frozenset("ab"), frozenset("ac"), frozenset("bc")}) == {
        "a": "a", "b": "b", "c": "c"}
