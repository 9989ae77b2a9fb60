"""Check a reproduction's published claims against the reproduced figures.

Each claim names a measure (or the number of respondents), optionally a domain (the
respondents its wording is about, e.g. directors), and the interval its published wording is
taken to mean; the verdict is whether the reproduced figure lies inside. The figure compared
is the plain, unweighted share among the claim's base, as published surveys of this kind
report it.

A published share rarely says its denominator. So each claim is also checked on the other
admissible bases (all respondents, those asked, those who gave a valid answer) in
`other_bases`: a claim met on one base and not on another is met only by a choice of base.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.measures import BASE_WORDS, in_base, selected
from pipeline.questionnaire import Claim, Questionnaire
from pipeline.records import SRS, EstimateTable
from pipeline.validate import Responses

COLUMNS = ("claim", "source", "wording", "measure", "interval_low", "interval_high", "reproduced", "n", "verdict",
           "other_bases")
BASES = tuple(BASE_WORDS)
SAME_ON_EVERY_BASE = "the same respondents on every base"


def check_claims(questionnaire: Questionnaire, estimates: EstimateTable, respondents: int,
                 responses: Responses | None = None) -> pd.DataFrame:
    """One row per claim: the interval, the reproduced figure, its base n, the verdict and, given
    the answers, the verdicts on the other bases."""
    rows = []
    for claim in questionnaire.claims:
        value, n = _reproduced(claim, questionnaire, estimates, respondents)
        rows.append({
            "claim": claim.id, "source": claim.source, "wording": claim.wording,
            "measure": claim.measure or "respondents", "interval_low": claim.low, "interval_high": claim.high,
            "reproduced": value, "n": n, "verdict": "met" if claim.contains(value) else "not met",
            "other_bases": "" if responses is None or claim.statistic == "respondents" else other_bases_text(
                other_bases(claim, questionnaire, responses), questionnaire.analysis.suppress_below,
                figures=n >= questionnaire.analysis.suppress_below),
        })
    return pd.DataFrame(rows, columns=list(COLUMNS))


def other_bases(claim: Claim, questionnaire: Questionnaire, responses: Responses) -> list[tuple[str, int, int, bool]]:
    """(base, count, base size, met) for each admissible base other than the claim's measure's own.

    Bases that hold the same respondents as the claim's own base are left out (they cannot give
    another verdict); bases holding the same respondents as each other are named together.
    """
    if claim.statistic == "respondents" or claim.measure is None:
        return []
    measure = questionnaire.measure(claim.measure)
    question = questionnaire.question(measure.question)
    domain = _domain_rows(claim, responses)
    hit = selected(responses, question, measure.categories)
    own = in_base(responses, question, measure.base) & domain
    groups: dict[bytes, list] = {}
    for base in BASES:
        rows = in_base(responses, question, base) & domain
        if base == measure.base or (rows == own).all() or not rows.any():
            continue
        count, size = int((hit & rows).sum()), int(rows.sum())
        group = groups.setdefault(rows.tobytes(), [[], count, size, claim.contains(count / size)])
        group[0].append(base)
    return [(" = ".join(names), count, size, met) for names, count, size, met in groups.values()]


def other_bases_text(verdicts: list[tuple[str, int, int, bool]], suppress_below: int = 0,
                     figures: bool = True) -> str:
    """'valid: 58 of 81 (71.6%), not met; …'; a base under the
    suppression threshold gives only its verdict, as the claim's own figure does; so does every base
    when the claim's own base is under it (`figures` false), lest a difference of bases reveal it."""
    if not verdicts:
        return SAME_ON_EVERY_BASE

    def figure(count: int, size: int) -> str:
        if size < suppress_below:
            return f"fewer than {suppress_below} answers"
        if not figures:
            return "figure withheld (the claim's own base is under the threshold)"
        return f"{count} of {size} ({count / size:.1%})"
    return "; ".join(f"{base}: {figure(count, size)}, {'met' if met else 'not met'}"
                     for base, count, size, met in verdicts)


def _domain_rows(claim: Claim, responses: Responses) -> np.ndarray:
    if claim.domain is None:
        return np.ones(len(responses.answers), dtype=bool)
    variable, value = claim.domain
    return (responses.answers[variable] == value).to_numpy()


def _reproduced(claim: Claim, questionnaire: Questionnaire, estimates: EstimateTable,
                respondents: int) -> tuple[float, int]:
    if claim.statistic == "respondents":
        return float(respondents), respondents
    if claim.measure is None:
        raise LookupError(f"claim {claim.id} names no measure")
    measure = questionnaire.measure(claim.measure)
    variable, value = claim.domain or ("", "")
    estimate = estimates.get(measure.id, "|".join(measure.categories), variable, value, SRS)
    if estimate is None:
        raise LookupError(f"no unweighted estimate for claim {claim.id}")
    return estimate.estimate, estimate.n
