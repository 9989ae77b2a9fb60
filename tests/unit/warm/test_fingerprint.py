"""The socket's name changes with everything a loaded process depends on, and with nothing per command."""

import os

import pytest

from pipeline.warm import fingerprint


@pytest.fixture
def package(tmp_path, monkeypatch):
    folder = tmp_path / "pipeline"
    (folder / "report").mkdir(parents=True)
    (folder / "__init__.py").write_text("x = 1\n")
    (folder / "report" / "report.css").write_text("p {}\n")
    monkeypatch.setattr(fingerprint, "PACKAGE", folder)
    return folder


def test_any_edit_to_the_package_changes_the_fingerprint(package):
    before = fingerprint.fingerprint({})
    assert fingerprint.fingerprint({}) == before
    (package / "report" / "report.css").write_text("p { margin: 0 }\n")
    edited = fingerprint.fingerprint({})
    assert edited != before
    os.utime(package / "__init__.py", ns=(1, 1))  # same size, another time
    assert fingerprint.fingerprint({}) != edited


def test_a_new_file_changes_it_and_compiled_bytecode_does_not(package):
    before = fingerprint.fingerprint({})
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    assert fingerprint.fingerprint({}) == before
    (package / "new.py").write_text("")
    assert fingerprint.fingerprint({}) != before


@pytest.mark.parametrize("setting", ["LANG", "LC_ALL", "PYTHONHASHSEED", "PYTHONPATH", "OMP_NUM_THREADS",
                                     "OPENBLAS_NUM_THREADS", "TZ", "ARROW_DEFAULT_MEMORY_POOL", "HOME"])
def test_settings_read_when_modules_load_change_it(package, setting):
    assert fingerprint.fingerprint({setting: "1"}) != fingerprint.fingerprint({setting: "2"})


@pytest.mark.parametrize("setting", ["SOURCE_DATE_EPOCH", "SURVEY_PIPELINE_CACHE", "PWD", "OLDPWD", "TERM"])
def test_settings_read_per_command_do_not(package, setting):
    assert fingerprint.fingerprint({setting: "1"}) == fingerprint.fingerprint({setting: "2"})


def test_the_socket_lies_in_the_runtime_folder_else_the_temporary_one(monkeypatch):
    import shutil
    import tempfile

    short = fingerprint.Path(tempfile.mkdtemp(dir="/tmp"))  # pytest's own folders are too deep for a socket
    try:
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(short))
        assert fingerprint.socket_folder() == short / f"survey-pipeline-{os.getuid()}"
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(short / "missing"))
        monkeypatch.setenv("TMPDIR", str(short / "tmp"))
        assert fingerprint.socket_folder() == short / "tmp" / f"survey-pipeline-{os.getuid()}"
    finally:
        shutil.rmtree(short)
    assert fingerprint.socket_path().parent == fingerprint.socket_folder()
    assert fingerprint.socket_path().name.endswith(".sock")


def test_only_a_folder_of_this_users_alone_is_private(tmp_path):
    folder = tmp_path / "sockets"
    assert not fingerprint.is_private(folder)
    folder.mkdir(mode=0o700)
    folder.chmod(0o700)
    assert fingerprint.is_private(folder)
    folder.chmod(0o755)
    assert not fingerprint.is_private(folder)
    (tmp_path / "file").write_text("")
    assert not fingerprint.is_private(tmp_path / "file")
    (tmp_path / "link").symlink_to(folder)
    folder.chmod(0o700)
    assert not fingerprint.is_private(tmp_path / "link")


def test_another_module_search_path_changes_it(package, monkeypatch):
    before = fingerprint.fingerprint({})
    monkeypatch.setattr(fingerprint.sys, "path", ["/elsewhere", *fingerprint.sys.path])
    assert fingerprint.fingerprint({}) != before


def test_a_runtime_folder_too_deep_for_a_socket_gives_way_to_tmp(tmp_path, monkeypatch):
    deep = tmp_path / ("d" * 90)
    deep.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(deep))
    assert fingerprint.socket_folder() == fingerprint.Path("/tmp") / f"survey-pipeline-{os.getuid()}"
    assert len(str(fingerprint.socket_path())) <= fingerprint.SOCKET_PATH_LIMIT
