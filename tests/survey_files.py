"""Small surveys written to a folder for tests: a questionnaire and its answers file."""

from __future__ import annotations

import csv
from pathlib import Path

import yaml


def write_survey(folder: Path, name: str, rows: list[dict], design: dict, questions: list[dict],
                 analysis: dict | None = None, **sections) -> tuple[Path, Path]:
    """A questionnaire and answers file for `rows` (dicts of column -> text); `sections` are
    further top-level keys of the questionnaire (population, measures, ...)."""
    questionnaire = {"format": 1, "survey": {"id": name, "title": f"{name} test survey"}, "design": design,
                     "questions": questions, "analysis": analysis or {"fpc": True}, **sections}
    q_path = folder / f"{name}.yaml"
    q_path.write_text(yaml.safe_dump(questionnaire, sort_keys=False), encoding="utf-8")
    a_path = folder / f"{name}.csv"
    with a_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return q_path, a_path
