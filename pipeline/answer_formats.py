"""Which reader an answers file needs, by its extension: CSV, Excel, SPSS, Stata or Parquet.

The extension decides, as it does for the people who send the files: `.xlsx` (and `.xlsm`) is
a workbook, `.sav` and `.zsav` SPSS, `.dta` Stata, `.parquet` Parquet, and anything else is
read as CSV (with the questionnaire's delimiter), as before. Each reader returns the same
`RawAnswers`, bounded by the same file size, so checking and estimation never see the format.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pipeline.ingest import MAX_ANSWERS_BYTES, RawAnswers, read_answers

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".sav": "sav", ".zsav": "sav", ".dta": "dta",
           ".parquet": "parquet"}
"""Extensions read by a reader other than CSV's (and `.csv` itself); any other is read as CSV."""

SUFFIXES = tuple(FORMATS)


def answers_format(path: Path | str) -> str:
    """The format of an answers file by its extension (case ignored): csv, xlsx, sav, dta or parquet."""
    return FORMATS.get(Path(path).suffix.lower(), "csv")


def read_answers_file(path: Path | str, delimiter: str = ",", sheet: str | None = None,
                      max_bytes: int = MAX_ANSWERS_BYTES,
                      numeric: Callable[[str], bool] | None = None) -> RawAnswers:
    """The answers of a file in any supported format, as text cells (the columns of a CSV or
    Parquet file that `numeric` names, such as replicate weights, as numbers)."""
    _system_memory_for_arrow()
    fmt = answers_format(path)
    if fmt == "xlsx":
        from pipeline.xlsx_answers import read_xlsx

        return read_xlsx(path, sheet, max_bytes)
    if fmt in ("sav", "dta"):
        from pipeline.stat_answers import read_stat_file

        return read_stat_file(path, fmt, max_bytes)
    if fmt == "parquet":
        from pipeline.parquet_answers import read_parquet

        return read_parquet(path, max_bytes, numeric)
    return read_answers(path, delimiter, max_bytes, numeric=numeric)


def _system_memory_for_arrow() -> None:
    """Arrow's memory from the system allocator, which hands a large freed block back at once:
    Arrow's default (mimalloc) keeps what reading a file used, and the checks' and estimates'
    arrays then come on top of it (1e6 respondents with 80 replicate weights from Parquet:
    2.4 GB at the peak with mimalloc, 1.7 GB with the system's)."""
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())
