"""Design-based estimation of category shares by Taylor linearisation, vectorised.

A share p = sum(w y) / sum(w d) is a ratio; its linearised variable is
z_i = w_i d_i (y_i - p) / sum(w d), where d_i says whether unit i is in the domain and the
measure's base. The variance is that of a total of z under the design:

    V = sum_h (1 - f_h) n_h / (n_h - 1) * sum_{j in h} (z_hj - mean_h z)^2

over the n_h primary sampling units (PSUs) of stratum h, with z_hj a PSU's total and f_h the
stratum's sampling fraction (zero without a finite population correction). This is what R
survey's `svymean` and `svyby` compute. Domains keep the whole design: units outside a
domain count among their stratum's PSUs with z = 0.

Everything is computed from sufficient statistics: sums of w, w^2 and counts per domain,
stratum (or PSU, for cluster samples), calibration cell and category, gathered for all items
in one `np.bincount` per chunk of rows. When weights were calibrated (post-stratified or
raked), z is replaced by its residual from the calibration groups, as R does
(`svyrecvar` with `postStrata`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pipeline.stats.intervals import irls_first_step, unit_working_terms

CHUNK_ROWS = 131_072


@dataclass(frozen=True)
class Calibration:
    """The groups weights were calibrated to: each unit's cell, and each margin's grouping of cells.

    Post-stratification is one margin whose groups are the cells; raking has one margin per
    variable. `iterations` residual passes are made over the margins (R uses 10 for raking).
    `weighted_means`: the residuals remove each group's mean weighted by the weights, as R's
    `svyrecvar` does for `postStratify` (by the weights before calibration, which within a
    post-stratum are proportional to those after); raking removes plain means, as R's `ave`.
    """

    cells: np.ndarray
    n_cells: int
    margins: tuple[np.ndarray, ...]
    iterations: int = 1
    weighted_means: bool = False


@dataclass(frozen=True)
class SampleDesign:
    """A sample's design as integer codes per unit.

    `strata` holds stratum codes 0..H-1; `clusters` PSU codes 0..P-1 (unique across strata),
    or None when every unit is its own PSU; `population` the number of PSUs in each stratum's
    population (for the finite population correction), or None.
    """

    weights: np.ndarray
    strata: np.ndarray
    n_strata: int
    clusters: np.ndarray | None = None
    n_clusters: int = 0
    population: np.ndarray | None = None
    calibration: Calibration | None = None
    psus_per_stratum: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        if self.clusters is None:
            counts = np.bincount(self.strata, minlength=self.n_strata)
        else:
            first = np.zeros(self.n_clusters, dtype=np.int64)
            first[self.clusters] = self.strata
            counts = np.bincount(first, minlength=self.n_strata)
        object.__setattr__(self, "psus_per_stratum", counts)

    @property
    def n(self) -> int:
        return len(self.weights)

    @property
    def df(self) -> int:
        """Degrees of freedom as R's `degf`: PSUs minus strata."""
        return int(self.psus_per_stratum.sum() - self.n_strata)

    @property
    def sampling_fraction(self) -> np.ndarray:
        if self.population is None:
            return np.zeros(self.n_strata)
        return self.psus_per_stratum / self.population

    @property
    def weighted(self) -> bool:
        return not np.all(self.weights == self.weights[0])


def simple_design(n: int, population: float | None = None) -> SampleDesign:
    """A simple random sample of n units, with equal weights (N / n when N is known)."""
    weight = 1.0 if population is None else population / n
    return SampleDesign(np.full(n, weight), np.zeros(n, dtype=np.int64), 1,
                        population=None if population is None else np.array([float(population)]))


