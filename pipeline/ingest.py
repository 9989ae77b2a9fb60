"""Read an answers file as delivered: raw CSV bytes in, a table of text cells out.

Files come from spreadsheets and survey tools: UTF-8 with or without a byte-order mark, or
Windows-1252 as Excel writes it; CRLF line endings; quoted fields; stray spaces around
codes. All of that is handled here, so the checks see clean text. The raw file is only
ever read. Nothing is interpreted yet: `validate.check_answers` does that against the
questionnaire.

Every physical line is accounted for: `csv_lines.scan_records` finds each record's first and
last line with the reader's own quoting rules, and its count must equal the reader's, so a
quote that runs past its line can never silently change how many respondents are read.

Limits keep a hostile file from hanging the run or exhausting memory: only regular files of
at most MAX_ANSWERS_BYTES are read (never a pipe or a device, which may not end), and no value
may be longer than MAX_FIELD_CHARS characters. Files in UTF-16 or UTF-32 are named as such.
Text is compared in Unicode normal form NFC: a header or code typed with a combining accent
(NFD, as some systems write file names) matches the questionnaire's composed letter.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
import threading
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from pipeline.csv_lines import Field, RecordLines, record_fields, scan_records, unclosed_field
from pipeline.errors import AnswersError, Issue
from pipeline.rawfile import FileProblem, read_bounded, wide_encoding

ENCODINGS = ("utf-8", "cp1252")
MAX_ANSWERS_BYTES = 8 << 30
MAX_FIELD_CHARS = 100_000


@dataclass(frozen=True)
class SpanningField:
    """A quoted value holding line breaks: its record's lines, its column, where its quote opened and closed.

    `text_after_quote` and `row_like_line` are the marks of a quote that was never meant to
    span lines: text after the closing quote, or a line inside the value that has as many
    fields as the header, like a row of answers taken into it.
    """

    first_line: int
    last_line: int
    column: str
    opened_line: int
    closed_line: int
    text_after_quote: bool = False
    row_like_line: int | None = None

    @property
    def lines(self) -> int:
        return self.closed_line - self.opened_line + 1


@dataclass(frozen=True)
class LineAccount:
    """Every physical line of the file: header + blank + lines of records = physical."""

    physical: int
    header: int
    blank: int
    records: int
    spanning: tuple[SpanningField, ...] = ()


@dataclass(frozen=True)
class RawAnswers:
    """The cells of an answers file as stripped text ('' for blank), one row per record.

    `line_numbers` holds the first physical line of each row's record in a CSV file; in other
    formats, the row number a person would look for (the sheet's row in a workbook, the case
    number in a data file). `labels` are the file's value labels by column (text of the value ->
    label), `ignored_columns` the file's columns no question uses, and `sources` the file's
    name of each column that was renamed to the questionnaire's (see `answer_columns`).
    """

    path: str
    encoding: str
    header: tuple[str, ...]
    cells: pd.DataFrame
    line_numbers: pd.Series
    malformed_rows: tuple[Issue, ...]
    lines: LineAccount | None = None
    format: str = "csv"
    sheet: str | None = None
    labels: Mapping[str, Mapping[str, str]] = dataclasses.field(default_factory=dict)
    ignored_columns: tuple[str, ...] = ()
    sources: Mapping[str, str] = dataclasses.field(default_factory=dict)
    ids_are_row_numbers: bool = False
    sha256: str | None = None
    """The SHA-256 of the very bytes the cells were read from, where the reader read the file
    whole (a CSV file); None otherwise."""

    @property
    def rows_read(self) -> int:
        return len(self.cells) + len(self.malformed_rows)

    @property
    def row_word(self) -> str:
        """What the file's positions are called: lines of a CSV file, rows of anything else."""
        return "line" if self.format == "csv" else "row"

    def locate(self, issue: Issue) -> Issue:
        """An issue about this file, placed as a person finds it: the file's own column name, and
        for formats other than CSV the sheet and row instead of a line."""
        return locate_issue(issue, self.path, self.format, self.sheet, self.sources)

    def locator(self) -> Callable[[Issue], Issue]:
        """`locate` without holding on to the cells."""
        return partial(locate_issue, path=self.path, fmt=self.format, sheet=self.sheet, sources=dict(self.sources))


