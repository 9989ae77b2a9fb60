"""Replicate-weight designs as R survey's `svrepdesign(..., combined.weights = TRUE)` holds them,
and the replicate variance of any estimate.

A replicate design carries the full-sample weights and R columns of replicate weights. An
estimate is computed once with the full-sample weights and once with each replicate's; its
variance is R's `svrVar`:

    V = scale * sum_r rscales_r (theta_r - centre)^2

with `centre` the full-sample estimate when `mse` is set, else the mean of the replicates
(those with rscales > 0). `replicate_variance` takes any estimates (shares here; means,
totals or quantiles alike), so every estimator shares it. The defaults of `scale` and
`rscales` per type are R's (`replicate_constants`). Degrees of freedom are R's `degf` of a
replicate design: the rank of the replicate weights (QR with tolerance 1e-5) minus one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.stats.blas_threads import one_blas_thread

TYPES = ("brr", "fay", "jk1", "jkn", "bootstrap", "successive-difference", "acs")
R_TYPES = {"brr": "BRR", "fay": "Fay", "jk1": "JK1", "jkn": "JKn", "bootstrap": "bootstrap",
           "successive-difference": "successive-difference", "acs": "ACS"}
RANK_TOLERANCE = 1e-5


class ReplicateOptionError(ValueError):
    """Options R's `svrepdesign` refuses (or would ignore) for a replicate type."""


@dataclass(frozen=True)
class ReplicateDesign:
    """Full-sample weights and replicate weights, with R's variance constants.

    `weights` is (n, R + 1): column 0 the full-sample weights, columns 1..R the replicates'
    (combined weights: each is a unit's whole weight in that replicate).
    """

    weights: np.ndarray
    type: str
    scale: float
    rscales: np.ndarray
    mse: bool = False
    rho: float | None = None

    @property
    def df(self) -> int:
        """R's `degf` of the design: the rank of the replicate weights less one."""
        return replicate_weights_rank(self.weights[:, 1:]) - 1

    @property
    def n(self) -> int:
        return self.weights.shape[0]

    @property
    def n_replicates(self) -> int:
        return self.weights.shape[1] - 1

    @property
    def full_weights(self) -> np.ndarray:
        return self.weights[:, 0]


def replicate_constants(kind: str, n_replicates: int, scale: float | None = None,
                        rscales: np.ndarray | None = None, rho: float | None = None) -> tuple[float, np.ndarray]:
    """`scale` and `rscales` as R's `svrepdesign` sets them for a type, from the options given.

    BRR: 1/R; Fay: 1/(R (1 - rho)^2); JK1: (R - 1)/R; bootstrap: 1/(R - 1); successive-difference
    and ACS: 4/R; JKn: 1 with `rscales` required. `rscales` defaults to 1 for every replicate.
    Options R ignores for a type (with a warning) are refused here, so that no figure rests on
    an option that had no effect.
    """
    if kind not in TYPES:
        raise ReplicateOptionError(f"unknown replicate type {kind!r}")
    count = n_replicates
    if rscales is not None:
        rscales = np.asarray(rscales, dtype=float).ravel()
        if len(rscales) not in (1, count):
            raise ReplicateOptionError(f"rscales has {len(rscales)} values for {count} replicates")
        rscales = np.broadcast_to(rscales, (count,)).copy()
    if kind == "fay":
        if rho is None:
            raise ReplicateOptionError("type fay needs rho")
        if not 0 <= rho < 1:
            raise ReplicateOptionError(f"rho {rho:g} is outside [0, 1)")
    elif rho is not None:
        raise ReplicateOptionError(f"rho is used only by type fay, not {kind}")
    if kind in ("brr", "fay") and scale is not None:
        raise ReplicateOptionError(f"type {kind} sets scale itself (R ignores scale =)")
    if kind in ("successive-difference", "acs") and (scale is not None or rscales is not None):
        raise ReplicateOptionError(f"type {kind} sets scale and rscales itself (R ignores them)")
    if kind == "jkn" and rscales is None:
        raise ReplicateOptionError("type jkn needs rscales, (n_h - 1)/n_h for each replicate's stratum")
    defaults = {"brr": 1 / count, "fay": 1 / (count * (1 - (rho or 0.0)) ** 2), "jk1": (count - 1) / count,
                "jkn": 1.0, "bootstrap": 1 / (count - 1) if count > 1 else float("nan"),
                "successive-difference": 4 / count, "acs": 4 / count}
    chosen = defaults[kind] if scale is None else float(scale)
    return chosen, np.ones(count) if rscales is None else rscales


