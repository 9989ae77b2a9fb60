"""The questionnaire's weighting, done to the answers: trimming, then post-stratification,
raking or calibration to the population's counts, with the checks before and after.

Before weighting, every target (a frame cell for post-stratification, a level of one
variable for raking and calibration) is checked against the respondents in it: a target with
population but no respondents, or respondents but no population, stops the run naming the
level, its target and the sample count; a target with fewer than `small_cell` respondents is
named in a warning. After weighting, each target's weighted total is recorded beside it, and
targets not met (relative difference above `MARGIN_CHECK_TOLERANCE`) are named in a warning.
Raking or calibration that does not converge stops the run, or, when the questionnaire says
`on_not_converged: warn`, goes on with a warning. Everything is kept in the
`WeightingSummary` that validation.json and the report's methods show.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.columns import categories_and_codes, index_of, present_values
from pipeline.errors import AnswersError, Issue
from pipeline.questionnaire import Questionnaire
from pipeline.stats.calibration import calibrate, trim_weights
from pipeline.stats.design import Calibration
from pipeline.stats.weighting import (
    WeightingError,
    WeightingResult,
    effective_sample_size,
    kish_design_effect,
    poststratify,
    rake,
)
from pipeline.summaries import TargetCheck, WeightingSummary
from pipeline.validate import Responses

MARGIN_CHECK_TOLERANCE = 1e-6
"""Weighted totals further than this (relative to the target) from their targets are named."""

METHOD_NAMES = {"poststratify": "post-stratification", "rake": "raking", "none": "trimming"}
CALFUN_NAMES = {"linear": "linear calibration (GREG)", "raking": "raking calibration"}


@dataclass(frozen=True)
class Targets:
    """Per target group: each respondent's code in it, and each code's label and population count."""

    variable: str
    codes: np.ndarray
    labels: tuple[str, ...]
    counts: np.ndarray


def weight(responses: Responses, weights: np.ndarray) -> tuple[np.ndarray, Calibration | None, WeightingSummary]:
    """The design weights trimmed and calibrated as the questionnaire says, the calibration
    behind the variance, and the account of it; AnswersError when the answers cannot be weighted."""
    q = responses.questionnaire
    w = q.design.weighting
    assert w is not None
    warnings: list[str] = []
    trimmed = 0
    if w.trim is not None:
        lower = -np.inf if w.trim.lower is None else w.trim.lower
        upper = np.inf if w.trim.upper is None else w.trim.upper
        trimmed = int(((weights < lower) | (weights > upper)).sum())
        try:
            weights = trim_weights(weights, lower, upper, w.trim.strict)
        except WeightingError as error:
            raise _cannot_weight(responses, str(error), "trimming bounds that some weights lie within") from None
    method = str(w.method)
    if method == "none":
        return weights, None, _summary(q, weights, "trimming", (), 0, True, (), trimmed, warnings)
    targets = _targets(responses)
    _check_before(responses, targets, w.small_cell, warnings)
    try:
        if method == "poststratify":
            (joint,) = targets
            result = poststratify(weights, joint.codes, joint.counts)
        elif method == "rake":
            result = rake(weights, [t.codes for t in targets], [t.counts for t in targets], w.epsilon,
                          w.max_iterations or 100)
        else:
            lower = -np.inf if w.bounds is None or w.bounds.lower is None else w.bounds.lower
            upper = np.inf if w.bounds is None or w.bounds.upper is None else w.bounds.upper
            result = calibrate(weights, [t.codes for t in targets], [t.counts for t in targets], str(w.calfun),
                               (lower, upper), 1e-7 if w.epsilon is None else w.epsilon, w.max_iterations or 50)
    except WeightingError as error:
        raise _cannot_weight(responses, str(error), "respondents in every category with population") from None
    if not result.converged:
        text = _not_converged(method, result, w)
        if w.on_not_converged == "stop":
            raise _cannot_weight(responses, text, "convergence, with a larger max_iterations or epsilon, or "
                                 "on_not_converged: warn to go on with the weights reached")
        warnings.append(text + "; the figures use the weights reached (on_not_converged: warn)")
    checks = _check_after(result, targets, warnings)
    name = CALFUN_NAMES[str(w.calfun)] if method == "calibrate" else METHOD_NAMES[method]
    summary = _summary(q, result.weights, name, tuple(q.design.weighting_variables), result.iterations,
                       result.converged, checks, trimmed, warnings)
    return result.weights, result.calibration, summary


def _summary(q: Questionnaire, weights: np.ndarray, name: str, variables: tuple[str, ...], iterations: int,
             converged: bool, checks: tuple[TargetCheck, ...], trimmed: int, warnings: list[str]) -> WeightingSummary:
    w = q.design.weighting
    assert w is not None
    return WeightingSummary(name, variables, iterations, kish_design_effect(weights), effective_sample_size(weights),
                            float(weights.min()), float(weights.max()), str(w.method), converged,
                            _criterion(q), checks, tuple(warnings), trimmed)


def _criterion(q: Questionnaire) -> str:
    """The convergence rule, in words, with R's names for its controls."""
    w = q.design.weighting
    assert w is not None
    if w.method == "rake":
        if w.epsilon is None:
            return (f"every margin within 1e-10 of its target (relative), at most {w.max_iterations or 100} passes")
        return (f"R rake's control epsilon = {w.epsilon:g}, maxit = {w.max_iterations or 100}: stop after the first "
                "pass that changes no cell of the variables' cross-classification by epsilon or more"
                + (" (epsilon below 1: that fraction of the starting weights' total)" if w.epsilon < 1 else ""))
    if w.method == "calibrate":
        if w.calfun == "linear" and w.bounds is None:
            return "exact in one step (R's regcalibrate)"
        return (f"R calibrate's epsilon = {1e-7 if w.epsilon is None else w.epsilon:g}, maxit = "
                f"{w.max_iterations or 50}: every total within epsilon of its target, relative to 1 + the target")
    return ""


