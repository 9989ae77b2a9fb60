"""Design-based estimation of category shares by Taylor linearisation, vectorised.

A share p = sum(w y) / sum(w d) is a ratio; its linearised variable is
z_i = w_i d_i (y_i - p) / sum(w d), where d_i says whether unit i is in the domain and the
measure's base. The variance is that of a total of z under the design:

    V = sum_h (1 - f_h) n_h / (n_h - 1) * sum_{j in h} (z_hj - mean_h z)^2

over the n_h primary sampling units (PSUs) of stratum h, with z_hj a PSU's total and f_h the
stratum's sampling fraction (zero without a finite population correction). This is what R
survey's `svymean` and `svyby` compute. Domains keep the whole design: units outside a
domain count among their stratum's PSUs with z = 0.

Everything is computed from the sufficient statistics (`sufficient`). When weights were
calibrated (post-stratified or raked), z is replaced by its residual from the calibration
groups, as R does (`svyrecvar` with `postStrata`), or, for weights from R's `calibrate`, by
its residual from the weighted regression on the calibration model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.stats.calibration import regression_offsets
from pipeline.stats.design import Calibration, SampleDesign, unit_scaled_weights
from pipeline.stats.sufficient import SufficientStatistics, sufficient_statistics


@dataclass(frozen=True)
class ShareEstimates:
    """Shares of K categories for m items in D domains: arrays shaped (m, D, K) or (m, D).

    `df` is R's `degf` of the domain's design, as `svyby` hands it to `svyciprop`: PSUs minus
    strata among the domain's units (for all units, the design's).
    """

    estimate: np.ndarray
    se: np.ndarray
    count: np.ndarray
    n: np.ndarray
    weighted_base: np.ndarray
    df: np.ndarray


def estimate_shares(design: SampleDesign, codes: np.ndarray, n_categories: int,
                    domains: np.ndarray | None = None, n_domains: int = 1) -> ShareEstimates:
    """Shares and linearised standard errors for every item, domain and category at once."""
    return shares_from_statistics(design, sufficient_statistics(design, codes, n_categories, domains, n_domains))


def shares_from_statistics(design: SampleDesign, statistics: SufficientStatistics) -> ShareEstimates:
    """Shares and their linearised standard errors from a design's sufficient statistics.

    Every unit's linearised value is z = w a, with a constant per (domain, calibration cell,
    category) group: a = [category is k] - p_k - o for units in the domain's base, a = -o for
    the rest (o the calibration offset, 0 without calibration). Each stratum's sum of squares
    about its mean is computed about one of its own values (a shift that is exact when z is
    constant in the stratum), from the centred weight sums of every group.
    """
    clustered = design.clusters is not None
    n_groups = design.n_clusters if clustered else design.n_strata
    cal = design.calibration
    n_cells = cal.n_cells if cal is not None else 1
    n_domains, k = statistics.n_domains, statistics.n_categories
    count = statistics.count
    if count.shape[2] != n_groups or count.shape[3] != n_cells:
        raise ValueError("sufficient statistics do not match the design's groups and cells")
    if statistics.deviation is None:
        if design.weighted:
            raise ValueError("a weighted design needs sums of weights")
        reference = np.ones((n_groups, n_cells))  # shares and their variances do not depend on the scale
        deviation = deviation2 = np.zeros_like(count)
    else:
        reference = statistics.reference
        assert statistics.deviation2 is not None  # kept together with the deviations
        deviation, deviation2 = statistics.deviation, statistics.deviation2
    ref = reference[None, None, :, :, None]
    sum_w = count * ref + deviation
    # In-base statistics per item, domain, group, cell and category.
    s1, c1 = sum_w[:, :n_domains, :, :, :k], count[:, :n_domains, :, :, :k]
    s0 = s1.sum(axis=-1, keepdims=True)
    c0 = c1.sum(axis=-1, keepdims=True)
    base_w = s0.sum(axis=(2, 3))[..., 0]        # (m, D)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = s1.sum(axis=(2, 3)) / base_w[..., None]  # (m, D, K)
        pb = p[:, :, None, None, :]
        if cal is not None and cal.model is not None:
            cell_w = sum_w[0].sum(axis=(0, 3)).sum(axis=0)                   # (C,): weight per cell
            offset = regression_offsets(cal, (s1 - pb * s0).sum(axis=2), cell_w)  # (m, D, C, K)
        elif cal is not None and cal.weighted_means:
            cell_w = sum_w[0].sum(axis=(0, 3)).sum(axis=0)                   # (C,): weight per cell
            offset = _calibration_offsets(cal, s1 - pb * s0, cell_w)          # (m, D, C, K)
        elif cal is not None:
            offset = _calibration_offsets(cal, c1 - pb * c0, count[0].sum(axis=(0, 1, 3)))  # units per cell
        else:
            offset = np.zeros((p.shape[0], n_domains, 1, k))
        groups = _linearised_groups(statistics, deviation, deviation2, pb, offset[:, :, None, :, :], n_domains, k)
        if clustered:
            square_h, total_h, n_h, raw_h = _cluster_sums(design, groups, reference)
        else:
            square_h, total_h, n_h, raw_h = _unit_sums(groups, reference)
        f = (1 - design.sampling_fraction)[None, None, :, None]
        psus = design.psus_per_stratum.astype(float)[None, None, :, None]
        spread = np.where(psus > 1, f * psus / (psus - 1) * np.maximum(square_h - total_h ** 2 / n_h, 0.0), 0.0)
        variance = _with_lonely_strata(spread, raw_h, f, psus, design.lonely_psu).sum(axis=2) / base_w[..., None] ** 2
    members = count[:, :n_domains].sum(axis=(3, 4))            # (m, D, A): the domain's units per group
    return ShareEstimates(p, np.sqrt(np.maximum(variance, 0.0)), c1.sum(axis=(2, 3)), c0.sum(axis=(2, 3))[..., 0],
                          base_w, _domain_df(design, members))


def _domain_df(design: SampleDesign, members: np.ndarray) -> np.ndarray:
    """R's `degf` of each domain's subset design: its PSUs minus its strata, (m, D)."""
    present = members > 0
    if design.clusters is not None:
        strata_of = np.zeros(design.n_clusters, dtype=np.int64)
        strata_of[design.clusters] = design.strata
        psus = present.sum(axis=2)
        strata = (_sum_by(present.astype(float), strata_of, design.n_strata, axis=2) > 0).sum(axis=2)
    else:
        psus = members.sum(axis=2)
        strata = present.sum(axis=2)
    return (psus - strata).astype(float)


def _linearised_groups(statistics: SufficientStatistics, deviation: np.ndarray, deviation2: np.ndarray,
                       pb: np.ndarray, offset: np.ndarray, n_domains: int, k: int):
    """For each estimate (item, domain, category k) the groups of units sharing one coefficient
    a: the domain's base by category (j = 0..K-1), and everyone else (j = K). Returns the
    coefficients a and each group's count and weight deviations, shaped (m, D, A, C, K + 1, K)
    (the last axis is the category estimated)."""
    stats = []
    for a in (statistics.count, deviation, deviation2):
        by_domain = a.sum(axis=4)                                          # (m, D + 1, A, C)
        # Everyone outside domain d's base: other domains (and none) and d's own outside the base,
        # added up rather than subtracted from a total, so no sum of squares loses precision.
        rest = np.stack([by_domain[:, np.arange(n_domains + 1) != d].sum(axis=1) + a[:, d, :, :, k]
                         for d in range(n_domains)], axis=1)               # (m, D, A, C)
        part = a[:, :n_domains, :, :, :k]
        stats.append(np.concatenate([part, rest[..., None]], axis=-1)[..., None])  # (m, D, A, C, K+1, 1)
    indicator = np.vstack([np.eye(k), np.zeros((1, k))])                   # (K+1, K)
    coefficient = (indicator[None, None, None, None] - pb[:, :, :, :, None, :] * (np.arange(k + 1) < k)[:, None]
                   - offset[:, :, :, :, None, :])
    return coefficient, stats[0], stats[1], stats[2]


def _with_lonely_strata(spread: np.ndarray, raw: np.ndarray, f: np.ndarray, psus: np.ndarray,
                        rule: str) -> np.ndarray:
    """Each stratum's variance with R's `survey.lonely.psu` rule for strata of one PSU (R's
    `onestrat` and `onestage`): `remove` and `certainty` add nothing; `adjust` centres the lone
    PSU at the population mean (zero for linearised values), adding f z^2; `average` gives the
    other strata's variance scaled by all strata over those. A stratum sampled whole adds
    nothing under any rule; `fail` never reaches here with a lonely stratum."""
    lonely = (psus == 1) & (f >= 1e-7)
    if not lonely.any() or rule in ("fail", "remove", "certainty"):
        return spread
    if rule == "adjust":
        return np.where(lonely, f * raw * raw, spread)
    counted = ~np.broadcast_to(lonely, spread.shape)
    strata = spread.shape[2]
    scale = strata / np.maximum(counted.sum(axis=2, keepdims=True), 1)
    return np.where(counted, spread, 0.0) * scale


def _unit_sums(groups, reference: np.ndarray):
    """Per stratum (each PSU a unit): sums of (z - shift) and (z - shift)^2 and the unit count,
    the shift being z of the stratum's largest group, so the centred sum is exact when z is
    constant."""
    a, c, dev, dev2 = groups
    ref = reference[None, None, :, :, None, None]
    value = a * ref                                           # z of a unit at the reference weight
    c_full = np.broadcast_to(c, value.shape)
    largest = np.argmax(c_full.reshape((*c_full.shape[:3], -1, c_full.shape[-1])), axis=3)
    flat_value = value.reshape((*value.shape[:3], -1, value.shape[-1]))
    shift = np.take_along_axis(flat_value, largest[:, :, :, None, :], axis=3)[:, :, :, 0, :]  # (m, D, A, K)
    gap = value - shift[:, :, :, None, None, :]
    total = (a * dev + c * gap).sum(axis=(3, 4))
    square = (a * a * dev2 + 2 * a * gap * dev + c * gap * gap).sum(axis=(3, 4))
    n_h = c.sum(axis=(3, 4))
    raw = (a * (c * ref + dev)).sum(axis=(3, 4))               # the stratum's sum of z itself
    return square, total, n_h, raw


def _cluster_sums(design: SampleDesign, groups, reference: np.ndarray):
    """Per stratum: sums of (z_j - shift) and (z_j - shift)^2 over its PSUs' totals z_j, the
    shift being the total of one of the stratum's PSUs."""
    a, c, dev, _dev2 = groups
    ref = reference[None, None, :, :, None, None]
    psu_total = (a * (c * ref + dev)).sum(axis=(3, 4))        # (m, D, P, K)
    strata_of = np.zeros(design.n_clusters, dtype=np.int64)
    strata_of[design.clusters] = design.strata
    first = np.full(design.n_strata, -1, dtype=np.int64)
    first[strata_of[::-1]] = np.arange(design.n_clusters)[::-1]
    gap = psu_total - psu_total[:, :, first[strata_of], :]
    total = _sum_by(gap, strata_of, design.n_strata, axis=2)
    square = _sum_by(gap * gap, strata_of, design.n_strata, axis=2)
    n_h = design.psus_per_stratum.astype(float)[None, None, :, None]
    raw = _sum_by(psu_total, strata_of, design.n_strata, axis=2)
    return square, total, n_h, raw


