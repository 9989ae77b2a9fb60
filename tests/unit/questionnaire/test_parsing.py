"""A questionnaire file becomes the frozen model, or one error listing every problem with its line."""

import pytest

from pipeline.errors import QuestionnaireError
from pipeline.questionnaire.parsing import load_questionnaire
from pipeline.questionnaire.questions import Code, Condition, MissingCodes
from pipeline.questionnaire.vocabulary import Base, Layout, QuestionType

MINIMAL = """\
survey: {id: mini, title: Mini survey}
design: {respondent_id: rid}
missing_codes: {dont_know: dk, refused: [ref]}
questions:
  - id: owns
    type: yes_no
  - id: cars
    type: numeric
    asked_if: {question: owns, in: "yes"}
    range: {min: 0, max: 9}
  - id: colour
    type: single_choice
    text: Favourite colour?
    codes: [{code: r, label: Red}, {code: b}]
    missing: {dont_know: [], allow_blank: true}
measures:
  - id: owners
    question: owns
    categories: ["yes"]
"""


def load(tmp_path, text, name="mini"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return load_questionnaire(path)


def problems(tmp_path, text, name="mini"):
    """(code, line, key) of every issue reported."""
    with pytest.raises(QuestionnaireError) as caught:
        load(tmp_path, text, name)
    return [(i.code, i.line, i.key) for i in caught.value.issues]


def test_a_minimal_questionnaire_becomes_the_model(tmp_path):
    """Sections, types, routing and range as written; absent keys take their documented defaults."""
    q = load(tmp_path, MINIMAL)
    assert (q.path, q.format, q.survey.id, q.survey.title) == (str(tmp_path / "mini.yaml"), 1, "mini", "Mini survey")
    assert q.design.respondent_id == "rid" and q.answers.delimiter == ","
    assert [x.id for x in q.questions] == ["owns", "cars", "colour"]
    assert [x.type for x in q.questions] == [QuestionType.YES_NO, QuestionType.NUMERIC, QuestionType.SINGLE_CHOICE]
    cars = q.question("cars")
    assert cars.asked_if == Condition(question="owns", values=("yes",))
    assert (cars.minimum, cars.maximum, cars.integer) == (0, 9, False)
    assert q.measures[0].base is Base.VALID and q.measures[0].label == "owners"
    assert q.analysis.level == 0.95 and q.claims == ()


def test_yes_no_codes_default_to_yes_then_no(tmp_path):
    """A `yes_no` question without codes gets yes/Yes and no/No."""
    assert load(tmp_path, MINIMAL).question("owns").codes == (Code(code="yes", label="Yes"),
                                                             Code(code="no", label="No"))


def test_text_and_label_defaults_follow_the_id_and_the_text(tmp_path):
    """An absent text is the id; an absent label is the text; a code's absent label is the code."""
    q = load(tmp_path, MINIMAL)
    assert (q.question("cars").text, q.question("cars").label) == ("cars", "cars")
    colour = q.question("colour")
    assert (colour.text, colour.label) == ("Favourite colour?", "Favourite colour?")
    assert colour.codes[1] == Code(code="b", label="b")


def test_a_questions_missing_codes_override_the_defaults_kind_by_kind(tmp_path):
    """`colour` drops don't know and allows blanks; refused still comes from missing_codes."""
    q = load(tmp_path, MINIMAL)
    assert q.question("owns").missing == MissingCodes(dont_know=("dk",), refused=("ref",))
    assert q.question("colour").missing == MissingCodes(dont_know=(), refused=("ref",), allow_blank=True)


def test_layout_is_read_only_for_multiple_choice(tmp_path):
    """A layout means nothing on other types; multiple choice defaults to columns."""
    text = MINIMAL.replace("measures:", "  - id: media\n    type: multiple_choice\n    codes: [{code: tv}]\nmeasures:")
    q = load(tmp_path, text)
    assert q.question("media").layout is Layout.COLUMNS and q.question("colour").layout is None
    assert q.expected_columns == ("rid", "owns", "cars", "colour", "media.tv")


def test_a_measure_naming_an_undefined_question(tmp_path):
    """A typo in a measure's question is caught before any estimate, at the measure's line."""
    assert problems(tmp_path, MINIMAL.replace("\n    question: owns", "\n    question: own")) == [
        ("undefined-reference", 18, "measures[0].question")]


def test_a_measure_on_a_question_without_codes(tmp_path):
    """A share of a numeric question has no categories to count."""
    text = MINIMAL.replace("\n    question: owns", "\n    question: cars")
    assert problems(tmp_path, text) == [("wrong-question-type", 18, "measures[0].question")]


def test_a_measure_category_that_is_not_a_code(tmp_path):
    """Categories must be codes of the question, or the measure would count nobody."""
    text = MINIMAL.replace('categories: ["yes"]', "categories: [y]")
    assert problems(tmp_path, text) == [("undefined-code", 19, "measures[0].categories")]


def test_routing_to_an_undefined_code(tmp_path):
    """`in` must hold codes (or missing codes) of the routing question."""
    assert problems(tmp_path, MINIMAL.replace('in: "yes"', "in: [yes, maybe]")) == [
        ("undefined-code", 9, "questions[1].asked_if.in")]


def test_routing_may_use_a_missing_code(tmp_path):
    """Asking a follow-up of those who refused is allowed."""
    assert load(tmp_path, MINIMAL.replace('in: "yes"', "in: ref")).question("cars").asked_if.values == ("ref",)


def test_routing_to_an_undefined_question(tmp_path):
    """A routing question that does not exist is reported at `asked_if.question`."""
    assert problems(tmp_path, MINIMAL.replace("question: owns, in", "question: own, in")) == [
        ("undefined-reference", 9, "questions[1].asked_if.question")]


def test_a_routing_cycle_is_reported_once(tmp_path):
    """a -> b -> a would leave neither question ever asked; the cycle is one problem, not two."""
    text = """\
survey: {id: mini, title: Mini}
design: {respondent_id: rid}
questions:
  - id: a
    type: yes_no
    asked_if: {question: b, in: "yes"}
  - id: b
    type: yes_no
    asked_if: {question: a, in: "yes"}
  - id: c
    type: yes_no
    asked_if: {question: a, in: "no"}
"""
    with pytest.raises(QuestionnaireError) as caught:
        load(tmp_path, text)
    (issue,) = caught.value.issues
    assert (issue.code, issue.line, issue.key) == ("routing-cycle", 6, "questions[0].asked_if")
    assert issue.found == "a cycle a -> b -> a"


@pytest.mark.parametrize("old,new,found", [
    ("type: numeric", "type: numeric\n    codes: [{code: x}]", ("unexpected-key", 9, "questions[1].codes")),
    ("type: single_choice", "type: single_choice\n    scale: {negative: [r], positive: [b]}",
     ("unexpected-key", 13, "questions[2].scale")),
    ("type: yes_no", "type: yes_no\n    range: {min: 1}", ("unexpected-key", 7, "questions[0].range")),
    ("    codes: [{code: r, label: Red}, {code: b}]\n", "", ("missing-key", 11, "questions[2].codes")),
    ("range: {min: 0, max: 9}", "range: {min: 9, max: 0}", ("invalid-range", 10, "questions[1].range")),
])
def test_keys_that_do_not_fit_the_question_type(tmp_path, old, new, found):
    """Codes only where answers are codes, scale only on scale, range only on numeric."""
    assert problems(tmp_path, MINIMAL.replace(old, new)) == [found]


def test_an_unknown_question_type_is_an_invalid_value(tmp_path):
    """A typo in a type is reported at the type's line, before anything read on from it."""
    assert problems(tmp_path, MINIMAL.replace("type: single_choice", "type: choice"))[0] == (
        "invalid-value", 12, "questions[2].type")


def test_the_survey_id_must_be_the_file_name(tmp_path):
    """The id names the report folder, so the file `other.yaml` cannot hold survey `mini`."""
    assert problems(tmp_path, MINIMAL, name="other") == [("survey-id-mismatch", 1, "survey.id")]


def test_every_problem_is_reported_together(tmp_path):
    """One run lists them all, in the order of the file's sections."""
    text = MINIMAL.replace("title: Mini survey", "title: Mini, colour: red")
    text = text.replace("\n    question: owns", "\n    question: x")
    assert problems(tmp_path, text) == [("unknown-key", 1, "survey.colour"),
                                        ("undefined-reference", 18, "measures[0].question")]


def test_a_code_with_leading_zeros_keeps_its_digits(tmp_path):
    """Answers are read as text (`07` stays `07`), so a code must be too, or no answer matches it."""
    text = MINIMAL.replace("codes: [{code: r, label: Red}, {code: b}]", "codes: [{code: 07}, {code: 08}, {code: 010}]")
    assert load(tmp_path, text).question("colour").code_values == ("07", "08", "010")


@pytest.mark.parametrize("design, clusters, size", [
    ("{respondent_id: rid, clusters: school, population_size: 10}", ("school",), 10),
    ("{respondent_id: rid, clusters: [school], population_size: [n]}", ("school",), "n"),
    ("{respondent_id: rid, clusters: [district, school], population_size: [n1, 20]}", ("district", "school"),
     ("n1", 20)),
])
def test_clusters_and_population_sizes_take_one_per_stage(tmp_path, design, clusters, size):
    q = load(tmp_path, MINIMAL.replace("design: {respondent_id: rid}", f"design: {design}"))
    assert q.design.clusters == clusters and q.design.population_size == size
    assert q.design.first_clusters == clusters[0]
    assert q.design.stage_sizes == (size if isinstance(size, tuple) else (size,))


@pytest.mark.parametrize("design, code", [
    ("{respondent_id: rid, clusters: [district, school], population_size: [n1]}", "stage-count-mismatch"),
    ("{respondent_id: rid, clusters: [district, school], population_size: 10}", "stage-count-mismatch"),
    ("{respondent_id: rid, clusters: district, population_size: [n1, n2]}", "stage-count-mismatch"),
    ("{respondent_id: rid, clusters: [district, school], population_size: [n1, [n2]]}", "wrong-type"),
    ("{respondent_id: rid, clusters: [district, school], population_size: []}", "wrong-type"),
])
def test_population_sizes_must_be_one_per_stage(tmp_path, design, code):
    found = problems(tmp_path, MINIMAL.replace("design: {respondent_id: rid}", f"design: {design}"))
    assert code in str(found)


RATIOS = MINIMAL + """\
analysis:
  ratios:
    - id: cars_per_car
      numerator: cars
      denominator: cars
      label: Cars per car
"""


def test_a_ratio_of_two_numeric_questions_is_read_with_its_label(tmp_path):
    ratio = load(tmp_path, RATIOS).analysis.ratios[0]
    assert (ratio.id, ratio.numerator, ratio.denominator, ratio.label) == ("cars_per_car", "cars", "cars",
                                                                           "Cars per car")
    assert load(tmp_path, RATIOS.replace("      label: Cars per car\n", "")).analysis.ratios[0].label == "cars_per_car"


def test_a_ratio_needs_numeric_questions_and_an_id_of_its_own(tmp_path):
    text = RATIOS.replace("numerator: cars", "numerator: colour").replace("denominator: cars", "denominator: bus")
    assert problems(tmp_path, text) == [("wrong-question-type", 23, "analysis.ratios[0].numerator"),
                                        ("undefined-reference", 24, "analysis.ratios[0].denominator")]
    assert problems(tmp_path, RATIOS.replace("id: cars_per_car", "id: owners")) == [
        ("duplicate-id", 22, "analysis.ratios[0].id")]


def test_main_points_name_measures_and_are_at_most_six(tmp_path):
    """Page 1 is a summary: seven main points are refused, and each must be a defined measure."""
    seven = MINIMAL + "analysis:\n  main_points: [" + ", ".join(["owners"] * 7) + "]\n"
    assert problems(tmp_path, seven) == [("invalid-value", 21, "analysis.main_points")]
    unknown = MINIMAL + "analysis:\n  main_points: [owner]\n"
    assert [p[0] for p in problems(tmp_path, unknown)] == ["undefined-reference"]
    assert load(tmp_path, MINIMAL + "analysis:\n  main_points: [owners]\n").analysis.main_points == ("owners",)


def test_a_recommendation_rests_on_measures_or_on_none(tmp_path):
    """Evidence names measures; a recommendation without evidence is read as one with no survey measure."""
    report = """report:
  recommendations:
    - {text: Do it., reason: Because., evidence: [owners]}
    - {text: Spread good practice.}
"""
    q = load(tmp_path, MINIMAL + report)
    first, second = q.report.recommendations
    assert (first.text, first.reason, first.evidence) == ("Do it.", "Because.", ("owners",))
    assert (second.reason, second.evidence) == ("", ())
    typo = MINIMAL + report.replace("[owners]", "[owner]")
    assert [(code, key) for code, _, key in problems(tmp_path, typo)] == [
        ("undefined-reference", "report.recommendations[0].evidence[0]")]