def _not_converged(method: str, result: WeightingResult, w) -> str:
    if method == "rake":
        return (f"raking did not converge in {_count(result.iterations, 'pass', 'passes')} (largest change in the "
                f"last pass {result.change:.3g}; largest relative margin difference {result.max_error:.3g})")
    return (f"calibration did not converge in {_count(result.iterations, 'step', 'steps')} (largest relative "
            f"difference from a target {result.max_error:.3g})")


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _cannot_weight(responses: Responses, found: str, expected: str) -> AnswersError:
    q = responses.questionnaire
    return AnswersError([Issue("cannot-weight", responses.path, found,
                               f"{expected} (weighting of {q.path} by {', '.join(q.design.weighting_variables)})")])


def _targets(responses: Responses) -> list[Targets]:
    """The target groups: the frame's joint cells for post-stratification, else one per variable,
    from `population.margins` where the variable has one, else summed from the frame's cells."""
    q = responses.questionnaire
    answers = responses.answers
    variables = list(q.design.weighting_variables)
    _check_values(responses, variables)
    frame = pd.DataFrame([dict(zip(q.population.variables, c.values, strict=True), count=c.count)
                          for c in q.population.cells])
    if q.design.weighting_method == "poststratify":
        keys = frame[variables].astype(str).agg("\x1f".join, axis=1)
        totals = frame.groupby(keys, sort=True)["count"].sum()
        index = {k: i for i, k in enumerate(totals.index)}
        unit_cells = _cell_index(answers, variables, index)
        if (unit_cells < 0).any():
            row = int(np.flatnonzero(unit_cells < 0)[0])
            missing = " x ".join(str(answers[v].iloc[row]) for v in variables)
            raise _cannot_weight(responses, f"no frame cell for {missing}", "a frame cell for every respondent")
        labels = tuple(" x ".join(k.split("\x1f")) for k in totals.index)
        return [Targets(" x ".join(variables), unit_cells, labels, totals.to_numpy(dtype=float))]
    targets = []
    for variable in variables:
        margin = q.population.margin(variable)
        if margin is not None:
            counts = pd.Series({level.code: level.count for level in margin.levels}).sort_index()
        else:
            counts = frame.groupby(variable, sort=True)["count"].sum()
        index = {k: i for i, k in enumerate(counts.index)}
        targets.append(Targets(variable, index_of(answers[variable], index), tuple(str(k) for k in counts.index),
                               counts.to_numpy(dtype=float)))
    return targets


