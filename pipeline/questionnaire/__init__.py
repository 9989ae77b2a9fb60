"""The questionnaire: a survey's single source of truth, loaded into frozen typed values.

Metadata, population frame, design variables, questions and their codes, routing, derived
measures, the analysis plan and any published claims. Later stages never see raw dicts.
The format is declared once, as the fields of `model.py`; parsing, the JSON Schema and the
key tables of `docs/questionnaire-format.md` follow from that declaration.
"""

from pipeline.questionnaire.exports import json_schema, key_rows
from pipeline.questionnaire.model import (
    Analysis,
    Answers,
    Claim,
    ClaimInterval,
    Comparison,
    Design,
    Domain,
    Frame,
    FrameCell,
    Measure,
    Population,
    Questionnaire,
    Replicates,
    ReportText,
    Survey,
    Theme,
    Weighting,
)
from pipeline.questionnaire.parsing import load_questionnaire, parse_questionnaire
from pipeline.questionnaire.questions import Code, Condition, MissingCodes, Question, Range, Scale
from pipeline.questionnaire.vocabulary import (
    Adjust,
    Base,
    Calfun,
    ClaimStatistic,
    DesignIntervalMethod,
    IntervalMethod,
    Layout,
    LonelyPsu,
    MissingKind,
    OnInvalid,
    OnNotConverged,
    QuestionType,
    WeightingMethod,
    Wording,
)

QUESTION_TYPES = tuple(t.value for t in QuestionType)
MISSING_KINDS = tuple(k.value for k in MissingKind)
BASES = tuple(b.value for b in Base)
CLAIM_STATISTICS = tuple(s.value for s in ClaimStatistic)
ON_INVALID = tuple(o.value for o in OnInvalid)
WORDINGS = tuple(w.value for w in Wording)
INTERVAL_METHODS = tuple(m.value for m in IntervalMethod)
DESIGN_INTERVAL_METHODS = tuple(m.value for m in DesignIntervalMethod)
BLANK = "blank"
NOT_ASKED = "not_asked"

__all__ = [
    "BASES",
    "BLANK",
    "CLAIM_STATISTICS",
    "DESIGN_INTERVAL_METHODS",
    "INTERVAL_METHODS",
    "MISSING_KINDS",
    "NOT_ASKED",
    "ON_INVALID",
    "QUESTION_TYPES",
    "WORDINGS",
    "Adjust",
    "Analysis",
    "Answers",
    "Base",
    "Calfun",
    "Claim",
    "ClaimInterval",
    "ClaimStatistic",
    "Code",
    "Comparison",
    "Condition",
    "Design",
    "DesignIntervalMethod",
    "Domain",
    "Frame",
    "FrameCell",
    "IntervalMethod",
    "Layout",
    "LonelyPsu",
    "Measure",
    "MissingCodes",
    "MissingKind",
    "OnInvalid",
    "OnNotConverged",
    "Population",
    "Question",
    "QuestionType",
    "Questionnaire",
    "Range",
    "Replicates",
    "ReportText",
    "Scale",
    "Survey",
    "Theme",
    "Weighting",
    "WeightingMethod",
    "Wording",
    "json_schema",
    "key_rows",
    "load_questionnaire",
    "parse_questionnaire",
]
