"""A question's missing codes, scale, range, labels and columns, as later stages ask for them."""

import pytest

from pipeline.questionnaire.questions import Code, MissingCodes, Question, Range, Scale
from pipeline.questionnaire.vocabulary import Layout, MissingKind, QuestionType


def test_missing_codes_list_only_the_kinds_given_in_report_order():
    """A kind not given is None and is skipped; the order is don't know, not applicable, refused."""
    missing = MissingCodes(refused=("ref",), dont_know=("dk", "98"))
    assert list(missing.items()) == [(MissingKind.DONT_KNOW, ("dk", "98")), (MissingKind.REFUSED, ("ref",))]
    assert missing.codes == {"dk", "98", "ref"}


def test_the_kind_of_a_missing_code_and_none_for_an_answer():
    """Estimates exclude non-answers by kind; an answer code has no kind."""
    missing = MissingCodes(dont_know=("dk",), not_applicable=("na",))
    assert missing.kind_of("na") is MissingKind.NOT_APPLICABLE
    assert missing.kind_of("yes") is None


def test_a_questions_missing_codes_replace_the_defaults_kind_by_kind():
    """Own codes win for the kinds given; other kinds keep `missing_codes`; an empty list means none."""
    defaults = MissingCodes(dont_know=("dk",), refused=("ref",), allow_blank=True)
    own = MissingCodes(dont_know=("x",), refused=())
    merged = own.over(defaults)
    assert (merged.dont_know, merged.not_applicable, merged.refused, merged.allow_blank) == (
        ("x",), None, (), True)


def test_a_scale_side_by_name_and_an_unknown_side_is_the_default():
    """Charts ask for the sides by name; only the three sides are read."""
    scale = Scale(negative=("bad",), positive=("good", "great"))
    assert scale.get("positive") == ("good", "great") and scale.get("neutral") == ()
    assert scale.get("sideways", ("?",)) == ("?",)


@pytest.mark.parametrize("qtype,own,expected", [
    (QuestionType.TEXT, None, True),
    (QuestionType.TEXT, False, True),
    (QuestionType.SINGLE_CHOICE, None, False),
    (QuestionType.SINGLE_CHOICE, True, True),
])
def test_blanks_are_allowed_for_text_and_where_the_file_says(qtype, own, expected):
    """Free text may always be blank; other questions only with `allow_blank: true`."""
    assert Question(id="q", type=qtype, missing=MissingCodes(allow_blank=own)).allow_blank is expected


def test_range_bounds_and_no_range_means_no_bounds():
    """A numeric question without `range` accepts any number, fractions included."""
    ranged = Question(id="n", type=QuestionType.NUMERIC, range=Range(min=1, max=5, integer=True))
    assert (ranged.minimum, ranged.maximum, ranged.integer) == (1, 5, True)
    free = Question(id="n", type=QuestionType.NUMERIC)
    assert (free.minimum, free.maximum, free.integer) == (None, None, False)


def test_label_of_a_code_a_missing_code_and_an_unknown_code():
    """Tables show a code's label, a missing code as its kind in words, anything else as itself."""
    codes = (Code(code="1", label="Agree"), Code(code="2", label="Disagree"))
    q = Question(id="q", type=QuestionType.SINGLE_CHOICE, codes=codes, missing=MissingCodes(dont_know=("dk",)))
    assert q.code_values == ("1", "2")
    assert [q.label_of(c) for c in ("1", "2", "dk", "zz")] == ["Agree", "Disagree", "dont know", "zz"]
    assert q.missing_kind("dk") == "dont_know" and q.missing_kind("1") is None


@pytest.mark.parametrize("qtype,layout,columns", [
    (QuestionType.MULTIPLE_CHOICE, Layout.COLUMNS, ("travel.bus", "travel.train")),
    (QuestionType.MULTIPLE_CHOICE, Layout.DELIMITED, ("travel",)),
    (QuestionType.SINGLE_CHOICE, None, ("travel",)),
])
def test_columns_of_a_question(qtype, layout, columns):
    """Only multiple choice in columns takes one column per code, named `<id>.<code>`."""
    q = Question(id="travel", type=qtype, layout=layout, codes=(Code(code="bus"), Code(code="train")))
    assert q.columns == columns
