"""The ways a survey's answers are analysed: its sample design, in up to three variants.

* `srs`: every respondent counts once, no finite population correction, binomial intervals
  (Wilson by default): the figures surveys of this kind publish, and the ones claims are
  checked against.
* `fpc`: the same shares, with standard errors and intervals that use the finite population
  correction, when the population size is known and the analysis plan asks for it.
* `design`: the full design: weights (given, or calibrated to the population frame by
  post-stratification or raking), strata, clusters and the correction, with design-based
  intervals (R survey's `svyciprop` methods); or the full-sample weights with replicate
  weights (R's `svrepdesign`), whose variances come from the replicates.

The questionnaire decides which variants exist; nothing here knows a particular survey.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.columns import categories_and_codes, index_of, present_values
from pipeline.declared_design import DeclaredDesign, check_lonely_psus, declare_design
from pipeline.errors import AnswersError, Issue
from pipeline.questionnaire import Questionnaire
from pipeline.stats.design import SampleDesign, design_from_columns, simple_design
from pipeline.stats.replicates import R_TYPES, ReplicateDesign, replicate_constants
from pipeline.stats.weighting import WeightingError, effective_sample_size, kish_design_effect, poststratify, rake
from pipeline.summaries import WeightingSummary
from pipeline.validate import Responses


@dataclass(frozen=True)
class DesignVariant:
    """One way of analysing the answers, with what a reader needs to know about it."""

    name: str
    design: SampleDesign
    weighted: bool
    fpc: bool
    interval: str
    description: str
    weighting: WeightingSummary | None = None
    replicates: ReplicateDesign | None = None


def design_variants(responses: Responses) -> list[DesignVariant]:
    """The variants a questionnaire's design and analysis plan call for, simplest first.

    The declared design is checked first (population sizes, lonely PSUs), so no variant is
    computed from a design R would refuse.
    """
    q = responses.questionnaire
    declared = checked_design(responses)
    n = len(responses.answers)
    variants = [DesignVariant("srs", simple_design(n), False, False, q.analysis.interval,
                              "unweighted, every respondent counted once, no finite population correction")]
    d = q.design
    size = d.population_size
    if q.analysis.fpc and isinstance(size, int) and not (d.weights or d.strata or d.clusters):
        variants.append(DesignVariant("fpc", simple_design(n, size), False, True, q.analysis.design_interval,
                                      f"unweighted, with the finite population correction ({n} of {size})"))
    if has_full_design(q):
        variants.append(_full_design(responses, declared))
    return variants


def has_full_design(q: Questionnaire) -> bool:
    """Whether the questionnaire declares more than a simple random sample."""
    d = q.design
    return bool(d.weights or d.strata or d.clusters or d.weighting_method != "none")


def checked_design(responses: Responses) -> DeclaredDesign:
    """The declared design, with every check R makes before it estimates a variance."""
    declared = declare_design(responses)
    if has_full_design(responses.questionnaire):
        check_lonely_psus(responses, declared)
    return declared


def _full_design(responses: Responses, declared: DeclaredDesign) -> DesignVariant:
    q = responses.questionnaire
    d = q.design
    if d.replicates is not None:
        return _replicate_design(responses, declared)
    n = len(responses.answers)
    population = None
    if q.analysis.fpc and declared.population is not None:
        strata = declared.strata if declared.strata is not None else np.zeros(n, dtype=np.int64)
        population = declared.population[strata]
    weights = declared.weights
    calibration = None
    weighting = None
    if d.weighting_method != "none":
        weights, calibration, weighting = _calibrate(responses, weights)
    design = design_from_columns(weights=weights, strata=declared.strata, clusters=declared.clusters,
                                 population=population, n=n, calibration=calibration, lonely_psu=d.lonely_psu)
    parts = []
    if d.weights:
        parts.append(f"weights '{d.weights}'")
    elif declared.derived_weights_words:
        parts.append(declared.derived_weights_words)
    if weighting:
        parts.append(f"{weighting.method} to the population frame by {', '.join(weighting.variables)}")
    if d.strata:
        parts.append(f"{design.n_strata} strata")
    if d.clusters:
        parts.append(f"{design.n_clusters} clusters")
    if population is not None:
        parts.append("finite population correction")
    elif d.strata or d.clusters:
        parts.append("primary sampling units treated as sampled with replacement (no population sizes)")
    if d.lonely_psu != "fail" and (design.psus_per_stratum == 1).any():
        parts.append(f"strata with a single sampled unit: the '{d.lonely_psu}' rule of R's survey.lonely.psu")
    description = "weighted: " + "; ".join(parts) if parts else "design-based"
    return DesignVariant("design", design, True, population is not None, q.analysis.design_interval,
                         description, weighting)


def _replicate_design(responses: Responses, declared: DeclaredDesign) -> DesignVariant:
    """The full-sample weights and the replicate weights, as R's `svrepdesign(combined.weights = TRUE)`."""
    q = responses.questionnaire
    spec = q.design.replicates
    assert spec is not None
    weights = responses.replicate_weights
    assert weights is not None  # read with the answers for every replicate design
    count = weights.shape[1] - 1
    scale, rscales = replicate_constants(str(spec.type), count, spec.scale,
                                         None if spec.rscales is None else np.asarray(spec.rscales), spec.rho)
    replicates = ReplicateDesign(weights, str(spec.type), scale, rscales, spec.mse, spec.rho)
    distinct = np.unique(rscales)
    rscales_words = f"rscales {distinct[0]:g}" if len(distinct) == 1 else (
        f"rscales from {distinct.min():g} to {distinct.max():g}")
    rho_words = f", Fay's rho {spec.rho:g}" if spec.rho is not None else ""
    centre = "deviations from the full-sample estimate (mse)" if spec.mse else "deviations from the replicates' mean"
    description = (f"weighted: weights '{q.design.weights}'; {count} replicate weights "
                   f"({R_TYPES[replicates.type]}{rho_words}; variance scale {scale:.6g}, {rscales_words}, {centre}), "
                   "as R's svrepdesign(combined.weights = TRUE); degrees of freedom: the rank of the replicate "
                   "weights less one")
    design = design_from_columns(weights=declared.weights)
    return DesignVariant("design", design, True, False, q.analysis.design_interval, description,
                         replicates=replicates)


