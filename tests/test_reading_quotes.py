"""Quotes in the answers file never change how many respondents are read, and every physical line
is accounted for: header, blank, or a line of one record, whose first line messages name."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import ingest
from pipeline.cli import main
from pipeline.errors import AnswersError
from pipeline.ingest import read_answers

ROOT = Path(__file__).resolve().parents[1]
QUESTIONNAIRE = ROOT / "questionnaires" / "fitter_for_the_future.yaml"
STUDY = (ROOT / "raw" / "fitter_for_the_future.csv").read_text(encoding="utf-8").splitlines()
RESPONDENTS = len(STUDY) - 1


def study_with(tmp_path: Path, edits: dict[int, str], name: str = "answers.csv") -> Path:
    """The study's answers with some lines (1-based file lines) replaced; the last field is free text."""
    lines = list(STUDY)
    for number, text in edits.items():
        lines[number - 1] = text
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return path


def with_comment(line: int, comment: str) -> str:
    """A study line with its free-text comment (the last field) set."""
    return STUDY[line - 1].rsplit(",", 1)[0] + "," + comment


def with_field(line: int, index: int, value: str) -> str:
    fields = STUDY[line - 1].split(",")
    fields[index] = value
    return ",".join(fields)


def validate(path: Path, capsys) -> tuple[int, str, str]:
    status = main(["validate", str(QUESTIONNAIRE), str(path)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


LONE_QUOTES = {
    "at the start of a comment in an early row": {2: with_comment(2, '"')},
    "at the start of a comment, closed by a later row's quote": {4: with_comment(4, '"Excellent'),
                                                               10: with_comment(10, '"fine"')},
    "at the start of a comment, closed by a later lone quote": {4: with_comment(4, '"'), 10: with_comment(10, '"')},
    "at the start of a coded answer": {4: with_field(4, 1, '"dcs'), 10: with_comment(10, '"fine"')},
    "in the middle of a comment": {4: with_comment(4, 'a "b')},
    "at the end of a comment": {4: with_comment(4, 'ab"')},
    "in the last row": {len(STUDY): with_comment(len(STUDY), '"')},
    "where the file ends inside a quote": {len(STUDY): with_comment(len(STUDY), '"no end')},
}


@pytest.mark.parametrize("edits", LONE_QUOTES.values(), ids=LONE_QUOTES.keys())
def test_a_lone_quote_never_silently_changes_how_many_respondents_are_read(edits, tmp_path, capsys):
    status, out, err = validate(study_with(tmp_path, edits), capsys)
    assert "Traceback" not in err
    if status == 0:
        assert f": {RESPONDENTS} rows valid" in out
    else:
        assert status == 2 and err.count("[") >= 1, err


def test_the_swallowing_quote_is_refused_naming_where_it_opened(tmp_path, capsys):
    path = study_with(tmp_path, LONE_QUOTES["at the start of a comment, closed by a later row's quote"])
    status, _, err = validate(path, capsys)
    assert status == 2
    assert f"{path}, line 4, column comments: [runaway-quote]" in err


def test_a_quote_open_at_the_end_of_the_file_is_an_input_error_naming_its_line_and_column(tmp_path, out_dir, capsys):
    path = study_with(tmp_path, {3: with_comment(3, '"Never closed')})
    before = path.read_bytes()
    status, _, err = validate(path, capsys)
    assert status == 2 and "Traceback" not in err
    assert f"{path}, line 3, column comments: [unclosed-quote] found " in err
    assert f"runs over the last {len(STUDY) - 2} line(s)" in err
    out = out_dir
    assert main(["estimate", str(QUESTIONNAIRE), str(path), "--out", str(out)]) == 2
    assert not out.exists() and path.read_bytes() == before


def test_a_line_break_in_a_column_that_is_not_free_text_is_an_input_error(tmp_path, capsys):
    path = study_with(tmp_path, {4: with_field(4, 1, '"dcs\n"')})  # the field count still matches
    status, _, err = validate(path, capsys)
    assert status == 2
    assert (f"{path}, line 4, column role: [quoted-line-break] found a quoted value running over 2 lines, "
            "to line 5; expected a closing quote on the same line") in err


def test_a_line_break_in_the_respondent_id_is_an_input_error(tmp_path, capsys):
    path = study_with(tmp_path, {7: with_field(7, 0, '"LA006\r\n"')})
    status, _, err = validate(path, capsys)
    assert status == 2 and f"{path}, line 7, column authority_id: [quoted-line-break]" in err


def test_a_bad_code_after_a_multi_line_comment_is_reported_on_its_true_line(tmp_path, capsys):
    path = study_with(tmp_path, {12: with_comment(12, '"first line\nsecond line\nthird"'),
                                 14: with_field(14, 1, "mayor")})
    status, _, err = validate(path, capsys)
    assert status == 2
    respondent = STUDY[13].split(",")[0]
    assert f"{path}, line 16, respondent {respondent}, column role: [invalid-code] found 'mayor'" in err


def test_multi_line_free_text_is_accepted_and_counted_in_validation_and_report(tmp_path, out_dir, capsys):
    path = study_with(tmp_path, {12: with_comment(12, '"first line\r\nsecond, line\r\nthird"'),
                                 30: with_comment(30, '"one\n\ntwo"')})
    out = out_dir
    assert main(["estimate", str(QUESTIONNAIRE), str(path), "--out", str(out)]) == 0, capsys.readouterr().err
    validation = json.loads((out / "validation.json").read_text())
    assert validation["rows_read"] == RESPONDENTS
    assert validation["records_spanning_lines"] == [
        {"first_line": 12, "last_line": 14, "columns": ["comments"]},
        {"first_line": 32, "last_line": 34, "columns": ["comments"]}]
    physical = len(path.read_bytes().splitlines())
    assert validation["physical_lines_read"] == physical == len(STUDY) + 4
    assert validation["header_lines"] + validation["blank_lines"] + validation["record_lines"] == physical


def test_the_report_says_which_answers_span_lines(tmp_path):
    from pipeline import run
    from pipeline.report.context import build_context
    from pipeline.report.render import render_html

    path = study_with(tmp_path, {12: with_comment(12, '"first line\nsecond line\nthird"')})
    html = render_html(build_context(run.analyse(QUESTIONNAIRE, path, "test")))
    section = html[html.index('id="validation"'):html.index('id="colophon"')]
    assert "1 answer spans more than one line (comments: lines 12\u201314)" in section
    assert f"Lines read: {len(STUDY) + 2} (header 1, blank 0, rows {len(STUDY) + 1})" in section


def test_a_disagreement_between_the_reader_and_the_line_count_is_an_error(tmp_path, monkeypatch):
    from pipeline.csv_lines import RecordLines

    path = study_with(tmp_path, {12: with_comment(12, '"two\nlines"')})
    real = ingest.scan_records

    def one_record_short(body, delimiter, reader_records=None):
        found = real(body, delimiter, reader_records)
        return RecordLines(found.first[:-1], found.spanning, found.spanning_last, found.physical_lines,
                           found.blank_lines, found.breaks)

    monkeypatch.setattr(ingest, "scan_records", one_record_short)
    with pytest.raises(AnswersError) as error:
        read_answers(path)
    assert error.value.codes == ["record-count-mismatch"]


# -- every physical line is accounted for, on random files --------------------------------------

TEXT = st.text(alphabet="ab ,;\"\n\r", max_size=6)
PLAIN = st.text(alphabet="abc 1", max_size=4).filter(lambda v: v.strip() == v)


def quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


@st.composite
def answers_files(draw) -> tuple[bytes, int]:
    """A random CSV: quoted values with line breaks, blank lines, LF / CRLF / CR, BOM, no final newline."""
    columns = draw(st.integers(min_value=1, max_value=4))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    lines = [",".join(f"c{i}" for i in range(columns))]
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        lines.extend([""] * draw(st.integers(min_value=0, max_value=2)))
        width = columns + draw(st.sampled_from([0, 0, 0, 0, 1, -1]))
        values = [draw(st.one_of(PLAIN, TEXT.map(quoted))) for _ in range(max(width, 1))]
        row = ",".join(values)
        lines.append(row if row.strip() else "x" + row)
    text = newline.join(lines) + draw(st.sampled_from([newline, ""]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    return (bom + text).encode("utf-8"), columns


def reference_records(text: str) -> tuple[list[tuple[int, int, int]], int, int]:
    """Records as (first line, last line, fields) by Python's csv module, blank lines, physical lines."""
    reader = csv.reader(io.StringIO(text, newline=""))
    records, blank, previous = [], 0, 0
    for row in reader:
        if row:
            records.append((previous + 1, reader.line_num, len(row)))
        else:
            blank += reader.line_num - previous
        previous = reader.line_num
    return records, blank, previous


@settings(max_examples=150, deadline=None)
@given(answers_files())
def test_every_physical_line_is_accounted_for(tmp_path_factory, generated):
    data, columns = generated
    path = tmp_path_factory.mktemp("random") / "answers.csv"
    path.write_bytes(data)
    text = data.decode("utf-8").removeprefix("\ufeff")
    records, blank, physical = reference_records(text)
    assert physical == len(text.splitlines())
    raw = read_answers(path)
    account = raw.lines
    assert account.physical == physical
    assert account.blank == blank
    assert account.header + account.blank + account.records == physical
    assert raw.rows_read == len(records) - 1
    assert account.header == records[0][1] - records[0][0] + 1
    kept = [first for first, _, fields in records[1:] if fields == columns]
    assert list(raw.line_numbers) == kept
    assert [issue.line for issue in raw.malformed_rows] == [first for first, _, f in records[1:] if f != columns]
    spanning = sorted({(value.first_line, value.last_line) for value in account.spanning})
    assert spanning == [(first, last) for first, last, _ in records[1:] if last > first]


def test_a_stray_quote_in_a_free_text_column_before_the_last_never_takes_the_next_row(tmp_path, capsys):
    """A quote opened in a middle free-text column and closed by the next row's stray quote
    keeps the field count right: the next row would vanish and its answer be given to this one."""
    questionnaire = tmp_path / "middle.yaml"
    questionnaire.write_text(
        "format: 1\nsurvey: {id: middle, title: Free text in the middle}\ndesign: {respondent_id: rid}\n"
        "questions:\n  - {id: note, type: text}\n"
        "  - id: q\n    type: single_choice\n    codes: [{code: a, label: A}, {code: b, label: B}]\n",
        encoding="utf-8")
    answers = tmp_path / "middle.csv"
    answers.write_text('rid,note,q\nr1,"hi\nr2,ok",b\nr3,fine,a\n', encoding="utf-8")
    status = main(["validate", str(questionnaire), str(answers)])
    err = capsys.readouterr().err
    assert status == 2
    assert f"{answers}, line 2, column note: [runaway-quote]" in err and "line 3 inside it" in err
