"""The table of estimates: every figure a report shows, one typed record each.

Every share is estimated under each design variant (see `survey_design`), overall and for
each planned subgroup, in one pass of sufficient statistics per number of categories, and
handed on as `Estimate` records (`pipeline.records`) that name their variant, with their
design effect and effective sample size. Non-response bounds are records of the `bounds`
variant. Numeric questions and ratios follow the shares (`numeric_estimates`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Protocol

import numpy as np

from pipeline.columns import index_of
from pipeline.measures import CodedVariable, code_measure, code_options, code_question
from pipeline.numeric_estimates import numeric_records
from pipeline.records import BOUNDS, Estimate, EstimateTable
from pipeline.stats.bounds import nonresponse_bounds
from pipeline.stats.ciprop_terms import interval_terms_by_category
from pipeline.stats.design import SampleDesign
from pipeline.stats.hypergeometric import hypergeometric_interval
from pipeline.stats.intervals import BINOMIAL_METHODS, binomial_interval, design_interval
from pipeline.stats.linearisation import shares_from_statistics
from pipeline.stats.numeric import share_deff
from pipeline.stats.replicate_shares import (
    ReplicateSums,
    logit_equivalent_se,
    replicate_df,
    replicate_shares,
    replicate_sums,
)
from pipeline.stats.sufficient import SufficientStatistics, UnitCells, sufficient_statistics, unit_cells
from pipeline.survey_design import DesignVariant, design_variants
from pipeline.validate import Responses

BOUNDS_METHOD = "nonresponse-bounds"
HYPERGEOMETRIC = "hypergeometric"
EXACT_METHODS = (*BINOMIAL_METHODS, HYPERGEOMETRIC)  # from counts: no degrees of freedom


def coded_variables(responses: Responses) -> list[CodedVariable]:
    """Every question's categories and every derived measure, in questionnaire order."""
    variables: list[CodedVariable] = []
    for question in responses.questionnaire.questions:
        if question.type.is_categorical:
            variables.append(code_question(responses, question))
        elif question.type.is_multiple_choice:
            variables.extend(code_options(responses, question))
    variables.extend(code_measure(responses, m) for m in responses.questionnaire.measures)
    return variables


def subgroup_domains(responses: Responses) -> list[tuple[str, tuple[str, ...], np.ndarray]]:
    """Each planned subgroup variable, its levels, and each respondent's level index (-1 if none)."""
    q = responses.questionnaire
    domains = []
    for variable in q.analysis.subgroups:
        levels = q.question(variable).code_values
        index = {code: i for i, code in enumerate(levels)}
        codes = index_of(responses.answers[variable], index)
        domains.append((variable, levels, codes))
    return domains


class StatisticsSource(Protocol):
    """Where the one pass over the units is made: in memory (`MemoryStatistics`), or by an
    engine that reads the answers file itself (`pipeline.engines`). Everything after the pass
    is the same numpy algebra, whichever made it."""

    def subgroups(self) -> list[tuple[str, tuple[str, ...], np.ndarray | None]]:
        """Each planned subgroup variable, its levels and (in memory) each respondent's level index."""

    def passes(self, design: SampleDesign, variables: list[CodedVariable], size: int,
               subgroups: list[tuple[str, tuple[str, ...], np.ndarray | None]],
               glm_start: bool) -> list[tuple[str, SufficientStatistics]]:
        """The sufficient statistics of `variables` (all with `size` categories): one pass per
        subgroup variable, or one overall pass (named "") when there are none."""


