"""R's logistic fit, replayed: where it starts, where it stops."""

import numpy as np
import pytest
from scipy import special

from pipeline.stats.svyglm_fit import irls_first_step, unit_working_terms


def test_a_unit_weight_starts_at_mu_three_quarters_for_a_yes():
    """With weight 1, R starts a 'yes' at (1 + 1/2) / 2 = 0.75: working weight mu (1 - mu)."""
    working, response = unit_working_terms(np.array([1.0]))
    mu = 0.75
    assert working[0] == pytest.approx(mu * (1 - mu))
    eta = special.logit(mu)
    assert response[0] == pytest.approx(mu * (1 - mu) * (eta + (1 - mu) / (mu * (1 - mu))))


def test_the_first_step_from_sums_equals_the_step_from_units_when_weights_are_equal():
    counts = np.array([[3.0, 5.0]])          # one group: 3 'no', 5 'yes', weight 2 each, mean weight 2
    step = irls_first_step(counts, counts * 2, counts * 4, 2.0)
    working, response = unit_working_terms(np.array([1.0]))
    assert step == pytest.approx((5 * response[0] - 3 * response[0]) / (8 * working[0]))
