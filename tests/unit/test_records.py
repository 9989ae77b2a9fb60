"""Estimates are looked up by what they are, never by position or by decoding flags."""

import math

import pytest

from pipeline.records import BOUNDS, CSV_COLUMNS, DESIGN, SRS, Estimate, EstimateTable


def estimate(measure="m", category="yes", variant=SRS, n=10, value=0.5, note="", domain=("", ""), statistic="share"):
    return Estimate("s", measure, category, domain[0], domain[1], variant, n, "all respondents", value, 0.1,
                    value - 0.2, value + 0.2, "wilson", variant == DESIGN, False, math.nan, note, statistic)


def test_an_estimate_is_found_by_measure_category_domain_and_variant():
    table = EstimateTable([estimate(), estimate(variant=DESIGN, value=0.6), estimate(domain=("g", "a"), value=0.7)])
    assert table.get("m", "yes").estimate == 0.5
    assert table.get("m", "yes", variant=DESIGN).estimate == 0.6
    assert table.get("m", "yes", "g", "a").estimate == 0.7
    assert table.get("m", "yes", variant=BOUNDS) is None
    assert table.get("m", "no") is None


def test_two_estimates_with_one_key_are_refused():
    with pytest.raises(ValueError, match="two estimates"):
        EstimateTable([estimate(), estimate(value=0.4)])


def test_a_variant_must_be_named():
    with pytest.raises(ValueError, match="design variant"):
        estimate(variant="")


def test_a_note_is_appended_not_replaced():
    changed = estimate(note="first").with_note("second", estimate=math.nan)
    assert changed.note == "first; second" and math.isnan(changed.estimate)
    assert estimate().with_note("only").note == "only"


def test_the_frame_has_the_published_columns_in_order_with_the_new_ones_after_the_variant():
    frame = EstimateTable([estimate(), estimate(variant=DESIGN)]).frame()
    assert tuple(frame.columns) == CSV_COLUMNS and CSV_COLUMNS[15:] == ("variant", "statistic", "deff", "ess")
    assert frame["n"].dtype == "int64" and frame["weighted"].tolist() == [False, True]


@pytest.mark.parametrize("columns", [("measure",), ("n", "variant"), ("base", "survey", "fpc")])
def test_a_frame_of_some_columns_holds_each_estimates_values_in_them(columns):
    estimates = [estimate(), estimate(variant=DESIGN, n=7)]
    frame = EstimateTable(estimates).frame(columns)
    assert tuple(frame.columns) == columns
    assert [tuple(row) for row in frame.itertuples(index=False)] == [
        tuple(getattr(e, c) for c in columns) for e in estimates]


def test_counts_and_flags_are_whole_numbers_and_booleans_in_the_frame_however_they_were_given():
    frame = EstimateTable([estimate(n=12.0), estimate(variant=DESIGN, n=7.0)]).frame()
    assert frame["n"].dtype == "int64" and frame["n"].tolist() == [12, 7]
    assert frame["weighted"].dtype == bool and frame["fpc"].dtype == bool


def test_methods_are_listed_once_in_order_of_first_use():
    table = EstimateTable([estimate(), estimate(variant=DESIGN), estimate(measure="k")])
    assert table.methods == ("wilson",)
    assert table.has_variant(DESIGN) and not table.has_variant(BOUNDS)


def test_a_mean_and_a_share_of_the_same_measure_are_two_estimates_and_lookups_default_to_the_share():
    share, mean = estimate(), estimate(statistic="mean", value=41.5)
    table = EstimateTable([share, mean])
    assert table.get(share.measure, share.category) is share
    assert table.get(share.measure, share.category, statistic="mean") is mean
    with pytest.raises(ValueError, match="two estimates"):
        EstimateTable([mean, estimate(statistic="mean")])
