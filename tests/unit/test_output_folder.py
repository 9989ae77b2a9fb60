"""The output folder is replaced whole; the pieces of the switch, one by one."""

import errno
import os

import pytest

from pipeline import output_folder
from pipeline.errors import OutputError
from pipeline.output_folder import check_out_folder, lock_path, write_file, write_outputs


def test_write_outputs_leaves_exactly_the_files_and_no_temporary(tmp_path):
    written = write_outputs(tmp_path / "out", {"a.csv": b"x\n", "manifest.json": b"{}\n"})
    assert [p.name for p in written] == ["a.csv", "manifest.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.csv", "manifest.json"]
    assert (tmp_path / "out" / "a.csv").read_bytes() == b"x\n"


def test_a_second_write_replaces_the_folder_as_a_whole(tmp_path):
    manifest = b'{"pipeline_version": "0.1.0", "command": "python -m pipeline report", "inputs": {}}\n'
    write_outputs(tmp_path / "out", {"report.pdf": b"%PDF", "manifest.json": manifest})
    write_outputs(tmp_path / "out", {"estimates.csv": b"x\n", "manifest.json": manifest})
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["estimates.csv", "manifest.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_failed_write_leaves_neither_the_folder_nor_its_staging(tmp_path):
    with pytest.raises(TypeError):
        write_outputs(tmp_path / "out", {"bad.csv": "text, not bytes"})
    assert list(tmp_path.iterdir()) == []


def test_missing_parent_folders_are_created_and_removed_again_on_failure(tmp_path):
    with pytest.raises(TypeError):
        write_outputs(tmp_path / "a" / "b" / "out", {"bad.csv": "text, not bytes"})
    assert list(tmp_path.iterdir()) == []
    write_outputs(tmp_path / "a" / "b" / "out", {"manifest.json": b"{}\n"})
    assert (tmp_path / "a" / "b" / "out" / "manifest.json").exists()


def test_a_folder_the_pipeline_did_not_write_is_never_replaced(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("keep")
    with pytest.raises(OutputError) as caught:
        check_out_folder(tmp_path / "notes")
    assert caught.value.codes == ["out-not-outputs"]


def test_the_lock_file_shares_the_prefix_and_is_gone_after_a_run(tmp_path):
    out = tmp_path / "out"
    assert lock_path(out).name == ".out.pipeline-lock"
    write_outputs(out, {"manifest.json": b"{}\n"})
    assert not lock_path(out).exists()


def test_write_file_replaces_one_file_and_refuses_its_own_input(tmp_path):
    target = tmp_path / "answers.csv"
    target.write_bytes(b"old\n")
    write_file(target, b"new\n", inputs=[tmp_path / "recipe.yaml"])
    assert target.read_bytes() == b"new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.csv"]
    with pytest.raises(OutputError) as caught:
        write_file(target, b"x\n", inputs=[target])
    assert caught.value.codes == ["out-overlaps-input"]


def test_a_symlinked_input_folder_still_overlaps(tmp_path):
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "a.csv").write_text("rid\n")
    os.symlink(tmp_path / "raw", tmp_path / "link")
    with pytest.raises(OutputError) as caught:
        check_out_folder(tmp_path / "link" / "out", [tmp_path / "raw" / "a.csv"])
    assert caught.value.codes == ["out-overlaps-input"]


def test_many_files_are_written_together_each_whole_and_fsynced(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    files = {f"f{i}.csv": bytes([i]) * (i * 10_000) for i in range(8)} | {"manifest.json": b"{}\n"}
    write_outputs(tmp_path / "out", files)
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == files
    assert len(synced) == len(files) + 2  # each file, the staging folder, and the folder holding `out`


def test_when_several_writes_fail_the_first_files_failure_is_raised_after_every_write_ended(tmp_path, monkeypatch):
    real = output_folder._write_file
    ended = []

    def write(path, data):
        if path.name in ("b.csv", "c.csv"):
            ended.append(path.name)
            raise OSError(errno.EIO, "Input/output error", path.name)
        real(path, data)
        ended.append(path.name)

    monkeypatch.setattr(output_folder, "_write_file", write)
    with pytest.raises(OutputError) as caught:
        write_outputs(tmp_path / "out", {"a.csv": b"a", "b.csv": b"b", "c.csv": b"c", "d.csv": b"d"})
    assert "(b.csv)" in caught.value.issues[0].found
    assert sorted(ended) == ["a.csv", "b.csv", "c.csv", "d.csv"] and list(tmp_path.iterdir()) == []
