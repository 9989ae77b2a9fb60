"""The analysis plan's comparisons: does a measure differ between the groups of a variable?

For each planned comparison (a derived measure by a categorical question), every pair of
groups is compared: the difference of the two unweighted shares with Newcombe's hybrid score
interval, and Fisher's exact test of the 2x2 table. Where the design is weighted, the whole
table is also tested with the Rao-Scott corrected F test. p-values are adjusted across the
whole family of tests in the plan (Holm by default, or Benjamini-Hochberg), and groups that do
not differ significantly share a letter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.columns import index_of
from pipeline.measures import CodedVariable
from pipeline.stats.comparisons import (
    ADJUST_NAMES,
    adjust,
    compact_letters,
    fisher_exact,
    newcombe_difference,
    rao_scott,
)
from pipeline.stats.linearisation import share_covariance
from pipeline.stats.replicate_shares import replicate_share_covariance
from pipeline.survey_design import DesignVariant
from pipeline.validate import Responses

COLUMNS = ("measure", "category", "by", "group_a", "group_b", "n_a", "n_b", "estimate_a", "estimate_b",
           "difference", "ci_low", "ci_high", "ci_method", "test", "statistic", "df", "p_value",
           "p_adjusted", "adjust_method", "significant", "letters", "note")


def compare_all(responses: Responses, variables: list[CodedVariable], variants: list[DesignVariant]) -> pd.DataFrame:
    """One row per test in the analysis plan, with adjusted p-values and group letters."""
    q = responses.questionnaire
    level = q.analysis.level
    coded = {v.id: v for v in variables}
    weighted = next((v for v in variants if v.weighted), None)
    rows: list[dict] = []
    for comparison in q.analysis.comparisons:
        measure = coded[comparison.measure]
        groups = q.question(comparison.by).code_values
        group_of = index_of(responses.answers[comparison.by], {g: i for i, g in enumerate(groups)})
        in_base = measure.codes >= 0
        hits = np.bincount(group_of[in_base & (group_of >= 0)], weights=(measure.codes[in_base & (group_of >= 0)] == 1),
                           minlength=len(groups))
        sizes = np.bincount(group_of[in_base & (group_of >= 0)], minlength=len(groups))
        counts = {g: (int(hits[i]), int(sizes[i])) for i, g in enumerate(groups)}
        present = [g for g in groups if counts[g][1] > 0]
        for i, a in enumerate(present):
            for b in present[i + 1:]:
                (xa, na), (xb, nb) = counts[a], counts[b]
                difference, low, high = newcombe_difference(xa, na, xb, nb, level)
                test = fisher_exact(np.array([[xa, na - xa], [xb, nb - xb]]), level)
                rows.append(dict(measure=measure.id, category=measure.categories[1], by=comparison.by, group_a=a,
                                 group_b=b, n_a=na, n_b=nb, estimate_a=xa / na, estimate_b=xb / nb,
                                 difference=difference, ci_low=low, ci_high=high, ci_method="newcombe",
                                 test="fisher", statistic=test.estimate, df="", p_value=test.p_value, note=""))
        if weighted is not None and len(present) > 1:
            rows.append(_rao_scott_row(measure, comparison.by, group_of, groups, present, weighted))
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    if len(table):
        table["p_adjusted"] = _adjust_tested(table["p_value"].to_numpy(dtype=float), q.analysis.adjust)
        table["adjust_method"] = ADJUST_NAMES[q.analysis.adjust]
        table["significant"] = table["p_adjusted"] < 1 - level
        table["letters"] = _letters(table)
    return table


def _rao_scott_row(measure: CodedVariable, by: str, group_of: np.ndarray, all_groups: tuple[str, ...],
                   groups: list[str], variant: DesignVariant) -> dict:
    """The measure by the grouping variable, tested under the weighted design."""
    renumber = np.array([groups.index(g) if g in groups else -1 for g in all_groups] + [-1])
    g = renumber[group_of]
    valid = (measure.codes >= 0) & (g >= 0)
    cells = np.where(valid, measure.codes + 2 * np.maximum(g, 0), -1)  # rows (measure) vary fastest
    row = dict(measure=measure.id, category=measure.categories[1], by=by, group_a=" / ".join(groups), group_b="",
               n_a=int(valid.sum()), n_b="", estimate_a=np.nan, estimate_b=np.nan, difference=np.nan,
               ci_low=np.nan, ci_high=np.nan, ci_method="", test="rao-scott-f", statistic=np.nan, df="",
               p_value=np.nan)
    outcomes = np.bincount(measure.codes[valid], minlength=2)
    if (outcomes == 0).any():
        level = measure.labels[1] if outcomes[1] == 0 else measure.labels[0]
        return {**row, "note": f"not tested: no respondent in the base is in '{level}', so the table has an empty "
                               "row and the Rao-Scott test is undefined"}
    if variant.replicates is not None:  # R's svychisq on a svrepdesign: the covariance from the replicates
        shares, covariance, df = replicate_share_covariance(variant.replicates, cells, 2 * len(groups))
    else:
        shares, covariance = share_covariance(variant.design, cells, 2 * len(groups))
        df = variant.design.df
    try:
        f_test, _ = rao_scott(shares, covariance, 2, len(groups), int(valid.sum()), df)
    except np.linalg.LinAlgError:
        return {**row, "note": "not tested: the design covariance of the table is singular"}
    if not np.isfinite(f_test.p_value):
        return {**row, "note": "not tested: the design-based test statistic is undefined for this table"}
    return {**row, "statistic": f_test.statistic, "df": " ".join(f"{v:.6g}" for v in f_test.df),
            "p_value": f_test.p_value, "note": ""}


def _adjust_tested(p_values: np.ndarray, method: str) -> np.ndarray:
    """Adjusted p-values across the tests that could be made; a test not made stays blank."""
    adjusted = np.full(len(p_values), np.nan)
    tested = np.isfinite(p_values)
    if tested.any():
        adjusted[tested] = adjust(p_values[tested], method)
    return adjusted


def _letters(table: pd.DataFrame) -> list[str]:
    """For pairwise rows, the letters of group_a and group_b within their comparison ('a' | 'b')."""
    letters = [""] * len(table)
    pairwise = table[table["test"] == "fisher"]
    for (_measure, _by), block in pairwise.groupby(["measure", "by"], sort=False):
        groups = list(dict.fromkeys(list(block["group_a"]) + list(block["group_b"])))
        pairs = zip(block["group_a"], block["group_b"], block["significant"], strict=True)
        significant = {frozenset((a, b)) for a, b, s in pairs
                       if s}
        assigned = compact_letters(groups, significant)
        for index, a, b in zip(block.index, block["group_a"], block["group_b"], strict=True):
            letters[table.index.get_loc(index)] = f"{assigned[a]} | {assigned[b]}"
    return letters
