"""Binomial intervals against statsmodels and textbook values; design-based intervals by hand."""

import numpy as np
import pytest
from scipy import special, stats
from statsmodels.stats.proportion import proportion_confint

from pipeline.stats.intervals import binomial_interval, design_interval

STATSMODELS = {"wilson": "wilson", "clopper-pearson": "beta", "agresti-coull": "agresti_coull", "wald": "normal"}


@pytest.mark.parametrize("method", sorted(STATSMODELS))
@pytest.mark.parametrize("x,n", [(0, 20), (1, 29), (81, 263), (15, 148), (7, 7)])
def test_binomial_intervals_are_statsmodels_proportion_confint(method, x, n):
    for level in (0.9, 0.95, 0.99):
        low, high = binomial_interval(x, n, method, level)
        expected = proportion_confint(x, n, alpha=1 - level, method=STATSMODELS[method])
        assert (float(low), float(high)) == pytest.approx(expected, rel=1e-10, abs=1e-15)


def test_textbook_values_of_81_of_263():
    # Newcombe (1998), Statistics in Medicine 17: 857-872, Table I, 81/263 at 95%
    rounded = {m: [round(float(v), 4) for v in binomial_interval(81, 263, m)] for m in
               ("wald", "wilson", "wilson-cc", "clopper-pearson")}
    assert rounded == {"wald": [0.2522, 0.3638], "wilson": [0.2553, 0.3662], "wilson-cc": [0.2535, 0.3682],
                       "clopper-pearson": [0.2527, 0.3676]}


def test_closed_forms_at_zero_successes():
    # Wilson: upper z^2 / (n + z^2); Clopper-Pearson: upper 1 - (alpha/2)^(1/n)
    z = stats.norm.ppf(0.975)
    low, high = binomial_interval(0, 10, "wilson")
    assert (float(low), float(high)) == pytest.approx((0.0, z * z / (10 + z * z)), abs=1e-15)
    assert float(binomial_interval(0, 10, "clopper-pearson")[1]) == pytest.approx(1 - 0.025 ** 0.1)


def test_no_respondents_give_no_interval_and_unknown_methods_are_refused():
    low, high = binomial_interval([0, 2], [0, 4], "wilson")
    assert np.isnan(low[0]) and np.isnan(high[0]) and not np.isnan(low[1])
    with pytest.raises(ValueError):
        binomial_interval(1, 2, "bayes")


def test_mean_xlogit_and_asin_design_intervals_by_hand():
    p, se, df = 0.3, 0.05, 12
    t = stats.t.ppf(0.975, df)
    assert np.array(design_interval(p, se, df, "mean")).tolist() == pytest.approx([p - t * se, p + t * se])
    half = t * se / (p * (1 - p))
    assert np.array(design_interval(p, se, df, "xlogit")).tolist() == pytest.approx(
        [special.expit(special.logit(p) - half), special.expit(special.logit(p) + half)])
    centre, half = np.arcsin(np.sqrt(p)), t * se / (2 * np.sqrt(p * (1 - p)))
    assert np.array(design_interval(p, se, df, "asin")).tolist() == pytest.approx(
        [np.sin(centre - half) ** 2, np.sin(centre + half) ** 2])


def test_logit_without_the_fit_terms_is_xlogit():
    assert np.array(design_interval(0.4, 0.07, 30, "logit")).tolist() == pytest.approx(
        np.array(design_interval(0.4, 0.07, 30, "xlogit")).tolist(), rel=1e-15)


def test_beta_with_the_binomial_se_and_infinite_df_is_clopper_pearson():
    # Korn-Graubard: Clopper-Pearson at the effective size p(1-p)/se^2; with se the binomial one
    # and t quantiles that agree (huge df and rows), the effective size is n itself.
    x, n = 12, 40
    p = x / n
    low, high = design_interval(p, np.sqrt(p * (1 - p) / n), 1e12, "beta", rows=1e12 + 1)
    assert (float(low), float(high)) == pytest.approx(proportion_confint(x, n, method="beta"), rel=1e-6)


def test_a_standard_error_of_zero_gives_the_point_itself():
    low, high = design_interval(0.25, 0.0, 5, "xlogit")
    assert (float(low), float(high)) == (0.25, 0.25)


def test_methods_that_need_more_terms_say_which():
    with pytest.raises(ValueError, match="rows"):
        design_interval(0.3, 0.05, 10, "beta")
    with pytest.raises(ValueError, match="unknown"):
        design_interval(0.3, 0.05, 10, "bootstrap")


@pytest.mark.parametrize("method", ["mean", "xlogit", "asin"])
def test_infinite_degrees_of_freedom_use_the_normal_quantile(method):
    """R's svyciprop(..., df = Inf): qnorm, not a t quantile at a large df."""
    low, high = design_interval(0.3, 0.05, np.inf, method)
    if method == "mean":
        assert (low, high) == pytest.approx((0.3 - special.ndtri(0.975) * 0.05, 0.3 + special.ndtri(0.975) * 0.05),
                                            rel=1e-15)
    wide_low, _ = design_interval(0.3, 0.05, 1e6, method)
    assert low == pytest.approx(wide_low, rel=1e-5) and low != wide_low