def codes_of(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes 0..k-1 of any labels, with the sorted distinct labels."""
    levels, codes = np.unique(values, return_inverse=True)
    return codes.astype(np.int64), levels


def design_from_columns(weights=None, strata=None, clusters=None, population=None, n: int | None = None,
                        calibration: Calibration | None = None) -> SampleDesign:
    """A design from per-unit columns, as R's `svydesign(id, strata, weights, fpc)` takes them.

    `population` is per unit (the population size of the unit's stratum, as R's `fpc`), or a
    single number for an unstratified design. Clusters are nested within strata.
    """
    size = n if n is not None else len(next(x for x in (weights, strata, clusters) if x is not None))
    w = np.ones(size) if weights is None else np.asarray(weights, dtype=float)
    if strata is None:
        s, n_strata = np.zeros(size, dtype=np.int64), 1
    else:
        s, levels = codes_of(np.asarray(strata))
        n_strata = len(levels)
    c, n_clusters = None, 0
    if clusters is not None:
        cluster_codes, cluster_levels = codes_of(np.asarray(clusters))
        c, levels = codes_of(s * len(cluster_levels) + cluster_codes)  # a cluster is nested in its stratum
        n_clusters = len(levels)
    pop = None
    if population is not None:
        values = np.broadcast_to(np.asarray(population, dtype=float), (size,))
        pop = np.zeros(n_strata)
        pop[s] = values
    return SampleDesign(w, s, n_strata, c, n_clusters, pop, calibration)


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


@dataclass(frozen=True)
class GlmStartSums:
    """Sums over units of the terms of R's first logistic step (`unit_working_terms`), per cell
    like the counts: `working` and `response` at each unit's domain mean weight (as `svyby`
    rescales a subgroup's weights), `working_all` and `response_all` at the whole sample's.

    Kept only where weights vary within PSU groups and calibration cells; elsewhere sums of w
    and w^2 give the step exactly (`irls_first_step`).
    """

    working: np.ndarray
    response: np.ndarray
    working_all: np.ndarray
    response_all: np.ndarray

    def map(self, function) -> GlmStartSums:
        return GlmStartSums(function(self.working), function(self.response), function(self.working_all),
                            function(self.response_all))

    def overall(self, total) -> GlmStartSums:
        """All units as one domain: the sums at the whole sample's mean weight."""
        working_all, response_all = total(self.working_all), total(self.response_all)
        return GlmStartSums(working_all, response_all, working_all, response_all)


@dataclass(frozen=True)
class SufficientStatistics:
    """Counts, and sums of weights, per item, domain (+ none), PSU group, calibration cell and
    category (+ outside the base): arrays shaped (m, D + 1, A, C, K + 1).

    Weights are summed as deviations from `reference`, one weight of a unit in the same PSU
    group and calibration cell (shaped (A, C)): `deviation` holds sums of w - reference and
    `deviation2` sums of (w - reference)^2. Variances then come from centred sums, so a weight
    that is constant in a stratum adds exactly nothing, as in R, and no difference of large
    sums loses precision. Deviations are None for equal weights, when they are all zero.
    """

    count: np.ndarray
    deviation: np.ndarray | None
    deviation2: np.ndarray | None
    reference: np.ndarray
    glm_start: GlmStartSums | None = None

    @property
    def sum_w(self) -> np.ndarray:
        """Sums of w per cell."""
        base = self.count * self.reference[None, None, :, :, None]
        return base if self.deviation is None else base + self.deviation

    @property
    def sum_w2(self) -> np.ndarray:
        """Sums of w^2 per cell (for R's first logistic step, not for variances)."""
        ref = self.reference[None, None, :, :, None]
        if self.deviation is None:
            return self.count * ref * ref
        return self.count * ref * ref + 2 * ref * self.deviation + self.deviation2

    @property
    def n_domains(self) -> int:
        return self.count.shape[1] - 1

    @property
    def n_categories(self) -> int:
        return self.count.shape[4] - 1

    def _map(self, function) -> SufficientStatistics:
        return SufficientStatistics(function(self.count), None if self.deviation is None else function(self.deviation),
                                    None if self.deviation2 is None else function(self.deviation2), self.reference,
                                    None if self.glm_start is None else self.glm_start.map(function))

    def overall(self) -> SufficientStatistics:
        """The same statistics for all units as one domain (domains, and none, summed)."""
        def total(a):
            out = np.zeros((a.shape[0], 2) + a.shape[2:])
            out[:, 0] = a.sum(axis=1)
            return out
        result = self._map(total)
        if self.glm_start is None:
            return result
        return SufficientStatistics(result.count, result.deviation, result.deviation2, result.reference,
                                    self.glm_start.overall(total))

    def item(self, index: int) -> SufficientStatistics:
        """The statistics of one item."""
        return self._map(lambda a: a[index:index + 1])

    def merge(self, selected: tuple[int, ...]) -> SufficientStatistics:
        """A one-item statistic for 'in one of the `selected` categories' against the rest of the
        base: the measure's statistics are sums of the question's, with no pass over the data."""
        k = self.n_categories
        chosen = np.zeros(k + 1, dtype=bool)
        chosen[list(selected)] = True
        rest = ~chosen
        rest[k] = False
        return self._map(lambda a: np.stack([a[..., rest].sum(axis=-1), a[..., chosen].sum(axis=-1), a[..., k]],
                                            axis=-1))

    @staticmethod
    def stack(parts: list[SufficientStatistics]) -> SufficientStatistics:
        """Items side by side (all of one design, with the same shape otherwise)."""
        def joined(name):
            arrays = [getattr(p, name) for p in parts]
            return None if arrays[0] is None else np.concatenate(arrays, axis=0)
        starts = [p.glm_start for p in parts]
        glm_start = None if starts[0] is None else GlmStartSums(
            *(np.concatenate([getattr(g, name) for g in starts], axis=0)
              for name in ("working", "response", "working_all", "response_all")))
        return SufficientStatistics(joined("count"), joined("deviation"), joined("deviation2"), parts[0].reference,
                                    glm_start)

    def collapsed(self) -> SufficientStatistics:
        """Summed over PSU groups and calibration cells: the statistics of an equally weighted,
        unstratified, uncalibrated design of the same units."""
        return SufficientStatistics(self.count.sum(axis=(2, 3), keepdims=True), None, None, np.ones((1, 1)))


def unit_scaled_weights(design: SampleDesign) -> np.ndarray:
    """The weights divided by the largest: shares and their variances do not depend on the
    weights' scale, and weights up to the largest float then square and sum without overflow."""
    return design.weights / design.weights.max()


def sufficient_statistics(design: SampleDesign, codes: np.ndarray, n_categories: int,
                          domains: np.ndarray | None = None, n_domains: int = 1,
                          chunk_rows: int = CHUNK_ROWS, glm_start: bool = False) -> SufficientStatistics:
    """One pass over the units: `np.bincount` of counts (and, with weights, of deviations of w).

    `codes` is (n, m): each unit's category 0..K-1 per item, or -1 when the unit is outside
    the item's base. `domains` gives each unit's domain 0..D-1, or -1 for none (domains are
    subgroups, as `svyby` forms them). With `glm_start`, where weights vary within PSU groups
    and cells, the same pass sums the terms of R's first logistic step (`GlmStartSums`).
    """
    codes = np.asarray(codes)
    if codes.ndim == 1:
        codes = codes[:, None]
    n, m = codes.shape
    k = n_categories
    if domains is None:
        domains = np.zeros(n, dtype=np.int64)
        n_domains = 1
    groups = design.clusters if design.clusters is not None else design.strata
    n_groups = design.n_clusters if design.clusters is not None else design.n_strata
    cal = design.calibration
    n_cells = cal.n_cells if cal is not None else 1
    group_cell = groups.astype(np.int64) * n_cells + (cal.cells if cal is not None else 0)
    weighted = design.weighted
    weights = unit_scaled_weights(design)
    reference = np.ones(n_groups * n_cells)
    if weighted:
        reference[group_cell[::-1]] = weights[::-1]  # a weight of the group and cell's own
    unit_key = np.where(domains < 0, n_domains, domains).astype(np.int64) * (n_groups * n_cells) + group_cell
    unit_key *= k + 1
    size = (n_domains + 1) * n_groups * n_cells * (k + 1)
    shape = (m, n_domains + 1, n_groups, n_cells, k + 1)
    count = np.zeros(m * size)
    deviation = np.zeros(m * size) if weighted else None
    deviation2 = np.zeros(m * size) if weighted else None
    scales = _glm_mean_weights(design, weights, domains, n_domains) if (
        glm_start and weighted and np.any(weights != reference[group_cell])) else None
    glm = [np.zeros(m * size) for _ in range(4)] if scales is not None else None
    offsets = (np.arange(m, dtype=np.int64) * size)[None, :]
    for start in range(0, n, chunk_rows):
        stop = min(start + chunk_rows, n)
        block = codes[start:stop].astype(np.int64)
        block[block < 0] = k
        block += unit_key[start:stop, None]
        block += offsets
        keys = block.ravel()
        count += np.bincount(keys, minlength=m * size)
        if weighted:
            d = np.repeat(weights[start:stop] - reference[group_cell[start:stop]], m)
            deviation += np.bincount(keys, weights=d, minlength=m * size)
            d *= d
            deviation2 += np.bincount(keys, weights=d, minlength=m * size)
        if glm is not None:
            domain_mean, sample_mean = scales
            unit_domain = np.maximum(domains[start:stop], 0)
            for position, x in ((0, weights[start:stop] / domain_mean[unit_domain]),
                                (2, weights[start:stop] / sample_mean)):
                for offset, term in enumerate(unit_working_terms(x)):
                    glm[position + offset] += np.bincount(keys, weights=np.repeat(term, m), minlength=m * size)
    start_sums = None if glm is None else GlmStartSums(*(a.reshape(shape) for a in glm))
    return SufficientStatistics(count.reshape(shape), deviation.reshape(shape) if weighted else None,
                                deviation2.reshape(shape) if weighted else None,
                                reference.reshape(n_groups, n_cells), start_sums)


def _glm_mean_weights(design: SampleDesign, weights: np.ndarray, domains: np.ndarray,
                      n_domains: int) -> tuple[np.ndarray, float]:
    """The mean weights `svyglm` rescales by: per domain (R's subset design: the domain's rows,
    or for a calibrated design all rows, the others at weight zero) and for the whole sample."""
    inside = domains >= 0
    row_weight = np.bincount(domains[inside], weights=weights[inside], minlength=n_domains)
    rows = np.bincount(domains[inside], minlength=n_domains).astype(float)
    if design.calibration is not None:
        rows = np.full(n_domains, float(len(weights)))
    with np.errstate(divide="ignore", invalid="ignore"):
        return row_weight / rows, float(weights.sum() / len(weights))


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
        if cal is not None and cal.weighted_means:
            cell_w = sum_w[0].sum(axis=(0, 3)).sum(axis=0)                   # (C,): weight per cell
            offset = _calibration_offsets(cal, s1 - pb * s0, cell_w)          # (m, D, C, K)
        elif cal is not None:
            offset = _calibration_offsets(cal, c1 - pb * c0, count[0].sum(axis=(0, 1, 3)))  # units per cell
        else:
            offset = np.zeros((p.shape[0], n_domains, 1, k))
        groups = _linearised_groups(statistics, deviation, deviation2, pb, offset[:, :, None, :, :], n_domains, k)
        if clustered:
            square_h, total_h, n_h = _cluster_sums(design, groups, reference)
        else:
            square_h, total_h, n_h = _unit_sums(groups, reference)
        f = (1 - design.sampling_fraction)[None, None, :, None]
        psus = design.psus_per_stratum.astype(float)[None, None, :, None]
        spread = np.where(psus > 1, f * psus / (psus - 1) * np.maximum(square_h - total_h ** 2 / n_h, 0.0), 0.0)
        variance = spread.sum(axis=2) / base_w[..., None] ** 2
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


def _unit_sums(groups, reference: np.ndarray):
    """Per stratum (each PSU a unit): sums of (z - shift) and (z - shift)^2 and the unit count,
    the shift being z of the stratum's largest group, so the centred sum is exact when z is
    constant."""
    a, c, dev, dev2 = groups
    ref = reference[None, None, :, :, None, None]
    value = a * ref                                           # z of a unit at the reference weight
    c_full = np.broadcast_to(c, value.shape)
    largest = np.argmax(c_full.reshape(c_full.shape[:3] + (-1, c_full.shape[-1])), axis=3)
    flat_value = value.reshape(value.shape[:3] + (-1, value.shape[-1]))
    shift = np.take_along_axis(flat_value, largest[:, :, :, None, :], axis=3)[:, :, :, 0, :]  # (m, D, A, K)
    gap = value - shift[:, :, :, None, None, :]
    total = (a * dev + c * gap).sum(axis=(3, 4))
    square = (a * a * dev2 + 2 * a * gap * dev + c * gap * gap).sum(axis=(3, 4))
    n_h = c.sum(axis=(3, 4))
    return square, total, n_h


def _cluster_sums(design: SampleDesign, groups, reference: np.ndarray):
    """Per stratum: sums of (z_j - shift) and (z_j - shift)^2 over its PSUs' totals z_j, the
    shift being the total of one of the stratum's PSUs."""
    a, c, dev, dev2 = groups
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
    return square, total, n_h


def _sum_by(values: np.ndarray, index: np.ndarray, size: int, axis: int) -> np.ndarray:
    """Sums along `axis` by group: entry j of that axis goes to group index[j] (0..size-1)."""
    moved = np.moveaxis(np.asarray(values, dtype=float), axis, -1)
    out = np.zeros(moved.shape[:-1] + (size,))
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
    for _ in range(cal.iterations):
        for margin in cal.margins:
            n_groups = int(margin.max()) + 1
            residual = u_cell - n_cell * offset
            sums = _sum_by(residual, margin, n_groups, axis=2)
            sizes = np.bincount(margin, weights=cell_n, minlength=n_groups)
            with np.errstate(divide="ignore", invalid="ignore"):
                means = np.where(sizes[None, None, :, None] > 0, sums / sizes[None, None, :, None], 0.0)
            offset = offset + means[:, :, margin, :]
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
    if cal is not None:
        for _ in range(cal.iterations):
            for margin in cal.margins:
                groups = margin[cal.cells]
                if cal.weighted_means:  # the mean of u weighted by w: sums of z = w u over sums of w
                    sizes = np.bincount(groups, weights=weights, minlength=int(margin.max()) + 1)
                    ratio = z
                else:
                    sizes = np.bincount(groups, minlength=int(margin.max()) + 1).astype(float)
                    ratio = np.divide(z, weights[:, None], out=np.zeros_like(z), where=weights[:, None] > 0)
                sums = np.vstack([np.bincount(groups, weights=ratio[:, j], minlength=len(sizes))
                                  for j in range(n_categories)]).T
                z = z - weights[:, None] * (sums / sizes[:, None])[groups]
    groups = design.clusters if design.clusters is not None else np.arange(len(codes))
    n_groups = design.n_clusters if design.clusters is not None else len(codes)
    totals = np.vstack([np.bincount(groups, weights=z[:, j], minlength=n_groups) for j in range(n_categories)]).T
    strata_of = np.zeros(n_groups, dtype=np.int64)
    strata_of[groups] = design.strata
    covariance = np.zeros((n_categories, n_categories))
    fraction = design.sampling_fraction
    for h in range(design.n_strata):
        block = totals[strata_of == h]
        n_h = len(block)
        if n_h < 2:
            continue
        centred = block - block.mean(axis=0)
        covariance += (1 - fraction[h]) * n_h / (n_h - 1) * centred.T @ centred
    return shares, covariance


def _first_step_from_unit_sums(sums: GlmStartSums, n_domains: int, k: int) -> np.ndarray:
    """R's first logistic step for every category from the per-unit sums: the working responses
    of its answers less those of the other valid answers, over all their working weights."""
    working = sums.working[:, :n_domains, :, :, :k].sum(axis=(2, 3))        # (m, D, K)
    response = sums.response[:, :n_domains, :, :, :k].sum(axis=(2, 3))
    signed = 2 * response - response.sum(axis=-1, keepdims=True)
    return signed / working.sum(axis=-1, keepdims=True)


def interval_terms(design: SampleDesign, statistics: SufficientStatistics, category: int,
                   domains_are_subgroups: bool = True) -> dict[str, np.ndarray | bool]:
    """`interval_terms_by_category` for one category: arrays shaped (m, D)."""
    terms = interval_terms_by_category(design, statistics, domains_are_subgroups)
    return {name: value[..., category] if isinstance(value, np.ndarray) else value for name, value in terms.items()}


def interval_terms_by_category(design: SampleDesign, statistics: SufficientStatistics,
                               domains_are_subgroups: bool = True) -> dict[str, np.ndarray | bool]:
    """The keyword arguments `design_interval` needs beyond the share, its SE and df, for every
    item, domain and category (arrays shaped (m, D, K)), in R's terms.

    With `domains_are_subgroups`, each domain is a subgroup handed to `svyciprop` by `svyby`:
    R drops the other rows of an uncalibrated design (its `nrow` is the domain's rows), but a
    calibrated design keeps all the sample's rows with weight zero (its `nrow` is the
    sample's, and its model frame holds the sample's valid answers). Without it, the single
    domain is the whole sample.
    """
    d, k = statistics.n_domains, statistics.n_categories
    count = statistics.count
    sum_w = statistics.sum_w
    m = count.shape[0]
    row_weight = sum_w[:, :d].sum(axis=(2, 3, 4))                           # (m, D)
    valid = count[:, :d, :, :, :k].sum(axis=(2, 3, 4)).astype(float)
    weight = sum_w[:, :d, :, :, :k].sum(axis=(2, 3, 4))
    calibrated = design.calibration is not None
    if calibrated and domains_are_subgroups:
        rows = np.broadcast_to(count.sum(axis=(1, 2, 3, 4))[:, None], (m, d)).astype(float)
        model_rows = np.broadcast_to(count[:, :, :, :, :k].sum(axis=(1, 2, 3, 4))[:, None], (m, d)).astype(float)
    else:
        rows, model_rows = count[:, :d].sum(axis=(2, 3, 4)).astype(float), valid
    with np.errstate(divide="ignore", invalid="ignore"):
        if statistics.glm_start is not None:
            first = _first_step_from_unit_sums(statistics.glm_start, d, k)
        else:
            first = _first_step_from_sums(statistics, d, k, row_weight / rows)
    per_category = {name: np.broadcast_to(value[..., None], (m, d, k))
                    for name, value in (("n", valid), ("rows", rows), ("weight", weight),
                                        ("row_weight", row_weight), ("model_rows", model_rows))}
    return {**per_category, "calibrated": calibrated, "first_step": first}


def _first_step_from_sums(statistics: SufficientStatistics, d: int, k: int, mean_weight: np.ndarray) -> np.ndarray:
    """R's first logistic step for every category from sums of w and w^2 per cell (exact when
    weights are equal within cells): (m, D, K)."""
    m = statistics.count.shape[0]
    cells = [a[:, :d, :, :, :k].reshape(m, d, -1, k) for a in (statistics.count, statistics.sum_w, statistics.sum_w2)]
    steps = []
    for category in range(k):
        chosen = np.arange(k) == category
        classes = [np.stack([(a * ~chosen).reshape(m, d, -1), (a * chosen).reshape(m, d, -1)], axis=-1)
                   for a in cells]
        steps.append(irls_first_step(*classes, mean_weight))
    return np.stack(steps, axis=-1)


