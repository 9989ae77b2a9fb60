"""Calibrating weights to population counts: post-stratification and raking.

Post-stratification scales each cell's weights to its population count. Raking (iterative
proportional fitting) scales to each variable's margin in turn until every margin is met,
for frames whose joint cells are too sparse to post-stratify on. Both return the weights and
a `Calibration` describing the groups, so that standard errors can use the calibration
residuals as R survey does. Kish's design effect and effective sample size summarise the
cost of the weights' variation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.stats.design import Calibration


class WeightingError(ValueError):
    """The sample cannot be calibrated to the population as asked."""


@dataclass(frozen=True)
class WeightingResult:
    weights: np.ndarray
    calibration: Calibration
    iterations: int
    converged: bool
    max_error: float
    change: float = 0.0


def poststratify(weights: np.ndarray, cells: np.ndarray, population: np.ndarray) -> WeightingResult:
    """Weights scaled so that each cell's total equals its population count.

    `cells` codes each unit's post-stratum 0..C-1; `population` gives each post-stratum's count.
    A post-stratum with population but no respondents cannot be represented: an error.
    """
    weights = np.asarray(weights, dtype=float)
    population = np.asarray(population, dtype=float)
    totals = np.bincount(cells, weights=weights, minlength=len(population))
    empty = np.flatnonzero((totals == 0) & (population > 0))
    if len(empty):
        raise WeightingError(f"post-strata {empty.tolist()} have population but no respondents")
    factor = np.divide(population, totals, out=np.zeros_like(population), where=totals > 0)
    new = weights * factor[cells]
    calibration = Calibration(np.asarray(cells, dtype=np.int64), len(population), (np.arange(len(population)),), 1,
                              weighted_means=True)
    return WeightingResult(new, calibration, 1, True, 0.0)


MARGIN_TOLERANCE = 1e-10
"""Raking without R's `epsilon` goes on until every margin is within this of its target (relative)."""


def rake(weights: np.ndarray, margins: list[np.ndarray], targets: list[np.ndarray], epsilon: float | None = None,
         max_iterations: int = 100) -> WeightingResult:
    """Iterative proportional fitting of weights to several margins, as R survey's `rake`.

    `margins[j]` codes each unit's category of variable j; `targets[j]` the population count of
    each category. Each pass post-stratifies to every margin in turn. As R's `rake(...,
    control = list(epsilon, maxit))`, raking stops after the first pass that changes no cell of
    the margins' cross-classification by `epsilon` or more (when `epsilon` < 1, that fraction
    of the starting weights' total), or after `max_iterations` passes without doing so, with
    `converged` False: the caller decides. Without `epsilon`, it stops after the first pass
    that leaves every margin within `MARGIN_TOLERANCE` of its target (relative). `iterations`
    counts the passes made.
    """
    weights = np.asarray(weights, dtype=float).copy()
    margins = [np.asarray(m, dtype=np.int64) for m in margins]
    targets = [np.asarray(t, dtype=float) for t in targets]
    for j, (margin, target) in enumerate(zip(margins, targets, strict=True)):
        totals = np.bincount(margin, weights=weights, minlength=len(target))
        empty = np.flatnonzero((totals == 0) & (target > 0))
        if len(empty):
            raise WeightingError(f"margin {j}: categories {empty.tolist()} have population but no respondents")
    cells, joint = _joint_cells(margins)
    limit = np.inf if epsilon is None else epsilon if epsilon >= 1 else epsilon * float(weights.sum())
    table = np.bincount(cells, weights=weights, minlength=len(joint))
    passes, converged, change = 0, False, np.inf
    met: list[np.ndarray] = []
    while passes < max_iterations:
        passes += 1
        met = []
        for margin, target in zip(margins, targets, strict=True):
            totals = np.bincount(margin, weights=weights, minlength=len(target))
            factor = np.divide(target, totals, out=np.zeros_like(target), where=totals > 0)
            weights *= factor[margin]
            met.append(weights.copy())
        new_table = np.bincount(cells, weights=weights, minlength=len(joint))
        change = float(np.max(np.abs(new_table - table)))
        if change < limit if epsilon is not None else (
                largest_margin_error(weights, margins, targets) < MARGIN_TOLERANCE):
            converged = True
            break
        table = new_table
    scales = []
    for after in met:
        scale = np.ones(len(joint))
        with np.errstate(divide="ignore", invalid="ignore"):
            scale[cells] = np.where(after > 0, weights / after, 1.0)
        scales.append(scale)
    # Met to MARGIN_TOLERANCE, the weights at every margin are the final ones (to that tolerance), the
    # limit R's residuals tend to; with R's controls, its residuals about the weights it stopped at.
    exact_limit = epsilon is None and converged
    calibration = Calibration(cells, len(joint), tuple(joint[:, j] for j in range(len(margins))),
                              iterations=10 if len(margins) > 1 else 1,
                              margin_scales=None if exact_limit else tuple(scales))
    return WeightingResult(weights, calibration, passes, converged, largest_margin_error(weights, margins, targets),
                           change)


def largest_margin_error(weights: np.ndarray, margins: list[np.ndarray], targets: list[np.ndarray]) -> float:
    """The largest difference of a weighted margin total from its target, relative to the target
    (to 1 for a target below 1)."""
    return max(float(np.max(np.abs(np.bincount(m, weights=weights, minlength=len(t)) - t) / np.maximum(t, 1)))
               for m, t in zip(margins, targets, strict=True))


def _joint_cells(margins: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's cell of the margins' cross-classification, and each cell's margin categories."""
    stacked = np.column_stack(margins)
    joint, cells = np.unique(stacked, axis=0, return_inverse=True)
    return cells.ravel().astype(np.int64), joint


def kish_design_effect(weights: np.ndarray) -> float:
    """Kish's design effect due to unequal weights: n sum(w^2) / (sum w)^2."""
    w = np.asarray(weights, dtype=float)
    return float(len(w) * np.sum(w * w) / np.sum(w) ** 2)


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size: (sum w)^2 / sum(w^2)."""
    w = np.asarray(weights, dtype=float)
    return float(np.sum(w) ** 2 / np.sum(w * w))
