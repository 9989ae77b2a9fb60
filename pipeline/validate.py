"""Check answers against their questionnaire, finding every problem in one pass.

Each rule is a small function over whole columns (vectorised: no loop over respondents)
that yields `Issue` records for the cells that break it. `check_answers` runs them all and
returns the accepted responses together with every issue, so a run can report all problems
at once, or exclude the offending rows when the user asks for that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from pipeline.answer_columns import resolve_columns
from pipeline.columns import is_blank, is_in, numbers, per_value
from pipeline.errors import AnswersError, Issue
from pipeline.ingest import LineAccount, RawAnswers
from pipeline.questionnaire import Question, Questionnaire

T = TypeVar("T")


class QuestionColumns:
    """Columns derived from the answers once per question and reused (routing masks, answer
    statuses). The answers never change after checking, so a column computed once stays right;
    what is cached, and under which name, is said where it is computed."""

    def __init__(self) -> None:
        self._columns: dict[tuple[str, str], np.ndarray] = {}
        self._of_answers: dict[str, Any] = {}

    def get(self, kind: str, question: Question, compute: Callable[[], np.ndarray]) -> np.ndarray:
        """The `kind` column of `question`, computed by `compute` the first time it is asked for."""
        key = (kind, question.id)
        if key not in self._columns:
            self._columns[key] = compute()
        return self._columns[key]

    def of_answers(self, kind: str, compute: Callable[[], T]) -> T:
        """What `compute` derives from the answers as a whole (the declared design, say), computed
        the first time it is asked for; an error is raised again each time, never kept."""
        if kind not in self._of_answers:
            self._of_answers[kind] = compute()
        return self._of_answers[kind]


@dataclass(frozen=True)
class Responses:
    """Accepted answers, one row per respondent, with the account of every row read."""

    questionnaire: Questionnaire
    path: str
    answers: pd.DataFrame
    line_numbers: pd.Series
    rows_read: int
    encoding: str
    issues: tuple[Issue, ...] = ()
    excluded_lines: tuple[int, ...] = ()
    numeric: dict[str, pd.Series] = field(default_factory=dict)
    lines: LineAccount | None = None
    replicate_weights: np.ndarray | None = None
    """For a replicate design: (respondents, R + 1) floats, the full-sample weights then each
    replicate's, in replicate order. The replicate columns are not kept as text in `answers`."""
    derived: QuestionColumns = field(default_factory=QuestionColumns, compare=False, repr=False)
    format: str = "csv"
    sheet: str | None = None
    ignored_columns: tuple[str, ...] = ()
    ids_are_row_numbers: bool = False
    locate: Callable[[Issue], Issue] = field(default=lambda issue: issue, compare=False, repr=False)
    sources: Mapping[str, str] = field(default_factory=dict)
    """The file's own name of each column renamed to the questionnaire's (see `answer_columns`)."""

    @property
    def respondent_ids(self) -> pd.Series:
        return self.answers[self.questionnaire.id_column]

    @property
    def row_word(self) -> str:
        """What the answers file's positions are called: lines of a CSV file, rows of anything else."""
        return "line" if self.format == "csv" else "row"

    def asked(self, question: Question) -> np.ndarray:
        """Which respondents the routing asks this question (computed once per question)."""
        return self.derived.get("asked", question, lambda: asked_mask(self.answers, self.questionnaire, question))


def asked_mask(answers: pd.DataFrame, questionnaire: Questionnaire, question: Question) -> np.ndarray:
    """Routing as a boolean column: asked unless a condition (and its own routing) says not."""
    mask = np.ones(len(answers), dtype=bool)
    current = question
    while current.asked_if is not None:
        condition = current.asked_if
        mask &= is_in(answers[condition.question], condition.values)
        current = questionnaire.question(condition.question)
    return mask


def check_answers(raw: RawAnswers, questionnaire: Questionnaire, exclude_invalid: bool = False) -> Responses:
    """Check every cell; raise AnswersError listing all problems, or exclude invalid rows if asked.

    Columns the questionnaire does not use are set aside (`answer_columns`). Problems with the
    file's shape (a missing column, a quote running past its line) always stop the run: no row
    can be trusted when a column is missing or when rows may have been taken into one value.
    Every issue names the file's own column and, outside CSV, the sheet and row.
    For a replicate design, the replicate columns are moved from `raw.cells` into
    `Responses.replicate_weights`, one float matrix.
    """
    raw = resolve_columns(raw, questionnaire)
    try:
        return _check_resolved(raw, questionnaire, exclude_invalid)
    except AnswersError as error:
        raise AnswersError([raw.locate(issue) for issue in error.issues]) from None


