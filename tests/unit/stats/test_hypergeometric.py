"""The hypergeometric interval against brute-force enumeration of every population count."""

import numpy as np
import pytest
from scipy import stats

from pipeline.stats import hypergeometric
from pipeline.stats.hypergeometric import hypergeometric_interval

# C(m, j) for every m, j <= 200, as floats (C(200, 100) is about 9e58, well inside float64)
_COMB = np.zeros((201, 201))
_COMB[:, 0] = 1.0
for _m in range(1, 201):
    _COMB[_m, 1:_m + 1] = _COMB[_m - 1, :_m] + _COMB[_m - 1, 1:_m + 1]


def _enumerated(k: int, n: int, big: int, level: float) -> tuple[float, float]:
    """Every K from 0 to N tried: the probabilities of each sample count x are counted tables."""
    counts = np.arange(big + 1)[:, None]
    x = np.arange(n + 1)[None, :]
    ways = _COMB[counts, x] * _COMB[big - counts, n - x]  # C(K, x) C(N - K, n - x); 0 where impossible
    ways[(x > counts) | (n - x > big - counts)] = 0.0
    probability = ways / _COMB[big, n]
    upper = probability[:, k:].sum(axis=1)
    lower = probability[:, :k + 1].sum(axis=1)
    alpha = (1 - level) / 2
    accepted = np.flatnonzero((upper >= alpha) & (lower >= alpha))
    return accepted.min() / big, accepted.max() / big


def test_every_population_up_to_200_at_several_samples_and_counts():
    checked = 0
    for big in range(1, 201):
        for n in sorted({1, max(1, big // 5), max(1, big // 2), max(1, big - 3), big}):
            ks = sorted({0, n // 3, n // 2, n})
            low, high = hypergeometric_interval(ks, n, big)
            for k, lo, hi in zip(ks, low, high, strict=True):
                assert (lo, hi) == _enumerated(k, n, big, 0.95), (k, n, big)
                checked += 1
    assert checked > 2500


@pytest.mark.parametrize("level", [0.8, 0.99])
def test_other_levels(level):
    for big, n, k in [(150, 82, 41), (150, 82, 3), (57, 20, 19)]:
        low, high = hypergeometric_interval(k, n, big, level)
        assert (float(low), float(high)) == _enumerated(k, n, big, level)


def test_a_census_gives_the_point_and_a_near_census_a_narrow_interval():
    low, high = hypergeometric_interval(41, 150, 150)
    assert float(low) == float(high) == 41 / 150
    low, high = hypergeometric_interval(41, 82, 150)
    wide_low, wide_high = hypergeometric_interval(41, 82, 100000)
    assert float(high - low) < float(wide_high - wide_low)
    assert float(low) <= 41 / 82 <= float(high)


def test_a_large_population_is_searched_by_bisection_with_the_same_answer():
    big, n, k = 5000, 300, 120
    low, high = hypergeometric_interval(k, n, big)
    counts = np.arange(k, big - (n - k) + 1)
    accepted = counts[(stats.hypergeom.sf(k - 1, big, counts, n) >= 0.025)
                      & (stats.hypergeom.cdf(k, big, counts, n) >= 0.025)]
    assert (float(low), float(high)) == (accepted[0] / big, accepted[-1] / big)


def test_impossible_counts_have_no_interval():
    low, high = hypergeometric_interval([0, 5, 3], [0, 4, 10], [10, 10, 5])
    assert np.isnan(low).all() and np.isnan(high).all()


@pytest.mark.parametrize("at_once", [1 << 20, 40, 1])
def test_samples_tried_together_give_each_its_own_interval(monkeypatch, at_once):
    """Many samples in one call (in batches of any size, beside searched and impossible ones) are
    each given the interval a call of its own gives."""
    monkeypatch.setattr(hypergeometric, "COUNTS_AT_ONCE", at_once)
    rng = np.random.default_rng(3)
    big = rng.integers(1, 400, size=60)
    n = np.minimum(big, rng.integers(1, 120, size=60))
    k = rng.integers(0, n + 1)
    big[5], n[5], k[5] = 5000, 300, 120  # searched by bisection
    n[7], k[7] = 0, 0  # no sample
    low, high = hypergeometric_interval(k, n, big)
    for i in range(60):
        one_low, one_high = hypergeometric_interval(int(k[i]), int(n[i]), int(big[i]))
        assert np.array_equal([low[i], high[i]], [one_low, one_high], equal_nan=True), i
    lo_200, hi_200 = hypergeometric_interval(k[big <= 200], n[big <= 200], big[big <= 200])
    expected = [_enumerated(int(a), int(b), int(c), 0.95) for a, b, c in zip(k, n, big, strict=True)
                if c <= 200 and b > 0]
    assert list(zip(lo_200[n[big <= 200] > 0], hi_200[n[big <= 200] > 0], strict=True)) == expected
