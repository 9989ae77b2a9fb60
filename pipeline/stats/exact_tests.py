"""Exact tests of unweighted counts, as R's stats package computes them.

* `fisher_exact_table`: Fisher's exact test of independence in an r x c table, as R's
  `fisher.test`: the p-value sums the probabilities of every table with the observed margins
  that is no more probable than the observed one (within R's relative tolerance of 1e-7). The
  tables are not listed one by one: a search over the columns, whose nodes are the row sums
  left, adds a whole subtree at once when every table in it counts (the sum over a subtree is a
  multinomial coefficient) and drops it when none does, which is the idea of Mehta and Patel's
  network algorithm that R uses.
* `binomial_test`: the exact test of one share against a value, as R's `binom.test`.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy import special

from pipeline.stats.comparisons import TestResult

RELATIVE_TOLERANCE = 1 + 1e-7  # R's fisher.test and binom.test: "no more probable" allows for rounding
MAX_WORK = 8_000_000  # steps of the exact search before it gives up (TooManyTables)
NODE_COST = 25  # steps charged for each node the search passes through (its bookkeeping is not vectorised)


def fisher_exact_table(table, max_work: int = MAX_WORK) -> TestResult:
    """Fisher's exact test of an r x c table of counts, R's `fisher.test(table)`'s two-sided p-value.

    The p-value sums the probabilities (multivariate hypergeometric, given both margins) of every
    table no more probable than the observed one times 1 + 1e-7. The search runs over the columns
    (smaller ones first), a node being the remaining row sums (sorted: the rows are exchangeable
    from there on) with the log probabilities of the paths that reach it. A path whose every
    completion is no more probable than the observed table adds its whole subtree at once (a
    multinomial coefficient); one with no such completion is dropped; the last two columns are
    summed from the sorted probabilities of their tables. The bounds on a subtree are exact for
    two rows (a dynamic programme over the remaining row-1 sum) and, for more rows, each
    column's most and least even split within the row sums left.

    Bound: more than `max_work` (8,000,000 by default; about a second) paths and column splits in all raise
    `TooManyTables`; the caller reports that the exact test was not computed."""
    table = np.asarray(table, dtype=np.int64)
    if table.ndim != 2 or (table < 0).any():
        raise ValueError("a two-way table of non-negative counts is needed")
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.shape[0] > table.shape[1]:
        table = table.T
    if table.shape[0] < 2:
        return TestResult("fisher", float("nan"), (), 1.0)
    order = np.argsort(table.sum(axis=0), kind="stable")
    table = table[:, order]
    search = _NetworkSearch(tuple(int(r) for r in table.sum(axis=1)), tuple(int(c) for c in table.sum(axis=0)),
                            max_work)
    observed = sum(search.column_value(j, tuple(int(x) for x in table[:, j])) for j in range(table.shape[1]))
    p_value = search.p_value(observed + np.log(RELATIVE_TOLERANCE))
    return TestResult("fisher", float(np.exp(observed - search.whole)), (), min(p_value, 1.0))


class TooManyTables(ArithmeticError):
    """The exact search would take too long: the table is large enough for Pearson's chi-square."""


