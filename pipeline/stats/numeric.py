"""Means, totals, ratios and quantiles of numeric answers, with design-based standard errors.

Each estimator gives per-unit linearised scores (influence values) whose total under the
design has the estimator's variance (`linearisation.score_variance`), as R survey's
`svymean`, `svytotal`, `svyratio` and `svyquantile` compute them. Units without an answer, or
outside the domain, keep their place in the design with a score of 0: R's `na.rm = TRUE` and
`svyby` subsets, which keep each stratum's count of PSUs.

Quantiles follow `svyquantile`'s defaults in survey 4.1.1: `qrule = "math"` (the smallest value
whose weighted cumulative share reaches p) and `interval.type = "mean"` (Woodruff: an interval
for the share at or below the estimate, mapped back through the same rule), with the
standard error R derives from the interval's width.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from pipeline.stats.design import SampleDesign
from pipeline.stats.linearisation import answered_df, score_variance, subset_units

MEAN, TOTAL, RATIO = "mean", "total", "ratio"
QUARTILES = (0.25, 0.5, 0.75)


def quantile_statistic(p: float) -> str:
    """The `statistic` name of the p-quantile, e.g. `quantile:0.5`."""
    return f"quantile:{p:g}"


@dataclass(frozen=True)
class NumericEstimate:
    """One estimate of a numeric variable in one domain: what R's functions return for it.

    `deff` is R's `deff = TRUE` (against simple random sampling without replacement of the
    same number of units from a population of the weights' sum); NaN where undefined. `ess`
    is Kish's effective sample size of the answering units' weights, (sum w)^2 / sum w^2.
    """

    statistic: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    df: float
    deff: float = float("nan")
    ess: float = float("nan")


def numeric_estimates(design: SampleDesign, values: np.ndarray, member: np.ndarray, level: float,
                      quantiles: tuple[float, ...] = QUARTILES, infinite_df: bool = False) -> list[NumericEstimate]:
    """Mean, total and quantiles of `values` (NaN = no answer) among units where `member` holds;
    with `infinite_df`, intervals from normal quantiles, as R's `confint(..., df = Inf)`."""
    y = np.asarray(values, dtype=float)
    answered = np.asarray(member, dtype=bool) & ~np.isnan(y)
    n = int(answered.sum())
    w = np.where(answered, design.weights, 0.0)
    y0 = np.where(answered, y, 0.0)
    psum = w.sum()
    df = answered_df(design, answered)
    if n == 0 or psum <= 0:
        nan = float("nan")
        return [NumericEstimate(s, nan, nan, nan, nan, n, df)
                for s in (MEAN, TOTAL, *(quantile_statistic(p) for p in quantiles))]
    mean = (w * y0).sum() / psum
    total = (w * y0).sum()
    scores = [w * (y0 - mean) / psum, w * y0]
    cuts = [quantile_math(y[answered], design.weights[answered], p) for p in quantiles]
    shares = []
    for cut in cuts:
        below = (y0 <= cut) & answered
        share = w[below].sum() / psum
        shares.append(share)
        scores.append(w * (below - share) / psum)
    variance = score_variance(design, np.column_stack(scores), subset_units(design, answered))
    se = np.sqrt(np.maximum(variance, 0.0))
    t = _t_quantile(level, df, infinite_df)
    if infinite_df:
        df = float("inf")
    ess = psum ** 2 / (w * w).sum()
    results = [NumericEstimate(MEAN, mean, se[0], mean - t * se[0], mean + t * se[0], n, df,
                               mean_deff(variance[0], w, y0, mean, psum, n), ess),
               NumericEstimate(TOTAL, total, se[1], total - t * se[1], total + t * se[1], n, df, ess=ess)]
    ordered, ordered_w = y[answered], design.weights[answered]
    for i, (p, cut, share) in enumerate(zip(quantiles, cuts, shares, strict=True)):
        low_p, high_p = share - t * se[2 + i], share + t * se[2 + i]
        low = quantile_math(ordered, ordered_w, low_p) if low_p >= 0 else float("nan")
        high = quantile_math(ordered, ordered_w, high_p) if high_p <= 1 else float("nan")
        results.append(NumericEstimate(quantile_statistic(p), cut, (high - low) / (2 * t), low, high, n, df, ess=ess))
    return results


