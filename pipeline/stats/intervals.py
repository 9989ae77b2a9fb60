"""Confidence intervals for one proportion, vectorised over arrays of estimates.

Two families:

* binomial intervals for a simple random sample, from a count `x` of `n`
  (`wilson`, `wilson-cc`, `clopper-pearson`, `agresti-coull`, `wald`), as R's `prop.test`
  and `binom.test` and statsmodels' `proportion_confint` compute them;
* design-based intervals from an estimate, its standard error and the design's degrees of
  freedom, as R survey's `svyciprop` computes them (`logit`, `likelihood`, `asin`, `beta`,
  `mean`, `xlogit`), using a t distribution with the design's degrees of freedom.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from pipeline.stats.svyglm_fit import ModelTerms, fits, likelihood_interval

BINOMIAL_METHODS = ("wilson", "wilson-cc", "clopper-pearson", "agresti-coull", "wald")
DESIGN_METHODS = ("logit", "likelihood", "asin", "beta", "mean", "xlogit")
METHOD_NAMES = {
    "wilson": "Wilson score",
    "wilson-cc": "Wilson score with continuity correction",
    "clopper-pearson": "Clopper-Pearson (exact)",
    "agresti-coull": "Agresti-Coull",
    "wald": "Wald (normal approximation)",
    "logit": "logit (design-based, t with design df)",
    "likelihood": "scaled likelihood (design-based, t with design df)",
    "asin": "arcsine square root (design-based, t with design df)",
    "beta": "Korn-Graubard beta (design-based)",
    "mean": "Wald on the design-based SE (t with design df)",
    "xlogit": "logit of the design-based mean (t with design df)",
    "hypergeometric": "hypergeometric (exact, for an unweighted sample of a known population)",
}


def _t_ppf(q, df):
    """Quantile of Student's t (scipy.special directly: importing scipy.stats costs a second);
    the normal quantile where df is infinite, as R's qnorm for `df = Inf`."""
    df = np.asarray(df, dtype=float)
    if np.all(np.isfinite(df)):
        return special.stdtrit(df, q)
    return np.where(np.isinf(df), special.ndtri(q), special.stdtrit(np.where(np.isinf(df), 1.0, df), q))


def _beta_ppf(q, a, b):
    return special.betaincinv(a, b, q)


def _z(level: float) -> float:
    return float(special.ndtri(0.5 + level / 2))


