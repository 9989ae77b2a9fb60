"""A claim is checked against the unweighted share on the base and domain it names."""

import math

from pipeline.findings import check_claims
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
