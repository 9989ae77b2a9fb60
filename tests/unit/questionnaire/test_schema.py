"""The declaration functions read each key's kind, default and allowed values off a dataclass field."""

from dataclasses import dataclass, field

import pytest

from pipeline.questionnaire.model import Analysis, Answers, Design, Measure, Population, Survey
from pipeline.questionnaire.questions import Condition, Question
from pipeline.questionnaire.schema import (
    NO_DEFAULT,
    Key,
    Kind,
    declared,
    declared_key,
    key,
    key_names,
    required_names,
)
from pipeline.questionnaire.vocabulary import Base


@dataclass(frozen=True, kw_only=True)
class Sample:
    """A made-up section, one field of each shape the annotations can take."""

    name: str = field(metadata=key("no default"))
    size: int | None = field(default=None, metadata=key("an optional whole number"))
    share: float = field(default=0.5, metadata=key("a number"))
    on: bool = field(default=False, metadata=key("a flag"))
    base: Base = field(default=Base.ALL, metadata=key("a choice"))
    tags: tuple[str, ...] = field(default=(), metadata=key("a list of text"))
    inner: Condition | None = field(default=None, metadata=key("a section"))
    inners: tuple[Condition, ...] = field(default=(), metadata=key("a list of sections"))
    undeclared: str = "no metadata: not a key"


@dataclass(frozen=True)
class Unreadable:
    table: dict[str, int] = field(default_factory=dict, metadata=key("no YAML kind for a dict"))


def test_key_puts_its_declaration_under_the_key_metadata():
    """Every reader of the declaration looks for the declaration under 'key' in the field's metadata."""
    assert key("doc", required=True, indexed=True) == {
        "key": Key("doc", None, True, None, True, False, None)}


def test_each_annotation_gives_its_kind():
    """The kind decides how a value is read and how the schema and docs describe it."""
    kinds = {item.field: item.kind for item in declared(Sample)}
    assert kinds == {"name": Kind.TEXT, "size": Kind.WHOLE, "share": Kind.NUMBER, "on": Kind.FLAG,
                     "base": Kind.CHOICE, "tags": Kind.TEXTS, "inner": Kind.SECTION, "inners": Kind.SECTIONS}


def test_fields_without_a_declaration_are_not_keys():
    """A plain field (such as the questionnaire's path) is never read from the file."""
    assert "undeclared" not in key_names(Sample)


def test_optional_defaults_and_sections_are_read_off_the_field():
    """`X | None` is optional; a field with no default has NO_DEFAULT; a section names its class."""
    by_field = {item.field: item for item in declared(Sample)}
    assert by_field["size"].optional and not by_field["share"].optional
    assert by_field["name"].default is NO_DEFAULT and by_field["share"].default == 0.5
    assert by_field["inner"].section is Condition and by_field["inners"].section is Condition


def test_an_annotation_without_a_yaml_kind_is_refused():
    """A field the reader could not read must fail at declaration, not at parse time."""
    with pytest.raises(TypeError, match="table"):
        declared(Unreadable)


def test_an_explicit_kind_overrides_the_annotation():
    """Population size is annotated int but read as any number; population_size takes a column name too."""
    assert declared_key(Population, "size").kind is Kind.NUMBER
    assert declared_key(Design, "population_size").kind is Kind.WHOLE_OR_COLUMN


def test_the_yaml_name_may_differ_from_the_field():
    """Routing's codes are written `in` (a Python keyword), held as `values`."""
    item = declared_key(Condition, "in")
    assert (item.field, item.name, item.key.one_or_list) == ("values", "in", True)
    with pytest.raises(KeyError):
        declared_key(Condition, "values")


def test_allowed_values_come_from_the_enum():
    """The allowed values listed in messages, schema and docs are the enum's words, in order."""
    assert declared_key(Measure, "base").allowed == ("all", "asked", "valid")
    assert declared_key(Answers, "on_invalid").allowed == ("stop", "exclude")
    assert declared_key(Measure, "label").allowed == ()


@pytest.mark.parametrize("section,name,default", [
    (Analysis, "level", 0.95),
    (Analysis, "suppress_below", 5),
    (Analysis, "fpc", True),
    (Measure, "base", Base.VALID),
    (Answers, "delimiter", ","),
    (Population, "unit", "units"),
    (Question, "selected", "1"),
])
def test_defaults_are_the_documented_ones(section, name, default):
    """The value used when a key is absent is the one docs/questionnaire-format.md gives."""
    assert declared_key(section, name).default == default


def test_a_default_may_come_from_another_key():
    """A question's text defaults to its id, its label to its text."""
    assert declared_key(Question, "text").key.default_from == "id"
    assert declared_key(Question, "label").key.default_from == "text"


def test_keys_and_required_keys_in_declaration_order():
    """Unknown-key and missing-key checks use these lists."""
    assert key_names(Measure) == ("id", "question", "categories", "label", "base", "description", "finding")
    assert required_names(Measure) == ("id", "question", "categories")
    assert required_names(Survey) == ("id", "title")
