"""Calibrated weights meet their population counts; Kish's summaries of the weights' cost."""

import numpy as np
import pytest

from pipeline.stats.weighting import WeightingError, effective_sample_size, kish_design_effect, poststratify, rake


def test_post_stratified_weights_by_hand():
    result = poststratify(np.ones(5), np.array([0, 0, 0, 1, 1]), np.array([6.0, 4.0]))
    assert result.weights.tolist() == [2.0, 2.0, 2.0, 2.0, 2.0] and result.converged


def test_post_stratification_keeps_the_ratio_of_weights_within_a_cell():
    result = poststratify(np.array([1.0, 3.0, 2.0]), np.array([0, 0, 1]), np.array([8.0, 5.0]))
    assert result.weights.tolist() == [2.0, 6.0, 5.0]


def test_a_cell_with_population_but_no_respondents_cannot_be_weighted():
    with pytest.raises(WeightingError):
        poststratify(np.ones(3), np.array([0, 0, 0]), np.array([5.0, 5.0]))


def test_raking_one_unit_per_cell_gives_the_independence_table():
    # With equal starting weights and one unit per cell, IPF converges to r_i c_j / N.
    rows, cols = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    result = rake(np.ones(4), [rows, cols], [np.array([30.0, 70.0]), np.array([40.0, 60.0])])
    assert result.converged
    assert result.weights.tolist() == pytest.approx([12.0, 18.0, 28.0, 42.0], rel=1e-9)


def test_raking_that_cannot_converge_says_so():
    # Margins that disagree on the total cannot both be met.
    result = rake(np.ones(4), [np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])],
                  [np.array([30.0, 70.0]), np.array([50.0, 60.0])], max_iterations=20)
    assert not result.converged and result.iterations == 20 and result.max_error > 1e-3


def test_kish_design_effect_and_effective_sample_size_by_hand():
    weights = np.array([1.0, 1.0, 2.0, 2.0])  # sum 6, sum of squares 10
    assert kish_design_effect(weights) == pytest.approx(4 * 10 / 36)
    assert effective_sample_size(weights) == pytest.approx(36 / 10)
    assert kish_design_effect(np.full(7, 3.0)) == pytest.approx(1.0)