def locate_issue(issue: Issue, path: str, fmt: str, sheet: str | None, sources: Mapping[str, str]) -> Issue:
    """See `RawAnswers.locate`."""
    if issue.file != path:
        return issue
    column = sources.get(issue.column, issue.column) if issue.column else issue.column
    if fmt == "csv":
        return issue if column == issue.column else replace(issue, column=column)
    if issue.line is None and issue.row is None and issue.sheet == sheet and column == issue.column:
        return issue
    return replace(issue, column=column, line=None, row=issue.line if issue.row is None else issue.row, sheet=sheet)


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
"""A well-formed UTF-8 sequence of two to four bytes: in Windows-1252 text it would be mojibake."""


def decode_answers(data: bytes, path: str) -> tuple[str, str]:
    """Decode the file's bytes, trying UTF-8 (with or without BOM) then Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    utf8_sequence = _UTF8_MULTIBYTE.search(data)
    if utf8_sequence is not None:
        # UTF-8 text beside bytes that are not: decoding it all as Windows-1252 would silently
        # turn every UTF-8 character into two or three others.
        utf8_line = data.count(b"\n", 0, utf8_sequence.start()) + 1
        raise AnswersError(Issue(
            "encoding", path, f"UTF-8 text (line {utf8_line}) and a byte 0x{data[first_bad]:02x} that is not UTF-8",
            "text in one encoding, UTF-8 or Windows-1252", line=data.count(b"\n", 0, first_bad) + 1,
            hint="save the file as UTF-8"))
    for encoding in ENCODINGS[1:]:
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


def read_answers(path: Path | str, delimiter: str = ",", max_bytes: int = MAX_ANSWERS_BYTES,
                 numeric: Callable[[str], bool] | None = None) -> RawAnswers:
    """Read the answers file into stripped text cells; every line is kept or accounted for.

    Cells come back as pandas categoricals (one small integer per cell, the text once per
    distinct value), so a million respondents take megabytes, not gigabytes. Columns for which
    `numeric` holds (numbers that nearly all differ, such as replicate weights) are read as
    numbers (float arrays) when every value in them is a plain number, and as text otherwise,
    so that the checks can name the value that is not. UTF-8 is checked
    by the CSV reader itself; only a file that fails it is decoded as Windows-1252.
    """
    name = str(path)
    try:
        data = read_bounded(path, max_bytes)
    except FileProblem as problem:
        expected = f"a readable CSV file (a regular file of at most {max_bytes:,} bytes)"
        raise AnswersError(problem.issue(name, expected)) from None
    digest = _digest_in_background(data)
    wide = wide_encoding(data)
    if wide is not None:
        raise AnswersError(Issue("encoding", name, f"a {wide} file", "a UTF-8 or Windows-1252 text file",
                                 hint="save the answers as UTF-8 CSV"))
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if re.search(rb"\S", body) is None:
        raise AnswersError(Issue("empty-file", name, "an empty file", "a header line and at least one row", line=1))
    if not body.endswith((b"\n", b"\r")):
        body += b"\n"
    encoding = "utf-8"
    ascii_only = body.isascii()
    try:
        if not ascii_only:
            _check_utf8(body)
        names, columns, invalid_rows = _parse(body, delimiter, name, normalise=not ascii_only, numeric=numeric)
    except _NotUtf8:
        text, encoding = decode_answers(data, name)
        body = text.encode("utf-8") + (b"" if text.endswith(("\n", "\r")) else b"\n")
        del text
        names, columns, invalid_rows = _parse(body, delimiter, name, normalise=True, numeric=numeric)
    rows = len(columns[0]) if columns else 0
    records = _check_records(body, delimiter, name, names, 1 + rows + len(invalid_rows))
    header = tuple(unicodedata.normalize("NFC", str(c).strip()) for c in names)
    account = _line_account(body, delimiter, records, header)
    del data, body
    if len(set(header)) != len(header):
        repeated = next(h for i, h in enumerate(header) if h in header[:i])
        raise AnswersError(Issue("duplicate-column", name, f"the column '{repeated}' twice",
                                 "each column once", line=1, column=repeated))
    cells = pd.DataFrame(dict(zip(header, columns, strict=True)), copy=False) if header else pd.DataFrame()
    malformed = [_wrong_field_count(name, records, account, number, actual, expected)
                 for number, actual, expected in invalid_rows]
    line_numbers = _line_numbers(records, {number for number, _, _ in invalid_rows})
    _check_field_lengths(name, header, cells, line_numbers)
    if len(cells) == 0 and not malformed:
        raise AnswersError(Issue("no-rows", name, "a header with no rows", "at least one row of answers", line=2))
    return RawAnswers(name, encoding, header, cells, line_numbers, tuple(malformed), account, sha256=digest())


def _digest_in_background(data: bytes) -> Callable[[], str]:
    """The SHA-256 of the bytes read, taken in another thread while they are parsed (hashing
    releases the interpreter); the function returned waits for it. It names exactly what was
    read, for the manifest and the answers cache's key."""
    digest: list[str] = []
    thread = threading.Thread(target=lambda: digest.append(hashlib.sha256(data).hexdigest()),
                              name="answers-digest", daemon=True)
    thread.start()

    def result() -> str:
        thread.join()
        return digest[0]
    return result


