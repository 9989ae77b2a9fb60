"""Turn answers into analysis variables: one coded column per question or derived measure.

A coded column holds, per respondent, the index of the category being estimated (0..k-1)
for respondents in the base, and -1 for those outside it. Respondents outside a base stay
in the data (and so in the survey design); they only drop out of that measure's denominator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.questionnaire import Measure, Question, Questionnaire
from pipeline.validate import Responses

OUT_OF_BASE = -1
BASE_WORDS = {
    "all": "all respondents",
    "asked": "respondents asked the question",
    "valid": "valid answers (excluding don't know, refused and blank)",
}


@dataclass(frozen=True)
class CodedVariable:
    """Category indices (or -1) per respondent, with the categories' codes and labels."""

    id: str
    question: str
    codes: np.ndarray
    categories: tuple[str, ...]
    labels: tuple[str, ...]
    base: str

    @property
    def base_words(self) -> str:
        return BASE_WORDS[self.base]


def answer_status(responses: Responses, question: Question) -> pd.Series:
    """Per respondent: 'answered', a missing kind ('dont_know', ...), 'blank' or 'not_asked'."""
    asked = responses.asked(question)
    if question.type == "multiple_choice" and question.layout == "columns":
        block = responses.answers[list(question.columns)]
        blank = (block == "").all(axis=1).to_numpy()
        first = block.iloc[:, 0]
    else:
        first = responses.answers[question.id]
        blank = (first == "").to_numpy()
    status = np.full(len(first), "answered", dtype=object)
    for kind, values in question.missing.items():
        status[first.isin(values).to_numpy()] = kind
    status[blank] = "blank"
    status[~asked] = "not_asked"
    return pd.Series(status, index=responses.answers.index)


def in_base(responses: Responses, question: Question, base: str) -> np.ndarray:
    """Which respondents form the denominator of a measure with this base."""
    if base == "all":
        return np.ones(len(responses.answers), dtype=bool)
    if base == "asked":
        return responses.asked(question)
    return (answer_status(responses, question) == "answered").to_numpy()


def selected(responses: Responses, question: Question, categories: tuple[str, ...]) -> np.ndarray:
    """Whether each respondent's answer is one of `categories` (any of them, for multiple choice)."""
    answers = responses.answers
    if question.type == "multiple_choice":
        if question.layout == "columns":
            return np.logical_or.reduce(
                [(answers[f"{question.id}.{c}"] == question.selected).to_numpy() for c in categories])
        parts = answers[question.id].str.split(question.delimiter, regex=False)
        wanted = set(categories)
        return parts.map(lambda items: any(p.strip() in wanted for p in items)).to_numpy()
    return answers[question.id].isin(categories).to_numpy()


def code_measure(responses: Responses, measure: Measure) -> CodedVariable:
    """A derived measure as a binary coded variable: 1 = in the measure's categories."""
    question = responses.questionnaire.question(measure.question)
    base = in_base(responses, question, measure.base)
    hit = selected(responses, question, measure.categories)
    codes = np.where(base, hit.astype(np.int64), OUT_OF_BASE)
    level = "|".join(measure.categories)
    return CodedVariable(measure.id, question.id, codes, ("other", level), ("Other", measure.label), measure.base)


def code_question(responses: Responses, question: Question) -> CodedVariable:
    """A single-answer question's substantive categories, over valid answers."""
    values = responses.answers[question.id]
    index = {code: i for i, code in enumerate(question.code_values)}
    codes = values.map(index).fillna(OUT_OF_BASE).astype(np.int64).to_numpy().copy()
    codes[~responses.asked(question)] = OUT_OF_BASE
    labels = tuple(c.label for c in question.codes)
    return CodedVariable(question.id, question.id, codes, question.code_values, labels, "valid")


def code_options(responses: Responses, question: Question) -> list[CodedVariable]:
    """A multiple-choice question as one binary variable per option, over those who answered."""
    base = in_base(responses, question, "valid")
    return [CodedVariable(f"{question.id}.{c.code}", question.id,
                          np.where(base, selected(responses, question, (c.code,)).astype(np.int64), OUT_OF_BASE),
                          ("not_selected", c.code), ("Not selected", c.label), "valid")
            for c in question.codes]
