"""Design-based tests by hand on a simple random sample, and the relations between svychisq's statistics."""

import numpy as np
import pytest

from pipeline.stats.design import design_from_columns
from pipeline.stats.design_tests import domain_differences, domain_means, svychisq

RNG = np.random.default_rng(15)
N = 90
Y = (RNG.random(N) < 0.4).astype(float)
GROUP = np.arange(N) % 3


def test_a_difference_under_simple_random_sampling_by_hand():
    """With equal weights each group's influence sums to zero, so the groups' covariance is 0 and
    the variance of a domain mean is n / (n - 1) times the sum of its squared influences."""
    design = design_from_columns(n=N)
    (result,) = domain_differences(design, Y, GROUP, 3, [(0, 2)])
    variance = 0.0
    for g in (0, 2):
        members = Y[g == GROUP]
        variance += N / (N - 1) * ((members - members.mean()) ** 2).sum() / len(members) ** 2
    assert result.difference == pytest.approx(Y[GROUP == 0].mean() - Y[GROUP == 2].mean())
    assert result.se == pytest.approx(np.sqrt(variance), rel=1e-12)
    assert result.df == N - 1 and result.ci_low < result.difference < result.ci_high


def test_missing_answers_and_units_outside_the_groups_count_for_nothing():
    design = design_from_columns(n=N)
    y = Y.copy()
    y[:6] = np.nan
    means, _ = domain_means(design, y, GROUP, 3)
    assert means[0] == pytest.approx(np.nanmean(y[GROUP == 0]))


def test_svychisq_statistics_do_not_depend_on_the_weights_scale_and_adjwald_rescales_wald():
    weights = 1 + (np.arange(N) % 4)
    strata = np.arange(N) % 2
    rows, cols = Y.astype(int), GROUP
    one = svychisq(design_from_columns(weights=weights, strata=strata), rows, cols, 2, 3)
    scaled = svychisq(design_from_columns(weights=weights * 1000.0, strata=strata), rows, cols, 2, 3)
    for name in ("F", "Chisq", "Wald", "adjWald"):
        assert scaled[name].statistic == pytest.approx(one[name].statistic, rel=1e-9)
    nu = N - 2
    assert one["adjWald"].statistic == pytest.approx(one["Wald"].statistic * (nu - 2 + 1) / nu)
    assert one["Wald"].df == (2.0, float(nu)) and one["adjWald"].df == (2.0, float(nu - 1))


def test_with_infinite_df_a_difference_uses_normal_quantiles_as_confint_with_df_inf():
    """R's `confint(svycontrast(...), df = Inf)`: the same difference and SE, a normal interval and p-value."""
    from scipy import stats

    design = design_from_columns(n=N)
    (t_based,) = domain_differences(design, Y, GROUP, 3, [(0, 1)])
    (normal,) = domain_differences(design, Y, GROUP, 3, [(0, 1)], infinite_df=True)
    assert (normal.difference, normal.se) == (t_based.difference, t_based.se)
    z = stats.norm.ppf(0.975)
    assert normal.df == np.inf and t_based.df == N - 1
    assert normal.ci_low == pytest.approx(normal.difference - z * normal.se, rel=1e-14)
    assert normal.ci_high == pytest.approx(normal.difference + z * normal.se, rel=1e-14)
    assert normal.p_value == pytest.approx(2 * stats.norm.sf(abs(normal.statistic)), rel=1e-12)
    assert normal.ci_high - normal.ci_low < t_based.ci_high - t_based.ci_low  # t quantiles are wider
