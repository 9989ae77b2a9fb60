"""Answers from a Parquet file: typed columns, read column by column without a CSV's parsing.

Every column is turned into the reader's text cells (`answer_table`): integers and floats as a
person would type them, nulls as blanks. Columns that are not text or numbers (nested lists,
structs, binary) are input errors naming the column. Parquet has no rows a person numbers, so a
row is named by its position, from 1.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.answer_table import header_names, table_answers
from pipeline.errors import AnswersError, Issue
from pipeline.ingest import RawAnswers
from pipeline.rawfile import FileProblem, check_readable

EXPECTED = "a Parquet file"


def read_parquet(path: Path | str, max_bytes: int, numeric: Callable[[str], bool] | None = None) -> RawAnswers:
    """The answers of a Parquet file; AnswersError naming the file (and column) when it cannot be used.
    Number columns that `numeric` names (replicate weights: nearly every value distinct) are kept
    as floats, as the CSV reader keeps them, rather than formatted as text and read back."""
    import pyarrow.parquet as pq

    name = str(path)
    try:
        check_readable(path, max_bytes)
    except FileProblem as problem:
        raise AnswersError(problem.issue(name, f"{EXPECTED} (a regular file of at most {max_bytes:,} bytes)")) from None
    try:
        table = pq.read_table(str(path), pre_buffer=False)  # no copy of the whole file: faster, and less memory
    except (pa.ArrowException, OSError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise AnswersError(Issue("corrupt-file", name, f"a file that cannot be read as Parquet ({reason})",
                                 EXPECTED)) from None
    header = header_names(table.column_names, name, "parquet")
    columns = [_floats(table.column(i)) if numeric is not None and numeric(column) and _is_number(table.column(i))
               else _text(table.column(i), name, column) for i, column in enumerate(header)]
    raw = table_answers(name, "parquet", "parquet", header, columns, np.arange(1, table.num_rows + 1))
    del table, columns
    pa.default_memory_pool().release_unused()  # the decoding's buffers, before the checks allocate their own
    return raw


def _is_number(column: pa.ChunkedArray) -> bool:
    return pa.types.is_integer(column.type) or pa.types.is_floating(column.type)


def _floats(column: pa.ChunkedArray) -> pd.arrays.ArrowExtensionArray:
    """A number column as the CSV reader's float cells (nulls stay null: the checks name them)."""
    return pd.arrays.ArrowExtensionArray(pc.cast(column, pa.float64()))


def _text(column: pa.ChunkedArray, name: str, header: str) -> pa.ChunkedArray:
    """A column `text_cells` can take: text and numbers as they are (numbers are formatted once
    per distinct value there), booleans as 1 and 0, dates as ISO text."""
    kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return column
    if pa.types.is_dictionary(column.type):
        column = pc.cast(column, kind)
    if pa.types.is_boolean(kind):
        return pc.cast(column, pa.int8())
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        return column
    if pa.types.is_decimal(kind) or pa.types.is_temporal(kind):
        return pc.cast(column, pa.string())
    raise AnswersError(Issue("unsupported-column-type", name, f"a column of type {kind}",
                             "text, numbers, booleans or dates", column=header))
