"""Publication suppression: no share or interval is published for a base under the threshold.

The questionnaire's `analysis.suppress_below` is the smallest base whose figures may be shown.
Suppression is a rule about publishing, not about estimating: claims are checked against the
unsuppressed figures first, then every table that is written or reported (estimates,
comparisons, findings) is suppressed here, so the CSV files, the report and the workbook can
only show what may be published. A suppressed value is left blank and the row's `note` says
why; columns are only ever added, and a note already present is kept, with this one appended.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.records import EstimateTable

MARKER = "[c]"
NOTE_COLUMN = "note"
ESTIMATE_COLUMNS = ("estimate", "se", "ci_low", "ci_high", "deff")
DIFFERENCE_COLUMNS = ("difference", "ci_low", "ci_high", "statistic", "se")
GROUP_COLUMNS = (("n_a", "estimate_a"), ("n_b", "estimate_b"))
UNSUPPRESSED_CLAIM_MEASURES = ("respondents",)


def suppression_note(threshold: int) -> str:
    """The words a blanked row carries, naming the marker the report prints in its place."""
    return f"{MARKER} suppressed: base of fewer than {threshold}"


def suppress_tables(estimates: EstimateTable, comparisons: pd.DataFrame, findings: pd.DataFrame,
                    threshold: int) -> tuple[EstimateTable, pd.DataFrame, pd.DataFrame]:
    """The three published tables with every figure on a base under `threshold` blanked."""
    return (suppress_estimates(estimates, threshold), suppress_comparisons(comparisons, threshold),
            suppress_findings(findings, threshold))


def suppress_estimates(estimates: EstimateTable, threshold: int) -> EstimateTable:
    """Estimates whose base `n` is under the threshold, without estimate, SE or interval."""
    if not any(e.n < threshold for e in estimates):  # nothing to blank: the same table
        return estimates
    note = suppression_note(threshold)
    blank = dict.fromkeys(ESTIMATE_COLUMNS, float("nan"))
    return estimates.map(lambda e: e.with_note(note, **blank) if e.n < threshold else e)


def suppress_comparisons(comparisons: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Pairwise comparisons with a group under the threshold: that group's share and the
    difference, its interval and the odds ratio are blanked, as each would give the share away.

    Whole-table tests (no second group) report no shares and are left as they are.
    """
    if not {"n_a", "n_b"} <= set(comparisons.columns):
        return comparisons
    table = comparisons
    any_small = np.zeros(len(table), dtype=bool)
    for size_column, share_column in GROUP_COLUMNS:
        small = (pd.to_numeric(table[size_column], errors="coerce") < threshold).to_numpy()
        table = _blank(table, small, (share_column,), "")
        any_small |= small
    return _blank(table, any_small, DIFFERENCE_COLUMNS, suppression_note(threshold))


def suppress_findings(findings: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Claims whose reproduced share rests on a base under the threshold, without the share.

    The verdict stays: it was reached on the unsuppressed figure, as the note says.
    """
    small = ((pd.to_numeric(findings["n"]) < threshold)
             & ~findings["measure"].isin(UNSUPPRESSED_CLAIM_MEASURES)).to_numpy()
    note = f"{suppression_note(threshold)}; the verdict was reached on the unsuppressed figure"
    return _blank(findings, small, ("reproduced",), note)


def _blank(table: pd.DataFrame, rows: np.ndarray, columns: tuple[str, ...], note: str) -> pd.DataFrame:
    """A copy with `columns` blanked in `rows` and `note` appended to their note (column added if new)."""
    out = table.copy()
    if NOTE_COLUMN not in out.columns:
        out[NOTE_COLUMN] = ""
    if not rows.any():
        return out
    for column in columns:
        if column in out.columns:
            out[column] = out[column].astype(float).where(~rows, np.nan)
    if note:
        existing = out[NOTE_COLUMN].fillna("").astype(str)
        joined = np.where(existing == "", note, existing + "; " + note)
        out[NOTE_COLUMN] = np.where(rows, joined, existing)
    return out
