"""The tidy table of estimates: every figure a report shows, one row each.

Columns follow the contract in the README: survey, measure, category, domain_variable,
domain, n, base, estimate, se, ci_low, ci_high, ci_method, weighted, fpc.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.measures import CodedVariable, code_measure, code_options, code_question
from pipeline.validate import Responses

COLUMNS = ("survey", "measure", "category", "domain_variable", "domain", "n", "base", "estimate", "se",
           "ci_low", "ci_high", "ci_method", "weighted", "fpc")


def coded_variables(responses: Responses) -> list[CodedVariable]:
    """Every question's categories and every derived measure, in questionnaire order."""
    variables: list[CodedVariable] = []
    for question in responses.questionnaire.questions:
        if question.type in ("single_choice", "scale", "yes_no"):
            variables.append(code_question(responses, question))
        elif question.type == "multiple_choice":
            variables.extend(code_options(responses, question))
    variables.extend(code_measure(responses, m) for m in responses.questionnaire.measures)
    return variables


def estimate_all(responses: Responses) -> pd.DataFrame:
    """Unweighted shares with Wilson intervals, overall and for each planned subgroup."""
    q = responses.questionnaire
    rows: list[dict] = []
    domains: list[tuple[str, str, np.ndarray]] = [("", "", np.ones(len(responses.answers), dtype=bool))]
    for variable in q.analysis.subgroups:
        values = responses.answers[variable].to_numpy()
        for code in q.question(variable).code_values:
            domains.append((variable, code, values == code))
    for coded in coded_variables(responses):
        for domain_variable, domain, members in domains:
            rows.extend(_share_rows(q.survey.id, coded, domain_variable, domain, members, q.analysis.level))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _share_rows(survey: str, coded: CodedVariable, domain_variable: str, domain: str, members: np.ndarray,
                level: float) -> list[dict]:
    codes = coded.codes[members & (coded.codes >= 0)]
    n = len(codes)
    counts = np.bincount(codes, minlength=len(coded.categories))
    binary = coded.categories[0] in ("other", "not_selected")
    rows = []
    for index, category in enumerate(coded.categories):
        if binary and index == 0:
            continue
        x = int(counts[index])
        p = x / n if n else np.nan
        low, high = _wilson(x, n, level)
        rows.append({
            "survey": survey, "measure": coded.id, "category": category,
            "domain_variable": domain_variable, "domain": domain, "n": n, "base": coded.base_words,
            "estimate": p, "se": np.sqrt(p * (1 - p) / n) if n else np.nan,
            "ci_low": low, "ci_high": high, "ci_method": "wilson", "weighted": False, "fpc": False,
        })
    return rows


def _wilson(x: int, n: int, level: float) -> tuple[float, float]:
    if n == 0:
        return np.nan, np.nan
    z = stats.norm.ppf(0.5 + level / 2)
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half
