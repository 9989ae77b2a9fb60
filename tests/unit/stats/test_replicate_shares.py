"""Shares under replicate weights, against direct per-replicate computation."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.stats.replicate_shares import (
    ReplicateSums,
    replicate_logit_coefficients,
    replicate_share_covariance,
    replicate_shares,
    replicate_sums,
)
from pipeline.stats.replicates import ReplicateDesign, replicate_variance


def _design(n=300, replicates=6, seed=3):
    rng = np.random.default_rng(seed)
    full = rng.uniform(1, 3, size=n)
    weights = np.column_stack([full] + [full * rng.choice([0.0, 2.0], size=n) for _ in range(replicates)])
    return ReplicateDesign(np.ascontiguousarray(weights), "brr", 1 / replicates, np.ones(replicates)), rng


def test_shares_by_domain_are_each_replicate_s_weighted_shares():
    design, rng = _design()
    codes = rng.integers(-1, 3, size=(design.n, 2))
    domains = rng.integers(-1, 2, size=design.n)
    sums = replicate_sums(design, codes, 3, domains, 2, chunk_rows=64)  # several chunks
    result, replicates = replicate_shares(design, sums)
    for item in range(2):
        for d in range(2):
            inside = (domains == d) & (codes[:, item] >= 0)
            w = design.weights[inside]
            shares = np.stack([(w * (codes[inside, item] == k)[:, None]).sum(axis=0) / w.sum(axis=0)
                               for k in range(3)])
            assert result.estimate[item, d] == pytest.approx(shares[:, 0], rel=1e-13)
            assert replicates[item, d] == pytest.approx(shares[:, 1:], rel=1e-13)
            expected = np.sqrt(replicate_variance(shares[:, 0], shares[:, 1:], design.scale, design.rscales))
            assert result.se[item, d] == pytest.approx(expected, rel=1e-12)
            assert result.n[item, d] == inside.sum()
    overall, _ = replicate_shares(design, sums.overall())
    inside = codes[:, 0] >= 0
    share = (design.full_weights[inside] * (codes[inside, 0] == 1)).sum() / design.full_weights[inside].sum()
    assert overall.estimate[0, 0, 1] == pytest.approx(share, rel=1e-13)


def test_degrees_of_freedom_are_the_rank_of_the_domain_s_replicate_weights_less_one():
    design, _ = _design(n=40, replicates=8)
    domains = np.repeat([0, 1], 20)
    weights = design.weights.copy()
    weights[:20, 1:] = weights[:20, 1:2]              # domain 0: every replicate the same column
    design = ReplicateDesign(weights, "brr", 1 / 8, np.ones(8))
    result, _ = replicate_shares(design, replicate_sums(design, np.zeros(40, dtype=np.int64), 1, domains, 2))
    assert result.df[0].tolist() == [0.0, 7.0]
    overall, _ = replicate_shares(design, replicate_sums(design, np.zeros(40, dtype=np.int64), 1).overall())
    assert overall.df[0, 0] == 7.0


def test_logit_refits_start_at_the_full_coefficient_and_converge_to_each_share():
    betas = replicate_logit_coefficients(np.array([0.2, 0.5, 0.9]), np.full(3, 0.1))
    assert betas == pytest.approx(np.log(np.array([0.2, 0.5, 0.9]) / np.array([0.8, 0.5, 0.1])), rel=1e-7)


def test_table_covariance_is_the_replicate_covariance_of_the_cell_shares():
    design, rng = _design()
    codes = rng.integers(-1, 4, size=design.n)
    shares, covariance, df = replicate_share_covariance(design, codes, 4)
    assert shares.sum() == pytest.approx(1.0)
    assert covariance.shape == (4, 4)
    assert np.allclose(covariance.sum(axis=0), 0.0, atol=1e-15)  # shares sum to 1 in every replicate
    assert df == 5


def test_merged_categories_equal_a_pass_over_the_merged_codes():
    design, rng = _design()
    codes = rng.integers(-1, 4, size=design.n)
    domains = rng.integers(-1, 2, size=design.n)
    merged = replicate_sums(design, codes, 4, domains, 2).merge((1, 3))
    direct = replicate_sums(design, np.where(codes < 0, -1, np.isin(codes, (1, 3)).astype(np.int64)), 2, domains, 2)
    assert merged.count == pytest.approx(direct.count)
    assert merged.weighted == pytest.approx(direct.weighted, rel=1e-13)
    stacked = ReplicateSums.stack([merged, direct.item(0)])
    assert stacked.count.shape[0] == 2
