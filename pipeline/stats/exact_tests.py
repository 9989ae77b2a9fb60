"""Exact tests of unweighted counts, as R's stats package computes them.

* `fisher_exact_table`: Fisher's exact test of independence in a table with two rows (or two
  columns) and any number of groups, as R's `fisher.test`: the p-value sums the probabilities
  of every table with the observed margins that is no more probable than the observed one
  (within R's relative tolerance of 1e-7). The tables are not listed one by one: a search over
  the columns adds a whole subtree at once when every table in it counts (the sum over a
  subtree is a binomial coefficient, by Vandermonde's identity) and drops it when none does,
  which is the idea of Mehta and Patel's network algorithm that R uses.
* `binomial_test`: the exact test of one share against a value, as R's `binom.test`.
"""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np
from scipy import special, stats

from pipeline.stats.comparisons import TestResult

RELATIVE_TOLERANCE = 1 + 1e-7  # R's fisher.test and binom.test: "no more probable" allows for rounding


def fisher_exact_table(table, max_visits: int = 200_000) -> TestResult:
    """Fisher's exact test of a 2 x c (or r x 2) table of counts, as R's `fisher.test`'s p-value.

    Raises `TooManyTables` when the search takes more than `max_visits` steps."""
    table = np.asarray(table, dtype=np.int64)
    if table.ndim != 2 or (table < 0).any():
        raise ValueError("a two-way table of non-negative counts is needed")
    if table.shape[0] != 2:
        table = table.T
    if table.shape[0] != 2:
        raise ValueError(f"Fisher's exact test here needs two rows or two columns, not a {table.shape} table")
    table = table[:, table.sum(axis=0) > 0]
    columns = tuple(int(c) for c in table.sum(axis=0))
    first = int(table[0].sum())
    if len(columns) < 2 or first in (0, sum(columns)):
        return TestResult("fisher", float("nan"), (), 1.0)
    log_choose = _log_choose
    observed = sum(log_choose(c, int(x)) for c, x in zip(columns, table[0], strict=True))
    threshold = observed + np.log(RELATIVE_TOLERANCE)
    suffix = [sum(columns[j:]) for j in range(len(columns) + 1)]

    @cache
    def extreme(j: int, s: int) -> tuple[float, float]:
        """The largest and smallest log product of C(c_k, x_k) over columns k >= j with sum x_k = s."""
        if j == len(columns):
            return (0.0, 0.0) if s == 0 else (-np.inf, np.inf)
        best, worst = -np.inf, np.inf
        for x in range(max(0, s - suffix[j + 1]), min(columns[j], s) + 1):
            high, low = extreme(j + 1, s - x)
            value = log_choose(columns[j], x)
            best, worst = max(best, value + high), min(worst, value + low)
        return best, worst

    whole = log_choose(suffix[0], first)  # every table's probability is a product over C(N, first)
    total = 0.0
    visits = 0

    def visit(j: int, s: int, partial: float) -> None:
        nonlocal total, visits
        visits += 1
        if visits > max_visits:
            raise TooManyTables(f"more than {max_visits} steps of the exact search")
        high, low = extreme(j, s)
        if partial + high <= threshold:  # every completion is as extreme: C(remaining, s) of them, weighted
            total += np.exp(partial + log_choose(suffix[j], s) - whole)
            return
        if partial + low > threshold:  # none is
            return
        for x in range(max(0, s - suffix[j + 1]), min(columns[j], s) + 1):
            visit(j + 1, s - x, partial + log_choose(columns[j], x))

    visit(0, first, 0.0)
    return TestResult("fisher", float(np.exp(observed - whole)), (), min(float(total), 1.0))


class TooManyTables(ArithmeticError):
    """The exact search would take too long: the table is large enough for Pearson's chi-square."""


@lru_cache(maxsize=65536)
def _log_choose(n: int, k: int) -> float:
    return float(special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1))


def binomial_test(x: int, n: int, p: float = 0.5, level: float = 0.95) -> TestResult:
    """R's `binom.test(x, n, p)`: the two-sided exact p-value (tables no more probable than the
    observed, within 1e-7) and the Clopper-Pearson interval."""
    d = stats.binom.pmf(x, n, p)
    m = n * p
    if x == m:
        p_value = 1.0
    elif x < m:
        i = np.arange(int(np.ceil(m)), n + 1)
        y = int((stats.binom.pmf(i, n, p) <= d * RELATIVE_TOLERANCE).sum())
        p_value = stats.binom.cdf(x, n, p) + stats.binom.sf(n - y, n, p)
    else:
        i = np.arange(0, int(np.floor(m)) + 1)
        y = int((stats.binom.pmf(i, n, p) <= d * RELATIVE_TOLERANCE).sum())
        p_value = stats.binom.cdf(y - 1, n, p) + stats.binom.sf(x - 1, n, p)
    alpha = 1 - level
    low = special.betaincinv(x, n - x + 1, alpha / 2) if x > 0 else 0.0
    high = special.betaincinv(x + 1, n - x, 1 - alpha / 2) if x < n else 1.0
    return TestResult("binom-test", float(x), (float(n),), min(1.0, float(p_value)), x / n if n else float("nan"),
                      float(low), float(high))
