"""Figures on a base under the threshold are blanked in every published table, with a note saying why."""

import numpy as np
import pandas as pd

from pipeline.suppression import MARKER, suppress_comparisons, suppress_estimates, suppress_findings, suppression_note


def test_the_note_names_the_marker_and_the_threshold():
    assert suppression_note(5) == f"{MARKER} suppressed: base of fewer than 5"


def test_estimates_on_small_bases_lose_every_figure_and_keep_their_base():
    table = pd.DataFrame({"n": [4, 5], "estimate": [0.5, 0.6], "se": [0.1, 0.1], "ci_low": [0.2, 0.3],
                          "ci_high": [0.8, 0.9], "note": ["share of 1", ""]})
    out = suppress_estimates(table, 5)
    assert out.loc[0, ["estimate", "se", "ci_low", "ci_high"]].isna().all()
    assert out.loc[1, "estimate"] == 0.6 and out.loc[0, "n"] == 4
    assert out.loc[0, "note"] == "share of 1; " + suppression_note(5) and out.loc[1, "note"] == ""
    assert table.loc[0, "estimate"] == 0.5  # the input is not changed


def test_a_note_column_is_added_even_when_nothing_is_small():
    out = suppress_estimates(pd.DataFrame({"n": [10], "estimate": [0.5], "se": [0.1], "ci_low": [0.4],
                                           "ci_high": [0.6]}), 5)
    assert list(out.columns)[-1] == "note" and out.loc[0, "note"] == ""


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