def binomial_interval(x, n, method: str = "wilson", level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Interval for x successes in n trials; NaN where n is 0.

    `wilson-cc` follows R's `prop.test(correct=TRUE)`: the continuity correction is
    min(0.5, |x - n/2|), R's default null proportion being one half.
    """
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        z = _z(level)
        if method == "wilson":
            centre = (p + z * z / (2 * n)) / (1 + z * z / n)
            half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
            low, high = centre - half, centre + half
        elif method == "wilson-cc":
            yates = np.minimum(0.5, np.abs(x - n * 0.5))
            z22n = z * z / (2 * n)
            pc = p + yates / n
            high = np.where(pc >= 1, 1.0,
                            (pc + z22n + z * np.sqrt(pc * (1 - pc) / n + z22n / (2 * n))) / (1 + 2 * z22n))
            pc = p - yates / n
            low = np.where(pc <= 0, 0.0, (pc + z22n - z * np.sqrt(pc * (1 - pc) / n + z22n / (2 * n))) / (1 + 2 * z22n))
        elif method == "clopper-pearson":
            alpha = 1 - level
            low = np.where(x > 0, _beta_ppf(alpha / 2, x, n - x + 1), 0.0)
            high = np.where(x < n, _beta_ppf(1 - alpha / 2, x + 1, n - x), 1.0)
        elif method == "agresti-coull":
            n_tilde = n + z * z
            p_tilde = (x + z * z / 2) / n_tilde
            half = z * np.sqrt(p_tilde * (1 - p_tilde) / n_tilde)
            low, high = np.maximum(p_tilde - half, 0.0), np.minimum(p_tilde + half, 1.0)
        elif method == "wald":
            half = z * np.sqrt(p * (1 - p) / n)  # clipped to [0, 1] below
            low, high = p - half, p + half
        else:
            raise ValueError(f"unknown binomial interval method {method!r}")
    empty = n == 0
    # Clipped to [0, 1] as statsmodels does: a Wald bound beyond it, or a Wilson bound a rounding
    # error below 0, is not a proportion.
    return np.where(empty, np.nan, np.clip(low, 0.0, 1.0)), np.where(empty, np.nan, np.clip(high, 0.0, 1.0))


def design_interval(p, se, df, method: str = "logit", level: float = 0.95, n=None, *,
                    rows=None, weight=None, row_weight=None, model_rows=None, calibrated: bool = False,
                    first_step=None) -> tuple[np.ndarray, np.ndarray]:
    """Interval for a design-based proportion as R survey's `svyciprop(~y, design, method, na.rm=TRUE)`.

    Every argument broadcasts against `p`. In R's terms, for the design (or, for a subgroup,
    the subset design `svyby` hands to `svyciprop`):

    * `p`, `se`: the share of valid answers and its linearised standard error (`svymean`);
    * `df`: `degf(design)`, PSUs minus strata among the rows with a non-zero weight (for a
      subgroup, counted in the subgroup only);
    * `n`: the number of valid answers in the base (rows with a non-missing answer and a
      non-zero weight); R's `svyvar` of the Pearson residuals uses it;
    * `rows`: `nrow(design)`, missing answers included. R drops the rows outside a subgroup,
      except in a calibrated (post-stratified or raked) design, where it keeps every row of
      the sample with weight zero: there `rows` is the whole sample's row count even for a
      subgroup. `beta` and `likelihood` need it;
    * `weight`: the sum of weights of the valid answers in the base (the share's denominator);
    * `row_weight`: the sum of weights of all rows of the design or subgroup, valid or not;
    * `model_rows`: the rows of the logistic model's frame after `na.omit` (`NROW(Y)`): `n`,
      except for a subgroup of a calibrated design, where it counts the valid answers of the
      whole sample; defaults to `n` when the design is not calibrated;
    * `calibrated`: whether the weights were calibrated, which decides how R subsets (above);
    * `first_step`: the coefficient after the first iteration of R's logistic fit (see
      `irls_first_step`), which depends on every unit's weight. R stops its fit short of
      convergence, and the `likelihood` interval depends on where it stopped.

    `logit` and `likelihood` use R's fit of `svyglm(y ~ 1, family = quasibinomial)`: they need
    `rows`, `weight`, `row_weight` and `first_step` (`logit` without them uses the converged
    share, which differs from R's estimate by its convergence tolerance, about 1e-9). `beta`
    needs `rows`. A standard error of numerically zero (below 1e-6 of the binomial one, as
    when a share is constant within every stratum) gives the point itself, where the methods
    would divide by it.
    """
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    with np.errstate(invalid="ignore"):
        degenerate = se * se < 1e-12 * p * (1 - p)
    model = _model_terms(method, n, rows, weight, row_weight, model_rows, calibrated, first_step)
    low, high = _design_interval(p, np.where(degenerate, np.nan, se), df, method, level, model)
    return np.where(degenerate, p, low), np.where(degenerate, p, high)



def _model_terms(method, n, rows, weight, row_weight, model_rows, calibrated, first_step) -> ModelTerms:
    """Check that the method has what it needs, and say what is missing in R's terms."""
    given = {"n": n, "rows": rows, "weight": weight, "row_weight": row_weight, "first_step": first_step}
    needs = {"beta": ("rows",), "likelihood": ("n", "rows", "weight", "row_weight", "first_step")}.get(method, ())
    if method == "logit" and first_step is not None:
        needs = ("rows", "weight", "row_weight")
    missing = [name for name in needs if given[name] is None]
    if missing:
        raise ValueError(f"the {method} interval needs {', '.join(missing)} (see design_interval)")
    if method == "likelihood" and model_rows is None:
        if np.any(calibrated):
            raise ValueError("the likelihood interval of a calibrated design needs model_rows, the valid "
                             "answers of the whole sample (R keeps a subgroup's other rows)")
        model_rows = n
    as_array = lambda x: None if x is None else np.asarray(x, dtype=float)  # noqa: E731
    return ModelTerms(as_array(n), as_array(rows), as_array(weight), as_array(row_weight), as_array(model_rows),
                       np.asarray(calibrated, dtype=bool), as_array(first_step))


def _design_interval(p, se, df, method: str, level: float, model: ModelTerms) -> tuple[np.ndarray, np.ndarray]:
    """Interval for a design-based proportion as R survey's `svyciprop` (terms as in `design_interval`)."""
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    shape = np.broadcast_shapes(p.shape, se.shape, np.shape(df),
                                *(np.shape(v) for v in vars(model).values() if v is not None))
    p, se = np.broadcast_to(p, shape), np.broadcast_to(se, shape)
    df = np.broadcast_to(np.asarray(df, dtype=float), shape)
    alpha = 1 - level
    t = _t_ppf(1 - alpha / 2, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "mean":
            return p - t * se, p + t * se
        if method == "xlogit" or (method == "logit" and model.first_step is None):
            centre = special.logit(p)
            half = t * se / (p * (1 - p))
            return special.expit(centre - half), special.expit(centre + half)
        if method == "asin":
            centre = np.arcsin(np.sqrt(p))
            half = t * se / (2 * np.sqrt(p * (1 - p)))
            return np.sin(centre - half) ** 2, np.sin(centre + half) ** 2
        if method == "beta":
            assert model.rows is not None  # checked by ModelTerms
            return _beta_interval(p, se, df, alpha, np.broadcast_to(model.rows, shape))
        if method in ("logit", "likelihood"):
            fitted = fits(p, se, model, shape)
            if method == "logit":
                half = t * fitted.se_beta
                return special.expit(fitted.beta - half), special.expit(fitted.beta + half)
            return likelihood_interval(fitted, df, level)
    raise ValueError(f"unknown design interval method {method!r}")


def _beta_interval(p, se, df, alpha: float, rows) -> tuple[np.ndarray, np.ndarray]:
    """Korn and Graubard's interval: Clopper-Pearson at the effective sample size p(1-p)/se^2,
    rescaled by the ratio of t quantiles on nrow(design) - 1 and on the design's df.

    R takes `nrow(design)`, the rows of the design (or subgroup design) including those with
    a missing answer, not the number of valid answers.
    """
    n_eff = p * (1 - p) / se ** 2 * (_t_ppf(alpha / 2, rows - 1) / _t_ppf(alpha / 2, df)) ** 2
    low = _beta_ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1)
    high = _beta_ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p))
    return low, high
