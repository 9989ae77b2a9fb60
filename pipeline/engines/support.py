"""What the DuckDB and Spark engines do not compute yet: named before any work, with exit 2
(`engine-unsupported`), never a figure that differs from the memory engine's.
"""

from __future__ import annotations

from pipeline.errors import AnswersError, Issue
from pipeline.questionnaire import Questionnaire

ENGINE_FORMATS = ("csv", "parquet")
INSTEAD = "what the engine supports, or --engine memory"


def unsupported(file: str, found: str, expected: str = INSTEAD, key: str | None = None) -> AnswersError:
    """The error of something an engine cannot do."""
    return AnswersError(Issue("engine-unsupported", file, found, expected, key=key))


def check_supported(q: Questionnaire, answers_format: str, engine: str, exclude_invalid: bool) -> None:
    """Stop with every feature the questionnaire or file asks for that `engine` lacks."""
    d = q.design
    a = q.analysis
    found: list[tuple[str, str | None]] = []
    if answers_format not in ENGINE_FORMATS:
        found.append((f"a .{answers_format} answers file (the {engine} engine reads CSV and Parquet)", None))
    if d.replicates is not None:
        found.append(("replicate weights", "design.replicates"))
    if d.weighting is not None and (d.weighting_method != "none" or d.weighting.trim is not None):
        found.append(("calibration, raking or trimming of the weights", "design.weighting"))
    if len(d.clusters) > 1:
        found.append(("a multistage sample", "design.clusters"))
    for question in q.questions:
        if question.type.is_numeric:
            found.append((f"the numeric question '{question.id}'", "questions"))
        if question.type.is_multiple_choice and len(question.columns) == 1:
            found.append((f"the multiple-choice question '{question.id}' in one delimited column", "questions"))
    if a.comparisons:
        found.append(("comparisons", "analysis.comparisons"))
    if a.share_tests:
        found.append(("share tests", "analysis.share_tests"))
    if a.ratios:
        found.append(("ratios", "analysis.ratios"))
    if q.claims:
        found.append(("claims (their other bases are counted row by row)", "claims"))
    if exclude_invalid:
        found.append(("excluding invalid rows (answers.on_invalid: exclude or --exclude-invalid)",
                      "answers.on_invalid"))
    if found:
        raise AnswersError([Issue("engine-unsupported", q.path, f"{what}, which the {engine} engine does not "
                                  "compute yet", INSTEAD, key=key) for what, key in found])

