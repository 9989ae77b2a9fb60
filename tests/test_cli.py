"""The command line as users run it: help, exit codes, and nothing written on bad input."""

import subprocess
import sys

import pytest

COMMANDS = ["validate", "estimate", "report", "reconstruct"]


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def test_top_level_help_lists_every_command():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_help(command):
    result = run_cli(command, "--help")
    assert result.returncode == 0
    assert "usage:" in result.stdout


def test_validate_accepts_the_study(study_questionnaire, study_answers):
    result = run_cli("validate", study_questionnaire, study_answers)
    assert result.returncode == 0, result.stderr
    assert "82 rows valid" in result.stdout


def test_invalid_answers_exit_2_without_traceback_or_output(tmp_path, out_dir, study_questionnaire, study_answers):
    broken = tmp_path / "answers.csv"
    text = study_answers.read_text().replace(",yes,", ",perhaps,", 1)
    broken.write_text(text)
    out = out_dir
    result = run_cli("estimate", study_questionnaire, broken, "--out", out)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "invalid-code" in result.stderr and "'perhaps'" in result.stderr
    assert not out.exists()


COMPARISON_COLUMNS = ["measure", "category", "by", "group_a", "group_b", "n_a", "n_b", "estimate_a", "estimate_b",
                      "difference", "ci_low", "ci_high", "ci_method", "test", "statistic", "df", "p_value",
                      "p_adjusted", "adjust_method", "significant", "letters", "note", "se", "in_family"]


def test_estimate_writes_the_tidy_outputs(tmp_path, study_questionnaire, study_answers):
    out = tmp_path / "out"
    result = run_cli("estimate", study_questionnaire, study_answers, "--out", out)
    assert result.returncode == 0, result.stderr
    assert {p.name for p in out.iterdir()} == {"estimates.csv", "findings.csv", "comparisons.csv", "validation.json",
                                                "manifest.json"}
    check_study_comparisons(out / "comparisons.csv", study_questionnaire)


def check_study_comparisons(path, questionnaire_path):
    """comparisons.csv holds the plan's tests: p-values in [0, 1], Holm-adjusted (never below the
    raw p-value), and letters shared exactly by the pairs that do not differ."""
    import numpy as np
    import pandas as pd
    from scipy import stats

    from pipeline.questionnaire import load_questionnaire

    table = pd.read_csv(path, keep_default_na=False, dtype={"letters": str, "df": str})
    assert list(table.columns) == COMPARISON_COLUMNS
    plan = {(c.measure, c.by) for c in load_questionnaire(questionnaire_path).analysis.comparisons}
    assert set(zip(table.measure, table.by, strict=True)) == plan
    tested = table[table.in_family.astype(str) == "True"]
    p, adjusted = tested.p_value.astype(float).to_numpy(), tested.p_adjusted.astype(float).to_numpy()
    assert len(tested) and ((p >= 0) & (p <= 1)).all() and ((adjusted >= 0) & (adjusted <= 1)).all()
    assert (adjusted >= p - 1e-15).all()
    order = np.argsort(p)  # Holm, written out, across the family only
    holm = np.minimum(np.maximum.accumulate((len(p) - np.arange(len(p))) * p[order]), 1.0)
    assert adjusted[order] == pytest.approx(holm, rel=1e-12)
    assert set(tested.adjust_method) == {"Holm"} and set(tested.test) == {"design-difference", "rao-scott-f"}
    assert set(table.test) == {"design-difference", "rao-scott-f", "rao-scott-chisq", "wald-f", "adjusted-wald-f"}
    assert (table[table.in_family.astype(str) == "False"].p_adjusted == "").all()
    pairs = table[table.test == "design-difference"]
    for row in pairs.itertuples():
        letters_a, letters_b = row.letters.split(" | ")
        assert (row.significant == "True") == (not set(letters_a) & set(letters_b)), row
    # Dissatisfaction with the LAA negotiation by role: 23 of 40 directors giving a view, 14 of 39 others
    # (the recipe), compared under the raked design: the difference of weighted shares, a t interval on 81 df.
    (row,) = pairs[(pairs.measure == "laa_negotiation_dissatisfied") & (pairs.by == "role")].itertuples()
    assert (row.group_a, row.group_b, int(row.n_a), int(row.n_b)) == ("dcs", "other", 40, 39)
    difference, se = float(row.difference), float(row.se)
    assert difference == pytest.approx(float(row.estimate_a) - float(row.estimate_b), rel=1e-12)
    assert float(row.estimate_a) == pytest.approx(23 / 40, abs=0.02)
    t = stats.t.ppf(0.975, 81)
    assert (float(row.ci_low), float(row.ci_high)) == pytest.approx((difference - t * se, difference + t * se))
    assert float(row.p_value) == pytest.approx(2 * stats.t.sf(abs(difference / se), 81), rel=1e-10)


def test_progress_shows_only_on_a_terminal_and_only_when_slow():
    import io

    from pipeline.progress import Progress

    piped = io.StringIO()
    Progress(piped).stage("reading answers")  # a StringIO is not a terminal
    assert piped.getvalue() == ""
    shown = io.StringIO()
    progress = Progress(shown, enabled=True)
    progress.stage("quick")
    assert shown.getvalue() == ""
    progress.start -= 10
    progress.stage("estimating")
    progress.done()
    assert "estimating" in shown.getvalue() and "done" in shown.getvalue()


def test_exclude_invalid_accounts_for_every_row(tmp_path, out_dir, study_questionnaire, study_answers):
    import json

    lines = study_answers.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    role = header.index("role")
    broken = lines[3].split(",")
    broken[role] = "mayor"                      # line 4: a code outside the list
    lines[3] = ",".join(broken)
    lines[7] = lines[7] + ",extra"              # line 8: one field too many
    answers = tmp_path / "answers.csv"
    answers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = answers.read_bytes()

    stopped = run_cli("estimate", study_questionnaire, answers, "--out", out_dir.with_name("stopped"))
    assert stopped.returncode == 2 and not (out_dir.with_name("stopped")).exists()
    assert "line 4" in stopped.stderr and "[invalid-code]" in stopped.stderr and "line 8" in stopped.stderr

    out = out_dir
    result = run_cli("estimate", study_questionnaire, answers, "--out", out, "--exclude-invalid")
    assert result.returncode == 0, result.stderr
    validation = json.loads((out / "validation.json").read_text())
    assert validation["rows_read"] == 82
    assert validation["rows_accepted"] == 80
    assert validation["rows_accepted"] + validation["rows_excluded"] == validation["rows_read"]
    assert validation["excluded_lines"] == [4, 8]
    assert {issue["code"] for issue in validation["issues"]} == {"invalid-code", "wrong-field-count"}
    assert answers.read_bytes() == before
