"""The questionnaire format is declared once (pipeline/questionnaire/model.py): the committed JSON
Schema and the key tables of docs/questionnaire-format.md must equal what that declaration says."""

import re

from pipeline.cli import main
from pipeline.questionnaire import QuestionType, load_questionnaire
from pipeline.questionnaire.exports import KEY_TABLE_HEADER, key_rows, schema_text

SCHEMA_LINE = "# yaml-language-server: $schema=../docs/questionnaire.schema.json"


def documented_key_rows(text: str) -> list[str]:
    """The rows of every key table in the docs, in order."""
    rows, in_table = [], False
    for line in text.splitlines():
        if line == KEY_TABLE_HEADER:
            in_table = True
        elif in_table and line.startswith("| `"):
            rows.append(line)
        elif not line.startswith("|"):
            in_table = False
    return rows


def test_the_committed_json_schema_is_fresh(root):
    committed = (root / "docs" / "questionnaire.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), "run: python -m pipeline schema > docs/questionnaire.schema.json"


def test_the_schema_command_prints_the_committed_schema(root, capsys):
    assert main(["schema"]) == 0
    assert capsys.readouterr().out == (root / "docs" / "questionnaire.schema.json").read_text(encoding="utf-8")


def test_every_declared_key_is_documented_and_no_other(root):
    text = (root / "docs" / "questionnaire-format.md").read_text(encoding="utf-8")
    documented = documented_key_rows(text)
    declared = [row.markdown() for row in key_rows()]
    keys = [row.key for row in key_rows()]
    assert len(set(keys)) == len(keys) > 80
    # python -m pipeline schema --tables prints the declared rows
    assert set(documented) - set(declared) == set(), "rows the schema does not declare, or declares otherwise"
    assert set(declared) - set(documented) == set(), "declared keys missing from the docs"
    assert len(documented) == len(set(documented)), "a key documented twice"


def test_the_documented_question_types_are_the_enum(root):
    text = (root / "docs" / "questionnaire-format.md").read_text(encoding="utf-8")
    section = text.split("### `type`", 1)[1].split("\n\n", 2)[1]
    documented = re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE)
    assert documented == [t.value for t in QuestionType]


def test_bundled_questionnaires_name_the_schema_and_load(root):
    for path in sorted((root / "questionnaires").glob("*.yaml")):
        assert path.read_text(encoding="utf-8").splitlines()[0] == SCHEMA_LINE, path
        assert load_questionnaire(path).survey.id == path.stem


def test_question_type_properties():
    coded = {t for t in QuestionType if t.has_codes}
    assert {t for t in QuestionType if t.is_categorical} | {QuestionType.MULTIPLE_CHOICE} == coded
    assert {t for t in QuestionType if t.requires_codes} == coded - {QuestionType.YES_NO}
    assert [t for t in QuestionType if not t.has_codes] == [QuestionType.NUMERIC, QuestionType.TEXT]
    assert QuestionType.YES_NO.default_codes == (("yes", "Yes"), ("no", "No"))
