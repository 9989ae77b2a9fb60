"""The command line's side: it runs a command in a warm process only when one says it started it."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading

import pytest

from pipeline.warm import client


@pytest.fixture
def listening(tmp_path, monkeypatch):
    """A stand-in warm process at a private socket: `reply(request, streams) -> bytes` answers each command."""
    folder = tmp_path / "sockets"
    folder.mkdir(mode=0o700)
    path = folder / "x.sock"
    monkeypatch.setattr(client, "socket_path", lambda: path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)
    received: list[tuple[dict, int]] = []

    def start(reply) -> None:
        def answer() -> None:
            connection, _ = listener.accept()
            with connection:
                message, streams, _, _ = socket.recv_fds(connection, 1 << 20, 3)
                request = json.loads(message[client.HEADER.size:])
                received.append((request, len(streams)))
                for stream in streams:
                    os.close(stream)
                connection.sendall(reply(request))

        thread = threading.Thread(target=answer, daemon=True)
        thread.start()

    yield start, received, folder
    listener.close()


def test_no_socket_means_the_command_runs_here(tmp_path, monkeypatch):
    monkeypatch.setattr(client, "socket_path", lambda: tmp_path / "none.sock")
    assert client.run_warm(["pipeline", "estimate"]) is None


def test_a_stale_socket_of_a_stopped_process_means_the_command_runs_here(tmp_path, monkeypatch):
    folder = tmp_path / "sockets"
    folder.mkdir(mode=0o700)
    path = folder / "x.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as bound:
        bound.bind(str(path))  # the file is left, with nobody listening
    monkeypatch.setattr(client, "socket_path", lambda: path)
    assert client.run_warm(["pipeline", "estimate"]) is None


def test_the_command_its_folder_settings_and_streams_are_sent_and_its_status_returned(listening, monkeypatch):
    start, received, _ = listening
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")
    start(lambda request: b"started 1\nexit 3\n")
    assert client.run_warm(["pipeline", "estimate", "q.yaml"]) == 3
    request, streams = received[0]
    assert request["argv"] == ["pipeline", "estimate", "q.yaml"]
    assert request["cwd"] == os.getcwd()
    assert request["environ"]["SOURCE_DATE_EPOCH"] == "86400"
    umask = os.umask(0)
    os.umask(umask)
    assert request["umask"] == umask
    assert streams == 3


def test_a_refusal_before_starting_means_the_command_runs_here(listening):
    start, _, _ = listening
    start(lambda request: b"")
    assert client.run_warm(["pipeline", "estimate"]) is None


def test_a_process_that_stops_mid_command_is_an_internal_error_not_a_rerun(listening, capfd):
    start, _, _ = listening
    start(lambda request: b"started 1\n")
    assert client.run_warm(["pipeline", "estimate"]) == client.EXIT_INTERNAL
    assert "stopped before it finished" in capfd.readouterr().err


def test_a_socket_in_a_folder_others_can_write_is_never_used(listening):
    _, received, folder = listening
    folder.chmod(0o755)
    assert client.run_warm(["pipeline", "estimate"]) is None
    assert received == []


def test_a_signal_is_relayed_to_the_command_and_the_command_line_ends_by_it():
    script = ("import os, signal, subprocess, sys, threading\n"
              "from pipeline.warm import client\n"
              "command = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'])\n"
              "with client._Relay() as relay:\n"
              "    os.kill(os.getpid(), signal.SIGTERM)  # caught before the command's pid is known: kept\n"
              "    relay.to(command.pid)\n"
              "    print(command.wait(), flush=True)\n"
              "    client._command_end(b'', relay)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.stdout.strip() == str(-signal.SIGTERM), done.stderr  # the command got it
    assert done.returncode == -signal.SIGTERM  # and the command line ended by it, as a shell sees


def test_a_signal_reported_by_the_server_ends_the_command_line_by_it():
    script = ("from pipeline.warm import client\n"
              "with client._Relay() as relay:\n"
              "    relay.to(1)\n"
              "    client._command_end(b'signal 9\\n', relay)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == -signal.SIGKILL, done.stderr


def test_a_signal_ignored_here_is_not_caught_and_a_kept_one_acts_here_if_no_command_started():
    script = ("import os, signal\nfrom pipeline.warm import client\n"
              "signal.signal(signal.SIGHUP, signal.SIG_IGN)\n"
              "print(client.ignored_signals())\n"
              "with client._Relay():\n"
              "    os.kill(os.getpid(), signal.SIGHUP)\n"
              "    os.kill(os.getpid(), signal.SIGTERM)\n"
              "    print('still here', flush=True)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.stdout.splitlines() == [str([int(signal.SIGHUP)]), "still here"]
    assert done.returncode == -signal.SIGTERM