class MemoryStatistics:
    """The one pass in memory: `np.bincount` over the coded answers (`sufficient_statistics`)."""

    def __init__(self, responses: Responses):
        self.responses = responses
        self._cells: dict[str, tuple[SampleDesign, UnitCells]] = {}

    def subgroups(self) -> list[tuple[str, tuple[str, ...], np.ndarray | None]]:
        """Each subgroup's levels and each respondent's level index."""
        return list(subgroup_domains(self.responses))

    def passes(self, design: SampleDesign, variables: list[CodedVariable], size: int,
               subgroups: list[tuple[str, tuple[str, ...], np.ndarray | None]],
               glm_start: bool) -> list[tuple[str, SufficientStatistics]]:
        codes = [coded.codes for coded in variables]  # item by item: no (n, m) copy
        return [(variable, sufficient_statistics(design, codes, size, domain_codes, len(levels), glm_start=glm_start,
                                                 cells=self._unit_cells(design, variable, domain_codes, len(levels))))
                for variable, levels, domain_codes in subgroups] or [
            ("", sufficient_statistics(design, codes, size, glm_start=glm_start,
                                       cells=self._unit_cells(design, "", None, 1)))]

    def _unit_cells(self, design: SampleDesign, variable: str, domains: np.ndarray | None,
                    n_domains: int) -> UnitCells:
        """The units' cells of a subgroup variable under `design`, the same for every pass."""
        kept = self._cells.get(variable)
        if kept is None or kept[0] is not design:
            kept = self._cells[variable] = (design, unit_cells(design, domains, n_domains))
        return kept[1]


def estimate_all(responses: Responses, variants: list[DesignVariant] | None = None,
                 variables: list[CodedVariable] | None = None,
                 source: StatisticsSource | None = None) -> EstimateTable:
    """Shares with intervals under every design variant, overall and by subgroup, plus bounds.

    The sufficient statistics come from `source` (default: in memory, from `responses`); an
    engine's source needs `variants` and `variables` given, and supports no replicate weights
    and no numeric questions (it says so before this is reached)."""
    q = responses.questionnaire
    variants = design_variants(responses) if variants is None else variants
    variables = coded_variables(responses) if variables is None else variables
    source = MemoryStatistics(responses) if source is None else source
    subgroups = source.subgroups()
    splits = [("", ("",), None), *subgroups]
    finest = next((v for v in variants if v.name == "design"), variants[0])
    derived = _derivable_measures(q, variables)
    by_size: dict[int, list[int]] = defaultdict(list)
    for i, coded in enumerate(variables):
        if i not in derived:
            by_size[len(coded.categories)].append(i)
    sources = {question for question, _ in derived.values()}
    statistics_of: dict[int, dict[str, SufficientStatistics]] = {}
    groups = []
    glm_start = any(m in ("logit", "likelihood") for m in finest.intervals)  # R's logistic fit: where it starts
    replicated = next((v for v in variants if v.replicates is not None), None)
    replicate_sums_of: dict[tuple[int, ...], dict[str, ReplicateSums]] = {}   # by members, then split
    replicate_item: dict[int, dict[str, ReplicateSums]] = {}
    known_df: dict[str, np.ndarray] = {}  # each split's replicate degrees of freedom, from its first pass
    for size, members in sorted(by_size.items()):
        passes = source.passes(finest.design, [variables[i] for i in members], size, subgroups, glm_start)
        if replicated is not None:
            codes = np.column_stack([variables[i].codes for i in members])
            replicate_sums_of[tuple(members)] = _replicate_passes(replicated, codes, size, subgroups, known_df)
            for position, i in enumerate(members):
                if i in sources:
                    replicate_item[i] = {split: sums.item(position)
                                         for split, sums in replicate_sums_of[tuple(members)].items()}
            del codes
        by_split = {"": passes[0][1].overall() if subgroups else passes[0][1]}
        by_split.update({variable: statistics for variable, statistics in passes if variable})
        groups.append((members, by_split))
        for position, i in enumerate(members):
            if i in sources:
                statistics_of[i] = {split: stats.item(position) for split, stats in by_split.items()}
    if derived:
        members = sorted(derived)
        by_split = {split: SufficientStatistics.stack([statistics_of[derived[i][0]][split].merge(derived[i][1])
                                                       for i in members])
                    for split, _, _ in splits}
        groups.append((members, by_split))
        if replicated is not None:
            replicate_sums_of[tuple(members)] = {
                split: ReplicateSums.stack([replicate_item[derived[i][0]][split].merge(derived[i][1])
                                            for i in members]) for split, _, _ in splits}
    records: list[Estimate] = []
    for members, by_split in groups:
        chosen = [variables[i] for i in members]
        for variant in variants:
            for domain_variable, levels, _ in splits:
                statistics = by_split[domain_variable]
                if variant is not finest:
                    statistics = statistics.collapsed()
                replicates = None
                if variant.replicates is not None:
                    sums = replicate_sums_of[tuple(members)][domain_variable]
                    result, replicates = replicate_shares(variant.replicates, sums, known_df[domain_variable])
                else:
                    result = shares_from_statistics(variant.design, statistics)
                terms = None
                effects = _design_effects(variant, statistics, result)
                for method in variant.intervals:  # the main method's rows first, then each other's
                    if method not in EXACT_METHODS and terms is None:
                        # what R's svyciprop needs beyond share, SE and df (rows, weights, where its fit starts)
                        terms = interval_terms_by_category(variant.design, statistics,
                                                           domains_are_subgroups=bool(domain_variable))
                    interval_se = None
                    if variant.replicates is not None and replicates is not None and method == "logit":
                        interval_se = logit_equivalent_se(variant.replicates, result.estimate, replicates, terms or {})
                    records.extend(_estimates(q.survey.id, chosen, domain_variable, levels, result, variant,
                                              q.analysis.level, terms or {}, method, effects,
                                              infinite_df=q.analysis.df == "inf", interval_se=interval_se))
    records.extend(_bounds(q, variables, groups))
    measure_order = {coded.id: i for i, coded in enumerate(variables)}
    split_order = {variable: i for i, (variable, _, _) in enumerate(splits)}
    variant_order = {name: i for i, name in enumerate([v.name for v in variants] + [BOUNDS])}
    records.sort(key=lambda e: (measure_order[e.measure], split_order[e.domain_variable], variant_order[e.variant]))
    # only the memory engine holds each respondent's subgroup, which numeric estimates need; the
    # engines refuse numeric questions and ratios before this (`engines.support`)
    numeric = numeric_records(responses, variants, subgroups) if isinstance(source, MemoryStatistics) else []
    return EstimateTable([*records, *numeric])


