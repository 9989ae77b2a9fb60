"""The one pass over the units: sufficient statistics of every item, domain, PSU group,
calibration cell and category, gathered with `np.bincount` chunk by chunk.

Weights are summed as deviations from a weight of the same PSU group and cell, so variances
come from centred sums (see `linearisation`); where weights vary within groups, the same pass
sums the terms of R's first logistic step (`GlmStartSums`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.stats.design import SampleDesign, unit_scaled_weights
from pipeline.stats.svyglm_fit import unit_working_terms

CHUNK_ROWS = 131_072


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
            out = np.zeros((a.shape[0], 2, *a.shape[2:]))
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


def items_and_domains(codes: np.ndarray, domains: np.ndarray | None,
                      n_domains: int) -> tuple[np.ndarray, np.ndarray, int]:
    """The one pass's inputs in one shape: codes as (n, m) (one item may come as (n,)), and every
    unit in domain 0 of 1 when no domains are given."""
    codes = np.asarray(codes)
    if codes.ndim == 1:
        codes = codes[:, None]
    if domains is None:
        return codes, np.zeros(len(codes), dtype=np.int64), 1
    return codes, domains, n_domains


def item_columns(codes) -> list[np.ndarray]:
    """Each item's codes as its own contiguous column: a 2-D (n, m) array is split, one column
    (n,) or a sequence of columns is taken as it is (no (n, m) copy is made of them)."""
    if isinstance(codes, np.ndarray):
        if codes.ndim == 1:
            return [codes]
        return [np.ascontiguousarray(codes[:, j]) for j in range(codes.shape[1])]
    return [np.asarray(column) for column in codes]


@dataclass(frozen=True)
class UnitCells:
    """What every pass over the same design and domains shares, worked out once: each unit's
    weight (scaled to the largest), its cell (domain, PSU group and calibration cell) and the
    reference weight of its group and cell. `varying`: whether weights vary within a group and
    cell (else the deviations are all zero)."""

    weights: np.ndarray
    weighted: bool
    group_cell: np.ndarray
    unit_cell: np.ndarray
    reference: np.ndarray
    varying: bool
    domains: np.ndarray
    n_domains: int
    n_groups: int
    n_cells: int


def unit_cells(design: SampleDesign, domains: np.ndarray | None = None, n_domains: int = 1) -> UnitCells:
    """The units' cells for passes over `design` with these `domains` (see `sufficient_statistics`)."""
    if domains is None:
        domains, n_domains = np.zeros(design.n, dtype=np.int64), 1
    groups, n_groups = design.variance_groups
    cal = design.calibration
    n_cells = cal.n_cells if cal is not None else 1
    group_cell = groups.astype(np.int64) * n_cells + (cal.cells if cal is not None else 0)
    weighted = design.weighted
    weights = unit_scaled_weights(design)
    reference = np.ones(n_groups * n_cells)
    if weighted:
        reference[group_cell[::-1]] = weights[::-1]  # a weight of the group and cell's own
    unit_cell = np.where(domains < 0, n_domains, domains).astype(np.int64) * (n_groups * n_cells) + group_cell
    # Weights constant within every group and cell (N_h / n_h, say) deviate by exactly nothing:
    # their sums are zeros, not worth a pass.
    varying = weighted and bool(np.any(weights != reference[group_cell]))
    return UnitCells(weights, weighted, group_cell, unit_cell, reference, varying, domains, n_domains, n_groups,
                     n_cells)


def sufficient_statistics(design: SampleDesign, codes, n_categories: int,
                          domains: np.ndarray | None = None, n_domains: int = 1,
                          chunk_rows: int = CHUNK_ROWS, glm_start: bool = False,
                          cells: UnitCells | None = None) -> SufficientStatistics:
    """One pass over the units: `np.bincount` of counts (and, with weights, of deviations of w).

    `codes` is (n, m), or a sequence of m columns (n,): each unit's category 0..K-1 per item,
    or -1 when the unit is outside the item's base. `domains` gives each unit's domain 0..D-1,
    or -1 for none (domains are subgroups, as `svyby` forms them). With `glm_start`, where
    weights vary within PSU groups and cells, the same pass sums the terms of R's first
    logistic step (`GlmStartSums`). `cells`, made by `unit_cells` for the same design and
    domains, spares each pass working them out again.

    Each chunk of rows is counted item by item: an item's keys (a chunk's unit keys plus its
    codes, -1 falling in the slot before the categories) stay in the processor's cache while
    they are counted, where keys of all items at once would be a large array written and read
    again. Every sum adds its units in row order within a chunk, and the chunks in order, as
    a pass over all items at once does, so the figures are the same to the bit.
    """
    n = len(codes) if isinstance(codes, np.ndarray) else len(codes[0])
    columns = item_columns(codes)
    m = len(columns)
    units = cells if cells is not None else unit_cells(design, domains, n_domains)
    domains, n_domains = units.domains, units.n_domains
    weights, reference, group_cell = units.weights, units.reference, units.group_cell
    n_groups, n_cells = units.n_groups, units.n_cells
    k = n_categories
    unit_key = units.unit_cell * (k + 1)
    unit_key += 1  # a unit's slots: outside the base (code -1) first, then its categories
    size = (n_domains + 1) * n_groups * n_cells * (k + 1)
    shape = (m, n_domains + 1, n_groups, n_cells, k + 1)
    count = np.zeros((m, size))
    deviation = np.zeros((m, size))
    deviation2 = np.zeros((m, size))
    varying = units.varying
    scales = _glm_mean_weights(design, weights, domains, n_domains) if glm_start and varying else None
    glm = [np.zeros((m, size)) for _ in range(4)]
    keys = np.empty(min(chunk_rows, n), dtype=np.int64)
    for start in range(0, n, chunk_rows):
        stop = min(start + chunk_rows, n)
        chunk_keys = unit_key[start:stop]
        unit_terms: list[np.ndarray] = []
        if varying:
            d = weights[start:stop] - reference[group_cell[start:stop]]
            unit_terms = [d, d * d]
        if scales is not None:
            domain_mean, sample_mean = scales
            unit_domain = np.maximum(domains[start:stop], 0)
            for x in (weights[start:stop] / domain_mean[unit_domain], weights[start:stop] / sample_mean):
                unit_terms.extend(unit_working_terms(x))
        sums = [deviation, deviation2, *glm][:len(unit_terms)]
        item_keys = keys[:stop - start]
        for j, column in enumerate(columns):
            item_codes = column[start:stop]
            np.add(chunk_keys, item_codes, out=item_keys)
            count[j] += np.bincount(item_keys, minlength=size)
            for total, term in zip(sums, unit_terms, strict=True):
                total[j] += np.bincount(item_keys, weights=term, minlength=size)

    def by_cell(sums: np.ndarray) -> np.ndarray:
        """Sums by cell, outside the base moved from the first slot to the last (after the categories)."""
        return np.roll(sums.reshape(shape), -1, axis=-1)

    start_sums = None if scales is None else GlmStartSums(*(by_cell(a) for a in glm))
    return SufficientStatistics(by_cell(count), by_cell(deviation) if units.weighted else None,
                                by_cell(deviation2) if units.weighted else None,
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