def _check_values(responses: Responses, variables: list[str]) -> None:
    """Every respondent has a value of every weighting variable that has a population count."""
    q = responses.questionnaire
    issues = []
    joint = q.design.weighting_method == "poststratify"
    for variable in variables:
        margin = None if joint else q.population.margin(variable)
        known = ({level.code for level in margin.levels} if margin is not None
                 else {c.values[q.population.variables.index(variable)] for c in q.population.cells})
        where = "population.margins" if margin is not None else "population.frame"
        unknown = sorted(set(present_values(responses.answers[variable])) - known)
        categories, codes = categories_and_codes(responses.answers[variable])
        if unknown:
            issues.append(Issue("not-in-frame", responses.path, f"'{unknown[0]}' in column {variable}",
                                f"a value of {where} in {q.path} ({', '.join(sorted(known))})", column=variable))
        elif (codes >= len(categories)).any():
            row = int(np.flatnonzero(codes >= len(categories))[0])
            issues.append(Issue("not-in-frame", responses.path, f"no answer in column {variable} (row {row + 1})",
                                f"a value of {where} in {q.path} for every respondent, as weighting needs",
                                column=variable))
    if issues:
        raise AnswersError(issues)


def _check_before(responses: Responses, targets: list[Targets], small_cell: int, warnings: list[str]) -> None:
    """Stop on a target with population but no respondents, or respondents but no population;
    warn of a target with fewer than `small_cell` respondents."""
    issues = []
    for t in targets:
        sample = np.bincount(t.codes[t.codes >= 0], minlength=len(t.labels))
        for label, target, n in zip(t.labels, t.counts, sample, strict=True):
            place = f"{t.variable} = {label}: target {target:g}, {n} respondents"
            if target > 0 and n == 0:
                issues.append(Issue("cannot-weight", responses.path, place,
                                    "respondents in every target cell or level with population (merge it with "
                                    "a neighbour, or weight on fewer variables)"))
            elif target == 0 and n > 0:
                issues.append(Issue("cannot-weight", responses.path, place,
                                    "no respondents where the population count is 0 (their weights would be 0)"))
            elif 0 < n < small_cell:
                warnings.append(f"small target: {place} (fewer than {small_cell})")
    if issues:
        raise AnswersError(issues)


def _check_after(result: WeightingResult, targets: list[Targets], warnings: list[str]) -> tuple[TargetCheck, ...]:
    """Each target beside the weighted total it got; targets not met are named in a warning."""
    checks = []
    for t in targets:
        sample = np.bincount(t.codes, minlength=len(t.labels))
        weighted = np.bincount(t.codes, weights=result.weights, minlength=len(t.labels))
        for label, target, n, total in zip(t.labels, t.counts, sample, weighted, strict=True):
            difference = float(total - target)
            relative = abs(difference) / max(float(target), 1.0)
            checks.append(TargetCheck(t.variable, label, float(target), int(n), float(total), difference,
                                      relative <= MARGIN_CHECK_TOLERANCE))
            if relative > MARGIN_CHECK_TOLERANCE:
                warnings.append(f"target not met: {t.variable} = {label}: weighted total {total:.10g}, target "
                                f"{target:g} (relative difference {relative:.3g})")
    return tuple(checks)


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
