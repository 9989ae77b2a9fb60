"""What R's `svyciprop` needs beyond a share, its standard error and df: the design's rows
and weights as R's `svyglm` sees them, and where R's logistic fit starts, per item, domain
and category, from the sufficient statistics.
"""

from __future__ import annotations

import numpy as np

from pipeline.stats.design import SampleDesign
from pipeline.stats.sufficient import GlmStartSums, SufficientStatistics
from pipeline.stats.svyglm_fit import irls_first_step


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
    weights are equal within cells): (m, D, K).

    Each category's step takes its cells as 'yes' and the other categories' as 'no'. The
    categories are stepped together, a few at a time when the cells are many: the same sums,
    each over the same values in the same order, as a step per category.
    """
    m = statistics.count.shape[0]
    cells = [a[:, :d, :, :, :k].reshape(m, d, 1, -1, k)
             for a in (statistics.count, statistics.sum_w, statistics.sum_w2)]
    at_once = max(1, STEP_VALUES_AT_ONCE // max(1, 2 * cells[0].size))
    steps = []
    for start in range(0, k, at_once):
        chosen = (np.arange(k) == np.arange(start, min(k, start + at_once))[:, None])[:, None, :]  # (c, 1, K)
        classes = [np.stack([(a * ~chosen).reshape(m, d, len(chosen), -1), (a * chosen).reshape(m, d, len(chosen), -1)],
                            axis=-1) for a in cells]
        steps.append(irls_first_step(classes[0], classes[1], classes[2], mean_weight[..., None]))
    return np.concatenate(steps, axis=-1)


STEP_VALUES_AT_ONCE = 1 << 21  # cells' values of the categories stepped together (bounds the arrays' memory)
