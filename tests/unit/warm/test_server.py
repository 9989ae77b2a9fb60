"""The warm process's side: what it reads of a request, and the exit status it gives a command."""

import os
import socket
import sys

import pytest

import pipeline.__main__ as entry
from pipeline.warm import client, server


def test_a_request_is_read_whole_with_its_three_streams(monkeypatch):
    monkeypatch.setenv("LONG_SETTING", "x" * 200_000)  # more than one read of the socket
    ours, theirs = socket.socketpair()
    with ours, theirs:
        socket.send_fds(ours, [client.request_bytes(["pipeline", "report"])], [0, 1, 2])
        request, streams = server._receive(theirs)
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
            server._receive(theirs)


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
    assert server._exit_status() == status
    assert printed in capsys.readouterr().err


def test_an_interrupted_command_exits_as_a_shell_reports_an_interrupt(monkeypatch, capsys):
    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(entry, "run_command", interrupted)
    assert server._exit_status() == 130
    assert "KeyboardInterrupt" in capsys.readouterr().err


def test_every_module_of_the_package_is_loaded_and_missing_libraries_are_named():
    missing = server.import_modules(("pipeline_no_such_library",))
    assert missing == ["pipeline_no_such_library"]
    assert "pipeline.report.workbook" in sys.modules and "pipeline.engines.analysis" in sys.modules
    assert "pipeline.warm.server" in sys.modules  # this test's own import, not the loader's


def test_a_second_server_for_the_same_checkout_is_refused(tmp_path, monkeypatch):
    folder = tmp_path / "sockets"
    folder.mkdir(mode=0o700)
    path = folder / "x.sock"
    monkeypatch.setattr(server, "socket_path", lambda: path)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as other:
        other.bind(str(path))
        other.listen(1)
        with pytest.raises(server.ServeError, match="already listens"):
            server.serve()


def test_a_socket_folder_others_can_write_is_refused(tmp_path, monkeypatch):
    folder = tmp_path / "sockets"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    monkeypatch.setattr(server, "socket_path", lambda: folder / "x.sock")
    with pytest.raises(server.ServeError, match="not a folder of this user's alone"):
        server.serve()
