"""Inputs that were accepted with a wrong number: counts of people that are not whole, numbers in
YAML 1.1 forms, and answers files that mix UTF-8 with Windows-1252."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.ingest import read_answers

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "questionnaires" / "fitter_for_the_future.yaml"


def study_with(tmp_path: Path, old: str, new: str) -> Path:
    text = STUDY.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / STUDY.name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


@pytest.mark.parametrize("size", ["1000.7", "-1000", "1:20.5"])
def test_a_population_size_is_a_whole_positive_number_never_truncated(tmp_path, capsys, size):
    code = main(["validate", str(study_with(tmp_path, "  size: 150\n", f"  size: {size}\n"))])
    err = capsys.readouterr().err
    assert code == 2 and "key population.size" in err


def test_a_frame_count_is_a_whole_number_of_at_least_zero(tmp_path, capsys):
    text = STUDY.read_text(encoding="utf-8")
    first_count = text[text.index("count:", text.index("cells:")):].split("}")[0]
    number = first_count.split(":")[1].strip()
    for bad in (f"{number}.5", f"-{number}"):
        code = main(["validate", str(study_with(tmp_path, first_count + "}", f"count: {bad}}}"))])
        err = capsys.readouterr().err
        assert code == 2 and "[invalid-value]" in err and ".count" in err, err


def test_utf8_beside_windows_1252_bytes_is_refused_not_turned_into_mojibake(tmp_path):
    from pipeline.errors import AnswersError

    path = tmp_path / "mixed.csv"
    path.write_bytes(b"rid,q\nr1,caf\xe9\nr2,na\xc3\xafve\n")
    with pytest.raises(AnswersError, match=r"UTF-8 text \(line 3\) and a byte 0xe9"):
        read_answers(path)
    path.write_bytes(b"rid,q\nr1,caf\xe9\n")
    assert read_answers(path).encoding == "cp1252"
