"""The answers file's columns matched to the questionnaire's, as files are delivered.

Exports carry more than a questionnaire asks about (timestamps, interviewer ids, paradata) and
name columns their own way (`Q1.a`, `Age group`). Each column a question or the design needs
is looked up by the file's name of it (`column:`, else the question id) and renamed to the
questionnaire's; a needed column that is absent is an input error; every other column is
left out of the analysis and listed, so a reader sees what was not used. Without an id column
(`design.respondent_id: null`) each row's number is its respondent id.

Value labels of SPSS and Stata files are applied here, where the questionnaire is known: a
value that is not one of a question's codes or missing codes but whose label is becomes that
label, so a questionnaire may use either the numbers or the labels as its codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from pipeline.errors import AnswersError, Issue
from pipeline.ingest import LineAccount, RawAnswers
from pipeline.questionnaire import Questionnaire


def resolve_columns(raw: RawAnswers, questionnaire: Questionnaire) -> RawAnswers:
    """The answers with only the columns the questionnaire uses, named as it names them."""
    sources = questionnaire.column_sources
    present = set(raw.header)
    replicates = questionnaire.design.replicates
    replicate_columns = replicates.columns_in(raw.header) if replicates is not None else ()
    # replicate-weight columns: those found by prefix are used too; absent ones are named by the checks
    sources.update({column: column for column in replicate_columns if column not in sources})
    sources = {name: source for name, source in sources.items() if source in present or name not in replicate_columns}
    missing = [(name, source) for name, source in sources.items() if source not in present]
    if missing:
        raise AnswersError([raw.locate(_missing(raw, questionnaire, name, source)) for name, source in missing])
    used = set(sources.values())
    ignored = tuple(column for column in raw.header if column not in used)
    cells = {name: _labelled(raw.cells[source], raw.labels.get(source, {}), _codes(questionnaire, name))
             for name, source in sources.items()}
    row_ids = questionnaire.design.respondent_id is None
    if row_ids:
        cells = {questionnaire.id_column: _row_numbers(raw), **cells}
    frame = pd.DataFrame(cells, copy=False) if cells else pd.DataFrame(index=raw.cells.index)
    renamed = {name: source for name, source in sources.items() if name != source}
    return replace(raw, header=tuple(frame.columns), cells=frame, lines=_renamed_lines(raw.lines, sources),
                   ignored_columns=ignored, sources=renamed, ids_are_row_numbers=row_ids)


def _missing(raw: RawAnswers, questionnaire: Questionnaire, name: str, source: str) -> Issue:
    needed_by = next((f"question '{q.id}'" for q in questionnaire.questions if name in q.columns), "the design")
    return Issue("missing-column", raw.path, "no such column",
                 f"a column '{source}' for {needed_by} (from {questionnaire.path})",
                 line=1 if raw.format in ("csv", "xlsx") else None, column=source)


def _codes(questionnaire: Questionnaire, name: str) -> frozenset[str]:
    """The codes and missing codes a column's values are matched against (none for other columns)."""
    for q in questionnaire.questions:
        if name in q.columns:
            if q.type.is_multiple_choice and len(q.columns) > 1:
                return frozenset((q.selected, q.not_selected)) | q.missing.codes
            return frozenset(q.code_values) | q.missing.codes
    return frozenset()


def _labelled(values: pd.Series, labels: Mapping[str, str], codes: frozenset[str]) -> pd.Series:
    """Values that are not codes but whose labels are, replaced by their labels (per distinct value)."""
    if not labels or not codes or not isinstance(values.dtype, pd.CategoricalDtype):
        return values
    categories = [str(c) for c in values.cat.categories]
    relabelled = [labels[c] if c not in codes and labels.get(c) in codes else c for c in categories]
    if relabelled == categories:
        return values
    distinct = list(dict.fromkeys(relabelled))
    position = {value: i for i, value in enumerate(distinct)}
    remap = np.array([position[value] for value in relabelled] + [-1], dtype=np.int64)
    codes_now = values.cat.codes.to_numpy()
    return pd.Series(pd.Categorical.from_codes(remap[codes_now], categories=pd.Index(distinct, dtype=object)),
                     index=values.index)


def _row_numbers(raw: RawAnswers) -> pd.Series:
    """Each row's number among the rows of answers (1 for the first), as text like any id."""
    return pd.Series(pd.array(np.arange(1, len(raw.cells) + 1).astype(str), dtype="string[pyarrow]"),
                     index=raw.cells.index)


def _renamed_lines(lines: LineAccount | None, sources: Mapping[str, str]) -> LineAccount | None:
    """Values spanning lines named by the questionnaire's column names (an ignored column keeps its own)."""
    if lines is None or not lines.spanning:
        return lines
    by_source: dict[str, str] = {}
    for name, source in sources.items():
        by_source.setdefault(source, name)
    return replace(lines, spanning=tuple(replace(value, column=by_source.get(value.column, value.column))
                                         for value in lines.spanning))
