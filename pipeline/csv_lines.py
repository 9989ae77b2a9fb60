"""Where each record of a CSV file starts and ends, counted in physical lines.

The CSV reader counts records, not lines. A quoted field may hold line breaks, so one record
can run over several physical lines; and a quote that opens a field but is not closed where
its writer meant makes the reader take every following line into that one field, silently
changing how many respondents are read. This scan follows the reader's quoting rules
exactly (a quote opens a field only as the field's first byte; inside a quoted field two
quotes stand for one and a single quote closes it; CR, LF and CRLF each end a line; empty
lines between records are skipped), so that every physical line is accounted for (header,
blank, or part of a record), messages name true lines, and the reader's record count can be
checked against a count made independently of it.

A file without any quote byte needs no quote-aware scan: each non-empty line is a record.
Otherwise the quotes are scanned in blocks with numpy: at each line break, the parity of
the quotes before it says whether the break falls inside a quoted field. Quotes that cannot
open a field (in an unquoted field, not its first byte) are literal text to the reader and
are left out of the count; they are found one run at a time, so a well-formed file costs a
few vectorised passes and only files with stray quotes take the loop.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

QUOTE, LF, CR = 0x22, 0x0A, 0x0D
BLOCK_BYTES = 1 << 23


@dataclass(frozen=True)
class RecordLines:
    """The physical lines of every record the reader sees, header first (lines are 1-based).

    `first` holds each record's first line; only records running over several lines are
    listed again, by index in `spanning` with their last lines in `spanning_last`, so a
    million one-line records cost one array. `breaks` (the byte offset ending each line) is
    kept only when a record spans lines or a quote is left open, to find the line of a byte.
    """

    first: np.ndarray
    spanning: np.ndarray
    spanning_last: np.ndarray
    physical_lines: int
    blank_lines: int
    breaks: np.ndarray | None = None
    unclosed: bool = False

    @property
    def records(self) -> int:
        return len(self.first)

    def last(self) -> np.ndarray:
        """Last line of each record."""
        last = self.first.copy()
        last[self.spanning] = self.spanning_last
        return last

    def lines_in_records(self, start: int = 0) -> int:
        """Physical lines taken by records from index `start` on (1: the data, without the header)."""
        extra = self.spanning_last - self.first[self.spanning]
        return int(len(self.first) - start + extra[self.spanning >= start].sum())

    def line_of(self, offset: int) -> int:
        """The physical line holding the byte at `offset`."""
        assert self.breaks is not None
        return int(np.searchsorted(self.breaks, offset, side="left")) + 1

    def byte_range(self, first_line: int, last_line: int) -> tuple[int, int]:
        """Byte offsets from the start of `first_line` to the line break ending `last_line`."""
        assert self.breaks is not None
        start = int(self.breaks[first_line - 2]) + 1 if first_line > 1 else 0
        return start, int(self.breaks[last_line - 1])


def scan_records(body: bytes, delimiter: str, reader_records: int | None = None) -> RecordLines:
    """Find every record's physical lines; `body` ends with a line break and has no byte-order mark.

    Without a quote byte, each non-empty line is a record. With quotes, when the reader's
    count (`reader_records`, header included) equals the number of non-empty lines, no record
    can span lines: a record over k lines holds at most k - 2 empty lines, so any such record
    would make the reader count fewer. Only the last line can then still hide a quote open at
    the end of the file; it is checked on its own. Otherwise the quote-aware scan runs. The
    caller still compares the count found here with the reader's.
    """
    raw = np.frombuffer(body, dtype=np.uint8)
    quoted = body.find(b'"') >= 0
    # as many LF-ended lines as records: none is empty, each is one record
    if (reader_records is not None and body.find(b"\r") < 0 and body.count(b"\n") == reader_records
            and (not quoted or not _last_line_open(body, delimiter))):
        return RecordLines(np.arange(1, reader_records + 1), _NONE, _NONE, reader_records, 0)
    if not quoted or reader_records is not None:
        lines = _plain_lines(raw)
        if not quoted or (reader_records == lines.records and not _last_line_open(body, delimiter)):
            return lines
    breaks, inside = _breaks_inside_quotes(raw, ord(delimiter))
    return _records(raw, breaks, inside)


def unclosed_field(body: bytes, lines: RecordLines, delimiter: str) -> Field:
    """The field of the last record whose quote is still open at the end of the file."""
    start, end = lines.byte_range(int(lines.first[-1]), lines.physical_lines)
    return record_fields(body, start, end, ord(delimiter))[-1]


def _plain_lines(raw: np.ndarray) -> RecordLines:
    """Records as the non-empty lines, as if no field held a line break."""
    breaks = _line_breaks(raw)
    empty = _empty_lines(raw, breaks)
    return RecordLines(np.flatnonzero(~empty) + 1, _NONE, _NONE, len(breaks), int(empty.sum()))


def _last_line_open(body: bytes, delimiter: str) -> bool:
    """Whether the last non-empty line, read as one record, ends inside a quoted field."""
    end = len(body)
    while end > 0 and body[end - 1] in (LF, CR):
        end -= 1
    start = max(body.rfind(b"\n", 0, end), body.rfind(b"\r", 0, end)) + 1
    last = record_fields(body, start, end, ord(delimiter))[-1]
    return last.opened is not None and last.closed is None


_NONE = np.zeros(0, dtype=np.int64)


def _line_breaks(raw: np.ndarray, lo: int = 0, hi: int | None = None) -> np.ndarray:
    """Byte offsets of the bytes ending each line in raw[lo:hi]: an LF, or a CR not followed by LF."""
    hi = len(raw) if hi is None else hi
    block = raw[lo:hi]
    lf = np.flatnonzero(block == LF) + lo
    cr = np.flatnonzero(block == CR) + lo
    if len(cr) == 0:
        return lf
    after = np.minimum(cr + 1, len(raw) - 1)
    lone = cr[(cr + 1 >= len(raw)) | (raw[after] != LF)]
    return np.sort(np.concatenate((lf, lone)))


def _empty_lines(raw: np.ndarray, breaks: np.ndarray) -> np.ndarray:
    """Whether each line holds nothing before its break (a CRLF line of just CRLF is empty)."""
    starts = np.concatenate(([0], breaks[:-1] + 1))
    crlf = (raw[breaks] == LF) & (breaks > starts) & (raw[np.maximum(breaks - 1, 0)] == CR)
    return breaks - crlf == starts


def _breaks_inside_quotes(raw: np.ndarray, delimiter: int) -> tuple[np.ndarray, np.ndarray]:
    """Every line break, and whether it falls inside a quoted field, block by block."""
    parts, flags = [], []
    state = _QuoteState()
    for lo in range(0, len(raw), BLOCK_BYTES):
        hi = min(lo + BLOCK_BYTES, len(raw))
        breaks = _line_breaks(raw, lo, hi)
        flags.append(state.inside(raw, lo, hi, breaks, delimiter))
        parts.append(breaks)
    return np.concatenate(parts), np.concatenate(flags)


class _QuoteState:
    """The reader's quoting state, carried from one block of the file to the next.

    Counted quotes (those the reader treats as quoting) alternate "open", "close"; a line
    break is inside a quoted field when an odd number of them come before it. A quote on an
    "open" turn must be the first byte of a field, or the second of an escaped pair (right
    after a "close"); otherwise the reader is in an unquoted field, where a quote is literal
    text, and so are any quotes right after it: those are not counted.
    """

    def __init__(self):
        self.counted = 0           # counted quotes so far
        self.last_quote = -2       # offset of the last quote seen
        self.last_literal = False  # whether that quote was literal text

    def inside(self, raw: np.ndarray, lo: int, hi: int, breaks: np.ndarray, delimiter: int) -> np.ndarray:
        """Whether each line break of raw[lo:hi] falls inside a quoted field."""
        block = raw[lo:hi]
        is_quote = block == QUOTE
        before = self.counted
        if not is_quote.any():
            return np.full(len(breaks), before % 2 == 1)
        quotes = _bits(is_quote)
        even_before = ~(_prefix_parity(quotes) ^ quotes)  # an even number of quotes before: an "open" turn
        if before % 2:
            even_before = ~even_before
        cannot_open = quotes & ~_after_separator_or_quote(raw, lo, block, is_quote, delimiter)
        carried_run = self.last_literal and lo > 0 and raw[lo - 1] == QUOTE
        if not carried_run and not (cannot_open & even_before).any():
            self.counted += int(np.count_nonzero(is_quote))
            self.last_literal = False
            self.last_quote = hi - 1 - int(np.argmax(is_quote[::-1]))
            offsets = breaks - lo
            turn = (even_before.view(np.uint8)[offsets >> 3] >> (offsets & 7).astype(np.uint8)) & 1
            return turn == 0
        positions = np.flatnonzero(is_quote) + lo
        kept = positions[self._keep(raw, positions, delimiter)]
        self.counted += len(kept)
        self.last_literal = len(kept) == 0 or kept[-1] != positions[-1]
        self.last_quote = int(positions[-1])
        return (before + np.searchsorted(kept, breaks)) % 2 == 1

    def _keep(self, raw: np.ndarray, quotes: np.ndarray, delimiter: int) -> np.ndarray:
        """Mask of counted quotes, dropping each literal quote and the quotes adjacent to it."""
        n = len(quotes)
        keep = np.ones(n, dtype=bool)
        adjacent = np.diff(quotes, prepend=self.last_quote) == 1
        separate = np.flatnonzero(~adjacent)

        def run_end(index: int) -> int:
            position = np.searchsorted(separate, index + 1)
            return int(separate[position]) if position < len(separate) else n

        shift, start = self.counted, 0
        if self.last_literal and adjacent[0]:
            start = run_end(0)
            keep[:start] = False
            shift -= start
        lone = np.flatnonzero(~adjacent & ~_field_start(raw, quotes, delimiter))
        by_turn = (lone[lone % 2 == 0], lone[lone % 2 == 1])
        while True:  # once per run of literal quotes
            candidates = by_turn[shift % 2]
            position = np.searchsorted(candidates, start)
            if position == len(candidates):
                return keep
            literal = int(candidates[position])
            start = run_end(literal)
            keep[literal:start] = False
            shift -= start - literal


def _after_separator_or_quote(raw: np.ndarray, lo: int, block: np.ndarray, is_quote: np.ndarray,
                              delimiter: int) -> np.ndarray:
    """Bits: whether each byte of the block follows a delimiter, line break or quote (or starts the file)."""
    separator = _bits((block == delimiter) | (block == LF) | (block == CR) | is_quote)
    carry = np.empty_like(separator)
    carry[1:] = separator[:-1] >> np.uint64(63)
    carry[0] = lo == 0 or raw[lo - 1] in (delimiter, LF, CR, QUOTE)
    return (separator << np.uint64(1)) | carry


_ALL = np.uint64(0xFFFF_FFFF_FFFF_FFFF)


def _bits(mask: np.ndarray) -> np.ndarray:
    """A boolean array as a bit string in 64-bit words: bit k of word w is mask[64 w + k]."""
    packed = np.packbits(mask, bitorder="little")
    if len(packed) % 8:
        packed = np.concatenate((packed, np.zeros(8 - len(packed) % 8, dtype=np.uint8)))
    return packed.view("<u8")


def _prefix_parity(bits: np.ndarray) -> np.ndarray:
    """Bit k is the parity of bits 0..k (inclusive): within each word by doubling shifts, then across words."""
    result = bits.copy()
    for shift in (1, 2, 4, 8, 16, 32):
        result ^= result << np.uint64(shift)
    word_parity = (result >> np.uint64(63)).astype(np.uint8)
    carried = np.bitwise_xor.accumulate(word_parity) ^ word_parity
    result ^= carried.astype(np.uint64) * _ALL
    return result


def _field_start(raw: np.ndarray, positions: np.ndarray, delimiter: int) -> np.ndarray:
    """Whether each byte is the first of a field: at the start of the file, or after a delimiter or line break."""
    before = raw[np.maximum(positions - 1, 0)]
    return (positions == 0) | (before == delimiter) | (before == LF) | (before == CR)


def _records(raw: np.ndarray, breaks: np.ndarray, inside: np.ndarray) -> RecordLines:
    """Records from line breaks and whether each falls inside quotes."""
    starts_inside = np.concatenate(([False], inside[:-1]))
    blank = _empty_lines(raw, breaks) & ~starts_inside
    first = np.flatnonzero(~starts_inside & ~blank) + 1
    last = np.flatnonzero(~inside & ~blank) + 1
    unclosed = len(last) < len(first)
    if unclosed:  # the file ends inside a quoted field
        last = np.append(last, len(breaks))
    spanning = np.flatnonzero(last > first)
    kept = breaks if len(spanning) or unclosed else None
    return RecordLines(first, spanning, last[spanning], len(breaks), int(blank.sum()), kept, unclosed)


@dataclass(frozen=True)
class Field:
    """One field of a record, by byte offsets: where its quote opened and closed, if quoted."""

    index: int
    start: int
    end: int
    opened: int | None = None
    closed: int | None = None

    @property
    def text_after_quote(self) -> bool:
        """Whether bytes follow the closing quote before the field ends (the reader keeps them as text)."""
        return self.closed is not None and self.closed + 1 < self.end


_QUOTED_TEXT = re.compile(rb'[^"]*(?:""[^"]*)*')


def _match_end(pattern: re.Pattern[bytes], data: bytes, start: int, end: int) -> int:
    """Where a pattern that matches the empty string stops matching (it always matches)."""
    match = pattern.match(data, start, end)
    return start if match is None else match.end()


def record_fields(data: bytes, start: int, end: int, delimiter: int) -> list[Field]:
    """Split one record, data[start:end] (without its final line break), as the reader does.

    Used only for the few records that span lines, so plain Python with regular
    expressions is fast enough.
    """
    unquoted = re.compile(rb"[^\r\n" + re.escape(bytes([delimiter])) + rb"]*")
    fields: list[Field] = []
    position = start
    while True:
        field_start, opened, closed = position, None, None
        if position < end and data[position] == QUOTE:
            opened = position
            position = _match_end(_QUOTED_TEXT, data, position + 1, end)
            if position >= end:
                fields.append(Field(len(fields), field_start, end, opened))
                return fields
            closed = position
            position += 1
        position = _match_end(unquoted, data, position, end)
        fields.append(Field(len(fields), field_start, position, opened, closed))
        if position >= end or data[position] != delimiter:
            return fields
        position += 1
