"""Means, totals, quantiles and ratios of numeric answers under a replicate-weight design.

As R survey's `svymean`, `svytotal`, `svyquantile` and `svyratio` on a `svrepdesign`: the
estimate with the full-sample weights, its variance from the same estimate recomputed with
each replicate's weights (`replicate_variance`: R's `svrVar` with the design's `scale`,
`rscales` and `mse`). A domain (R's `svyby`) and the units without an answer (`na.rm = TRUE`)
are subsets of the rows, so their degrees of freedom are R's `degf` of the subset: the rank of
its rows' replicate weights less one.

Quantiles follow `svyquantile.svyrep.design`'s defaults in survey 4.1.1: `qrule = "math"` and
`interval.type = "mean"` (Woodruff: the share at or below the estimate, with its replicate
variance, mapped back through the rule), the SE derived from the interval's width.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from pipeline.stats.blas_threads import one_blas_thread
from pipeline.stats.numeric import (
    MEAN,
    QUARTILES,
    RATIO,
    TOTAL,
    NumericEstimate,
    mean_deff,
    quantile_math,
    quantile_statistic,
)
from pipeline.stats.replicates import ReplicateDesign, gram_rank, replicate_variance

CHUNK_ROWS = 131_072


def replicate_numeric_estimates(design: ReplicateDesign, values: np.ndarray, member: np.ndarray, level: float,
                                quantiles: tuple[float, ...] = QUARTILES, infinite_df: bool = False,
                                member_gram: np.ndarray | None = None) -> list[NumericEstimate]:
    """Mean, total and quantiles of `values` (NaN = no answer) among units where `member` holds.

    `member_gram` is `replicate_gram(design, member)` when known (it is the same for every
    question of a domain): the answering rows' Gram matrix is then it less the others'."""
    y = np.asarray(values, dtype=float)
    member = np.asarray(member, dtype=bool)
    answered = member & ~np.isnan(y)
    n = int(answered.sum())
    df = _answered_df(design, member, answered, member_gram)
    order = np.argsort(y[answered], kind="stable")  # sorted once: quantile_math's own sort then keeps the order
    x, w = y[answered][order], design.full_weights[answered][order]
    y0 = np.where(answered, y, 0.0)
    cuts = [quantile_math(x, w, p) for p in quantiles] if n else []
    # One pass over the weights: counts, totals and the units at or below each quantile, per weight column.
    columns = np.column_stack([answered, y0, *(answered & (y0 <= cut) for cut in cuts)]).astype(float)
    sums, totals, *at_or_below = columns.T @ design.weights
    if n == 0 or sums[0] <= 0:
        nan = float("nan")
        return [NumericEstimate(s, nan, nan, nan, nan, n, df)
                for s in (MEAN, TOTAL, *(quantile_statistic(p) for p in quantiles))]
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.where(sums > 0, totals / sums, np.nan)
        below = np.reshape(at_or_below, (len(cuts), len(sums))) / np.where(sums > 0, sums, np.nan)
    thetas = np.vstack([means, totals, below])
    variance = replicate_variance(thetas[:, 0], thetas[:, 1:], design.scale, design.rscales, design.mse)
    se = np.sqrt(np.maximum(variance, 0.0))
    t = _critical(level, df, infinite_df)
    df_out = float("inf") if infinite_df else df
    psum = float(sums[0])
    ess = psum ** 2 / float((w * w).sum())
    mean, total = float(means[0]), float(totals[0])
    results = [NumericEstimate(MEAN, mean, se[0], mean - t * se[0], mean + t * se[0], n, df_out,
                               mean_deff(variance[0], w, x, mean, psum, n), ess),
               NumericEstimate(TOTAL, total, se[1], total - t * se[1], total + t * se[1], n, df_out, ess=ess)]
    for i, (p, cut) in enumerate(zip(quantiles, cuts, strict=True)):
        share = below[i, 0]
        low_p, high_p = share - t * se[2 + i], share + t * se[2 + i]
        low = quantile_math(x, w, low_p) if low_p >= 0 else float("nan")
        high = quantile_math(x, w, high_p) if high_p <= 1 else float("nan")
        results.append(NumericEstimate(quantile_statistic(p), cut, (high - low) / (2 * t), low, high, n, df_out,
                                       ess=ess))
    return results


def replicate_ratio_estimate(design: ReplicateDesign, numerator: np.ndarray, denominator: np.ndarray,
                             member: np.ndarray, level: float, infinite_df: bool = False,
                             member_gram: np.ndarray | None = None) -> NumericEstimate:
    """R's `svyratio` on a replicate design: sum(w y) / sum(w x) among units answering both,
    recomputed in every replicate."""
    y, x = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    member = np.asarray(member, dtype=bool)
    answered = member & ~np.isnan(y) & ~np.isnan(x)
    n = int(answered.sum())
    df = _answered_df(design, member, answered, member_gram)
    w = design.full_weights[answered]
    ess = float(w.sum() ** 2 / (w * w).sum()) if n else float("nan")
    bases = _weighted_sums(design, np.where(answered, x, 0.0))
    if n == 0 or bases[0] == 0:
        nan = float("nan")
        return NumericEstimate(RATIO, nan, nan, nan, nan, n, df, ess=ess)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(bases != 0, _weighted_sums(design, np.where(answered, y, 0.0)) / bases, np.nan)
    variance = replicate_variance(ratios[0], ratios[1:], design.scale, design.rscales, design.mse)
    se = float(np.sqrt(max(float(variance), 0.0)))
    t = _critical(level, df, infinite_df)
    ratio = float(ratios[0])
    return NumericEstimate(RATIO, ratio, se, ratio - t * se, ratio + t * se, n,
                           float("inf") if infinite_df else df, ess=ess)


def subset_df(design: ReplicateDesign, rows: np.ndarray) -> float:
    """R's `degf` of the subset `design[rows, ]`: the rank of its replicate weights less one."""
    rows = np.asarray(rows, dtype=bool)
    return float(gram_rank(replicate_gram(design, rows)) - 1) if rows.any() else -1.0


