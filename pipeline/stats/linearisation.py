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
    n_groups = design.variance_groups[1]
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
        if design.stages:
            variance = _multistage_variance(design, groups, reference)
        else:
            present = None if cal is not None else _strata_with_units(design, c0.sum(axis=(3, 4)))
            variance = _one_stage_variance(design, groups, reference, present)
        variance = variance / base_w[..., None] ** 2
    members = count[:, :n_domains].sum(axis=(3, 4))            # (m, D, A): the domain's units per group
    return ShareEstimates(p, np.sqrt(np.maximum(variance, 0.0)), c1.sum(axis=(2, 3)), c0.sum(axis=(2, 3))[..., 0],
                          base_w, _domain_df(design, members))


def _one_stage_variance(design: SampleDesign, groups, reference: np.ndarray,
                        present: np.ndarray | None = None) -> np.ndarray:
    """The variance of a total of z between PSUs within strata (m, D, K); `present` marks the
    strata of each domain's subset design (see `_with_lonely_strata`)."""
    if design.clusters is not None:
        square_h, total_h, n_h, raw_h = _cluster_sums(design, groups, reference)
    else:
        square_h, total_h, n_h, raw_h = _unit_sums(groups, reference)
    f = (1 - design.sampling_fraction)[None, None, :, None]
    psus = design.psus_per_stratum.astype(float)[None, None, :, None]
    spread = np.where(psus > 1, f * psus / (psus - 1) * np.maximum(square_h - total_h ** 2 / n_h, 0.0), 0.0)
    return _with_lonely_strata(spread, raw_h, f, psus, design.lonely_psu, present).sum(axis=2)


def _domain_df(design: SampleDesign, members: np.ndarray) -> np.ndarray:
    """R's `degf` of each domain's subset design: its PSUs minus its strata, (m, D)."""
    if design.stages:  # R's degf counts the first stage's PSUs only
        members = _sum_by(members, design.psu_of_group, design.n_clusters, axis=2)
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


def _strata_with_units(design: SampleDesign, units: np.ndarray) -> np.ndarray:
    """Which strata hold units, (m, D, H, 1), from units per PSU group (m, D, A): the strata of
    R's subset design for a domain's base (uncalibrated subsets drop the other rows)."""
    if design.clusters is not None:
        strata_of = np.zeros(design.n_clusters, dtype=np.int64)
        strata_of[design.clusters] = design.strata
        units = _sum_by(units, strata_of, design.n_strata, axis=2)
    return (units > 0)[..., None]


def _with_lonely_strata(spread: np.ndarray, raw: np.ndarray, f: np.ndarray, psus: np.ndarray,
                        rule: str, present: np.ndarray | None = None) -> np.ndarray:
    """Each stratum's variance with R's `survey.lonely.psu` rule for strata of one PSU (R's
    `onestrat` and `onestage`): `remove` and `certainty` add nothing; `adjust` centres the lone
    PSU at the population mean (zero for linearised values), adding f z^2; `average` gives the
    other strata's variance scaled by the strata over those not lonely, counting the strata of
    R's subset design (`present`, (m, D, H, 1); None for all). A stratum sampled whole adds
    nothing under any rule; `fail` never reaches here with a lonely stratum."""
    lonely = (psus == 1) & (f >= 1e-7)
    if not lonely.any() or rule in ("fail", "remove", "certainty"):
        return spread
    if rule == "adjust":
        return np.where(lonely, f * raw * raw, spread)
    strata = np.broadcast_to(np.ones_like(lonely) if present is None else present, spread.shape)
    counted = strata & ~np.broadcast_to(lonely, spread.shape)
    scale = strata.sum(axis=2, keepdims=True) / np.maximum(counted.sum(axis=2, keepdims=True), 1)
    return np.where(counted, spread, 0.0) * scale


@dataclass(frozen=True)
class StageLevel:
    """One stage of a multistage design as its variance needs it (R's `multistage` recursion).

    The stage's units are sums of variance groups (`unit_of_group`), or, where None, the rows
    themselves, whose groups are their parents. Each unit belongs to a parent (`parent_of_unit`:
    a stratum at the first stage, a unit of the stage above later), of which `sampled` and
    `population` give the units sampled and in the population (None: without replacement
    unknown, no correction). `above` is each parent's product of the sampling fractions of the
    stages above it, by which R scales a later stage's variance.
    """

    unit_of_group: np.ndarray | None
    n_units: int
    parent_of_unit: np.ndarray
    sampled: np.ndarray
    population: np.ndarray | None
    above: np.ndarray
    first: bool

    @property
    def fpc(self) -> np.ndarray:
        """One minus each parent's sampling fraction (1 where the population is unknown)."""
        if self.population is None:
            return np.ones(len(self.sampled))
        return 1 - self.sampled / self.population