def _check_field_lengths(name: str, header: tuple[str, ...], cells: pd.DataFrame, line_numbers: pd.Series) -> None:
    """No column name or value over MAX_FIELD_CHARS characters: no answer is that long, and a value
    that is has usually swallowed the file after an unclosed quote or is not survey data at all."""
    for column in header:
        if len(column) > MAX_FIELD_CHARS:
            raise AnswersError(_too_long(name, len(column), 1, column))
    for column in header:
        row = _first_too_long(cells[column])
        if row is not None:
            length = len(str(cells[column].iloc[row]))
            raise AnswersError(_too_long(name, length, int(line_numbers.iloc[row]), column))


def _too_long(name: str, length: int, line: int | None, column: str | None) -> Issue:
    return Issue("field-too-long", name, f"a value of {length:,} characters",
                 f"values of at most {MAX_FIELD_CHARS:,} characters", line=line, column=column)


def _first_too_long(series: pd.Series) -> int | None:
    """The first row whose value is over MAX_FIELD_CHARS characters, measured once per distinct value."""
    if pd.api.types.is_float_dtype(series.dtype):  # read as numbers: no value that long
        return None
    if isinstance(series.dtype, pd.CategoricalDtype):
        long_codes = [code for code, value in enumerate(series.cat.categories) if len(value) > MAX_FIELD_CHARS]
        if not long_codes:
            return None
        rows = np.flatnonzero(np.isin(series.cat.codes.to_numpy(), long_codes))
    else:
        import pyarrow.compute as pc

        lengths = pc.utf8_length(pa.chunked_array(series.array._pa_array)).to_numpy(zero_copy_only=False)
        rows = np.flatnonzero(lengths > MAX_FIELD_CHARS)
    return int(rows[0]) if len(rows) else None