def replicate_variance(theta_full, theta_replicates, scale: float, rscales, mse: bool = False) -> np.ndarray:
    """R's `svrVar` for estimates of any kind, elementwise: `theta_replicates` has the
    replicates on its last axis, `theta_full` the full-sample estimates (broadcasting).

    A replicate whose estimate is NaN (an empty domain in that replicate) is left out with its
    rscale, as R's `na.action` does; a figure with no replicate left is NaN.
    """
    thetas = np.asarray(theta_replicates, dtype=float)
    full = np.asarray(theta_full, dtype=float)
    rscales = np.broadcast_to(np.asarray(rscales, dtype=float), thetas.shape)
    present = ~np.isnan(thetas)
    if mse:
        centre = full
    else:
        counted = present & (rscales > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            centre = np.where(counted, thetas, 0.0).sum(axis=-1) / counted.sum(axis=-1)
    deviation = np.where(present, thetas - np.asarray(centre)[..., None], 0.0)
    variance = scale * (deviation * deviation * rscales).sum(axis=-1)
    return np.where(present.any(axis=-1), variance, np.nan)


def replicate_covariance(theta_full: np.ndarray, theta_replicates: np.ndarray, scale: float, rscales,
                         mse: bool = False) -> np.ndarray:
    """R's `svrVar` for a vector of estimates: their covariance matrix, from `theta_replicates`
    shaped (K, R) (complete replicates only)."""
    thetas = np.asarray(theta_replicates, dtype=float)
    rscales = np.asarray(rscales, dtype=float)
    centre = np.asarray(theta_full, dtype=float) if mse else thetas[:, rscales > 0].mean(axis=1)
    deviation = (thetas - centre[:, None]) * np.sqrt(rscales)[None, :]
    return scale * deviation @ deviation.T


def replicate_weights_rank(replicates: np.ndarray, chunk_rows: int = 131_072) -> int:
    """The rank of a (units x replicates) matrix as R's `qr(, tol = 1e-5)` finds it, from its
    Gram matrix summed chunk by chunk."""
    gram = np.zeros((replicates.shape[1], replicates.shape[1]))
    with one_blas_thread():
        for start in range(0, replicates.shape[0], chunk_rows):
            part = np.ascontiguousarray(replicates[start:start + chunk_rows])
            gram += part.T @ part
    return gram_rank(gram)


def gram_rank(gram: np.ndarray, tol: float = RANK_TOLERANCE) -> int:
    """The rank R's `qr(X, tol)` finds for X, from its Gram matrix X'X.

    R's QR (LINPACK dqrdc2) takes columns in order and sets aside a column whose part
    orthogonal to the columns kept is below `tol` times its own norm; the same test is made
    here on squared norms, by Cholesky steps on the Gram matrix.
    """
    gram = np.asarray(gram, dtype=float)
    size = gram.shape[0]
    factor = np.zeros((size, size))
    kept: list[int] = []
    for j in range(size):
        norm2 = gram[j, j]
        if not norm2 > 0:
            continue
        coefficients = np.zeros(len(kept))
        for position, i in enumerate(kept):
            value = gram[i, j] - coefficients[:position] @ factor[i, kept[:position]]
            coefficients[position] = value / factor[i, i]
        residual = norm2 - coefficients @ coefficients
        if residual >= (tol * tol) * norm2:
            factor[j, kept] = coefficients
            factor[j, j] = np.sqrt(residual)
            kept.append(j)
    return len(kept)
