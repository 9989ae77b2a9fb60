"""Calibration as R's calibrate and trimming as trimWeights, on small cases worked by hand
(R's own values are in tests/stats/test_reference_calibration.py)."""

import numpy as np
import pytest

from pipeline.stats.calibration import calibrate, model_matrix, regression_offsets, trim_weights
from pipeline.stats.weighting import WeightingError

ROWS, COLS = np.array([0, 0, 1, 1, 1]), np.array([0, 1, 0, 1, 1])
TARGETS = [np.array([40.0, 60.0]), np.array([50.0, 50.0])]


def totals(weights, codes, n):
    return np.bincount(codes, weights=weights, minlength=n)


@pytest.mark.parametrize("calfun", ["linear", "raking"])
def test_calibrated_weights_meet_every_margin(calfun):
    result = calibrate(np.full(5, 20.0), [ROWS, COLS], TARGETS, calfun)
    assert result.converged
    assert totals(result.weights, ROWS, 2) == pytest.approx(TARGETS[0], rel=1e-6)  # R stops at 1e-7
    assert totals(result.weights, COLS, 2) == pytest.approx(TARGETS[1], rel=1e-6)


def test_linear_calibration_by_hand():
    # One variable: GREG is post-stratification, g = target / sample total per level.
    result = calibrate(np.array([1.0, 1.0, 2.0]), [np.array([0, 0, 1])], [np.array([4.0, 6.0])], "linear")
    assert result.weights.tolist() == pytest.approx([2.0, 2.0, 6.0])
    assert result.iterations == 1


def test_raking_calibration_keeps_weights_positive_where_linear_goes_negative():
    weights, codes = np.ones(4), [np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])]
    targets = [np.array([10.0, 1.0]), np.array([1.0, 10.0])]
    assert calibrate(weights, codes, targets, "linear").weights.tolist() == pytest.approx([2.75, 7.25, -1.75, 2.75])
    raked = calibrate(weights, codes, targets, "raking")
    # Raking calibration gives the independence table r_i c_j / N, as iterative fitting does.
    assert raked.converged and raked.weights == pytest.approx([10 / 11, 100 / 11, 1 / 11, 10 / 11], rel=1e-7)


def test_bounds_hold_the_g_weights():
    result = calibrate(np.full(5, 20.0), [ROWS, COLS], TARGETS, "linear", bounds=(0.8, 1.3))
    g = result.weights / 20.0
    assert g.min() >= 0.8 - 1e-12 and g.max() <= 1.3 + 1e-12


def test_bounds_too_tight_do_not_converge():
    result = calibrate(np.full(5, 20.0), [ROWS, COLS], TARGETS, "raking", bounds=(0.99, 1.01), max_iterations=5)
    assert not result.converged and result.iterations == 5 and result.max_error > 1e-3


def test_model_matrix_is_r_treatment_contrasts():
    joint = np.array([[0, 0], [0, 1], [1, 0], [2, 1]])
    assert model_matrix(joint, [3, 2]).tolist() == [[1, 0, 0, 0], [1, 0, 0, 1], [1, 1, 0, 0], [1, 0, 1, 1]]


def test_regression_offsets_of_one_variable_are_its_weighted_means():
    result = calibrate(np.array([1.0, 3.0, 2.0]), [np.array([0, 0, 1])], [np.array([8.0, 4.0])], "linear")
    cal = result.calibration
    u = np.array([1.0, 0.0, 5.0])
    w = result.weights
    cell_wu = np.bincount(cal.cells, weights=w * u)[:, None]
    fitted = regression_offsets(cal, cell_wu, np.bincount(cal.cells, weights=w))
    assert fitted[:, 0].tolist() == pytest.approx([0.25, 5.0])  # (1*1 + 3*0) / 4, and 5


def test_trimming_by_hand_as_r_trimweights():
    trimmed = trim_weights(np.array([1.0, 2.0, 3.0, 10.0]), upper=6.0)
    assert trimmed.tolist() == pytest.approx([1 + 4 / 3, 2 + 4 / 3, 3 + 4 / 3, 6.0])
    assert trimmed.sum() == pytest.approx(16.0)


def test_strict_trimming_repeats_until_no_weight_is_outside():
    weights = np.array([1.0, 5.0, 5.5, 12.0])
    loose = trim_weights(weights, upper=6.0)
    assert loose.max() > 6.0  # the shared excess pushes 5.5 past the bound
    strict = trim_weights(weights, upper=6.0, strict=True)
    assert strict.max() <= 6.0 + 1e-12 and strict.sum() == pytest.approx(weights.sum())


def test_trimming_every_weight_away_is_an_error():
    with pytest.raises(WeightingError, match="every weight"):
        trim_weights(np.array([10.0, 12.0]), upper=5.0)
    with pytest.raises(WeightingError, match="cannot be kept"):
        trim_weights(np.array([1.0, 5.0, 5.5, 20.0]), upper=6.0, strict=True)
