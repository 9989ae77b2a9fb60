"""In a fork of the warm process: become the command's process, run the command, end as Python would.

The fork takes the command line's folder, environment, umask, signal dispositions and
standard streams, and runs `python -m pipeline`'s own entry. Its end is reported as
Python's own end would be: the exit status (after the exit handlers, waiting for threads,
and 120 if the output cannot be flushed), or death by a signal (Ctrl-C, after the
traceback Python prints), which the server sees and passes on. If the command line goes
away, the command goes with it, as it would in the command line's own process.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import resource
import shlex
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
import warnings
from typing import IO

from pipeline.warm.client import HEADER, RELAYED_SIGNALS

REQUEST_LIMIT = 64 * 1024 * 1024


def run_command(connection: socket.socket, log: IO[str]) -> int:
    """Become the command's process, run it, report its exit status; return it (the caller exits with it)."""
    request, streams = receive(connection)
    started = time.monotonic()
    os.setsid()  # Ctrl-C at the server's terminal is not the command's; the command's own comes relayed
    _take_signals(request.get("ignored_signals", []))
    os.umask(request["umask"])
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["environ"])
    tempfile.tempdir = None  # found again from TMPDIR, which is the command's
    if hasattr(warnings, "_filters_mutated"):
        warnings._filters_mutated()  # warnings the server saw while loading are shown again, as in a new process
    for target, descriptor in zip((0, 1, 2), streams, strict=True):
        os.dup2(descriptor, target)
        os.close(descriptor)
    _reopen_standard_streams()
    sys.argv = list(request["argv"])
    from pipeline.report import pdf_process

    pdf_process.fork_pdf_processes()
    finished = threading.Event()
    threading.Thread(target=_end_with_the_command_line, args=(connection, finished), daemon=True).start()
    connection.sendall(f"started {os.getpid()}\n".encode("ascii"))
    status = _exit_status()
    status = _shut_down(status)
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    print(f"ran {shlex.join(sys.argv[1:])} in {request['cwd']}: exit status {status}, "
          f"{time.monotonic() - started:.2f} s, CPU {sum(u.ru_utime + u.ru_stime for u in usage):.2f} s, "
          f"peak {max(u.ru_maxrss for u in usage) / 1024:.0f} MB", file=log, flush=True)
    finished.set()
    with contextlib.suppress(OSError):  # the command line has gone: nobody waits for the status
        connection.sendall(f"exit {status}\n".encode("ascii"))
    return status


def receive(connection: socket.socket) -> tuple[dict, list[int]]:
    """The request and the command line's three standard streams."""
    message, streams, _, _ = socket.recv_fds(connection, 65536, 3)
    if len(streams) != 3 or len(message) < HEADER.size:
        for stream in streams:
            os.close(stream)
        raise ConnectionError("a request without its three standard streams")
    (length,) = HEADER.unpack_from(message)
    if length > REQUEST_LIMIT:
        raise ConnectionError(f"a request of {length} bytes")
    data = bytearray(message[HEADER.size:])
    while len(data) < length:
        chunk = connection.recv(min(length - len(data), 1 << 20))
        if not chunk:
            raise ConnectionError("a request cut short")
        data += chunk
    return json.loads(data.decode("utf-8", "surrogateescape")), streams


def _take_signals(ignored: list[int]) -> None:
    """The command line's dispositions: what it ignores is ignored; the rest as in a new Python process."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for number in RELAYED_SIGNALS:
        if number in ignored:
            signal.signal(number, signal.SIG_IGN)
        elif number == signal.SIGINT:
            signal.signal(number, signal.default_int_handler)
        else:
            signal.signal(number, signal.SIG_DFL)


def _reopen_standard_streams() -> None:
    """New standard streams on the command's descriptors, buffered as Python buffers its own (`-u` included)."""
    encoding, errors = sys.stdout.encoding, sys.stdout.errors or "strict"
    unbuffered = _unbuffered()
    sys.stdin = open(0, encoding=encoding, errors=errors, closefd=False)  # noqa: SIM115
    sys.stdout = _text_stream(1, encoding, errors, line_buffering=not unbuffered and os.isatty(1),
                              unbuffered=unbuffered)
    sys.stderr = _text_stream(2, encoding, "backslashreplace", line_buffering=not unbuffered,
                              unbuffered=unbuffered)


def _unbuffered() -> bool:
    """Python's rule for unbuffered standard streams: `-u` (alone or among short flags), or PYTHONUNBUFFERED set."""
    from pipeline.warm.fingerprint import interpreter_options

    clusters = [option[1:] for option in interpreter_options() if option.startswith("-") and option[1:2] != "-"]
    return bool(os.environ.get("PYTHONUNBUFFERED")) or any(
        "u" in cluster and set(cluster) <= set("bBdEhiIOqsSuvx") for cluster in clusters)


def _text_stream(descriptor: int, encoding: str, errors: str, line_buffering: bool, unbuffered: bool) -> IO[str]:
    import io

    raw = io.FileIO(descriptor, "w", closefd=False)
    binary = raw if unbuffered else io.BufferedWriter(raw)
    return io.TextIOWrapper(binary, encoding=encoding, errors=errors, line_buffering=line_buffering,
                            write_through=unbuffered)


def _end_with_the_command_line(connection: socket.socket, finished: threading.Event) -> None:
    """When the command line goes away (killed), the command goes too, with everything it started."""
    with contextlib.suppress(OSError):
        while connection.recv(1):
            pass
    if not finished.is_set():
        os.killpg(os.getpgid(0), signal.SIGKILL)


def _exit_status() -> int:
    """Run the command as `python -m pipeline` would, with the exit status Python would give."""
    from pipeline.__main__ import run_command as command

    try:
        return command()
    except SystemExit as stop:
        if stop.code is None:
            return 0
        if isinstance(stop.code, int):
            return stop.code
        print(stop.code, file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Python prints the traceback, then ends by the signal itself
        traceback.print_exc()
        sys.stderr.flush()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
        return 128 + signal.SIGINT  # not reached: the signal's default is to end the process
    except BaseException:  # printed as Python prints an uncaught exception
        traceback.print_exc()
        return 1


def _shut_down(status: int) -> int:
    """What Python does at exit: wait for threads, run the exit handlers, flush the output (120 if it cannot)."""
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for name, stream in (("<stdout>", sys.stdout), ("<stderr>", sys.stderr)):
        try:
            stream.flush()
        except (OSError, ValueError) as error:
            if name == "<stdout>":
                with contextlib.suppress(OSError, ValueError):
                    sys.stderr.write(f"Exception ignored in: <_io.TextIOWrapper name='{name}' mode='w' "
                                     f"encoding='{stream.encoding}'>\n{type(error).__name__}: {error}\n")
                    sys.stderr.flush()
            status = 120
    return status
