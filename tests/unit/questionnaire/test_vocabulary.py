"""Each question type says which keys and checks apply to it; the enums compare equal to their words."""

import pytest

from pipeline.questionnaire.vocabulary import Base, MissingKind, QuestionType, WeightingMethod

SC, SCALE, YN, MC, NUM, TEXT = (QuestionType.SINGLE_CHOICE, QuestionType.SCALE, QuestionType.YES_NO,
                                QuestionType.MULTIPLE_CHOICE, QuestionType.NUMERIC, QuestionType.TEXT)

# property: the types for which it is true (every other type: false), as docs/questionnaire-format.md says
TRUE_FOR = {
    "has_codes": {SC, SCALE, YN, MC},
    "requires_codes": {SC, SCALE, MC},
    "is_categorical": {SC, SCALE, YN},
    "is_multiple_choice": {MC},
    "is_numeric": {NUM},
    "is_free_text": {TEXT},
    "has_scale": {SCALE},
    "has_range": {NUM},
    "has_layout": {MC},
}


@pytest.mark.parametrize("prop", sorted(TRUE_FOR))
@pytest.mark.parametrize("qtype", list(QuestionType), ids=str)
def test_each_property_of_each_question_type(prop, qtype):
    """A wrong answer here lets a key or a check apply to the wrong type of question."""
    assert getattr(qtype, prop) is (qtype in TRUE_FOR[prop])


@pytest.mark.parametrize("qtype", list(QuestionType), ids=str)
def test_only_yes_no_has_default_codes(qtype):
    """`yes_no` may omit its codes (yes, then no); no other type gets codes it was not given."""
    expected = (("yes", "Yes"), ("no", "No")) if qtype is YN else ()
    assert qtype.default_codes == expected


def test_the_question_types_are_the_six_documented_words_in_order():
    """The docs' type table, the JSON Schema enum and messages list the types in this order."""
    assert [t.value for t in QuestionType] == ["single_choice", "scale", "yes_no", "multiple_choice",
                                               "numeric", "text"]


def test_a_member_compares_equal_to_and_prints_as_its_word():
    """Tables and messages show the word the file used, and code may compare with plain text."""
    assert QuestionType("yes_no") is YN
    assert YN == "yes_no" and f"{YN}" == "yes_no"
    assert Base.VALID == "valid" and WeightingMethod.NONE == "none"


def test_missing_kinds_are_in_report_order():
    """Reports list non-answers in this order: don't know, not applicable, refused."""
    assert [k.value for k in MissingKind] == ["dont_know", "not_applicable", "refused"]


def test_an_unknown_word_is_not_a_member():
    """A typo in a type cannot become a question type."""
    with pytest.raises(ValueError):
        QuestionType("single-choice")
