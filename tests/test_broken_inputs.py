"""Broken inputs, one defect each (tests/data/broken/cases.yaml): exit 2, the right code at the
right place, no traceback, nothing written, inputs untouched; awkward but valid files are accepted."""

import hashlib
import re
from pathlib import Path

import pytest
import yaml

from pipeline.cli import main
from pipeline.run import load_and_check

DATA = Path(__file__).resolve().parent / "data" / "broken"
CASES = yaml.safe_load((DATA / "cases.yaml").read_text(encoding="utf-8"))
REJECTED = CASES["rejected"]
ACCEPTED = CASES["accepted"]


def case_id(case: dict) -> str:
    return Path(case["answers"] or case["questionnaire"]).stem


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def inputs(case: dict) -> tuple[Path, Path | None]:
    return DATA / case["questionnaire"], (DATA / case["answers"]) if case["answers"] else None


def expected_location(case: dict) -> str:
    """The location as the message prints it: file, line, key, respondent, column."""
    questionnaire, answers = inputs(case)
    parts = [str(answers or questionnaire)]
    for field, label in (("line", "line"), ("key", "key"), ("respondent", "respondent"), ("column", "column")):
        if case.get(field) is not None:
            parts.append(f"{label} {case[field]}")
    return ", ".join(parts)


def test_the_base_pair_is_valid(capsys):
    assert main(["validate", str(DATA / "base.yaml"), str(DATA / "base.csv")]) == 0
    assert "5 rows valid" in capsys.readouterr().out


def test_every_case_file_exists_and_every_file_is_a_case():
    named = {"cases.yaml", "base.yaml", "base.csv"}
    for case in REJECTED + ACCEPTED:
        for role in ("questionnaire", "answers"):
            if case[role]:
                assert (DATA / case[role]).is_file(), case[role]
                named.add(case[role])
    assert {p.name for p in DATA.iterdir()} == named
    assert len(REJECTED) >= 34
    assert len({case_id(c) for c in REJECTED + ACCEPTED}) == len(REJECTED + ACCEPTED)


@pytest.mark.parametrize("case", REJECTED, ids=case_id)
def test_broken_input_is_rejected_with_its_code_and_location(case, tmp_path, capsys):
    questionnaire, answers = inputs(case)
    files = [questionnaire, answers or DATA / "base.csv"]
    before = {path: sha256(path) for path in files}
    listing = sorted(p.name for p in DATA.iterdir())

    argv = ["validate", str(questionnaire)] + ([str(answers)] if answers else [])
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    prefix = f"{expected_location(case)}: [{case['code']}] found "
    lines = [line for line in err.splitlines() if line.startswith(prefix)]
    assert lines, f"expected a line starting {prefix!r} in:\n{err}"
    match = re.fullmatch(r".*\] found (.+); expected (.+?)( \(.*\))?", lines[0])
    assert match and match.group(1).strip() and match.group(2).strip(), lines[0]
    if case.get("found"):
        assert case["found"] in match.group(1), lines[0]

    out = tmp_path / "out"
    assert main(["estimate", str(files[0]), str(files[1]), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and f"[{case['code']}]" in err
    assert not out.exists() or not any(out.iterdir())

    assert {path: sha256(path) for path in files} == before
    assert sorted(p.name for p in DATA.iterdir()) == listing


@pytest.mark.parametrize("case", ACCEPTED, ids=case_id)
def test_awkward_but_valid_answers_are_accepted(case, tmp_path, capsys):
    questionnaire, answers = inputs(case)
    before = sha256(answers)
    assert main(["validate", str(questionnaire), str(answers)]) == 0, capsys.readouterr().err
    out = tmp_path / "out"
    assert main(["estimate", str(questionnaire), str(answers), "--out", str(out)]) == 0, capsys.readouterr().err
    assert (out / "estimates.csv").is_file()
    _, _, responses = load_and_check(questionnaire, answers)
    by_id = responses.answers.set_index(responses.questionnaire.design.respondent_id, drop=False)
    for cell in case.get("cells", []):
        assert by_id.loc[cell["respondent"], cell["column"]] == cell["value"]
    lines = dict(zip(responses.respondent_ids, responses.line_numbers, strict=True))
    for respondent, line in case.get("lines", {}).items():
        assert lines[respondent] == line
    assert sha256(answers) == before
