"""Intervals and tests defined at the edges: every estimate row has an interval or says why,
and a comparison that cannot be tested is a row saying so, never a crash."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from survey_files import write_survey

from pipeline.cli import main
from pipeline.run import analyse

YES_NO = [{"code": "no", "label": "No"}, {"code": "yes", "label": "Yes"}]
GROUPS = [{"code": "a", "label": "A"}, {"code": "b", "label": "B"}, {"code": "c", "label": "C"}]


def weighted_survey(folder, answers: list[str], weights: list[float], name: str = "edges"):
    """A stratified, weighted survey of one yes/no question, with a group to compare by."""
    rows = [{"rid": f"r{i}", "stratum": "s1" if i % 2 else "s2", "w": repr(w), "group": "abc"[i % 3], "q": a}
            for i, (a, w) in enumerate(zip(answers, weights, strict=True))]
    questions = [{"id": "group", "type": "single_choice", "codes": GROUPS},
                 {"id": "q", "type": "single_choice", "codes": YES_NO}]
    analysis = {"fpc": False, "subgroups": ["group"], "comparisons": [{"measure": "says_yes", "by": "group"}]}
    paths = write_survey(folder, name, rows, {"respondent_id": "rid", "strata": "stratum", "weights": "w"},
                         questions, analysis)
    text = paths[0].read_text(encoding="utf-8")
    text += "measures:\n  - {id: says_yes, question: q, categories: [\"yes\"], base: valid}\n"
    paths[0].write_text(text, encoding="utf-8")
    return paths


def assert_every_row_has_an_interval_or_a_reason(estimates: pd.DataFrame) -> None:
    missing = estimates["ci_low"].isna() | estimates["ci_high"].isna()
    unexplained = estimates[missing & (estimates["note"].fillna("") == "")]
    assert unexplained.empty, unexplained.to_string()


def test_a_share_of_zero_or_one_has_a_stated_reason_for_no_design_interval(tmp_path):
    estimates = analyse(*weighted_survey(tmp_path, ["yes"] * 12, [1.0, 2.0] * 6), command="test").estimates.frame()
    assert_every_row_has_an_interval_or_a_reason(estimates)
    design = estimates[estimates["weighted"] & (estimates["measure"] == "q") & (estimates["domain"] == "")]
    zero = design[design["category"] == "no"].iloc[0]
    assert np.isnan(zero["ci_low"]) and "share of 0" in zero["note"]
    one = design[design["category"] == "yes"].iloc[0]
    assert "share of 1" in one["note"]


def test_extreme_but_valid_weights_still_give_design_intervals(tmp_path):
    answers = ["yes", "no", "no", "yes", "no", "yes", "yes", "no", "no", "yes", "no", "no"]
    weights = [1e200, 1.0, 3e150, 1e-200, 2.0, 5e199, 1.0, 4e200, 1e-100, 7.0, 2e200, 1.0]
    estimates = analyse(*weighted_survey(tmp_path, answers, weights), command="test").estimates.frame()
    design = estimates[estimates["weighted"] & (estimates["measure"] == "q") & (estimates["domain"] == "")]
    assert design["se"].notna().all() and design["ci_low"].notna().all() and design["ci_high"].notna().all()
    share = design.set_index("category")["estimate"]["yes"]
    w = np.array(weights) / max(weights)
    assert share == pytest.approx(w[[a == "yes" for a in answers]].sum() / w.sum(), rel=1e-12)
    assert_every_row_has_an_interval_or_a_reason(estimates)


def test_a_weighted_comparison_with_an_empty_row_is_a_row_saying_why(tmp_path, out_dir, capsys):
    paths = weighted_survey(tmp_path, ["yes"] * 12, [1.0, 2.0, 3.0] * 4)
    code = main(["estimate", str(paths[0]), str(paths[1]), "--out", str(out_dir)])
    err = capsys.readouterr().err
    assert code == 0, err
    comparisons = pd.read_csv(out_dir / "comparisons.csv", keep_default_na=False)
    rao_scott = comparisons[comparisons["test"] == "rao-scott-f"].iloc[0]
    assert rao_scott["p_value"] == "" and rao_scott["note"].startswith("not tested")
    assert (comparisons[comparisons["test"] == "fisher"]["p_adjusted"] != "").all()


@pytest.mark.parametrize("survey", ["fitter_for_the_future", "anes96"])
def test_bundled_surveys_give_every_row_an_interval_or_a_reason(root, survey):
    estimates = analyse(root / "questionnaires" / f"{survey}.yaml", root / "raw" / f"{survey}.csv",
                        command="test").estimates.frame()
    assert_every_row_has_an_interval_or_a_reason(estimates)


def test_the_mean_method_gives_the_point_at_a_share_of_one_as_r_and_says_so(tmp_path):
    paths = weighted_survey(tmp_path, ["yes"] * 12, [1.0, 2.0] * 6)
    text = paths[0].read_text(encoding="utf-8").replace("fpc: false", "fpc: false\n  design_interval: mean")
    paths[0].write_text(text, encoding="utf-8")
    estimates = analyse(*paths, command="test").estimates.frame()
    design = estimates[estimates["weighted"] & (estimates["measure"] == "q") & (estimates["domain"] == "")]
    one = design[design["category"] == "yes"].iloc[0]
    assert one["ci_low"] == one["ci_high"] == 1.0
    assert "standard error of 0" in one["note"] and "says nothing about uncertainty" in one["note"]


def test_a_subgroup_without_degrees_of_freedom_has_no_interval_and_says_why(tmp_path):
    answers = ["yes", "no", "yes", "no", "yes", "no", "yes"]  # group c: rows 2 and 5, one in each stratum
    estimates = analyse(*weighted_survey(tmp_path, answers, [1.0, 2.0, 3.0, 1.5, 2.5, 1.0, 2.0]),
                        command="test").estimates.frame()
    row = estimates[estimates["weighted"] & (estimates["measure"] == "q") & (estimates["domain"] == "c")
                    & (estimates["category"] == "yes")].iloc[0]
    assert np.isnan(row["ci_low"]) and "no degrees of freedom" in row["note"]
    assert_every_row_has_an_interval_or_a_reason(estimates)