def ratio_estimate(design: SampleDesign, numerator: np.ndarray, denominator: np.ndarray, member: np.ndarray,
                   level: float, infinite_df: bool = False) -> NumericEstimate:
    """R's `svyratio`: sum(w y) / sum(w x) among units answering both, with its linearised SE."""
    y, x = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    answered = np.asarray(member, dtype=bool) & ~np.isnan(y) & ~np.isnan(x)
    n = int(answered.sum())
    w = np.where(answered, design.weights, 0.0)
    y0, x0 = np.where(answered, y, 0.0), np.where(answered, x, 0.0)
    df = answered_df(design, answered)
    base = (w * x0).sum()
    ess = w.sum() ** 2 / (w * w).sum() if n else float("nan")
    if n == 0 or base == 0:
        nan = float("nan")
        return NumericEstimate(RATIO, nan, nan, nan, nan, n, df, ess=ess)
    ratio = (w * y0).sum() / base
    variance = score_variance(design, (w * (y0 - ratio * x0) / base)[:, None], subset_units(design, answered))
    se = float(np.sqrt(max(variance[0], 0.0)))
    t = _t_quantile(level, df, infinite_df)
    if infinite_df:
        df = float("inf")
    return NumericEstimate(RATIO, ratio, se, ratio - t * se, ratio + t * se, n, df, ess=ess)


def quantile_math(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """R survey's `qrule_math`: the p-quantile of x weighted by w, exactly as R's `qs` finds it.

    Units of weight 0 are left out. Sorted by value (stably, as R's `order`), the quantile is
    the value where the weighted cumulative share first reaches p: the last position whose
    cumulative weight is at most p times the total, if it equals it exactly, else the next. R
    accumulates both sums in extended precision (`cumsum`, `sum`), and so does this; where no
    position qualifies R takes the first, and then (the share not being hit exactly) the second
    value, and so does this.
    """
    keep = w != 0
    x, w = np.asarray(x, dtype=float)[keep], np.asarray(w, dtype=float)[keep]
    if not len(x) or np.isnan(p):
        return float("nan")
    order = np.argsort(x, kind="stable")
    x = x[order]
    cumulative = np.cumsum(w[order].astype(np.longdouble)).astype(float)
    total = float(np.cumsum(w.astype(np.longdouble))[-1])
    hits = np.flatnonzero(cumulative <= p * total)
    pos = int(hits[-1]) if len(hits) else 0
    following = pos if pos == len(x) - 1 else pos + 1
    return float(x[pos] if p - cumulative[pos] / total == 0 else x[following])


def mean_deff(variance: float, w: np.ndarray, y: np.ndarray, mean: float, psum: float, n: int) -> float:
    """R's `svymean(deff = TRUE)`: the variance over that of a simple random sample of n drawn
    without replacement from a population of sum(w) units, with R's `svyvar` (the weighted
    variance times n / (n - 1)); undefined (NaN) where the weights sum to n or less."""
    if n < 2 or psum <= n:
        return float("nan")
    s2 = (w * (y - mean) ** 2).sum() / psum * n / (n - 1)
    srs = s2 * (psum - n) / (psum * n)
    return float(variance / srs) if srs > 0 else float("nan")


def share_deff(variance: np.ndarray, share: np.ndarray, n: np.ndarray, psum: np.ndarray) -> np.ndarray:
    """R's `svymean(deff = TRUE)` for category shares, whose weighted variance is p (1 - p):
    the share's variance over p (1 - p) n / (n - 1) (N - n) / (N n), N the weights' sum.
    NaN where undefined (N <= n, fewer than 2 units, or a share of 0 or 1)."""
    variance, share, n, psum = (np.asarray(a, dtype=float) for a in (variance, share, n, psum))
    with np.errstate(divide="ignore", invalid="ignore"):
        srs = share * (1 - share) * n / (n - 1) * (psum - n) / (psum * n)
        return np.where((n >= 2) & (psum > n) & (srs > 0), variance / srs, np.nan)


def _t_quantile(level: float, df: float, infinite_df: bool = False) -> float:
    """The two-sided t quantile R's `confint(..., df)` uses (the normal one with `df = Inf`);
    NaN without degrees of freedom. `ndtri` and `stdtrit` are what `scipy.stats.norm.ppf` and
    `scipy.stats.t.ppf` evaluate, without the second it takes to import scipy.stats."""
    if infinite_df:
        return float(special.ndtri(1 - (1 - level) / 2))
    return float(special.stdtrit(df, 1 - (1 - level) / 2)) if df >= 1 else float("nan")
