"""The JSON Schema and the docs' key tables say what the declaration says, section by section."""

import pytest

from pipeline.questionnaire.exports import KEY_TABLE_HEADER, KeyRow, json_schema, key_rows, key_table

MEASURE_KEYS = ["measures[].id", "measures[].question", "measures[].categories", "measures[].label",
                "measures[].base", "measures[].description", "measures[].finding"]


@pytest.fixture(scope="module")
def schema():
    return json_schema()


def test_the_top_level_requires_survey_design_and_questions(schema):
    """An editor flags a file without these three sections, as `validate` does."""
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert schema["required"] == ["survey", "design", "questions"]
    assert schema["properties"]["questions"]["items"] == {"$ref": "#/$defs/Question"}


def test_the_measure_section_shape(schema):
    """Required keys, no other keys, `base` one of its three words with `valid` the default."""
    measure = schema["$defs"]["Measure"]
    assert list(measure["properties"]) == ["id", "question", "categories", "label", "base", "description", "finding"]
    assert measure["required"] == ["id", "question", "categories"]
    assert measure["additionalProperties"] is False
    base = measure["properties"]["base"]
    assert base["anyOf"] == [{"enum": ["all", "asked", "valid"]}, {"type": "null"}]
    assert base["default"] == "valid"
    assert measure["properties"]["categories"]["items"] == {"type": ["string", "number"]}


def test_the_question_type_enum_lists_the_six_types(schema):
    """Completion in an editor offers exactly the documented question types."""
    assert schema["$defs"]["Question"]["properties"]["type"]["enum"] == [
        "single_choice", "scale", "yes_no", "multiple_choice", "numeric", "text"]


def test_a_renamed_key_and_one_or_a_list_in_the_schema(schema):
    """Routing's `in` is spelt as in the file and takes one code or a list."""
    condition = schema["$defs"]["Condition"]
    assert condition["required"] == ["question", "in"]
    text = {"type": ["string", "number"]}
    assert condition["properties"]["in"]["anyOf"] == [text, {"type": "array", "items": text}]


def test_the_format_version_is_a_constant(schema):
    """Only format 1 exists; any other number is refused by the schema too."""
    assert schema["properties"]["format"]["const"] == 1


def section_rows(text: str, heading: str) -> list[str]:
    """The key column of the table under one `## heading` of the docs."""
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    table = section.split(KEY_TABLE_HEADER + "\n", 1)[1].split("\n\n", 1)[0]
    return [line.split("`")[1] for line in table.splitlines() if line.startswith("| `")]


def test_the_docs_measures_table_lists_exactly_the_measure_keys(root):
    """The docs' table for `measures` holds each measure key once and nothing else."""
    text = (root / "docs" / "questionnaire-format.md").read_text(encoding="utf-8")
    assert section_rows(text, "`measures`") == MEASURE_KEYS
    assert [row.key for row in key_rows() if row.key.startswith("measures[].")] == MEASURE_KEYS


def test_key_rows_give_kind_required_and_default_in_words():
    """Choices list their words, a default taken from another key names it, flags are lowercase."""
    rows = {row.key: row for row in key_rows()}
    assert rows["measures[].base"] == KeyRow("measures[].base", "`all`, `asked` or `valid`", "no", "`valid`",
                                             "the denominator: all respondents, those asked, or valid answers")
    assert (rows["measures[].label"].default, rows["measures[].id"].required) == ("`id`", "yes")
    assert rows["analysis.fpc"].default == "`true`" and rows["analysis.fpc"].kind == "true or false"
    assert rows["missing_codes.refused"].kind == "text or list of text"
    assert rows["format"].kind == "number"


def test_a_section_used_twice_is_listed_once_and_referred_to():
    """A question's `missing` has the keys of `missing_codes`; they are not listed again."""
    rows = {row.key: row for row in key_rows()}
    assert rows["questions[].missing"].what.endswith("; the keys of `missing_codes`")
    assert not any(key.startswith("questions[].missing.") for key in rows)


def test_a_key_row_as_markdown():
    """One table row per key, in the column order of the header."""
    row = KeyRow("survey.id", "text", "yes", "", "the id")
    assert row.markdown() == "| `survey.id` | text | yes |  | the id |"
    assert key_table().splitlines()[:2] == [KEY_TABLE_HEADER, "|---|---|---|---|---|"]
