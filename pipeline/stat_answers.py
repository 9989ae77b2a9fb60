"""Answers from SPSS (.sav, .zsav) and Stata (.dta) files, with their value labels and missing values.

Read with pyreadstat, user-defined missing values kept as values (SPSS's `-9 = refused` stays
-9, Stata's `.a` stays `.a`), so that the questionnaire's missing codes name them exactly as it
would in a CSV export. Value labels are kept beside the cells: `answer_columns` turns a value
into its label where the label, not the number, is the questionnaire's code. System-missing
values are blanks. Variables are named as in the file; the row number is the case number.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from pipeline.answer_table import header_names, number_text, numbers_as_text, table_answers
from pipeline.errors import AnswersError, Issue
from pipeline.ingest import RawAnswers
from pipeline.rawfile import FileProblem, check_readable

FORMAT_NAMES = {"sav": "an SPSS .sav file", "dta": "a Stata .dta file"}


def read_stat_file(path: Path | str, fmt: str, max_bytes: int) -> RawAnswers:
    """The answers of an SPSS or Stata file; AnswersError naming the file when it cannot be read."""
    name = str(path)
    data, meta = read_with_metadata(path, fmt, max_bytes)
    header = header_names(list(data.columns), name, fmt)
    labels = {column: value_labels(meta, original) for column, original in zip(header, data.columns, strict=True)}
    columns = [column_text(data[original], is_numeric(meta, original)) for original in data.columns]
    encoding = f"{fmt} ({meta.file_encoding})" if getattr(meta, "file_encoding", None) else fmt
    return table_answers(name, fmt, encoding, header, columns, np.arange(1, len(data) + 1), labels=labels)


def read_with_metadata(path: Path | str, fmt: str, max_bytes: int, metadata_only: bool = False) -> tuple[Any, Any]:
    """pyreadstat's data frame and metadata, user-missing values kept; a file it cannot read is an input error."""
    import pyreadstat

    name = str(path)
    expected = f"{FORMAT_NAMES[fmt]} (a regular file of at most {max_bytes:,} bytes)"
    try:
        check_readable(path, max_bytes)
    except FileProblem as problem:
        raise AnswersError(problem.issue(name, expected)) from None
    reader = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    try:
        return reader(str(path), user_missing=True, metadataonly=metadata_only)
    except Exception as exc:  # pyreadstat raises ReadstatError, PyreadstatError or plain errors
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise AnswersError(Issue("corrupt-file", name, f"a file that cannot be read as {FORMAT_NAMES[fmt]} "
                                 f"({reason})", expected)) from None


def is_numeric(meta: Any, column: str) -> bool:
    """Whether a variable holds numbers (with, in Stata, extended missing values), not strings."""
    return (getattr(meta, "readstat_variable_types", None) or {}).get(column, "double") != "string"


def column_text(series, numeric: bool = True) -> pa.Array:
    """A variable's values as text: numbers as typed, Stata's extended missing values as `.a`
    (pyreadstat gives them as the letter alone, in a numeric variable)."""
    if series.dtype.kind in "fiub":
        return numbers_as_text(series.to_numpy(dtype=float, na_value=np.nan))
    values = []
    for value in series.tolist():
        if value is None or (isinstance(value, float) and np.isnan(value)):
            values.append("")
        elif isinstance(value, str):
            values.append(_extended(value) if numeric else value)
        elif isinstance(value, (int, float, np.integer, np.floating)):
            values.append(number_text(float(value)))
        else:  # dates and times
            values.append(str(value))
    return pa.array(values, type=pa.string())


def missing_values(meta: Any, column: str) -> tuple[str, ...]:
    """A variable's user-defined missing values as text: SPSS's discrete values and whole-number
    ranges of at most 100 values, Stata's `.a` to `.z` that are labelled."""
    found: list[str] = []
    for entry in (getattr(meta, "missing_ranges", None) or {}).get(column, []):
        low, high = entry.get("lo"), entry.get("hi")
        if isinstance(low, str):
            found.append(low)
        elif low == high:
            found.append(number_text(float(low)))
        elif float(low).is_integer() and float(high).is_integer() and high - low <= 100:
            found.extend(number_text(float(v)) for v in range(int(low), int(high) + 1))
    found.extend(_extended(value) if isinstance(value, str) else number_text(float(value))
                 for value in (getattr(meta, "missing_user_values", None) or {}).get(column, []))
    return tuple(dict.fromkeys(found))


def value_labels(meta: Any, column: str) -> Mapping[str, str]:
    """A variable's value labels, each value as text (Stata's extended missing values as `.a`)."""
    numeric = is_numeric(meta, column)
    return {(_extended(value) if numeric else value) if isinstance(value, str) else number_text(value): str(label)
            for value, label in (meta.variable_value_labels or {}).get(column, {}).items()}


def _extended(letter: str) -> str:
    """Stata's extended missing value `.a` to `.z`, given by pyreadstat as its letter."""
    return letter if letter.startswith(".") else f".{letter}"
