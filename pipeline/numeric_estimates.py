"""The estimates of numeric questions: mean, total and quartiles of each, and the analysis
plan's ratios, under every design variant, overall and by each planned subgroup.

Respondents without a number (blank, a missing code, or not asked) are left out of the base
but keep their place in the design, as R's `na.rm = TRUE` does; the statistics are in
`stats.numeric`. Rows name their statistic (`mean`, `total`, `quantile:0.25`, ..., `ratio`)
and have an empty category.
"""

from __future__ import annotations

import numpy as np

from pipeline.measures import BASE_WORDS
from pipeline.records import Estimate
from pipeline.stats.numeric import NumericEstimate, numeric_estimates, ratio_estimate
from pipeline.stats.replicate_numeric import replicate_gram, replicate_numeric_estimates, replicate_ratio_estimate
from pipeline.survey_design import DesignVariant
from pipeline.validate import Responses

T_METHOD, WOODRUFF_METHOD = "t", "woodruff"
NUMERIC_METHOD_NAMES = {T_METHOD: ("estimate \u00b1 t \u00d7 design-based SE (t with the base's df; the normal "
                                  "quantile with df: inf)"),
                        WOODRUFF_METHOD: "Woodruff, as R's svyquantile (interval.type = \"mean\", qrule = \"math\")"}


def numeric_records(responses: Responses, variants: list[DesignVariant],
                    subgroups: list[tuple[str, tuple[str, ...], np.ndarray | None]]) -> list[Estimate]:
    """Every numeric question's and ratio's estimates, in questionnaire and plan order."""
    q = responses.questionnaire
    level = q.analysis.level
    infinite = q.analysis.df == "inf"
    splits = [("", ("",), None), *subgroups]
    grams = _DomainGrams()
    records: list[Estimate] = []
    for question in q.questions:
        if not question.type.is_numeric:
            continue
        values = responses.numeric[question.id].to_numpy(dtype=float)
        for variable, levels, codes in splits:
            for variant in variants:
                for j, domain in enumerate(levels):
                    member = _member(codes, j, len(values))
                    gram = grams.of(variant, member, (variable, j))
                    records.extend(_record(q.survey.id, question.id, variable, domain, variant, result,
                                           BASE_WORDS["valid"])
                                   for result in _estimates(variant, values, member, level, infinite, gram))
    for ratio in q.analysis.ratios:
        top = responses.numeric[ratio.numerator].to_numpy(dtype=float)
        bottom = responses.numeric[ratio.denominator].to_numpy(dtype=float)
        base = f"respondents with valid answers to both {ratio.numerator} and {ratio.denominator}"
        for variable, levels, codes in splits:
            for variant in variants:
                for j, domain in enumerate(levels):
                    member = _member(codes, j, len(top))
                    result = (ratio_estimate(variant.design, top, bottom, member, level, infinite)
                              if variant.replicates is None else
                              replicate_ratio_estimate(variant.replicates, top, bottom, member, level, infinite,
                                                       grams.of(variant, member, (variable, j))))
                    records.append(_record(q.survey.id, ratio.id, variable, domain, variant, result, base))
    return records


class _DomainGrams:
    """Each domain's replicate-weight Gram matrix, summed once for all its questions."""

    def __init__(self) -> None:
        self._grams: dict[tuple[str, int], np.ndarray] = {}

    def of(self, variant: DesignVariant, member: np.ndarray, key: tuple[str, int]) -> np.ndarray | None:
        if variant.replicates is None:
            return None
        if key not in self._grams:
            self._grams[key] = replicate_gram(variant.replicates, member)
        return self._grams[key]


def _estimates(variant: DesignVariant, values: np.ndarray, member: np.ndarray, level: float,
               infinite_df: bool, gram: np.ndarray | None = None) -> list[NumericEstimate]:
    """Linearised on a design of weights, strata and clusters; from the replicates on a
    replicate-weight design (never the full-sample weights' linearisation there)."""
    if variant.replicates is not None:
        return replicate_numeric_estimates(variant.replicates, values, member, level, infinite_df=infinite_df,
                                           member_gram=gram)
    return numeric_estimates(variant.design, values, member, level, infinite_df=infinite_df)


def _member(codes: np.ndarray | None, level_index: int, n: int) -> np.ndarray:
    return np.ones(n, dtype=bool) if codes is None else codes == level_index


def _record(survey: str, measure: str, variable: str, domain: str, variant: DesignVariant,
            result: NumericEstimate, base: str) -> Estimate:
    method = WOODRUFF_METHOD if result.statistic.startswith("quantile:") else T_METHOD
    return Estimate(survey, measure, "", variable, domain, variant.name, result.n, base, result.estimate, result.se,
                    result.ci_low, result.ci_high, method, variant.weighted, variant.fpc, result.df,
                    _note(result), statistic=result.statistic,
                    deff=result.deff, ess=result.ess)


def _note(result: NumericEstimate) -> str:
    """Why a numeric estimate has no value or no interval; empty when it has both."""
    if result.n == 0:
        return "no respondents in the base"
    if np.isnan(result.estimate):
        return "no estimate: the denominator's total is 0"
    if result.df < 1:
        return ("no interval: no degrees of freedom (the base's primary sampling units less its strata "
                "is 0)")
    if np.isnan(result.ci_low) or np.isnan(result.ci_high):
        end, edge = ("lower", "0") if np.isnan(result.ci_low) else ("upper", "1")
        if np.isnan(result.ci_low) and np.isnan(result.ci_high):
            end, edge = "lower or upper", "0 and 1"
        return (f"no {end} end of the interval, and no standard error: the Woodruff interval for the share at "
                f"or below the quantile passes {edge}, where R's svyquantile gives none")
    if result.df == 1:
        return "1 degree of freedom (the base's primary sampling units less its strata): the interval is very wide"
    return ""
