"""Calibration of weights to population totals as R survey's `calibrate`, and weight trimming
as its `trimWeights`.

The calibration variables are categorical, so every function of them is constant within a
cell of their cross-classification: the model matrix (an intercept and, per variable, an
indicator of every level but the first, as R's `model.matrix` with treatment contrasts), the
g-weights and the regression residuals behind the variance are all computed per cell, and the
design's sufficient statistics stay one pass over the units.

`linear` without bounds is R's `regcalibrate` (GREG, one step); `linear` with bounds and
`raking` are R's `grake`: Newton steps on the calibration equations with the same start,
the same rescaling of weights far below the population, the same generalised inverse and
stopping rule (every total within `epsilon` of its target relative to 1 + the target), so the
weights are R's to rounding.
"""

from __future__ import annotations

import numpy as np

from pipeline.stats.design import Calibration
from pipeline.stats.weighting import WeightingError, WeightingResult, _joint_cells, largest_margin_error

RESCALE_THRESHOLD = 20.0
"""R's `grake` rescales the weights when every population total is this many times its sample total."""


def calibrate(weights: np.ndarray, margins: list[np.ndarray], targets: list[np.ndarray], calfun: str = "linear",
              bounds: tuple[float, float] = (-np.inf, np.inf), epsilon: float = 1e-7,
              max_iterations: int = 50) -> WeightingResult:
    """Weights calibrated to each variable's population counts, as R's
    `calibrate(design, ~a + b, population, calfun, bounds, epsilon = epsilon, maxit = max_iterations)`.

    `margins[j]` codes each unit's level of variable j (0..L-1); `targets[j]` the population
    count of each level (every variable's counts summing to the same total). `bounds` bound
    the g-weights (calibrated over starting weights). `converged` is False when the totals are
    not met within `max_iterations` Newton steps; `iterations` counts the steps.
    """
    weights = np.asarray(weights, dtype=float)
    margins = [np.asarray(m, dtype=np.int64) for m in margins]
    targets = [np.asarray(t, dtype=float) for t in targets]
    if calfun not in ("linear", "raking"):
        raise ValueError(f"calfun must be 'linear' or 'raking', not {calfun!r}")
    cells, joint = _joint_cells(margins)
    model = model_matrix(joint, [len(t) for t in targets])
    population = np.concatenate([[targets[0].sum()], *(t[1:] for t in targets)])
    cell_weight = np.bincount(cells, weights=weights, minlength=len(joint))
    sample_total = model.T @ cell_weight
    keep = ~((sample_total == 0) & (population == 0))  # R drops a column absent from sample and population
    model, population, sample_total = model[:, keep], population[keep], sample_total[keep]
    lower, upper = bounds
    if calfun == "linear" and np.isneginf(lower) and np.isposinf(upper):
        gram = model.T @ (cell_weight[:, None] * model)
        try:
            step = np.linalg.solve(gram, population - sample_total)
        except np.linalg.LinAlgError:
            raise WeightingError("the calibration equations are singular: some level has no respondents") from None
        g, iterations, converged = 1 + model @ step, 1, True
    else:
        g, iterations, converged = _newton(model, cell_weight, population, calfun, lower, upper, epsilon,
                                           max_iterations)
    new = weights * g[cells]
    calibration = Calibration(cells, len(joint), tuple(joint[:, j] for j in range(len(margins))),
                              model=model, g=g)
    return WeightingResult(new, calibration, iterations, converged, largest_margin_error(new, margins, targets))


def model_matrix(joint: np.ndarray, levels: list[int]) -> np.ndarray:
    """Each cell's row of R's model matrix for `~ a + b + ...`: an intercept, then for each
    variable an indicator of each level but the first."""
    columns = [np.ones(len(joint))]
    for j, n_levels in enumerate(levels):
        columns.extend((joint[:, j] == level).astype(float) for level in range(1, n_levels))
    return np.column_stack(columns)


def _inverse_link(u: np.ndarray, calfun: str, lower: float, upper: float) -> tuple[np.ndarray, np.ndarray]:
    """R's `calfun$Fm1` and `calfun$dF` (g - 1 and its derivative), with the bounds on g."""
    value = u + 1 if calfun == "linear" else np.exp(u)
    inside = (u < upper - 1) & (u > lower - 1)
    derivative = inside.astype(float) if calfun == "linear" else np.where(inside, np.exp(u), 0.0)
    return np.minimum(np.maximum(value, lower), upper) - 1, derivative


