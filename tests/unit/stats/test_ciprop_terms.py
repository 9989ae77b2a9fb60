"""What R's svyciprop sees: a subgroup's rows, and for a calibrated design the whole sample's."""

import numpy as np
import pytest

from pipeline.stats import ciprop_terms
from pipeline.stats.ciprop_terms import interval_terms, interval_terms_by_category
from pipeline.stats.design import codes_of, design_from_columns
from pipeline.stats.sufficient import SufficientStatistics, sufficient_statistics
from pipeline.stats.svyglm_fit import irls_first_step
from pipeline.stats.weighting import poststratify

CODES = np.array([1, 0, -1, 1, 1, 0])          # one missing answer
GROUPS = np.array([0, 0, 0, 1, 1, 1])


def test_a_subgroup_counts_its_own_rows_missing_answers_included():
    design = design_from_columns(n=6)
    terms = interval_terms(design, sufficient_statistics(design, CODES, 2, GROUPS, 2), 1)
    assert terms["rows"][0].tolist() == [3, 3] and terms["n"][0].tolist() == [2, 3]
    assert terms["model_rows"][0].tolist() == [2, 3] and not terms["calibrated"]


def test_a_calibrated_design_keeps_the_whole_sample_in_each_subgroup():
    cells, _ = codes_of(np.array(["x", "y", "x", "y", "x", "y"]))
    weighting = poststratify(np.ones(6), cells, np.array([30.0, 30.0]))
    design = design_from_columns(weights=weighting.weights, calibration=weighting.calibration)
    terms = interval_terms(design, sufficient_statistics(design, CODES, 2, GROUPS, 2), 1)
    assert terms["rows"][0].tolist() == [6, 6] and terms["model_rows"][0].tolist() == [5, 5]
    assert terms["calibrated"]


def test_every_category_at_once_equals_one_category_at_a_time():
    design = design_from_columns(weights=np.array([1.0, 2.0, 2.0, 1.0, 3.0, 1.0]))
    statistics = sufficient_statistics(design, CODES, 2, GROUPS, 2)
    every = interval_terms_by_category(design, statistics)
    for category in (0, 1):
        one = interval_terms(design, statistics, category)
        assert every["first_step"][..., category] == pytest.approx(one["first_step"])


def _one_category_at_a_time(statistics: SufficientStatistics, d: int, k: int, mean_weight: np.ndarray) -> np.ndarray:
    """R's first step of each category by itself: its cells 'yes', the other categories' 'no'."""
    m = statistics.count.shape[0]
    cells = [a[:, :d, :, :, :k].reshape(m, d, -1, k) for a in (statistics.count, statistics.sum_w, statistics.sum_w2)]
    steps = []
    for category in range(k):
        chosen = np.arange(k) == category
        classes = [np.stack([(a * ~chosen).reshape(m, d, -1), (a * chosen).reshape(m, d, -1)], axis=-1)
                   for a in cells]
        steps.append(irls_first_step(classes[0], classes[1], classes[2], mean_weight))
    return np.stack(steps, axis=-1)


@pytest.mark.parametrize(("groups", "cells", "k", "at_once"), [(1, 1, 2, 1 << 21), (20, 1, 5, 1 << 21), (7, 3, 4, 1),
                                                               (300, 2, 6, 1 << 21), (300, 2, 6, 5000)])
def test_the_categories_stepped_together_give_each_the_step_it_has_alone(monkeypatch, groups, cells, k, at_once):
    """To the last bit: each step's sums run over the same values in the same order."""
    monkeypatch.setattr(ciprop_terms, "STEP_VALUES_AT_ONCE", at_once)
    rng = np.random.default_rng(groups * 31 + k)
    m, d = 3, 4
    count = rng.integers(0, 6, size=(m, d + 1, groups, cells, k + 1)).astype(float)
    reference = rng.uniform(0.5, 3.0, size=(groups, cells))
    deviation = count * rng.normal(0, 0.3, size=count.shape)
    statistics = SufficientStatistics(count, deviation, deviation * deviation * 1.5, reference)
    mean_weight = rng.uniform(0.8, 2.5, size=(m, d))
    with np.errstate(divide="ignore", invalid="ignore"):
        together = ciprop_terms._first_step_from_sums(statistics, d, k, mean_weight)
        alone = _one_category_at_a_time(statistics, d, k, mean_weight)
    assert together.shape == (m, d, k) and np.array_equal(together, alone, equal_nan=True)
