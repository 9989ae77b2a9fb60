"""At 1e5 respondents the chunked sufficient-statistics pass gives the same figures (to 1e-12)
as a single pass and as the per-unit linearisation, overall and in domains."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.stats.design import design_from_columns
from pipeline.stats.linearisation import estimate_shares, share_covariance, shares_from_statistics
from pipeline.stats.sufficient import sufficient_statistics

N = 100_000


@pytest.fixture(scope="module")
def survey():
    rng = np.random.default_rng(20091)
    strata = rng.integers(0, 36, N)
    population = (np.arange(36) + 1) * 10_000.0
    weights = population[strata] / np.bincount(strata, minlength=36)[strata] * rng.uniform(0.8, 1.2, N)
    codes = rng.choice(np.arange(-1, 5), size=(N, 4), p=[0.08, 0.1, 0.2, 0.25, 0.25, 0.12]).astype(np.int8)
    group = rng.integers(0, 2, N)
    design = design_from_columns(weights=weights, strata=strata, population=population[strata])
    return design, codes, group


def test_chunked_pass_equals_one_pass(survey):
    design, codes, group = survey
    chunked = shares_from_statistics(design, sufficient_statistics(design, codes, 5, group, 2, chunk_rows=7_919))
    whole = shares_from_statistics(design, sufficient_statistics(design, codes, 5, group, 2, chunk_rows=N))
    assert chunked.estimate == pytest.approx(whole.estimate, rel=1e-12)
    assert chunked.se == pytest.approx(whole.se, rel=1e-12)


def test_sufficient_statistics_equal_the_per_unit_linearisation(survey):
    design, codes, group = survey
    fast = estimate_shares(design, codes, 5, group, 2)
    overall = estimate_shares(design, codes, 5)
    for item in range(codes.shape[1]):
        shares, covariance = share_covariance(design, codes[:, item], 5)
        assert overall.estimate[item, 0] == pytest.approx(shares, rel=1e-12)
        assert overall.se[item, 0] == pytest.approx(np.sqrt(np.diag(covariance)), rel=1e-12)
        for domain in (0, 1):
            in_domain = np.where(group == domain, codes[:, item], -1)
            shares, covariance = share_covariance(design, in_domain, 5)
            assert fast.estimate[item, domain] == pytest.approx(shares, rel=1e-12)
            assert fast.se[item, domain] == pytest.approx(np.sqrt(np.diag(covariance)), rel=1e-12)
