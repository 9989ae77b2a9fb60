"""The scipy.special forms give the very numbers of the scipy.stats and statsmodels calls they replace."""

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from pipeline.stats.distributions import (
    adjust_p,
    chi2_sf,
    f_sf,
    hypergeom_cdf,
    hypergeom_cdf_values,
    hypergeom_logpmf,
    hypergeom_sf,
    hypergeom_sf_values,
    hypergeom_tail_value,
    pearson_chi_square,
)


@pytest.mark.parametrize(("x", "dfn", "dfd"), [(0.3, 1, 81), (10.72, 1, 81), (1.18, 2.97841, 241.251), (0.0, 3, 9)])
def test_f_upper_tail(x, dfn, dfd):
    assert f_sf(x, dfn, dfd) == stats.f.sf(x, dfn, dfd)


@pytest.mark.parametrize(("x", "df"), [(0.5, 1), (3.84, 1), (12.0, 4.5), (200.0, 6)])
def test_chi_square_upper_tail(x, df):
    assert chi2_sf(x, df) == stats.chi2.sf(x, df)


@pytest.mark.parametrize(("total", "good", "draws"), [(82, 41, 58), (10, 3, 4), (944, 551, 393), (5, 5, 2)])
def test_hypergeometric(total, good, draws):
    support = np.arange(max(0, draws - (total - good)), min(draws, good) + 1)
    assert np.array_equal(hypergeom_logpmf(support, total, good, draws),
                          stats.hypergeom.logpmf(support, total, good, draws))
    for k in support:
        assert hypergeom_cdf(k, total, good, draws) == stats.hypergeom.cdf(k, total, good, draws)
        assert hypergeom_sf(k, total, good, draws) == stats.hypergeom.sf(k, total, good, draws)


@pytest.mark.parametrize(("total", "draws"), [(82, 58), (10, 4), (150, 150), (5, 0), (1, 1), (944, 393)])
def test_hypergeometric_arrays_match_scipy_outside_the_support_too(total, draws):
    """Every population count from impossible to impossible, and k from below to above the support."""
    good = np.arange(-1, total + 2)
    for k in sorted({-2, -1, 0, 1, draws // 2, draws - 1, draws, draws + 1}):
        assert np.array_equal(hypergeom_cdf_values(k, total, good, draws),
                              stats.hypergeom.cdf(k, total, good, draws), equal_nan=True)
        assert np.array_equal(hypergeom_sf_values(k, total, good, draws),
                              stats.hypergeom.sf(k, total, good, draws), equal_nan=True)
        scalar = hypergeom_sf_values(k, total, min(total, 3), draws)
        assert np.ndim(scalar) == 0
        assert np.array_equal(scalar, stats.hypergeom.sf(k, total, min(total, 3), draws), equal_nan=True)


@pytest.mark.parametrize(("total", "draws"), [(82, 58), (10, 4), (5, 0), (1, 1), (100_000, 82), (3_000_000, 1_500)])
def test_one_tail_value_is_the_arrays_value_to_the_last_bit(total, draws):
    """The scalar form the bisection uses: inside, below and above the support, and impossible counts."""
    goods = sorted({-1, 0, 1, draws // 3, total // 2, total - 1, total, total + 1})
    for k in sorted({-2, -1, 0, 1, draws // 2, draws - 1, draws, draws + 1}):
        for good in goods:
            for upper, values in ((True, hypergeom_sf_values), (False, hypergeom_cdf_values)):
                expected = float(values(k, total, good, draws))
                found = hypergeom_tail_value(k, total, good, draws, upper)
                assert found == expected or (np.isnan(found) and np.isnan(expected)), (k, good, upper)


@pytest.mark.parametrize("table", [[[33, 8], [25, 16]], [[1, 9], [4, 2]], [[10, 20, 30], [5, 9, 1]], [[3, 3], [3, 3]],
                                   [[12.5, 3.25], [7.0, 40.75]]])
@pytest.mark.parametrize("correct", [False, True])
def test_pearson_chi_square(table, correct):
    result = stats.chi2_contingency(np.asarray(table, dtype=float), correction=correct)
    assert pearson_chi_square(table, correct) == (result.statistic, result.dof, result.pvalue)


def test_a_table_with_an_empty_margin_is_refused_as_scipy_refuses_it():
    with pytest.raises(ValueError, match="zero element"):
        pearson_chi_square([[0, 0], [3, 4]])


@pytest.mark.parametrize("p", [[0.01, 0.04, 0.03, 0.2, 0.04], [0.5], [0.001, 0.9, 0.9, 0.02],
                               [0.3, 0.2, 0.6, 0.01, 0.8]])
@pytest.mark.parametrize(("method", "name"), [("holm", "holm"), ("bh", "fdr_bh")])
def test_adjustment(p, method, name):
    assert np.array_equal(adjust_p(p, method), multipletests(p, method=name)[1])


def test_an_empty_family_and_an_unknown_method():
    assert adjust_p([], "holm").size == 0
    with pytest.raises(ValueError):
        adjust_p([0.1], "bonferroni")
