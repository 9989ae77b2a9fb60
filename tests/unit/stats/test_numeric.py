"""Numeric estimators against textbook formulas and R's quantile rule, case by case."""

import math

import numpy as np
import pytest
from scipy import stats

from pipeline.stats.design import design_from_columns, simple_design
from pipeline.stats.numeric import numeric_estimates, quantile_math, quantile_statistic, ratio_estimate, share_deff

VALUES = np.array([3.0, 7.0, 1.0, 4.0, 10.0, 6.0, np.nan, 2.0])


def by_statistic(results):
    return {r.statistic: r for r in results}


def test_quantile_rule_takes_the_value_where_the_cumulative_share_is_hit_exactly_or_the_next():
    x, w = np.array([4.0, 1.0, 3.0, 2.0]), np.ones(4)
    assert quantile_math(x, w, 0.5) == 2.0    # cumulative shares 0.25, 0.5, ...: 0.5 is hit at 2
    assert quantile_math(x, w, 0.6) == 3.0    # not hit: the next value
    assert quantile_math(x, np.array([1.0, 1.0, 0.0, 2.0]), 0.5) == 2.0  # weight 0 left out: 1, 2, 4 by 1, 2, 1
    # Below the first unit's share no position qualifies; R then takes the second value.
    assert quantile_math(x, w, 0.1) == 2.0
    assert quantile_math(x, w, 1.0) == 4.0
    assert math.isnan(quantile_math(x, w, float("nan")))


def test_mean_and_total_of_a_simple_random_sample_are_the_textbook_ones():
    n = 7
    y = VALUES[~np.isnan(VALUES)]
    results = by_statistic(numeric_estimates(simple_design(len(VALUES)), VALUES, np.ones(len(VALUES), bool), 0.9))
    mean, total = results["mean"], results["total"]
    t = stats.t.ppf(0.95, n - 1)
    assert mean.n == total.n == n and mean.df == n - 1
    assert mean.estimate == pytest.approx(y.mean()) and total.estimate == pytest.approx(y.sum())
    # Unit n keeps its place with a score of 0: the SE is that of a sample of 8 of which 7 answered.
    assert mean.se == pytest.approx(y.std(ddof=1) / math.sqrt(n) * math.sqrt((n - 1) / n * 8 / 7), rel=1e-12)
    assert mean.ci_high - mean.ci_low == pytest.approx(2 * t * mean.se)
    assert mean.ess == n and math.isnan(mean.deff)  # weights of 1 sum to n: R's deff = TRUE is undefined


def test_with_the_fpc_a_mean_has_a_design_effect_of_one():
    y = np.arange(1.0, 21.0)
    results = by_statistic(numeric_estimates(simple_design(20, 200), y, np.ones(20, bool), 0.95))
    assert results["mean"].deff == pytest.approx(1.0, rel=1e-12)
    assert results["mean"].se == pytest.approx(y.std(ddof=1) / math.sqrt(20) * math.sqrt(1 - 20 / 200), rel=1e-12)
    assert results["total"].estimate == pytest.approx(200 * y.mean())


def test_quartiles_use_the_rule_and_the_woodruff_interval():
    y = np.arange(1.0, 101.0)
    results = by_statistic(numeric_estimates(simple_design(100), y, np.ones(100, bool), 0.95))
    median = results[quantile_statistic(0.5)]
    assert median.estimate == 50.0
    share_se = math.sqrt(0.25 / 100)  # the share at or below 50 is 0.5, its SE sqrt(p (1 - p) / n)
    t = stats.t.ppf(0.975, 99)
    assert median.ci_low == quantile_math(y, np.ones(100), 0.5 - t * share_se)
    assert median.ci_high == quantile_math(y, np.ones(100), 0.5 + t * share_se)
    assert median.se == pytest.approx((median.ci_high - median.ci_low) / (2 * t))
    assert [results[quantile_statistic(p)].estimate for p in (0.25, 0.75)] == [25.0, 75.0]


