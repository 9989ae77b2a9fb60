"""Tests under the sample design: R survey's `svychisq` statistics and differences of domain shares.

* `svychisq`: the four statistics of R's `svychisq` for a two-way table: the Rao-Scott
  first-order ("Chisq") and second-order ("F") corrections of Pearson's statistic, and the
  design-based Wald test of the interaction ("Wald") with its adjusted F form ("adjWald");
* `domain_differences`: each pair of groups' difference in a share, with its design-based
  standard error, as R's `svycontrast` over `svyby(..., svymean, covmat = TRUE)`, its t
  interval and test on the design's degrees of freedom.

Codes are per unit: -1 marks a unit outside the table (a missing answer), which contributes
nothing, as R's `na.rm = TRUE` (the design's strata and PSUs stay as declared).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from pipeline.stats.comparisons import TestResult, rao_scott
from pipeline.stats.design import SampleDesign, unit_scaled_weights
from pipeline.stats.linearisation import score_covariance, share_covariance
from pipeline.stats.replicate_shares import replicate_share_covariance
from pipeline.stats.replicates import ReplicateDesign, replicate_covariance

SVYCHISQ_STATISTICS = ("F", "Chisq", "Wald", "adjWald")
TEST_OF_STATISTIC = {"F": "rao-scott-f", "Chisq": "rao-scott-chisq", "Wald": "wald-f", "adjWald": "adjusted-wald-f"}


def svychisq(design: SampleDesign, rows: np.ndarray, cols: np.ndarray, n_rows: int,
             n_cols: int, replicates: ReplicateDesign | None = None) -> dict[str, TestResult]:
    """R's `svychisq(~rows + cols, design, statistic = s)` for each s of `SVYCHISQ_STATISTICS`;
    on a replicate design (R's svrepdesign) the Rao-Scott "F" and "Chisq" only, the table's
    covariance from the replicates.

    Raises `numpy.linalg.LinAlgError` where a covariance matrix the test inverts is singular.
    """
    rows, cols = np.asarray(rows), np.asarray(cols)
    valid = (rows >= 0) & (cols >= 0)
    cells = np.where(valid, rows + n_rows * np.maximum(cols, 0), -1)  # rows vary fastest, as R's interaction
    if replicates is not None:
        shares, covariance, df = replicate_share_covariance(replicates, cells, n_rows * n_cols)
        f_test, chisq = rao_scott(shares, covariance, n_rows, n_cols, len(rows), df)
        return {"F": f_test, "Chisq": chisq}
    shares, covariance = share_covariance(design, cells, n_rows * n_cols)
    # R scales the table to the design's rows, missing answers included (its Chisq statistic depends on it)
    f_test, chisq = rao_scott(shares, covariance, n_rows, n_cols, len(rows), design.df)
    wald, adjusted = _wald(design, rows, cols, valid, n_rows, n_cols)
    return {"F": f_test, "Chisq": chisq, "Wald": wald, "adjWald": adjusted}


def _wald(design: SampleDesign, rows: np.ndarray, cols: np.ndarray, valid: np.ndarray, n_rows: int,
          n_cols: int) -> tuple[TestResult, TestResult]:
    """The Wald test that each cell total is its row total times its column total over the grand
    total, on the (r - 1)(c - 1) cells outside the first row and column, as R's `svychisq`."""
    n = len(rows)
    weights = unit_scaled_weights(design)
    values = np.zeros((n, n_rows * n_cols + n_rows + n_cols + 1))
    units = np.flatnonzero(valid)
    values[units, rows[units] + n_rows * cols[units]] = 1.0
    values[units, n_rows * n_cols + rows[units]] = 1.0
    values[units, n_rows * n_cols + n_rows + cols[units]] = 1.0
    values[units, -1] = 1.0
    totals = weights @ values
    covariance = score_covariance(design, weights[:, None] * values, weights)
    cell_row = np.tile(np.arange(n_rows), n_cols)
    cell_col = np.repeat(np.arange(n_cols), n_rows)
    row_totals = totals[n_rows * n_cols:n_rows * n_cols + n_rows]
    col_totals = totals[n_rows * n_cols + n_rows:-1]
    grand = totals[-1]
    jacobian = np.hstack([
        np.eye(n_rows * n_cols),
        -(cell_row[:, None] == np.arange(n_rows)[None, :]).astype(float) * (col_totals[cell_col] / grand)[:, None],
        -(cell_col[:, None] == np.arange(n_cols)[None, :]).astype(float) * (row_totals[cell_row] / grand)[:, None],
        (row_totals[cell_row] * col_totals[cell_col] / grand ** 2)[:, None],
    ])
    departure = totals[:n_rows * n_cols] - row_totals[cell_row] * col_totals[cell_col] / grand
    v = jacobian @ covariance @ jacobian.T
    use = np.flatnonzero((cell_row > 0) & (cell_col > 0))
    statistic = float(departure[use] @ np.linalg.solve(v[np.ix_(use, use)], departure[use]))
    numerator_df = (n_rows - 1) * (n_cols - 1)
    nu = design.df
    wald = statistic / numerator_df
    adjusted_df = nu - numerator_df + 1
    adjusted = statistic * adjusted_df / (numerator_df * nu)
    return (TestResult("wald-f", wald, (float(numerator_df), float(nu)), _f_sf(wald, numerator_df, nu)),
            TestResult("adjusted-wald-f", adjusted, (float(numerator_df), float(adjusted_df)),
                       _f_sf(adjusted, numerator_df, adjusted_df)))


def _f_sf(statistic: float, df1: float, df2: float) -> float:
    """Upper tail of the F distribution; NaN without denominator degrees of freedom."""
    if df2 <= 0 or not np.isfinite(statistic):
        return float("nan")
    return float(special.fdtrc(df1, df2, statistic))


@dataclass(frozen=True)
class DomainDifference:
    """The difference of two groups' shares under the design, with its standard error, t interval and test."""

    group_a: int
    group_b: int
    estimate_a: float
    estimate_b: float
    difference: float
    se: float
    ci_low: float
    ci_high: float
    statistic: float
    df: float
    p_value: float


def domain_means(design: SampleDesign, y: np.ndarray, groups: np.ndarray,
                 n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Each group's mean of `y` and their joint linearised covariance, as R's
    `svyby(~y, ~g, design, svymean, covmat = TRUE)`; units with a group of -1 or a missing `y`
    (NaN) are outside every group."""
    y = np.asarray(y, dtype=float)
    groups = np.asarray(groups)
    valid = (groups >= 0) & np.isfinite(y)
    weights = unit_scaled_weights(design)
    member = np.zeros((len(y), n_groups))
    member[np.flatnonzero(valid), groups[valid]] = 1.0
    group_weight = (weights[:, None] * member).sum(axis=0)
    values = np.where(valid, y, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (weights * values) @ member / group_weight
        z = weights[:, None] * member * (values[:, None] - means[None, :]) / group_weight[None, :]
    return means, score_covariance(design, np.nan_to_num(z), weights)


def t_quantile(df: float, q: float) -> float:
    """The t distribution's quantile on `df` degrees of freedom; the normal's for infinite df; NaN without df."""
    if not df > 0:
        return float("nan")
    return float(special.ndtri(q)) if np.isinf(df) else float(special.stdtrit(df, q))


def two_sided_t_p(df: float, statistic: float) -> float:
    """The two-sided p-value of a t statistic on `df` degrees of freedom (normal for infinite df)."""
    if not (np.isfinite(statistic) and df > 0):
        return float("nan")
    return float(2 * (special.ndtr(-abs(statistic)) if np.isinf(df) else special.stdtr(df, -abs(statistic))))


def replicate_domain_means(replicates: ReplicateDesign, y: np.ndarray, groups: np.ndarray,
                           n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Each group's mean of `y` and their covariance from the replicates, as R's `svyby(~y, ~g,
    rdesign, svymean, covmat = TRUE)` on a replicate design: each group's mean recomputed with
    every replicate's weights."""
    y = np.asarray(y, dtype=float)
    groups = np.asarray(groups)
    valid = (groups >= 0) & np.isfinite(y)
    member = np.zeros((len(y), n_groups))
    member[np.flatnonzero(valid), groups[valid]] = 1.0
    values = np.where(valid, y, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = ((member * values[:, None]).T @ replicates.weights) / (member.T @ replicates.weights)  # (G, R + 1)
    complete = ~np.isnan(means[:, 1:]).any(axis=0)
    covariance = replicate_covariance(means[:, 0], means[:, 1:][:, complete], replicates.scale,
                                      replicates.rscales[complete], replicates.mse)
    return means[:, 0], covariance


def domain_differences(design: SampleDesign, y: np.ndarray, groups: np.ndarray, n_groups: int,
                       pairs: list[tuple[int, int]], level: float = 0.95,
                       replicates: ReplicateDesign | None = None,
                       infinite_df: bool = False) -> list[DomainDifference]:
    """Each pair's difference of means (a share, for a 0/1 `y`), as R's
    `svycontrast(svyby(...), c(1, -1))`, with `confint(..., df = degf(design))` and a t test on
    the same degrees of freedom (with `infinite_df`, normal quantiles, as `confint(..., df = Inf)`);
    on a replicate design the covariance comes from the replicates."""
    if replicates is not None:
        means, covariance = replicate_domain_means(replicates, y, groups, n_groups)
        df = float(replicates.df)
    else:
        means, covariance = domain_means(design, y, groups, n_groups)
        df = float(design.df)
    if infinite_df:
        df = float("inf")
    t = t_quantile(df, 0.5 + level / 2)
    out = []
    for a, b in pairs:
        difference = float(means[a] - means[b])
        variance = covariance[a, a] + covariance[b, b] - 2 * covariance[a, b]
        se = float(np.sqrt(max(variance, 0.0)))
        statistic = difference / se if se > 0 else float("nan")
        p_value = two_sided_t_p(df, statistic)
        out.append(DomainDifference(a, b, float(means[a]), float(means[b]), difference, se, difference - t * se,
                                    difference + t * se, statistic, df, p_value))
    return out
