"""An input file's bytes, read within bounds, and the wide encodings recognised by name.

A path may name something that never ends (`/dev/zero`, a named pipe fed by a program) or
a file far larger than any questionnaire or survey: reading it whole would hang or exhaust
memory before any check could run. Only regular files are read, at most a stated number
of bytes, in bounded chunks (a regular file can still grow, and files under /proc report
a size of 0). And a file saved as UTF-16 or UTF-32 would otherwise be read as text full of
NUL bytes; it is named for what it is.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pipeline.errors import Issue

CHUNK_BYTES = 1 << 24

_BYTE_ORDER_MARKS = (  # UTF-32 first: its little-endian mark begins with UTF-16's
    (b"\xff\xfe\x00\x00", "UTF-32 (little-endian, with a byte-order mark)"),
    (b"\x00\x00\xfe\xff", "UTF-32 (big-endian, with a byte-order mark)"),
    (b"\xff\xfe", "UTF-16 (little-endian, with a byte-order mark)"),
    (b"\xfe\xff", "UTF-16 (big-endian, with a byte-order mark)"),
)
_SNIFF_BYTES = 4096


class FileProblem(Exception):
    """Why a path could not be read: an issue without its error class, which the caller chooses."""

    def __init__(self, code: str, found: str):
        super().__init__(found)
        self.code = code
        self.found = found

    def issue(self, path: str, expected: str) -> Issue:
        return Issue(self.code, path, self.found, expected)


def read_bounded(path: Path | str, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most `max_bytes`; FileProblem otherwise, before reading much."""
    try:
        # without O_NONBLOCK, opening a named pipe waits for a writer, possibly for ever
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        try:
            _check_regular(os.fstat(descriptor).st_mode)
        except FileProblem:
            os.close(descriptor)
            raise
        with os.fdopen(descriptor, "rb") as handle:
            return _read_chunks(handle, max_bytes)
    except FileNotFoundError:
        raise FileProblem("file-not-found", "no such file") from None
    except OSError as exc:
        raise FileProblem("unreadable-file", (exc.strerror or "a file that cannot be read").lower()) from None


def check_readable(path: Path | str, max_bytes: int) -> int:
    """The size of a regular file of at most `max_bytes`, for readers that open the path themselves;
    FileProblem otherwise (never opens a pipe or a device for reading)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise FileProblem("file-not-found", "no such file") from None
    except OSError as exc:
        raise FileProblem("unreadable-file", (exc.strerror or "a file that cannot be read").lower()) from None
    _check_regular(info.st_mode)
    if info.st_size > max_bytes:
        raise FileProblem("file-too-large", f"a file of {info.st_size:,} bytes, over the limit of {max_bytes:,}")
    if not os.access(path, os.R_OK):
        raise FileProblem("unreadable-file", "permission denied")
    return info.st_size


def _check_regular(mode: int) -> None:
    """Pipes, sockets and devices may never end (or never start): refuse them without reading."""
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise FileProblem("unreadable-file", "a folder")
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode)
            else "a character device" if stat.S_ISCHR(mode) else "a block device" if stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    raise FileProblem("unreadable-file", f"{kind}, which may never end")


def _read_chunks(handle, max_bytes: int) -> bytes:
    """Read the size the file reports in one piece (one buffer, not chunks joined into a second
    copy: a large file is held once), then chunk by chunk while it proves longer (a file that
    grows, or one under /proc that reports 0), stopping as soon as it exceeds `max_bytes`."""
    size = os.fstat(handle.fileno()).st_size
    if size > max_bytes:
        raise FileProblem("file-too-large", f"a file of {size:,} bytes, over the limit of {max_bytes:,}")
    first = handle.read(size + 1) if size else b""
    if size and len(first) <= size:
        return first
    chunks: list[bytes] = [first] if first else []
    total = len(first)
    if total > max_bytes:
        raise FileProblem("file-too-large", f"a file of more than {max_bytes:,} bytes, the limit")
    while True:
        chunk = handle.read(min(CHUNK_BYTES, max_bytes + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise FileProblem("file-too-large", f"a file of more than {max_bytes:,} bytes, the limit")


def wide_encoding(data: bytes) -> str | None:
    """The name of a UTF-16 or UTF-32 encoding the bytes are in, with or without a byte-order mark, else None.

    Without a mark, text in those encodings shows NUL bytes at fixed places: every other byte
    (UTF-16) or three bytes of every four (UTF-32) for Latin text. A UTF-8 or Windows-1252 file
    has NUL bytes at such places only by accident, so most of a sample must follow the pattern.
    """
    for mark, name in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return name
    sample = data[:_SNIFF_BYTES]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    sample = sample[:len(sample) - len(sample) % 4]
    zeros = [sample[offset::4].count(0) / (len(sample) // 4) for offset in range(4)]
    if min(zeros[1:]) > 0.9 and zeros[0] < 0.5:
        return "UTF-32 (little-endian, without a byte-order mark)"
    if min(zeros[:3]) > 0.9 and zeros[3] < 0.5:
        return "UTF-32 (big-endian, without a byte-order mark)"
    if zeros[1] > 0.9 and zeros[3] > 0.9 and max(zeros[0], zeros[2]) < 0.5:
        return "UTF-16 (little-endian, without a byte-order mark)"
    if zeros[0] > 0.9 and zeros[2] > 0.9 and max(zeros[1], zeros[3]) < 0.5:
        return "UTF-16 (big-endian, without a byte-order mark)"
    return None