def test_an_interval_end_beyond_the_data_is_left_blank_as_r_does():
    y = np.array([1.0, 1.0, 1.0, 1.0, 2.0])
    lowest = by_statistic(numeric_estimates(simple_design(5), y, np.ones(5, bool), 0.95))[quantile_statistic(0.25)]
    assert lowest.estimate == 1.0 and math.isnan(lowest.ci_high) and math.isnan(lowest.se)


def test_a_domain_without_answers_has_no_estimate():
    results = numeric_estimates(simple_design(8), VALUES, np.arange(8) == 6, 0.95)
    assert all(r.n == 0 and math.isnan(r.estimate) and math.isnan(r.se) for r in results)
    assert len(results) == 5


def test_a_ratio_of_a_simple_random_sample_has_the_textbook_variance():
    y, x = np.array([2.0, 4.0, 5.0, 9.0, 3.0]), np.array([1.0, 2.0, 2.0, 4.0, 2.0])
    result = ratio_estimate(simple_design(5), y, x, np.ones(5, bool), 0.95)
    r = y.sum() / x.sum()
    expected = np.sum((y - r * x) ** 2) / (5 * 4) / x.mean() ** 2
    assert result.estimate == pytest.approx(r) and result.se == pytest.approx(math.sqrt(expected), rel=1e-12)
    none = ratio_estimate(simple_design(5), y, np.zeros(5), np.ones(5, bool), 0.95)
    assert math.isnan(none.estimate) and none.n == 5


def test_a_stratum_sampled_whole_adds_nothing():
    design = design_from_columns(weights=np.ones(6), strata=np.array([0, 0, 0, 1, 1, 1]),
                                 population=np.array([3, 3, 3, 30, 30, 30]))
    y = np.array([1.0, 5.0, 9.0, 2.0, 2.0, 2.0])  # stratum 0 whole, stratum 1 constant
    total = by_statistic(numeric_estimates(design, y, np.ones(6, bool), 0.95))["total"]
    assert total.se == 0.0


def test_share_design_effects_are_undefined_at_zero_one_and_without_a_population():
    deff = share_deff(np.array([0.01, 0.0, 0.01]), np.array([0.5, 0.0, 0.5]), np.array([10, 10, 10]),
                      np.array([100.0, 100.0, 10.0]))
    srs = 0.25 * 10 / 9 * 90 / 1000
    assert deff[0] == pytest.approx(0.01 / srs) and np.isnan(deff[1:]).all()


def test_infinite_degrees_of_freedom_give_normal_intervals():
    y = np.array([3.0, 7, 1, 9, 4, 4, 12, 6])
    design = simple_design(len(y))
    mean = by_statistic(numeric_estimates(design, y, np.ones(len(y), dtype=bool), 0.95, infinite_df=True))["mean"]
    ratio = ratio_estimate(design, y, y + 1, np.ones(len(y), dtype=bool), 0.95, infinite_df=True)
    assert mean.df == ratio.df == np.inf
    assert mean.ci_high - mean.estimate == pytest.approx(stats.norm.ppf(0.975) * mean.se, rel=1e-12)


@pytest.mark.parametrize(("level", "df", "infinite"), [(0.95, 1, False), (0.95, 4, False), (0.9, 81, False),
                                                       (0.99, 2.5, False), (0.95, 30, True)])
def test_t_quantile_is_scipy_stats_to_the_bit(level, df, infinite):
    """The special functions give the very numbers of `scipy.stats.t.ppf` and `norm.ppf` (and so do replicates')."""
    from pipeline.stats.numeric import _t_quantile
    from pipeline.stats.replicate_numeric import _critical

    expected = stats.norm.ppf(1 - (1 - level) / 2) if infinite else stats.t.ppf(1 - (1 - level) / 2, df)
    assert _t_quantile(level, df, infinite) == expected
    assert _critical(level, df, infinite) == expected
