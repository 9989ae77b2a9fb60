"""The command line's side of a warm process: hand it the command, relay signals, return its exit status.

Standard library only. `run_warm` returns None whenever the command did not start in a warm
process (none listens, the socket is not this user's, the process refused it), and the
command then runs as usual in its own process; once the warm process has said it started,
its exit status is the command's.
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


def request_bytes(argv: Sequence[str]) -> bytes:
    """What the warm process needs to run a command as this process would: words, folder, settings, umask."""
    umask = os.umask(0)
    os.umask(umask)
    request = json.dumps({"argv": list(argv), "cwd": os.getcwd(), "environ": dict(os.environ), "umask": umask})
    data = request.encode("utf-8", "surrogateescape")
    return HEADER.pack(len(data)) + data


def run_warm(argv: Sequence[str]) -> int | None:
    """The exit status of the command run by a warm process identical to this one, or None if none ran it."""
    path = socket_path()
    if not path.exists() or not is_private(path.parent) or path.lstat().st_uid != os.getuid():
        return None
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(str(path))
        socket.send_fds(connection, [request_bytes(argv)], [0, 1, 2])
    except OSError:  # no process behind the socket any more, or a standard stream is closed
        connection.close()
        return None
    with connection, connection.makefile("rb") as replies:
        started = replies.readline()
        if not started.startswith(b"started "):
            return None  # refused before running anything
        return _await_exit(int(started.split()[1]), replies)


def _await_exit(pid: int, replies) -> int:
    """Relay signals to the running command until it reports its exit status."""
    relayed: list[int] = []

    def relay(number: int, _frame) -> None:
        relayed.append(number)
        with contextlib.suppress(ProcessLookupError):  # it has just ended
            os.kill(pid, number)

    previous = {number: signal.signal(number, relay) for number in RELAYED_SIGNALS}
    try:
        finished = replies.readline()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if finished.startswith(b"exit "):
        return int(finished.split()[1])
    if relayed:  # stopped by a signal it was sent: what a shell reports for it
        return 128 + relayed[-1]
    os.write(2, b"error: the warm process running this command stopped before it finished "
                b"(see 'python -m pipeline serve'); run it again.\n")
    return EXIT_INTERNAL
