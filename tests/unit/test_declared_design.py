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


def two_stage(make_responses, school_sizes, lonely_psu="fail", fpc=True):
    """Districts a (schools 1, 2) and b (schools 1, 2, 3) of 8 districts; each row a school."""
    districts, schools = ["a", "a", "b", "b", "b"], ["1", "2", "1", "2", "3"]
    rows = [{"rid": f"r{i}", "district": d, "school": s, "n1": "8", "n2": str(n), "q": "yes"}
            for i, (d, s, n) in enumerate(zip(districts, schools, school_sizes, strict=True))]
    design = {"respondent_id": "rid", "clusters": ["district", "school"], "population_size": ["n1", "n2"],
              "lonely_psu": lonely_psu}
    return make_responses(rows, design, QUESTIONS, {"fpc": fpc})


def test_multistage_weights_are_the_product_of_every_stages_population_over_sample(make_responses):
    declared = declare_design(two_stage(make_responses, [4, 4, 9, 9, 9]))
    assert declared.weights.tolist() == [8.0, 8.0, 12.0, 12.0, 12.0]  # 8/2 * 4/2 and 8/2 * 9/3
    (stage,) = declared.stages
    assert stage.sampled.tolist() == [2.0, 3.0] and stage.population.tolist() == [4.0, 9.0]
    assert "every stage" in declared.derived_weights_words


@pytest.mark.parametrize("sizes, code", [([4, 5, 9, 9, 9], "inconsistent-population-size"),
                                         ([4, 4, 2, 2, 2], "population-too-small")])
def test_a_later_stages_population_is_checked_per_cluster_above(make_responses, sizes, code):
    with pytest.raises(AnswersError) as caught:
        declare_design(two_stage(make_responses, sizes))
    (issue,) = caught.value.issues
    assert issue.code == code and "stage 2 (school)" in issue.found and "of district" in issue.found


def lonely_stage(make_responses, **kwargs):
    districts, schools = ["a", "a", "b"], ["1", "2", "1"]
    rows = [{"rid": f"r{i}", "district": d, "school": s, "n1": "8", "n2": "5", "q": "yes"}
            for i, (d, s) in enumerate(zip(districts, schools, strict=True))]
    design = {"respondent_id": "rid", "clusters": ["district", "school"], "population_size": ["n1", "n2"], **kwargs}
    return make_responses(rows, design, QUESTIONS, {"fpc": True})


@pytest.mark.parametrize("rule, code", [("fail", "lonely-psu"), ("average", "lonely-unit-average")])
def test_a_lonely_later_stage_unit_stops_under_fail_and_average(make_responses, rule, code):
    responses = lonely_stage(make_responses, lonely_psu=rule)
    with pytest.raises(AnswersError) as caught:
        check_lonely_psus(responses, declare_design(responses))
    assert caught.value.codes == [code]
    assert "cluster 'b' of district" in caught.value.issues[0].found


def test_a_lonely_later_stage_unit_passes_under_adjust(make_responses):
    responses = lonely_stage(make_responses, lonely_psu="adjust")
    check_lonely_psus(responses, declare_design(responses))