class _NetworkSearch:
    """The tables with given row and column sums, searched column by column (see `fisher_exact_table`)."""

    def __init__(self, rows: tuple[int, ...], columns: tuple[int, ...], max_work: int):
        self.rows, self.columns, self.max_work = rows, columns, max_work
        self.work = 0
        self.suffix = [sum(columns[k:]) for k in range(len(columns) + 1)]
        self.log_factorial = special.gammaln(np.arange(self.suffix[0] + 1) + 1.0)
        self.whole = self.total(rows)  # log N! / prod R_i!: every table's probability is over it
        self._exact = self._two_row_bounds() if len(rows) == 2 else None

    def spend(self, steps: int) -> None:
        self.work += steps
        if self.work > self.max_work:
            raise TooManyTables(f"more than {self.max_work} steps of the exact search")

    def column_value(self, k: int, x: tuple[int, ...]) -> float:
        """log of column k's share of a table's probability: c_k! / prod x_i!."""
        return float(self.log_factorial[self.columns[k]] - sum(self.log_factorial[v] for v in x))

    def total(self, sums) -> float:
        """log of the sum of column values over every table with these row sums (a multinomial coefficient)."""
        return float(self.log_factorial[sum(sums)] - sum(self.log_factorial[v] for v in sums))

    def splits(self, c: int, sums: tuple[int, ...]) -> np.ndarray:
        """Every way to split a column of c among rows with these sums left (one row each)."""
        parts = np.zeros((1, 0), dtype=np.int64)
        left = np.array([c], dtype=np.int64)
        for i in range(len(sums) - 1):
            after = sum(sums[i + 1:])
            low, high = np.maximum(0, left - after), np.minimum(sums[i], left)
            counts = np.maximum(high - low + 1, 0)
            self.spend(int(counts.sum()))
            starts = np.repeat(low, counts)
            within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
            x = starts + within
            parts = np.column_stack([np.repeat(parts, counts, axis=0), x])
            left = np.repeat(left, counts) - x
        return np.column_stack([parts, left])

    def _two_row_bounds(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """With two rows, the most and least probable completion of columns k.. for each row-1 sum a."""
        m = len(self.columns)
        high, low = [np.empty(0)] * (m + 1), [np.empty(0)] * (m + 1)
        high[m] = low[m] = np.zeros(1)
        for k in range(m - 1, -1, -1):
            c = self.columns[k]
            self.spend((self.suffix[k] + 1) * (c + 1))
            a = np.arange(self.suffix[k] + 1)[:, None]
            x = np.arange(c + 1)[None, :]
            child = a - x
            valid = (child >= 0) & (child <= self.suffix[k + 1]) & (c - x <= self.suffix[k] - a)
            value = self.log_factorial[c] - self.log_factorial[x] - self.log_factorial[c - x]
            inner = np.clip(child, 0, self.suffix[k + 1])
            high[k] = np.where(valid, value + high[k + 1][inner], -np.inf).max(axis=1)
            low[k] = np.where(valid, value + low[k + 1][inner], np.inf).min(axis=1)
        return high, low

    def bounds(self, k: int, sums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Upper and lower bounds on the log value of the most and least probable completion of
        columns k.. for each row of `sums` (row sums left, sorted ascending)."""
        if self._exact is not None:
            return self._exact[0][k][sums[:, 0]], self._exact[1][k][sums[:, 0]]
        high, low = np.zeros(len(sums)), np.zeros(len(sums))
        for c in self.columns[k:]:
            high += self._even_split(c, sums)
            low += self._uneven_split(c, sums)
        return high, low

    def _even_split(self, c: int, caps: np.ndarray) -> np.ndarray:
        """The largest c! / prod x_i! with x_i <= caps (the row sums let go): as even as the caps allow
        (caps sorted ascending: a row is filled while its cap is below an even share of what is left)."""
        lf = self.log_factorial
        rows = caps.shape[1]
        left = np.full(len(caps), c)
        used = np.zeros(len(caps))
        active = np.ones(len(caps), dtype=bool)
        for i in range(rows):
            share = rows - i
            fill = active & (caps[:, i] <= left // share)
            used += np.where(fill, lf[np.where(fill, caps[:, i], 0)], 0.0)
            left = left - np.where(fill, caps[:, i], 0)
            stop = active & ~fill
            q, extra = np.divmod(left, share)
            used += np.where(stop, (share - extra) * lf[q] + extra * lf[np.minimum(q + 1, len(lf) - 1)], 0.0)
            active = fill
        return lf[c] - used

    def _uneven_split(self, c: int, caps: np.ndarray) -> np.ndarray:
        """The smallest c! / prod x_i! with x_i <= caps: the largest rows filled first."""
        lf = self.log_factorial
        left = np.full(len(caps), c)
        used = np.zeros(len(caps))
        for i in range(caps.shape[1] - 1, -1, -1):
            part = np.minimum(caps[:, i], left)
            used += lf[part]
            left = left - part
        return lf[c] - used

    def p_value(self, threshold: float) -> float:
        """The sum of the probabilities of the tables whose log column values sum to at most threshold."""
        m = len(self.columns)
        nodes = {tuple(sorted(self.rows)): (np.zeros(1), np.zeros(1))}  # path values and log masses
        found: list[float] = []
        for k in range(m - 1):
            if k == m - 2:
                for sums, (past, mass) in nodes.items():
                    found.append(self._last_two(k, sums, past, mass, threshold))
                break
            following: dict[tuple[int, ...], list[tuple[np.ndarray, np.ndarray]]] = {}
            for sums, (past, mass) in nodes.items():
                found.append(self._expand(k, sums, past, mass, threshold, following))
            nodes = {key: _merged(parts) for key, parts in following.items()}
            if not nodes:
                break
        return math.fsum(found)

    def _last_two(self, k: int, sums, past: np.ndarray, mass: np.ndarray, threshold: float) -> float:
        self.spend(NODE_COST)
        x = self.splits(self.columns[k], sums)
        y = np.asarray(sums) - x
        lf = self.log_factorial
        value = np.sort(lf[self.columns[k]] + lf[self.columns[k + 1]] - lf[x].sum(axis=1) - lf[y].sum(axis=1))
        top = value[-1]
        cumulative = np.cumsum(np.exp(value - top))
        count = np.searchsorted(value, threshold - past, side="right")
        hit = count > 0
        self.spend(len(past))
        return float(np.sum(np.exp(mass[hit] + top - self.whole) * cumulative[count[hit] - 1]))

    def _expand(self, k: int, sums, past: np.ndarray, mass: np.ndarray, threshold: float, following) -> float:
        """Column k's splits from one node: whole subtrees counted or dropped, the rest passed on."""
        x = self.splits(self.columns[k], sums)
        children = np.asarray(sums) - x
        lf = self.log_factorial
        value = lf[self.columns[k]] - lf[x].sum(axis=1)
        keys = np.sort(children, axis=1)
        high, low = self.bounds(k + 1, keys)
        totals = lf[children.sum(axis=1)] - lf[children].sum(axis=1)
        every = value + high  # at most threshold: every completion counts
        none = value + low  # above threshold: no completion counts
        order = np.argsort(every, kind="stable")
        every = every[order]
        whole_subtree = value[order] + totals[order]
        top = whole_subtree.max()
        cumulative = np.cumsum(np.exp(whole_subtree - top))
        counted = np.searchsorted(every, threshold - past, side="right")
        hit = counted > 0
        found = float(np.sum(np.exp(mass[hit] + top - self.whole) * cumulative[counted[hit] - 1]))
        rest = len(x) - counted
        self.spend(int(rest.sum()))
        within = np.arange(int(rest.sum())) - np.repeat(np.cumsum(rest) - rest, rest)
        split = order[np.repeat(counted, rest) + within]
        path = np.repeat(past, rest)
        keep = none[split] <= threshold - path
        split, path, path_mass = split[keep], path[keep], np.repeat(mass, rest)[keep]
        by_child = np.argsort(split, kind="stable")
        split, path, path_mass = split[by_child], path[by_child], path_mass[by_child]
        edges = np.concatenate([[0], np.flatnonzero(np.diff(split)) + 1, [len(split)]])
        self.spend(NODE_COST * (len(edges) - 1))
        for begin, end in itertools.pairwise(edges):
            if end > begin:
                s = split[begin]
                following.setdefault(tuple(int(v) for v in keys[s]), []).append(
                    (path[begin:end] + value[s], path_mass[begin:end] + value[s]))
        return found


def _merged(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The paths into one node, those of equal value (to 1e-9 in the log) made one, their masses added."""
    past = np.concatenate([p for p, _ in parts])
    mass = np.concatenate([w for _, w in parts])
    rounded = np.round(past * 1e9)
    order = np.argsort(rounded, kind="stable")
    rounded, past, mass = rounded[order], past[order], mass[order]
    starts = np.concatenate([[0], np.flatnonzero(np.diff(rounded)) + 1])
    top = np.maximum.reduceat(mass, starts)
    sizes = np.diff(np.append(starts, len(mass)))
    return past[starts], top + np.log(np.add.reduceat(np.exp(mass - np.repeat(top, sizes)), starts))


def binomial_test(x: int, n: int, p: float = 0.5, level: float = 0.95) -> TestResult:
    """R's `binom.test(x, n, p)`: the two-sided exact p-value (tables no more probable than the
    observed, within 1e-7) and the Clopper-Pearson interval."""
    from scipy import stats  # here, not at the top: importing scipy.stats costs most of a second

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
