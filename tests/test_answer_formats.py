"""The study's answers as Excel, SPSS, Stata and Parquet files give the CSV's estimates.csv byte for byte.

Each file is converted from `raw/<survey>.csv` in the test's own folder (`answer_files`), with
numbers as numbers and, for SPSS and Stata, text answers as labelled numbers. SPSS and Stata
names cannot hold dots, so there the multiple-choice columns `go_pressure_indicators.<code>`
are `gpi_<code>` and the questionnaire says so with `column: "gpi_{code}"`, its only change.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from pipeline.outputs import csv_bytes
from pipeline.run import analyse
from tests.answer_files import FORMATS, write_answers

ROOT = Path(__file__).resolve().parents[1]
SURVEYS = ("fitter_for_the_future", "anes96")
MULTIPLE = "go_pressure_indicators"


@cache
def csv_estimates(survey: str) -> bytes:
    results = analyse(ROOT / "questionnaires" / f"{survey}.yaml", ROOT / "raw" / f"{survey}.csv", "test")
    return csv_bytes(results.estimates.frame())


def _questionnaire_for(survey: str, fmt: str, folder: Path) -> tuple[Path, dict[str, str]]:
    """The survey's questionnaire, with `column:` for names SPSS and Stata cannot hold."""
    source = ROOT / "questionnaires" / f"{survey}.yaml"
    header = (ROOT / "raw" / f"{survey}.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    dotted = [name for name in header if "." in name]
    if fmt not in ("sav", "dta") or not dotted:
        return source, {}
    assert all(name.startswith(MULTIPLE + ".") for name in dotted)
    text = source.read_text(encoding="utf-8")
    marker = f"  - id: {MULTIPLE}\n"
    assert text.count(marker) == 1
    path = folder / source.name
    path.write_text(text.replace(marker, marker + '    column: "gpi_{code}"\n'), encoding="utf-8")
    return path, {name: name.replace(MULTIPLE + ".", "gpi_") for name in dotted}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("survey", SURVEYS)
def test_each_format_gives_the_csv_estimates_byte_for_byte(survey, fmt, tmp_path):
    questionnaire, renames = _questionnaire_for(survey, fmt, tmp_path)
    answers = write_answers(ROOT / "raw" / f"{survey}.csv", fmt, tmp_path / f"{survey}.{fmt}", renames)

    results = analyse(questionnaire, answers, "test")

    assert results.validation.rows_read == results.validation.rows_accepted > 80
    assert results.validation.ignored_columns == ()
    assert csv_bytes(results.estimates.frame()) == csv_estimates(survey)


def test_the_labels_were_used_not_the_numbers(tmp_path):
    """The SPSS file holds 1, 2, ... for the answers: only the value labels make them the study's codes."""
    import pyreadstat

    answers = write_answers(ROOT / "raw" / "anes96.csv", "sav", tmp_path / "anes96.sav")
    data, meta = pyreadstat.read_sav(str(answers))
    assert set(data["vote"].dropna()) == {1.0, 2.0} and set(meta.variable_value_labels["vote"].values()) == {
        "clinton", "dole"}
