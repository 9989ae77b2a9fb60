"""Shares and their linearised variances from sufficient statistics, computed by hand."""

import numpy as np
import pytest

from pipeline.stats import linearisation
from pipeline.stats.design import design_from_columns
from pipeline.stats.linearisation import estimate_shares, share_covariance, stage_levels
from pipeline.stats.sufficient import sufficient_statistics


def test_a_variable_constant_within_strata_has_a_standard_error_of_exactly_zero():
    strata = np.array([0, 0, 0, 1, 1])
    design = design_from_columns(weights=np.array([3.3, 3.3, 3.3, 7.1, 7.1]), strata=strata)
    result = estimate_shares(design, strata, 2)
    assert result.se[0, 0].tolist() == [0.0, 0.0]
    assert result.estimate[0, 0, 0] == pytest.approx(9.9 / (9.9 + 14.2))


def test_unstratified_equal_weights_give_the_textbook_variance():
    codes = np.array([1, 1, 0, 1, 0, 0, 1, 1])
    result = estimate_shares(design_from_columns(n=8), codes, 2)
    p = 5 / 8
    assert result.se[0, 0, 1] == pytest.approx(np.sqrt(p * (1 - p) / 7))  # sum (y - p)^2 / (n (n - 1))


def test_weights_are_summed_as_deviations_so_a_constant_weight_leaves_none():
    design = design_from_columns(weights=np.array([2.0, 2.0, 5.0, 5.0]), strata=np.array([0, 0, 1, 1]))
    statistics = sufficient_statistics(design, np.array([0, 1, 0, 1]), 2)
    assert np.all(statistics.deviation2 == 0.0)
    assert statistics.sum_w.sum() == pytest.approx(14 / 5)  # scaled to the largest weight


@pytest.mark.parametrize("rule", ["remove", "adjust", "average"])
def test_the_covariance_per_unit_follows_the_lonely_psu_rule_of_the_sufficient_statistics(rule):
    """The Rao-Scott covariance (per unit) and the shares' variances (from sums) apply one rule."""
    from pipeline.stats.linearisation import share_covariance

    strata = np.array([0, 0, 0, 1, 1, 2])          # stratum 2 has a single unit
    codes = np.array([0, 1, 1, 0, 1, 1])
    design = design_from_columns(weights=np.array([1.0, 2.0, 1.5, 3.0, 1.0, 2.5]), strata=strata, lonely_psu=rule)
    _, covariance = share_covariance(design, codes, 2)
    assert np.sqrt(covariance[1, 1]) == pytest.approx(estimate_shares(design, codes, 2).se[0, 0, 1], rel=1e-12)


def two_stage(lonely_psu: str = "fail"):
    """Three districts of 10, each with schools sampled from its own population of schools;
    a district's second-stage population differs between districts."""
    districts = np.array([1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3])
    schools = np.array([1, 1, 2, 3, 1, 2, 2, 1, 2, 3, 4, 4])
    sizes = np.array([6, 6, 6, 6, 4, 4, 4, 9, 9, 9, 9, 9])
    weights = np.array([2.0, 2.5, 1.0, 3.0, 2.0, 2.0, 1.5, 4.0, 1.0, 2.0, 2.5, 3.5])
    design = design_from_columns(weights=weights, clusters=districts, population=10, stages=[(schools, sizes)],
                                 lonely_psu=lonely_psu)
    return design, np.array([1, 0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1]), (districts, schools, sizes, weights)


def test_a_two_stage_variance_is_the_first_stage_plus_the_second_scaled_by_the_first_fraction():
    design, y, (districts, schools, sizes, weights) = two_stage()
    result = estimate_shares(design, y, 2)
    p = (weights * y).sum() / weights.sum()
    z = weights * (y - p) / weights.sum()
    totals = np.array([z[districts == d].sum() for d in (1, 2, 3)])
    first = (1 - 3 / 10) * 3 / 2 * ((totals - totals.mean()) ** 2).sum()
    second = 0.0
    for d in (1, 2, 3):
        units = sorted(set(schools[districts == d]))
        school_totals = np.array([z[(districts == d) & (schools == s)].sum() for s in units])
        n, big_n = len(units), sizes[districts == d][0]
        second += (1 - n / big_n) * n / (n - 1) * ((school_totals - school_totals.mean()) ** 2).sum()
    assert result.se[0, 0, 1] ** 2 == pytest.approx(first + 3 / 10 * second, rel=1e-12)


