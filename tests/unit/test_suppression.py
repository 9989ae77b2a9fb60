"""Figures on a base under the threshold are blanked in every published table, with a note saying why."""

import numpy as np
import pandas as pd

from pipeline.records import Estimate, EstimateTable
from pipeline.suppression import MARKER, suppress_comparisons, suppress_estimates, suppress_findings, suppression_note


def test_the_note_names_the_marker_and_the_threshold():
    assert suppression_note(5) == f"{MARKER} suppressed: base of fewer than 5"


def _estimate(measure: str, n: int, estimate: float, note: str = "") -> Estimate:
    return Estimate("s", measure, "yes", "", "", "srs", n, "all respondents", estimate, 0.1, estimate - 0.3,
                    estimate + 0.3, "wilson", False, False, float("nan"), note)


def test_estimates_on_small_bases_lose_every_figure_and_keep_their_base():
    table = EstimateTable([_estimate("a", 4, 0.5, "share of 1"), _estimate("b", 5, 0.6)])
    out = suppress_estimates(table, 5)
    small, kept = out.get("a", "yes"), out.get("b", "yes")
    assert all(np.isnan(v) for v in (small.estimate, small.se, small.ci_low, small.ci_high))
    assert kept.estimate == 0.6 and small.n == 4
    assert small.note == "share of 1; " + suppression_note(5) and kept.note == ""
    assert table.get("a", "yes").estimate == 0.5  # the input is not changed


def test_nothing_changes_when_no_base_is_small():
    table = EstimateTable([_estimate("a", 10, 0.5)])
    assert list(suppress_estimates(table, 5)) == list(table)


def test_a_comparison_with_one_small_group_keeps_the_other_groups_share():
    table = pd.DataFrame({"n_a": [3, 10], "n_b": [10, 10], "estimate_a": [0.3, 0.5], "estimate_b": [0.7, 0.6],
                          "difference": [-0.4, -0.1], "ci_low": [-0.8, -0.5], "ci_high": [0.1, 0.3],
                          "statistic": [2.0, 1.0], "p_value": [0.3, 0.8]})
    out = suppress_comparisons(table, 5)
    assert np.isnan(out.loc[0, "estimate_a"]) and out.loc[0, "estimate_b"] == 0.7
    assert out.loc[0, ["difference", "ci_low", "ci_high", "statistic"]].isna().all()
    assert out.loc[0, "p_value"] == 0.3 and out.loc[1, "difference"] == -0.1
    assert MARKER in out.loc[0, "note"] and out.loc[1, "note"] == ""


def test_a_claim_keeps_its_verdict_but_not_its_share_and_respondent_counts_are_never_blanked():
    findings = pd.DataFrame({"measure": ["m", "respondents"], "n": [3, 3], "reproduced": [0.6, 3.0],
                             "verdict": ["met", "met"]})
    out = suppress_findings(findings, 5)
    assert np.isnan(out.loc[0, "reproduced"]) and out.loc[1, "reproduced"] == 3.0
    assert out["verdict"].tolist() == ["met", "met"] and "unsuppressed" in out.loc[0, "note"]