def replicate_gram(design: ReplicateDesign, rows: np.ndarray, chunk_rows: int = CHUNK_ROWS) -> np.ndarray:
    """The Gram matrix (R, R) of the replicate weights of `rows`, summed chunk by chunk (no copy
    of the subset's weights)."""
    rows = np.asarray(rows, dtype=bool)
    size = design.n_replicates
    gram = np.zeros((size, size))
    with one_blas_thread():
        for start in range(0, design.n, chunk_rows):
            part = design.weights[start:start + chunk_rows, 1:][rows[start:start + chunk_rows]]
            gram += part.T @ part
    return gram


def _answered_df(design: ReplicateDesign, member: np.ndarray, answered: np.ndarray,
                 member_gram: np.ndarray | None) -> float:
    """`subset_df` of the answering rows; from the domain's Gram matrix less the non-answering
    rows' when it is given (fewer rows to sum where few answers are missing)."""
    if member_gram is None or not answered.any():
        return subset_df(design, answered)
    unanswered = member & ~answered
    gram = member_gram - replicate_gram(design, unanswered) if unanswered.any() else member_gram
    return float(gram_rank(gram) - 1)


def _weighted_sums(design: ReplicateDesign, values: np.ndarray) -> np.ndarray:
    """sum_i values_i w_ir for the full-sample weights and every replicate's: (R + 1,)."""
    return values @ design.weights


def _critical(level: float, df: float, infinite_df: bool) -> float:
    """R's `qt(1 - alpha/2, df)`, or `qnorm` with `df = Inf`; NaN without degrees of freedom
    (`stdtrit` and `ndtri`, as `scipy.stats.t.ppf` and `norm.ppf` evaluate them)."""
    if infinite_df:
        return float(special.ndtri(1 - (1 - level) / 2))
    return float(special.stdtrit(df, 1 - (1 - level) / 2)) if df >= 1 else float("nan")
