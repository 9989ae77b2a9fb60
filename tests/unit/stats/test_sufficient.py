"""The one pass over the units: counts and weight sums per cell, the same in chunks as at once."""

import numpy as np
import pytest

from pipeline.stats.design import design_from_columns
from pipeline.stats.sufficient import sufficient_statistics, unit_cells


def test_counts_fall_in_their_domain_category_and_outside_the_base():
    design = design_from_columns(n=5)
    statistics = sufficient_statistics(design, np.array([0, 1, 1, -1, 0]), 2, np.array([0, 0, 1, 1, -1]), 2)
    counts = statistics.count[0, :, 0, 0, :]          # (domain + none, category + outside)
    assert counts.tolist() == [[1, 1, 0], [0, 1, 1], [1, 0, 0]]


def test_chunks_give_the_same_statistics_as_one_pass():
    rng = np.random.default_rng(7)
    weights = rng.uniform(1, 3, 50)
    design = design_from_columns(weights=weights, strata=rng.integers(0, 3, 50))
    codes = rng.integers(-1, 3, (50, 2))
    whole = sufficient_statistics(design, codes, 3, glm_start=True)
    chunked = sufficient_statistics(design, codes, 3, chunk_rows=7, glm_start=True)
    assert np.array_equal(whole.count, chunked.count)
    assert chunked.sum_w == pytest.approx(whole.sum_w) and chunked.deviation2 == pytest.approx(whole.deviation2)
    assert chunked.glm_start.working == pytest.approx(whole.glm_start.working)


def test_the_overall_statistics_sum_the_domains():
    design = design_from_columns(weights=np.array([1.0, 2.0, 3.0, 4.0]))
    statistics = sufficient_statistics(design, np.array([0, 1, 1, 0]), 2, np.array([0, 1, 0, -1]), 2)
    overall = statistics.overall()
    assert overall.count[0, 0, 0, 0].tolist() == [2, 2, 0] and overall.count[0, 1].sum() == 0
    assert overall.sum_w[0, 0, 0, 0, :2] == pytest.approx(np.array([5.0, 5.0]) / 4)  # scaled to the largest


def _sums_in_row_order(design, codes, k, domains, n_domains, chunk_rows):
    """Each cell's sums of w - reference, added unit by unit in row order within each chunk,
    the chunks' sums then added in order (the order the pass promises)."""
    weights = design.weights / design.weights.max()
    groups, n_groups = design.variance_groups
    reference = {}
    for unit in range(len(weights)):
        reference.setdefault(int(groups[unit]), weights[unit])
    m = codes.shape[1]
    total = np.zeros((m, n_domains + 1, n_groups, 1, k + 1))
    for start in range(0, len(weights), chunk_rows):
        chunk = np.zeros_like(total)
        for unit in range(start, min(start + chunk_rows, len(weights))):
            domain = n_domains if domains[unit] < 0 else domains[unit]
            group = int(groups[unit])
            for j in range(m):
                code = k if codes[unit, j] < 0 else codes[unit, j]
                chunk[j, domain, group, 0, code] += weights[unit] - reference[group]
        total += chunk
    return total


def test_sums_add_units_in_row_order_whether_items_come_as_a_matrix_or_as_columns():
    rng = np.random.default_rng(11)
    n = 60
    design = design_from_columns(weights=rng.uniform(1, 3, n), strata=rng.integers(0, 3, n))
    codes = rng.integers(-1, 3, (n, 3)).astype(np.int8)
    domains = rng.integers(-1, 2, n)
    expected = _sums_in_row_order(design, codes, 3, domains, 2, chunk_rows=13)
    as_matrix = sufficient_statistics(design, codes, 3, domains, 2, chunk_rows=13)
    as_columns = sufficient_statistics(design, [codes[:, j].copy() for j in range(3)], 3, domains, 2, chunk_rows=13)
    for statistics in (as_matrix, as_columns):
        assert statistics.deviation.tobytes() == expected.tobytes()  # the same bits, not only close
        assert statistics.count[:, :, :, :, 3].sum() == (codes < 0).sum()  # -1: outside the base, last slot
    assert np.array_equal(as_matrix.count, as_columns.count)


def test_cells_worked_out_once_give_every_pass_the_same_statistics():
    rng = np.random.default_rng(5)
    design = design_from_columns(weights=rng.uniform(1, 3, 80), strata=rng.integers(0, 4, 80))
    domains = rng.integers(-1, 2, 80)
    cells = unit_cells(design, domains, 2)
    for k in (2, 4):
        codes = rng.integers(-1, k, (80, 3))
        shared = sufficient_statistics(design, codes, k, domains, 2, glm_start=True, cells=cells)
        own = sufficient_statistics(design, codes, k, domains, 2, glm_start=True)
        assert shared.count.tobytes() == own.count.tobytes() and shared.deviation.tobytes() == own.deviation.tobytes()
        assert shared.glm_start.working.tobytes() == own.glm_start.working.tobytes()
    assert cells.varying and cells.weighted
