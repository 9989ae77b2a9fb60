"""R's fit of `svyglm(y ~ 1, family = quasibinomial)` for one share, replayed step by step,
and the scaled profile-likelihood interval R's `confint.svyglm(method = "likelihood")` reads
off it.

R's answers depend on where its iterations start and stop, not only on the converged fit:
`svyglm` rescales the weights to mean 1 over the design's rows, starts every unit at
(w y + 1/2) / (w + 1), and stops when the deviance changes by less than 1e-8. Each of those
steps is reproduced here so that `logit` and `likelihood` intervals match R's, not merely the
exact roots.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special


def _t_ppf(q, df):
    """Quantile of Student's t (scipy.special directly: importing scipy.stats costs a second);
    the normal quantile where df is infinite, as R's qnorm for `df = Inf`."""
    df = np.asarray(df, dtype=float)
    if np.all(np.isfinite(df)):
        return special.stdtrit(df, q)
    return np.where(np.isinf(df), special.ndtri(q), special.stdtrit(np.where(np.isinf(df), 1.0, df), q))


@dataclass(frozen=True)
class ModelTerms:
    """What R's logistic fit and its profile need beyond the share, its SE and df (see
    `design_interval`); None where the method does not need it."""

    n: np.ndarray | None = None
    rows: np.ndarray | None = None
    weight: np.ndarray | None = None
    row_weight: np.ndarray | None = None
    model_rows: np.ndarray | None = None
    calibrated: np.ndarray | None = None
    first_step: np.ndarray | None = None


