"""The warm process's server: what it loads, and when it refuses to serve."""

import sys

import pytest

from pipeline.warm import server


def test_every_module_of_the_package_is_loaded_and_missing_libraries_are_named():
    missing = server.import_modules(("pipeline_no_such_library",))
    assert missing == ["pipeline_no_such_library"]
    assert "pipeline.report.workbook" in sys.modules and "pipeline.engines.analysis" in sys.modules
    assert "pipeline.warm.server" in sys.modules  # this test's own import, not the loader's


def test_a_second_server_for_the_same_checkout_is_refused(tmp_path, monkeypatch):
    import fcntl

    folder = tmp_path / "sockets"
    folder.mkdir(mode=0o700)
    path = folder / "x.sock"
    monkeypatch.setattr(server, "socket_path", lambda: path)
    with (folder / "x.lock").open("w") as other:
        fcntl.flock(other, fcntl.LOCK_EX)  # held by the first server for its life
        with pytest.raises(server.ServeError, match="already listens"):
            server.serve()


def test_a_socket_folder_others_can_write_is_refused(tmp_path, monkeypatch):
    folder = tmp_path / "sockets"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    monkeypatch.setattr(server, "socket_path", lambda: folder / "x.sock")
    with pytest.raises(server.ServeError, match="not a folder of this user's alone"):
        server.serve()


def test_the_files_of_stopped_servers_are_removed_and_a_running_ones_kept(tmp_path):
    import fcntl

    for name in ("stopped", "running"):
        (tmp_path / f"{name}.lock").write_text("")
        (tmp_path / f"{name}.sock").write_text("")
    with (tmp_path / "running.lock").open("w") as running:
        fcntl.flock(running, fcntl.LOCK_EX)
        server.remove_stopped_servers(tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["running.lock", "running.sock"]
