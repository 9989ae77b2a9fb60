"""Numeric questions and ratios become rows of every statistic, variant and subgroup."""

import math

import numpy as np
import pytest

from pipeline.estimates import estimate_all
from pipeline.records import DESIGN, FPC, SRS

GROUPS = [{"code": "a", "label": "A"}, {"code": "b", "label": "B"}, {"code": "c", "label": "C"}]
STATISTICS = ["mean", "total", "quantile:0.25", "quantile:0.5", "quantile:0.75"]


@pytest.fixture
def responses(make_responses):
    spend = ["10", "20", "", "40", "99", "5", "15", "30"]     # 99: refused
    visits = ["1", "2", "3", "4", "1", "1", "", "2"]
    rows = [{"rid": f"r{i}", "group": "ab"[i % 2], "w": str(1 + i % 3), "spend": s, "visits": v}
            for i, (s, v) in enumerate(zip(spend, visits, strict=True))]
    questions = [{"id": "group", "type": "single_choice", "codes": GROUPS},
                 {"id": "spend", "type": "numeric", "missing": {"refused": ["99"], "allow_blank": True}},
                 {"id": "visits", "type": "numeric", "missing": {"allow_blank": True}}]
    return make_responses(rows, {"respondent_id": "rid", "weights": "w", "population_size": 80}, questions,
                          {"fpc": True, "subgroups": ["group"],
                           "ratios": [{"id": "per_visit", "numerator": "spend", "denominator": "visits"}]})


def test_every_numeric_question_has_each_statistic_under_each_variant_and_subgroup(responses):
    table = estimate_all(responses)
    rows = [e for e in table if e.measure == "spend"]
    # srs and design (weights: no fpc variant), overall and for groups a, b, c, five statistics each
    assert len(rows) == 2 * 4 * 5
    assert [e.statistic for e in rows[:5]] == STATISTICS and {e.category for e in rows} == {""}
    mean = table.get("spend", "", variant=SRS, statistic="mean")
    answered = np.array([10, 20, 40, 5, 15, 30.0])            # blank and refused left out
    assert (mean.n, mean.estimate) == (6, pytest.approx(answered.mean()))
    assert mean.ci_method == "t" and table.get("spend", "", statistic="quantile:0.5").ci_method == "woodruff"
    weighted = table.get("spend", "", variant=DESIGN, statistic="total")
    w = np.array([1, 2, 1, 3, 1, 2.0])                        # weights of r0, r1, r3, r5, r6, r7
    assert weighted.estimate == pytest.approx((w * answered).sum()) and weighted.weighted
    assert weighted.ess == pytest.approx(w.sum() ** 2 / (w * w).sum())
    assert table.get("spend", "", variant=FPC, statistic="mean") is None


def test_a_subgroup_without_respondents_has_rows_that_say_so(responses):
    table = estimate_all(responses)
    empty = table.get("spend", "", "group", "c", SRS, "mean")
    assert empty.n == 0 and math.isnan(empty.estimate) and empty.note == "no respondents in the base"
    group_a = table.get("spend", "", "group", "a", SRS, "mean")
    assert (group_a.n, group_a.estimate) == (2, pytest.approx(12.5))  # r0 10, r2 blank, r4 refused, r6 15


def test_a_ratio_counts_respondents_answering_both(responses):
    table = estimate_all(responses)
    ratio = table.get("per_visit", "", variant=SRS, statistic="ratio")
    both = [(10, 1), (20, 2), (40, 4), (5, 1), (30, 2)]          # r2 no spend, r4 refused, r6 no visits
    assert ratio.n == 5 and ratio.estimate == pytest.approx(sum(s for s, _ in both) / sum(v for _, v in both))
    assert ratio.base == "respondents with valid answers to both spend and visits"


def test_a_quartile_whose_interval_passes_the_end_of_the_data_says_which_end_is_missing(make_responses):
    rows = [{"rid": f"r{i}", "x": str(v)} for i, v in enumerate([1, 1, 1, 1, 1, 1, 2, 3])]
    table = estimate_all(make_responses(rows, {"respondent_id": "rid"}, [{"id": "x", "type": "numeric"}],
                                        {"fpc": False}))
    low = table.get("x", "", statistic="quantile:0.25")  # 6 of 8 at or below 1: the share's interval passes 1
    assert low.estimate == low.ci_low == 1 and math.isnan(low.ci_high) and math.isnan(low.se)
    assert low.note.startswith("no upper end of the interval, and no standard error")
