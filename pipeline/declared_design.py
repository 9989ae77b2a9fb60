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
from pipeline.validate import Responses

WEIGHTS_GIVEN, WEIGHTS_FROM_POPULATION, WEIGHTS_EQUAL = "column", "population", "equal"
ROWS_NAMED = 5


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

    @property
    def derived_weights_words(self) -> str | None:
        """How the weights were derived, for the methods section (None when given or equal)."""
        if self.weights_source != WEIGHTS_FROM_POPULATION:
            return None
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
        present, strata = np.unique(codes, return_inverse=True)  # strata of excluded rows drop out
        strata = strata.astype(np.int64).ravel()
        labels = tuple(str(categories[c]) for c in present)
    stratum_of_unit = strata if strata is not None else np.zeros(n, dtype=np.int64)
    clusters = None
    if d.clusters:
        cluster_codes = categories_and_codes(answers[d.clusters])[1]
        clusters = np.unique(cluster_codes, return_inverse=True)[1].astype(np.int64).ravel()
    if clusters is not None and strata is not None and not d.nest:
        _check_clusters_nested(responses, stratum_of_unit, clusters, labels)
    psu_stratum = _psu_strata(stratum_of_unit, clusters)
    psus = np.bincount(psu_stratum, minlength=len(labels)).astype(float)
    population = _population(responses, stratum_of_unit, labels)
    issues = []
    if population is not None:
        issues.extend(_too_small(responses, population, psus, labels, stratum_of_unit))
    if issues:
        raise AnswersError(issues)
    if d.weights:
        weights, source = numbers(answers[d.weights]), WEIGHTS_GIVEN
    elif population is not None:
        weights, source = (population / psus)[stratum_of_unit], WEIGHTS_FROM_POPULATION
    else:
        weights, source = np.ones(n), WEIGHTS_EQUAL
    return DeclaredDesign(strata, labels, clusters, population, psus, weights, source)


def check_lonely_psus(responses: Responses, design: DeclaredDesign) -> None:
    """R's default rule for a stratum with one PSU: stop, unless the stratum was taken whole
    (which the variance knows only when the finite population correction is applied)."""
    q = responses.questionnaire
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
            **_first_row(responses, rows), column=q.design.strata or q.design.clusters or None))
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
    example = responses.answers[d.clusters].iloc[int(np.flatnonzero(clusters == code)[0])]
    raise AnswersError(Issue(
        "clusters-not-nested", responses.path,
        f"the cluster code '{example}' in strata {', '.join(repr(s) for s in strata[:3])}"
        + (f" ({len(repeated)} codes repeat across strata)" if len(repeated) > 1 else ""),
        "cluster codes unique across strata, or `design.nest: true` when they are numbered within each "
        "stratum (R's svydesign(nest = TRUE))", column=d.clusters))


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
    size = d.population_size
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
                 **_first_row(responses, differing), column=d.population_size if isinstance(d.population_size, str)
                 else None)


def _too_small(responses: Responses, population: np.ndarray, psus: np.ndarray,
               labels: tuple[str, ...], stratum_of_unit: np.ndarray) -> list[Issue]:
    """Population sizes smaller than the sample drawn from them (R: '>100% sampling')."""
    q = responses.questionnaire
    d = q.design
    unit = "clusters" if d.clusters else "respondents"
    issues = []
    for h in np.flatnonzero(population < psus):
        if isinstance(d.population_size, str):
            where = f"stratum '{labels[h]}'" if d.strata else "the sample"
            rows = np.flatnonzero(stratum_of_unit == h)
            issues.append(Issue("population-too-small", responses.path,
                                f"a population size of {population[h]:g} for {where}, which has {psus[h]:g} "
                                f"sampled {unit} ({_rows_named(responses, rows)})",
                                f"a population size of at least {psus[h]:g}",
                                **_first_row(responses, rows), column=d.population_size))
        else:
            issues.append(Issue("population-too-small", q.path,
                                f"a population size of {population[h]:g} for {psus[h]:g} sampled {unit} "
                                f"(in {responses.path})", f"a population size of at least {psus[h]:g}",
                                key="design.population_size"))
    return issues