def irls_first_step(count, sum_w, sum_w2, mean_weight, axis: int = -2) -> np.ndarray:
    """The coefficient after the first iteration of R's `glm.fit` for `y ~ 1`, binomial, logit.

    R starts each unit at mu_i = (w_i y_i + 1/2) / (w_i + 1), with w_i its weight divided by
    the mean weight over the design's rows (`svyglm` rescales so), and takes one weighted
    least-squares step: a sum over units of functions of w_i that are not linear. From sums
    of counts, w and w^2 per group, each group's sum is taken at its mean weight with a
    second-order correction for the spread of weights within it: exact when the weights are
    equal within each group (a group per unit gives R's value whatever the weights).

    `count`, `sum_w`, `sum_w2` have a groups axis (`axis`, summed over: PSUs or strata, and
    calibration cells) and a last axis of length 2: answers 'no' (0), then 'yes' (1), valid
    answers only. `mean_weight` (row_weight / rows in `design_interval`'s terms) broadcasts
    against the result.
    """
    count, sum_w, sum_w2 = (np.moveaxis(np.asarray(a, dtype=float), axis, -2) for a in (count, sum_w, sum_w2))
    m = np.asarray(mean_weight, dtype=float)[..., None, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(count > 0, sum_w / m / np.where(count > 0, count, 1), 0.0)
        spread = np.maximum(sum_w2 / (m * m) - count * mean * mean, 0.0)
    working = count * _working_weight(mean) + spread / 2 * _working_weight_curvature(mean)
    response = count * _working_response(mean) + spread / 2 * _working_response_curvature(mean)
    sign = np.array([-1.0, 1.0])
    return (response * sign).sum(axis=(-2, -1)) / working.sum(axis=(-2, -1))


def unit_working_terms(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's terms of R's first logistic step, at its weight over the mean weight `x`:
    its working weight, and its working response (for a 'yes'; negated for a 'no')."""
    x = np.asarray(x, dtype=float)
    return _working_weight(x), _working_response(x)


def _working_weight(x):
    """A unit's IRLS weight at R's starting value, w mu (1 - mu), for either answer."""
    return x * (x + 0.5) / (2 * (x + 1) ** 2)


def _working_weight_curvature(x):
    return -1.5 * x / (x + 1) ** 4


def _working_response(x):
    """The unit's weight times its working response, w mu (1 - mu) z, for a 'yes' (negated for
    a 'no'): z = eta + (y - mu) / (mu (1 - mu)) at eta = +-log(1 + 2 w)."""
    return _working_weight(x) * np.log1p(2 * x) + x / (2 * (x + 1))


def _working_response_curvature(x):
    u = x + 1
    log_term = np.log1p(2 * x)
    slope = 0.75 / u ** 2 - 0.5 / u ** 3
    return (_working_weight_curvature(x) * log_term + 2 * slope * 2 / (1 + 2 * x)
            - _working_weight(x) * 4 / (1 + 2 * x) ** 2 - 1 / u ** 3)


@dataclass(frozen=True)
class _Fits:
    """R's fit of `svyglm(y ~ 1, family = quasibinomial)` per estimate, and what its profile uses."""

    p: np.ndarray            # the share (the fit's target)
    beta: np.ndarray         # R's coefficient where its iterations stopped
    se_beta: np.ndarray      # its design-based standard error, sqrt(cov.unscaled)
    naive_inverse: np.ndarray  # 1 / naive.cov: the model's information at the previous iterate
    scale: np.ndarray        # sum of the rescaled weights of the valid answers
    dispersion: np.ndarray | None   # summary.svyglm's: svyvar of the Pearson residuals (likelihood only)
    model_rows: np.ndarray | None


def fits(p, se, model: ModelTerms, shape) -> _Fits:
    """R's logistic fit, replayed from its first step on sums of weights.

    `svyglm` rescales the weights to mean 1 over the design's rows, so the valid answers'
    weights sum to `scale` = weight * rows / row_weight, not to their count. After the first
    step every unit shares one fitted value, and each further step is Newton's on the
    weighted share; R stops when the deviance changes by less than 1e-8 relative to it. Its
    `naive.cov` is the inverse information at the iterate before the last, and its
    `cov.unscaled` the linearised variance of the coefficient at the last.
    """
    b = lambda x: np.broadcast_to(x, shape)  # noqa: E731
    rows, weight, row_weight, first = b(model.rows), b(model.weight), b(model.row_weight), b(model.first_step)
    scale = weight * rows / row_weight
    beta, previous = np.full(shape, np.nan), np.full(shape, np.nan)
    flat_beta, flat_previous = beta.reshape(-1), previous.reshape(-1)  # views: written through
    shares, scales, firsts = (np.broadcast_to(a, shape).ravel().tolist() for a in (p, scale, first))
    for i, (share, size, start) in enumerate(zip(shares, scales, firsts, strict=True)):
        if 0 < share < 1:
            flat_beta[i], flat_previous[i] = _irls(share, size, start)
    mu = special.expit(beta)
    se_beta = se / (mu * (1 - mu))
    naive_inverse = scale * previous * (1 - previous)
    dispersion = None
    if model.n is not None:
        n = b(model.n)
        calibrated = b(model.calibrated)
        # Pearson residuals carry sqrt(w / w_valid), the model's rescaled weight over the
        # weight rescaled on the design without the missing answers' rows (which a
        # calibrated design keeps, with weight zero).
        valid_rows = np.where(calibrated, rows, n)
        ratio = (weight / valid_rows) / (row_weight / rows)
        dispersion = n / (n - 1) * ratio * p * (1 - p) / (mu * (1 - mu))
    model_rows = None if model.model_rows is None else b(model.model_rows)
    return _Fits(p, beta, se_beta, naive_inverse, scale, dispersion, model_rows)


def _irls(p: float, scale: float, first_step: float, tolerance: float = 1e-8,
          max_iterations: int = 25) -> tuple[float, float]:
    """R's iterations from the first step on: the last coefficient and the fitted value at the
    start of the last iteration (whose working weights R's `naive.cov` keeps)."""
    beta = first_step
    mu = float(special.expit(beta))
    deviance = _deviance(p, scale, mu)
    previous = mu
    for _ in range(max_iterations - 1):
        previous = mu
        beta = beta + (p - mu) / (mu * (1 - mu))
        mu = float(special.expit(beta))
        old, deviance = deviance, _deviance(p, scale, mu)
        if abs(deviance - old) / (abs(deviance) + 0.1) < tolerance:
            break
    return beta, previous


def _deviance(p, scale, mu):
    """Binomial deviance of valid answers with rescaled weights summing to `scale`, share `p`."""
    return -2 * scale * (p * np.log(mu) + (1 - p) * np.log1p(-mu))


def likelihood_interval(fits: _Fits, df: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """R survey's scaled profile-likelihood interval of an intercept-only logistic model.

    R (`confint.svyglm(method = "likelihood")`) profiles the weighted binomial deviance of
    `svyglm(y ~ 1, family = quasibinomial)`, divided by `summary.svyglm`'s dispersion, at up
    to nine steps each side of its coefficient, and reads the interval off a cubic spline
    through the profile, at a level adjusted by the ratio of design to model variance
    (`cov.unscaled / naive.cov`). The steps and the spline are part of R's answer, so they
    are reproduced here exactly. Where R's steps fall short of the cutoff (R then returns
    NA), the exact root of the scaled likelihood-ratio equation is used.
    """
    shape = fits.p.shape
    low = np.full(shape, np.nan)
    high = np.full(shape, np.nan)
    alpha = 1 - level
    lam = fits.se_beta ** 2 * fits.naive_inverse          # design variance / model (naive) variance
    half_alpha = special.ndtr(_t_ppf(alpha / 2, df) * np.sqrt(lam)) / 2
    if fits.dispersion is None or fits.model_rows is None:
        raise ValueError("the likelihood interval needs the dispersion and the model's rows (n)")
    for index in np.ndindex(shape):
        if not (0 < fits.p[index] < 1) or not fits.se_beta[index] > 0 or not fits.model_rows[index] > 1:
            continue
        low[index], high[index] = _profile_interval(
            float(fits.p[index]), float(fits.beta[index]), float(fits.se_beta[index]), float(fits.scale[index]),
            float(fits.dispersion[index]), float(fits.model_rows[index]), float(half_alpha[index]))
    return low, high


def _profile_interval(p: float, beta0: float, se_beta: float, scale: float, dispersion: float,
                      model_rows: float, half_alpha: float) -> tuple[float, float]:
    """R's `profile` steps (`MASSprofile_glm`) and `confint_profile` for one estimate."""
    zmax = np.sqrt(special.fdtri(1, model_rows - 1, 1 - half_alpha))
    step_size = zmax / 5
    mu0 = special.expit(beta0)

    def excess_deviance(mu: float) -> float:
        return 2 * scale * (p * np.log(mu0 / mu) + (1 - p) * np.log((1 - mu0) / (1 - mu))) / dispersion

    z_values, betas = [0.0], [beta0]
    for sign in (-1, 1):
        step, z = 0, 0.0
        while (step := step + 1) < 10 and abs(z) < zmax:
            beta = beta0 + sign * step * step_size * se_beta
            z = sign * np.sqrt(max(excess_deviance(special.expit(beta)), 0.0))
            z_values.append(z)
            betas.append(beta)
    order = np.argsort(z_values, kind="stable")
    x = np.asarray(betas)[order]
    y = np.asarray(z_values)[order]
    grid_x = np.linspace(x.min(), x.max(), 3 * len(x))
    grid_z = _fmm_spline(x, y, grid_x)
    cutoff = special.ndtri(2 * half_alpha)
    bounds = special.expit(np.interp([cutoff, -cutoff], grid_z, grid_x, left=np.nan, right=np.nan))
    # Where R's nine steps do not reach the cutoff (a share near 0 or 1), R returns NA; solve the
    # equation the profile approximates instead.
    if np.isnan(bounds).any():
        from scipy.optimize import brentq

        def excess(mu: float) -> float:
            return excess_deviance(mu) - cutoff * cutoff

        if np.isnan(bounds[0]):
            bounds[0] = brentq(excess, 1e-300, mu0, xtol=1e-15) if excess(1e-300) > 0 else 0.0
        if np.isnan(bounds[1]):
            top = 1 - 1e-16
            bounds[1] = brentq(excess, mu0, top, xtol=1e-15) if excess(top) > 0 else 1.0
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