def _check_resolved(raw: RawAnswers, questionnaire: Questionnaire, exclude_invalid: bool) -> Responses:
    for shape_rule in (_check_header, _check_spanning):
        shape_issues = list(shape_rule(raw, questionnaire))
        if shape_issues:
            raise AnswersError(shape_issues)
    cells = raw.cells
    row_issues: list[tuple[int, Issue]] = []
    for rule in (_check_ids, _check_design_columns, _check_questions):
        row_issues.extend(rule(raw, questionnaire))
    replicate_weights = None
    if questionnaire.design.replicates is not None:
        replicate_weights = _replicate_weights(raw, questionnaire)
        row_issues.extend(_check_replicate_weights(raw, questionnaire, replicate_weights))
        cells = raw.cells
    file_issues = list(raw.malformed_rows)
    all_issues = file_issues + [issue for _, issue in sorted(row_issues, key=lambda pair: pair[0])]
    if all_issues and not exclude_invalid:
        raise AnswersError(all_issues)
    bad_rows = sorted({row for row, _ in row_issues})
    keep = np.ones(len(cells), dtype=bool)
    keep[bad_rows] = False
    if replicate_weights is not None and not keep.all():
        replicate_weights = np.ascontiguousarray(replicate_weights[keep])
    answers = cells.loc[keep].reset_index(drop=True)
    lines = raw.line_numbers.loc[keep].reset_index(drop=True)
    excluded = tuple(int(raw.line_numbers.iloc[r]) for r in bad_rows) + tuple(
        i.line for i in file_issues if i.line is not None)
    if len(answers) == 0:
        raise AnswersError([*all_issues, Issue("no-valid-rows", raw.path, "no row without problems",
                                               "at least one valid row to analyse")])
    numeric = numeric_answers(answers, questionnaire)
    return Responses(questionnaire, raw.path, answers, lines, raw.rows_read, raw.encoding,
                     tuple(raw.locate(issue) for issue in all_issues), tuple(sorted(excluded)), numeric,
                     lines=raw.lines, format=raw.format, sheet=raw.sheet, ignored_columns=raw.ignored_columns,
                     ids_are_row_numbers=raw.ids_are_row_numbers, locate=raw.locator(),
                     replicate_weights=replicate_weights, sources=dict(raw.sources))


def numeric_answers(answers: pd.DataFrame, questionnaire: Questionnaire) -> dict[str, pd.Series]:
    """Every numeric question's accepted answers as floats (NaN for blanks and missing codes)."""
    return {q.id: _numbers(answers[q.id], q) for q in questionnaire.questions if q.type.is_numeric}


def _replicate_weights(raw: RawAnswers, questionnaire: Questionnaire) -> np.ndarray:
    """The full-sample and replicate weights as one contiguous float matrix (NaN where not a
    number). The replicate columns are moved out of `raw.cells` into it, one by one: 80 columns
    held twice would double the memory, and nothing reads them from the cells again. (A file
    whose replicate columns hold text keeps them, for the checks to quote.)"""
    design = questionnaire.design
    assert design.replicates is not None and design.weights
    columns = design.replicates.columns_in(raw.header)
    matrix = np.empty((len(raw.cells), len(columns) + 1))
    _fill_by_row_blocks(matrix, [_float_values(raw.cells[name]) for name in (design.weights, *columns)])
    for column in columns:
        if pd.api.types.is_float_dtype(raw.cells[column].dtype):
            del raw.cells[column]
    return matrix


ROW_BLOCK = 8192
"""Rows of the weight matrix filled at a time: a block (8192 rows x 81 columns, 5 MB) stays in
the processor's cache while each column's values are written into it. Writing whole columns
of a million-row matrix instead touches a new cache line for every value, 81 times over."""


def _float_values(series: pd.Series):
    """A column's values as floats: the Arrow array of a column read as numbers (sliced block by
    block, never copied whole), else `numbers` (NaN where a value is not a number)."""
    if pd.api.types.is_float_dtype(series.dtype) and hasattr(series.array, "_pa_array"):
        return series.array._pa_array
    return numbers(series)


