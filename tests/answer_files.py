"""Answers written in each format the pipeline reads, from a CSV file, as survey tools export them.

Numbers become numeric columns, text stays text. For SPSS and Stata, text answers with few
distinct values become labelled numbers (1, 2, ... with the text as value label), as those
packages hold categorical answers; names holding dots (which neither package allows) become
`renames[name]`.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

FORMATS = ("xlsx", "sav", "dta", "parquet")
_PLAIN_NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d*[1-9])?")
LABELLED_UP_TO = 30


def typed_frame(csv_path: Path) -> pd.DataFrame:
    """The CSV's columns, those holding only plain numbers (and blanks) as floats or integers."""
    text = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    columns = {}
    for name in text.columns:
        values = text[name]
        distinct = [v for v in values.unique() if v != ""]
        if distinct and all(_PLAIN_NUMBER.fullmatch(v) for v in distinct):
            numbers = pd.to_numeric(values.replace("", np.nan))
            columns[name] = numbers.astype("Int64") if (values != "").all() and numbers.eq(numbers.round()).all() \
                else numbers
        else:
            columns[name] = values
    return pd.DataFrame(columns)


def write_answers(csv_path: Path, fmt: str, out: Path, renames: dict[str, str] | None = None,
                  sheet: str = "answers", keep_text: tuple[str, ...] = ()) -> Path:
    """`csv_path`'s answers as an `fmt` file at `out`."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import pyreadstat

    frame = typed_frame(csv_path)
    if fmt == "parquet":
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), out)
        return out
    if fmt == "xlsx":
        frame.to_excel(out, index=False, sheet_name=sheet)
        return out
    labels: dict[str, dict[float, str]] = {}
    data = {}
    for name in frame.columns:
        values = frame[name]
        if values.dtype.kind in "iuf" or isinstance(values.dtype, pd.Int64Dtype):
            data[name] = values.astype(float)
            continue
        distinct = [v for v in dict.fromkeys(values) if v != ""]
        if name not in keep_text and len(distinct) <= LABELLED_UP_TO:
            codes = {v: float(i + 1) for i, v in enumerate(distinct)}
            data[name] = values.map(codes).astype(float)
            labels[name] = {number: v for v, number in codes.items()}
        else:
            data[name] = values
    renames = renames or {}
    stat = pd.DataFrame({renames.get(name, name): column for name, column in data.items()})
    writer = pyreadstat.write_sav if fmt == "sav" else pyreadstat.write_dta
    writer(stat, str(out), variable_value_labels={renames.get(k, k): v for k, v in labels.items()})
    return out