def _check_records(body: bytes, delimiter: str, name: str, names: list[str], reader_records: int) -> RecordLines:
    """Each record's physical lines, checked: no quote left open, and the reader's count matched."""
    records = scan_records(body, delimiter, reader_records)
    if records.unclosed:
        field = unclosed_field(body, records, delimiter)
        assert field.opened is not None  # an unclosed value always has its opening quote
        opened = records.line_of(field.opened)
        raise AnswersError(Issue(
            "unclosed-quote", name,
            f"a quote that opens a value here and is never closed: the value runs over the last "
            f"{records.physical_lines - opened + 1} line(s) of the file",
            "a closing quote at the end of the value", line=opened, column=_column_name(names, field.index)))
    if records.records != reader_records:
        raise AnswersError(Issue(
            "record-count-mismatch", name,
            f"{records.records - 1} rows by a quote-aware count of lines, but {reader_records - 1} by the CSV reader",
            "the same count both ways; check the quoting of values", line=None))
    return records


def _column_name(header, index: int) -> str:
    return str(header[index]).strip() if index < len(header) else f"field {index + 1}"


def _line_account(body: bytes, delimiter: str, records: RecordLines, header: tuple[str, ...]) -> LineAccount:
    """Header, blank and record lines, and every quoted value that spans lines."""
    header_lines = records.lines_in_records() - records.lines_in_records(1)
    spanning = tuple(field for index in records.spanning if index > 0
                     for field in _spanning_fields(body, delimiter, records, int(index), header))
    return LineAccount(records.physical_lines, header_lines, records.blank_lines, records.lines_in_records(1),
                       spanning)


def _spanning_fields(body: bytes, delimiter: str, records: RecordLines, index: int,
                     header: tuple[str, ...]) -> list[SpanningField]:
    """The values of one multi-line record that hold line breaks."""
    first = int(records.first[index])
    last = int(records.spanning_last[np.searchsorted(records.spanning, index)])
    start, end = records.byte_range(first, last)
    found = []
    for field in record_fields(body, start, end, ord(delimiter)):
        if field.opened is None or field.closed is None:
            continue
        opened, closed = records.line_of(field.opened), records.line_of(field.closed)
        if closed > opened:
            found.append(SpanningField(first, last, _column_name(header, field.index), opened, closed,
                                       field.text_after_quote,
                                       _row_like_line(body, records, field, delimiter, len(header))))
    return found


def _row_like_line(body: bytes, records: RecordLines, field: Field, delimiter: str, columns: int) -> int | None:
    """The first line taken into a quoted value that reads like the start of a row, if any.

    Each line after the opening quote is looked at up to the closing quote. A row swallowed
    whole shows the header's number of delimiters; a row whose own stray quote closed the value
    shows at least as many delimiters as there are columns before this one (its id and answers
    up to here). Either way the value is refused rather than a respondent silently lost.
    """
    if columns < 2:
        return None
    if field.opened is None or field.closed is None:
        return None
    mark = delimiter.encode()
    row_start = max(field.index, 1)
    opened, closed = records.line_of(field.opened), records.line_of(field.closed)
    for line in range(opened + 1, closed + 1):
        start, end = records.byte_range(line, line)
        if body.count(mark, start, min(end, field.closed)) >= row_start:
            return line
    return None


def _wrong_field_count(name: str, records: RecordLines, account: LineAccount, number: int | None,
                       actual: int, expected: int) -> Issue:
    """A record with the wrong number of fields, on its first line; a quoted line break in it is named."""
    line = _line_of(records, number)
    hint = None
    spans = [f for f in account.spanning if f.first_line == line]
    if spans:
        hint = (f"a quote opened on line {spans[0].opened_line} in column {spans[0].column} closes only on line "
                f"{spans[0].closed_line}, so lines {line} to {spans[0].last_line} are read as one row")
    return Issue("wrong-field-count", name, f"{actual} field(s)", f"{expected} fields, one per header column",
                 line=line, hint=hint)


class _NotUtf8(Exception):
    """The bytes are not valid UTF-8; try Windows-1252."""


def _check_utf8(body: bytes) -> None:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise _NotUtf8() from None


