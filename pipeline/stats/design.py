"""A sample's design as R's `svydesign` holds it: weights, strata, clusters, population sizes
and calibration, as integer codes per unit.

Estimation from a design is in `sufficient` (the one pass over the units), `linearisation`
(shares and their Taylor-linearised variances) and `ciprop_terms` (what R's `svyciprop`
needs beyond them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Calibration:
    """The groups weights were calibrated to: each unit's cell, and each margin's grouping of cells.

    Post-stratification is one margin whose groups are the cells; raking has one margin per
    variable. `iterations` residual passes are made over the margins (R uses 10 for raking).
    `weighted_means`: the residuals remove each group's mean weighted by the weights, as R's
    `svyrecvar` does for `postStratify` (by the weights before calibration, which within a
    post-stratum are proportional to those after); raking removes plain means, as R's `ave`.

    `margin_scales` (raking): per margin, each cell's ratio of the final weights to the weights
    just after that margin was met in the last pass. R's residuals for a margin are taken about
    the group means of x / those weights (`attr(margin, "weights")`), which are the final
    weights only once raking has fully converged.

    Calibration by R's `calibrate` (linear or raking) instead gives `model`, each cell's row of
    the model matrix (cells x columns), and `g`, each cell's ratio of calibrated to starting
    weights: the residuals are those of the weighted least-squares regression on the model
    matrix with the starting weights, as R's `svyrecvar` takes them from the QR of the
    calibration (`greg_calibration`). `margins` and `iterations` are then unused.
    """

    cells: np.ndarray
    n_cells: int
    margins: tuple[np.ndarray, ...]
    iterations: int = 1
    weighted_means: bool = False
    margin_scales: tuple[np.ndarray, ...] | None = None
    model: np.ndarray | None = None
    g: np.ndarray | None = None


@dataclass(frozen=True)
class LaterStage:
    """A stage of sampling after the first (R's second and later `id` columns, with their `fpc`).

    `units` gives each row's unit of this stage, codes 0..U-1 nested in the stage above (a
    code is never shared by two units above: R's `svydesign` makes later stages' ids nested);
    `parent` each unit's unit of the stage above (a PSU code for the second stage);
    `population` the number of this stage's units in the population of each unit above.
    """

    units: np.ndarray
    n_units: int
    parent: np.ndarray
    population: np.ndarray

    @property
    def sampled(self) -> np.ndarray:
        """Units of this stage sampled in each unit of the stage above."""
        return np.bincount(self.parent, minlength=len(self.population)).astype(float)

    @property
    def units_are_rows(self) -> bool:
        """Whether every unit of this stage is a single row (as schools in a district)."""
        return self.n_units == len(self.units)


@dataclass(frozen=True)
class SampleDesign:
    """A sample's design as integer codes per unit.

    `strata` holds stratum codes 0..H-1; `clusters` PSU codes 0..P-1 (unique across strata),
    or None when every unit is its own PSU; `population` the number of PSUs in each stratum's
    population (for the finite population correction), or None. `stages` are the later stages
    of a multistage sample, whose variance R adds when every stage has a population size
    (`survey.ultimate.cluster = FALSE`); their clusters are nested in the PSUs.
    """

    weights: np.ndarray
    strata: np.ndarray
    n_strata: int
    clusters: np.ndarray | None = None
    n_clusters: int = 0
    population: np.ndarray | None = None
    calibration: Calibration | None = None
    lonely_psu: str = "fail"
    stages: tuple[LaterStage, ...] = ()
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
    def variance_groups(self) -> tuple[np.ndarray, int]:
        """The groups the sufficient statistics are summed in, each row's code and their number:
        the smallest clusters of the design (PSUs, or the last stage's units), or, where every
        unit of that stage is a row, the units they were sampled in (strata for an unclustered
        design), whose rows' spread the statistics keep."""
        if not self.stages:
            if self.clusters is None:
                return self.strata, self.n_strata
            return self.clusters, self.n_clusters
        last = self.stages[-1]
        if not last.units_are_rows:
            return last.units, last.n_units
        if len(self.stages) == 1:
            return self.clusters, self.n_clusters  # type: ignore[return-value]
        above = self.stages[-2]
        return above.units, above.n_units

    @property
    def psu_of_group(self) -> np.ndarray:
        """The PSU of each variance group (for a multistage design)."""
        codes, n_groups = self.variance_groups
        out = np.zeros(n_groups, dtype=np.int64)
        out[codes] = self.clusters if self.clusters is not None else self.strata
        return out

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
    """Integer codes 0..k-1 of any labels, with the sorted distinct labels.

    Labels that are already small non-negative integers (the codes of strata and clusters) are
    counted instead of sorted: the same result, in one pass rather than a sort of every unit."""
    if values.dtype.kind in "iu" and len(values) and values.min() >= 0 and values.max() < 4 * len(values) + 1024:
        present = np.bincount(values) > 0
        levels = np.flatnonzero(present).astype(values.dtype)
        recode = np.cumsum(present, dtype=np.int64) - 1
        return recode[values], levels
    levels, codes = np.unique(values, return_inverse=True)
    return codes.astype(np.int64), levels


def design_from_columns(weights=None, strata=None, clusters=None, population=None, n: int | None = None,
                        calibration: Calibration | None = None, lonely_psu: str = "fail",
                        stages=()) -> SampleDesign:
    """A design from per-unit columns, as R's `svydesign(id, strata, weights, fpc)` takes them.

    `population` is per unit (the population size of the unit's stratum, as R's `fpc`), or a
    single number for an unstratified design. Clusters are nested within strata. `stages`
    holds, for each stage after the first, a pair of per-unit columns: the stage's cluster
    ids and its population sizes (R's `id = ~psu + ssu, fpc = ~N1 + N2`); they need
    `clusters` and `population`, and are nested in the stage above as R nests them.
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
    later = []
    above, n_above = c, n_clusters
    for ids, sizes in stages:
        if above is None or pop is None:
            raise ValueError("later stages need clusters and population sizes at the first stage")
        id_codes, id_levels = codes_of(np.asarray(ids))
        units, levels = codes_of(above * len(id_levels) + id_codes)
        parent = np.zeros(len(levels), dtype=np.int64)
        parent[units] = above
        stage_population = np.zeros(n_above)
        stage_population[above] = np.broadcast_to(np.asarray(sizes, dtype=float), (size,))
        later.append(LaterStage(units, len(levels), parent, stage_population))
        above, n_above = units, len(levels)
    return SampleDesign(w, s, n_strata, c, n_clusters, pop, calibration, lonely_psu, tuple(later))


def unit_scaled_weights(design: SampleDesign) -> np.ndarray:
    """The weights divided by the largest: shares and their variances do not depend on the
    weights' scale, and weights up to the largest float then square and sum without overflow."""
    return design.weights / design.weights.max()
