"""What R's svyciprop sees: a subgroup's rows, and for a calibrated design the whole sample's."""

import numpy as np
import pytest

from pipeline.stats.ciprop_terms import interval_terms, interval_terms_by_category
from pipeline.stats.design import codes_of, design_from_columns
from pipeline.stats.sufficient import sufficient_statistics
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