def _fill_by_row_blocks(matrix: np.ndarray, sources: list) -> None:
    """matrix[:, i] = sources[i] (NumPy arrays, or Arrow float arrays whose nulls become NaN)."""
    for start in range(0, matrix.shape[0], ROW_BLOCK):
        block = matrix[start:start + ROW_BLOCK]
        for i, values in enumerate(sources):
            if isinstance(values, np.ndarray):
                block[:, i] = values[start:start + ROW_BLOCK]
            else:
                block[:, i] = values.slice(start, len(block)).to_numpy()


def _check_replicate_weights(raw: RawAnswers, questionnaire: Questionnaire,
                             matrix: np.ndarray) -> Iterator[tuple[int, Issue]]:
    """Every replicate weight is a finite number of at least 0 (0: the unit is out of that replicate)."""
    assert questionnaire.design.replicates is not None
    columns = questionnaire.design.replicates.columns_in(raw.header)
    with np.errstate(invalid="ignore"):
        bad = ~(matrix[:, 1:] >= 0) | ~np.isfinite(matrix[:, 1:])
    ids = raw.cells[questionnaire.id_column]
    for i in np.flatnonzero(bad.any(axis=0)):
        column = columns[i]
        if column in raw.cells:
            yield from _cell_issues(raw, questionnaire, bad[:, i], column, "invalid-replicate-weight",
                                    "a replicate weight: a number of at least 0")
            continue
        for row in np.flatnonzero(bad[:, i]):  # read as numbers: the number is the value
            yield int(row), Issue("invalid-replicate-weight", raw.path, f"'{matrix[row, i + 1]:g}'",
                                  "a replicate weight: a number of at least 0", line=int(raw.line_numbers.iloc[row]),
                                  respondent=str(ids.iloc[row]) or None, column=column)


def _check_header(raw: RawAnswers, questionnaire: Questionnaire) -> Iterator[Issue]:
    expected = questionnaire.expected_columns
    present = set(raw.header)
    replicates = questionnaire.design.replicates
    replicate_columns = replicates.columns_in(raw.header) if replicates is not None else ()
    for column in expected:
        if column not in present and column not in replicate_columns:
            yield Issue("missing-column", raw.path, "no such column",
                        f"a column '{column}' (from {questionnaire.path})",
                        line=1, column=column)
    if replicates is not None:
        yield from _check_replicate_header(raw, questionnaire, replicate_columns)


def _check_replicate_header(raw: RawAnswers, questionnaire: Questionnaire,
                            columns: tuple[str, ...]) -> Iterator[Issue]:
    """The replicate-weight columns the questionnaire names are in the file, at least two, and
    as many as its rscales say (R's svrepdesign checks the same)."""
    replicates = questionnaire.design.replicates
    assert replicates is not None
    present = set(raw.header)
    for column in columns:
        if column not in present:
            yield Issue("missing-replicate-columns", raw.path, "no such column",
                        f"the replicate-weight column '{column}' (design.replicates.columns in {questionnaire.path})",
                        line=1, column=column)
    if replicates.prefix and not any(c.startswith(replicates.prefix) for c in columns[len(replicates.columns):]):
        yield Issue("missing-replicate-columns", raw.path, f"no column named '{replicates.prefix}' and a number",
                    f"replicate-weight columns {replicates.prefix}1, {replicates.prefix}2, ... "
                    f"(design.replicates.prefix in {questionnaire.path})", line=1)
    elif len(columns) < 2:
        yield Issue("missing-replicate-columns", raw.path, f"{len(columns)} replicate-weight column",
                    "at least two replicate-weight columns", line=1)
    rscales = replicates.rscales
    if rscales is not None and len(columns) >= 2 and len(rscales) not in (1, len(columns)):
        yield Issue("rscales-length", questionnaire.path, f"{len(rscales)} rscales for {len(columns)} replicate-weight "
                    f"columns in {raw.path}", "one rscale, or one per replicate column (R's svrepdesign)",
                    key="design.replicates.rscales")