def stage_levels(design: SampleDesign) -> list[StageLevel]:
    """The stages of a multistage design, first to last, with what R's recursion scales each by."""
    codes, n_groups = design.variance_groups

    def unit_map(unit_codes: np.ndarray) -> np.ndarray:
        out = np.zeros(n_groups, dtype=np.int64)
        out[codes] = unit_codes
        return out

    assert design.clusters is not None and design.population is not None  # as design_from_columns builds it
    strata_of = np.zeros(design.n_clusters, dtype=np.int64)
    strata_of[design.clusters] = design.strata
    sampled = design.psus_per_stratum.astype(float)
    levels = [StageLevel(unit_map(design.clusters), design.n_clusters, strata_of, sampled, design.population,
                         np.ones(design.n_strata), True)]
    weight = (sampled / design.population)[strata_of]            # per PSU: the first stage's fraction
    for i, stage in enumerate(design.stages):
        rows = stage.units_are_rows and i == len(design.stages) - 1
        levels.append(StageLevel(None if rows else unit_map(stage.units), stage.n_units, stage.parent,
                                 stage.sampled, stage.population, weight, False))
        weight = weight[stage.parent] * (stage.sampled / stage.population)[stage.parent]
    return levels


def _multistage_variance(design: SampleDesign, groups, reference: np.ndarray) -> np.ndarray:
    """The variance of a total of z by R's `multistage`: each stage's between-unit variance
    within its parents, scaled by the sampling fractions of the stages above (m, D, K)."""
    a, c, dev, _dev2 = groups
    ref = reference[None, None, :, :, None, None]
    group_total = (a * (c * ref + dev)).sum(axis=(3, 4))        # (m, D, A, K)
    variance = np.zeros(group_total.shape[:2] + group_total.shape[3:])
    for level in stage_levels(design):
        n_parents = len(level.sampled)
        if level.unit_of_group is None:
            square, total, _, raw = _unit_sums(groups, reference)
        else:
            unit_total = _sum_by(group_total, level.unit_of_group, level.n_units, axis=2)
            square, total, raw = _between_sums(unit_total, level.parent_of_unit, n_parents)
        f = level.fpc[None, None, :, None]
        psus = level.sampled[None, None, :, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            spread = np.where(psus > 1, f * psus / (psus - 1) * np.maximum(square - total ** 2 / psus, 0.0), 0.0)
        if level.first:
            spread = _with_lonely_strata(spread, raw, f, psus, design.lonely_psu)
        else:
            spread = _with_lonely_units(spread, raw, f, psus, design.lonely_psu)
        variance += (spread * level.above[None, None, :, None]).sum(axis=2)
    return variance


def _with_lonely_units(spread: np.ndarray, raw: np.ndarray, f: np.ndarray, psus: np.ndarray,
                       rule: str) -> np.ndarray:
    """A later stage's unit sampled alone in its parent, by R's rule (`onestrat`): `adjust`
    adds f z^2; `average` has no other strata within the parent to average over, so R's
    variance is NaN; `remove` and `certainty` add nothing, as does a parent taken whole."""
    lonely = (psus == 1) & (f >= 1e-7)
    if not lonely.any() or rule in ("fail", "remove", "certainty"):
        return spread
    if rule == "adjust":
        return np.where(lonely, f * raw * raw, spread)
    return np.where(lonely, np.nan, spread)


def _between_sums(unit_total: np.ndarray, parent_of_unit: np.ndarray, n_parents: int):
    """Per parent: sums of (z_j - shift) and (z_j - shift)^2 over its units' totals z_j, the
    shift being one of its units' totals, and the sum of z_j itself."""
    first = np.full(n_parents, -1, dtype=np.int64)
    first[parent_of_unit[::-1]] = np.arange(len(parent_of_unit))[::-1]
    gap = unit_total - unit_total[:, :, first[parent_of_unit], :]
    return (_sum_by(gap * gap, parent_of_unit, n_parents, axis=2), _sum_by(gap, parent_of_unit, n_parents, axis=2),
            _sum_by(unit_total, parent_of_unit, n_parents, axis=2))


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
    return _Groups(index, size).sum(values, axis)


class _Groups:
    """The entries of an axis gathered by group (entry j in group index[j], 0..size-1): sorted once,
    for the many sums of a calibration's passes over the same margin."""

    def __init__(self, index: np.ndarray, size: int):
        self.size = size
        self.order = np.argsort(index, kind="stable")
        self.present, self.first = np.unique(index[self.order], return_index=True)

    def sum(self, values: np.ndarray, axis: int) -> np.ndarray:
        """Sums of `values` along `axis` by group."""
        values = np.asarray(values, dtype=float)
        # the axis to the end and back: a swap when it is the last but one (the same view, quicker)
        last_but_one = values.ndim >= 2 and axis in (-2, values.ndim - 2)
        moved = values.swapaxes(-2, -1) if last_but_one else np.moveaxis(values, axis, -1)
        out = np.zeros((*moved.shape[:-1], self.size))
        if moved.shape[-1]:
            out[..., self.present] = np.add.reduceat(moved[..., self.order], self.first, axis=-1)
        return out.swapaxes(-2, -1) if last_but_one else np.moveaxis(out, -1, axis)


def _calibration_offsets(cal: Calibration, unit_u: np.ndarray, cell_n: np.ndarray) -> np.ndarray:
    """Per cell, the group mean of u removed by calibration, accumulated over R's residual passes.

    `unit_u` holds sums of d (y - p) per (item, domain, group, cell, category) and `cell_n` the
    units per cell, or, for means weighted by w, sums of w d (y - p) and the weight per cell;
    the result is shaped (item, domain, cell, category), in the units of u (multiply by w for w u).
    """
    u_cell = unit_u.sum(axis=2)                       # (m, D, C, K)
    offset = np.zeros_like(u_cell)
    n_cell = cell_n.reshape(1, 1, -1, 1)
    scales = [None if scale is None else scale[None, None, :, None]
              for scale in (cal.margin_scales or (None,) * len(cal.margins))]
    # each margin's groups of cells, their sizes and which have any, the same in every pass
    grouped = []
    for margin in cal.margins:
        sizes = np.bincount(margin, weights=cell_n, minlength=int(margin.max()) + 1)[None, None, :, None]
        grouped.append((_Groups(margin, sizes.shape[2]), sizes, sizes > 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(cal.iterations):
            for margin, scale, (groups, sizes, sized) in zip(cal.margins, scales, grouped, strict=True):
                residual = u_cell - n_cell * offset
                if scale is not None:  # means of x over the weights at this margin: u times the cell's scale
                    residual = residual * scale
                means = np.where(sized, groups.sum(residual, axis=2) / sizes, 0.0)
                step = means[:, :, margin, :]
                offset = offset + (step if scale is None else step / scale)
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
    return shares, score_covariance(design, z, weights)


def score_variance(design: SampleDesign, scores: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
    """The design variance of the total of each column of per-unit scores (n, m): (m,).

    `present` marks the units of R's subset design (a domain's units with an answer; None for
    all): only the `average` lonely-PSU rule depends on it, as R averages over the strata of
    the units it is given (see `subset_units`)."""
    return _score_moments(design, scores, design.weights, full=False, present=present)


def subset_units(design: SampleDesign, member: np.ndarray) -> np.ndarray | None:
    """The units R's subset `design[member, ]` passes on to its variance: those of `member`, or
    every unit of a calibrated design (whose subsets keep all rows, with weight 0)."""
    return None if design.calibration is not None else np.asarray(member, dtype=bool)


def score_covariance(design: SampleDesign, scores: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """The design covariance matrix (m, m) of the totals of the columns of per-unit scores (n, m).

    This is R's `svyrecvar` for a one-stage design: the scores' residuals from the calibration
    groups (if the weights were calibrated), summed per PSU, spread about each stratum's mean,
    times (1 - f_h) n_h / (n_h - 1), with the design's lonely-PSU rule. `weights` are the
    weights the scores were made with, at any scale (the residuals do not depend on it).
    """
    return _score_moments(design, scores, design.weights if weights is None else weights, full=True)


def calibration_residuals(design: SampleDesign, scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Scores z = w u less each calibration group's mean of u (weighted by w after
    post-stratification, plain after raking), margin by margin, as R's `svyrecvar` does with
    `postStrata`; the scores unchanged without calibration."""
    cal = design.calibration
    z = np.asarray(scores, dtype=float)
    if cal is None:
        return z
    m = z.shape[1]
    if cal.model is not None:  # weights from R's calibrate: residuals of the weighted regression on the model
        cell_z = np.vstack([np.bincount(cal.cells, weights=z[:, j], minlength=cal.n_cells) for j in range(m)]).T
        cell_w = np.bincount(cal.cells, weights=weights, minlength=cal.n_cells)
        return z - weights[:, None] * regression_offsets(cal, cell_z, cell_w)[cal.cells]
    scales = cal.margin_scales or (None,) * len(cal.margins)
    for _ in range(cal.iterations):
        for margin, scale in zip(cal.margins, scales, strict=True):
            groups = margin[cal.cells]
            unit_scale = np.ones(len(z)) if scale is None else scale[cal.cells]
            if cal.weighted_means:  # the mean of u weighted by w: sums of z = w u over sums of w
                sizes = np.bincount(groups, weights=weights, minlength=int(margin.max()) + 1)
                ratio = z
            else:
                sizes = np.bincount(groups, minlength=int(margin.max()) + 1).astype(float)
                ratio = np.divide(z * unit_scale[:, None], weights[:, None], out=np.zeros_like(z),
                                  where=weights[:, None] > 0)
            sums = np.vstack([np.bincount(groups, weights=ratio[:, j], minlength=len(sizes)) for j in range(m)]).T
            z = z - (weights / unit_scale)[:, None] * (sums / sizes[:, None])[groups]
    return z


def answered_df(design: SampleDesign, answered: np.ndarray) -> float:
    """R's `degf` of the design's units where `answered` holds: their PSUs less their strata."""
    answered = np.asarray(answered, dtype=bool)
    units = np.flatnonzero(answered)
    psus = len(np.unique(design.clusters[units])) if design.clusters is not None else len(units)
    return float(psus - len(np.unique(design.strata[units])))


def _score_moments(design: SampleDesign, scores: np.ndarray, weights: np.ndarray, full: bool,
                   present: np.ndarray | None = None) -> np.ndarray:
    """The variances (or the covariance matrix) of the totals of per-unit scores under the design.

    Stratum by stratum, each PSU total centred at its stratum's mean, in the order of R's
    `onestage` (a lone PSU under `adjust` is not centred)."""
    z = calibration_residuals(design, np.asarray(scores, dtype=float).reshape(design.n, -1), weights)
    m = z.shape[1]
    if design.clusters is not None:
        groups, n_groups = design.clusters, design.n_clusters
    else:
        groups, n_groups = np.arange(design.n), design.n
    totals = np.vstack([np.bincount(groups, weights=z[:, j], minlength=n_groups) for j in range(m)]).T  # (P, m)
    strata_of = np.zeros(n_groups, dtype=np.int64)
    strata_of[groups] = design.strata
    order = np.argsort(strata_of, kind="stable")               # each stratum's PSUs together, in their order
    bounds = np.searchsorted(strata_of[order], np.arange(design.n_strata + 1))
    fraction = design.sampling_fraction
    moments = np.zeros((m, m))
    lonely = np.zeros(design.n_strata, dtype=bool)
    for h in range(design.n_strata):
        block = totals[order[bounds[h]:bounds[h + 1]]]
        n_h = len(block)
        f = 1 - fraction[h]
        if n_h >= 2:
            centred = block - block.mean(axis=0)
            moments += f * n_h / (n_h - 1) * centred.T @ centred
        elif n_h == 1 and f >= 1e-7:  # a lonely PSU, by the design's rule (see _with_lonely_strata)
            lonely[h] = True
            if design.lonely_psu == "adjust":
                moments += f * block.T @ block
    if design.lonely_psu == "average" and lonely.any():  # R's onestage: its strata over those not lonely
        strata = np.ones(design.n_strata, dtype=bool) if present is None else (
            np.bincount(design.strata[np.asarray(present, dtype=bool)], minlength=design.n_strata) > 0)
        counted = int(strata.sum())
        moments *= counted / max(counted - int((lonely & strata).sum()), 1)
    if design.stages:
        moments += _later_stages_covariance(design, z)
    return moments if full else np.diag(moments).copy()


def _later_stages_covariance(design: SampleDesign, z: np.ndarray) -> np.ndarray:
    """What the stages after the first add to the covariance of the totals of z's columns, per
    unit as R's `multistage` adds it: each stage's spread of unit totals within their parents,
    scaled by the sampling fractions of the stages above."""
    k = z.shape[1]
    covariance = np.zeros((k, k))
    levels = stage_levels(design)[1:]
    for level, stage in zip(levels, design.stages, strict=True):
        totals = np.vstack([np.bincount(stage.units, weights=z[:, j], minlength=stage.n_units)
                            for j in range(k)]).T
        parent = stage.parent
        n = level.sampled
        sums = np.vstack([np.bincount(parent, weights=totals[:, j], minlength=len(n)) for j in range(k)]).T
        centred = totals - (sums / np.maximum(n, 1)[:, None])[parent]
        f = level.fpc
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(n > 1, f * n / (n - 1), 0.0) * level.above
        covariance += (centred * scale[parent][:, None]).T @ centred
        lonely = (n == 1) & (f >= 1e-7)
        if lonely.any() and design.lonely_psu == "adjust":
            covariance += (sums * (f * level.above * lonely)[:, None]).T @ sums
        elif lonely.any() and design.lonely_psu == "average":
            covariance[:] = np.nan  # no other strata within the parent to average over, as in R
    return covariance
