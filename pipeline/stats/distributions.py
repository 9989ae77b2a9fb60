"""The few distribution functions the comparisons need, from scipy.special alone.

`scipy.stats` and statsmodels take most of a second to import, longer than the whole
`estimate` run on a small survey. Each function here evaluates the same special function or
arithmetic as the scipy.stats or statsmodels call it replaces (named in its docstring), so
the figures are the same to the last bit; the unit tests compare them with those libraries.
"""

from __future__ import annotations

import numpy as np
from scipy import special
from scipy.special import _ufuncs


def f_sf(x: float, dfn: float, dfd: float) -> float:
    """Upper tail of the F distribution, as `scipy.stats.f.sf` (which calls `fdtrc`)."""
    return float(special.fdtrc(dfn, dfd, x))


def chi2_sf(x: float, df: float) -> float:
    """Upper tail of the chi-square distribution, as `scipy.stats.chi2.sf` (which calls `chdtrc`)."""
    return float(special.chdtrc(df, x))


def hypergeom_logpmf(k, total: int, good: int, draws: int) -> np.ndarray:
    """Log probabilities of the hypergeometric distribution, as `scipy.stats.hypergeom.logpmf`."""
    k = np.asarray(k, dtype=float)
    bad = total - good
    betaln = special.betaln
    return (betaln(good + 1, 1) + betaln(bad + 1, 1) + betaln(total - draws + 1, draws + 1)
            - betaln(k + 1, good - k + 1) - betaln(draws - k + 1, bad - draws + k + 1) - betaln(total + 1, 1))


def hypergeom_cdf(k: int, total: int, good: int, draws: int) -> float:
    """P(X <= k), as `scipy.stats.hypergeom.cdf` (Boost's hypergeometric, through scipy.special)."""
    return float(_ufuncs._hypergeom_cdf(k, good, draws, total))


def hypergeom_sf(k: int, total: int, good: int, draws: int) -> float:
    """P(X > k), as `scipy.stats.hypergeom.sf`."""
    return float(_ufuncs._hypergeom_sf(k, good, draws, total))


def hypergeom_cdf_values(k, total, good, draws):
    """P(X <= k) for arrays, as `scipy.stats.hypergeom.cdf(k, total, good, draws)` gives it, outside the
    support included: 0 below it, 1 from its upper end on, NaN for impossible parameters, and inside
    it Boost's value clipped to [0, 1]."""
    k, total, good, draws, valid = _hypergeom_arguments(k, total, good, draws)
    first, last = np.maximum(draws - (total - good), 0), np.minimum(good, draws)
    inside = valid & (k >= first) & (k < last) & np.isfinite(k)
    out = np.zeros(k.shape)
    out[k >= last] = 1.0
    out[np.isneginf(k)] = 0.0
    out[~valid | np.isnan(k)] = np.nan
    if inside.any():
        out[inside] = np.clip(_ufuncs._hypergeom_cdf(k[inside], good[inside], draws[inside], total[inside]), 0, 1)
    return out[()] if out.ndim == 0 else out


def hypergeom_sf_values(k, total, good, draws):
    """P(X > k) for arrays, as `scipy.stats.hypergeom.sf(k, total, good, draws)` gives it, outside the
    support included: 1 below it, 0 from its upper end on, NaN for impossible parameters."""
    k, total, good, draws, valid = _hypergeom_arguments(k, total, good, draws)
    first, last = np.maximum(draws - (total - good), 0), np.minimum(good, draws)
    inside = valid & (k >= first) & (k < last) & np.isfinite(k)
    out = np.zeros(k.shape)
    out[~valid | np.isnan(k)] = np.nan
    out[((k < first) | np.isneginf(k)) & valid] = 1.0
    if inside.any():
        out[inside] = np.clip(_ufuncs._hypergeom_sf(k[inside], good[inside], draws[inside], total[inside]), 0, 1)
    return out[()] if out.ndim == 0 else out


def hypergeom_tail_value(k: int, total: int, good: int, draws: int, upper: bool) -> float:
    """One value of `hypergeom_sf_values` (upper) or `hypergeom_cdf_values` (not upper) for whole
    numbers, without arrays: the same checks, the same Boost call on the same float64 arguments,
    the same clipping. A bisection asks for one population count at a time, where building the
    arrays would cost twenty times the value."""
    if not (total > 0 and 0 <= good <= total and 0 <= draws <= total):
        return float("nan")
    first, last = max(draws - (total - good), 0), min(good, draws)
    if k < first:
        return 1.0 if upper else 0.0
    if k >= last:
        return 0.0 if upper else 1.0
    tail = _ufuncs._hypergeom_sf if upper else _ufuncs._hypergeom_cdf
    value = float(tail(float(k), float(good), float(draws), float(total)))
    return 0.0 if value < 0 else 1.0 if value > 1 else value  # NaN stays NaN, as np.clip leaves it


def _hypergeom_arguments(k, total, good, draws):
    """The arguments broadcast together, and where they are a possible hypergeometric distribution
    (scipy's `hypergeom._argcheck`)."""
    k, total, good, draws = np.broadcast_arrays(*(np.asarray(v) for v in (k, total, good, draws)))
    valid = (total > 0) & (good >= 0) & (draws >= 0) & (good <= total) & (draws <= total)
    valid &= (total == np.round(total)) & (good == np.round(good)) & (draws == np.round(draws))
    return k, total, good, draws, valid


def pearson_chi_square(observed, correct: bool = False) -> tuple[float, int, float]:
    """Pearson's statistic, its degrees of freedom and p-value, as `scipy.stats.chi2_contingency`.

    Yates' correction (when asked) applies to tables of one degree of freedom only, moving
    each count towards its expected value by at most a half, as scipy does.
    """
    observed = np.asarray(observed, dtype=float)
    expected = observed.sum(axis=1, keepdims=True) * observed.sum(axis=0, keepdims=True) / observed.sum()
    if np.any(expected == 0):
        zero = next(zip(*np.nonzero(expected == 0), strict=True))
        raise ValueError(f"The internally computed table of expected frequencies has a zero element at {zero}.")
    dof = expected.size - sum(expected.shape) + expected.ndim - 1
    if dof == 0:
        return 0.0, 0, 1.0
    if dof == 1 and correct:
        difference = expected - observed
        observed = observed + np.minimum(0.5, np.abs(difference)) * np.sign(difference)
    statistic = float(((observed - expected) ** 2 / expected).sum())
    return statistic, int(dof), chi2_sf(statistic, dof)


def adjust_p(p_values, method: str) -> np.ndarray:
    """p-values adjusted across a family: Holm's step-down or Benjamini-Hochberg's step-up.

    The arithmetic of statsmodels' `multipletests` (`holm`, `fdr_bh`) and R's `p.adjust`.
    """
    p = np.asarray(p_values, dtype=float)
    if len(p) == 0:
        return p
    order = np.argsort(p)
    ranked = np.take(p, order)
    count = len(p)
    if method == "holm":
        adjusted = np.maximum.accumulate(ranked * np.arange(count, 0, -1))
    elif method == "bh":
        adjusted = np.minimum.accumulate((ranked / (np.arange(1, count + 1) / float(count)))[::-1])[::-1]
    else:
        raise ValueError(f"unknown adjustment {method!r}")
    adjusted[adjusted > 1] = 1
    out = np.empty_like(adjusted)
    out[order] = adjusted
    return out
