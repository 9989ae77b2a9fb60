"""Read an answers file as delivered: raw CSV bytes in, a table of text cells out.

Files come from spreadsheets and survey tools: UTF-8 with or without a byte-order mark, or
Windows-1252 as Excel writes it; CRLF line endings; quoted fields; stray spaces around
codes. All of that is handled here, so the checks see clean text. The raw file is only
ever read. Nothing is interpreted yet: `validate.check_answers` does that against the
questionnaire.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from pipeline.errors import AnswersError, Issue

ENCODINGS = ("utf-8", "cp1252")


@dataclass(frozen=True)
class RawAnswers:
    """The cells of an answers file as stripped text ('' for blank), one row per data line."""

    path: str
    encoding: str
    header: tuple[str, ...]
    cells: pd.DataFrame
    line_numbers: pd.Series
    malformed_rows: tuple[Issue, ...]

    @property
    def rows_read(self) -> int:
        return len(self.cells) + len(self.malformed_rows)


def decode_answers(data: bytes, path: str) -> tuple[str, str]:
    """Decode the file's bytes, trying UTF-8 (with or without BOM) then Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            try:
                line.decode("cp1252")
            except UnicodeDecodeError as exc:
                raise AnswersError(Issue(
                    "encoding", path, f"the byte 0x{line[exc.start]:02x} at column {exc.start + 1}",
                    "text in UTF-8 or Windows-1252", line=number)) from None
    raise AnswersError(Issue("encoding", path, "a file that mixes UTF-8 and Windows-1252 text",
                             "text in one encoding, UTF-8 or Windows-1252"))


def read_answers(path: Path | str, delimiter: str = ",") -> RawAnswers:
    """Read the answers file into stripped text cells; every line is kept or accounted for."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise AnswersError(Issue("file-not-found", name, "no such file", "a readable CSV file")) from None
    except OSError as exc:
        raise AnswersError(Issue("unreadable-file", name, (exc.strerror or "a file that cannot be read").lower(),
                                 "a readable CSV file")) from None
    text, encoding = decode_answers(data, name)
    if not text.strip():
        raise AnswersError(Issue("empty-file", name, "an empty file", "a header line and at least one row", line=1))
    utf8 = text.encode("utf-8") + (b"" if text.endswith(("\n", "\r")) else b"\n")
    invalid_rows: list[tuple[int | None, int, int]] = []

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        invalid_rows.append((row.number, row.actual_columns, row.expected_columns))
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(utf8),
            read_options=pacsv.ReadOptions(use_threads=False, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                              invalid_row_handler=on_invalid_row),
            convert_options=pacsv.ConvertOptions(
                column_types=_all_text(utf8, delimiter), strings_can_be_null=False,
                quoted_strings_can_be_null=False, null_values=[]),
        )
    except pa.ArrowInvalid as exc:
        raise AnswersError(Issue("unreadable-csv", name, str(exc).splitlines()[0], "a comma-separated file")) from None
    header = tuple(str(c).strip() for c in table.column_names)
    cells = pd.DataFrame({h: _strip(table.column(i)) for i, h in enumerate(header)}) if header else pd.DataFrame()
    if len(set(header)) != len(header):
        seen: set[str] = set()
        dupes = [h for h in header if h in seen or seen.add(h)]
        raise AnswersError(Issue("duplicate-column", name, f"the column '{dupes[0]}' twice",
                                 "each column once", line=1, column=dupes[0]))
    record_lines = _record_lines(text)
    malformed = [Issue("wrong-field-count", name, f"{actual} field(s)", f"{expected} fields, one per header column",
                       line=_line_of(record_lines, number))
                 for number, actual, expected in invalid_rows]
    line_numbers = _line_numbers(record_lines, len(cells), {number for number, _, _ in invalid_rows})
    if len(cells) == 0 and not malformed:
        raise AnswersError(Issue("no-rows", name, "a header with no rows", "at least one row of answers", line=2))
    return RawAnswers(name, encoding, header, cells, line_numbers, tuple(malformed))


def _all_text(data: bytes, delimiter: str) -> dict[str, pa.DataType]:
    """Every column is read as text: codes like '01' or 'yes' must not be re-typed."""
    first_line = re.search(rb"[^\r\n]+", data)
    header = first_line.group() if first_line else b""
    first = pacsv.read_csv(io.BytesIO(header + b"\n"),
                           parse_options=pacsv.ParseOptions(delimiter=delimiter),
                           read_options=pacsv.ReadOptions(use_threads=False))
    return {name: pa.string() for name in first.column_names}


def _strip(column: pa.ChunkedArray) -> pd.Series:
    import pyarrow.compute as pc

    return pd.Series(pc.utf8_trim_whitespace(column).to_numpy(zero_copy_only=False), dtype=object)


def _record_lines(text: str) -> list[int]:
    """File line of each record the reader sees, the header first (as for the reader, blank lines
    are skipped and CR, LF and CRLF each end a line).

    Assumes no newlines inside quoted fields; where that fails, later records are numbered early.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [i + 1 for i, line in enumerate(lines) if line != ""]


def _line_of(record_lines: list[int], number: int | None) -> int | None:
    """File line of the reader's record `number` (1-based, the header is record 1), if known."""
    return record_lines[number - 1] if number is not None and 0 < number <= len(record_lines) else None


def _line_numbers(record_lines: list[int], rows: int, skipped: set[int | None]) -> pd.Series:
    """File line of each kept row; `skipped` are the reader's numbers of the records it dropped."""
    candidates = [line for number, line in enumerate(record_lines, start=1) if number > 1 and number not in skipped]
    if len(candidates) >= rows:
        return pd.Series(candidates[:rows], dtype="int64")
    return pd.Series(range(2, rows + 2), dtype="int64")