def _parse(body: bytes, delimiter: str, name: str, normalise: bool = False,
           numeric: Callable[[str], bool] | None = None
           ) -> tuple[list[str], list, list[tuple[int | None, int, int]]]:
    """Column names, the columns (converted batch by batch, so the whole file is never held as
    an Arrow table, their text in NFC if `normalise`), and the rows with the wrong number of fields."""
    invalid_rows: list[tuple[int | None, int, int]] = []

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        invalid_rows.append((row.number, row.actual_columns, row.expected_columns))
        return "skip"

    def attempt(as_numbers: Callable[[str], bool] | None) -> tuple[list[str], list]:
        names, columns = _read(body, delimiter, on_invalid_row, threads=True, normalise=normalise,
                               numeric=as_numbers)
        if any(number is None for number, _, _ in invalid_rows):  # in parallel, rows are not numbered
            invalid_rows.clear()
            names, columns = _read(body, delimiter, on_invalid_row, threads=False, normalise=normalise,
                                   numeric=as_numbers)
        return names, columns

    try:
        try:
            names, columns = attempt(numeric)
        except pa.ArrowInvalid:
            if numeric is None:
                raise
            invalid_rows.clear()  # a value that is not a plain number: read as text, for the checks to name it
            names, columns = attempt(None)
    except UnicodeDecodeError:  # in the header, which pyarrow decodes in Python
        raise _NotUtf8() from None
    except pa.ArrowInvalid as exc:
        message = str(exc)
        if "utf8" in message.lower() or "utf-8" in message.lower():
            raise _NotUtf8() from None
        if "straddl" in message:  # a value or row longer than the reader's block
            raise AnswersError(Issue("field-too-long", name, f"a value or row of more than {BLOCK_BYTES:,} bytes",
                                     f"values of at most {MAX_FIELD_CHARS:,} characters")) from None
        raise AnswersError(Issue("unreadable-csv", name, message.splitlines()[0], "a comma-separated file")) from None
    invalid_rows.sort(key=lambda row: -1 if row[0] is None else row[0])
    return names, columns, invalid_rows


STREAM_ABOVE_BYTES = 256 * 1024 * 1024
BLOCK_BYTES = 1 << 24


def _read(body: bytes, delimiter: str, on_invalid_row, threads: bool,
          stream_above: int = STREAM_ABOVE_BYTES, normalise: bool = False,
          numeric: Callable[[str], bool] | None = None) -> tuple[list[str], list]:
    """Parse and convert. A file up to `stream_above` bytes is parsed whole, in parallel; a
    larger one batch by batch, so that it is never held whole as an Arrow table."""
    options = dict(
        read_options=pacsv.ReadOptions(use_threads=threads, block_size=BLOCK_BYTES),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                          invalid_row_handler=on_invalid_row),
        convert_options=pacsv.ConvertOptions(
            column_types=_all_text(body, delimiter, numeric), strings_can_be_null=False,
            quoted_strings_can_be_null=False, null_values=[], check_utf8=normalise))  # ASCII needs no check
    if len(body) <= stream_above:
        table = pacsv.read_csv(pa.py_buffer(body), **options)
        names = list(table.column_names)
        columns = list(table.columns)
        del table
        converted = []
        for i in range(len(columns)):
            builder = _ColumnBuilder(normalise)
            for chunk in columns[i].chunks:
                builder.add(chunk)
            columns[i] = None  # free each Arrow column once converted
            converted.append(builder.finish())
        return names, converted
    reader = pacsv.open_csv(pa.BufferReader(pa.py_buffer(body)), **options)
    names = list(reader.schema.names)
    builders = [_ColumnBuilder(normalise) for _ in names]
    for batch in reader:
        for builder, column in zip(builders, batch.columns, strict=True):
            builder.add(column)
    return names, [builder.finish() for builder in builders]


