"""The one pass over the units: counts and weight sums per cell, the same in chunks as at once."""

import numpy as np
import pytest

from pipeline.stats.design import design_from_columns
from pipeline.stats.sufficient import sufficient_statistics


def test_counts_fall_in_their_domain_category_and_outside_the_base():
    design = design_from_columns(n=5)
    statistics = sufficient_statistics(design, np.array([0, 1, 1, -1, 0]), 2, np.array([0, 0, 1, 1, -1]), 2)
    counts = statistics.count[0, :, 0, 0, :]          # (domain + none, category + outside)
    assert counts.tolist() == [[1, 1, 0], [0, 1, 1], [1, 0, 0]]


def test_chunks_give_the_same_statistics_as_one_pass():
    rng = np.random.default_rng(7)
    weights = rng.uniform(1, 3, 50)
    design = design_from_columns(weights=weights, strata=rng.integers(0, 3, 50))
    codes = rng.integers(-1, 3, (50, 2))
    whole = sufficient_statistics(design, codes, 3, glm_start=True)
    chunked = sufficient_statistics(design, codes, 3, chunk_rows=7, glm_start=True)
    assert np.array_equal(whole.count, chunked.count)
    assert chunked.sum_w == pytest.approx(whole.sum_w) and chunked.deviation2 == pytest.approx(whole.deviation2)
    assert chunked.glm_start.working == pytest.approx(whole.glm_start.working)


def test_the_overall_statistics_sum_the_domains():
    design = design_from_columns(weights=np.array([1.0, 2.0, 3.0, 4.0]))
    statistics = sufficient_statistics(design, np.array([0, 1, 1, 0]), 2, np.array([0, 1, 0, -1]), 2)
    overall = statistics.overall()
    assert overall.count[0, 0, 0, 0].tolist() == [2, 2, 0] and overall.count[0, 1].sum() == 0
    assert overall.sum_w[0, 0, 0, 0, :2] == pytest.approx(np.array([5.0, 5.0]) / 4)  # scaled to the largest
