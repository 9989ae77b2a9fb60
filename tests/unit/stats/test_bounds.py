"""Non-response bounds: the population share if every non-respondent answered no, or yes."""

import numpy as np
import pytest

from pipeline.stats.bounds import nonresponse_bounds


def test_bounds_by_hand():
    # 58 of 82 respondents in a population of 150: 58/150 if the 68 others said no, 126/150 if yes
    low, high = nonresponse_bounds(58, 82, 150)
    assert (low, high) == (58 / 150, 126 / 150)


def test_a_census_has_no_gap_between_its_bounds():
    low, high = nonresponse_bounds([0, 3, 10], [10, 10, 10], 10)
    assert low.tolist() == high.tolist() == [0.0, 0.3, 1.0]


def test_more_respondents_than_the_population_is_refused():
    with pytest.raises(ValueError):
        nonresponse_bounds(1, 11, 10)
    assert np.all(np.diff(nonresponse_bounds(5, 10, [10, 20, 40]), axis=0) >= 0)
