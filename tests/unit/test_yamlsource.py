"""YAML is read with the line of every key, answer codes stay text, and mistakes point into the file."""

import pytest

from pipeline.errors import QuestionnaireError
from pipeline.yamlsource import read_yaml

TEXT = """\
survey:
  id: demo
questions:
  - id: q1
    codes: [yes, no, on, off]
  - id: q2
    date: 2009-02-01
flag: true
"""


def read(tmp_path, text, encoding="utf-8"):
    path = tmp_path / "q.yaml"
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return read_yaml(path)


def test_each_key_path_knows_its_line(tmp_path):
    document = read(tmp_path, TEXT)
    assert document.lines["survey.id"] == 2
    assert document.lines["questions[1].date"] == 7
    assert document.line("questions[0].codes[2]") == 5  # a list item without a key: its key's line
    assert document.line("questions[1].nothing.here") == 6  # the nearest enclosing path


def test_yes_no_on_off_stay_answer_codes_and_dates_stay_text(tmp_path):
    data = read(tmp_path, TEXT).data
    assert data["questions"][0]["codes"] == ["yes", "no", "on", "off"]
    assert data["questions"][1]["date"] == "2009-02-01"
    assert data["flag"] is True


def test_a_duplicate_key_is_an_error_with_its_line(tmp_path):
    with pytest.raises(QuestionnaireError) as caught:
        read(tmp_path, "a: 1\nb: 2\na: 3\n")
    (issue,) = caught.value.issues
    assert (issue.code, issue.line, issue.key) == ("duplicate-key", 3, "a")


@pytest.mark.parametrize("content,code,line", [
    ("", "yaml-empty", 1),
    ("a: [1, 2\nb: 3\n", "yaml-syntax", None),
    (b"a: 1\nb: caf\xe9\n", "yaml-encoding", 2),
    ("a: !!int abc\n", "yaml-syntax", 1),
])
def test_unreadable_yaml_is_a_questionnaire_error(tmp_path, content, code, line):
    with pytest.raises(QuestionnaireError) as caught:
        read(tmp_path, content)
    assert caught.value.codes == [code]
    if line is not None:
        assert caught.value.issues[0].line == line


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(QuestionnaireError) as caught:
        read_yaml(tmp_path / "absent.yaml")
    assert caught.value.codes == ["file-not-found"]


def test_an_issue_from_the_document_carries_file_line_and_key(tmp_path):
    document = read(tmp_path, TEXT)
    issue = document.issue("wrong-type", "survey.id", "'demo'", "a number")
    assert (issue.file, issue.line, issue.key) == (str(tmp_path / "q.yaml"), 2, "survey.id")
