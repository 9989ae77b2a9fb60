"""Check a reproduction's published claims against the reproduced figures.

Each claim names a measure (or the number of respondents) and the interval its published
wording is taken to mean; the verdict is whether the reproduced figure lies inside. The
figure compared is the plain, unweighted share among the claim's base, as published
surveys of this kind report it.
"""

from __future__ import annotations

import pandas as pd

from pipeline.questionnaire import Claim, Questionnaire
from pipeline.records import SRS, EstimateTable

COLUMNS = ("claim", "source", "wording", "measure", "interval_low", "interval_high", "reproduced", "n", "verdict")


def check_claims(questionnaire: Questionnaire, estimates: EstimateTable, respondents: int) -> pd.DataFrame:
    """One row per claim: the interval, the reproduced figure, its base n and the verdict."""
    rows = []
    for claim in questionnaire.claims:
        value, n = _reproduced(claim, questionnaire, estimates, respondents)
        rows.append({
            "claim": claim.id, "source": claim.source, "wording": claim.wording,
            "measure": claim.measure or "respondents", "interval_low": claim.low, "interval_high": claim.high,
            "reproduced": value, "n": n, "verdict": "met" if claim.contains(value) else "not met",
        })
    return pd.DataFrame(rows, columns=list(COLUMNS))


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