def _design_effects(variant: DesignVariant, statistics: SufficientStatistics, result) -> tuple[np.ndarray, np.ndarray]:
    """Each share's design effect (R's `svymean(deff = TRUE)`) and Kish's effective sample size
    of its base's weights, shaped (m, D, K). The statistics hold weights divided by the
    variant's largest (`unit_scaled_weights`), so their sums are scaled back for R's N."""
    k = statistics.n_categories
    d = statistics.n_domains
    in_base = (slice(None), slice(0, d), slice(None), slice(None), slice(0, k))
    sum_w = statistics.sum_w[in_base].sum(axis=(2, 3, 4))
    sum_w2 = statistics.sum_w2[in_base].sum(axis=(2, 3, 4))
    with np.errstate(divide="ignore", invalid="ignore"):
        ess = np.where(sum_w2 > 0, sum_w * sum_w / sum_w2, np.nan)
    psum = sum_w * variant.design.weights.max()
    if variant.interval in BINOMIAL_METHODS:  # the unweighted figures: the simple random sample itself
        deff = np.full(result.estimate.shape, np.nan)
    else:
        deff = share_deff(result.se ** 2, result.estimate, result.n[:, :, None], psum[:, :, None])
    return deff, np.broadcast_to(ess[:, :, None], result.estimate.shape)


def _replicate_passes(variant: DesignVariant, codes: np.ndarray, size: int, subgroups,
                      known_df: dict[str, np.ndarray]) -> dict[str, ReplicateSums]:
    """Sums under every weight column of a replicate design, overall and by each subgroup.
    Each split's degrees of freedom are computed on its first pass and kept in `known_df`."""
    design = variant.replicates
    assert design is not None
    splits = [(variable, levels, domain_codes) for variable, levels, domain_codes in subgroups] or [
        ("", ("",), None)]
    results: dict[str, ReplicateSums] = {}
    for variable, levels, domain_codes in splits:
        sums = replicate_sums(design, codes, size, domain_codes, len(levels), with_gram=variable not in known_df)
        if not results:
            results[""] = sums.overall()
            if "" not in known_df:
                known_df[""] = replicate_df(results[""])
        if variable:
            if variable not in known_df:
                known_df[variable] = replicate_df(sums)
            results[variable] = sums
    return results


