"""The sample design as the questionnaire declares it, checked, with R's rules for what follows.

R survey's `svydesign(id, strata, weights, fpc)` is the reference for what a declaration
means:

* population sizes (`fpc`) count primary sampling units (PSUs): respondents in an unclustered
  design, clusters in a clustered one; they must be the same for every respondent of a
  stratum and at least the number of PSUs sampled from it;
* without a weights column, the weights are N_h / n_h (population PSUs over sampled PSUs of
  each stratum) when population sizes are known, and 1 otherwise;
* a stratum with a single PSU has no variance estimate: R's default
  (`options(survey.lonely.psu = "fail")`) stops, unless the stratum was sampled whole
  (its population size equals its sample), where R adds no variance.

Every breach is an input error naming the stratum or the key, and the lines and respondents
concerned (the first few), never a silent default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.columns import categories_and_codes, numbers
from pipeline.errors import AnswersError, Issue, shorten
from pipeline.stats.design import codes_of
from pipeline.validate import Responses

WEIGHTS_GIVEN, WEIGHTS_FROM_POPULATION, WEIGHTS_EQUAL = "column", "population", "equal"
ROWS_NAMED = 5


@dataclass(frozen=True)
class DeclaredStage:
    """A stage of a multistage sample after the first: each row's unit of the stage (codes
    nested in the stage above, as R's svydesign nests later stages' ids), each unit's unit of
    the stage above (`parent`), and per unit above, the units sampled from it and in its
    population (None when the stage has no population size)."""

    column: str
    units: np.ndarray
    parent: np.ndarray
    sampled: np.ndarray
    population: np.ndarray | None


@dataclass(frozen=True)
class DeclaredDesign:
    """Per-respondent design codes and the weights the declaration implies, before calibration.

    `strata` holds codes 0..H-1 (None when unstratified) with their labels; `clusters` the
    cluster column's codes (None when every respondent is its own PSU); `population` the
    number of PSUs in each stratum's population (None when unknown); `psus` the number of
    PSUs sampled in each stratum.
    """

    strata: np.ndarray | None
    stratum_labels: tuple[str, ...]
    clusters: np.ndarray | None
    population: np.ndarray | None
    psus: np.ndarray
    weights: np.ndarray
    weights_source: str
    stages: tuple[DeclaredStage, ...] = ()

    @property
    def derived_weights_words(self) -> str | None:
        """How the weights were derived, for the methods section (None when given or equal)."""
        if self.weights_source != WEIGHTS_FROM_POPULATION:
            return None
        if self.stages:
            return ("weights derived from every stage's population size (the product over the stages of the "
                    "units in the population over the units sampled), as R's svydesign does")
        if self.strata is None:
            return "weights N/n derived from the population size, as R's svydesign does"
        return "weights N_h/n_h derived from each stratum's population size, as R's svydesign does"


def declare_design(responses: Responses) -> DeclaredDesign:
    """The declared design of the accepted answers; raises AnswersError on any inconsistency."""
    q = responses.questionnaire
    d = q.design
    answers = responses.answers
    n = len(answers)
    strata: np.ndarray | None = None
    labels: tuple[str, ...] = ("",)
    if d.strata:
        categories, codes = categories_and_codes(answers[d.strata])
        strata, present = codes_of(codes)  # strata of excluded rows drop out
        labels = tuple(str(categories[c]) for c in present)
    stratum_of_unit = strata if strata is not None else np.zeros(n, dtype=np.int64)
    clusters = None
    if d.first_clusters:
        cluster_codes = categories_and_codes(answers[d.first_clusters])[1]
        clusters = codes_of(cluster_codes)[0]
    if clusters is not None and strata is not None and not d.nest:
        _check_clusters_nested(responses, stratum_of_unit, clusters, labels)
    if clusters is not None and strata is not None:  # PSUs numbered within strata are told apart
        clusters = np.unique(np.column_stack([stratum_of_unit, clusters]), axis=0, return_inverse=True)[1].ravel()
    psu_stratum = _psu_strata(stratum_of_unit, clusters)
    psus = np.bincount(psu_stratum, minlength=len(labels)).astype(float)
    population = _population(responses, stratum_of_unit, labels)
    issues = []
    if population is not None:
        issues.extend(_too_small(responses, population, psus, labels, stratum_of_unit))
    if issues:
        raise AnswersError(issues)
    stages = _later_stages(responses, clusters) if clusters is not None else ()
    if d.weights:
        weights, source = numbers(answers[d.weights]), WEIGHTS_GIVEN
    elif population is not None:
        weights, source = (population / psus)[stratum_of_unit], WEIGHTS_FROM_POPULATION
        above = clusters
        for stage in stages:
            assert stage.population is not None  # every stage has a size when the first has
            weights = weights * (stage.population / stage.sampled)[above]
            above = stage.units
    else:
        weights, source = np.ones(n), WEIGHTS_EQUAL
    return DeclaredDesign(strata, labels, clusters, population, psus, weights, source, stages)


def _later_stages(responses: Responses, clusters: np.ndarray) -> tuple[DeclaredStage, ...]:
    """The stages after the first, nested as R nests them, with their population sizes checked:
    one per unit of the stage above, and at least the units sampled from it."""
    d = responses.questionnaire.design
    answers = responses.answers
    stages = []
    above, above_column = clusters, d.clusters[0]
    for i, column in enumerate(d.clusters[1:], start=1):
        codes = categories_and_codes(answers[column])[1]
        units = np.unique(np.column_stack([above, codes]), axis=0, return_inverse=True)[1].ravel().astype(np.int64)
        parent = np.zeros(units.max() + 1, dtype=np.int64)
        parent[units] = above
        n_above = int(above.max()) + 1
        sampled = np.bincount(parent, minlength=n_above).astype(float)
        population = None
        if len(d.stage_sizes) > i:
            population = _stage_population(responses, i, above, above_column, sampled)
        stages.append(DeclaredStage(column, units, parent, sampled, population))
        above, above_column = units, column
    return tuple(stages)


def _stage_population(responses: Responses, stage: int, above: np.ndarray, above_column: str,
                      sampled: np.ndarray) -> np.ndarray:
    """Each unit above's population of this stage's units (R's fpc for the stage)."""
    d = responses.questionnaire.design
    size = d.stage_sizes[stage]
    column = d.clusters[stage]
    words = f"stage {stage + 1} ({column})"
    n_above = len(sampled)
    if isinstance(size, str):
        values = numbers(responses.answers[size])
        low = np.full(n_above, np.inf)
        high = np.full(n_above, -np.inf)
        np.minimum.at(low, above, values)
        np.maximum.at(high, above, values)
        varies = np.flatnonzero(low != high)
        if len(varies):
            issues = []
            for unit in varies[:ROWS_NAMED]:
                rows = np.flatnonzero(above == unit)
                differing = rows[values[rows] != values[rows[0]]]
                issues.append(Issue(
                    "inconsistent-population-size", responses.path,
                    f"population sizes of {words} from {values[rows].min():g} to {values[rows].max():g} within "
                    f"the cluster '{_label(responses, above_column, rows[0])}' of {above_column} "
                    f"({_rows_named(responses, rows[:1])} has {values[rows[0]]:g}; differing: "
                    f"{_rows_named(responses, differing)})",
                    f"one population size of {words} for every row of a cluster of {above_column} (the number of "
                    f"its units in the population)", **_first_row(responses, differing), column=size))
            raise AnswersError(issues)
        population = low
    else:
        population = np.full(n_above, float(size))
    small = np.flatnonzero(population < sampled)
    if len(small):
        issues = []
        for unit in small[:ROWS_NAMED]:
            rows = np.flatnonzero(above == unit)
            issues.append(Issue(
                "population-too-small", responses.path,
                f"a population size of {population[unit]:g} for {words} in the cluster "
                f"'{_label(responses, above_column, rows[0])}' of {above_column}, which has {sampled[unit]:g} "
                f"sampled units of {column} ({_rows_named(responses, rows)})",
                f"a population size of at least {sampled[unit]:g}", **_first_row(responses, rows),
                column=size if isinstance(size, str) else None))
        raise AnswersError(issues)
    return population


def _label(responses: Responses, column: str, row: int) -> str:
    """A row's value of a column, as the answers file gives it, shortened."""
    return shorten(str(responses.answers[column].iloc[int(row)]), 40)


def check_lonely_psus(responses: Responses, design: DeclaredDesign) -> None:
    """R's default rule for a stratum with one PSU: stop, unless the stratum was taken whole
    (which the variance knows only when the finite population correction is applied)."""
    q = responses.questionnaire
    if design.stages and design.population is not None and q.analysis.fpc:
        _check_lonely_units(responses, design)
    if q.design.lonely_psu != "fail":  # the questionnaire chose a rule, which the methods state
        return
    lonely = design.psus == 1
    if design.population is not None and q.analysis.fpc:
        lonely &= design.population > design.psus
    if not lonely.any():
        return
    unit = "cluster" if design.clusters is not None else "respondent"
    issues = []
    stratum_of_unit = design.strata if design.strata is not None else np.zeros(len(responses.answers), np.int64)
    for h in np.flatnonzero(lonely):
        where = f"stratum '{design.stratum_labels[h]}'" if design.strata is not None else "the sample"
        rows = np.flatnonzero(stratum_of_unit == h)
        issues.append(Issue(
            "lonely-psu", responses.path, f"{where} with a single sampled {unit} ({_rows_named(responses, rows)}), "
            "whose variance cannot be estimated",
            f"at least two sampled {unit}s in every stratum (R survey's default, survey.lonely.psu = \"fail\"), "
            "or a population size equal to the sample for a stratum taken whole",
            **_first_row(responses, rows), column=q.design.strata or q.design.first_clusters or None))
    raise AnswersError(issues)


def _check_lonely_units(responses: Responses, design: DeclaredDesign) -> None:
    """A unit of a later stage sampled alone from its cluster above: R stops under the default
    rule ("has only one PSU at stage 2"), and its `average` rule gives no variance at all (NaN)
    there, as no other strata within the cluster can be averaged over; a cluster whose units
    were all taken (population equal to the sample) adds nothing."""
    q = responses.questionnaire
    rule = q.design.lonely_psu
    if rule not in ("fail", "average"):
        return
    issues = []
    above = design.clusters
    above_column = q.design.clusters[0]
    for number, stage in enumerate(design.stages, start=2):
        assert stage.population is not None and above is not None  # only checked with every stage's size
        lonely = np.flatnonzero((stage.sampled == 1) & (stage.population > 1))
        for unit in lonely[:ROWS_NAMED]:
            rows = np.flatnonzero(above == unit)
            where = (f"the cluster '{_label(responses, above_column, rows[0])}' of {above_column} with a single "
                     f"sampled unit of stage {number} ({stage.column}; {_rows_named(responses, rows)}) of "
                     f"{stage.population[unit]:g} in its population")
            if rule == "fail":
                issues.append(Issue("lonely-psu", responses.path, where + ", whose variance cannot be estimated",
                                    f"at least two sampled units of stage {number} in every cluster of "
                                    f"{above_column} (R survey's default, survey.lonely.psu = \"fail\"), a "
                                    "population size equal to the sample where it was taken whole, or a "
                                    "`design.lonely_psu` rule", **_first_row(responses, rows), column=stage.column))
            else:
                issues.append(Issue("lonely-unit-average", responses.path,
                                    where + ": the 'average' rule has no other strata within the cluster to average "
                                    "over (R's variance is NaN)",
                                    "`design.lonely_psu` remove, certainty or adjust for a multistage sample with "
                                    "lonely units after the first stage", **_first_row(responses, rows),
                                    column=stage.column))
        above, above_column = stage.units, stage.column
    if issues:
        raise AnswersError(issues)


def _rows_named(responses: Responses, rows: np.ndarray, limit: int = ROWS_NAMED) -> str:
    """Some rows by line and respondent id, so that a stratum's problem can be found in the file."""
    ids, lines = responses.respondent_ids, responses.line_numbers
    named = [f"{responses.row_word} {int(lines.iloc[r])}, respondent {shorten(str(ids.iloc[r]), 40)}"
             for r in rows[:limit]]
    more = f" and {len(rows) - limit} more row(s)" if len(rows) > limit else ""
    return "; ".join(named) + more


def _first_row(responses: Responses, rows: np.ndarray) -> dict:
    """The line and respondent of the first row concerned, as an Issue's location."""
    if len(rows) == 0:
        return {}
    return {"line": int(responses.line_numbers.iloc[rows[0]]),
            "respondent": str(responses.respondent_ids.iloc[rows[0]]) or None}


def _check_clusters_nested(responses: Responses, stratum_of_unit: np.ndarray, clusters: np.ndarray,
                           labels: tuple[str, ...]) -> None:
    """Without `design.nest`, one cluster code in two strata is a question, not a guess: R's
    svydesign stops too ("Clusters not nested in strata at top level; you may want nest=TRUE")."""
    pairs = np.unique(np.column_stack([clusters, stratum_of_unit]), axis=0)
    repeated = np.flatnonzero(np.bincount(pairs[:, 0]) > 1)
    if not len(repeated):
        return
    d = responses.questionnaire.design
    code = repeated[0]
    strata = [labels[h] for h in pairs[pairs[:, 0] == code][:, 1]]
    example = responses.answers[d.first_clusters].iloc[int(np.flatnonzero(clusters == code)[0])]
    raise AnswersError(Issue(
        "clusters-not-nested", responses.path,
        f"the cluster code '{example}' in strata {', '.join(repr(s) for s in strata[:3])}"
        + (f" ({len(repeated)} codes repeat across strata)" if len(repeated) > 1 else ""),
        "cluster codes unique across strata, or `design.nest: true` when they are numbered within each "
        "stratum (R's svydesign(nest = TRUE))", column=d.first_clusters))


def _psu_strata(stratum_of_unit: np.ndarray, clusters: np.ndarray | None) -> np.ndarray:
    """The stratum of each sampled PSU (clusters are nested within strata)."""
    if clusters is None:
        return stratum_of_unit
    pairs = np.unique(np.column_stack([stratum_of_unit, clusters]), axis=0)
    return pairs[:, 0]


def _population(responses: Responses, stratum_of_unit: np.ndarray, labels: tuple[str, ...]) -> np.ndarray | None:
    """Each stratum's population size; a column must hold one value per stratum."""
    q = responses.questionnaire
    d = q.design
    size = d.first_size
    if size is None:
        return None
    if not isinstance(size, str):
        if d.strata:
            raise AnswersError(Issue(
                "population-size-needs-strata", q.path, f"a single population size ({size}) with strata",
                f"design.population_size naming a column of each stratum's population size (strata: {d.strata})",
                key="design.population_size"))
        return np.array([float(size)])
    values = numbers(responses.answers[size])
    low = np.full(len(labels), np.inf)
    high = np.full(len(labels), -np.inf)
    np.minimum.at(low, stratum_of_unit, values)
    np.maximum.at(high, stratum_of_unit, values)
    varies = np.flatnonzero(low != high)
    if len(varies):
        raise AnswersError([_varying_size(responses, values, stratum_of_unit, labels, int(h)) for h in varies])
    return low


def _varying_size(responses: Responses, values: np.ndarray, stratum_of_unit: np.ndarray,
                  labels: tuple[str, ...], h: int) -> Issue:
    """A stratum whose rows give different population sizes, located at the first row that differs
    from the stratum's first, which is named too."""
    d = responses.questionnaire.design
    rows = np.flatnonzero(stratum_of_unit == h)
    differing = rows[values[rows] != values[rows[0]]]
    where = f"stratum '{labels[h]}'" if d.strata else "the sample"
    first = _rows_named(responses, rows[:1])
    return Issue("inconsistent-population-size", responses.path,
                 f"a population size of {values[differing[0]]:g} in {where}, where {first} has "
                 f"{values[rows[0]]:g} (sizes from {values[rows].min():g} to {values[rows].max():g}; "
                 f"differing: {_rows_named(responses, differing)})",
                 "one population size for every respondent of a stratum",
                 **_first_row(responses, differing), column=d.first_size if isinstance(d.first_size, str)
                 else None)


def _too_small(responses: Responses, population: np.ndarray, psus: np.ndarray,
               labels: tuple[str, ...], stratum_of_unit: np.ndarray) -> list[Issue]:
    """Population sizes smaller than the sample drawn from them (R: '>100% sampling')."""
    q = responses.questionnaire
    d = q.design
    unit = "clusters" if d.clusters else "respondents"
    issues = []
    for h in np.flatnonzero(population < psus):
        if isinstance(d.first_size, str):
            where = f"stratum '{labels[h]}'" if d.strata else "the sample"
            rows = np.flatnonzero(stratum_of_unit == h)
            issues.append(Issue("population-too-small", responses.path,
                                f"a population size of {population[h]:g} for {where}, which has {psus[h]:g} "
                                f"sampled {unit} ({_rows_named(responses, rows)})",
                                f"a population size of at least {psus[h]:g}",
                                **_first_row(responses, rows), column=d.first_size))
        else:
            issues.append(Issue("population-too-small", q.path,
                                f"a population size of {population[h]:g} for {psus[h]:g} sampled {unit} "
                                f"(in {responses.path})", f"a population size of at least {psus[h]:g}",
                                key="design.population_size"))
    return issues
