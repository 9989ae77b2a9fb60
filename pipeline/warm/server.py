"""`python -m pipeline serve`: keep the pipeline loaded and run each command in a fresh fork of it.

The server imports every module a command may use and lays out a one-page PDF (so Pango,
fontconfig and HarfBuzz are started), then forks once per command (`pipeline.warm.command`
runs it there). Nothing a command does reaches the server or the next command. The server
is forked before it has run any analysis: the only other threads it has are the idle
workers of OpenBLAS and of Arrow's allocator, libraries that prepare themselves for a fork,
and no Python code runs in them. It keeps each command's connection until the fork ends,
so that a command ended by a signal ends its command line by the same signal.

It listens on a socket named by the fingerprint of its code and settings
(`pipeline.warm.fingerprint`); when the code or the packages change it starts itself again,
so it never serves what a command would not have loaded itself.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import importlib
import os
import pkgutil
import select
import signal
import socket
import struct
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

from pipeline.warm.command import run_command
from pipeline.warm.fingerprint import PACKAGE, is_private, socket_path

# Packages the commands import inside functions, loaded here so that no command pays for them.
LIBRARIES = ("pyarrow.csv", "pyarrow.parquet", "pyarrow.compute", "scipy.special", "scipy.stats", "jinja2",
             "markupsafe", "weasyprint", "pikepdf", "openpyxl")
CHECK_EVERY_SECONDS = 1.0
SETTLE_SECONDS = 5.0


class ServeError(Exception):
    """The server cannot listen (the socket folder is not private, or another server holds the socket)."""


def preload() -> list[str]:
    """Import the pipeline's modules and the libraries its commands load, and warm the PDF stack.

    Returns the modules that could not be imported (an optional reader's library, say): the
    command that needs one will import it, or report it missing, as it would on its own.
    """
    missing = import_modules(LIBRARIES)
    from pipeline.report import pdf_process, render, svg

    pdf_process.warm_up()
    render.compile_templates()
    svg.text_width("0", 1.0)  # reads the font's advance widths
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
    with _only_server(path) as lock:
        _close_inherited_descriptors(keep=lock)
        remove_stopped_servers(path.parent)
        missing = preload()
        path.unlink(missing_ok=True)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        identity = None
        try:
            listener.bind(str(path))
            listener.listen(16)
            identity = path.stat().st_ino
            return Server(listener, path, lock).listen(missing, idle_minutes)
        finally:
            listener.close()
            with contextlib.suppress(OSError):
                if path.stat().st_ino == identity:  # only our own socket, never a successor's
                    path.unlink()


@contextlib.contextmanager
def _only_server(path: Path) -> Iterator[int]:
    """Hold the checkout's lock for the server's life: a second server for the same code is refused."""
    lock = os.open(path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ServeError(f"a warm process for this checkout already listens at {path}") from None
        yield lock
    finally:
        os.close(lock)


def remove_stopped_servers(folder: Path) -> None:
    """Remove the lock and socket files of servers that no longer run (their lock is free).

    Every edit of the code gives a new fingerprint, so a day's work leaves one pair of files
    per version served; a running server holds its lock, and is left alone.
    """
    for lock_path in folder.glob("*.lock"):
        try:
            lock = os.open(lock_path, os.O_RDWR | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # a server runs
        else:
            lock_path.with_suffix(".sock").unlink(missing_ok=True)
            lock_path.unlink(missing_ok=True)
        finally:
            os.close(lock)


def _close_inherited_descriptors(keep: int) -> None:
    """Descriptors the server was started with (a build tool's, a shell's) are not the commands' to hold."""
    limit = os.sysconf("SC_OPEN_MAX") if os.sysconf("SC_OPEN_MAX") > 0 else 4096
    os.closerange(3, keep)
    os.closerange(keep + 1, limit)


class Server:
    """The listening loop: a fork per command, each reaped and, if a signal ended it, that said to its command line."""

    def __init__(self, listener: socket.socket, path: Path, lock: int) -> None:
        self.listener = listener
        self.path = path
        self.lock = lock
        self.settling: tuple[Path, float] | None = None  # a changed fingerprint, and since when
        self.commands: dict[int, socket.socket] = {}  # each running command's connection, by the fork's pid
        self.woken, self.waker = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(self.waker)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # a fork that ends wakes the loop at once
        for number in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, _stop)

    def listen(self, missing: list[str], idle_minutes: float | None) -> int:
        print(f"serving the commands of {PACKAGE.parent} from a warm process at {self.path}"
              + (f" (not loaded: {', '.join(missing)})" if missing else "")
              + "; Ctrl-C stops it", file=sys.stderr, flush=True)
        last_used = time.monotonic()
        while True:
            ready, _, _ = select.select([self.listener.fileno(), self.woken], [], [], CHECK_EVERY_SECONDS)
            if self.woken in ready:
                with contextlib.suppress(BlockingIOError):
                    os.read(self.woken, 4096)
            self._reap()
            if self.listener.fileno() in ready:
                connection, _ = self.listener.accept()
                self._fork_command(connection)
                last_used = time.monotonic()
            elif self._changed_and_settled():  # code, packages or settings changed: serve the new ones
                print("the code or the packages changed; starting again", file=sys.stderr, flush=True)
                self.listener.close()
                self.path.unlink(missing_ok=True)
                os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])
            elif idle_minutes is not None and time.monotonic() - last_used > idle_minutes * 60 \
                    and not self.commands:
                print(f"idle for {idle_minutes:g} minutes; stopping", file=sys.stderr, flush=True)
                return 0

    def _changed_and_settled(self) -> bool:
        """True once the fingerprint differs from the server's and has not changed for SETTLE_SECONDS.

        An installation or a checkout changes many files over some seconds; starting again in
        the middle would load half of it.
        """
        now = socket_path()
        if now == self.path:
            self.settling = None
            return False
        if self.settling is None or self.settling[0] != now:
            self.settling = (now, time.monotonic())
            return False
        return time.monotonic() - self.settling[1] >= SETTLE_SECONDS

    def _reap(self) -> None:
        """Collect ended forks; tell the command line of one a signal ended, so that it ends by it too."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            connection = self.commands.pop(pid, None)
            if connection is None:
                continue
            with contextlib.suppress(OSError):
                if os.WIFSIGNALED(status):
                    connection.sendall(f"signal {os.WTERMSIG(status)}\n".encode("ascii"))
            connection.close()

    def _fork_command(self, connection: socket.socket) -> None:
        """Run the command on `connection` in a fork; the server keeps only the connection, to report a signal."""
        if _peer_uid(connection) != os.getuid():
            connection.close()
            return
        pid = os.fork()
        if pid != 0:
            self.commands[pid] = connection
            return
        status = 1
        log = os.fdopen(os.dup(2), "w", encoding="utf-8", errors="backslashreplace")  # the server's own stderr
        try:
            signal.set_wakeup_fd(-1)
            for descriptor in (self.listener.fileno(), self.woken, self.waker, self.lock,
                               *(other.fileno() for other in self.commands.values())):
                os.close(descriptor)
            status = run_command(connection, log)
        except BaseException:  # the server's own failure, on the server's terminal
            traceback.print_exc(file=log)
            log.flush()
        finally:
            os._exit(status)


def _stop(number: int, _frame) -> None:
    raise SystemExit(0)


def _peer_uid(connection: socket.socket) -> int:
    credentials = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", credentials)[1]
