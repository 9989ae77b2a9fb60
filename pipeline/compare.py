"""The analysis plan's comparisons: does a measure differ between the groups of a variable?

For each planned comparison (a derived measure by a categorical question), every pair of
groups is compared. Where the design has weights, strata, clusters or calibration (the
`design` variant), a pair's difference is the difference of the design-based shares with its
design-based standard error, t interval and test (R's `svycontrast` over `svyby`), and the
whole table is tested with R `svychisq`'s four statistics. Otherwise a pair's difference has
Newcombe's hybrid score interval and Fisher's exact test, and the whole table has Pearson's
chi-square (with Yates' correction for a 2 x 2 table) and, for more than two groups, Fisher's
exact test. The plan's `share_tests` test a measure's share against a value (R's `binom.test`
and `prop.test`, and a design-based t test where the design is weighted).

p-values are adjusted across one family of tests (Holm by default, or Benjamini-Hochberg):
one test per question asked: each pair's test, the Rao-Scott F test of a weighted table and
each share test's main test (exact binomial, or design-based). The other statistics of the same
question are reported beside it, unadjusted, with a note saying so. Groups that do not differ
significantly share a letter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.columns import index_of
from pipeline.measures import CodedVariable
from pipeline.stats.comparisons import (
    ADJUST_NAMES,
    adjust,
    chi_square,
    compact_letters,
    fisher_exact,
    newcombe_difference,
    one_sample_test,
)
from pipeline.stats.design_tests import (
    SVYCHISQ_STATISTICS,
    TEST_OF_STATISTIC,
    domain_differences,
    domain_means,
    replicate_domain_means,
    svychisq,
    t_quantile,
    two_sided_t_p,
)
from pipeline.stats.exact_tests import TooManyTables, binomial_test, fisher_exact_table
from pipeline.survey_design import DesignVariant
from pipeline.validate import Responses

COLUMNS = ("measure", "category", "by", "group_a", "group_b", "n_a", "n_b", "estimate_a", "estimate_b",
           "difference", "ci_low", "ci_high", "ci_method", "test", "statistic", "df", "p_value",
           "p_adjusted", "adjust_method", "significant", "letters", "note", "se", "in_family")

PAIRWISE_TESTS = ("fisher", "design-difference")
TEST_NAMES = {
    "fisher": "Fisher's exact test",
    "design-difference": "difference of design-based shares, t test (svycontrast)",
    "rao-scott-f": "Rao-Scott F, second-order (svychisq \"F\")",
    "rao-scott-chisq": "Rao-Scott chi-square, first-order (svychisq \"Chisq\")",
    "wald-f": "design-based Wald F (svychisq \"Wald\")",
    "adjusted-wald-f": "adjusted Wald F (svychisq \"adjWald\")",
    "chisq": "Pearson's chi-square",
    "chisq-yates": "Pearson's chi-square with Yates' correction",
    "fisher-table": "Fisher's exact test of the whole table",
    "binom-test": "exact binomial test (binom.test)",
    "prop-test": "chi-square test of one share with continuity correction (prop.test)",
    "design-t": "design-based t test of one share",
}
ALTERNATIVE = "another statistic of the same question, reported beside it and not adjusted"


def compare_all(responses: Responses, variables: list[CodedVariable], variants: list[DesignVariant]) -> pd.DataFrame:
    """One row per test in the analysis plan, with adjusted p-values and group letters."""
    q = responses.questionnaire
    level = q.analysis.level
    coded = {v.id: v for v in variables}
    weighted = next((v for v in variants if v.weighted), None)
    infinite_df = q.analysis.df == "inf"  # design-based t tests on normal quantiles, as confint(..., df = Inf)
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
        pairs = [(a, b) for i, a in enumerate(present) for b in present[i + 1:]]
        common = dict(measure=measure.id, category=measure.categories[1], by=comparison.by)
        if weighted is not None:
            rows.extend(_design_pairs(measure, group_of, groups, pairs, counts, weighted, level, common,
                                      infinite_df))
            if len(present) > 1:
                rows.extend(_svychisq_rows(measure, comparison.by, group_of, groups, present, weighted))
            continue
        for a, b in pairs:
            (xa, na), (xb, nb) = counts[a], counts[b]
            difference, low, high = newcombe_difference(xa, na, xb, nb, level)
            test = fisher_exact(np.array([[xa, na - xa], [xb, nb - xb]]), level)
            rows.append(dict(**common, group_a=a, group_b=b, n_a=na, n_b=nb, estimate_a=xa / na, estimate_b=xb / nb,
                             difference=difference, ci_low=low, ci_high=high, ci_method="newcombe",
                             test="fisher", statistic=test.estimate, df="", p_value=test.p_value, note="",
                             in_family=True))
        if len(present) > 1:
            rows.extend(_table_rows(common, present, counts))
    for share_test in q.analysis.share_tests:
        rows.extend(_share_test_rows(coded[share_test.measure], share_test.value, weighted, level, infinite_df))
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    if len(table):
        table["in_family"] = table["in_family"].astype(bool)
        family = table["in_family"].to_numpy()
        p_values = np.where(family, table["p_value"].to_numpy(dtype=float), np.nan)
        table["p_adjusted"] = _adjust_tested(p_values, q.analysis.adjust)
        table["adjust_method"] = np.where(family, ADJUST_NAMES[q.analysis.adjust], "")
        significant = table["p_adjusted"] < 1 - level
        table["significant"] = [bool(s) if f else "" for s, f in zip(significant, family, strict=True)]
        table["letters"] = _letters(table)
    return table


def _design_pairs(measure: CodedVariable, group_of: np.ndarray, groups: tuple[str, ...], pairs, counts,
                  variant: DesignVariant, level: float, common: dict, infinite_df: bool = False) -> list[dict]:
    """Each pair's difference of design-based shares, as R's svycontrast over svyby(covmat = TRUE)."""
    if not pairs:
        return []
    y = np.where(measure.codes >= 0, (measure.codes == 1).astype(float), np.nan)
    index = {g: i for i, g in enumerate(groups)}
    results = domain_differences(variant.design, y, group_of, len(groups), [(index[a], index[b]) for a, b in pairs],
                                 level, replicates=variant.replicates, infinite_df=infinite_df)
    rows = []
    for (a, b), r in zip(pairs, results, strict=True):
        note = "" if np.isfinite(r.p_value) else ("not tested: the design-based standard error of the difference is "
                                                   "0 or there are no degrees of freedom")
        rows.append(dict(**common, group_a=a, group_b=b, n_a=counts[a][1], n_b=counts[b][1], estimate_a=r.estimate_a,
                         estimate_b=r.estimate_b, difference=r.difference, ci_low=r.ci_low, ci_high=r.ci_high,
                         ci_method="design-t", test="design-difference", statistic=r.statistic, df=f"{r.df:.6g}",
                         p_value=r.p_value, note=note, se=r.se, in_family=True))
    return rows


def _svychisq_rows(measure: CodedVariable, by: str, group_of: np.ndarray, all_groups: tuple[str, ...],
                   groups: list[str], variant: DesignVariant) -> list[dict]:
    """The measure by the grouping variable under the design: svychisq's four statistics, F first."""
    renumber = np.array([groups.index(g) if g in groups else -1 for g in all_groups] + [-1])
    g = renumber[group_of]
    valid = (measure.codes >= 0) & (g >= 0)
    blank = dict(measure=measure.id, category=measure.categories[1], by=by, group_a=" / ".join(groups), group_b="",
                 n_a=int(valid.sum()), n_b="", estimate_a=np.nan, estimate_b=np.nan, difference=np.nan,
                 ci_low=np.nan, ci_high=np.nan, ci_method="", statistic=np.nan, df="", p_value=np.nan)
    tests = [TEST_OF_STATISTIC[s] for s in SVYCHISQ_STATISTICS]
    outcomes = np.bincount(measure.codes[valid], minlength=2)
    results = None
    if (outcomes == 0).any():
        missing_level = measure.labels[1] if outcomes[1] == 0 else measure.labels[0]
        reason = (f"not tested: no respondent in the base is in '{missing_level}', so the table has an empty row "
                  "and the design-based tests are undefined")
    else:
        try:
            results = svychisq(variant.design, np.where(valid, measure.codes, -1), np.where(valid, g, -1), 2,
                               len(groups), replicates=variant.replicates)
            reason = ""
        except np.linalg.LinAlgError:
            reason = "not tested: the design covariance of the table is singular"
    rows = []
    for statistic, test in zip(SVYCHISQ_STATISTICS, tests, strict=True):
        main = statistic == "F"
        row = {**blank, "test": test, "in_family": main, "note": reason or ("" if main else ALTERNATIVE)}
        result = results.get(statistic) if results is not None else None
        if results is not None and result is None:
            row["note"] = "not computed: the Wald tests are not offered for a replicate-weight design"
        elif result is not None and np.isfinite(result.p_value):
            row.update(statistic=result.statistic, df=" ".join(f"{v:.6g}" for v in result.df), p_value=result.p_value)
        elif result is not None:
            row["note"] = "not tested: the design-based test statistic is undefined for this table"
        rows.append(row)
    return rows


