"""The questionnaire decides the design variants; calibration meets the population frame."""

import numpy as np
import pytest

from pipeline.errors import AnswersError
from pipeline.survey_design import design_variants, has_full_design

from .conftest import GROUPS, YES_NO

QUESTIONS = [{"id": "group", "type": "single_choice", "codes": GROUPS},
             {"id": "q", "type": "single_choice", "codes": YES_NO}]
FRAME = {"size": 10,
         "frame": {"variables": ["group"], "cells": [{"group": "a", "count": 6}, {"group": "b", "count": 4}]}}


def rows(groups):
    return [{"rid": f"r{i}", "group": g, "q": "yes" if i % 2 else "no"} for i, g in enumerate(groups)]


def test_a_simple_sample_with_a_known_population_has_an_fpc_variant(make_responses):
    variants = design_variants(make_responses(rows("aabb"), {"respondent_id": "rid", "population_size": 10}, QUESTIONS))
    assert [(v.name, v.weighted, v.fpc) for v in variants] == [("srs", False, False), ("fpc", False, True)]
    fpc = variants[1].design
    assert fpc.sampling_fraction.tolist() == [0.4] and fpc.weights.tolist() == [2.5] * 4
    assert "(4 of 10)" in variants[1].description


def test_without_the_fpc_only_the_unweighted_variant_is_made(make_responses):
    responses = make_responses(rows("aabb"), {"respondent_id": "rid", "population_size": 10}, QUESTIONS,
                               {"fpc": False})
    assert [v.name for v in design_variants(responses)] == ["srs"]
    assert not has_full_design(responses.questionnaire)


def test_post_stratification_gives_each_cell_its_population_count(make_responses):
    design = {"respondent_id": "rid", "weighting": {"method": "poststratify", "variables": ["group"]}}
    responses = make_responses(rows("aaabb"), design, QUESTIONS, {"fpc": False}, population=FRAME)
    (full,) = [v for v in design_variants(responses) if v.name == "design"]
    assert full.design.weights.tolist() == [2.0, 2.0, 2.0, 2.0, 2.0]  # 6/3 and 4/2
    assert full.weighting.method == "post-stratification"
    assert full.weighting.design_effect == pytest.approx(1.0)
    assert "post-stratification to the population's counts by group" in full.description


def test_unequal_cells_give_unequal_weights_and_a_design_effect_above_one(make_responses):
    design = {"respondent_id": "rid", "weighting": {"method": "poststratify", "variables": ["group"]}}
    responses = make_responses(rows("aaaab"), design, QUESTIONS, {"fpc": False}, population=FRAME)
    (full,) = [v for v in design_variants(responses) if v.name == "design"]
    assert full.design.weights.tolist() == [1.5, 1.5, 1.5, 1.5, 4.0]
    # Kish: n sum(w^2) / (sum w)^2 = 5 * (4 * 2.25 + 16) / 10^2
    assert full.weighting.design_effect == pytest.approx(1.25)
    assert full.weighting.effective_sample_size == pytest.approx(4.0)


def test_a_frame_category_without_respondents_cannot_be_weighted(make_responses):
    design = {"respondent_id": "rid", "weighting": {"method": "poststratify", "variables": ["group"]}}
    responses = make_responses(rows("aaa"), design, QUESTIONS, {"fpc": False}, population=FRAME)
    with pytest.raises(AnswersError) as caught:
        design_variants(responses)
    assert caught.value.codes == ["cannot-weight"]


def test_strata_are_described_and_kept_in_the_design(make_responses):
    data = [dict(r, stratum="s1" if i < 2 else "s2") for i, r in enumerate(rows("aabb"))]
    responses = make_responses(data, {"respondent_id": "rid", "strata": "stratum"}, QUESTIONS, {"fpc": False})
    (full,) = [v for v in design_variants(responses) if v.name == "design"]
    assert full.design.n_strata == 2 and full.design.df == 2 and "2 strata" in full.description
    assert np.array_equal(full.design.strata, [0, 0, 1, 1])


@pytest.mark.parametrize("fpc", [True, False])
def test_a_multistage_design_keeps_its_later_stages_only_with_the_fpc(make_responses, fpc):
    data = [dict(r, district="d1" if i < 2 else "d2", school=str(i), n1="5", n2="3")
            for i, r in enumerate(rows("aabb"))]
    design = {"respondent_id": "rid", "clusters": ["district", "school"], "population_size": ["n1", "n2"]}
    (full,) = [v for v in design_variants(make_responses(data, design, QUESTIONS, {"fpc": fpc})) if v.name == "design"]
    assert len(full.design.stages) == (1 if fpc else 0)
    assert "2-stage cluster sample (2 units of district, 4 units of school)" in full.description
    assert ("R's multistage formula" in full.description) == fpc
    assert full.design.weights.tolist() == [3.75] * 4  # 5/2 * 3/2, whether or not the variance uses the fpc


def test_the_declared_design_is_checked_once_for_the_same_answers(make_responses, monkeypatch):
    from pipeline import survey_design

    data = [dict(r, stratum="s1" if i < 2 else "s2") for i, r in enumerate(rows("aabb"))]
    responses = make_responses(data, {"respondent_id": "rid", "strata": "stratum"}, QUESTIONS, {"fpc": False})
    calls = []
    declare = survey_design.declare_design
    monkeypatch.setattr(survey_design, "declare_design", lambda r: calls.append(1) or declare(r))
    first = survey_design.checked_design(responses)
    design_variants(responses)
    assert survey_design.checked_design(responses) is first and calls == [1]
