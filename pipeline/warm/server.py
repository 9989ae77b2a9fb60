"""`python -m pipeline serve`: keep the pipeline loaded and run each command in a fresh fork of it.

The server imports every module a command may use and lays out a one-page PDF (so Pango,
fontconfig and HarfBuzz are started), then forks once per command: the fork takes the
command's folder, environment, umask and standard streams, runs it exactly as
`python -m pipeline` would and reports its exit status. Nothing a command does reaches the
server or the next command. The server is forked before it has run any analysis, so no
thread pool of Arrow's or the PDF process's exists to be copied half-way.

It listens on a socket named by the fingerprint of its code and settings
(`pipeline.warm.fingerprint`); when the code or the packages change it starts itself again,
so it never serves what a command would not have loaded itself.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import pkgutil
import resource
import select
import shlex
import signal
import socket
import struct
import sys
import time
import traceback
from pathlib import Path

from pipeline.warm.client import HEADER
from pipeline.warm.fingerprint import PACKAGE, is_private, socket_path

# Packages the commands import inside functions, loaded here so that no command pays for them.
LIBRARIES = ("pyarrow.csv", "pyarrow.parquet", "pyarrow.compute", "scipy.special", "scipy.stats", "jinja2",
             "markupsafe", "weasyprint", "pikepdf", "openpyxl")
CHECK_EVERY_SECONDS = 1.0
REQUEST_LIMIT = 64 * 1024 * 1024


class ServeError(Exception):
    """The server cannot listen (the socket folder is not private, or another server holds the socket)."""


def preload() -> list[str]:
    """Import the pipeline's modules and the libraries its commands load, and warm the PDF stack.

    Returns the modules that could not be imported (an optional reader's library, say): the
    command that needs one will import it, or report it missing, as it would on its own.
    """
    missing = import_modules(LIBRARIES)
    from pipeline.report.pdf_process import warm_up

    warm_up()
    gc.collect()
    gc.freeze()  # what is loaded now is shared by every fork, not copied into each by the collector
    return missing


def import_modules(libraries: tuple[str, ...]) -> list[str]:
    """Import every module of the package (but the command line's entry and this one's) and `libraries`.

    Returns the names that could not be imported.
    """
    names = [module.name for module in pkgutil.walk_packages([str(PACKAGE)], "pipeline.")
             if module.name != "pipeline.__main__" and not module.name.startswith("pipeline.warm")]
    missing = []
    for name in [*names, *libraries]:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


def serve(idle_minutes: float | None = None) -> int:
    """Listen until interrupted, idle for `idle_minutes`, or the code changes (then start again)."""
    path = socket_path()
    path.parent.mkdir(mode=0o700, exist_ok=True)
    if not is_private(path.parent):
        raise ServeError(f"{path.parent} is not a folder of this user's alone (mode 700); "
                         "remove it or set XDG_RUNTIME_DIR to a private folder")
    if _answers(path):
        raise ServeError(f"a warm process for this checkout already listens at {path}")
    missing = preload()
    path.unlink(missing_ok=True)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
            listener.bind(str(path))
            listener.listen(16)
            return _listen(listener, path, missing, idle_minutes)
    finally:
        path.unlink(missing_ok=True)


def _listen(listener: socket.socket, path: Path, missing: list[str], idle_minutes: float | None) -> int:
    print(f"serving the commands of {PACKAGE.parent} from a warm process at {path}"
          + (f" (not loaded: {', '.join(missing)})" if missing else "")
          + "; Ctrl-C stops it", file=sys.stderr, flush=True)
    last_used = time.monotonic()
    while True:
        ready, _, _ = select.select([listener], [], [], CHECK_EVERY_SECONDS)
        _reap()
        if ready:
            connection, _ = listener.accept()
            _fork_command(connection, listener)
            last_used = time.monotonic()
        elif socket_path() != path:  # code or packages changed: serve the new ones
            print("the code or the packages changed; starting again", file=sys.stderr, flush=True)
            listener.close()
            path.unlink(missing_ok=True)
            os.execv(sys.executable, [sys.executable, "-m", "pipeline", *sys.argv[1:]])
        elif idle_minutes is not None and time.monotonic() - last_used > idle_minutes * 60:
            print(f"idle for {idle_minutes:g} minutes; stopping", file=sys.stderr, flush=True)
            return 0


def _answers(path: Path) -> bool:
    """True when a process listens at the socket (a stale file from a stopped server does not)."""
    if not path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def _reap() -> None:
    """Collect finished commands, so that none is left a zombie."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _fork_command(connection: socket.socket, listener: socket.socket) -> None:
    """Run the command on `connection` in a fork; the server keeps nothing of it."""
    if _peer_uid(connection) != os.getuid():
        connection.close()
        return
    if os.fork() != 0:
        connection.close()
        return
    status = 1
    try:
        listener.close()
        status = run_command(connection)
    except BaseException:  # on the server's terminal; the command's own are the command's
        traceback.print_exc()
    finally:
        os._exit(status)


def _peer_uid(connection: socket.socket) -> int:
    credentials = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", credentials)[1]


def run_command(connection: socket.socket) -> int:
    """In the fork: become the command's process, run it, report and return its exit status."""
    request, streams = _receive(connection)
    log = os.fdopen(os.dup(2), "w", encoding="utf-8", errors="backslashreplace")  # the server's own stderr
    started = time.monotonic()
    os.setsid()  # Ctrl-C at the server's terminal is not the command's; the command's own comes relayed
    for number in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.umask(request["umask"])
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["environ"])
    for target, descriptor in zip((0, 1, 2), streams, strict=True):
        os.dup2(descriptor, target)
        os.close(descriptor)
    _reopen_standard_streams()
    sys.argv = list(request["argv"])
    from pipeline.report import pdf_process

    pdf_process.fork_closing(connection.fileno())
    connection.sendall(f"started {os.getpid()}\n".encode("ascii"))
    status = _exit_status()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError):  # a closed pipe: nothing more can reach it
            stream.flush()
    connection.sendall(f"exit {status}\n".encode("ascii"))
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    print(f"ran {shlex.join(sys.argv[1:])} in {request['cwd']}: exit status {status}, "
          f"{time.monotonic() - started:.2f} s, CPU {sum(u.ru_utime + u.ru_stime for u in usage):.2f} s, "
          f"peak {max(u.ru_maxrss for u in usage) / 1024:.0f} MB", file=log, flush=True)
    return status


def _receive(connection: socket.socket) -> tuple[dict, list[int]]:
    message, streams, _, _ = socket.recv_fds(connection, 65536, 3)
    if len(streams) != 3 or len(message) < HEADER.size:
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


def _reopen_standard_streams() -> None:
    """New standard streams on the command's descriptors, buffered as Python buffers its own."""
    encoding, errors = sys.stdout.encoding, sys.stdout.errors
    sys.stdin = open(0, encoding=encoding, errors=errors, closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", encoding=encoding, errors=errors, closefd=False,  # noqa: SIM115
                      buffering=1 if os.isatty(1) else -1)
    sys.stderr = open(2, "w", encoding=encoding, errors="backslashreplace", closefd=False,  # noqa: SIM115
                      buffering=1)


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
    except KeyboardInterrupt:
        traceback.print_exc()
        return 128 + signal.SIGINT
    except BaseException:  # printed as Python prints an uncaught exception
        traceback.print_exc()
        return 1
