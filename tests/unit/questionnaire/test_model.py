"""What later stages ask of the frozen questionnaire: claims' intervals, columns, look-ups, defaults."""

import dataclasses

import pytest

from pipeline.questionnaire.model import (
    Answers,
    Claim,
    ClaimInterval,
    Design,
    Domain,
    Frame,
    FrameCell,
    Measure,
    Population,
    Questionnaire,
    ReportText,
    Weighting,
)
from pipeline.questionnaire.questions import Code, Question
from pipeline.questionnaire.vocabulary import OnInvalid, QuestionType, WeightingMethod


def claim(low, high, include_low=True, include_high=False):
    return Claim(id="c", interval=ClaimInterval(low=low, high=high, include_low=include_low,
                                                include_high=include_high))


@pytest.mark.parametrize("include_low,include_high,inside", [
    (True, False, [0.5]),
    (False, True, [0.8]),
    (True, True, [0.5, 0.8]),
    (False, False, []),
])
def test_a_claim_contains_its_ends_only_when_they_are_included(include_low, include_high, inside):
    """"More than half" must not be met by exactly 0.5; a verdict turns on this."""
    c = claim(0.5, 0.8, include_low, include_high)
    assert [v for v in (0.4, 0.5, 0.8, 0.9) if c.contains(v)] == inside
    assert c.contains(0.65)


def test_a_claim_interval_is_written_with_brackets_for_included_ends():
    """The report shows the interval the wording is taken to mean, ends marked as in maths."""
    assert claim(0.5, 1.0, include_low=False, include_high=True).interval_text == "(0.5, 1]"
    assert claim(0.25, 0.75).interval_text == "[0.25, 0.75)"


def test_a_claim_interval_defaults_to_low_included_high_excluded():
    """The documented defaults: include_low true, include_high false."""
    interval = ClaimInterval(low=0.1, high=0.2)
    assert (interval.include_low, interval.include_high) == (True, False)


def test_a_domain_unpacks_as_variable_and_value():
    """Estimation code writes `variable, value = claim.domain`."""
    variable, value = Domain(variable="group", value="a")
    assert (variable, value) == ("group", "a")


def test_population_without_a_frame_has_no_variables_or_cells():
    """Weighting asks for frame variables whether or not a frame was given."""
    assert Population().variables == () and Population().cells == ()
    frame = Frame(variables=("group",), cells=(FrameCell(values=("a",), count=6),))
    assert Population(frame=frame).variables == ("group",)
    assert Population(frame=frame).cells[0].count == 6


def test_design_without_weighting_means_method_none():
    """An unweighted design is calibrated to nothing."""
    assert Design().weighting_method is WeightingMethod.NONE and Design().weighting_variables == ()
    weighted = Design(weighting=Weighting(method=WeightingMethod.RAKE, variables=("group",)))
    assert weighted.weighting_method == "rake" and weighted.weighting_variables == ("group",)


def test_questionnaire_defaults_and_answers_shortcuts():
    """Absent sections take their documented defaults: stop on invalid rows, comma-separated."""
    q = Questionnaire(path="x.yaml")
    assert q.on_invalid is OnInvalid.STOP and q.delimiter == ","
    assert Questionnaire(path="x.yaml", answers=Answers(delimiter=";")).delimiter == ";"
    assert (q.analysis.level, q.analysis.suppress_below, q.population.unit) == (0.95, 5, "units")


def test_report_text_holds_only_the_keys_given():
    """A missing report key falls back where it is used (the introduction to survey.description)."""
    assert Questionnaire(path="x.yaml").report_text == {}
    report = ReportText(limitations="Small sample.", recommendations=())
    assert Questionnaire(path="x.yaml", report=report).report_text == {"recommendations": (),
                                                                       "limitations": "Small sample."}


def small() -> Questionnaire:
    media = Question(id="media", type=QuestionType.MULTIPLE_CHOICE, codes=(Code(code="tv"), Code(code="web")))
    age = Question(id="age", type=QuestionType.NUMERIC)
    return Questionnaire(path="x.yaml", questions=(media, age),
                         measures=(Measure(id="tv_share", question="media", categories=("tv",)),),
                         design=Design(respondent_id="rid", strata="region", weights="w", clusters=("region",),
                                       population_size="region_size"))


def test_expected_columns_in_order_each_once():
    """The answers file must have exactly these columns; a repeated design column is listed once."""
    assert small().expected_columns == ("rid", "region", "w", "region_size", "media.tv", "media.web", "age")


def test_a_whole_number_population_size_is_not_a_column():
    """`population_size: 10` is a number, not a column to look for."""
    q = dataclasses.replace(small(), design=Design(respondent_id="rid", population_size=10))
    assert q.expected_columns == ("rid", "media.tv", "media.web", "age")


def test_look_ups_by_id_and_an_unknown_id_is_a_key_error():
    """Later stages find questions and measures by id; a wrong id must not pass silently."""
    q = small()
    assert q.question("age").type is QuestionType.NUMERIC
    assert q.measure("tv_share").categories == ("tv",)
    with pytest.raises(KeyError):
        q.question("tv_share")
    with pytest.raises(KeyError):
        q.measure("age")


def test_the_model_is_frozen():
    """Values read from the file cannot be changed by a later stage."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        small().survey.title = "changed"  # type: ignore[misc]
