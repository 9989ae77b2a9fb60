"""Numeric estimates on a replicate-weight design (R's checks are in
tests/stats/test_reference_numeric_designs.py): the textbook cases the replicates must give."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from pipeline.stats.replicate_numeric import (
    replicate_gram,
    replicate_numeric_estimates,
    replicate_ratio_estimate,
    subset_df,
)
from pipeline.stats.replicates import ReplicateDesign, replicate_constants


def delete_one_jackknife(n: int) -> ReplicateDesign:
    """JK1 of an unweighted sample: replicate j drops unit j and weights the others n / (n - 1)."""
    replicates = np.full((n, n), n / (n - 1)) - np.eye(n) * n / (n - 1)
    scale, rscales = replicate_constants("jk1", n)
    return ReplicateDesign(np.column_stack([np.ones(n), replicates]), "jk1", scale, rscales)


def by_statistic(results):
    return {r.statistic: r for r in results}


def test_the_delete_one_jackknife_of_a_mean_is_the_textbook_standard_error():
    y = np.array([3.0, 7, 1, 9, 4, 4, 12, 6])
    result = by_statistic(replicate_numeric_estimates(delete_one_jackknife(len(y)), y, np.ones(len(y), bool), 0.95))
    mean = result["mean"]
    assert mean.estimate == pytest.approx(y.mean())
    assert mean.se == pytest.approx(y.std(ddof=1) / np.sqrt(len(y)), rel=1e-12)
    assert mean.df == len(y) - 1
    t = stats.t.ppf(0.975, len(y) - 1)
    assert mean.ci_low == pytest.approx(y.mean() - t * mean.se)
    assert result["total"].se == pytest.approx(len(y) * mean.se, rel=1e-12)


def test_normal_quantiles_with_infinite_degrees_of_freedom():
    y = np.array([3.0, 7, 1, 9, 4, 4, 12, 6])
    mean = by_statistic(replicate_numeric_estimates(delete_one_jackknife(len(y)), y, np.ones(len(y), bool), 0.95,
                                                    infinite_df=True))["mean"]
    assert mean.df == np.inf
    assert mean.ci_high - mean.estimate == pytest.approx(stats.norm.ppf(0.975) * mean.se)


def test_a_domain_keeps_only_its_rows_and_its_own_degrees_of_freedom():
    y = np.array([3.0, 7, 1, 9, 4, np.nan, 12, 6])
    member = np.array([True, True, True, False, True, True, False, True])
    design = delete_one_jackknife(len(y))
    mean = by_statistic(replicate_numeric_estimates(design, y, member, 0.95))["mean"]
    answered = member & ~np.isnan(y)
    assert mean.n == answered.sum() == 5
    assert mean.estimate == pytest.approx(y[answered].mean())
    assert mean.df == subset_df(design, answered) == 4


def test_a_domain_without_answers_has_no_estimate():
    y = np.array([np.nan, 7, 1])
    results = replicate_numeric_estimates(delete_one_jackknife(3), y, np.array([True, False, False]), 0.95)
    assert all(r.n == 0 and np.isnan(r.estimate) for r in results)


def test_a_number_over_itself_is_one_in_every_replicate():
    y = np.array([3.0, 7, 1, 9, 4])
    ratio = replicate_ratio_estimate(delete_one_jackknife(5), y, y, np.ones(5, bool), 0.95)
    assert ratio.estimate == pytest.approx(1.0) and ratio.se == pytest.approx(0.0, abs=1e-15)


def test_the_domains_gram_matrix_less_the_unanswered_rows_gives_the_same_degrees_of_freedom():
    y = np.array([3.0, np.nan, 1, 9, 4, np.nan, 12, 6, 2, 8])
    member = np.array([True, True, True, True, False, True, True, True, True, False])
    design = delete_one_jackknife(len(y))
    gram = replicate_gram(design, member)
    with_gram = by_statistic(replicate_numeric_estimates(design, y, member, 0.95, member_gram=gram))["mean"]
    without = by_statistic(replicate_numeric_estimates(design, y, member, 0.95))["mean"]
    assert with_gram.df == without.df == subset_df(design, member & ~np.isnan(y)) == 5
    ratio = replicate_ratio_estimate(design, y, y + 1, member, 0.95, member_gram=gram)
    assert ratio.df == 5
