"""Fisher's test of r x c tables against enumeration of every table; the binomial test against scipy."""

import itertools
from math import comb, exp, lgamma

import numpy as np
import pytest
from scipy import stats

from pipeline.stats.exact_tests import TooManyTables, binomial_test, fisher_exact_table


def enumerated_p_value(table: np.ndarray) -> float:
    """Every first row with the observed margins, its probability prod C(c_j, x_j) / C(n, r1)."""
    columns = table.sum(axis=0)
    first = int(table[0].sum())
    total = comb(int(columns.sum()), first)

    def probability(row):
        return np.prod([comb(int(c), int(x)) for c, x in zip(columns, row, strict=True)]) / total

    observed = probability(table[0])
    return sum(probability(row) for row in itertools.product(*(range(int(c) + 1) for c in columns))
               if sum(row) == first and probability(row) <= observed * (1 + 1e-7))


@pytest.mark.parametrize("table", [
    [[3, 1, 4], [1, 5, 9]], [[0, 6, 2, 3], [5, 0, 4, 1]], [[7, 7, 7], [7, 7, 7]], [[10, 2], [3, 9]],
])
def test_the_p_value_is_the_enumerated_sum(table):
    table = np.array(table)
    assert fisher_exact_table(table).p_value == pytest.approx(enumerated_p_value(table), rel=1e-12)
    assert fisher_exact_table(table.T).p_value == pytest.approx(enumerated_p_value(table), rel=1e-12)


def enumerated_r_by_c(table: np.ndarray) -> float:
    """Every table with the observed margins (its first r - 1 rows and c - 1 columns free), its
    probability prod R_i! prod C_j! / (N! prod n_ij!)."""
    r, c = table.shape
    rows, columns, n = table.sum(axis=1), table.sum(axis=0), int(table.sum())

    def log_probability(t):
        return (sum(lgamma(v + 1) for v in rows) + sum(lgamma(v + 1) for v in columns) - lgamma(n + 1)
                - sum(lgamma(v + 1) for v in t.ravel()))

    observed = log_probability(table)
    total = 0.0
    for cells in itertools.product(*(range(min(rows[i], columns[j]) + 1) for i in range(r - 1) for j in range(c - 1))):
        t = np.zeros((r, c), dtype=int)
        t[:r - 1, :c - 1] = np.reshape(cells, (r - 1, c - 1))
        t[:r - 1, c - 1] = rows[:r - 1] - t[:r - 1, :c - 1].sum(axis=1)
        t[r - 1] = columns - t[:r - 1].sum(axis=0)
        if (t >= 0).all() and log_probability(t) <= observed + np.log(1 + 1e-7):
            total += exp(log_probability(t))
    return total


@pytest.mark.parametrize("table", [
    [[2, 3, 1], [4, 0, 2], [1, 2, 5]], [[2, 0, 1, 1], [0, 2, 1, 0], [1, 1, 0, 2]],
    [[1, 0, 1], [0, 1, 1], [1, 1, 0], [0, 1, 0]],
    [[5, 2], [1, 6], [3, 3]], [[1, 1, 1], [1, 1, 1], [1, 1, 1]], [[4, 0, 0], [0, 4, 0], [0, 0, 4]],
    [[0, 0, 0], [2, 3, 1], [4, 0, 2]],
])
def test_an_r_by_c_p_value_is_the_enumerated_sum(table):
    table = np.array(table)
    assert fisher_exact_table(table).p_value == pytest.approx(enumerated_r_by_c(table[table.sum(axis=1) > 0]),
                                                              rel=1e-12)
    assert fisher_exact_table(table.T).p_value == pytest.approx(fisher_exact_table(table).p_value, rel=1e-12)


def test_a_table_with_one_row_or_column_left_has_p_value_1():
    assert fisher_exact_table([[3, 0, 4], [0, 0, 0]]).p_value == 1.0
    assert fisher_exact_table([[3], [5], [2]]).p_value == 1.0


def test_a_2x2_table_is_scipys_fisher_test():
    assert fisher_exact_table([[12, 5], [4, 15]]).p_value == pytest.approx(
        stats.fisher_exact([[12, 5], [4, 15]]).pvalue, rel=1e-12)


def test_a_table_too_large_to_search_says_so_and_no_third_dimension_is_guessed():
    with pytest.raises(TooManyTables):
        fisher_exact_table([[40, 50, 60, 45], [45, 55, 52, 61]], max_work=1000)
    with pytest.raises(TooManyTables):
        fisher_exact_table([[40, 50, 60], [45, 55, 52], [30, 41, 20]], max_work=1000)
    with pytest.raises(ValueError, match="two-way table"):
        fisher_exact_table(np.ones((2, 2, 2), dtype=int))


@pytest.mark.parametrize("x,n,p", [(7, 20, 0.3), (12, 20, 0.3), (0, 15, 0.1), (40, 40, 0.9), (6, 20, 0.3)])
def test_binomial_test_is_scipys_binomtest(x, n, p):
    result = binomial_test(x, n, p)
    expected = stats.binomtest(x, n, p)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-10)
    interval = expected.proportion_ci(confidence_level=0.95, method="exact")
    assert (result.ci_low, result.ci_high) == pytest.approx((interval.low, interval.high), rel=1e-10, abs=1e-15)