def _check_spanning(raw: RawAnswers, questionnaire: Questionnaire) -> Iterator[Issue]:
    """Quoted values that span lines: allowed only in free-text questions, and only when well closed.

    A line break in any other column means a quote opened and was not closed on its line, so
    the lines after it were read into that value; in free text the same happens when text
    follows the closing quote, or when a line inside the value looks like a whole row.
    """
    if raw.lines is None:
        return
    free_text = {column for q in questionnaire.questions if q.type.is_free_text for column in q.columns}
    free_text |= set(raw.ignored_columns)  # not read, but a runaway quote in them still swallows rows
    for value in raw.lines.spanning:
        runs = f"a quoted value running over {value.lines} lines, to line {value.closed_line}"
        if value.column not in free_text:
            yield Issue("quoted-line-break", raw.path, runs,
                        "a closing quote on the same line (only free-text questions may hold line breaks)",
                        line=value.opened_line, column=value.column)
        elif value.text_after_quote:
            yield Issue("runaway-quote", raw.path, f"{runs}, where more text follows the closing quote",
                        "a closing quote at the end of the answer, before the delimiter or line end",
                        line=value.opened_line, column=value.column,
                        hint=f"lines {value.first_line} to {value.last_line} would be read as one row")
        elif value.row_like_line is not None:
            yield Issue("runaway-quote", raw.path,
                        f"{runs}; line {value.row_like_line} inside it reads like the start of a row of answers",
                        "a closing quote before the next row", line=value.opened_line, column=value.column,
                        hint=f"lines {value.first_line} to {value.last_line} would be read as one row")


def _cell_issues(raw: RawAnswers, questionnaire: Questionnaire, mask: np.ndarray, column: str,
                 code: str, expected: str, found: str | None = None) -> Iterator[tuple[int, Issue]]:
    ids = raw.cells[questionnaire.id_column]
    for row in np.flatnonzero(mask):
        value = raw.cells[column].iloc[row]
        yield int(row), Issue(code, raw.path, found or (f"'{value}'" if value != "" else "a blank"), expected,
                              line=int(raw.line_numbers.iloc[row]), respondent=str(ids.iloc[row]) or None,
                              column=column)


def _check_ids(raw: RawAnswers, questionnaire: Questionnaire) -> Iterator[tuple[int, Issue]]:
    column = questionnaire.id_column
    ids = raw.cells[column]
    blank = is_blank(ids)
    yield from _cell_issues(raw, questionnaire, blank, column, "blank-id", "a respondent id in every row")
    if _distinct_whole_numbers(ids):
        return
    repeated = ids.duplicated(keep="first").to_numpy() & ~blank
    if not repeated.any():
        return
    first = ~ids.duplicated(keep="first").to_numpy()
    first_line = dict(zip(ids[first], raw.line_numbers[first], strict=True))
    for row, issue in _cell_issues(raw, questionnaire, repeated, column, "duplicate-id", "unique respondent ids"):
        already = f"already used on {raw.row_word} {first_line[ids.iloc[row]]}"
        yield row, Issue(issue.code, issue.file, f"'{ids.iloc[row]}', {already}",
                         issue.expected, line=issue.line, respondent=issue.respondent, column=column)


def _distinct_whole_numbers(ids: pd.Series) -> bool:
    """Whether every id is the text of a whole number and no two numbers are equal: then no two
    ids are equal either (equal texts are equal numbers), which is told without hashing a
    million texts. False says nothing: the ids are then compared as texts."""
    if not (isinstance(ids.dtype, pd.StringDtype) and hasattr(ids.array, "_pa_array")) or len(ids) == 0:
        return False
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = ids.array._pa_array
    if texts.null_count:
        return False
    try:
        numbers = pc.cast(texts, pa.int64()).to_numpy()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    low, high = int(numbers.min()), int(numbers.max())
    if high - low < 4 * len(numbers) + 1024:
        return bool(np.bincount(numbers - low).max() <= 1)
    return len(np.unique(numbers)) == len(numbers)


def _check_design_columns(raw: RawAnswers, questionnaire: Questionnaire) -> Iterator[tuple[int, Issue]]:
    design = questionnaire.design
    for column in (design.strata, *design.clusters):
        if column:
            yield from _cell_issues(raw, questionnaire, is_blank(raw.cells[column]), column,
                                    "blank-design-value", f"a value of '{column}' in every row")
    if design.weights:
        values = numbers(raw.cells[design.weights])
        with np.errstate(invalid="ignore"):
            bad = np.isnan(values) | ~(values > 0) | ~np.isfinite(values)
        yield from _cell_issues(raw, questionnaire, bad, design.weights, "invalid-weight", "a positive number")
    for size in design.stage_sizes:
        if not isinstance(size, str):
            continue
        values = numbers(raw.cells[size])
        with np.errstate(invalid="ignore"):
            bad = np.isnan(values) | ~(values >= 1)
        yield from _cell_issues(raw, questionnaire, bad, size, "invalid-population-size",
                                "a population size of at least 1")


