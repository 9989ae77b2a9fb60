"""Design-based shares and linearised standard errors on designs small enough to do by hand."""

import numpy as np
import pytest

from pipeline.stats.design import codes_of, design_from_columns, simple_design
from pipeline.stats.linearisation import estimate_shares, share_covariance, shares_from_statistics
from pipeline.stats.sufficient import sufficient_statistics

# Six units in two strata of three: weights 2 in A (N_A = 6), 4 in B (N_B = 12).
STRATA = np.array(["A", "A", "A", "B", "B", "B"])
WEIGHTS = np.array([2.0, 2.0, 2.0, 4.0, 4.0, 4.0])
Y = np.array([1, 0, 1, 1, 1, 0])
POPULATION = np.array([6, 6, 6, 12, 12, 12])


def test_stratified_share_and_se_by_hand():
    # p = (2*2 + 4*2) / 18 = 2/3. z_i = w_i (y_i - p) / 18: A 1/27, -2/27, 1/27; B 2/27, 2/27, -4/27;
    # each stratum's z sums to 0, sums of squares 6/729 and 24/729;
    # V = 3/2 * (6 + 24) / 729 = 45/729, without the finite population correction.
    result = estimate_shares(design_from_columns(weights=WEIGHTS, strata=STRATA), Y, 2)
    assert result.estimate[0, 0].tolist() == pytest.approx([1 / 3, 2 / 3], rel=1e-14)
    assert result.se[0, 0, 1] == pytest.approx(np.sqrt(45) / 27, rel=1e-12)
    assert result.se[0, 0, 0] == pytest.approx(result.se[0, 0, 1], rel=1e-12)
    assert result.n[0, 0] == 6 and result.count[0, 0].tolist() == [2, 4]


def test_stratified_se_with_the_finite_population_correction_by_hand():
    # f_A = 3/6, f_B = 3/12: V = 3/2 * (0.5 * 6 + 0.75 * 24) / 729 = 31.5/729
    design = design_from_columns(weights=WEIGHTS, strata=STRATA, population=POPULATION)
    result = estimate_shares(design, Y, 2)
    assert result.se[0, 0, 1] == pytest.approx(np.sqrt(31.5) / 27, rel=1e-12)
    assert design.df == 4 and design.sampling_fraction.tolist() == [0.5, 0.25]


def test_the_covariance_matrix_has_the_variances_on_its_diagonal():
    design = design_from_columns(weights=WEIGHTS, strata=STRATA, population=POPULATION)
    shares, covariance = share_covariance(design, Y, 2)
    assert shares.tolist() == pytest.approx([1 / 3, 2 / 3])
    assert covariance == pytest.approx(31.5 / 729 * np.array([[1, -1], [-1, 1]]), rel=1e-12)


def test_a_share_constant_within_every_stratum_has_a_standard_error_of_exactly_zero():
    result = estimate_shares(design_from_columns(weights=WEIGHTS, strata=STRATA), np.array([1, 1, 1, 0, 0, 0]), 2)
    assert result.se[0, 0].tolist() == [0.0, 0.0]


def test_cluster_variance_comes_from_the_spread_of_cluster_totals():
    # Three clusters of two units, y = (1,1), (0,1), (0,0), equal weights: p = 1/2,
    # cluster totals of z = (y - p) / 6 are 1/6, 0, -1/6; V = 3/2 * 2/36 = 1/12.
    design = design_from_columns(clusters=np.array([1, 1, 2, 2, 3, 3]))
    result = estimate_shares(design, np.array([1, 1, 0, 1, 0, 0]), 2)
    assert result.se[0, 0, 1] == pytest.approx(np.sqrt(1 / 12), rel=1e-12)
    assert design.df == 2


def test_a_domain_keeps_the_whole_design():
    # Four units, domain of the first two (y = 1, 0): z = (0.25, -0.25, 0, 0), V = 4/3 * 0.125.
    # Dropping the other rows instead would give 2/1 * 0.125.
    codes = np.array([1, 0, 0, 1])
    domains = np.array([0, 0, 1, 1])
    result = estimate_shares(simple_design(4), codes, 2, domains, 2)
    assert result.estimate[0, 0, 1] == 0.5
    assert result.se[0, 0, 1] == pytest.approx(np.sqrt(4 / 3 * 0.125), rel=1e-12)
    assert result.df[0].tolist() == [1.0, 1.0]  # per domain: its units less its stratum