def _derivable_measures(q, variables: list[CodedVariable]) -> dict[int, tuple[int, tuple[int, ...]]]:
    """Measures whose statistics are sums of their question's: a base of valid answers, and the
    question estimated too. Maps the measure's position to the question's and the categories'."""
    position = {coded.id: i for i, coded in enumerate(variables)}
    measure_ids = {m.id for m in q.measures}
    derived = {}
    for i, coded in enumerate(variables):
        if coded.id not in measure_ids:
            continue
        measure = q.measure(coded.id)
        question = position.get(measure.question)
        if measure.base != "valid" or question is None:
            continue
        categories = variables[question].categories
        if all(c in categories for c in measure.categories):
            derived[i] = (question, tuple(categories.index(c) for c in measure.categories))
    return derived


def _estimates(survey: str, variables: list[CodedVariable], domain_variable: str, levels: tuple[str, ...], result,
               variant: DesignVariant, level: float, terms: dict, method: str,
               effects: tuple[np.ndarray, np.ndarray], infinite_df: bool = False,
               interval_se: np.ndarray | None = None) -> list[Estimate]:
    """Records of one pass's shares by one interval method, with their design effects; with
    `infinite_df`, design-based intervals use normal quantiles, as R's `svyciprop(..., df = Inf)`
    (whose `beta` method keeps the design's df); `interval_se` replaces the SE in the interval
    (a replicate design's logit interval, as R's svyciprop computes it)."""
    m, d, k = result.estimate.shape
    estimate = result.estimate
    n = np.broadcast_to(result.n[:, :, None], (m, d, k))
    df = np.broadcast_to(result.df[:, :, None], (m, d, k))
    if infinite_df and method not in BINOMIAL_METHODS and method != "beta":
        df = np.full((m, d, k), np.inf)
    extra = np.full(estimate.shape, "", dtype=object)
    if method in BINOMIAL_METHODS:
        low, high = binomial_interval(result.count, n, method, level)
        with np.errstate(invalid="ignore", divide="ignore"):
            se = np.sqrt(estimate * (1 - estimate) / n)
    elif method == HYPERGEOMETRIC:
        se = result.se
        low, high, extra = _hypergeometric(result.count, n, variant, level)
    else:
        se = result.se
        low, high = design_interval(estimate, se if interval_se is None else interval_se, df, method, level,
                                    **terms)
        if method != "mean":  # R's "mean" gives the point at 0 or 1; the others nothing
            at_edge = (estimate == 0) | (estimate == 1)
            low, high = np.where(at_edge, np.nan, low), np.where(at_edge, np.nan, high)
        no_df = df < 1
        low, high = np.where(no_df, np.nan, low), np.where(no_df, np.nan, high)
    notes = interval_notes(estimate, se, low, high, n, method, None if method in EXACT_METHODS else df,
                           replicates=variant.replicates is not None)
    own = extra != ""  # the method's own word replaces "could not be computed" and follows any other note
    notes = np.where(own & np.isnan(low), extra, np.where(own & (notes != ""), notes + "; " + extra,
                                                         np.where(own, extra, notes)))
    deff, ess = effects
    exact = method in EXACT_METHODS
    # Python numbers, taken from the arrays at once: the same values as indexing each one
    n_, estimate_, se_, low_, high_, df_, notes_, deff_, ess_ = (
        np.asarray(a).tolist() for a in (n, estimate, se, low, high, df, notes, deff, ess))
    records: list[Estimate] = []
    for i, coded in enumerate(variables):
        base_words = coded.base_words
        for j, domain in enumerate(levels):
            for c, category in enumerate(coded.categories):
                if coded.complement and c == 0:
                    continue
                records.append(Estimate(
                    survey, coded.id, category, domain_variable, domain, variant.name, int(n_[i][j][c]),
                    base_words, float(estimate_[i][j][c]), float(se_[i][j][c]), float(low_[i][j][c]),
                    float(high_[i][j][c]), method, variant.weighted, variant.fpc,
                    float(df_[i][j][c]) if not exact else float("nan"),
                    notes_[i][j][c], deff=float(deff_[i][j][c]), ess=float(ess_[i][j][c])))
    return records


