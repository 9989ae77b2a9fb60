"""An exact interval for a share of a small, known population: the hypergeometric inversion.

When n units are sampled without replacement from a population of N, k of them in a
category, the count K of the population in that category is a whole number between k and
N - (n - k), and k follows the hypergeometric distribution given K. The interval keeps every
K that the observed k does not reject in either tail at level alpha / 2:

    P(X >= k | K) >= alpha / 2   and   P(X <= k | K) >= alpha / 2,

and divides its ends by N. It is the finite-population analogue of Clopper-Pearson's interval
(Buonaccorsi 1987; Wright 1991): at least nominal coverage, no normal approximation, and it
shrinks to the point k / N when the sample is the whole population. Both tails are monotone
in K, so the accepted counts are a run (found by bisection in a large population).
"""

from __future__ import annotations

import numpy as np

from pipeline.stats.distributions import hypergeom_cdf_values, hypergeom_sf_values, hypergeom_tail_value


def hypergeometric_interval(k, n, population, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact interval for the share K / N from k of n sampled without replacement from N.

    Every argument broadcasts; the ends are NaN where n is 0 or the counts are impossible
    (k > n, n > N).
    """
    k, n, population = (np.asarray(v, dtype=np.int64) for v in (k, n, population))
    shape = np.broadcast_shapes(k.shape, n.shape, population.shape)
    k, n, population = (np.broadcast_to(v, shape).ravel() for v in (k, n, population))
    alpha = (1 - level) / 2
    low = np.full(k.shape, np.nan)
    high = np.full(k.shape, np.nan)
    for i, (ki, ni, big) in enumerate(zip(k.tolist(), n.tolist(), population.tolist(), strict=True)):
        if ni <= 0 or ki < 0 or ki > ni or ni > big:
            continue
        smallest, largest = ki, big - (ni - ki)  # the population counts the sample allows
        if largest - smallest <= 1000:  # every count at once
            counts = np.arange(smallest, largest + 1)
            accepted = counts[(hypergeom_sf_values(ki - 1, big, counts, ni) >= alpha)
                              & (hypergeom_cdf_values(ki, big, counts, ni) >= alpha)]
            low[i], high[i] = accepted[0] / big, accepted[-1] / big
        else:  # one count at a time, by bisection
            low[i] = _first_accepted(_tail_accepts(ki - 1, ni, big, alpha, upper=True), smallest, largest) / big
            high[i] = _last_accepted(_tail_accepts(ki, ni, big, alpha, upper=False), smallest, largest) / big
    return low.reshape(shape), high.reshape(shape)


def _tail_accepts(k: int, n: int, big: int, alpha: float, upper: bool):
    """Whether a population count K keeps the tail P(X > k | K) (upper) or P(X <= k | K) at alpha or above."""
    return lambda count: hypergeom_tail_value(k, big, count, n, upper) >= alpha


def _first_accepted(accepts, low: int, high: int) -> int:
    """The smallest K in [low, high] that `accepts` (false below it, true from it on)."""
    if accepts(low):
        return low
    while high - low > 1:  # accepts(high) holds: the upper tail at the largest count is 1
        middle = (low + high) // 2
        low, high = (low, middle) if accepts(middle) else (middle, high)
    return high


def _last_accepted(accepts, low: int, high: int) -> int:
    """The largest K in [low, high] that `accepts` (true up to it, false above it)."""
    if accepts(high):
        return high
    while high - low > 1:  # accepts(low) holds: the lower tail at the smallest count is 1
        middle = (low + high) // 2
        low, high = (middle, high) if accepts(middle) else (low, middle)
    return low
