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
}


def _t_ppf(q, df):
    """Quantile of Student's t (scipy.special directly: importing scipy.stats costs a second)."""
    return special.stdtrit(df, q)


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
            high = np.where(pc >= 1, 1.0, (pc + z22n + z * np.sqrt(pc * (1 - pc) / n + z22n / (2 * n))) / (1 + 2 * z22n))
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


def design_interval(p, se, df, method: str = "logit", level: float = 0.95,
                    n=None) -> tuple[np.ndarray, np.ndarray]:
    """Interval for a design-based proportion as R survey's `svyciprop` (see `_design_interval`).

    A standard error of numerically zero (below 1e-6 of the binomial one, as when a share is
    constant within every stratum) gives the point itself, where the methods would divide by it.
    """
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    with np.errstate(invalid="ignore"):
        degenerate = se * se < 1e-12 * p * (1 - p)
    low, high = _design_interval(p, np.where(degenerate, np.nan, se), df, method, level, n)
    return np.where(degenerate, p, low), np.where(degenerate, p, high)


def _design_interval(p, se, df, method: str = "logit", level: float = 0.95,
                     n=None) -> tuple[np.ndarray, np.ndarray]:
    """Interval for a design-based proportion as R survey's `svyciprop`.

    `df` is the design's degrees of freedom (primary sampling units minus strata); `n`, the
    number of respondents, is needed only by `beta`, which rescales the effective sample
    size by the ratio of t quantiles on n - 1 and on df degrees of freedom, as R does.
    """
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    df = np.broadcast_to(np.asarray(df, dtype=float), p.shape)
    alpha = 1 - level
    t = _t_ppf(1 - alpha / 2, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "mean":
            return p - t * se, p + t * se
        if method in ("logit", "xlogit"):
            centre = special.logit(p)
            half = t * se / (p * (1 - p))
            return special.expit(centre - half), special.expit(centre + half)
        if method == "asin":
            centre = np.arcsin(np.sqrt(p))
            half = t * se / (2 * np.sqrt(p * (1 - p)))
            return np.sin(centre - half) ** 2, np.sin(centre + half) ** 2
        if method == "beta":
            if n is None:
                raise ValueError("the beta interval needs the number of respondents")
            n = np.broadcast_to(np.asarray(n, dtype=float), p.shape)
            n_eff = p * (1 - p) / se ** 2 * (_t_ppf(alpha / 2, n - 1) / _t_ppf(alpha / 2, df)) ** 2
            low = _beta_ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1)
            high = _beta_ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p))
            return low, high
        if method == "likelihood":
            if n is None:
                raise ValueError("the likelihood interval needs the number of respondents")
            return _likelihood_interval(p, se, df, level, np.broadcast_to(np.asarray(n, dtype=float), p.shape))
    raise ValueError(f"unknown design interval method {method!r}")


