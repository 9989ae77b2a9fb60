"""Output folders are all or nothing: the previous report stays whole until a new one is complete.

Each test builds a tiny survey laid out as the repository is (questionnaires/, raw/,
reports/) and runs `estimate` through the command line's entry point; one runs `report`.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
from pathlib import Path

import pytest
from survey_files import write_survey

from pipeline.cli import EXIT_INVALID, EXIT_OK, main

YES_NO = [{"code": "no", "label": "No"}, {"code": "yes", "label": "Yes"}]


class Survey:
    """A questionnaire in questionnaires/, answers in raw/, outputs meant for reports/tiny."""

    def __init__(self, root: Path):
        self.root = root
        (root / "raw").mkdir()
        q_path, a_path = write_survey(root / "raw", "tiny", self.rows("yes"), {"respondent_id": "rid"},
                                      [{"id": "q", "type": "single_choice", "codes": YES_NO}])
        self.questionnaire = root / "questionnaires" / q_path.name
        self.questionnaire.parent.mkdir()
        q_path.rename(self.questionnaire)
        self.answers = a_path
        self.out = root / "reports" / "tiny"

    @staticmethod
    def rows(first: str) -> list[dict]:
        return [{"rid": f"r{i}", "q": first if i == 0 else ("yes" if i % 2 else "no")} for i in range(6)]

    def answer(self, first: str) -> None:
        """Rewrite the answers so the next run's outputs differ from the last one's."""
        lines = self.answers.read_text(encoding="utf-8").splitlines()
        lines[1] = f"r0,{first}"
        self.answers.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def run(self, command: str = "estimate", out: Path | None = None) -> int:
        return main([command, str(self.questionnaire), str(self.answers), "--out", str(out or self.out)])


@pytest.fixture
def survey(tmp_path) -> Survey:
    return Survey(tmp_path)


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path under root with its bytes (None for folders), to show nothing changed."""
    return {str(p.relative_to(root)): (None if p.is_dir() else p.read_bytes()) for p in sorted(root.rglob("*"))}


def fail_writes(monkeypatch, error: BaseException, after: int = 1) -> None:
    """Let the first `after` output files be written, then make every later write fail."""
    import pipeline.output_folder as output_folder

    real = output_folder._write_file
    written: list[Path] = []

    def write(path, data):
        if len(written) >= after:
            raise error
        written.append(path)
        real(path, data)

    monkeypatch.setattr(output_folder, "_write_file", write)


def test_a_failure_between_two_files_leaves_the_previous_folder_byte_identical(survey, monkeypatch, capsys):
    assert survey.run() == EXIT_OK
    before = contents(survey.out)
    survey.answer("no")
    fail_writes(monkeypatch, OSError(errno.EIO, "Input/output error"))
    assert survey.run() == EXIT_INVALID
    err = capsys.readouterr().err
    assert "[cannot-write]" in err and "Traceback" not in err
    assert contents(survey.out) == before
    assert [p.name for p in survey.out.parent.iterdir()] == ["tiny"]


def test_a_full_disk_keeps_the_previous_folder_and_says_the_disk_is_full(survey, monkeypatch, capsys):
    assert survey.run() == EXIT_OK
    before = contents(survey.out)
    survey.answer("no")
    fail_writes(monkeypatch, OSError(errno.ENOSPC, "No space left on device"))
    assert survey.run() == EXIT_INVALID
    err = capsys.readouterr().err
    assert f"{survey.out}: [disk-full] found the disk is full" in err and "Traceback" not in err
    assert contents(survey.out) == before
    assert [p.name for p in survey.out.parent.iterdir()] == ["tiny"]


def test_a_run_killed_between_the_two_renames_gets_its_previous_folder_back(survey, capsys):
    assert survey.run() == EXIT_OK
    before = contents(survey.out)
    previous = survey.out.with_name(".tiny.pipeline-previous-4242")
    survey.out.rename(previous)                                   # killed after the first rename
    staging = survey.out.with_name(".tiny.pipeline-staging-4242")
    staging.mkdir()
    (staging / "estimates.csv").write_bytes(b"half\n")
    survey.answer("perhaps")                                      # the next run fails on its input
    assert survey.run() == EXIT_INVALID
    assert "[invalid-code]" in capsys.readouterr().err
    assert contents(survey.out) == before
    assert [p.name for p in survey.out.parent.iterdir()] == ["tiny"]


def test_a_run_killed_after_the_switch_has_its_leftovers_removed_and_nothing_else(survey):
    assert survey.run() == EXIT_OK
    previous = survey.out.with_name(".tiny.pipeline-previous-4242")
    shutil.copytree(survey.out, previous)                         # killed before removing the previous
    unrelated = [survey.out.with_name(".tiny.notes"), survey.out.with_name(".other.pipeline-staging-1"),
                 survey.out.with_name(".tiny.pipeline-previous-x")]
    for path in unrelated:
        path.write_text("mine")
    survey.answer("no")
    assert survey.run() == EXIT_OK
    assert not previous.exists()
    assert all(path.read_text() == "mine" for path in unrelated)
    assert sorted(p.name for p in survey.out.parent.iterdir()) == sorted(["tiny", *(p.name for p in unrelated)])


def test_estimate_after_report_leaves_no_old_pdf_beside_the_new_tables(survey):
    assert survey.run("report") == EXIT_OK
    assert (survey.out / "report.pdf").is_file()
    survey.answer("no")
    assert survey.run("estimate") == EXIT_OK
    assert {p.name for p in survey.out.iterdir()} == {"estimates.csv", "validation.json", "manifest.json"}


