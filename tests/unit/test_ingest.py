"""Answers files are read as delivered: encodings, line endings, quoting and spaces give clean text cells."""

import hashlib

import pytest

from pipeline.errors import AnswersError
from pipeline.ingest import decode_answers, read_answers


def read(tmp_path, data: bytes, delimiter=","):
    path = tmp_path / "answers.csv"
    path.write_bytes(data)
    return read_answers(path, delimiter)


def cells(raw):
    return {column: [str(v) for v in raw.cells[column]] for column in raw.header}


def test_bom_crlf_and_stray_spaces_give_the_same_cells_as_a_clean_file(tmp_path):
    clean = read(tmp_path, b"rid,q\nr1,yes\nr2,no\n")
    messy = read(tmp_path, b"\xef\xbb\xbfrid , q\r\n r1, yes \r\nr2,no")
    assert messy.header == clean.header == ("rid", "q")
    assert cells(messy) == cells(clean) == {"rid": ["r1", "r2"], "q": ["yes", "no"]}


def test_windows_1252_is_decoded(tmp_path):
    raw = read(tmp_path, "rid,comment\nr1,caf\xe9\n".encode("cp1252"))
    assert raw.encoding == "cp1252" and cells(raw)["comment"] == ["café"]


def test_more_spellings_in_the_file_than_a_byte_holds_that_trim_to_a_few_values(tmp_path):
    rows = "".join(f"r{i},{' ' * i}a\n" for i in range(300))  # 300 spellings, one value
    assert cells(read(tmp_path, ("rid,q\n" + rows).encode()))["q"] == ["a"] * 300


def test_codes_that_look_like_numbers_stay_text(tmp_path):
    assert cells(read(tmp_path, b"rid,code\nr1,01\nr2,1.0\n"))["code"] == ["01", "1.0"]


def test_quoted_delimiters_and_line_breaks_stay_in_their_value(tmp_path):
    raw = read(tmp_path, b'rid,comment\nr1,"a, b"\nr2,"two\nlines"\nr3,x\n')
    assert cells(raw)["comment"] == ["a, b", "two\nlines", "x"]
    assert raw.line_numbers.tolist() == [2, 3, 5]
    assert [(s.column, s.opened_line, s.closed_line) for s in raw.lines.spanning] == [("comment", 3, 4)]


def test_another_delimiter_is_used_when_the_questionnaire_says_so(tmp_path):
    assert cells(read(tmp_path, b"rid;q\nr1;a,b\n", delimiter=";"))["q"] == ["a,b"]


def test_a_row_with_the_wrong_number_of_fields_is_reported_on_its_line(tmp_path):
    raw = read(tmp_path, b"rid,q\nr1,a\n\nr2,b,extra\nr3,c\n")
    (issue,) = raw.malformed_rows
    assert (issue.code, issue.line, issue.found) == ("wrong-field-count", 4, "3 field(s)")
    assert raw.rows_read == 3 and raw.line_numbers.tolist() == [2, 5]


@pytest.mark.parametrize("data,code,line", [
    (b"", "empty-file", 1),
    (b"rid,q\n", "no-rows", 2),
    (b"rid,q,rid\nr1,a,b\n", "duplicate-column", 1),
    (b'rid,q\nr1,"open\nr2,b\n', "unclosed-quote", 2),
])
def test_files_that_cannot_be_read_as_answers(tmp_path, data, code, line):
    with pytest.raises(AnswersError) as caught:
        read(tmp_path, data)
    assert caught.value.codes == [code] and caught.value.issues[0].line == line


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(AnswersError) as caught:
        read_answers(tmp_path / "none.csv")
    assert caught.value.codes == ["file-not-found"]


def test_decode_prefers_utf8_and_falls_back_to_windows_1252():
    assert decode_answers("é\n".encode(), "f") == ("é\n", "utf-8")
    assert decode_answers(b"\x80\n", "f") == ("€\n", "cp1252")


def test_columns_named_numeric_are_read_as_numbers_or_else_as_text(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_bytes(b"rid,q,rep1\nr1,yes,1.5\nr2,yes,2\n")
    raw = read_answers(path, numeric=lambda name: name.startswith("rep"))
    assert str(raw.cells["q"].dtype) == "category"
    assert raw.cells["rep1"].tolist() == [1.5, 2.0]
    path.write_bytes(b"rid,q,rep1\nr1,yes, 1.50 \nr2,yes,two\n")  # not plain numbers: text, for the checks to name
    raw = read_answers(path, numeric=lambda name: name.startswith("rep"))
    assert cells(raw) == {"rid": ["r1", "r2"], "q": ["yes", "yes"], "rep1": ["1.50", "two"]}


def test_the_digest_is_of_the_bytes_read(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"\xef\xbb\xbfrid,q\r\nr1,yes\r\nr2,no")  # a byte-order mark, no final line break
    raw = read_answers(path)
    assert raw.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