def test_units_outside_the_base_stay_in_the_design_but_not_in_the_share():
    codes = np.array([1, 0, -1, -1])
    result = estimate_shares(simple_design(4), codes, 2)
    assert result.n[0, 0] == 2 and result.estimate[0, 0, 1] == 0.5
    assert result.se[0, 0, 1] == pytest.approx(np.sqrt(4 / 3 * 0.125), rel=1e-12)


def test_simple_random_sample_with_fpc_is_the_textbook_formula():
    # Cochran (1977), 3.4: var(p) = (1 - n/N) p q / (n - 1)
    y = np.array([1] * 58 + [0] * 24)
    p = 58 / 82
    result = estimate_shares(simple_design(82, 150), y, 2)
    assert result.se[0, 0, 1] == pytest.approx(np.sqrt((1 - 82 / 150) * p * (1 - p) / 81), rel=1e-12)


def test_several_items_in_one_pass_equal_each_item_alone():
    design = design_from_columns(weights=WEIGHTS, strata=STRATA, population=POPULATION)
    items = np.column_stack([Y, 1 - Y, [0, 1, 2, 2, 1, -1]])
    together = shares_from_statistics(design, sufficient_statistics(design, items, 3))
    for j in range(3):
        alone = estimate_shares(design, items[:, j], 3)
        assert together.se[j] == pytest.approx(alone.se[0], rel=1e-12)


def test_codes_of_labels_are_sorted():
    codes, levels = codes_of(np.array(["m", "e", "m", "h"]))
    assert codes.tolist() == [2, 0, 2, 1] and levels.tolist() == ["e", "h", "m"]


def test_later_stages_are_nested_in_the_stage_above_and_keep_their_population_per_cluster():
    # Two PSUs (districts 1, 2), school ids restarting at 1 in each: four schools in all.
    districts = np.array([1, 1, 1, 2, 2])
    schools = np.array([1, 2, 2, 1, 2])
    design = design_from_columns(clusters=districts, population=10,
                                 stages=[(schools, np.array([5, 5, 5, 3, 3]))])
    (stage,) = design.stages
    assert stage.n_units == 4 and stage.units.tolist() == [0, 1, 1, 2, 3]
    assert stage.parent.tolist() == [0, 0, 1, 1] and stage.population.tolist() == [5.0, 3.0]
    assert stage.sampled.tolist() == [2.0, 2.0] and not stage.units_are_rows
    assert design.variance_groups[1] == 4  # the schools, which hold several rows
    assert design.psu_of_group.tolist() == [0, 0, 1, 1]


def test_when_the_last_stage_units_are_rows_the_statistics_are_summed_by_their_cluster():
    design = design_from_columns(clusters=np.array([1, 1, 2, 2]), population=10,
                                 stages=[(np.array([1, 2, 3, 4]), 8)])
    assert design.stages[0].units_are_rows
    codes, n_groups = design.variance_groups
    assert n_groups == 2 and codes.tolist() == [0, 0, 1, 1]
    assert design.df == 1  # R's degf: the first stage's PSUs less one stratum


def test_later_stages_need_first_stage_clusters_and_population():
    with pytest.raises(ValueError, match="later stages"):
        design_from_columns(clusters=np.array([1, 2]), stages=[(np.array([1, 2]), 4)])


@pytest.mark.parametrize("values", [np.array([3, 3, 7, 0, 7]), np.arange(10, 0, -1, dtype=np.int8),
                                    np.array([5, 10**9, 5]), np.array(["b", "a", "b"]), np.array([-2, 4, -2])])
def test_codes_of_agree_with_numpys_sorted_unique(values):
    codes, levels = codes_of(values)
    expected_levels, expected_codes = np.unique(values, return_inverse=True)
    assert np.array_equal(levels, expected_levels) and levels.dtype == expected_levels.dtype
    assert np.array_equal(codes, expected_codes) and codes.dtype == np.int64
