"""In the fork: what it reads of a request, and the end it gives a command, as Python would."""

import os
import signal
import socket
import sys

import pytest

import pipeline.__main__ as entry
from pipeline.warm import client, command


def test_a_request_is_read_whole_with_its_three_streams(monkeypatch):
    monkeypatch.setenv("LONG_SETTING", "x" * 200_000)  # more than one read of the socket
    ours, theirs = socket.socketpair()
    with ours, theirs:
        socket.send_fds(ours, [client.request_bytes(["pipeline", "report"])], [0, 1, 2])
        request, streams = command.receive(theirs)
    assert request["argv"] == ["pipeline", "report"]
    assert request["environ"]["LONG_SETTING"] == "x" * 200_000
    assert len(streams) == 3
    for stream in streams:
        os.close(stream)


def test_a_request_without_the_streams_is_refused():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        ours.sendall(client.request_bytes(["pipeline"]))
        with pytest.raises(ConnectionError, match="standard streams"):
            command.receive(theirs)


@pytest.mark.parametrize(("outcome", "status", "printed"), [
    (lambda: 0, 0, ""),
    (lambda: 2, 2, ""),
    (lambda: sys.exit(), 0, ""),
    (lambda: sys.exit(3), 3, ""),
    (lambda: sys.exit("stopped: a reason"), 1, "stopped: a reason"),
    (lambda: 1 / 0, 1, "ZeroDivisionError"),
])
def test_the_exit_status_is_the_one_python_would_give(monkeypatch, capsys, outcome, status, printed):
    monkeypatch.setattr(entry, "run_command", outcome)
    assert command._exit_status() == status
    assert printed in capsys.readouterr().err


def test_an_interrupted_command_ends_by_the_signal_after_its_traceback_as_python_does(tmp_path):
    import subprocess

    script = ("import pipeline.__main__ as entry\nfrom pipeline.warm import command\n"
              "def interrupted():\n    raise KeyboardInterrupt\n"
              "entry.run_command = interrupted\ncommand._exit_status()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    alone = subprocess.run([sys.executable, "-c", "raise KeyboardInterrupt"], capture_output=True, text=True,
                           check=False)
    assert done.returncode == alone.returncode == -signal.SIGINT
    assert done.stderr.rstrip().endswith("KeyboardInterrupt")


class Recorded:
    def __init__(self):
        self.calls = 0

    def _run_exitfuncs(self):
        self.calls += 1


class BrokenPipe:
    encoding = "utf-8"

    def flush(self):
        raise BrokenPipeError(32, "Broken pipe")


def test_at_the_end_threads_are_awaited_and_exit_handlers_run(monkeypatch):
    import threading
    import time

    handlers = Recorded()
    monkeypatch.setattr(command, "atexit", handlers)
    ended = []
    worker = threading.Thread(target=lambda: (time.sleep(0.2), ended.append(True)))
    worker.start()
    monkeypatch.setattr(command.threading, "enumerate", lambda: [threading.main_thread(), worker])
    assert command._shut_down(0) == 0
    assert ended == [True] and handlers.calls == 1


def test_output_that_cannot_be_flushed_gives_python_s_message_and_status_120(monkeypatch):
    import io

    monkeypatch.setattr(command, "atexit", Recorded())
    monkeypatch.setattr(sys, "stdout", BrokenPipe())
    printed = io.StringIO()
    monkeypatch.setattr(sys, "stderr", printed)
    assert command._shut_down(0) == 120
    assert printed.getvalue() == ("Exception ignored in: <_io.TextIOWrapper name='<stdout>' mode='w' "
                                  "encoding='utf-8'>\nBrokenPipeError: [Errno 32] Broken pipe\n")


@pytest.mark.parametrize(("options", "setting", "unbuffered"), [
    (["-m", "pipeline"], "", False),
    (["-u", "-m", "pipeline"], "", True),
    (["-bu", "-m", "pipeline"], "", True),
    (["-X", "utf8", "-m", "pipeline"], "", False),
    (["-m", "pipeline"], "1", True),
])
def test_streams_are_unbuffered_by_python_s_rule(monkeypatch, options, setting, unbuffered):
    from pipeline.warm import fingerprint

    monkeypatch.setattr(fingerprint, "interpreter_options", lambda: options)
    monkeypatch.setenv("PYTHONUNBUFFERED", setting)
    assert command._unbuffered() is unbuffered


def test_signals_the_command_line_ignores_are_ignored_and_the_rest_as_in_a_new_python():
    saved = {number: signal.getsignal(number) for number in (*client.RELAYED_SIGNALS, signal.SIGCHLD)}
    try:
        command._take_signals([int(signal.SIGHUP)])
        assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
        assert signal.getsignal(signal.SIGINT) == signal.default_int_handler
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
        assert signal.getsignal(signal.SIGCHLD) == signal.SIG_DFL
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)
