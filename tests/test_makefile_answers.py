"""`make report` finds a survey's answers as raw/<id>.<ext> in every format the pipeline reads."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_report_builds_surveys_with_answers_in_any_format(tmp_path):
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    for folder in ("questionnaires", "raw", "pipeline"):
        (tmp_path / folder).mkdir()
    for survey, answers in (("a", "a.sav"), ("b", "b.parquet"), ("c", "c.xlsx"), ("d", "d.dta"), ("e", "e.csv"),
                            ("f", None), ("g", "g.txt")):
        (tmp_path / "questionnaires" / f"{survey}.yaml").write_text("")
        if answers:
            (tmp_path / "raw" / answers).write_text("")

    result = subprocess.run(["make", "-n", "report", "PY=python", "STAMP="], cwd=tmp_path, capture_output=True,
                            text=True, check=True)

    commands = sorted(line for line in result.stdout.splitlines() if "pipeline report" in line)
    assert commands == [f"python -m pipeline report questionnaires/{s}.yaml raw/{a} --out reports/{s}"
                        for s, a in (("a", "a.sav"), ("b", "b.parquet"), ("c", "c.xlsx"), ("d", "d.dta"),
                                     ("e", "e.csv"))]
