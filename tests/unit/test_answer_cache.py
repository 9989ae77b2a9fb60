"""The answers cache: a rerun on the same inputs reads the checked answers from an Arrow file and gives
the same bytes; a changed input, a changed entry or an unwritable folder never gives a wrong figure."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pipeline import answer_cache, run
from pipeline.answer_cache import AnswerCache, cache_key, default_folder
from pipeline.outputs import Digests, sha256_file
from tests.survey_files import write_survey

ROOT = Path(__file__).resolve().parents[2]

QUESTIONS = [
    {"id": "region", "text": "Region", "type": "single_choice",
     "codes": [{"code": "n", "label": "North"}, {"code": "s", "label": "South"}]},
    {"id": "q1", "text": "Agree?", "type": "scale",
     "codes": [{"code": str(k), "label": f"Level {k}"} for k in range(1, 6)],
     "scale": {"negative": ["1", "2"], "neutral": ["3"], "positive": ["4", "5"]}},
    {"id": "age", "text": "Age", "type": "numeric"},
    {"id": "comment", "text": "Anything else?", "type": "text"},
]


def _survey(folder: Path, rows: int = 400, bad_row: bool = False) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    answers = [{"rid": f"r{i}", "stratum": f"s{i % 4}", "weight": f"{1 + (i % 7) / 3:.4f}",
                "region": "ns"[i % 2], "q1": str(rng.integers(1, 6)) if i % 9 else "",
                "age": str(20 + i % 50), "comment": f"note {i}, with \u00e9" if i % 5 == 0 else ""}
               for i in range(rows)]
    if bad_row:
        answers[3]["q1"] = "7"
    return write_survey(folder, "cached", answers, {"respondent_id": "rid", "strata": "stratum", "weights": "weight"},
                        QUESTIONS, {"subgroups": ["region"]},
                        missing_codes={"allow_blank": True})


@pytest.fixture
def cache(tmp_path, monkeypatch) -> AnswerCache:
    monkeypatch.setattr(answer_cache, "CACHE_ABOVE_BYTES", 0)
    return AnswerCache(tmp_path / "cache")


def _files(questionnaire: Path, answers: Path, cache: AnswerCache | None, exclude: bool | None = None) -> dict:
    results = run.analyse(questionnaire, answers, "test", exclude, cache=cache)
    if cache is not None:
        cache.wait()
    return {name: data for name, data in run.estimate_files(results).items() if name != "manifest.json"}


def _no_reading(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the answers file was read again")
    monkeypatch.setattr(run, "read_answers_file", refuse)


def test_a_rerun_reads_the_cache_and_gives_the_same_bytes(tmp_path, cache, monkeypatch):
    questionnaire, answers = _survey(tmp_path / "in")
    fresh = _files(questionnaire, answers, None)
    first = _files(questionnaire, answers, cache)
    assert len(list(cache.folder.iterdir())) == 1
    _no_reading(monkeypatch)
    again = _files(questionnaire, answers, cache)
    assert fresh == first == again
    assert b"note 5, with \xc3\xa9" not in again["estimates.csv"]  # free text is held, not estimated


def test_the_cached_answers_have_the_same_columns_types_and_values(tmp_path, cache):
    questionnaire, answers = _survey(tmp_path / "in")
    _, _, fresh = run.load_and_check(questionnaire, answers, cache=cache)
    cache.wait()
    _, _, cached = run.load_and_check(questionnaire, answers, cache=cache)
    assert list(cached.answers.dtypes.astype(str)) == list(fresh.answers.dtypes.astype(str))
    for column in fresh.answers.columns:
        assert cached.answers[column].astype(object).tolist() == fresh.answers[column].astype(object).tolist()
    assert cached.line_numbers.tolist() == fresh.line_numbers.tolist()
    assert cached.numeric["age"].tolist() == fresh.numeric["age"].tolist()
    assert (cached.rows_read, cached.encoding, cached.lines) == (fresh.rows_read, fresh.encoding, fresh.lines)


def test_a_changed_answers_file_is_read_afresh(tmp_path, cache):
    questionnaire, answers = _survey(tmp_path / "in")
    _files(questionnaire, answers, cache)
    text = answers.read_text(encoding="utf-8").replace(",n,4,", ",n,5,", 1)
    assert text != answers.read_text(encoding="utf-8")
    answers.write_text(text, encoding="utf-8")
    assert _files(questionnaire, answers, cache) == _files(questionnaire, answers, None)


def test_a_changed_questionnaire_is_a_new_key(tmp_path, cache):
    questionnaire, answers = _survey(tmp_path / "in")
    before = cache_key(questionnaire, answers, False)
    questionnaire.write_text(questionnaire.read_text(encoding="utf-8").replace("Agree?", "Agree now?"),
                             encoding="utf-8")
    assert cache_key(questionnaire, answers, False) != before
    assert cache_key(questionnaire, answers, True) != cache_key(questionnaire, answers, False)


def test_a_damaged_entry_is_not_trusted_and_is_rebuilt(tmp_path, cache, monkeypatch):
    questionnaire, answers = _survey(tmp_path / "in")
    fresh = _files(questionnaire, answers, cache)
    entry = next(cache.folder.iterdir())
    stored = entry / answer_cache.ANSWERS
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0xFF
    stored.write_bytes(bytes(data))
    reads = []
    original = run.read_answers_file
    monkeypatch.setattr(run, "read_answers_file", lambda *a, **k: reads.append(1) or original(*a, **k))
    assert _files(questionnaire, answers, cache) == fresh
    assert reads == [1]


def test_rows_excluded_as_invalid_are_accounted_for_from_the_cache(tmp_path, cache, monkeypatch):
    questionnaire, answers = _survey(tmp_path / "in", bad_row=True)
    fresh = _files(questionnaire, answers, None, exclude=True)
    _files(questionnaire, answers, cache, exclude=True)
    _no_reading(monkeypatch)
    again = _files(questionnaire, answers, cache, exclude=True)
    assert again == fresh
    assert b"invalid-code" in again["validation.json"]


def test_an_older_entry_of_the_same_file_is_removed(tmp_path, cache):
    questionnaire, answers = _survey(tmp_path / "in")
    _files(questionnaire, answers, cache)
    answers.write_text(answers.read_text(encoding="utf-8").replace(",s,3,", ",s,2,", 1), encoding="utf-8")
    _files(questionnaire, answers, cache)
    assert [e.name for e in cache.folder.iterdir()] == [cache_key(questionnaire, answers, False)]


def test_an_unwritable_cache_folder_does_not_stop_the_run(tmp_path, cache, capsys):
    questionnaire, answers = _survey(tmp_path / "in")
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    unwritable = AnswerCache(blocker / "cache")
    assert _files(questionnaire, answers, unwritable) == _files(questionnaire, answers, None)
    assert "could not be written" in capsys.readouterr().err


def test_small_files_are_not_cached(tmp_path):
    _, answers = _survey(tmp_path / "in", rows=20)
    assert not AnswerCache(tmp_path / "cache").wanted(answers)
    assert not AnswerCache(None).wanted(answers)


@pytest.mark.parametrize(("setting", "expected"), [("off", None), ("", None), ("/some/where", Path("/some/where"))])
def test_the_cache_folder_comes_from_the_environment(monkeypatch, setting, expected):
    monkeypatch.setenv("SURVEY_PIPELINE_CACHE", setting)
    assert default_folder() == expected


def test_without_a_setting_the_cache_is_the_users_cache_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("SURVEY_PIPELINE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_folder() == tmp_path / "survey-pipeline"


def test_the_command_line_caches_and_no_cache_keeps_nothing(tmp_path, out_dir):
    questionnaire, answers = _survey(tmp_path / "in", rows=3000)
    padding = "x" * 2000  # a file of more than the 4 MB threshold
    text = answers.read_text(encoding="utf-8").splitlines()
    rows = [text[0]] + [line + padding if line.endswith(",") else line for line in text[1:]]  # blank comments
    answers.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert answers.stat().st_size > answer_cache.CACHE_ABOVE_BYTES
    folder = tmp_path / "cache"
    command = [sys.executable, "-m", "pipeline", "estimate", str(questionnaire), str(answers)]
    subprocess.run([*command, "--out", str(out_dir), "--no-cache", "--cache-dir", str(folder)], cwd=ROOT, check=True,
                   capture_output=True)
    assert not folder.exists()
    first = (out_dir / "estimates.csv").read_bytes()
    subprocess.run([*command, "--out", str(out_dir), "--cache-dir", str(folder)], cwd=ROOT, check=True,
                   capture_output=True)
    assert len(list(folder.iterdir())) == 1
    shutil.rmtree(out_dir)
    subprocess.run([*command, "--out", str(out_dir), "--cache-dir", str(folder)], cwd=ROOT, check=True,
                   capture_output=True)
    assert (out_dir / "estimates.csv").read_bytes() == first


def test_an_answers_file_changed_with_the_same_size_and_times_is_read_afresh(tmp_path, cache, monkeypatch):
    """A file copied over the old one with its times kept (cp -p, rsync -t) looks unchanged to
    stat: only its bytes tell, so no digest is remembered by size and modification time."""
    questionnaire, answers = _survey(tmp_path / "in")
    _files(questionnaire, answers, cache)
    before = os.stat(answers)
    data = answers.read_bytes()
    assert b",n,4," in data
    answers.write_bytes(data.replace(b",n,4,", b",n,5,", 1))
    os.utime(answers, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(answers)
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    reads = []
    original = run.read_answers_file
    monkeypatch.setattr(run, "read_answers_file", lambda *a, **k: reads.append(1) or original(*a, **k))
    assert _files(questionnaire, answers, cache) == _files(questionnaire, answers, None)
    assert reads == [1, 1]


def test_the_newest_entry_of_the_answers_path_is_found_before_the_key_is_known(tmp_path, cache):
    questionnaire, answers = _survey(tmp_path / "in")
    _files(questionnaire, answers, cache)
    first = cache.newest(answers)
    assert first == cache_key(questionnaire, answers, False)
    _files(questionnaire, answers, cache, exclude=True)  # another key of the same answers file
    assert cache.newest(answers) == cache_key(questionnaire, answers, True) != first
    assert cache.newest(tmp_path / "in" / "other.csv") is None


def test_the_key_names_the_bytes_the_reader_parsed(tmp_path, cache, monkeypatch):
    """A CSV file is hashed from the bytes the reader read, so the key cannot name other bytes
    than the entry's, however the file changes during the run."""
    questionnaire, answers = _survey(tmp_path / "in")
    original = run.read_answers_file

    def read_then_change(*args, **kwargs):
        raw = original(*args, **kwargs)
        answers.write_bytes(answers.read_bytes().replace(b",n,4,", b",n,5,", 1))  # after the reading
        return raw
    monkeypatch.setattr(run, "read_answers_file", read_then_change)
    digests = Digests()
    run.load_and_check(questionnaire, answers, cache=cache, digests=digests)
    cache.wait()
    assert digests.of(answers) != sha256_file(answers)  # the digest is of what was read, not of the file now
    monkeypatch.setattr(run, "read_answers_file", original)
    assert _files(questionnaire, answers, cache) == _files(questionnaire, answers, None)  # the changed bytes