def _table_rows(common: dict, groups: list[str], counts: dict) -> list[dict]:
    """The whole unweighted table (the measure's two answers by the groups): Pearson's chi-square (and
    Yates' for 2 x 2) and, for more than two groups, Fisher's exact test of the whole table (any
    r x c table is tested by `fisher_exact_table`; too large a one is left blank with a note)."""
    table = np.array([[counts[g][0] for g in groups], [counts[g][1] - counts[g][0] for g in groups]])
    blank = dict(**common, group_a=" / ".join(groups), group_b="", n_a=int(table.sum()), n_b="", estimate_a=np.nan,
                 estimate_b=np.nan, difference=np.nan, ci_low=np.nan, ci_high=np.nan, ci_method="",
                 in_family=False)
    if (table.sum(axis=1) == 0).any():
        return [{**blank, "test": "chisq", "statistic": np.nan, "df": "", "p_value": np.nan,
                 "note": "not tested: every respondent in the base gives the same answer"}]
    tests = [chi_square(table)] + ([chi_square(table, correct=True)] if len(groups) == 2 else [])
    rows = [{**blank, "test": result.test, "statistic": result.statistic,
             "df": " ".join(f"{v:.6g}" for v in result.df), "p_value": result.p_value, "note": ALTERNATIVE}
            for result in tests]
    if len(groups) > 2:
        try:
            fisher = fisher_exact_table(table)
            rows.append({**blank, "test": "fisher-table", "statistic": np.nan, "df": "", "p_value": fisher.p_value,
                         "note": ALTERNATIVE})
        except TooManyTables:
            rows.append({**blank, "test": "fisher-table", "statistic": np.nan, "df": "", "p_value": np.nan,
                         "note": "not computed: too many tables for the exact search; Pearson's chi-square applies"})
    return rows


