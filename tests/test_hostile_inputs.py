"""Hostile inputs get a prompt, clear input error (exit 2, no traceback), never a hang, a crash or a
flood of text: resource limits, wide encodings, NFC identifiers. Hang cases run the command line
in a subprocess with a timeout."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.errors import AnswersError, Issue, QuestionnaireError
from pipeline.ingest import MAX_FIELD_CHARS, read_answers
from pipeline.questionnaire import load_questionnaire
from pipeline.run import load_and_check
from pipeline.yamlsource import MAX_QUESTIONNAIRE_BYTES

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "broken"
BASE_YAML = (DATA / "base.yaml").read_text(encoding="utf-8")
BASE_CSV = (DATA / "base.csv").read_text(encoding="utf-8")


def run_cli(*args: str, timeout: float = 10) -> subprocess.CompletedProcess:
    """The command line in a fresh process, killed if it outlives `timeout` seconds."""
    return subprocess.run([sys.executable, "-m", "pipeline", "validate", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def questionnaire(tmp_path: Path, text: str, stem: str = "base") -> Path:
    path = tmp_path / f"{stem}.yaml"
    path.write_text(text.replace("  id: base\n", f"  id: {stem}\n", 1), encoding="utf-8")
    return path


def codes_of(error: pytest.ExceptionInfo) -> list[str]:
    return error.value.codes


def test_an_alias_bomb_is_refused_in_seconds(tmp_path):
    bomb = "x1: &x1 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 9) + "]\n" for i in range(2, 10))
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb, encoding="utf-8")
    result = run_cli(str(path), timeout=20)
    assert result.returncode == 2 and "[yaml-too-complex]" in result.stderr and "Traceback" not in result.stderr


def test_a_recursive_alias_is_refused(tmp_path):
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(questionnaire(tmp_path, BASE_YAML + "loop: &loop [*loop]\n"))
    assert codes_of(caught) == ["yaml-too-complex"]


@pytest.mark.parametrize("nested", ["[" * 3000 + "]" * 3000, "{a: " * 3000 + "1" + "}" * 3000])
def test_deep_nesting_is_an_input_error_not_a_recursion_error(tmp_path, nested):
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(questionnaire(tmp_path, BASE_YAML.replace("unit: people", f"unit: {nested}")))
    assert codes_of(caught) == ["yaml-too-complex"] and caught.value.issues[0].line == 10


@pytest.mark.parametrize("number", ["9" * 310, "9" * 5000, "0x" + "f" * 400])
def test_a_number_too_long_for_a_float_is_an_input_error(tmp_path, number):
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(questionnaire(tmp_path, BASE_YAML.replace("size: 10\n", f"size: {number}\n")))
    assert codes_of(caught) == ["number-too-long"]
    assert len(caught.value.issues[0].message()) < 300


def test_a_questionnaire_over_the_size_limit_is_refused_before_parsing(tmp_path):
    path = tmp_path / "base.yaml"
    path.write_bytes(BASE_YAML.encode() + b"#" * MAX_QUESTIONNAIRE_BYTES)
    started = time.monotonic()
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    assert codes_of(caught) == ["file-too-large"] and "1,048,576" in caught.value.issues[0].message()
    assert time.monotonic() - started < 2


def test_a_nul_byte_in_a_questionnaire_is_located_by_line(tmp_path):
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(questionnaire(tmp_path, BASE_YAML.replace("title: Base", "title: Ba\x00se")))
    (issue,) = caught.value.issues
    assert issue.code == "yaml-encoding" and issue.line == 6 and "NUL" in issue.found


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le"])
def test_wide_encodings_are_named_for_both_files(tmp_path, encoding):
    (tmp_path / "base.yaml").write_bytes(BASE_YAML.encode(encoding))
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(tmp_path / "base.yaml")
    assert caught.value.codes == ["yaml-encoding"] and encoding[:6].upper() in caught.value.issues[0].found
    (tmp_path / "answers.csv").write_bytes(BASE_CSV.encode(encoding))
    with pytest.raises(AnswersError) as caught_answers:
        read_answers(tmp_path / "answers.csv")
    assert caught_answers.value.codes == ["encoding"] and "expected UTF-8" not in caught_answers.value.render()
    assert encoding[:6].upper() in caught_answers.value.issues[0].found


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_dev_zero_as_answers_is_refused_at_once():
    result = run_cli(str(DATA / "base.yaml"), "/dev/zero")
    assert result.returncode == 2 and "[unreadable-file] found a character device" in result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
@pytest.mark.parametrize("writer", [False, True])
def test_a_named_pipe_as_answers_is_refused_without_waiting(tmp_path, writer):
    fifo = tmp_path / "answers.csv"
    os.mkfifo(fifo)
    feeder = subprocess.Popen(["sh", "-c", f"yes r1,a > {fifo}"]) if writer else None
    try:
        result = run_cli(str(DATA / "base.yaml"), str(fifo))
    finally:
        if feeder is not None:
            feeder.kill()
            feeder.wait()
    assert result.returncode == 2 and "named pipe" in result.stderr and "Traceback" not in result.stderr


def test_answers_over_the_size_limit_are_refused(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text(BASE_CSV, encoding="utf-8")
    with pytest.raises(AnswersError) as caught:
        read_answers(path, max_bytes=100)
    assert caught.value.codes == ["file-too-large"] and "100" in caught.value.issues[0].found


def test_a_10_mb_field_is_refused_naming_its_line_and_column(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text(BASE_CSV.replace("fine", "x" * 10_000_000), encoding="utf-8")
    with pytest.raises(AnswersError) as caught:
        read_answers(path)
    (issue,) = caught.value.issues
    assert (issue.code, issue.line, issue.column) == ("field-too-long", 3, "comment")
    assert f"{MAX_FIELD_CHARS:,}" in issue.expected and len(issue.message()) < 300


def test_a_value_larger_than_the_readers_block_is_field_too_long(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text(BASE_CSV.replace("fine", "x" * 17_000_000), encoding="utf-8")
    with pytest.raises(AnswersError) as caught:
        read_answers(path)
    assert caught.value.codes == ["field-too-long"]


def test_messages_quote_at_most_80_characters_of_a_value():
    message = Issue("invalid-code", "a.csv", f"'{'x' * 5000}'", "a code", column="c" * 300).message()
    assert "x" * 80 not in message and "x" * 70 in message and "\u2026" in message
    assert "c" * 81 not in message


def test_control_characters_in_messages_are_escaped():
    message = Issue("invalid-code", "a.csv", "'a\x00b\nc'", "a code").message()
    assert "\\x00" in message and "\n" not in message


def test_an_nfd_header_and_codes_match_an_nfc_questionnaire(tmp_path):
    text = BASE_YAML.replace("group", "r\u00e9gion").replace("subr\u00e9gions", "subgroups")
    text = text.replace("{code: a,", "{code: caf\u00e9,")
    text = text.replace("{r\u00e9gion: a,", "{r\u00e9gion: caf\u00e9,")
    path = questionnaire(tmp_path, text)
    nfd = BASE_CSV.replace("group", "re\u0301gion").replace(",a,", ",cafe\u0301,")
    answers = tmp_path / "answers.csv"
    answers.write_text(nfd, encoding="utf-8")
    _, _, responses = load_and_check(path, answers)
    assert set(responses.answers["r\u00e9gion"]) == {"caf\u00e9", "b"}


def test_the_cli_never_prints_a_traceback_for_a_hostile_questionnaire(tmp_path, capsys):
    path = questionnaire(tmp_path, BASE_YAML.replace("size: 10\n", "size: " + "9" * 5000 + "\n"))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err) < 600
