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


def rake(weights: np.ndarray, margins: list[np.ndarray], targets: list[np.ndarray], tolerance: float = 1e-10,
         max_iterations: int = 100) -> WeightingResult:
    """Iterative proportional fitting of weights to several margins.

    `margins[j]` codes each unit's category of variable j; `targets[j]` the population count of
    each category. Converged when every margin total is within `tolerance` (relative) of its
    target; otherwise `converged` is False and the caller decides.
    """
    weights = np.asarray(weights, dtype=float).copy()
    margins = [np.asarray(m, dtype=np.int64) for m in margins]
    targets = [np.asarray(t, dtype=float) for t in targets]
    for j, (margin, target) in enumerate(zip(margins, targets, strict=True)):
        totals = np.bincount(margin, weights=weights, minlength=len(target))
        empty = np.flatnonzero((totals == 0) & (target > 0))
        if len(empty):
            raise WeightingError(f"margin {j}: categories {empty.tolist()} have population but no respondents")
    error = np.inf
    iteration = 0
    for iteration in range(1, max_iterations + 1):  # noqa: B007 (the count is returned)
        for margin, target in zip(margins, targets, strict=True):
            totals = np.bincount(margin, weights=weights, minlength=len(target))
            factor = np.divide(target, totals, out=np.zeros_like(target), where=totals > 0)
            weights *= factor[margin]
        error = max(float(np.max(np.abs(np.bincount(m, weights=weights, minlength=len(t)) - t) / np.maximum(t, 1)))
                    for m, t in zip(margins, targets, strict=True))
        if error < tolerance:
            break
    cells, joint = _joint_cells(margins)
    calibration = Calibration(cells, len(joint), tuple(joint[:, j] for j in range(len(margins))),
                              iterations=10 if len(margins) > 1 else 1)
    return WeightingResult(weights, calibration, iteration, error < tolerance, error)


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
