"""Prepare what the template sees: every number already rounded and every base stated.

The template does no arithmetic; it only lays out what this module hands it.
"""

from __future__ import annotations

import math

import pandas as pd

from pipeline.provenance import Provenance
from pipeline.questionnaire import Questionnaire


def percent(value: float, digits: int = 0) -> str:
    """A proportion as a rounded percentage, e.g. 0.7073 -> '71%'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value * 100:.{digits}f}%"


def build_context(questionnaire: Questionnaire, provenance: Provenance, estimates: pd.DataFrame,
                  findings: pd.DataFrame, validation: dict, manifest: dict) -> dict:
    """Everything the report template needs, as plain values."""
    overall = estimates[(estimates["domain_variable"] == "") & (~estimates["weighted"]) & (~estimates["fpc"])]

    def figure(measure_id: str) -> dict:
        measure = questionnaire.measure(measure_id)
        row = overall[(overall["measure"] == measure_id) & (overall["category"] == "|".join(measure.categories))].iloc[0]
        count = round(row["estimate"] * row["n"])
        return {
            "id": measure_id, "label": measure.label, "percent": percent(row["estimate"]),
            "count": int(count), "n": int(row["n"]), "base": row["base"],
            "interval": f"{percent(row['ci_low'])} to {percent(row['ci_high'])}",
            "method": row["ci_method"],
        }

    themes = [{"title": t.title, "summary": t.summary, "figures": [figure(m) for m in t.measures]}
              for t in questionnaire.analysis.themes]
    claims = [{
        "id": r.claim, "wording": r.wording, "source": r.source,
        "interval": next(c.interval_text for c in questionnaire.claims if c.id == r.claim),
        "reproduced": (f"{int(r.reproduced)}" if r.measure == "respondents"
                       else f"{percent(r.reproduced, 1)} (n = {int(r.n)})"),
        "verdict": r.verdict,
    } for r in findings.itertuples()]
    survey = questionnaire.survey
    return {
        "survey": survey, "title": survey.title, "subtitle": survey.subtitle,
        "organisations": survey.organisations, "provenance": provenance,
        "level": percent(questionnaire.analysis.level),
        "population": questionnaire.population,
        "respondents": validation["rows_accepted"],
        "response_rate": (percent(validation["rows_accepted"] / questionnaire.population.size)
                          if questionnaire.population.size else None),
        "headline": [figure(m) for m in questionnaire.analysis.headline],
        "themes": themes, "claims": claims,
        "recommendations": questionnaire.report_text.get("recommendations", []),
        "introduction": questionnaire.report_text.get("introduction", survey.description),
        "validation": validation, "manifest": manifest,
        "created": survey.published or "2000-01-01",
    }
