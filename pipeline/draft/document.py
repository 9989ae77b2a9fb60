"""A drafted questionnaire written as YAML, with comments saying what a person must still decide.

The drafts from SPSS, Stata and XLSForm sources all end here: a list of questions as mappings,
each with the notes of what was guessed or not converted, written under a header comment that
lists what no source file holds (the population, the design, the analysis plan). Question ids
are the source's names made into ids (letters, digits and `_`); where that changes a name, the
question says `column:` so the answers file is read as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

REVIEW = (
    "population: who the answers stand for (population.size, population.frame), needed for the",
    "  finite population correction, non-response bounds and weighting;",
    "design: the respondent id column, strata, clusters, weights and population sizes;",
    "analysis: the plan (measures, subgroups, comparisons, themes), and whether analysis.fpc applies;",
    "questions: types (a single_choice with ordered codes may be a scale), labels, the kinds of",
    "  missing codes, and every note below.",
)


@dataclass
class DraftQuestion:
    """One drafted question: its keys as the questionnaire writes them, and notes for the reviewer."""

    entry: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def question_id(name: str, taken: set[str]) -> str:
    """A question id from a source name: other characters become `_`, unique among `taken`."""
    base = re.sub(r"[^0-9A-Za-z_]", "_", name.strip()) or "q"
    if base[0].isdigit():
        base = "q_" + base
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}_{number}", number + 1
    taken.add(candidate)
    return candidate


def survey_id(stem: str) -> str:
    """The survey id the questionnaire's file name gives (letters, digits, `-` and `_`)."""
    return re.sub(r"[^0-9A-Za-z_-]", "_", stem) or "survey"


def render(source: str, stem: str, title: str, respondent_id: str | None, questions: list[DraftQuestion],
           notes: list[str]) -> str:
    """The questionnaire's YAML text, header comment first."""
    lines = [f"# Drafted by `python -m pipeline draft` from {source}.",
             "# A draft: it reads the answers, but a person must still review and complete:"]
    lines += [f"#   {line}" for line in REVIEW]
    if respondent_id is None:
        lines.append("#   design.respondent_id is null: no id column was found, so each row's number is its id.")
    lines += [f"# {note}" for note in notes]
    document: dict[str, Any] = {"format": 1, "survey": {"id": survey_id(stem), "title": title or stem},
                                "design": {"respondent_id": respondent_id}}
    lines.append(_dump(document).rstrip())
    lines.append("")
    lines.append("questions:")
    for question in questions:
        lines += [f"  # {note}" for note in question.notes]
        block = _dump([question.entry]).rstrip().splitlines()
        lines += [f"  {line}" for line in block]
    lines.append("")
    lines.append(_dump({"analysis": {"fpc": False}}).rstrip())
    return "\n".join(lines) + "\n"


def _dump(value: Any) -> str:
    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
