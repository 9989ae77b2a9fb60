"""The report's date is the build's: SOURCE_DATE_EPOCH, else the inputs' last commit, else their mtimes."""

import os
import subprocess

import pytest

from pipeline.errors import PipelineError
from pipeline.report.build_date import build_epoch, build_moment


def test_source_date_epoch_wins(tmp_path, monkeypatch):
    answers = tmp_path / "a.csv"
    answers.write_text("x\n")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert build_epoch(answers) == 1700000000
    assert build_moment(answers).isoformat() == "2023-11-14T22:13:20+00:00"


@pytest.mark.parametrize("setting", ["", "soon", "-5", "1.5", "99999999999999"])
def test_a_malformed_source_date_epoch_is_a_user_error(tmp_path, monkeypatch, setting):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", setting)
    with pytest.raises(PipelineError, match="bad-source-date-epoch"):
        build_epoch(tmp_path)


def test_outside_git_the_latest_modification_time_of_the_inputs(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    older, newer = tmp_path / "q.yaml", tmp_path / "a.csv"
    older.write_text("q")
    newer.write_text("a")
    os.utime(older, (1_000_000_000, 1_000_000_000))
    os.utime(newer, (1_200_000_000, 1_200_000_000))
    assert build_epoch(older, newer) == 1_200_000_000


def test_in_git_the_date_of_the_latest_commit_touching_the_inputs(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org"}

    def git(*args, when=None):
        extra = {"GIT_COMMITTER_DATE": f"{when} +0000", "GIT_AUTHOR_DATE": f"{when} +0000"} if when else {}
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True, env={**env, **extra})

    questionnaire, answers, other = tmp_path / "q.yaml", tmp_path / "a.csv", tmp_path / "other.txt"
    git("init", "-q")
    for path, when in ((questionnaire, 1_300_000_000), (answers, 1_400_000_000), (other, 1_500_000_000)):
        path.write_text(path.name)
        git("add", path.name)
        git("commit", "-q", "-m", path.name, when=when)
    os.utime(answers, (1_600_000_000, 1_600_000_000))
    assert build_epoch(questionnaire, answers) == 1_400_000_000


@pytest.mark.parametrize("setting", ["soon", "-5"])
def test_the_command_line_stops_on_a_malformed_source_date_epoch_before_anything_reads_it(tmp_path, setting):
    import sys

    result = subprocess.run([sys.executable, "-m", "pipeline", "validate", "q.yaml", "a.csv"], cwd=tmp_path,
                            env={**os.environ, "SOURCE_DATE_EPOCH": setting,
                                 "PYTHONPATH": os.pathsep.join(sys.path)},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "[bad-source-date-epoch]" in result.stderr and repr(setting) in result.stderr
