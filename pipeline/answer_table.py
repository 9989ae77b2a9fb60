"""Answers read from a workbook, a statistics package's file or Parquet, as the CSV reader gives them.

Every format ends as the same `RawAnswers`: each cell stripped text in Unicode NFC ('' for a
blank or a missing value), held as a pandas categorical. Numbers are written as a person
would type them in a CSV file (`1`, not `1.0`; the shortest text that reads back as the same
float otherwise), so a questionnaire's codes match and every figure is computed from the same
values whatever the file's format.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.errors import AnswersError, Issue
from pipeline.ingest import MAX_FIELD_CHARS, RawAnswers, _check_field_lengths

LARGEST_EXACT_INTEGER = 2**53


def number_text(value: float) -> str:
    """A number as text: whole numbers without a decimal point, others as the shortest exact text."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if float(value).is_integer() and abs(value) < LARGEST_EXACT_INTEGER:
        return str(int(value))
    return repr(float(value))


def numbers_as_text(values: np.ndarray) -> pa.Array:
    """A float column as text, each distinct value formatted once (NaN becomes '')."""
    values = np.asarray(values, dtype=float)
    distinct, inverse = np.unique(values, return_inverse=True)
    texts = np.array([number_text(float(v)) for v in distinct] or [""], dtype=object)
    return pa.array(texts[inverse.reshape(-1)] if len(values) else [], type=pa.string())


def text_categorical(array: pa.Array | pa.ChunkedArray) -> pd.Categorical:
    """Arrow text as the reader's categoricals: nulls blank, spaces around stripped, NFC."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks else pa.array([], type=pa.string())
    if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
        array = pc.cast(array, pa.string())
    array = pc.utf8_trim_whitespace(array.fill_null(""))
    if len(array) and not pc.all(pc.string_is_ascii(array)).as_py():
        array = pc.utf8_normalize(array, form="NFC")
    encoded = array.dictionary_encode()
    categories = pd.Index(encoded.dictionary.to_pylist(), dtype=object)
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32)
    return pd.Categorical.from_codes(codes, categories=categories)


def header_names(names: Sequence[object], path: str, fmt: str, sheet: str | None = None) -> tuple[str, ...]:
    """Column names stripped and in NFC; a blank or repeated name is an input error."""
    header = tuple(unicodedata.normalize("NFC", "" if n is None else str(n).strip()) for n in names)
    for index, name in enumerate(header):
        if len(name) > MAX_FIELD_CHARS:
            raise AnswersError(Issue("field-too-long", path, f"a column name of {len(name):,} characters",
                                     f"names of at most {MAX_FIELD_CHARS:,} characters", sheet=sheet,
                                     row=1 if fmt == "xlsx" else None))
        if name in header[:index]:
            raise AnswersError(Issue("duplicate-column", path, f"the column '{name}' twice", "each column once",
                                     sheet=sheet, row=1 if fmt == "xlsx" else None, column=name))
    return header


def table_answers(path: str, fmt: str, encoding: str, header: tuple[str, ...],
                  columns: Sequence[pa.Array | pa.ChunkedArray], row_numbers: np.ndarray,
                  sheet: str | None = None, labels: Mapping[str, Mapping[str, str]] | None = None) -> RawAnswers:
    """The answers of a non-CSV file, checked for the limits the CSV reader keeps."""
    if not header:
        raise AnswersError(Issue("empty-file", path, "no columns", "a column per question", sheet=sheet))
    cells = pd.DataFrame({name: text_categorical(column) for name, column in zip(header, columns, strict=True)},
                         copy=False)
    raw = RawAnswers(path, encoding, header, cells, pd.Series(np.asarray(row_numbers, dtype=np.int64)), (),
                     None, fmt, sheet, dict(labels or {}))
    try:
        _check_field_lengths(path, header, cells, raw.line_numbers)
    except AnswersError as error:
        raise AnswersError([raw.locate(issue) for issue in error.issues]) from None
    if len(cells) == 0:
        raise AnswersError(Issue("no-rows", path, "no rows of answers", "at least one row of answers",
                                 sheet=sheet))
    return raw