def _sum_by(values: np.ndarray, index: np.ndarray, size: int, axis: int) -> np.ndarray:
    """Sums along `axis` by group: entry j of that axis goes to group index[j] (0..size-1)."""
    moved = np.moveaxis(np.asarray(values, dtype=float), axis, -1)
    out = np.zeros((*moved.shape[:-1], size))
    if moved.shape[-1]:
        order = np.argsort(index, kind="stable")
        groups, first = np.unique(index[order], return_index=True)
        out[..., groups] = np.add.reduceat(moved[..., order], first, axis=-1)
    return np.moveaxis(out, -1, axis)


def _calibration_offsets(cal: Calibration, unit_u: np.ndarray, cell_n: np.ndarray) -> np.ndarray:
    """Per cell, the group mean of u removed by calibration, accumulated over R's residual passes.

    `unit_u` holds sums of d (y - p) per (item, domain, group, cell, category) and `cell_n` the
    units per cell, or, for means weighted by w, sums of w d (y - p) and the weight per cell;
    the result is shaped (item, domain, cell, category), in the units of u (multiply by w for w u).
    """
    u_cell = unit_u.sum(axis=2)                       # (m, D, C, K)
    offset = np.zeros_like(u_cell)
    n_cell = cell_n.reshape(1, 1, -1, 1)
    scales = cal.margin_scales or (None,) * len(cal.margins)
    for _ in range(cal.iterations):
        for margin, scale in zip(cal.margins, scales, strict=True):
            n_groups = int(margin.max()) + 1
            residual = u_cell - n_cell * offset
            if scale is not None:  # means of x over the weights at this margin: u times the cell's scale
                residual = residual * scale[None, None, :, None]
            sums = _sum_by(residual, margin, n_groups, axis=2)
            sizes = np.bincount(margin, weights=cell_n, minlength=n_groups)
            with np.errstate(divide="ignore", invalid="ignore"):
                means = np.where(sizes[None, None, :, None] > 0, sums / sizes[None, None, :, None], 0.0)
            step = means[:, :, margin, :]
            offset = offset + (step if scale is None else step / scale[None, None, :, None])
    return offset


