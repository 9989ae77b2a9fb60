"""A claim is checked against the unweighted share on the base and domain it names."""

import math

from pipeline.findings import SAME_ON_EVERY_BASE, check_claims, other_bases_text
from pipeline.records import DESIGN, SRS, Estimate, EstimateTable

YES_NO = [{"code": "no", "label": "No"}, {"code": "yes", "label": "Yes"}]


def test_a_claim_is_met_when_the_unweighted_share_is_inside_its_interval(make_responses):
    rows = [{"rid": f"r{i}", "q": "yes" if i < 7 else "no"} for i in range(10)]
    responses = make_responses(rows, {"respondent_id": "rid"}, [{"id": "q", "type": "single_choice", "codes": YES_NO}],
                               measures=[{"id": "says_yes", "question": "q", "categories": ["yes"], "base": "valid"}],
                               claims=[{"id": "most", "source": "s", "wording": "most", "statistic": "share",
                                        "measure": "says_yes", "reasoning": "r",
                                        "interval": {"low": 0.5, "high": 1.0}}])
    q = responses.questionnaire

    def share(value: float, variant: str) -> Estimate:
        return Estimate("unit", "says_yes", "yes", "", "", variant, 10, "valid answers", value, 0.1, 0, 1, "wilson",
                        variant == DESIGN, False, math.nan)

    met = check_claims(q, EstimateTable([share(0.7, SRS), share(0.3, DESIGN)]), 10)
    assert met["verdict"].tolist() == ["met"] and met["reproduced"].tolist() == [0.7]
    not_met = check_claims(q, EstimateTable([share(0.4, SRS), share(0.9, DESIGN)]), 10)
    assert not_met["verdict"].tolist() == ["not met"]


def test_a_claim_is_checked_on_the_other_bases_and_says_which_verdict_each_gives(make_responses):
    answers = ["yes"] * 5 + ["no"] * 3 + ["dk"] * 2  # 5 of 10 asked, 5 of 8 valid
    rows = [{"rid": f"r{i}", "q": a} for i, a in enumerate(answers)]
    question = {"id": "q", "type": "single_choice", "codes": YES_NO, "missing": {"dont_know": ["dk"]}}
    responses = make_responses(rows, {"respondent_id": "rid"}, [question],
                               measures=[{"id": "says_yes", "question": "q", "categories": ["yes"], "base": "all"}],
                               claims=[{"id": "half", "source": "s", "wording": "half", "statistic": "share",
                                        "measure": "says_yes", "reasoning": "r",
                                        "interval": {"low": 0.45, "high": 0.55}}])
    q = responses.questionnaire
    estimate = Estimate("unit", "says_yes", "yes", "", "", SRS, 10, "all respondents", 0.5, 0.1, 0, 1, "wilson",
                        False, False, math.nan)
    findings = check_claims(q, EstimateTable([estimate]), 10, responses)
    assert findings["verdict"].tolist() == ["met"]
    # everyone was asked, so "asked" is the claim's own base and is not repeated
    assert findings["other_bases"].tolist() == ["valid: 5 of 8 (62.5%), not met"]


def test_other_bases_keep_a_small_base_figure_back_but_give_its_verdict():
    assert other_bases_text([("valid", 2, 3, False)], suppress_below=5) == "valid: fewer than 5 answers, not met"
    assert other_bases_text([], suppress_below=5) == SAME_ON_EVERY_BASE


def test_other_bases_withhold_every_figure_when_the_claims_own_base_is_suppressed():
    text = other_bases_text([("all", 2, 40, False)], suppress_below=5, figures=False)
    assert text.endswith(", not met") and "40" not in text and "%" not in text
