"""Comparing groups: exact and chi-square tests, Rao-Scott, differences, adjustment, letters.

Unweighted tests: Fisher's exact test with the conditional maximum-likelihood odds ratio, as
R's `fisher.test`; Pearson's chi-square with or without Yates' correction. The Rao-Scott
second-order correction of Pearson's statistic for weighted designs follows R survey's
`svychisq`; the difference of two proportions has Newcombe's hybrid score interval; p-values
are adjusted across a family of tests as R's `p.adjust`. The distributions come from
`distributions` (scipy.special), which spares the import of scipy.stats and statsmodels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.stats.distributions import (
    adjust_p,
    chi2_sf,
    f_sf,
    hypergeom_cdf,
    hypergeom_logpmf,
    hypergeom_sf,
    pearson_chi_square,
)
from pipeline.stats.intervals import binomial_interval

ADJUST_NAMES = {"holm": "Holm", "bh": "Benjamini-Hochberg"}


@dataclass(frozen=True)
class TestResult:
    test: str
    statistic: float
    df: tuple[float, ...]
    p_value: float
    estimate: float = np.nan
    ci_low: float = np.nan
    ci_high: float = np.nan


def fisher_exact(table: np.ndarray, level: float = 0.95) -> TestResult:
    """Fisher's exact test of a 2x2 table, computed as R's `fisher.test`.

    The odds ratio is the conditional maximum-likelihood estimate and the interval the exact
    conditional one. R finds both with `uniroot` at its default tolerance (about 1.2e-4), so
    its answer depends on the root finder's path; `_zeroin` follows R's Brent algorithm step
    for step, which reproduces R's figures, not merely the exact roots.
    """
    table = np.asarray(table, dtype=np.int64)
    m, n, k, x = int(table[:, 0].sum()), int(table[:, 1].sum()), int(table[0, :].sum()), int(table[0, 0])
    lo, hi = max(0, k - n), min(k, m)
    support = np.arange(lo, hi + 1)
    logdc = hypergeom_logpmf(support, m + n, m, k)

    def density(ncp: float) -> np.ndarray:
        d = logdc + np.log(ncp) * support
        d = np.exp(d - d.max())
        return d / d.sum()

    def mean(ncp: float) -> float:
        if ncp == 0:
            return float(lo)
        if ncp == np.inf:
            return float(hi)
        return float(np.sum(support * density(ncp)))

    def tail(q: int, ncp: float, upper: bool = False) -> float:
        if ncp == 1:
            return hypergeom_sf(x - 1, m + n, m, k) if upper else hypergeom_cdf(x, m + n, m, k)
        if ncp == 0:
            return float(q <= lo if upper else q >= lo)
        if ncp == np.inf:
            return float(q <= hi if upper else q >= hi)
        return float(density(ncp)[support >= q].sum() if upper else density(ncp)[support <= q].sum())

    eps = np.finfo(float).eps

    def root_below_one(f, target: float) -> float:
        return _zeroin(lambda t: f(t) - target, 0.0, 1.0)

    def root_above_one(f, target: float) -> float:
        return 1 / _zeroin(lambda t: f(1 / t) - target, eps, 1.0)

    if x == lo:
        estimate = 0.0
    elif x == hi:
        estimate = np.inf
    else:
        mu = mean(1.0)
        estimate = root_below_one(mean, x) if mu > x else root_above_one(mean, x) if mu < x else 1.0
    alpha = (1 - level) / 2

    def upper_limit() -> float:
        if x == hi:
            return np.inf
        p = tail(x, 1.0)
        f = lambda t: tail(x, t)  # noqa: E731
        return root_below_one(f, alpha) if p < alpha else root_above_one(f, alpha) if p > alpha else 1.0

    def lower_limit() -> float:
        if x == lo:
            return 0.0
        p = tail(x, 1.0, upper=True)
        f = lambda t: tail(x, t, upper=True)  # noqa: E731
        return root_below_one(f, alpha) if p > alpha else root_above_one(f, alpha) if p < alpha else 1.0

    d = density(1.0)
    p_value = float(d[d <= d[x - lo] * (1 + 1e-7)].sum())
    return TestResult("fisher", np.nan, (), min(p_value, 1.0), float(estimate), lower_limit(), upper_limit())


def _zeroin(f, a: float, b: float, tol: float = np.finfo(float).eps ** 0.25, max_iterations: int = 1000) -> float:
    """Brent's root finder exactly as R's `uniroot` (R_zeroin2), with R's default tolerance."""
    eps = np.finfo(float).eps
    fa, fb = f(a), f(b)
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    c, fc = a, fa
    for _ in range(max_iterations + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * eps * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q, t1, t2 = fa / fc, fb / fc, fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    raise ArithmeticError("root finder did not converge")


def chi_square(table: np.ndarray, correct: bool = False) -> TestResult:
    """Pearson's chi-square test of independence (Yates' correction for 2x2 tables if asked)."""
    statistic, dof, p_value = pearson_chi_square(table, correct)
    return TestResult("chisq-yates" if correct else "chisq", statistic, (float(dof),), p_value)


def rao_scott(cell_shares: np.ndarray, cell_covariance: np.ndarray, n_rows: int, n_cols: int, n: int,
              design_df: int) -> tuple[TestResult, TestResult]:
    """Rao-Scott corrected Pearson tests of a weighted two-way table, as R's `svychisq`.

    `cell_shares` are the design-based shares of the r x c cells, rows varying fastest (R's
    order), `cell_covariance` their design covariance; `n` the number of respondents. Returns
    the F test (second-order correction, with its two degrees of freedom) and the first-order
    corrected chi-square (R reports Pearson's statistic with the p-value of the corrected one).
    """
    rows = np.tile(np.arange(n_rows), n_cols)
    cols = np.repeat(np.arange(n_cols), n_rows)
    x1 = np.column_stack([np.ones(n_rows * n_cols)] + [(rows == i).astype(float) for i in range(1, n_rows)]
                         + [(cols == j).astype(float) for j in range(1, n_cols)])
    x12 = np.column_stack([(rows == i).astype(float) * (cols == j) for j in range(1, n_cols) for i in range(1, n_rows)])
    q, _ = np.linalg.qr(x1)
    contrasts = x12 - q @ (q.T @ x12)
    shares = np.asarray(cell_shares, dtype=float)
    inverse = np.diag(np.where(shares == 0, 0.0, 1.0 / np.where(shares == 0, 1.0, shares)))
    denominator = contrasts.T @ (inverse / n) @ contrasts
    numerator = contrasts.T @ inverse @ cell_covariance @ inverse @ contrasts
    delta = np.linalg.solve(denominator, numerator)
    trace = np.trace(delta)
    d0 = trace ** 2 / np.trace(delta @ delta)
    table = (shares * n).reshape(n_cols, n_rows).T
    pearson = pearson_chi_square(table)[0]
    f_statistic = pearson / trace
    f_test = TestResult("rao-scott-f", float(f_statistic), (float(d0), float(d0 * design_df)),
                        f_sf(f_statistic, d0, d0 * design_df))
    chisq = TestResult("rao-scott-chisq", float(pearson), (float(delta.shape[0]),),
                       chi2_sf(pearson / np.mean(np.diag(delta)), delta.shape[0]))
    return f_test, chisq


def newcombe_difference(x1: int, n1: int, x2: int, n2: int, level: float = 0.95) -> tuple[float, float, float]:
    """p1 - p2 with Newcombe's hybrid score interval (method 10), from each group's Wilson interval."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = binomial_interval(x1, n1, "wilson", level)
    l2, u2 = binomial_interval(x2, n2, "wilson", level)
    d = p1 - p2
    low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return float(d), float(low), float(high)


def adjust(p_values, method: str = "holm") -> np.ndarray:
    """p-values adjusted across a family of tests (Holm, or Benjamini-Hochberg)."""
    return adjust_p(p_values, method)


def compact_letters(groups: list[str], significant_pairs: set[frozenset[str]]) -> dict[str, str]:
    """Letters for groups so that groups sharing a letter do not differ significantly.

    The insert-and-absorb algorithm (Piepho 2004): start with one letter for all groups; for
    each significant pair, split every letter set holding both; then drop sets contained in
    another. Groups with no significant difference all get 'a'.
    """
    sets: list[set[str]] = [set(groups)]
    for pair in sorted(significant_pairs, key=lambda s: sorted(s)):
        a, b = sorted(pair)
        new_sets: list[set[str]] = []
        for s in sets:
            if a in s and b in s:
                new_sets.extend([s - {a}, s - {b}])
            else:
                new_sets.append(s)
        sets = [s for i, s in enumerate(new_sets) if s and not any(
            (s < t) or (s == t and j < i) for j, t in enumerate(new_sets))]
    order = {g: i for i, g in enumerate(groups)}
    sets.sort(key=lambda s: min(order[g] for g in s))
    letters = {g: "" for g in groups}
    for i, s in enumerate(sets):
        for g in s:
            letters[g] += "abcdefghijklmnopqrstuvwxyz"[i % 26]
    return letters


def one_sample_test(x: int, n: int, p0: float = 0.5, correct: bool = True) -> TestResult:
    """Chi-square test of one proportion against p0, as R's `prop.test` (Yates' correction optional)."""
    yates = min(0.5, abs(x - n * p0)) if correct else 0.0
    statistic = (abs(x - n * p0) - yates) ** 2 / (n * p0 * (1 - p0))
    return TestResult("prop-test", float(statistic), (1.0,), chi2_sf(statistic, 1))