@pytest.mark.parametrize("rule", ["fail", "adjust"])
def test_the_per_unit_covariance_of_a_multistage_design_equals_the_sufficient_statistics_variance(rule):
    design, y, _ = two_stage(rule)
    shares, covariance = share_covariance(design, y, 2)
    result = estimate_shares(design, y, 2)
    assert np.sqrt(np.diag(covariance)) == pytest.approx(result.se[0, 0], rel=1e-12)
    assert shares == pytest.approx(result.estimate[0, 0], rel=1e-12)


def test_a_lonely_later_stage_unit_under_average_has_no_variance_as_in_r():
    districts = np.array([1, 1, 2, 2, 3])
    design = design_from_columns(clusters=districts, population=10, stages=[(np.arange(5), 4)],
                                 lonely_psu="average")
    y = np.array([1, 0, 1, 1, 0])
    assert np.isnan(estimate_shares(design, y, 2).se[0, 0]).all()
    assert np.isnan(share_covariance(design, y, 2)[1]).all()


def test_stage_levels_scale_each_stage_by_the_fractions_above():
    design, _, _ = two_stage()
    first, second = stage_levels(design)
    assert first.first and first.above.tolist() == [1.0]
    assert second.above.tolist() == pytest.approx([0.3, 0.3, 0.3])
    assert second.sampled.tolist() == [3.0, 2.0, 4.0] and second.fpc == pytest.approx([0.5, 0.5, 5 / 9])


@pytest.mark.parametrize("rule", ["remove", "certainty", "adjust", "average"])
def test_the_variance_of_a_total_of_scores_is_the_shares_variance_for_share_scores(rule):
    """score_variance, given a share's linearised values, gives the variance the sufficient
    statistics give, with clusters, strata, the fpc and a lonely PSU, under every rule."""
    from pipeline.stats.linearisation import score_variance

    strata = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2])
    clusters = np.array([0, 0, 1, 2, 3, 3, 4, 5, 5])    # stratum 2 has one PSU
    weights = np.array([1.0, 2.0, 1.5, 3.0, 1.0, 2.5, 2.0, 4.0, 1.0])
    codes = np.array([0, 1, 1, 0, 1, 1, 0, 1, 0])
    design = design_from_columns(weights=weights, strata=strata, clusters=clusters,
                                 population=np.array([9, 9, 9, 9, 5, 5, 5, 4, 4]), lonely_psu=rule)
    p = weights[codes == 1].sum() / weights.sum()
    scores = weights * ((codes == 1) - p) / weights.sum()
    variance = score_variance(design, scores[:, None])
    assert np.sqrt(variance[0]) == pytest.approx(estimate_shares(design, codes, 2).se[0, 0, 1], rel=1e-12)


def test_the_average_rule_counts_the_strata_of_the_units_given():
    """R's onestage averages over the strata of its subset's units, not the whole design's."""
    from pipeline.stats.linearisation import score_variance

    strata = np.array([0, 0, 1, 1, 2])
    design = design_from_columns(weights=np.ones(5), strata=strata, lonely_psu="average")
    scores = np.array([[1.0], [3.0], [0.0], [0.0], [0.0]])
    spread = 2 / 1 * ((1.0 - 2) ** 2 + (3.0 - 2) ** 2)  # stratum 0: n_h / (n_h - 1) * sum of squares
    assert score_variance(design, scores)[0] == pytest.approx(spread * 3 / 2)
    present = np.array([True, True, False, False, False])  # stratum 0 alone, and no lonely PSU
    assert score_variance(design, scores, present)[0] == pytest.approx(spread)


@pytest.mark.parametrize(("shape", "axis"), [((7,), 0), ((7,), -1), ((3, 7), 1), ((7, 3), 0), ((2, 3, 7, 4), 2),
                                             ((2, 3, 7, 4), -2), ((2, 7, 3), 1), ((2, 3, 4, 7), 3)])
def test_sums_by_group_along_any_axis_are_each_groups_sum(shape, axis):
    rng = np.random.default_rng(len(shape) * 10 + axis)
    values = rng.normal(size=shape)
    index = np.array([2, 0, 2, 4, 0, 2, 4])  # groups 1 and 3 empty, 5 beyond the last used
    summed = linearisation._sum_by(values, index, 6, axis)
    moved = np.moveaxis(values, axis, -1)
    expected = np.stack([moved[..., index == group].sum(axis=-1) for group in range(6)], axis=-1)
    assert np.allclose(summed, np.moveaxis(expected, -1, axis), rtol=1e-14, atol=1e-15)
    # to the last bit what the same values give when their axis is already the last
    at_end = linearisation._sum_by(np.ascontiguousarray(moved), index, 6, -1)
    assert np.array_equal(summed, np.moveaxis(at_end, -1, axis))
