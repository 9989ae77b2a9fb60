"""Reconstruct respondent-level answers from published counts, deterministically.

When a study published only aggregate figures, a reproduction needs answers whose counts
meet them. The recipe (the `reconstruction` section of the answers' provenance file) gives,
per question, exact counts of each code (overall or within groups of an earlier question);
respondents are allocated to the population frame's cells in proportion to their sizes
(largest remainder), and codes are shuffled across respondents with a fixed seed. The
same recipe always gives the same bytes. The output is labelled as a reconstruction by the
provenance file that holds its recipe.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.errors import Issue, QuestionnaireError
from pipeline.questionnaire import Question, Questionnaire
from pipeline.validate import asked_mask
from pipeline.yamlsource import YamlDocument, read_yaml

BLANK_KEY = "blank"


def read_recipe(path: Path | str) -> YamlDocument:
    """The provenance file whose `reconstruction` section is the recipe."""
    document = read_yaml(Path(path))
    if not isinstance(document.data, dict) or not isinstance(document.data.get("reconstruction"), dict):
        raise QuestionnaireError(Issue("missing-key", str(path), "no 'reconstruction' section",
                                       "a provenance file with a reconstruction recipe", key="reconstruction"))
    return document


def reconstruct_answers(questionnaire: Questionnaire, recipe: YamlDocument) -> pd.DataFrame:
    """Answers of `respondents` units meeting every count in the recipe, in id order."""
    spec = recipe.data["reconstruction"]
    respondents, seed = (_whole_number(recipe, spec, name) for name in ("respondents", "seed"))
    rng = np.random.default_rng(seed)
    id_format = str(spec.get("id_format", "R{:04d}"))
    frame = _allocate_to_frame(questionnaire, respondents, rng)
    answers = pd.DataFrame({questionnaire.id_column: [id_format.format(i + 1) for i in range(respondents)]})
    for variable in questionnaire.population.variables:
        answers[variable] = frame[variable]
    targets: dict[str, Any] = spec.get("questions", {})
    for question in questionnaire.questions:
        if question.id in questionnaire.population.variables:
            continue
        key = f"reconstruction.questions.{question.id}"
        target = targets.get(question.id)
        if target is None:
            raise QuestionnaireError(recipe.issue("missing-key", key, "no recipe for this question",
                                                  "counts for every question not given by the frame"))
        asked = asked_mask(answers.reindex(columns=[*list(answers.columns), question.id], fill_value=""),
                           questionnaire, question)
        try:
            drawn = _draw(question, target, asked, answers, rng, recipe, key)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise QuestionnaireError(recipe.issue(
                "invalid-recipe", key, f"{type(error).__name__}: {error}",
                "counts by code (or 'by' a frame variable with counts per group), 'selected' counts for "
                "multiple choice, 'integers' low and high for numeric questions, 'texts' for free text")) from None
        for column, values in drawn.items():
            answers[column] = values
    return answers[list(questionnaire.expected_columns)].rename(columns=questionnaire.column_sources)


def _whole_number(recipe: YamlDocument, spec: dict, name: str) -> int:
    value = spec.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < (1 if name == "respondents" else 0):
        raise QuestionnaireError(recipe.issue("invalid-recipe", f"reconstruction.{name}",
                                              "nothing" if value is None else repr(value),
                                              "a whole number" + (" of at least 1" if name == "respondents" else "")))
    return value


def write_answers_csv(answers: pd.DataFrame) -> bytes:
    """CSV bytes with a fixed dialect (UTF-8, LF, minimal quoting): identical input, identical bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(answers.columns)
    writer.writerows(answers.itertuples(index=False, name=None))
    return buffer.getvalue().encode("utf-8")


def _allocate_to_frame(questionnaire: Questionnaire, respondents: int, rng: np.random.Generator) -> pd.DataFrame:
    """Respondents per frame cell in proportion to cell sizes (largest remainder), in random order."""
    cells = questionnaire.population.cells
    if not cells:
        return pd.DataFrame(index=range(respondents))
    sizes = np.array([c.count for c in cells], dtype=float)
    quotas = sizes * respondents / sizes.sum()
    allocation = np.floor(quotas).astype(int)
    remainder_order = np.argsort(-(quotas - allocation), kind="stable")
    allocation[remainder_order[: respondents - allocation.sum()]] += 1
    rows = np.repeat(np.arange(len(cells)), allocation)
    rows = rows[rng.permutation(len(rows))]
    return pd.DataFrame({variable: [cells[r].values[i] for r in rows]
                         for i, variable in enumerate(questionnaire.population.variables)})


def _draw(question: Question, target: dict, asked: np.ndarray, answers: pd.DataFrame,
          rng: np.random.Generator, recipe: YamlDocument, key: str) -> dict[str, list[str]]:
    n = len(answers)
    if question.type.is_multiple_choice:
        selected = target.get("selected", {})
        columns = {}
        for code in question.code_values:
            count = int(selected.get(code, 0))
            pool = [question.selected] * count + [question.not_selected] * (int(asked.sum()) - count)
            columns[f"{question.id}.{code}"] = _place(pool, asked, rng, recipe, f"{key}.selected.{code}")
        return columns if question.layout == "columns" else {question.id: _join_ticks(question, columns)}
    if question.type.is_numeric:
        blanks = int(target.get(BLANK_KEY, 0))
        low, high = int(target["integers"]["low"]), int(target["integers"]["high"])
        draws = [str(v) for v in rng.integers(low, high + 1, size=int(asked.sum()) - blanks)]
        return {question.id: _place(draws + [""] * blanks, asked, rng, recipe, key)}
    if question.type.is_free_text:
        texts = [str(t) for t in target.get("texts", [])]
        return {question.id: _place(texts + [""] * (int(asked.sum()) - len(texts)), asked, rng, recipe, key)}
    if "by" in target:
        groups = answers[target["by"]].to_numpy()
        values = [""] * n
        for group, counts in target["counts"].items():
            members = asked & (groups == group)
            placed = _place(_pool(counts), members, rng, recipe, f"{key}.counts.{group}")
            for i in np.flatnonzero(members):
                values[i] = placed[i]
        return {question.id: values}
    return {question.id: _place(_pool(target["counts"]), asked, rng, recipe, f"{key}.counts")}


def _pool(counts: dict[str, int]) -> list[str]:
    return [("" if code == BLANK_KEY else str(code)) for code, count in counts.items() for _ in range(int(count))]


def _place(pool: list[str], members: np.ndarray, rng: np.random.Generator, recipe: YamlDocument,
           key: str) -> list[str]:
    """Shuffle the pool over the member rows; others stay blank. Counts must fit exactly."""
    if len(pool) != int(members.sum()):
        raise QuestionnaireError(recipe.issue("count-mismatch", key, f"counts summing to {len(pool)}",
                                              f"{int(members.sum())}, the number of respondents asked"))
    values = [""] * len(members)
    for row, value in zip(np.flatnonzero(members), (pool[i] for i in rng.permutation(len(pool))), strict=True):
        values[row] = value
    return values


def _join_ticks(question: Question, columns: dict[str, list[str]]) -> list[str]:
    codes = question.code_values
    rows = zip(*(columns[f"{question.id}.{c}"] for c in codes), strict=True)
    return [question.delimiter.join(c for c, v in zip(codes, row, strict=True) if v == question.selected)
            for row in rows]
