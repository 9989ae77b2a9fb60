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

EXACT_WHOLE = 10**15
"""Below this, Arrow and Python write a whole float the same way, without an exponent."""


def number_text(value: float | int | bool | None) -> str:
    """A number as text, as `numbers_as_text` writes a column of them: whole numbers without a
    decimal point, others as the shortest text that reads back as the same float."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if float(value).is_integer() and abs(value) < EXACT_WHOLE:
        return str(int(value))
    return str(pc.cast(pa.array([float(value)]), pa.string())[0].as_py())


def numbers_as_text(values: np.ndarray | pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """A float column as text by Arrow's shortest round-trip formatting (`3`, `2.5`); NaN and null
    become nulls (blanks). Whole numbers print without a decimal point, as `number_text` writes them.
    (`text_cells` formats the distinct values of a number column the same way.)"""
    if isinstance(values, np.ndarray):
        values = pa.array(np.asarray(values, dtype=float), from_pandas=True)
    return pc.cast(values, pa.string())


def text_cells(array: pa.Array | pa.ChunkedArray) -> pd.Categorical | pd.arrays.ArrowStringArray:
    """Text, numbers, or dictionary-encoded either, as the CSV reader's cells: nulls blank, spaces
    around stripped, NFC; categorical, unless nearly every value is distinct (an id, a weight),
    which stays Arrow text as the CSV reader keeps it. Values are hashed in their own type and
    only the distinct ones formatted, so a column of a million codes formats a handful of numbers."""
    if not isinstance(array, pa.ChunkedArray):
        array = pa.chunked_array([array])
    if not pa.types.is_dictionary(array.type):
        sample = array.slice(0, SAMPLE_ROWS)  # as the CSV reader decides on its first block
        distinct = pc.count_distinct(sample).as_py() if len(sample) else 0
        if distinct > DISTINCT_AS_TEXT and 2 * distinct > len(sample):
            return pd.arrays.ArrowStringArray(pa.chunked_array(
                [_clean(pc.cast(chunk, pa.string())) for chunk in array.chunks], type=pa.string()))
        array = pc.dictionary_encode(array)
    return _categorical(array.unify_dictionaries())


DISTINCT_AS_TEXT = 4096
SAMPLE_ROWS = 1 << 16


def _clean(array: pa.Array) -> pa.Array:
    """Nulls blank, spaces around stripped, composed (NFC) where not plain ASCII."""
    array = pc.utf8_trim_whitespace(pc.cast(array.fill_null(""), pa.string()))
    if len(array) and not pc.all(pc.string_is_ascii(array)).as_py():
        array = pc.utf8_normalize(array, form="NFC")
    return array


def _categorical(array: pa.ChunkedArray) -> pd.Categorical:
    """Dictionary-encoded chunks (one dictionary) as a categorical of cleaned text."""
    chunks = [chunk for chunk in array.chunks if len(chunk)]
    if not chunks:
        return pd.Categorical.from_codes(np.zeros(0, np.int32), categories=pd.Index([], dtype=object))
    values = [*_clean(pc.cast(chunks[0].dictionary, pa.string())).to_pylist(), ""]
    categories = list(dict.fromkeys(values))
    position = {value: i for i, value in enumerate(categories)}
    remap = np.array([position[value] for value in values], dtype=np.int32)
    codes = np.concatenate([remap[pc.fill_null(chunk.indices, len(values) - 1).to_numpy(zero_copy_only=False)]
                            for chunk in chunks])
    used = np.bincount(codes, minlength=len(categories)) > 0
    if not used.all():  # drop categories no cell holds (an unused dictionary entry, the blank)
        new_position = np.cumsum(used) - 1
        codes = new_position[codes].astype(np.int32)
        categories = [c for c, keep in zip(categories, used, strict=True) if keep]
    return pd.Categorical.from_codes(codes, categories=pd.Index(categories, dtype=object))


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
                  columns: Sequence[pa.Array | pa.ChunkedArray | pd.api.extensions.ExtensionArray],
                  row_numbers: np.ndarray,
                  sheet: str | None = None, labels: Mapping[str, Mapping[str, str]] | None = None) -> RawAnswers:
    """The answers of a non-CSV file, checked for the limits the CSV reader keeps. Columns given as
    pandas arrays (floats read as numbers) are taken as they are; the others become text cells."""
    if not header:
        raise AnswersError(Issue("empty-file", path, "no columns", "a column per question", sheet=sheet))
    cells = pd.DataFrame({name: column if isinstance(column, pd.api.extensions.ExtensionArray) else text_cells(column)
                          for name, column in zip(header, columns, strict=True)}, copy=False)
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
