"""Category shares under a replicate-weight design, in one pass over the units.

Per chunk of units, the weighted sums of every item's categories in every domain, under the
full-sample weights and each replicate's, are one sparse-by-dense product: the units' one-hot
(item, domain, category) cells times the (units x replicates) weight matrix. Each domain's
replicate-weight Gram matrix is summed in the same pass, for R's degrees of freedom. Shares
and their replicate variances follow from the sums, as R's `svymean` and `svyby` compute them
on a `svrepdesign` (each domain's estimate recomputed in every replicate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse, special

from pipeline.stats.blas_threads import one_blas_thread
from pipeline.stats.linearisation import ShareEstimates
from pipeline.stats.replicates import ReplicateDesign, gram_rank, replicate_covariance, replicate_variance
from pipeline.stats.sufficient import items_and_domains
from pipeline.stats.svyglm_fit import ModelTerms, fits

CHUNK_ROWS = 131_072


@dataclass(frozen=True)
class ReplicateSums:
    """Sums per item, domain (+ none), category (+ outside the base) and weight column.

    `count` (m, D + 1, K + 1) counts units; `weighted` (m, D + 1, K + 1, R + 1) sums the
    full-sample weights (column 0) and each replicate's. `gram` (D + 1, R, R) holds each
    domain's replicate weights' cross-products, whatever the items' answers (R's `degf` of a
    subgroup counts all its rows).
    """

    count: np.ndarray
    weighted: np.ndarray
    gram: np.ndarray | None

    def overall(self) -> ReplicateSums:
        """All units as one domain (domains, and none, summed)."""
        def total(a: np.ndarray, axis: int) -> np.ndarray:
            summed = a.sum(axis=axis, keepdims=True)
            return np.concatenate([summed, np.zeros_like(summed)], axis=axis)
        return ReplicateSums(total(self.count, 1), total(self.weighted, 1),
                             None if self.gram is None else total(self.gram, 0))

    def item(self, index: int) -> ReplicateSums:
        """The sums of one item."""
        return ReplicateSums(self.count[index:index + 1], self.weighted[index:index + 1], self.gram)

    def merge(self, selected: tuple[int, ...]) -> ReplicateSums:
        """A one-item sum for 'in one of the `selected` categories' against the rest of the base,
        from the question's sums (as `SufficientStatistics.merge`), with no pass over the units."""
        k = self.count.shape[2] - 1
        chosen = np.zeros(k + 1, dtype=bool)
        chosen[list(selected)] = True
        rest = ~chosen
        rest[k] = False

        def merged(a: np.ndarray) -> np.ndarray:
            return np.stack([a[:, :, rest].sum(axis=2), a[:, :, chosen].sum(axis=2), a[:, :, k]], axis=2)
        return ReplicateSums(merged(self.count), merged(self.weighted), self.gram)

    @staticmethod
    def stack(parts: list[ReplicateSums]) -> ReplicateSums:
        """Items side by side (of one design and one set of domains)."""
        return ReplicateSums(np.concatenate([p.count for p in parts]), np.concatenate([p.weighted for p in parts]),
                             parts[0].gram)


def replicate_sums(design: ReplicateDesign, codes: np.ndarray, n_categories: int,
                   domains: np.ndarray | None = None, n_domains: int = 1,
                   chunk_rows: int = CHUNK_ROWS, with_gram: bool = True) -> ReplicateSums:
    """The one pass: `codes` is (n, m), each unit's category 0..K-1 per item or -1 outside the
    item's base; `domains` each unit's domain 0..D-1 or -1 for none. `with_gram` sums the
    domains' Gram matrices too (they do not depend on the items: once per set of domains)."""
    codes, domains, n_domains = items_and_domains(codes, domains, n_domains)
    n, m = codes.shape
    k = n_categories
    unit_domain = np.where(domains < 0, n_domains, domains).astype(np.int64)
    cells_per_item = (n_domains + 1) * (k + 1)
    n_cells = m * cells_per_item
    columns = design.weights.shape[1]
    count = np.zeros(n_cells)
    weighted = np.zeros((n_cells, columns))
    gram = np.zeros((n_domains + 1, columns - 1, columns - 1))
    offsets = (np.arange(m, dtype=np.int64) * cells_per_item)[None, :]
    for start in range(0, n, chunk_rows):
        stop = min(start + chunk_rows, n)
        block = codes[start:stop].astype(np.int64)
        block[block < 0] = k
        block += (unit_domain[start:stop] * (k + 1))[:, None] + offsets
        keys = block.ravel()
        count += np.bincount(keys, minlength=n_cells)
        rows = stop - start
        one_hot = sparse.csc_matrix((np.ones(rows * m), keys, np.arange(0, rows * m + 1, m)), shape=(n_cells, rows))
        chunk = design.weights[start:stop]
        weighted += one_hot @ chunk
        if not with_gram:
            continue
        with one_blas_thread():
            for d in np.unique(unit_domain[start:stop]):
                part = chunk[unit_domain[start:stop] == d, 1:]
                gram[d] += part.T @ part
    shape = (m, n_domains + 1, k + 1)
    return ReplicateSums(count.reshape(shape), weighted.reshape(*shape, columns), gram if with_gram else None)


