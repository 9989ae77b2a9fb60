"""Each kind of value is converted, or reported with its code, YAML line and key, then defaulted."""

import pytest

from pipeline.questionnaire.model import Analysis, Comparison, Measure, Survey
from pipeline.questionnaire.questions import Condition, MissingCodes
from pipeline.questionnaire.reading import Reader, describe, join
from pipeline.questionnaire.schema import declared_key
from pipeline.yamlsource import read_yaml

GOOD = """\
analysis:
  level: 0.9
  suppress_below: 10
  fpc: false
  interval: wald
  headline: [a, 2]
  comparisons:
    - {measure: a, by: group}
survey:
  title: 2009
  organisations: [One, Two]
"""

BAD = """\
analysis:
  level: high
  suppress_below: ten
  fpc: "yes"
  interval: exact
  headline: a
  comparisons: {measure: a}
survey:
  title: {en: Title}
  organisations: [One, [Two]]
"""


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(GOOD, encoding="utf-8")
    return Reader(read_yaml(path))


@pytest.fixture
def bad(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    return Reader(read_yaml(path))


def value(reader, section, name, top):
    return reader.value(declared_key(section, name), reader.doc.data[top], top)


def one_issue(reader):
    (issue,) = reader.issues
    return issue.code, issue.line, issue.key, issue.found, issue.expected


@pytest.mark.parametrize("section,name,top,expected", [
    (Survey, "title", "survey", "2009"),
    (Analysis, "suppress_below", "analysis", 10),
    (Analysis, "level", "analysis", 0.9),
    (Analysis, "fpc", "analysis", False),
    (Analysis, "interval", "analysis", ("wald",)),
    (Analysis, "headline", "analysis", ("a", "2")),
    (Analysis, "comparisons", "analysis", (Comparison(measure="a", by="group"),)),
])
def test_a_value_of_each_kind_is_converted(good, section, name, top, expected):
    """Text (a number read as its text), whole number, number, flag, choice, list and list of mappings."""
    assert value(good, section, name, top) == expected
    assert good.issues == []


def test_a_whole_number_is_an_int_and_a_number_a_float(good):
    """Suppression compares counts with an int; intervals compute with a float."""
    assert type(value(good, Analysis, "suppress_below", "analysis")) is int
    assert type(value(good, Analysis, "level", "analysis")) is float


@pytest.mark.parametrize("section,name,top,issue", [
    (Survey, "title", "survey", ("wrong-type", 9, "survey.title", "a mapping", "text")),
    (Analysis, "suppress_below", "analysis", ("wrong-type", 3, "analysis.suppress_below", "'ten'", "a number")),
    (Analysis, "level", "analysis", ("wrong-type", 2, "analysis.level", "'high'", "a number")),
    (Analysis, "fpc", "analysis", ("wrong-type", 4, "analysis.fpc", "'yes'", "true or false")),
    (Analysis, "interval", "analysis", ("invalid-value", 5, "analysis.interval", "'exact'",
                                        "one of: wilson, wilson-cc, clopper-pearson, agresti-coull, wald")),
    (Analysis, "headline", "analysis", ("wrong-type", 6, "analysis.headline", "'a'", "a list")),
    (Analysis, "comparisons", "analysis", ("wrong-type", 7, "analysis.comparisons", "a mapping", "a list")),
])
def test_a_value_of_the_wrong_kind_is_reported_where_it_is(bad, section, name, top, issue):
    """The documented code, the line of the key in the file and its path, what was found and expected."""
    value(bad, section, name, top)
    assert one_issue(bad) == issue


@pytest.mark.parametrize("section,name,top,default", [
    (Survey, "title", "survey", ""),
    (Analysis, "suppress_below", "analysis", 5),
    (Analysis, "level", "analysis", 0.95),
    (Analysis, "fpc", "analysis", True),
    (Analysis, "interval", "analysis", ("wilson",)),
    (Analysis, "headline", "analysis", ()),
])
def test_after_reporting_a_wrong_value_the_declared_default_is_used(bad, section, name, top, default):
    """Reading goes on with the default so that one run reports every problem."""
    assert value(bad, section, name, top) == default


def test_a_list_of_choices_keeps_its_order_and_names_a_bad_item_by_its_index(tmp_path):
    """The first method is the report's; a wrong or repeated item is reported at its index, an empty list too."""
    path = tmp_path / "choices.yaml"
    path.write_text("a:\n  interval: [clopper-pearson, wilson]\nb:\n  interval: [wilson, exact, wilson]\n"
                    "c:\n  interval: []\n", encoding="utf-8")
    reader = Reader(read_yaml(path))
    assert value(reader, Analysis, "interval", "a") == ("clopper-pearson", "wilson")
    assert value(reader, Analysis, "interval", "b") == ("wilson",)
    assert value(reader, Analysis, "interval", "c") == ("wilson",)
    found = [(i.code, i.line, i.key, i.found) for i in reader.issues]
    assert found == [("invalid-value", 4, "b.interval[1]", "'exact'"),
                     ("invalid-value", 4, "b.interval[2]", "'wilson' again"),
                     ("invalid-value", 6, "c.interval", "an empty list")]


def test_a_list_item_of_the_wrong_kind_names_its_index(bad):
    """`indexed` keys put the item's index in the key path."""
    value(bad, Survey, "organisations", "survey")
    assert one_issue(bad) == ("wrong-type", 10, "survey.organisations[1]", "a list", "text")


def test_a_mapping_with_an_unknown_and_a_missing_key(tmp_path):
    """A misspelt key is `unknown-key` listing the allowed keys; an absent required one `missing-key`."""
    path = tmp_path / "m.yaml"
    path.write_text("measures:\n  - id: m\n    questoin: q\n    categories: [a]\n", encoding="utf-8")
    reader = Reader(read_yaml(path))
    reader.keys(Measure, reader.doc.data["measures"][0], "measures[0]")
    found = [(i.code, i.line, i.key, i.expected) for i in reader.issues]
    assert found == [
        ("unknown-key", 3, "measures[0].questoin",
         "one of: base, categories, description, finding, id, label, question"),
        ("missing-key", 2, "measures[0].question", "the key 'question'"),
    ]


def test_a_list_where_a_mapping_belongs(tmp_path):
    """A section given as a list is `wrong-type`, and reads as an empty mapping."""
    path = tmp_path / "l.yaml"
    path.write_text("report:\n  - introduction\n", encoding="utf-8")
    reader = Reader(read_yaml(path))
    assert reader.mapping(reader.doc.data["report"], "report", {"introduction"}) == {}
    assert one_issue(reader) == ("wrong-type", 1, "report", "a list", "a mapping of keys to values")


def test_a_non_finite_number_is_an_invalid_value(tmp_path):
    """`.inf` and `.nan` are numbers to YAML but no population size or level."""
    path = tmp_path / "n.yaml"
    path.write_text("analysis:\n  level: .inf\n", encoding="utf-8")
    reader = Reader(read_yaml(path))
    assert value(reader, Analysis, "level", "analysis") == 0.95
    assert one_issue(reader) == ("invalid-value", 2, "analysis.level", "inf", "a finite number")


def test_one_or_a_list_and_null_meaning_none():
    """Missing codes and routing's `in` take a single code; a null kind means no codes of it."""
    reader = Reader(None)  # type: ignore[arg-type]  # no issue is expected, so no document is needed
    assert reader.value(declared_key(Condition, "in"), {"in": "yes"}, "asked_if") == ("yes",)
    assert reader.value(declared_key(Condition, "in"), {"in": ["yes", 2]}, "asked_if") == ("yes", "2")
    assert reader.value(declared_key(MissingCodes, "refused"), {"refused": None}, "missing") == ()
    assert reader.value(declared_key(MissingCodes, "refused"), {}, "missing") is None


def test_a_default_taken_from_another_key():
    """A measure's label defaults to its id when read with the id known."""
    reader = Reader(None)  # type: ignore[arg-type]
    values = reader.values(Measure, {"id": "agrees", "question": "q", "categories": ["a"]}, "measures[0]")
    assert (values["label"], values["base"], values["description"]) == ("agrees", "valid", None)


def test_a_fraction_where_a_whole_number_belongs_is_reported(tmp_path):
    """`suppress_below: 2.5` is not a whole number; reading it as 2 changes what is published."""
    path = tmp_path / "w.yaml"
    path.write_text("analysis:\n  suppress_below: 2.5\n", encoding="utf-8")
    reader = Reader(read_yaml(path))
    value(reader, Analysis, "suppress_below", "analysis")
    assert [i.key for i in reader.issues] == ["analysis.suppress_below"]


@pytest.mark.parametrize("raw,text", [
    (None, "nothing"), ({"a": 1}, "a mapping"), ([1], "a list"), (True, "the boolean true"), (3, "'3'"),
])
def test_describe_names_what_was_found(raw, text):
    """Messages say what was found in words a reader of the YAML file knows."""
    assert describe(raw) == text


def test_join_builds_key_paths():
    """The top level has no prefix; nested keys are dotted."""
    assert join("", "survey") == "survey" and join("survey", "id") == "survey.id"
