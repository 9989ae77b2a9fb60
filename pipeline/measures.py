"""Turn answers into analysis variables: one coded column per question or derived measure.

A coded column holds, per respondent, the index of the category being estimated (0..k-1)
for respondents in the base, and -1 for those outside it. Respondents outside a base stay
in the data (and so in the survey design); they only drop out of that measure's denominator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from pipeline.columns import categories_and_codes, index_of, is_blank, is_in, per_value
from pipeline.questionnaire import Measure, Question
from pipeline.summaries import STATUSES
from pipeline.validate import Responses

OUT_OF_BASE = -1
BASE_WORDS = {
    "all": "all respondents",
    "asked": "respondents asked the question",
    "valid": "valid answers (excluding don't know, refused and blank)",
}


@dataclass(frozen=True, eq=False)
class CodedVariable:
    """Category indices (or -1) per respondent, with the categories' codes and labels.

    A binary variable made by the pipeline (a derived measure, one option of a multiple-choice
    question) has `complement` set: its category 0 is "the rest of the base", which is never
    reported. That is said by this flag, never by a category's name, so no survey code can
    collide with it.

    The indices are made when first needed: a measure whose statistics are sums of its
    question's never needs its own column.
    """

    id: str
    question: str
    make_codes: Callable[[], np.ndarray] = field(repr=False)
    categories: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    base: str = "valid"
    complement: bool = False

    @cached_property
    def codes(self) -> np.ndarray:
        return self.make_codes()

    @property
    def base_words(self) -> str:
        return BASE_WORDS[self.base]


ANSWERED, BLANK, NOT_ASKED = 0, STATUSES.index("blank"), STATUSES.index("not_asked")


def status_codes(responses: Responses, question: Question) -> np.ndarray:
    """Per respondent, the index in STATUSES of their answer's status (computed once per question)."""
    return responses.derived.get("status", question, lambda: _status_codes(responses, question))


def status_counts(responses: Responses, question: Question) -> np.ndarray:
    """Respondents per answer status (indexed as STATUSES): the counts of `status_codes`.

    A question of one column with few categories is counted category by category (each
    category's status, and the respondents not asked) without a status per respondent."""
    answers = responses.answers
    if question.type.is_multiple_choice and question.layout == "columns":
        return np.bincount(status_codes(responses, question), minlength=len(STATUSES))
    categories, codes = categories_and_codes(answers[question.id])
    if len(categories) > FEW_CATEGORIES:
        return np.bincount(status_codes(responses, question), minlength=len(STATUSES))
    kind_of = _kind_of(question)
    table = [kind_of.get(value, ANSWERED) for value in categories] + [ANSWERED]  # -1: no category
    asked = responses.asked(question)
    if not asked.all():
        codes = codes[asked]
    per_category = [int(np.count_nonzero(codes == c)) for c in range(len(categories))]
    per_category.append(len(codes) - sum(per_category))
    counts = np.zeros(len(STATUSES), dtype=np.int64)
    for status, count in zip(table, per_category, strict=True):
        counts[status] += count
    counts[NOT_ASKED] += len(asked) - len(codes)
    return counts


FEW_CATEGORIES = 64
"""Up to this many categories a column is counted one category at a time (a pass over bytes
each); more are counted by one `np.bincount` of every respondent's status."""


def _kind_of(question: Question) -> dict[str, int]:
    """Each value with a status other than answered: the missing codes, and the blank."""
    kind_of = {value: STATUSES.index(kind) for kind, values in question.missing.items() for value in values}
    kind_of[""] = BLANK
    return kind_of


def _status_codes(responses: Responses, question: Question) -> np.ndarray:
    kind_of = _kind_of(question)
    if question.type.is_multiple_choice and question.layout == "columns":
        blank = np.logical_and.reduce([is_blank(responses.answers[c]) for c in question.columns])
        status = index_of(responses.answers[question.columns[0]], kind_of, missing=ANSWERED, dtype=np.int8)
        status[(status == BLANK) & ~blank] = ANSWERED
        status[blank] = BLANK
    else:
        status = index_of(responses.answers[question.id], kind_of, missing=ANSWERED, dtype=np.int8)
    status[~responses.asked(question)] = NOT_ASKED
    return status


def in_base(responses: Responses, question: Question, base: str) -> np.ndarray:
    """Which respondents form the denominator of a measure with this base."""
    if base == "all":
        return np.ones(len(responses.answers), dtype=bool)
    if base == "asked":
        return responses.asked(question)
    return status_codes(responses, question) == ANSWERED


def selected(responses: Responses, question: Question, categories: tuple[str, ...]) -> np.ndarray:
    """Whether each respondent's answer is one of `categories` (any of them, for multiple choice)."""
    answers = responses.answers
    if question.type.is_multiple_choice:
        if question.layout == "columns":
            return np.logical_or.reduce(
                [is_in(answers[f"{question.id}.{c}"], (question.selected,)) for c in categories])
        wanted = set(categories)
        return per_value(answers[question.id], lambda text: any(p.strip() in wanted
                                                                for p in text.split(question.delimiter)), False, bool)
    return is_in(answers[question.id], categories)


def code_measure(responses: Responses, measure: Measure) -> CodedVariable:
    """A derived measure as a binary coded variable: 1 = in the measure's categories."""
    question = responses.questionnaire.question(measure.question)

    def codes() -> np.ndarray:
        base = in_base(responses, question, measure.base)
        hit = selected(responses, question, measure.categories)
        return np.where(base, hit.astype(np.int8), np.int8(OUT_OF_BASE))

    level = "|".join(measure.categories)
    return CodedVariable(measure.id, question.id, codes, ("other", level), ("Other", measure.label), measure.base,
                         complement=True)


def code_question(responses: Responses, question: Question) -> CodedVariable:
    """A single-answer question's substantive categories, over valid answers."""
    index = {code: i for i, code in enumerate(question.code_values)}

    def codes() -> np.ndarray:
        values = index_of(responses.answers[question.id], index, OUT_OF_BASE, np.int8 if len(index) < 127 else np.int16)
        values[~responses.asked(question)] = OUT_OF_BASE
        return values

    labels = tuple(c.label for c in question.codes)
    return CodedVariable(question.id, question.id, codes, question.code_values, labels, "valid")


def code_options(responses: Responses, question: Question) -> list[CodedVariable]:
    """A multiple-choice question as one binary variable per option, over those who answered."""
    def option(code: str) -> Callable[[], np.ndarray]:
        return lambda: np.where(in_base(responses, question, "valid"),
                                selected(responses, question, (code,)).astype(np.int8), np.int8(OUT_OF_BASE))

    return [CodedVariable(f"{question.id}.{c.code}", question.id, option(c.code),
                          ("not_selected", c.code), ("Not selected", c.label), "valid", complement=True)
            for c in question.codes]
