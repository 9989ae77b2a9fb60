"""The questionnaire's weighting done to the answers: margins, methods, convergence, trimming,
and the checks before and after that validation.json keeps."""

import numpy as np
import pytest
from survey_files import write_survey

from pipeline.errors import AnswersError, QuestionnaireError
from pipeline.questionnaire import load_questionnaire
from pipeline.survey_design import design_variants

from .conftest import GROUPS, YES_NO

REGIONS = [{"code": "n", "label": "North"}, {"code": "s", "label": "South"}]
QUESTIONS = [{"id": "group", "type": "single_choice", "codes": GROUPS},
             {"id": "region", "type": "single_choice", "codes": REGIONS},
             {"id": "q", "type": "single_choice", "codes": YES_NO}]
MARGINS = {"size": 100, "margins": [
    {"variable": "group", "levels": [{"code": "a", "count": 40}, {"code": "b", "count": 60}]},
    {"variable": "region", "levels": [{"code": "n", "count": 70}, {"code": "s", "count": 30}]}]}
GROUP_REGION = ["an", "an", "as", "bn", "bn", "bn", "bs", "as", "bn", "an"]


def rows(cells=GROUP_REGION):
    return [{"rid": f"r{i}", "group": c[0], "region": c[1], "q": "yes" if i % 3 else "no"}
            for i, c in enumerate(cells)]


def weighted(make_responses, weighting, cells=GROUP_REGION, population=MARGINS):
    design = {"respondent_id": "rid", "weighting": {"variables": ["group", "region"], **weighting}}
    responses = make_responses(rows(cells), design, QUESTIONS, {"fpc": False}, population=population)
    (full,) = [v for v in design_variants(responses) if v.name == "design"]
    return full


def margin_totals(full, cells=GROUP_REGION):
    w = full.design.weights
    group = np.array([c[0] == "b" for c in cells], dtype=int)
    region = np.array([c[1] == "s" for c in cells], dtype=int)
    return np.bincount(group, weights=w).tolist(), np.bincount(region, weights=w).tolist()


@pytest.mark.parametrize("weighting", [{"method": "rake"}, {"method": "rake", "epsilon": 1e-12, "max_iterations": 50},
                                       {"method": "calibrate"}, {"method": "calibrate", "calfun": "raking"}])
def test_weights_meet_one_table_per_variable(make_responses, weighting):
    full = weighted(make_responses, weighting)
    groups, regions = margin_totals(full)
    assert groups == pytest.approx([40, 60], rel=1e-6) and regions == pytest.approx([70, 30], rel=1e-6)
    summary = full.weighting
    assert summary.converged and summary.targets_met and summary.iterations >= 1
    checks = {(t.variable, t.level): t for t in summary.targets}
    assert checks[("group", "a")].target == 40 and checks[("group", "a")].respondents == 5
    assert checks[("region", "s")].weighted_total == pytest.approx(30, rel=1e-6)
    json = summary.to_json()
    assert json["converged"] is True and len(json["targets"]) == 4 and json["iterations"] == summary.iterations


def test_calibration_names_its_calfun_and_uses_regression_residuals(make_responses):
    full = weighted(make_responses, {"method": "calibrate", "calfun": "raking"})
    assert full.weighting.method == "raking calibration"
    assert full.design.calibration.model is not None
    linear = weighted(make_responses, {"method": "calibrate"})
    assert linear.weighting.method == "linear calibration (GREG)" and linear.weighting.iterations == 1


def test_raking_that_does_not_converge_stops_or_warns_as_the_questionnaire_says(make_responses):
    control = {"method": "rake", "epsilon": 1e-12, "max_iterations": 1}
    with pytest.raises(AnswersError) as caught:
        weighted(make_responses, control)
    assert caught.value.codes == ["cannot-weight"]
    assert "raking did not converge in 1 pass " in caught.value.issues[0].found
    full = weighted(make_responses, {**control, "on_not_converged": "warn"})
    assert not full.weighting.converged
    assert any("did not converge" in w for w in full.weighting.warnings)
    assert any(w.startswith("target not met: group") for w in full.weighting.warnings)


def test_a_level_with_population_but_no_respondents_is_named(make_responses):
    cells = [c for c in GROUP_REGION if c[1] != "s"]
    with pytest.raises(AnswersError) as caught:
        weighted(make_responses, {"method": "rake"}, cells)
    assert caught.value.codes == ["cannot-weight"]
    assert caught.value.issues[0].found == "region = s: target 30, 0 respondents"


def test_a_small_level_is_named_in_a_warning(make_responses):
    full = weighted(make_responses, {"method": "calibrate", "small_cell": 4})
    assert full.weighting.warnings == ("small target: region = s: target 30, 3 respondents (fewer than 4)",)


def test_bounds_hold_calibrated_over_starting_weights(make_responses):
    def calibrated(weighting):
        design = {"respondent_id": "rid", "weights": "w",
                  "weighting": {"variables": ["group", "region"], "method": "calibrate", **weighting}}
        data = [dict(r, w="10") for r in rows()]
        (full,) = [v for v in design_variants(make_responses(data, design, QUESTIONS, {"fpc": False},
                                                             population=MARGINS)) if v.name == "design"]
        return full

    full = calibrated({"bounds": {"lower": 0.5, "upper": 1.25}})
    free = calibrated({})
    g, g_free = full.design.weights / 10, free.design.weights / 10
    assert g_free.max() > 1.25 and g.max() <= 1.25 + 1e-9 and g.min() >= 0.5 - 1e-9
    assert full.weighting.converged


def test_trimming_without_calibration(make_responses):
    data = [dict(r, w=str(w)) for r, w in zip(rows(), [1, 1, 1, 1, 1, 1, 1, 1, 1, 11], strict=True)]
    design = {"respondent_id": "rid", "weights": "w", "weighting": {"method": "none", "trim": {"upper": 5}}}
    responses = make_responses(data, design, QUESTIONS, {"fpc": False})
    (full,) = [v for v in design_variants(responses) if v.name == "design"]
    assert full.design.weights.tolist() == pytest.approx([1 + 6 / 9] * 9 + [5.0])  # the 6 cut off, shared
    assert full.weighting.trimmed == 1 and "1 weight trimmed (R's trimWeights)" in full.description


def test_margins_must_count_the_same_population(tmp_path):
    region = {"variable": "region", "levels": [{"code": "n", "count": 70}, {"code": "s", "count": 3}]}
    population = {"margins": [MARGINS["margins"][0], region]}
    q_path, _ = write_survey(tmp_path, "unit", rows(), {"respondent_id": "rid"}, QUESTIONS, population=population)
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(q_path)
    assert [i.code for i in caught.value.issues] == ["margin-total"]


def test_poststratification_needs_the_joint_frame(tmp_path):
    design = {"respondent_id": "rid", "weighting": {"method": "poststratify", "variables": ["group"]}}
    q_path, _ = write_survey(tmp_path, "unit", rows(), design, QUESTIONS, population=MARGINS)
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(q_path)
    assert "undefined-reference" in [i.code for i in caught.value.issues]