def _check_questions(raw: RawAnswers, questionnaire: Questionnaire) -> Iterator[tuple[int, Issue]]:
    for question in questionnaire.questions:
        asked = asked_mask(raw.cells, questionnaire, question)
        missing_codes = set(question.missing.codes)
        valid = set(question.code_values) if question.type.is_categorical else None
        for column in question.columns:
            values = raw.cells[column]
            kind = per_value(values, partial(_kind, missing_codes=missing_codes, valid=valid), BLANK_CELL, np.int8)
            blank = kind == BLANK_CELL
            yield from _cell_issues(raw, questionnaire, ~asked & ~blank, column, "answered-not-asked",
                                    f"a blank (routing asks only respondents with {question.asked_if.question} in "
                                    f"{', '.join(question.asked_if.values)})" if question.asked_if else "a blank")
            if not question.allow_blank:
                yield from _cell_issues(raw, questionnaire, asked & blank, column, "blank-answer",
                                        "an answer code (blanks are not allowed for this question)")
            answered = asked & (kind >= VALID_CELL)
            yield from _check_values(raw, questionnaire, question, column, values, answered, kind)


BLANK_CELL, MISSING_CELL, VALID_CELL, INVALID_CELL = 0, 1, 2, 3


def _kind(value: str, missing_codes: set[str], valid: set[str] | None) -> int:
    """A cell's kind: blank, a missing-data code, a valid code (or any other text), or an invalid code."""
    if value == "":
        return BLANK_CELL
    if value in missing_codes:
        return MISSING_CELL
    return VALID_CELL if valid is None or value in valid else INVALID_CELL


def _check_values(raw: RawAnswers, questionnaire: Questionnaire, question: Question, column: str,
                  values: pd.Series, answered: np.ndarray, kind: np.ndarray) -> Iterator[tuple[int, Issue]]:
    missing_codes = sorted(question.missing.codes)
    if question.type.is_categorical:
        bad = answered & (kind == INVALID_CELL)
        expected = "one of " + ", ".join(question.code_values + tuple(missing_codes))
        yield from _cell_issues(raw, questionnaire, bad, column, "invalid-code", expected)
    elif question.type.is_multiple_choice and question.layout == "columns":
        bad = answered & ~is_in(values, (question.selected, question.not_selected))
        expected = f"'{question.selected}' (ticked) or '{question.not_selected}' (not ticked)"
        yield from _cell_issues(raw, questionnaire, bad, column, "invalid-code", expected)
    elif question.type.is_multiple_choice:
        allowed = set(question.code_values)
        bad = answered & per_value(values, lambda text: any(p.strip() not in allowed
                                                            for p in text.split(question.delimiter)), False, bool)
        expected = f"codes from {', '.join(question.code_values)} separated by '{question.delimiter}'"
        yield from _cell_issues(raw, questionnaire, bad, column, "invalid-code", expected)
    elif question.type.is_numeric:
        values_as_numbers = numbers(values)
        not_number = answered & np.isnan(values_as_numbers)
        yield from _cell_issues(raw, questionnaire, not_number, column, "not-a-number", "a number"
                                + (f" or one of {', '.join(missing_codes)}" if missing_codes else ""))
        ok = answered & ~not_number
        if question.minimum is not None or question.maximum is not None:
            low = -np.inf if question.minimum is None else question.minimum
            high = np.inf if question.maximum is None else question.maximum
            with np.errstate(invalid="ignore"):
                out = ok & ((values_as_numbers < low) | (values_as_numbers > high))
            yield from _cell_issues(raw, questionnaire, out, column, "out-of-range",
                                    f"a number from {low:g} to {high:g}")
            ok = ok & ~out
        if question.integer:
            with np.errstate(invalid="ignore"):
                fractional = ok & (values_as_numbers != np.floor(values_as_numbers))
            yield from _cell_issues(raw, questionnaire, fractional, column, "not-an-integer", "a whole number")


def _numbers(values: pd.Series, question: Question) -> pd.Series:
    """A numeric question's answers as floats; blanks and missing codes become NaN."""
    result = numbers(values)
    result[is_in(values, set(question.missing.codes))] = np.nan
    return pd.Series(result, index=values.index)
