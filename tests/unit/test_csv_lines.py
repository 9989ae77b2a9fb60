"""Every physical line of an answers file is found in a record, as blank, or as the header."""

import numpy as np

from pipeline.csv_lines import record_fields, scan_records


def test_one_line_per_record_without_quotes():
    found = scan_records(b"rid,q\nr1,a\nr2,b\n", ",")
    assert found.first.tolist() == [1, 2, 3] and found.records == 3 and found.physical_lines == 3
    assert found.blank_lines == 0 and not found.unclosed


def test_blank_lines_are_counted_and_skipped():
    found = scan_records(b"rid,q\n\nr1,a\n\r\nr2,b\n", ",")
    assert found.first.tolist() == [1, 3, 5] and found.blank_lines == 2 and found.physical_lines == 5


def test_a_quoted_line_break_makes_one_record_of_two_lines():
    body = b'rid,comment\nr1,"first\nsecond"\nr2,plain\n'
    found = scan_records(body, ",")
    assert found.first.tolist() == [1, 2, 4]
    assert found.last().tolist() == [1, 3, 4]
    assert found.lines_in_records(1) == 3


def test_a_quote_inside_an_unquoted_value_is_text_and_does_not_open_a_field():
    found = scan_records(b'rid,q\nr1,5" screen\nr2,b\n', ",")
    assert found.first.tolist() == [1, 2, 3] and not found.unclosed


def test_cr_alone_ends_a_line():
    found = scan_records(b'rid,q\r"r1",a\rr2,b\r', ",")
    assert found.first.tolist() == [1, 2, 3] and found.physical_lines == 3


def test_a_quote_left_open_runs_to_the_end_of_the_file():
    found = scan_records(b'rid,q\nr1,"open\nr2,b\n', ",")
    assert found.unclosed and found.records == 2 and found.last().tolist() == [1, 3]
    assert found.line_of(10) == 2  # the byte after the opening quote


def test_record_fields_split_as_the_reader_does():
    data = b'a,"b,c","d""e"x,'
    fields = record_fields(data, 0, len(data), ord(","))
    assert [(f.index, data[f.start:f.end]) for f in fields] == [(0, b"a"), (1, b'"b,c"'), (2, b'"d""e"x'), (3, b"")]
    assert fields[1].opened == 2 and not fields[1].text_after_quote
    assert fields[2].text_after_quote


def test_byte_range_covers_a_record_to_its_line_break():
    body = b'rid,c\nr1,"x\ny"\n'
    found = scan_records(body, ",")
    start, end = found.byte_range(2, 3)
    assert body[start:end] == b'r1,"x\ny"'
    assert isinstance(found.first, np.ndarray)
