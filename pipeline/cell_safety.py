"""Text cells a spreadsheet would run, made inert; characters a workbook cannot hold, made visible.

Answers, codes, labels, titles and claim wording come from the questionnaire and the answers
file, and reach the cells of the CSV files and the workbook. A spreadsheet reads a cell that
starts with =, +, -, @, a tab or a carriage return as a formula, so a hostile answer could run
one when a reader opens the file. As OWASP's CSV-injection guidance advises, such a text cell
gets a single quote in front (and in CSV is quoted), so it shows as the text it is. Numbers are
never touched: a negative figure written as a number is a number, not text.

The workbook is XML, which cannot hold most control characters (openpyxl refuses them). There
each control character but tab and line breaks is written as a visible escape, `\\x1b` or
`\\ufffe`, so the text is kept and nothing is dropped silently (a carriage return stays: openpyxl
with lxml, which pikepdf brings, writes it as a character reference; without lxml, XML reads it
as a line break). CSV can hold any character, so there text is written as it was,
apart from the quote in front of a formula-like cell.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_LINE_END = "\n"
_CSV_QUOTE_WHEN = re.compile(r'[,"\r\n]')
# Every control character but tab and line breaks, and what else XML 1.0 cannot hold
# (surrogates, U+FFFE, U+FFFF).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def is_formula_like(value: object) -> bool:
    """Whether a spreadsheet would read this value as a formula: text starting with a trigger.

    Text that is a plain number (a code such as `-1` or `+2`) is data a spreadsheet reads as
    that number, never a formula, so it is left as it is: survey codes must round-trip."""
    return (isinstance(value, str) and value.startswith(FORMULA_STARTS)
            and _PLAIN_NUMBER.fullmatch(value) is None)


def inert_text(text: str) -> str:
    """The text with a quote in front if a spreadsheet would run it, unchanged otherwise."""
    return "'" + text if is_formula_like(text) else text


def visible_text(text: str) -> str:
    """The text with each character XML cannot hold (or a control character) as a visible escape."""
    return _UNPRINTABLE.sub(_escape, text)


def workbook_text(text: str) -> str:
    """Text as a workbook cell holds it: control characters visible, formulas inert."""
    return inert_text(visible_text(text))


def csv_text(frame: pd.DataFrame) -> str:
    """The frame as CSV: a header row, then one line per row, each field as `csv_field` writes it."""
    columns = [csv_column(frame.iloc[:, k]) for k in range(frame.shape[1])]  # values keep their own dtype
    lines = [",".join(csv_field(name) for name in frame.columns), *map(",".join, zip(*columns, strict=True))]
    if frame.shape[1] == 1:  # a row of one blank field is `""`, so it is not a blank line
        lines = [line or '""' for line in lines]
    return "".join(line + CSV_LINE_END for line in lines)


def csv_column(column: pd.Series) -> list[str]:
    """Each value of a column as `csv_field` writes it, made a whole column at a time.

    A table of estimates has tens of thousands of fields: columns of floats, whole numbers and
    booleans are written from their NumPy values at once (the same text: a float64's shortest
    repr is Python's), and a text column's repeated values are written once each.
    """
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "fiub" and (dtype.kind != "f" or dtype == np.float64):
        values = column.to_numpy().tolist()  # Python floats, ints or bools
        if dtype.kind == "f":
            return ["" if value != value else repr(value) for value in values]  # NaN is blank
        return list(map(str, values))
    if isinstance(dtype, pd.StringDtype):
        return _text_fields(column.array.to_numpy(dtype=object, na_value=None).tolist())
    return [csv_field(value) for value in column.array]


def _text_fields(texts: list[str | None]) -> list[str]:
    """Fields of a text column (None for a blank), each distinct text written once."""
    written: dict[str | None, str] = {}
    fields = []
    for text in texts:
        field = written.get(text)
        if field is None:
            field = written[text] = "" if text is None else csv_field(text)
        fields.append(field)
    return fields


def csv_field(value: object) -> str:
    """One CSV field, as pandas writes it, except that a formula-like text is inert and always quoted.

    Blanks (None, NaN) are empty; floats are their shortest round-trip repr (full precision);
    other numbers and booleans are as Python prints them; text is quoted when it holds a comma,
    a quote or a line break, with quotes doubled. A carriage return inside a field is quoted
    too, where Python's csv writer leaves it bare and so splits the row for any reader.
    """
    if is_formula_like(value):
        return _quoted(inert_text(str(value)))
    text = _field_text(value)
    return _quoted(text) if _CSV_QUOTE_WHEN.search(text) else text


def _quoted(text: str) -> str:
    """A CSV field in double quotes, quotes inside it doubled."""
    return '"' + text.replace('"', '""') + '"'


def _field_text(value: object) -> str:
    """A cell's value as text, before quoting."""
    if value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value))):  # None, NaN, NA, NaT
        return ""
    if isinstance(value, np.floating):  # NumPy's shortest repr, as pandas writes a float column
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if hasattr(value, "item"):  # another NumPy scalar: print it as the Python value it holds
        return _field_text(value.item())
    return str(value)


def _escape(match: re.Match[str]) -> str:
    """A character as Python writes it in a string literal: \\x01, \\x9b, \\ufffe."""
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
