"""Every category's share under every variant, overall and by subgroup, in one typed table."""

import pytest

from pipeline.estimates import estimate_all
from pipeline.records import BOUNDS, DESIGN, FPC, SRS

GROUPS = [{"code": "a", "label": "A"}, {"code": "b", "label": "B"}]
YES_NO = [{"code": "no", "label": "No"}, {"code": "yes", "label": "Yes"}]


@pytest.fixture
def responses(make_responses):
    answers = ["yes", "yes", "no", "dk", "yes", "no", "yes", "no"]
    rows = [{"rid": f"r{i}", "group": "ab"[i % 2], "q": a} for i, a in enumerate(answers)]
    questions = [{"id": "group", "type": "single_choice", "codes": GROUPS},
                 {"id": "q", "type": "single_choice", "codes": YES_NO, "missing": {"dont_know": ["dk"]}}]
    return make_responses(rows, {"respondent_id": "rid", "population_size": 20}, questions,
                          {"fpc": True, "subgroups": ["group"]},
                          measures=[{"id": "says_yes", "question": "q", "categories": ["yes"], "base": "valid"}])


def test_shares_are_over_valid_answers_and_dont_know_leaves_the_base(responses):
    table = estimate_all(responses)
    share = table.get("q", "yes")
    assert (share.n, share.estimate) == (7, pytest.approx(4 / 7))
    assert table.get("q", "yes", "group", "a").estimate == pytest.approx(3 / 4)  # rows 0, 2, 4, 6: yes no yes yes
    assert table.get("q", "yes", "group", "b").estimate == pytest.approx(1 / 3)  # rows 1, 3, 5, 7: yes dk no no


def test_each_variant_is_a_record_of_its_own(responses):
    table = estimate_all(responses)
    srs, fpc = table.get("says_yes", "yes", variant=SRS), table.get("says_yes", "yes", variant=FPC)
    assert srs.estimate == fpc.estimate and srs.ci_method == "wilson" and fpc.fpc
    assert table.get("says_yes", "yes", variant=DESIGN) is None  # nothing beyond a simple random sample declared
    bounds = table.get("says_yes", "yes", variant=BOUNDS)
    assert (bounds.ci_low, bounds.ci_high) == (pytest.approx(4 / 20), pytest.approx((4 + 20 - 7) / 20))


def test_the_fpc_standard_error_is_the_domain_variance_shrunk_by_the_sampling_fraction(responses):
    """The 'don't know' answer stays in the design with z = 0 (R's svymean(na.rm = TRUE)): over
    all 8 units, z_i = (y_i - p) / 7 for the 7 valid answers, whose mean is 0, so
    V = (1 - 8/20) * 8/7 * sum z_i^2 = 0.6 * 8/7 * p (1 - p) / 7."""
    fpc = estimate_all(responses).get("q", "yes", variant=FPC)
    p = 4 / 7
    assert fpc.se == pytest.approx((0.6 * 8 / 7 * p * (1 - p) / 7) ** 0.5)


@pytest.mark.parametrize("method", ["logit", "beta"])
def test_infinite_degrees_of_freedom_are_recorded_except_for_beta(make_responses, method):
    rows = [{"rid": f"r{i}", "stratum": "st"[i % 2], "q": "yes" if i % 3 else "no"} for i in range(12)]
    questions = [{"id": "q", "type": "single_choice", "codes": YES_NO}]
    table = estimate_all(make_responses(rows, {"respondent_id": "rid", "strata": "stratum"}, questions,
                                        {"fpc": False, "df": "inf", "design_interval": method}))
    design = [e for e in table if e.variant == DESIGN]
    assert design and all(e.df == (10 if method == "beta" else float("inf")) for e in design)
