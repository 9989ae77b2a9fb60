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

COUNTS_AT_ONCE = 1 << 20  # population counts tried in one call (bounds the arrays to tens of megabytes)


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
    enumerated: list[tuple[int, int, int, int]] = []  # samples whose counts are tried together
    pending = 0  # how many counts they have
    for i, (ki, ni, big) in enumerate(zip(k.tolist(), n.tolist(), population.tolist(), strict=True)):
        if ni <= 0 or ki < 0 or ki > ni or ni > big:
            continue
        smallest, largest = ki, big - (ni - ki)  # the population counts the sample allows
        if largest - smallest <= 1000:  # every count, with the other samples' counts
            enumerated.append((i, ki, ni, big))
            pending += largest - smallest + 1
            if pending >= COUNTS_AT_ONCE:
                _enumerate(enumerated, alpha, low, high)
                enumerated, pending = [], 0
        else:  # one count at a time, by bisection
            low[i] = _first_accepted(_tail_accepts(ki - 1, ni, big, alpha, upper=True), smallest, largest) / big
            high[i] = _last_accepted(_tail_accepts(ki, ni, big, alpha, upper=False), smallest, largest) / big
    if enumerated:
        _enumerate(enumerated, alpha, low, high)
    return low.reshape(shape), high.reshape(shape)


def _enumerate(samples: list[tuple[int, int, int, int]], alpha: float, low: np.ndarray, high: np.ndarray) -> None:
    """The interval of each sample (position, k, n, N) from every population count it allows,
    all samples' counts in one call of each tail: the same values as a call per sample, without
    the cost of a call per sample."""
    position, k, n, big = (np.array(column, dtype=np.int64) for column in zip(*samples, strict=True))
    lengths = big - (n - k) - k + 1
    starts = np.cumsum(lengths) - lengths
    counts = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(starts - k, lengths)
    k_each, n_each, big_each = (np.repeat(v, lengths) for v in (k, n, big))
    accepts = ((hypergeom_sf_values(k_each - 1, big_each, counts, n_each) >= alpha)
               & (hypergeom_cdf_values(k_each, big_each, counts, n_each) >= alpha))
    for i, start, length, size in zip(position.tolist(), starts.tolist(), lengths.tolist(), big.tolist(), strict=True):
        accepted = counts[start:start + length][accepts[start:start + length]]
        low[i], high[i] = accepted[0] / size, accepted[-1] / size


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