class _ColumnBuilder:
    """Gathers one column batch by batch: as category codes, or as Arrow text for id-like columns.

    A column with nearly as many distinct values as rows (a respondent id, a weight) gains
    nothing from categories and would cost one Python string per row; it stays in Arrow.
    Categories keep the order values first appear in; values that differ only by spaces around
    them are one category.
    """

    def __init__(self, normalise: bool = False):
        self.index: dict[str, int] = {}
        self.parts: list = []
        self.text: bool | None = None
        self.numbers = False
        self.normalise = normalise

    def add(self, column: pa.Array) -> None:
        import pyarrow.compute as pc

        if len(column) == 0:
            return
        if pa.types.is_floating(column.type):  # a column read as numbers: kept in Arrow
            self.parts.append(column)
            self.numbers = True
            return
        if self.text is None:
            self.text = len(column.dictionary) > 4096 and 2 * len(column.dictionary) > len(column)
        if self.text:
            text = pc.utf8_trim_whitespace(pc.cast(column, pa.string()))
            self.parts.append(pc.utf8_normalize(text, form="NFC") if self.normalise else text)
            return
        values = pc.utf8_trim_whitespace(column.dictionary).to_pylist()
        if self.normalise:  # values differing only in composition become one category
            values = [unicodedata.normalize("NFC", value) for value in values]
        remap = np.array([self.index.setdefault(v, len(self.index)) for v in values], dtype=np.int64)
        indices = column.indices.to_numpy(zero_copy_only=False)
        if not len(remap):
            codes = np.zeros(0, np.int8)
        elif len(self.index) < 127 and len(remap) < 256 and column.indices.null_count == 0:  # bytes to bytes
            table = np.zeros(256, dtype=np.int8)
            table[:len(remap)] = remap
            codes = np.frombuffer(bytearray(indices.astype(np.uint8)).translate(table.tobytes()), dtype=np.int8)
        else:
            codes = remap[indices].astype(_code_type(len(self.index)))
        self.parts.append(codes)

    def finish(self):
        if self.numbers:  # in Arrow, so that pandas does not copy every float column into one block
            return pd.arrays.ArrowExtensionArray(pa.chunked_array(self.parts, type=pa.float64()))
        if self.text:
            return pd.arrays.ArrowStringArray(pa.chunked_array(self.parts, type=pa.string()))
        codes = np.concatenate(self.parts).astype(_code_type(len(self.index))) if self.parts else np.zeros(0, np.int8)
        return pd.Categorical.from_codes(codes, categories=pd.Index(list(self.index), dtype=object))


def _all_text(data: bytes, delimiter: str, numeric: Callable[[str], bool] | None = None) -> dict[str, pa.DataType]:
    """Every column is read as dictionary-encoded text (codes like '01' or 'yes' must not be
    re-typed), except those `numeric` names, read as numbers."""
    first_line = re.search(rb"[^\r\n]+", data)
    header = first_line.group() if first_line else b""
    first = pacsv.read_csv(io.BytesIO(header + b"\n"),
                           parse_options=pacsv.ParseOptions(delimiter=delimiter),
                           read_options=pacsv.ReadOptions(use_threads=False))
    return {name: pa.float64() if numeric is not None and numeric(name) else pa.dictionary(pa.int32(), pa.string())
            for name in first.column_names}


def _code_type(size: int) -> type:
    return np.int8 if size < 127 else np.int16 if size < 32_767 else np.int32


def _line_of(records: RecordLines, number: int | None) -> int | None:
    """First line of the reader's record `number` (1-based, the header is record 1), if known."""
    return int(records.first[number - 1]) if number is not None and 0 < number <= records.records else None


def _line_numbers(records: RecordLines, skipped: set[int | None]) -> pd.Series:
    """First line of each kept row's record; `skipped` are the reader's numbers of the records it dropped."""
    keep = np.ones(records.records, dtype=bool)
    keep[:1] = False
    for number in skipped:
        if number is not None and 0 < number <= records.records:
            keep[number - 1] = False
    return pd.Series(records.first[keep], dtype="int64")