def _share_test_rows(measure: CodedVariable, value: float, weighted: DesignVariant | None, level: float,
                     infinite_df: bool = False) -> list[dict]:
    """A measure's share against a value: binom.test and prop.test on the counts; a design-based t test
    where the design is weighted (the main test there)."""
    in_base = measure.codes >= 0
    n = int(in_base.sum())
    x = int((measure.codes == 1).sum())
    common = dict(measure=measure.id, category=measure.categories[1], by="", group_a="all", group_b=f"{value:g}",
                  n_a=n, n_b="", estimate_b=value)
    if n == 0:
        return [{**common, "estimate_a": np.nan, "difference": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                 "ci_method": "", "test": "binom-test", "statistic": np.nan, "df": "", "p_value": np.nan,
                 "note": "not tested: no respondents in the base", "in_family": True}]
    exact = binomial_test(x, n, value, level)
    chisq = one_sample_test(x, n, value, correct=True)
    rows = [
        {**common, "estimate_a": x / n, "difference": x / n - value, "ci_low": exact.ci_low - value,
         "ci_high": exact.ci_high - value, "ci_method": "clopper-pearson", "test": "binom-test",
         "statistic": float(x), "df": "", "p_value": exact.p_value, "in_family": weighted is None,
         "note": "" if weighted is None else "unweighted; the design-based test is the main one"},
        {**common, "estimate_a": x / n, "difference": x / n - value, "ci_low": np.nan, "ci_high": np.nan,
         "ci_method": "", "test": "prop-test", "statistic": chisq.statistic, "df": "1", "p_value": chisq.p_value,
         "in_family": False, "note": ALTERNATIVE},
    ]
    if weighted is not None:
        y = np.where(in_base, (measure.codes == 1).astype(float), np.nan)
        rows.append(_design_share_test(common, weighted, y, value, level, infinite_df))
    return rows


def _design_share_test(common: dict, variant: DesignVariant, y: np.ndarray, value: float, level: float,
                       infinite_df: bool = False) -> dict:
    """(share - value) / SE on the design's degrees of freedom (normal with `infinite_df`), the
    share's design-based SE as svymean's."""
    if variant.replicates is not None:
        means, covariance = replicate_domain_means(variant.replicates, y, np.zeros(len(y), dtype=np.int64), 1)
        df = float(variant.replicates.df)
    else:
        means, covariance = domain_means(variant.design, y, np.zeros(len(y), dtype=np.int64), 1)
        df = float(variant.design.df)
    if infinite_df:
        df = float("inf")
    share, se = float(means[0]), float(np.sqrt(max(covariance[0, 0], 0.0)))
    t = t_quantile(df, 0.5 + level / 2)
    statistic = (share - value) / se if se > 0 else float("nan")
    p_value = two_sided_t_p(df, statistic)
    return {**common, "estimate_a": share, "difference": share - value, "ci_low": share - value - t * se,
            "ci_high": share - value + t * se, "ci_method": "design-t", "test": "design-t", "statistic": statistic,
            "df": f"{df:.6g}", "p_value": p_value, "se": se, "in_family": True,
            "note": "" if np.isfinite(p_value) else "not tested: the design-based standard error is 0"}


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
    pairwise = table[table["test"].isin(PAIRWISE_TESTS)]
    for (_measure, _by), block in pairwise.groupby(["measure", "by"], sort=False):
        groups = list(dict.fromkeys(list(block["group_a"]) + list(block["group_b"])))
        pairs = zip(block["group_a"], block["group_b"], block["significant"], strict=True)
        significant = {frozenset((a, b)) for a, b, s in pairs
                       if s}
        assigned = compact_letters(groups, significant)
        for index, a, b in zip(block.index, block["group_a"], block["group_b"], strict=True):
            letters[table.index.get_loc(index)] = f"{assigned[a]} | {assigned[b]}"
    return letters
