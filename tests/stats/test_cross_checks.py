"""The estimators against a second library, and properties that must hold for any data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from pipeline.stats.bounds import nonresponse_bounds
from pipeline.stats.ciprop_terms import interval_terms
from pipeline.stats.comparisons import compact_letters, fisher_exact, newcombe_difference
from pipeline.stats.design import design_from_columns, simple_design
from pipeline.stats.intervals import BINOMIAL_METHODS, DESIGN_METHODS, binomial_interval, design_interval
from pipeline.stats.linearisation import estimate_shares, share_covariance
from pipeline.stats.sufficient import sufficient_statistics
from pipeline.stats.weighting import effective_sample_size, kish_design_effect, poststratify, rake

STATSMODELS = {"wilson": "wilson", "clopper-pearson": "beta", "agresti-coull": "agresti_coull", "wald": "normal"}


@pytest.mark.parametrize("method", sorted(STATSMODELS))
@pytest.mark.parametrize("x,n", [(0, 10), (1, 10), (58, 82), (41, 82), (82, 82), (3, 1000)])
def test_binomial_intervals_match_statsmodels(method, x, n):
    low, high = binomial_interval(x, n, method)
    ref_low, ref_high = proportion_confint(x, n, alpha=0.05, method=STATSMODELS[method])
    assert (float(low), float(high)) == pytest.approx((ref_low, ref_high), rel=1e-10, abs=1e-15)


def test_weighted_share_and_se_match_statsmodels_without_fpc():
    rng = np.random.default_rng(1)
    weights = rng.uniform(0.5, 3.0, 500)
    y = rng.integers(0, 2, 500)
    result = estimate_shares(design_from_columns(weights=weights), y, 2)
    described = DescrStatsW(y.astype(float), weights=weights)
    assert result.estimate[0, 0, 1] == pytest.approx(described.mean, rel=1e-12)
    # Linearised SE of a weighted mean with one stratum: n/(n-1) sum (w (y - p))^2 / (sum w)^2.
    p = described.mean
    expected = np.sqrt(len(y) / (len(y) - 1) * np.sum((weights * (y - p)) ** 2)) / weights.sum()
    assert result.se[0, 0, 1] == pytest.approx(expected, rel=1e-12)


def test_fisher_agrees_with_scipy():
    from scipy.stats.contingency import odds_ratio

    table = np.array([[12, 5], [3, 9]])
    ours = fisher_exact(table)
    assert ours.p_value == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-12)
    exact = odds_ratio(table, kind="conditional")
    # R's root finder stops at a tolerance of about 1.2e-4, scipy's goes further.
    assert ours.estimate == pytest.approx(exact.statistic, rel=1e-3)


def test_newcombe_difference_textbook_example():
    # Newcombe (1998), Statistics in Medicine 17: 873-890, Table II example (56/70 vs 48/80):
    # difference 0.2, method 10 interval 0.0524 to 0.3339.
    d, low, high = newcombe_difference(56, 70, 48, 80)
    assert d == pytest.approx(0.2)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)


def test_compact_letters():
    groups = ["a", "b", "c"]
    assert compact_letters(groups, set()) == {"a": "a", "b": "a", "c": "a"}
    letters = compact_letters(groups, {frozenset({"a", "c"})})
    assert set(letters["a"]) & set(letters["b"]) and set(letters["b"]) & set(letters["c"])
    assert not set(letters["a"]) & set(letters["c"])


def test_nonresponse_bounds_of_the_study_headline():
    low, high = nonresponse_bounds(58, 82, 150)
    assert (low, high) == (58 / 150, 126 / 150)


def test_kish():
    assert kish_design_effect(np.ones(10)) == 1.0
    assert effective_sample_size(np.array([1.0, 1.0, 2.0, 2.0])) == pytest.approx(36 / 10)


# -- properties --------------------------------------------------------------------------

survey_data = st.integers(min_value=2, max_value=4).flatmap(lambda k: st.tuples(
    st.just(k),
    st.lists(st.tuples(st.integers(-1, k - 1), st.floats(0.2, 5.0), st.integers(0, 2)), min_size=12, max_size=60)))


@settings(max_examples=60, deadline=None)
@given(survey_data)
def test_shares_sum_to_one_and_intervals_contain_estimates(data):
    k, units = data
    codes = np.array([u[0] for u in units])
    weights = np.array([u[1] for u in units])
    strata = np.array([u[2] for u in units])
    assume((codes >= 0).sum() > 0 and np.bincount(strata, minlength=3).min() >= 2)
    design = design_from_columns(weights=weights, strata=strata)
    statistics = sufficient_statistics(design, codes, k)
    result = estimate_shares(design, codes, k)
    assert result.estimate[0, 0].sum() == pytest.approx(1.0)
    for j in range(k):
        p, se = result.estimate[0, 0, j], result.se[0, 0, j]
        if not 0 < p < 1:
            continue
        terms = interval_terms(design, statistics, j)
        for method in DESIGN_METHODS:
            low, high = design_interval(p, se, design.df, method, **terms)
            if method == "mean":
                assert low <= p <= high
            else:
                assert 0 <= low <= p + 1e-12 and p - 1e-12 <= high <= 1
    x = int((codes == 0).sum())
    n = int((codes >= 0).sum())
    for method in BINOMIAL_METHODS:
        low, high = binomial_interval(x, n, method)
        if method != "wald":
            assert 0 <= low <= x / n + 1e-12 and x / n - 1e-12 <= high <= 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 1), st.floats(0.5, 4.0)), min_size=10, max_size=60))
def test_calibrated_weights_meet_population_totals(units):
    a = np.array([u[0] for u in units])
    b = np.array([u[1] for u in units])
    w = np.array([u[2] for u in units])
    assume(len(set(a)) == 3 and len(set(b)) == 2)
    post = poststratify(w, a, np.array([100.0, 50.0, 25.0]))
    assert np.bincount(a, weights=post.weights) == pytest.approx([100, 50, 25])
    raked = rake(w, [a, b], [np.array([100.0, 50.0, 25.0]), np.array([75.0, 100.0])])
    if raked.converged:
        assert np.bincount(a, weights=raked.weights) == pytest.approx([100, 50, 25])
        assert np.bincount(b, weights=raked.weights) == pytest.approx([75, 100])


def test_raking_on_one_margin_is_post_stratification():
    rng = np.random.default_rng(3)
    cells = rng.integers(0, 3, 200)
    y = rng.integers(0, 2, 200)
    targets = np.array([400.0, 300.0, 300.0])
    post = poststratify(np.ones(200), cells, targets)
    raked = rake(np.ones(200), [cells], [targets])
    assert raked.weights == pytest.approx(post.weights)
    a = estimate_shares(design_from_columns(weights=post.weights, calibration=post.calibration), y, 2)
    b = estimate_shares(design_from_columns(weights=raked.weights, calibration=raked.calibration), y, 2)
    assert a.se == pytest.approx(b.se, rel=1e-12)


def test_raked_standard_errors_agree_per_unit_and_from_sufficient_statistics():
    rng = np.random.default_rng(4)
    a, b, y = rng.integers(0, 3, 300), rng.integers(0, 2, 300), rng.integers(-1, 3, 300)
    raked = rake(rng.uniform(1, 2, 300), [a, b], [np.array([100.0, 80.0, 60.0]), np.array([120.0, 120.0])])
    design = design_from_columns(weights=raked.weights, calibration=raked.calibration, population=1000)
    fast = estimate_shares(design, y, 3)
    _, covariance = share_covariance(design, y, 3)
    assert fast.se[0, 0] == pytest.approx(np.sqrt(np.diag(covariance)), rel=1e-10)


def test_simple_design_se_is_the_textbook_formula_with_fpc():
    y = np.array([1] * 58 + [0] * 24)
    result = estimate_shares(simple_design(82, 150), y, 2)
    p = 58 / 82
    assert result.se[0, 0, 1] == pytest.approx(np.sqrt((1 - 82 / 150) * p * (1 - p) / 81), rel=1e-12)