def replicate_df(sums: ReplicateSums) -> np.ndarray:
    """R's `degf` of each domain's subset design: the rank of its rows' replicate weights less
    one (D,), or -1 for a domain with no rows."""
    if sums.gram is None:
        raise ValueError("the sums were taken without the domains' Gram matrices")
    return np.array([gram_rank(g) - 1 for g in sums.gram[:-1]], dtype=float)


def replicate_shares(design: ReplicateDesign, sums: ReplicateSums,
                     df: np.ndarray | None = None) -> tuple[ShareEstimates, np.ndarray]:
    """Shares with their replicate standard errors, and each replicate's shares (m, D, K, R).
    `df` is each domain's (D,), when known from another pass over the same domains."""
    m, d1, k1 = sums.count.shape
    d, k = d1 - 1, k1 - 1
    inside = sums.weighted[:, :d, :k]                       # (m, D, K, R + 1)
    base = inside.sum(axis=2)                               # (m, D, R + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = inside / base[:, :, None, :]
    estimate, replicates = shares[..., 0], shares[..., 1:]
    variance = replicate_variance(estimate, replicates, design.scale, design.rscales, design.mse)
    counts = sums.count[:, :d, :k]
    df = np.broadcast_to((replicate_df(sums) if df is None else df)[None, :], (m, d))
    result = ShareEstimates(estimate, np.sqrt(np.maximum(variance, 0.0)), counts, counts.sum(axis=2),
                            base[..., 0], df)
    return result, replicates


def replicate_logit_coefficients(shares: np.ndarray, start: np.ndarray, tolerance: float = 1e-8,
                                 max_iterations: int = 25) -> np.ndarray:
    """Each replicate's coefficient of `y ~ 1`, binomial, as R's `svyglm` on a replicate design
    fits it: `glm.fit` started at the full-sample coefficient, with the replicate's weights
    scaled to sum to 1, iterated until the deviance changes by less than 1e-8 relative to it.
    With one coefficient every step depends on the replicate's share alone."""
    p = np.asarray(shares, dtype=float)
    beta = np.broadcast_to(np.asarray(start, dtype=float), p.shape).copy()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        mu = special.expit(beta)
        deviance = _deviance(p, mu)
        done = ~np.isfinite(beta)
        for _ in range(max_iterations):
            if done.all():
                break
            stepped = beta + (p - mu) / (mu * (1 - mu))
            fitted = special.expit(stepped)
            new = _deviance(p, fitted)
            active = ~done
            beta = np.where(active, stepped, beta)
            mu = np.where(active, fitted, mu)
            converged = np.abs(new - deviance) / (np.abs(new) + 0.1) < tolerance
            deviance = np.where(active, new, deviance)
            done = done | (active & converged)
    return beta


def _deviance(p, mu):
    return -2 * (p * np.log(mu) + (1 - p) * np.log1p(-mu))


def replicate_logit_se(beta: np.ndarray, replicate_shares: np.ndarray, design: ReplicateDesign) -> np.ndarray:
    """The replicate standard error of R's logistic coefficient (`vcov` of the `svrepglm`)."""
    betas = replicate_logit_coefficients(replicate_shares, beta[..., None])
    return np.sqrt(replicate_variance(beta, betas, design.scale, design.rscales, design.mse))


def logit_equivalent_se(design: ReplicateDesign, estimate: np.ndarray, replicates: np.ndarray,
                        terms: dict) -> np.ndarray:
    """The share's standard error that gives R's `logit` interval on a replicate design.

    R's `svyciprop(method = "logit")` on a `svrepdesign` fits the logistic model to the full
    sample (as on any design: `fits`, from `terms` as `interval_terms_by_category` gives them)
    and takes the coefficient's variance from its refits in each replicate. `design_interval`
    divides a share's SE by mu (1 - mu) at R's coefficient; this returns the SE that, so
    divided, is the replicate SE of the coefficient. `replicates` has the replicates last.
    """
    shape = estimate.shape
    model = ModelTerms(**{name: np.asarray(value, dtype=float) if name != "calibrated" else np.asarray(value)
                          for name, value in terms.items()})
    beta = fits(estimate, np.ones(shape), model, shape).beta
    se_beta = replicate_logit_se(beta, replicates, design)
    mu = special.expit(beta)
    return se_beta * (mu * (1 - mu))


def replicate_share_covariance(design: ReplicateDesign, codes: np.ndarray,
                               n_categories: int) -> tuple[np.ndarray, np.ndarray, int]:
    """One item's category shares, their replicate covariance matrix (R's `svymean` of the
    categories on a replicate design, `attr(, "var")`) and the design's df (`degf`): what R's
    `svychisq` takes from a replicate design."""
    sums = replicate_sums(design, codes, n_categories)
    inside = sums.weighted[0, 0, :n_categories]                 # (K, R + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = inside / inside.sum(axis=0, keepdims=True)
    complete = ~np.isnan(shares[:, 1:]).any(axis=0)               # R drops a replicate with no answers
    covariance = replicate_covariance(shares[:, 0], shares[:, 1:][:, complete], design.scale,
                                      design.rscales[complete], design.mse)
    return shares[:, 0], covariance, int(replicate_df(sums.overall())[0])
