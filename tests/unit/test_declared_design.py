"""The design is read as R's svydesign reads it, and refused where R would refuse it."""

import numpy as np
import pytest

from pipeline.declared_design import check_lonely_psus, declare_design
from pipeline.errors import AnswersError

from .conftest import YES_NO

QUESTIONS = [{"id": "q", "type": "single_choice", "codes": YES_NO}]


def stratified(make_responses, sizes, strata=("s1", "s1", "s2", "s2", "s2"), fpc=True, **design):
    rows = [{"rid": f"r{i}", "stratum": s, "size": str(n), "q": "yes"}
            for i, (s, n) in enumerate(zip(strata, sizes, strict=True))]
    return make_responses(rows, {"respondent_id": "rid", "strata": "stratum", "population_size": "size", **design},
                          QUESTIONS, {"fpc": fpc})


def test_weights_are_population_over_sample_per_stratum(make_responses):
    declared = declare_design(stratified(make_responses, [10, 10, 30, 30, 30]))
    assert declared.weights.tolist() == [5.0, 5.0, 10.0, 10.0, 10.0]  # 10/2 and 30/3
    assert declared.stratum_labels == ("s1", "s2") and declared.psus.tolist() == [2.0, 3.0]
    assert "N_h/n_h" in declared.derived_weights_words


def test_a_population_smaller_than_its_sample_is_refused(make_responses):
    with pytest.raises(AnswersError) as caught:
        declare_design(stratified(make_responses, [10, 10, 2, 2, 2]))
    (issue,) = caught.value.issues
    assert issue.code == "population-too-small" and "stratum 's2'" in issue.found


def test_a_stratum_with_two_population_sizes_is_refused(make_responses):
    with pytest.raises(AnswersError) as caught:
        declare_design(stratified(make_responses, [10, 12, 30, 30, 30]))
    assert caught.value.codes == ["inconsistent-population-size"]


def test_a_lonely_psu_stops_the_run(make_responses):
    responses = stratified(make_responses, [10, 30, 30, 30, 30], strata=("s1", "s2", "s2", "s2", "s2"))
    with pytest.raises(AnswersError) as caught:
        check_lonely_psus(responses, declare_design(responses))
    assert caught.value.codes == ["lonely-psu"] and "stratum 's1'" in caught.value.issues[0].found


def test_a_stratum_taken_whole_escapes_the_lonely_psu_rule_only_with_the_fpc(make_responses):
    whole = [1, 30, 30, 30, 30]
    strata = ("s1", "s2", "s2", "s2", "s2")
    responses = stratified(make_responses, whole, strata=strata)
    check_lonely_psus(responses, declare_design(responses))  # no error: nothing to estimate there
    responses = stratified(make_responses, whole, strata=strata, fpc=False)
    with pytest.raises(AnswersError):
        check_lonely_psus(responses, declare_design(responses))


def test_given_weights_are_used_as_they_are(make_responses):
    rows = [{"rid": f"r{i}", "w": w, "q": "no"} for i, w in enumerate(["1.5", "2", "0.25"])]
    declared = declare_design(make_responses(rows, {"respondent_id": "rid", "weights": "w"}, QUESTIONS))
    assert np.array_equal(declared.weights, [1.5, 2.0, 0.25]) and declared.derived_weights_words is None
