"""The ways a survey's answers are analysed: its sample design, in up to three variants.

* `srs`: every respondent counts once, no finite population correction, binomial intervals
  (Wilson by default): the figures surveys of this kind publish, and the ones claims are
  checked against.
* `fpc`: the same shares, with standard errors and intervals that use the finite population
  correction, when the population size is known and the analysis plan asks for it.
* `design`: the full design: weights (given, trimmed, or calibrated to the population's counts
  by post-stratification, raking or calibration), strata, clusters and the correction, with
  design-based intervals (R survey's `svyciprop` methods); or the full-sample weights with replicate
  weights (R's `svrepdesign`), whose variances come from the replicates.

The questionnaire decides which variants exist; nothing here knows a particular survey.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.declared_design import DeclaredDesign, check_lonely_psus, declare_design
from pipeline.questionnaire import Questionnaire
from pipeline.stats.design import SampleDesign, design_from_columns, simple_design
from pipeline.stats.replicates import R_TYPES, ReplicateDesign, replicate_constants
from pipeline.summaries import WeightingSummary
from pipeline.validate import Responses
from pipeline.weighting_targets import weight


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
    other_intervals: tuple[str, ...] = ()
    replicates: ReplicateDesign | None = None

    @property
    def intervals(self) -> tuple[str, ...]:
        """Every interval method of the variant: the main one (the report's) first."""
        return (self.interval, *self.other_intervals)


def design_variants(responses: Responses) -> list[DesignVariant]:
    """The variants a questionnaire's design and analysis plan call for, simplest first.

    The declared design is checked first (population sizes, lonely PSUs), so no variant is
    computed from a design R would refuse.
    """
    q = responses.questionnaire
    declared = checked_design(responses)
    variants = unweighted_variants(q, len(responses.answers), simple_design)
    if has_full_design(q):
        variants.append(_full_design(responses, declared))
    return variants


def unweighted_variants(q: Questionnaire, n: int, simple: Callable[..., Any]) -> list[DesignVariant]:
    """The unweighted variants of n respondents: `srs` always, and `fpc` where an unstratified,
    unweighted design declares one population size; `simple(n[, size])` makes their designs."""
    main, *others = (str(m) for m in q.analysis.interval)
    variants = [DesignVariant("srs", simple(n), False, False, main,
                              "unweighted, every respondent counted once, no finite population correction",
                              other_intervals=tuple(others))]
    design_main, *design_others = (str(m) for m in q.analysis.design_interval)
    d = q.design
    size = d.population_size
    if q.analysis.fpc and isinstance(size, int) and not (d.weights or d.strata or d.clusters):
        variants.append(DesignVariant("fpc", simple(n, size), False, True, design_main,
                                      f"unweighted, with the finite population correction ({n} of {size})",
                                      other_intervals=tuple(design_others)))
    return variants


def has_full_design(q: Questionnaire) -> bool:
    """Whether the questionnaire declares more than a simple random sample."""
    d = q.design
    return bool(d.weights or d.strata or d.clusters or d.weighting_method != "none"
                or (d.weighting is not None and d.weighting.trim is not None))


def checked_design(responses: Responses) -> DeclaredDesign:
    """The declared design, with every check R makes before it estimates a variance (made once
    for the same answers: a run checks it on reading and again when it builds the variants)."""
    def checked() -> DeclaredDesign:
        declared = declare_design(responses)
        if has_full_design(responses.questionnaire):
            check_lonely_psus(responses, declared)
        return declared

    return responses.derived.of_answers("checked design", checked)


def _full_design(responses: Responses, declared: DeclaredDesign) -> DesignVariant:
    q = responses.questionnaire
    d = q.design
    if d.replicates is not None:
        return _replicate_design(responses, declared)
    n = len(responses.answers)
    population = None
    stages = []
    if q.analysis.fpc and declared.population is not None:
        strata = declared.strata if declared.strata is not None else np.zeros(n, dtype=np.int64)
        population = declared.population[strata]
        above = declared.clusters
        for stage in declared.stages:  # R adds the later stages' variance when every stage has an fpc
            assert stage.population is not None  # each stage has a size when the first has
            stages.append((stage.units, stage.population[above]))
            above = stage.units
    weights = declared.weights
    calibration = None
    weighting = None
    if d.weighting is not None and (d.weighting_method != "none" or d.weighting.trim is not None):
        weights, calibration, weighting = weight(responses, weights)
    design = design_from_columns(weights=weights, strata=declared.strata, clusters=declared.clusters,
                                 population=population, n=n, calibration=calibration, lonely_psu=d.lonely_psu,
                                 stages=stages)
    description = describe_full_design(q, design, declared.derived_weights_words, weighting, declared.stages)
    main, *others = (str(m) for m in q.analysis.design_interval)
    return DesignVariant("design", design, True, population is not None, main, description, weighting,
                         other_intervals=tuple(others))


def describe_full_design(q: Questionnaire, design: SampleDesign, derived_weights_words: str | None,
                         weighting: WeightingSummary | None, declared_stages: tuple = ()) -> str:
    """The full design in words, for the methods: weights, strata, clusters, the correction
    and the lonely-PSU rule (`declared_stages`: a multistage sample's later stages as declared)."""
    d = q.design
    parts = []
    if d.weights:
        parts.append(f"weights '{d.weights}'")
    elif derived_weights_words:
        parts.append(derived_weights_words)
    if weighting and weighting.trimmed:
        parts.append(f"{weighting.trimmed} {'weight' if weighting.trimmed == 1 else 'weights'} trimmed "
                     "(R's trimWeights)")
    if weighting and weighting.variables:
        parts.append(f"{weighting.method} to the population's counts by {', '.join(weighting.variables)}")
    if d.strata:
        parts.append(f"{design.n_strata} strata")
    if len(d.clusters) > 1:
        sampled = [design.n_clusters] + [int(stage.sampled.sum()) for stage in declared_stages]
        units = ", ".join(f"{count} units of {column}" for count, column in zip(sampled, d.clusters, strict=True))
        parts.append(f"{len(d.clusters)}-stage cluster sample ({units})")
    elif d.clusters:
        parts.append(f"{design.n_clusters} clusters")
    population = design.population
    if population is not None and design.stages:
        parts.append("finite population correction at every stage, with the later stages' variance as R's "
                     "multistage formula adds it")
    elif population is not None:
        parts.append("finite population correction")
    elif len(d.clusters) > 1:
        parts.append("primary sampling units treated as sampled with replacement (no population sizes), the "
                     "variance coming from the first stage's clusters only, as R computes it")
    elif d.strata or d.clusters:
        parts.append("primary sampling units treated as sampled with replacement (no population sizes)")
    if d.lonely_psu != "fail" and (design.psus_per_stratum == 1).any():
        parts.append(f"strata with a single sampled unit: the '{d.lonely_psu}' rule of R's survey.lonely.psu")
    if d.lonely_psu != "fail" and any(((stage.sampled == 1) & (stage.population > 1)).any() for stage in design.stages):
        parts.append(f"clusters with a single sampled unit at a later stage: the '{d.lonely_psu}' rule of R's "
                     "survey.lonely.psu")
    description = "weighted: " + "; ".join(parts) if parts else "design-based"
    return description


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
    main, *others = (str(m) for m in q.analysis.design_interval)
    return DesignVariant("design", design, True, False, main, description, other_intervals=tuple(others),
                         replicates=replicates)