def test_answers_whose_input_changed_during_the_run_are_not_cached(tmp_path, cache, capsys):
    questionnaire, answers = _survey(tmp_path / "in")
    _, _, responses = run.load_and_check(questionnaire, answers)
    key = cache_key(questionnaire, answers, False)
    cache.store(key, responses, {str(answers): "0" * 64, str(questionnaire): sha256_file(questionnaire)})
    cache.wait()
    assert not (cache.folder / key).exists()
    assert "changed while it was read" in capsys.readouterr().err
    cache.store(key, responses, {str(answers): sha256_file(answers)})
    cache.wait()
    assert cache.load(key, run.load_questionnaire(questionnaire)) is not None


def test_an_entry_is_not_used_when_the_questionnaire_is_edited_while_it_is_read(tmp_path, cache, monkeypatch):
    questionnaire, answers = _survey(tmp_path / "in")
    _files(questionnaire, answers, cache)
    load = run.load_questionnaire

    def load_then_edit(path):
        loaded = load(path)
        questionnaire.write_text(questionnaire.read_text(encoding="utf-8").replace("Agree?", "Agree now?"),
                                 encoding="utf-8")
        return loaded
    monkeypatch.setattr(run, "load_questionnaire", load_then_edit)
    reads = []
    original = run.read_answers_file
    monkeypatch.setattr(run, "read_answers_file", lambda *a, **k: reads.append(1) or original(*a, **k))
    run.load_and_check(questionnaire, answers, cache=cache)
    assert reads == [1]


