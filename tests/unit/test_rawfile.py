"""Bounded reading of regular files, and wide encodings recognised with or without a byte-order mark."""

import pytest

from pipeline.rawfile import FileProblem, read_bounded, wide_encoding

TEXT = "rid,group\nr1,a\nr2,b\n"


def test_a_regular_file_within_the_limit_is_read_whole(tmp_path):
    (tmp_path / "a.csv").write_text(TEXT)
    assert read_bounded(tmp_path / "a.csv", 1000) == TEXT.encode()


def test_a_file_larger_than_the_read_chunks_is_read_whole(tmp_path, monkeypatch):
    import pipeline.rawfile as rawfile

    monkeypatch.setattr(rawfile, "CHUNK_BYTES", 4)
    (tmp_path / "a.csv").write_text(TEXT * 3)
    assert read_bounded(tmp_path / "a.csv", 1000) == (TEXT * 3).encode()


def test_a_file_that_reports_no_size_is_read_in_chunks_within_the_limit():
    status = read_bounded("/proc/self/status", 1 << 20)
    assert status.startswith(b"Name:") and status.endswith(b"\n")
    with pytest.raises(FileProblem) as caught:
        read_bounded("/proc/self/status", 10)
    assert caught.value.code == "file-too-large"


def test_a_file_over_the_limit_is_refused(tmp_path):
    (tmp_path / "a.csv").write_text(TEXT)
    with pytest.raises(FileProblem) as caught:
        read_bounded(tmp_path / "a.csv", 5)
    assert caught.value.code == "file-too-large"


def test_a_folder_and_a_missing_file_are_named(tmp_path):
    with pytest.raises(FileProblem) as folder:
        read_bounded(tmp_path, 1000)
    with pytest.raises(FileProblem) as missing:
        read_bounded(tmp_path / "none", 1000)
    assert (folder.value.code, folder.value.found) == ("unreadable-file", "a folder")
    assert missing.value.code == "file-not-found"


@pytest.mark.parametrize("encoding, name", [("utf-16", "UTF-16"), ("utf-16-le", "UTF-16"), ("utf-16-be", "UTF-16"),
                                            ("utf-32", "UTF-32"), ("utf-32-be", "UTF-32")])
def test_wide_encodings_are_recognised(encoding, name):
    assert wide_encoding(TEXT.encode(encoding)).startswith(name)


@pytest.mark.parametrize("data", [TEXT.encode(), "caf\u00e9".encode("cp1252"), b"a\x00b,c\n", b""])
def test_narrow_text_is_not_taken_for_a_wide_encoding(data):
    assert wide_encoding(data) is None