def _hypergeometric(count: np.ndarray, n: np.ndarray, variant: DesignVariant, level: float):
    """The exact interval of the unweighted sample of a known population (the `fpc` variant).

    A base smaller than the sample (item non-response, a subgroup) has a population count that
    is not known: it is taken as N n_base / n_sample rounded, the same proportional share the
    finite population correction assumes, and the row says so."""
    design = variant.design
    size = float(design.population[0]) if design.population is not None else float("nan")
    sample = design.n
    if variant.weighted or not variant.fpc or design.clusters is not None or design.n_strata != 1:
        nothing = np.full(count.shape[:3], np.nan)
        return nothing, nothing, np.full(nothing.shape, "no hypergeometric interval: it is exact only for the "
                                         "unweighted sample of a known population (see the fpc rows)", dtype=object)
    hits = np.rint(count).astype(np.int64)
    base = np.asarray(n, dtype=np.int64)
    population = np.rint(size * base / sample).astype(np.int64)
    low, high = hypergeometric_interval(hits, base, np.maximum(population, base), level)
    notes = np.where((base < sample) & (base > 0),
                     np.char.add(np.char.add("population of the base taken as ", population.astype(str)),
                                 f" ({size:g} x base / {sample}, the sampling fraction of the whole sample)"),
                     "").astype(object)
    return low, high, notes


def interval_notes(estimate: np.ndarray, se: np.ndarray, low: np.ndarray, high: np.ndarray, n: np.ndarray,
                   method: str, df: np.ndarray | None = None, replicates: bool = False) -> np.ndarray:
    """Why an estimate has no interval, or an interval of width 0: every row either has an
    interval or says why."""
    notes = np.full(estimate.shape, "", dtype=object)
    missing = np.isnan(low) | np.isnan(high)
    with np.errstate(invalid="ignore"):
        edge = (estimate == 0) | (estimate == 1)
        flat = ~edge & (se == 0)
    notes[missing] = f"no interval: the {method} interval could not be computed"
    if method not in EXACT_METHODS:
        for share in (0, 1):
            notes[missing & (estimate == share)] = (
                f"no design-based interval at a share of {share}: the standard error is 0 there and the {method} "
                "interval is undefined (R's svyciprop gives none, or a point from a fit that does not converge); "
                "the unweighted row's interval applies")
            notes[~missing & (estimate == share)] = (
                f"a share of {share} has a standard error of 0, so the interval is the point itself, as R's "
                "svyciprop(method = \"mean\") gives it: it says nothing about uncertainty; the unweighted row's "
                "interval applies")
        notes[~missing & flat] = ("standard error 0: the share does not vary between sampled units within "
                                  "strata (or is fixed by calibration), so the interval is the point itself, as in R")
        if df is not None:
            source = ("the rank of the subgroup's replicate weights less 1" if replicates else
                      "the subgroup's primary sampling units less its strata")
            notes[df < 1] = f"no design-based interval: no degrees of freedom ({source} is 0)"
            notes[~missing & (df == 1)] = f"1 degree of freedom ({source}): the interval is very wide and unreliable"
    notes[n == 0] = "no respondents in the base"
    return notes


def _bounds(q, variables: list[CodedVariable], groups) -> list[Estimate]:
    """For each derived measure: the population share if every non-respondent answered no, or yes.

    Counts come from the sufficient statistics: x in the measure's category, n in its base."""
    size = q.design.population_size
    if not isinstance(size, int) or q.design.clusters:  # a clustered design's size counts clusters, not people
        return []
    measure_ids = {m.id for m in q.measures}
    counts = {}
    for members, by_split in groups:
        overall = by_split[""].count
        for position, i in enumerate(members):
            k = overall.shape[4] - 1
            counts[i] = (round(overall[position, 0, :, :, :k].sum()), round(overall[position, 0, :, :, 1].sum()))
    records = []
    for i, coded in enumerate(variables):
        if coded.id not in measure_ids:
            continue
        n, x = counts[i]
        low, high = nonresponse_bounds(x, n, size)
        records.append(Estimate(
            q.survey.id, coded.id, coded.categories[1], "", "", BOUNDS, n, coded.base_words,
            x / n if n else float("nan"), float("nan"), float(low), float(high), BOUNDS_METHOD, False, False,
            float("nan"), "bounds, not an interval: the share of the population if every non-respondent answered "
                          "no (low) or yes (high)" + ("" if n else "; no respondents in the base")))
    return records