def test_when_the_newest_entry_of_the_path_is_of_other_inputs_the_keys_own_entry_is_used(tmp_path, cache,
                                                                                        monkeypatch):
    questionnaire, answers = _survey(tmp_path / "in")
    _files(questionnaire, answers, cache, exclude=True)
    other = cache_key(questionnaire, answers, True)
    shutil.copytree(cache.folder / other, tmp_path / "kept")
    fresh = _files(questionnaire, answers, cache)  # its own entry; the other one is pruned
    shutil.copytree(tmp_path / "kept", cache.folder / other)
    os.utime(cache.folder / other, ns=(2**62, 2**62))  # the newest of the path
    assert cache.newest(answers) == other
    _no_reading(monkeypatch)
    assert _files(questionnaire, answers, cache) == fresh


def test_a_parquet_file_changed_after_it_was_read_is_not_cached(tmp_path, cache, monkeypatch, capsys):
    """A file not read whole is hashed before it is read and again before its entry is written:
    a change in between (here just after the reading) keeps it out of the cache."""
    from tests.answer_files import write_answers

    questionnaire, answers = _survey(tmp_path / "in")
    parquet = write_answers(answers, "parquet", tmp_path / "in" / "cached.parquet")
    original = run.read_answers_file

    def read_then_change(*args, **kwargs):
        raw = original(*args, **kwargs)
        parquet.write_bytes(parquet.read_bytes() + b"\0")
        return raw
    monkeypatch.setattr(run, "read_answers_file", read_then_change)
    run.load_and_check(questionnaire, parquet, cache=cache)
    cache.wait()
    assert "changed while it was read" in capsys.readouterr().err
    assert not cache.folder.exists() or not any(cache.folder.iterdir())
