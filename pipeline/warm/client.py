"""The command line's side of a warm process: hand it the command, relay signals, end as the command ended.

Standard library only. `run_warm` returns None whenever the command did not start in a warm
process (none listens, the socket is not this user's, a standard stream is closed, the
process refused it), and the command then runs as usual in its own process. Once the warm
process has said it started, the command's end is this process's end: its exit status, or
death by the signal that ended it, as a shell would see it had it run here.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import struct
from collections.abc import Sequence

from pipeline.warm.fingerprint import is_private, socket_path

RELAYED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
EXIT_INTERNAL = 1
HEADER = struct.Struct("!Q")  # the request's length in bytes, before the request


def ignored_signals() -> list[int]:
    """The relayed signals this process ignores (under nohup, or in the background): the command ignores them too."""
    return [int(number) for number in RELAYED_SIGNALS if signal.getsignal(number) == signal.SIG_IGN]


def request_bytes(argv: Sequence[str]) -> bytes:
    """What the warm process needs to run a command as this process would: words, folder, settings, umask, signals."""
    umask = os.umask(0)
    os.umask(umask)
    request = json.dumps({"argv": list(argv), "cwd": os.getcwd(), "environ": dict(os.environ), "umask": umask,
                          "ignored_signals": ignored_signals()})
    data = request.encode("utf-8", "surrogateescape")
    return HEADER.pack(len(data)) + data


def run_warm(argv: Sequence[str]) -> int | None:
    """The exit status of the command run by a warm process identical to this one, or None if none ran it."""
    try:
        path = socket_path()
        if not is_private(path.parent) or path.lstat().st_uid != os.getuid():
            return None
        for descriptor in (0, 1, 2):
            os.fstat(descriptor)  # a closed standard stream would be taken by the socket itself
    except OSError:
        return None
    with _Relay() as relay:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.connect(str(path))
            socket.send_fds(connection, [request_bytes(argv)], [0, 1, 2])
        except OSError:  # no process behind the socket any more
            connection.close()
            return None
        with connection, connection.makefile("rb") as replies:
            started = replies.readline()
            if not started.startswith(b"started "):
                return None  # refused before running anything: the command runs here
            relay.to(int(started.split()[1]))
            return _command_end(replies.readline(), relay)


def _command_end(line: bytes, relay: _Relay) -> int:
    """The exit status the warm process reported, or this process's death by the signal that ended the command."""
    if line.startswith(b"exit "):
        return int(line.split()[1])
    if line.startswith(b"signal "):
        die_by(int(line.split()[1]), relay)
    if relay.relayed:  # it ended with no word after a signal it was sent: it died of it
        die_by(relay.relayed[-1], relay)
    os.write(2, b"error: the warm process running this command stopped before it finished "
                b"(see 'python -m pipeline serve'); run it again.\n")
    return EXIT_INTERNAL


def die_by(number: int, relay: _Relay) -> None:
    """End this process by the signal, with its default action, as the command's own process ended."""
    relay.restore()
    with contextlib.suppress(OSError, ValueError):
        signal.signal(number, signal.SIG_DFL)
    os.kill(os.getpid(), number)
    os._exit(128 + number)  # a signal whose default is not to end the process


class _Relay:
    """Signals caught from before the request is sent: kept until the command's pid is known, then passed on.

    Signals this process ignores are not caught, and the command ignores them too. If the
    command never starts, the kept signals are raised again here, where they take their
    usual effect.
    """

    def __init__(self) -> None:
        self.pid: int | None = None
        self.relayed: list[int] = []
        self._kept: list[int] = []
        self._previous: dict[int, object] = {}

    def __enter__(self) -> _Relay:
        for number in RELAYED_SIGNALS:
            if signal.getsignal(number) != signal.SIG_IGN:
                self._previous[number] = signal.signal(number, self._caught)
        return self

    def _caught(self, number: int, _frame) -> None:
        if self.pid is None:
            self._kept.append(number)
        else:
            self._pass_on(number)

    def _pass_on(self, number: int) -> None:
        self.relayed.append(number)
        with contextlib.suppress(ProcessLookupError):  # it has just ended
            os.kill(self.pid, number)  # type: ignore[arg-type]

    def to(self, pid: int) -> None:
        self.pid = pid
        for number in self._kept:
            self._pass_on(number)
        self._kept.clear()

    def restore(self) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]
        self._previous.clear()

    def __exit__(self, *exc) -> None:
        self.restore()
        for number in self._kept:  # caught before any command started: their usual effect, here
            signal.raise_signal(number)