def _newton(model: np.ndarray, cell_weight: np.ndarray, population: np.ndarray, calfun: str, lower: float,
            upper: float, epsilon: float, max_iterations: int) -> tuple[np.ndarray, int, bool]:
    """R's `grake` on the cells: per-cell g, the steps made and whether the totals were met."""
    ww = cell_weight
    sample_total = model.T @ ww
    with np.errstate(divide="ignore"):
        scales = population / sample_total
    scale = None
    if scales.min() > RESCALE_THRESHOLD:
        scale = float(np.mean(scales))
        ww = ww * scale
        sample_total = sample_total * scale
    eta = np.zeros(model.shape[1])
    xeta = model @ eta
    fm1, derivative = _inverse_link(xeta, calfun, lower, upper)
    iteration, converged = 1, False
    while True:
        tmat = (model * (ww * derivative)[:, None]).T @ model
        misfit = population - sample_total - model.T @ (ww * fm1)
        step = np.linalg.pinv(tmat, rcond=256 * np.finfo(float).eps) @ misfit
        eta = eta + step
        xeta = model @ eta
        fm1, derivative = _inverse_link(xeta, calfun, lower, upper)
        while iteration < max_iterations and not (np.isfinite(fm1).all() and np.isfinite(derivative).all()):
            iteration += 1
            step = step / 2
            eta = eta - step
            xeta = model @ eta
            fm1, derivative = _inverse_link(xeta, calfun, lower, upper)
        misfit = population - sample_total - model.T @ (ww * fm1)
        if np.all(np.abs(misfit) / (1 + np.abs(population)) < epsilon):
            converged = True
            break
        iteration += 1
        if iteration > max_iterations:
            break
    g = 1 + fm1
    return (g * scale if scale is not None else g), min(iteration, max_iterations), converged


MAX_TRIMMING_ROUNDS = 1000
"""Strict trimming repeats at most this often (R's recursion has no limit)."""


def trim_weights(weights: np.ndarray, lower: float = -np.inf, upper: float = np.inf,
                 strict: bool = False) -> np.ndarray:
    """Weights held within [lower, upper], as R's `trimWeights(design, upper, lower, strict)`:
    weights outside are set to the bound they cross, and the weight so removed (or added) is
    shared equally among the weights inside, keeping the total. The sharing can push a weight
    past a bound; with `strict`, trimming is repeated until none is."""
    weights = np.asarray(weights, dtype=float)
    total = float(weights.sum())
    if strict and not len(weights) * lower <= total <= len(weights) * upper:
        raise WeightingError(f"the weights' total {total:g} cannot be kept with every weight within "
                             f"[{lower:g}, {upper:g}]")
    for _ in range(MAX_TRIMMING_ROUNDS):
        outside = (weights < lower) | (weights > upper)
        if not outside.any():
            return weights
        if outside.all():
            raise WeightingError(f"every weight lies outside the trimming bounds [{lower:g}, {upper:g}]")
        trimmed = np.maximum(lower, np.minimum(weights, upper))
        trimmed[~outside] += (weights - trimmed).sum() / (~outside).sum()
        weights = trimmed
        if not strict:
            return weights
    raise WeightingError(f"strict trimming to [{lower:g}, {upper:g}] did not settle in {MAX_TRIMMING_ROUNDS} rounds")


def regression_offsets(cal: Calibration, cell_wu: np.ndarray, cell_w: np.ndarray) -> np.ndarray:
    """The fitted values, per cell, of the weighted least-squares regression of u on the
    calibration model with the starting weights (R's `qr.resid` of the calibration's QR).

    `cell_wu` holds sums of w u per cell along axis -2 (any leading axes), `cell_w` the
    calibrated weight per cell, w being the calibrated weights: dividing by each cell's g
    gives the starting weights' sums. The result has the shape of `cell_wu`, in the units of u.
    """
    assert cal.model is not None and cal.g is not None
    x = cal.model
    du = cell_wu / cal.g[:, None]
    d = cell_w / cal.g
    gram = x.T @ (d[:, None] * x)
    beta = np.linalg.pinv(gram) @ np.einsum("cp,...ck->...pk", x, du)
    return np.einsum("cp,...pk->...ck", x, beta)