def refused(survey: Survey, capsys, out: Path, code: str) -> str:
    """Run with `out`, expect exit 2 with `code` and no file anywhere changed; return stderr."""
    before = tree(survey.root)
    assert survey.run(out=out) == EXIT_INVALID
    err = capsys.readouterr().err
    assert f"[{code}]" in err and "Traceback" not in err, err
    assert tree(survey.root) == before
    return err


def test_out_that_is_a_file_is_refused(survey, capsys):
    survey.out.parent.mkdir()
    survey.out.write_text("a file")
    refused(survey, capsys, survey.out, "out-is-file")


def test_out_under_a_file_is_refused(survey, capsys):
    survey.out.parent.mkdir()
    (survey.out.parent / "file").write_text("a file")
    refused(survey, capsys, survey.out.parent / "file" / "tiny", "out-under-file")


def test_out_in_a_read_only_folder_is_refused(survey, capsys, monkeypatch):
    survey.out.parent.mkdir()
    real_access = os.access
    read_only = survey.out.parent

    def access(path, mode, **kwargs):
        if Path(path) == read_only and mode & os.W_OK:
            return False
        return real_access(path, mode, **kwargs)

    monkeypatch.setattr(os, "access", access)
    err = refused(survey, capsys, survey.out, "out-not-writable")
    assert str(read_only) in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in a read-only folder")
def test_out_in_a_folder_without_write_permission_is_refused(survey, capsys):
    survey.out.parent.mkdir()
    survey.out.parent.chmod(0o555)
    try:
        refused(survey, capsys, survey.out, "out-not-writable")
    finally:
        survey.out.parent.chmod(0o755)


def test_out_inside_the_answers_folder_is_refused(survey, capsys):
    err = refused(survey, capsys, survey.answers.parent / "reports", "out-overlaps-input")
    assert str(survey.answers) in err


def test_out_equal_to_the_questionnaire_folder_is_refused(survey, capsys):
    refused(survey, capsys, survey.questionnaire.parent, "out-overlaps-input")


def test_out_containing_the_input_folders_is_refused(survey, capsys):
    refused(survey, capsys, survey.root, "out-overlaps-input")


def test_out_through_a_symlink_into_the_answers_folder_is_refused(survey, capsys):
    link = survey.root / "link"
    link.symlink_to(survey.answers.parent)
    refused(survey, capsys, link / "out", "out-overlaps-input")


def test_a_held_lock_makes_a_second_run_stop_at_once_naming_the_folder(survey, capsys):
    assert survey.run() == EXIT_OK
    before = contents(survey.out)
    survey.answer("no")
    lock = survey.out.with_name(".tiny.pipeline-lock")
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)       # another run holds the folder
        assert survey.run() == EXIT_INVALID
    err = capsys.readouterr().err
    assert f"{survey.out}: [out-locked]" in err and "Traceback" not in err
    assert contents(survey.out) == before


RECIPE = Path(__file__).resolve().parents[1] / "raw" / "fitter_for_the_future.provenance.yaml"


def reconstruct(study_questionnaire: Path, recipe: Path, out: Path) -> int:
    return main(["reconstruct", str(study_questionnaire), str(recipe), "--out", str(out)])


def test_reconstruct_refuses_a_folder_and_its_own_recipe(tmp_path, capsys, study_questionnaire):
    recipe = tmp_path / "recipe.yaml"
    shutil.copyfile(RECIPE, recipe)
    assert reconstruct(study_questionnaire, recipe, tmp_path) == EXIT_INVALID
    assert "[out-is-folder]" in capsys.readouterr().err
    assert reconstruct(study_questionnaire, recipe, recipe) == EXIT_INVALID
    assert "[out-overlaps-input]" in capsys.readouterr().err
    assert recipe.read_bytes() == RECIPE.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["recipe.yaml"]


def test_reconstruct_on_a_full_disk_keeps_the_previous_file_and_no_temporary(tmp_path, capsys, monkeypatch,
                                                                             study_questionnaire):
    out = tmp_path / "answers.csv"
    out.write_bytes(b"previous\n")
    fail_writes(monkeypatch, OSError(errno.ENOSPC, "No space left on device"), after=0)
    assert reconstruct(study_questionnaire, RECIPE, out) == EXIT_INVALID
    assert "[disk-full]" in capsys.readouterr().err
    assert out.read_bytes() == b"previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["answers.csv"]


def test_a_folder_with_a_foreign_manifest_or_other_files_is_never_replaced(tmp_path, capsys):
    """Only a folder holding an earlier run's outputs, and nothing else, is replaced whole."""
    from pipeline.cli import main

    root = Path(__file__).resolve().parents[1]
    for name, manifest in (("foreign", '{"name": "my web app"}'), ("ours", None)):
        out = tmp_path / name
        out.mkdir()
        (out / "notes.txt").write_text("keep me", encoding="utf-8")
        if manifest:
            (out / "manifest.json").write_text(manifest, encoding="utf-8")
        else:
            assert main(["estimate", str(root / "questionnaires" / "anes96.yaml"), str(root / "raw" / "anes96.csv"),
                         "--out", str(tmp_path / "run")]) == 0
            (out / "manifest.json").write_bytes((tmp_path / "run" / "manifest.json").read_bytes())
        code = main(["estimate", str(root / "questionnaires" / "anes96.yaml"), str(root / "raw" / "anes96.csv"),
                     "--out", str(out)])
        err = capsys.readouterr().err
        assert code == 2 and "[out-not-outputs]" in err, err
        assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"