def share_covariance(design: SampleDesign, codes: np.ndarray, n_categories: int) -> tuple[np.ndarray, np.ndarray]:
    """Shares of one item's categories and their full linearised covariance matrix.

    Needed where tests combine categories (the Rao-Scott correction); works per unit, with the
    calibration residuals applied unit by unit, as R's `svyrecvar` does.
    """
    codes = np.asarray(codes)
    in_base = codes >= 0
    weights = unit_scaled_weights(design)
    w = weights * in_base
    indicator = np.zeros((len(codes), n_categories))
    indicator[np.flatnonzero(in_base), codes[in_base]] = 1.0
    total = w.sum()
    shares = (w[:, None] * indicator).sum(axis=0) / total
    z = w[:, None] * (indicator - shares[None, :]) * in_base[:, None] / total
    cal = design.calibration
    if cal is not None and cal.model is not None:
        cell_z = np.vstack([np.bincount(cal.cells, weights=z[:, j], minlength=cal.n_cells)
                            for j in range(n_categories)]).T
        cell_w = np.bincount(cal.cells, weights=weights, minlength=cal.n_cells)
        z = z - weights[:, None] * regression_offsets(cal, cell_z, cell_w)[cal.cells]
    elif cal is not None:
        scales = cal.margin_scales or (None,) * len(cal.margins)
        for _ in range(cal.iterations):
            for margin, scale in zip(cal.margins, scales, strict=True):
                groups = margin[cal.cells]
                unit_scale = np.ones(len(codes)) if scale is None else scale[cal.cells]
                if cal.weighted_means:  # the mean of u weighted by w: sums of z = w u over sums of w
                    sizes = np.bincount(groups, weights=weights, minlength=int(margin.max()) + 1)
                    ratio = z
                else:
                    sizes = np.bincount(groups, minlength=int(margin.max()) + 1).astype(float)
                    ratio = np.divide(z * unit_scale[:, None], weights[:, None], out=np.zeros_like(z),
                                      where=weights[:, None] > 0)
                sums = np.vstack([np.bincount(groups, weights=ratio[:, j], minlength=len(sizes))
                                  for j in range(n_categories)]).T
                z = z - (weights / unit_scale)[:, None] * (sums / sizes[:, None])[groups]
    groups = design.clusters if design.clusters is not None else np.arange(len(codes))
    n_groups = design.n_clusters if design.clusters is not None else len(codes)
    totals = np.vstack([np.bincount(groups, weights=z[:, j], minlength=n_groups) for j in range(n_categories)]).T
    strata_of = np.zeros(n_groups, dtype=np.int64)
    strata_of[groups] = design.strata
    covariance = np.zeros((n_categories, n_categories))
    fraction = design.sampling_fraction
    lonely = 0
    for h in range(design.n_strata):
        block = totals[strata_of == h]
        n_h = len(block)
        f = 1 - fraction[h]
        if n_h >= 2:
            centred = block - block.mean(axis=0)
            covariance += f * n_h / (n_h - 1) * centred.T @ centred
        elif n_h == 1 and f >= 1e-7:  # a lonely PSU, by the design's rule (see _with_lonely_strata)
            lonely += 1
            if design.lonely_psu == "adjust":
                covariance += f * block.T @ block
    if design.lonely_psu == "average" and lonely:
        covariance *= design.n_strata / max(design.n_strata - lonely, 1)
    return shares, covariance