def _likelihood_interval(p: np.ndarray, se: np.ndarray, df: np.ndarray, level: float,
                         n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R survey's scaled profile-likelihood interval of an intercept-only logistic model.

    R (`confint.svyglm(method = "likelihood")`) profiles the weighted binomial deviance of
    `svyglm(y ~ 1, family = quasibinomial)`, divided by the model's dispersion n / (n - 1), at
    up to nine steps each side of the estimate, and reads the interval off a cubic spline
    through the profile, at a level adjusted by the ratio of design to model variance. The
    steps and the spline are part of R's answer, so they are reproduced here exactly: the
    result differs from the exact root of the scaled likelihood-ratio equation by about 1e-6.
    Where R's steps fall short of the cutoff (R then returns NA), the exact root is used.
    """
    low = np.full(p.shape, np.nan)
    high = np.full(p.shape, np.nan)
    alpha = 1 - level
    for index in np.ndindex(p.shape):
        ph, s, d, size = float(p[index]), float(se[index]), float(df[index]), float(n[index])
        if not (0 < ph < 1) or not s > 0 or not size > 1:
            continue
        low[index], high[index] = _profile_interval(ph, s, d, size, alpha)
    return low, high


def _profile_interval(ph: float, se: float, df: float, n: float, alpha: float) -> tuple[float, float]:
    beta0 = special.logit(ph)
    se_beta = se / (ph * (1 - ph))
    lam = se_beta ** 2 * n * ph * (1 - ph)          # design variance / model (naive) variance
    cutoff = _t_ppf(alpha / 2, df) * np.sqrt(lam)
    level_adjusted = 1 - 2 * special.ndtr(cutoff)
    zmax = np.sqrt(special.fdtri(1, n - 1, 1 - (1 - level_adjusted) / 4))
    step_size = zmax / 5
    dispersion = n / (n - 1)
    z_values, betas = [0.0], [beta0]
    for sign in (-1, 1):
        step, z = 0, 0.0
        while (step := step + 1) < 10 and abs(z) < zmax:
            beta = beta0 + sign * step * step_size * se_beta
            mu = special.expit(beta)
            kl = ph * np.log(ph / mu) + (1 - ph) * np.log((1 - ph) / (1 - mu))
            z = sign * np.sqrt(max(2 * n * kl / dispersion, 0.0))
            z_values.append(z)
            betas.append(beta)
    order = np.argsort(z_values, kind="stable")
    x = np.asarray(betas)[order]
    y = np.asarray(z_values)[order]
    grid_x = np.linspace(x.min(), x.max(), 3 * len(x))
    grid_z = _fmm_spline(x, y, grid_x)
    bounds = special.expit(np.interp([cutoff, -cutoff], grid_z, grid_x, left=np.nan, right=np.nan))
    # Where R's nine steps do not reach the cutoff (a share near 0 or 1), R returns NA; solve the
    # equation the profile approximates instead: 2 n KL(p_hat, p) / dispersion = cutoff^2.
    if np.isnan(bounds).any():
        from scipy.optimize import brentq

        def excess(mu: float) -> float:
            kl = ph * np.log(ph / mu) + (1 - ph) * np.log((1 - ph) / (1 - mu))
            return 2 * n * kl / dispersion - cutoff * cutoff

        if np.isnan(bounds[0]):
            bounds[0] = brentq(excess, 1e-300, ph, xtol=1e-15) if excess(1e-300) > 0 else 0.0
        if np.isnan(bounds[1]):
            top = 1 - 1e-16
            bounds[1] = brentq(excess, ph, top, xtol=1e-15) if excess(top) > 0 else 1.0
    return float(bounds[0]), float(bounds[1])


def _fmm_spline(x: np.ndarray, y: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Forsythe, Malcolm and Moler's cubic spline (R's `spline(method = "fmm")`) at `at`."""
    n = len(x)
    b, c, d = np.zeros(n), np.zeros(n), np.zeros(n)
    d[0] = x[1] - x[0]
    c[1] = (y[1] - y[0]) / d[0]
    for i in range(1, n - 1):
        d[i] = x[i + 1] - x[i]
        b[i] = 2.0 * (d[i - 1] + d[i])
        c[i + 1] = (y[i + 1] - y[i]) / d[i]
        c[i] = c[i + 1] - c[i]
    b[0], b[n - 1] = -d[0], -d[n - 2]
    c[0] = c[n - 1] = 0.0
    if n > 3:
        c[0] = c[2] / (x[3] - x[1]) - c[1] / (x[2] - x[0])
        c[n - 1] = c[n - 2] / (x[n - 1] - x[n - 3]) - c[n - 3] / (x[n - 2] - x[n - 4])
        c[0] = c[0] * d[0] * d[0] / (x[3] - x[0])
        c[n - 1] = -c[n - 1] * d[n - 2] * d[n - 2] / (x[n - 1] - x[n - 4])
    for i in range(1, n):
        t = d[i - 1] / b[i - 1]
        b[i] -= t * d[i - 1]
        c[i] -= t * c[i - 1]
    c[n - 1] /= b[n - 1]
    for i in range(n - 2, -1, -1):
        c[i] = (c[i] - d[i] * c[i + 1]) / b[i]
    b[n - 1] = (y[n - 1] - y[n - 2]) / d[n - 2] + d[n - 2] * (c[n - 2] + 2.0 * c[n - 1])
    for i in range(n - 1):
        b[i] = (y[i + 1] - y[i]) / d[i] - d[i] * (c[i + 1] + 2.0 * c[i])
        d[i] = (c[i + 1] - c[i]) / d[i]
        c[i] = 3.0 * c[i]
    c[n - 1] = 3.0 * c[n - 1]
    d[n - 1] = d[n - 2]
    index = np.clip(np.searchsorted(x, at, side="right") - 1, 0, n - 1)
    dx = at - x[index]
    return y[index] + dx * (b[index] + dx * (c[index] + dx * d[index]))
