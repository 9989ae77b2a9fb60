"""R's svrepdesign constants, svrVar and degf, on small hand-checked cases."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.stats.replicates import (
    ReplicateDesign,
    ReplicateOptionError,
    gram_rank,
    replicate_constants,
    replicate_covariance,
    replicate_variance,
)


@pytest.mark.parametrize(("kind", "options", "scale"), [
    ("brr", {}, 1 / 8), ("fay", {"rho": 0.5}, 1 / (8 * 0.25)), ("jk1", {}, 7 / 8),
    ("jkn", {"rscales": [0.5]}, 1.0), ("bootstrap", {}, 1 / 7), ("successive-difference", {}, 4 / 8),
    ("acs", {}, 4 / 8), ("jk1", {"scale": 0.3}, 0.3), ("bootstrap", {"scale": 0.03}, 0.03),
])
def test_default_scales_are_r_s_per_type(kind, options, scale):
    chosen, rscales = replicate_constants(kind, 8, **options)
    assert chosen == pytest.approx(scale, rel=1e-15)
    assert rscales.shape == (8,)


@pytest.mark.parametrize(("kind", "options", "words"), [
    ("brr", {"scale": 1.0}, "sets scale"), ("fay", {}, "needs rho"), ("fay", {"rho": 1.0}, "outside"),
    ("jk1", {"rho": 0.5}, "only by type fay"), ("jkn", {}, "needs rscales"),
    ("acs", {"rscales": [1.0]}, "sets scale and rscales"), ("jk1", {"rscales": [1.0, 2.0]}, "2 values for 8"),
])
def test_options_r_would_refuse_or_ignore_are_refused(kind, options, words):
    with pytest.raises(ReplicateOptionError, match=words):
        replicate_constants(kind, 8, **options)


def test_variance_about_the_replicates_mean_or_the_full_estimate():
    thetas = np.array([1.0, 2.0, 3.0, 6.0])
    assert replicate_variance(2.5, thetas, 0.5, np.ones(4)) == pytest.approx(0.5 * (4 + 1 + 0 + 9))  # about 3
    assert replicate_variance(2.0, thetas, 0.5, np.ones(4), mse=True) == pytest.approx(0.5 * (1 + 0 + 1 + 16))
    # the mean counts replicates with rscales > 0 only; a replicate with no estimate is left out
    assert replicate_variance(0.0, [1.0, 3.0, 100.0], 1.0, [1.0, 1.0, 0.0]) == pytest.approx(2.0)
    assert replicate_variance(0.0, [1.0, 3.0, np.nan], 1.0, [1.0, 1.0, 1.0]) == pytest.approx(2.0)
    assert np.isnan(replicate_variance(0.0, [np.nan, np.nan], 1.0, [1.0, 1.0]))


def test_covariance_matrix_diagonal_is_the_variance():
    thetas = np.array([[1.0, 2.0, 4.0], [0.5, 0.1, 0.2]])
    covariance = replicate_covariance(thetas.mean(axis=1), thetas, 2.0, np.array([1.0, 0.5, 1.0]))
    for k in range(2):
        assert covariance[k, k] == pytest.approx(replicate_variance(0, thetas[k], 2.0, [1.0, 0.5, 1.0]))
    assert covariance[0, 1] == covariance[1, 0]


def test_gram_rank_is_qr_rank_with_r_s_tolerance():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 6))
    x[:, 3] = x[:, 0] + x[:, 1]                     # dependent: set aside
    x[:, 5] = x[:, 2] + 1e-7 * rng.normal(size=50)  # below 1e-5 of its norm apart from a kept column
    assert gram_rank(x.T @ x) == 4
    assert gram_rank(np.zeros((3, 3))) == 0


def test_the_design_counts_units_and_replicates():
    design = ReplicateDesign(np.ones((4, 3)), "fay", 2.0, np.ones(2), True, 0.5)
    assert design.n_replicates == 2 and design.n == 4
    assert design.full_weights.tolist() == [1.0] * 4


def test_the_design_s_df_is_the_rank_of_its_replicate_weights_less_one():
    rng = np.random.default_rng(2)
    replicates = rng.uniform(size=(30, 5))
    replicates[:, 4] = replicates[:, 0] * 2
    design = ReplicateDesign(np.column_stack([np.ones(30), replicates]), "jk1", 0.8, np.ones(5))
    assert design.df == 3