def _calibrate(responses: Responses, weights: np.ndarray):
    q = responses.questionnaire
    d = q.design
    frame = q.population
    answers = responses.answers
    variables = list(d.weighting_variables)
    cells = pd.DataFrame([dict(zip(frame.variables, c.values, strict=True), count=c.count) for c in frame.cells])
    issues = []
    for variable in variables:
        known = set(cells[variable])
        unknown = sorted(set(present_values(answers[variable])) - known)
        if unknown:
            issues.append(Issue("not-in-frame", responses.path, f"'{unknown[0]}' in column {variable}",
                                f"a value of the population frame in {q.path} ({', '.join(sorted(known))})",
                                column=variable))
    if issues:
        raise AnswersError(issues)
    try:
        if d.weighting_method == "poststratify":
            keys = cells[variables].astype(str).agg("\x1f".join, axis=1)
            targets = cells.groupby(keys, sort=True)["count"].sum()
            index = {k: i for i, k in enumerate(targets.index)}
            unit_cells = _cell_index(answers, variables, index)
            if (unit_cells < 0).any():
                row = int(np.flatnonzero(unit_cells < 0)[0])
                missing = " x ".join(str(answers[v].iloc[row]) for v in variables)
                raise WeightingError(f"no frame cell for {missing}")
            result = poststratify(weights, unit_cells, targets.to_numpy(dtype=float))
        else:
            margins, targets = [], []
            for variable in variables:
                totals = cells.groupby(variable, sort=True)["count"].sum()
                index = {k: i for i, k in enumerate(totals.index)}
                margins.append(index_of(answers[variable], index))
                targets.append(totals.to_numpy(dtype=float))
            result = rake(weights, margins, targets)
            if not result.converged:
                raise WeightingError(f"raking did not converge in {result.iterations} iterations "
                                     f"(largest relative error {result.max_error:.2g})")
    except WeightingError as error:
        raise AnswersError([Issue("cannot-weight", responses.path, str(error),
                                  f"respondents in every category of {', '.join(variables)} that has population "
                                  f"in the frame of {q.path}")]) from None
    summary = WeightingSummary("post-stratification" if d.weighting_method == "poststratify" else "raking",
                               tuple(variables), result.iterations, kish_design_effect(result.weights),
                               effective_sample_size(result.weights), float(result.weights.min()),
                               float(result.weights.max()))
    return result.weights, result.calibration, summary


def _cell_index(answers: pd.DataFrame, variables: list[str], index: dict[str, int]) -> np.ndarray:
    """Each respondent's post-stratum: the frame cell of their combination of values, or -1."""
    parts = [categories_and_codes(answers[v]) for v in variables]
    combined = np.zeros(len(answers), dtype=np.int64)
    for categories, codes in parts:
        combined = combined * (len(categories) + 1) + codes
    unique, inverse = np.unique(combined, return_inverse=True)
    cells = []
    for value in unique:
        labels = []
        for categories, _ in reversed(parts):
            value, code = divmod(int(value), len(categories) + 1)
            labels.append(str(categories[code]) if code < len(categories) else "")
        cells.append(index.get("\x1f".join(reversed(labels)), -1))
    return np.asarray(cells, dtype=np.int64)[inverse.ravel()]
