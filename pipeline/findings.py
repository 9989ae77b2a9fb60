"""Check a reproduction's published claims against the reproduced figures.

Each claim names a measure (or the number of respondents) and the interval its published
wording is taken to mean; the verdict is whether the reproduced figure lies inside. The
figure compared is the plain, unweighted share among the claim's base, as published
surveys of this kind report it.
"""

from __future__ import annotations

import pandas as pd

from pipeline.questionnaire import Claim, Questionnaire

COLUMNS = ("claim", "source", "wording", "measure", "interval_low", "interval_high", "reproduced", "n", "verdict")


def check_claims(questionnaire: Questionnaire, estimates: pd.DataFrame, respondents: int) -> pd.DataFrame:
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


def _reproduced(claim: Claim, questionnaire: Questionnaire, estimates: pd.DataFrame,
                respondents: int) -> tuple[float, int]:
    if claim.statistic == "respondents":
        return float(respondents), respondents
    measure = questionnaire.measure(claim.measure)
    variable, value = claim.domain or ("", "")
    row = estimates[(estimates["measure"] == measure.id) & (estimates["category"] == "|".join(measure.categories))
                    & (estimates["domain_variable"] == variable) & (estimates["domain"] == value)
                    & (~estimates["weighted"]) & (~estimates["fpc"]) & (estimates["ci_method"] != "nonresponse-bounds")]
    if len(row) != 1:
        raise LookupError(f"expected one unweighted estimate for claim {claim.id}, found {len(row)}")
    return float(row["estimate"].iloc[0]), int(row["n"].iloc[0])
