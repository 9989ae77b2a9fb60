"""Declaring replicate weights wrongly stops with a named error (exit 2, no traceback); a small
survey with replicate weights runs end to end to a PDF, its methods naming the replicates."""

from __future__ import annotations

import pytest
from survey_files import write_survey

from pipeline.cli import main

QUESTIONS = [{"id": "q1", "type": "single_choice", "codes": [{"code": "a", "label": "A"}, {"code": "b", "label": "B"}]},
             {"id": "g", "type": "single_choice", "codes": [{"code": "x", "label": "X"}, {"code": "y", "label": "Y"}]}]


def rows(n: int = 24, replicates: int = 4) -> list[dict]:
    table = []
    for i in range(n):
        row = {"id": f"r{i}", "w": f"{1 + i % 3}", "q1": "ab"[i % 2 if i % 5 else 0], "g": "xy"[i % 3 == 0]}
        for r in range(1, replicates + 1):
            row[f"rep{r}"] = "0" if (i + r) % replicates == 0 else f"{(1 + i % 3) * replicates / (replicates - 1):.6f}"
        table.append(row)
    return table


def run(tmp_path, replicates: dict, data: list[dict] | None = None, design: dict | None = None,
        analysis: dict | None = None, command: str = "validate", out=None) -> int:
    paths = write_survey(tmp_path, "rep", data or rows(), {"respondent_id": "id", "weights": "w",
                                                            "replicates": replicates, **(design or {})},
                         QUESTIONS, analysis or {"subgroups": ["g"]})
    return main([command, str(paths[0]), str(paths[1]), *(["--out", str(out)] if out else [])])


@pytest.mark.parametrize(("replicates", "design", "analysis", "code"), [
    ({"type": "jk1", "prefix": "rep"}, {"strata": "g"}, None, "replicates-with-design"),
    ({"type": "jk1", "prefix": "rep"}, {"weights": None}, None, "replicates-need-weights"),
    ({"type": "jk1"}, None, None, "no-replicate-columns"),
    ({"type": "fay", "prefix": "rep"}, None, None, "replicate-option"),
    ({"type": "fay", "prefix": "rep", "rho": 1.0}, None, None, "invalid-rho"),
    ({"type": "brr", "prefix": "rep", "scale": 0.5}, None, None, "replicate-option"),
    ({"type": "jkn", "prefix": "rep"}, None, None, "replicate-option"),
    ({"type": "acs", "prefix": "rep", "rscales": 1}, None, None, "replicate-option"),
    ({"type": "jk1", "columns": ["rep1", "rep2"], "rscales": [1, 1, 1]}, None, None, "rscales-length"),
    ({"type": "jk1", "prefix": "rep", "rscales": [1, 1, 1]}, None, None, "rscales-length"),
    ({"type": "jk1", "columns": ["rep1", "rep9"]}, None, None, "missing-replicate-columns"),
    ({"type": "jk1", "prefix": "wt"}, None, None, "missing-replicate-columns"),
    ({"type": "jk1", "columns": ["q1", "rep1"]}, None, None, "id-conflict"),
    ({"type": "jk1", "prefix": "rep"}, None, {"design_interval": "likelihood"}, "replicate-interval"),
])
def test_wrong_declarations_stop_with_their_code(tmp_path, capsys, replicates, design, analysis, code):
    assert run(tmp_path, replicates, design=design, analysis=analysis) == 2
    err = capsys.readouterr().err
    assert f"[{code}]" in err or code in err
    assert "Traceback" not in err


@pytest.mark.parametrize("value", ["-1", "abc", "inf", ""])
def test_a_bad_replicate_weight_is_named_by_line_and_column(tmp_path, capsys, value):
    data = rows()
    data[3]["rep2"] = value
    assert run(tmp_path, {"type": "jk1", "prefix": "rep"}, data) == 2
    err = capsys.readouterr().err
    assert "invalid-replicate-weight" in err and "line 5" in err and "rep2" in err


def test_columns_other_than_the_prefix_s_are_ignored_and_listed_not_taken_as_replicates(tmp_path, capsys):
    data = [{**row, "repx": "1"} for row in rows()]
    assert run(tmp_path, {"type": "jk1", "prefix": "rep"}, data) == 0
    assert "ignored 1 column no question uses: repx" in capsys.readouterr().out


def test_a_replicate_survey_runs_to_a_pdf_and_its_methods_name_the_replicates(tmp_path, out_dir):
    out = out_dir / "replicates"
    assert run(tmp_path, {"type": "jk1", "prefix": "rep", "scale": 0.7, "mse": True}, command="report", out=out) == 0
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "4 replicate weights (JK1; variance scale 0.7, rscales 1, deviations from the full-sample estimate" in html
    assert "with 3 degrees of freedom" in html  # the rank of the replicate weights less one
    estimates = (out / "estimates.csv").read_text(encoding="utf-8")
    assert ",design" in estimates


def test_two_ignored_columns_are_counted_in_words(tmp_path, capsys):
    data = [{**row, "repx": "1", "repy": "2"} for row in rows()]
    assert run(tmp_path, {"type": "jk1", "prefix": "rep"}, data) == 0
    assert "ignored 2 columns no question uses: repx, repy" in capsys.readouterr().out
