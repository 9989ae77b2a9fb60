"""YAML is read with the line of every key, answer codes stay text, and mistakes point into the file."""

from pathlib import Path

import pytest

from pipeline import yamlsource
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


ROOT = Path(__file__).resolve().parents[2]


def _read_with(monkeypatch, path, parser):
    """The document as one parser alone reads it (libyaml's, or PyYAML's own)."""
    if parser == "pyyaml":
        monkeypatch.setattr(yamlsource, "_LIBYAML", None)
    else:
        monkeypatch.setattr(yamlsource, "_Yaml12Loader", _refused)
    try:
        return read_yaml(path)
    finally:
        monkeypatch.undo()


def _refused(text):
    raise AssertionError("PyYAML's parser was used where libyaml's reads the file")


@pytest.mark.parametrize("name", sorted(p.relative_to(ROOT).as_posix() for p in
                                        [*ROOT.glob("questionnaires/*.yaml"), *ROOT.glob("raw/*.yaml")]))
def test_libyaml_reads_the_bundled_files_as_pyyaml_does(monkeypatch, name):
    """The same values (numbers keeping their written text), and the same line for every key."""
    fast, slow = (_read_with(monkeypatch, ROOT / name, parser) for parser in ("libyaml", "pyyaml"))
    assert fast.data == slow.data and fast.lines == slow.lines
    written = [(type(v), v.written) for v in _leaves(fast.data) if hasattr(v, "written")]
    assert written == [(type(v), v.written) for v in _leaves(slow.data) if hasattr(v, "written")]


def _leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def test_a_written_number_keeps_its_text_when_libyaml_reads_it(tmp_path, monkeypatch):
    path = tmp_path / "q.yaml"
    path.write_text("codes: [07, 1.50, '08', 3]\nlabel: plain?\n", encoding="utf-8")
    data = _read_with(monkeypatch, path, "libyaml").data
    assert [getattr(v, "written", None) for v in data["codes"]] == ["07", "1.50", None, "3"]
    assert data["codes"][2] == "08" and data["label"] == "plain?"


@pytest.mark.parametrize(("text", "found"), [
    ("a: [b?c]\n", "invalid YAML (expected ',' or ']', but got '?')"),
    ("a: {b: c?d}\n", "invalid YAML (expected ',' or '}', but got '?')"),
    ("a: b\tc\n", "invalid YAML (found character '\\t' that cannot start any token)"),
    ("a: |#\n  b\n", "invalid YAML (expected chomping or indentation indicators, but found '#')"),
])
def test_what_libyaml_would_accept_is_refused_as_pyyaml_refuses_it(tmp_path, text, found):
    """libyaml reads these; PyYAML (and so the pipeline, as before) refuses them, in its own words."""
    with pytest.raises(QuestionnaireError) as caught:
        read(tmp_path, text)
    (issue,) = caught.value.issues
    assert (issue.code, issue.line, issue.found) == ("yaml-syntax", 1, found)


@pytest.mark.parametrize(("text", "value"), [
    ("a: !\n", {"a": None}),
    ("? a\n: b\n", {"a": "b"}),
    ("a: [b, c]\nd: what? yes\n", {"a": ["b", "c"], "d": "what? yes"}),
])
def test_what_libyaml_reads_otherwise_is_read_as_pyyaml_reads_it(tmp_path, text, value):
    assert read(tmp_path, text).data == value
