"""Formula-like text is inert and control characters visible, while everything else is written as before."""

import csv
import io

import numpy as np
import pandas as pd
import pytest

from pipeline.cell_safety import (
    csv_column,
    csv_field,
    csv_text,
    inert_text,
    is_formula_like,
    visible_text,
    workbook_text,
)


@pytest.mark.parametrize("text", ["=1+2", "+A1", "-1+2", "-cmd|' /C calc'!A0", "@SUM(A1)", "\tx", "\rx"])
def test_text_starting_with_a_formula_trigger_gets_a_quote_in_front(text):
    assert is_formula_like(text) and inert_text(text) == "'" + text


@pytest.mark.parametrize("value", [-1, -0.5, np.float64(-2.5), np.int64(-3), "a=1", " =1", "'=1", "", None])
def test_numbers_and_other_text_are_not_formulas(value):
    assert not is_formula_like(value)


@pytest.mark.parametrize("code", ["-1", "+2", "-9", "-2.5", "+.5", "-1e3"])
def test_a_code_that_is_a_plain_number_round_trips_unchanged(code):
    """Survey codes such as -1 (refused) are data a spreadsheet reads as numbers, not formulas."""
    assert not is_formula_like(code) and inert_text(code) == code and csv_field(code) == code


def test_a_formula_like_csv_field_is_quoted_with_its_quotes_doubled():
    assert csv_field('=HYPERLINK("x")') == '"\'=HYPERLINK(""x"")"'
    assert csv_field("-x") == "\"'-x\"" and csv_field(-1.5) == "-1.5" and csv_field(-2) == "-2"


def test_csv_is_what_pandas_writes_when_no_text_is_formula_like():
    frame = pd.DataFrame({
        "share": [np.nan, 1e-20, 1e16, -0.0, np.inf, -0.25, 0.1 + 0.2],
        "n": pd.array([1, None, 3, 4, 5, -6, 7], dtype="Int64"),
        "text": ["plain", None, "", 'with "quotes"', "a, b", "two\nlines", "x\x01y"],
        "flag": [True, False, True, False, True, False, True],
        "f32": np.array([0.1, 1.5, -2.0, 3.25, 4.0, 5.5, 6.0], dtype=np.float32),
    })
    assert csv_text(frame) == frame.to_csv(index=False, lineterminator="\n")
    one_blank = pd.DataFrame({"only": ["", "x"]})
    assert csv_text(one_blank) == one_blank.to_csv(index=False, lineterminator="\n")


@pytest.mark.parametrize("column", [
    pd.Series([0.1 + 0.2, np.nan, -0.0, np.inf, -np.inf, 1e16, 1e-5, 123456789.125, 5e-324, -1.7976931348623157e308]),
    pd.Series(np.array([0.1, np.nan, -2.5], dtype=np.float32)),
    pd.Series([-3, 0, 2**62], dtype=np.int64),
    pd.Series([0, 2**64 - 1], dtype=np.uint64),
    pd.Series([True, False, True]),
    pd.Series(["plain", None, "", "=SUM(A1)", "-1", "a, b", 'say "hi"', "two\nlines", "\rx", "plain", "=SUM(A1)"]),
    pd.Series(["=x", None, "y"], dtype="string"),
    pd.Series([1, None, 3], dtype="Int64"),
    pd.Series(["text", 2, True, None, np.nan, -1.5, "+A1"], dtype=object),
], ids=["float64", "float32", "int64", "uint64", "bool", "str", "string", "Int64", "object"])
def test_a_column_is_written_as_each_of_its_fields(column):
    """Whole-column writing gives each value's `csv_field`, whatever the column's type."""
    assert csv_column(column) == [csv_field(value) for value in column.array]


def test_a_text_column_keeps_formulas_inert_and_quotes_what_needs_quoting():
    column = pd.Series(["=1+2", "ok", "a,b", None, "=1+2", "-1", "@x"])
    assert csv_column(column) == ["\"'=1+2\"", "ok", '"a,b"', "", "\"'=1+2\"", "-1", "\"'@x\""]


def test_floats_are_written_as_their_shortest_repr_as_numpy_prints_them():
    bits = np.random.default_rng(7).integers(0, 2**63, size=20_000, dtype=np.int64)
    values = np.concatenate([bits.view(np.float64), -bits.view(np.float64)])
    assert csv_column(pd.Series(values)) == ["" if np.isnan(v) else str(v) for v in values]


def test_a_one_column_table_writes_a_blank_field_as_two_quotes_and_no_column_as_a_blank_header():
    assert csv_text(pd.DataFrame({"": ["", None, "x"]})) == '""\n""\n""\nx\n'
    assert csv_text(pd.DataFrame(index=range(3))) == "\n"


def test_csv_reads_back_as_the_inert_text_and_the_numbers():
    frame = pd.DataFrame({"code": ["=a", "\rb", "ok"], "estimate": [-0.5, 0.25, 1.0]})
    rows = list(csv.reader(io.StringIO(csv_text(frame), newline="")))
    assert rows == [["code", "estimate"], ["'=a", "-0.5"], ["'\rb", "0.25"], ["ok", "1.0"]]


def test_control_characters_are_escaped_visibly_and_tabs_and_line_breaks_kept():
    assert visible_text("a\x00b\x01c\x1bd\x7fe\x9bf\ufffeg") == "a\\x00b\\x01c\\x1bd\\x7fe\\x9bf\\ufffeg"
    assert visible_text("tab\there\nline\r\nend é €") == "tab\there\nline\r\nend é €"


def test_workbook_text_escapes_first_then_makes_formulas_inert():
    assert workbook_text("=\x01") == "'=\\x01"
    assert workbook_text("\x01=x") == "\\x01=x"  # starts with a backslash now: not a formula
