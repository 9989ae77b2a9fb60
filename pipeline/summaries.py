"""Typed accounts of a run: what was read, what was weighted, what it was made from.

`validation.json` and `manifest.json` are these records written as JSON (`to_json`), in the
order of their fields, so a reader of the code and a reader of the file see the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from pipeline.errors import Issue


@dataclass(frozen=True)
class AnswerStatusCounts:
    """How many respondents gave each kind of answer to one question (a status each)."""

    answered: int
    dont_know: int
    not_applicable: int
    refused: int
    blank: int
    not_asked: int

    def to_json(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


STATUSES: tuple[str, ...] = tuple(f.name for f in fields(AnswerStatusCounts))
"""The answer statuses, in the order of `AnswerStatusCounts`."""


@dataclass(frozen=True)
class SpanningRecord:
    """A row whose quoted free text runs over several physical lines."""

    first_line: int
    last_line: int
    columns: tuple[str, ...]


@dataclass(frozen=True)
class LineSummary:
    """Every physical line of the answers file: header, blank and record lines add up."""

    physical_lines_read: int
    header_lines: int
    blank_lines: int
    record_lines: int
    records_spanning_lines: tuple[SpanningRecord, ...]


@dataclass(frozen=True)
class ValidationSummary:
    """Every row read accounted for, with reasons, and per-question answer status counts."""

    questionnaire: str
    answers: str
    encoding: str
    rows_read: int
    rows_accepted: int
    rows_excluded: int
    excluded_lines: tuple[int, ...]
    lines: LineSummary | None
    issues: tuple[Issue, ...]
    per_question: dict[str, AnswerStatusCounts]
    format: str = "csv"
    sheet: str | None = None
    ignored_columns: tuple[str, ...] = ()
    respondent_id: str | None = "id"
    weighting: WeightingSummary | None = None

    @property
    def row_word(self) -> str:
        """Positions in the answers file: lines of a CSV file, rows of a sheet or data file."""
        return "line" if self.format == "csv" else "row"

    def to_json(self) -> dict:
        """As written to validation.json (the line account's fields inline, where known).

        Outside CSV, excluded rows are `excluded_rows` (sheet rows, or case numbers from 1), the
        format and sheet are named, and the sheet's rows are counted in the line account's fields.
        """
        out: dict = {"questionnaire": self.questionnaire, "answers": self.answers, "encoding": self.encoding,
                     "rows_read": self.rows_read, "rows_accepted": self.rows_accepted,
                     "rows_excluded": self.rows_excluded, f"excluded_{self.row_word}s": list(self.excluded_lines)}
        if self.lines is not None:
            out.update({
                "physical_lines_read": self.lines.physical_lines_read, "header_lines": self.lines.header_lines,
                "blank_lines": self.lines.blank_lines, "record_lines": self.lines.record_lines,
                "records_spanning_lines": [{"first_line": r.first_line, "last_line": r.last_line,
                                            "columns": list(r.columns)} for r in self.lines.records_spanning_lines],
            })
        out["issues"] = [issue.to_dict() for issue in self.issues]
        out["per_question"] = {question: counts.to_json() for question, counts in self.per_question.items()}
        out["format"] = self.format
        if self.sheet is not None:
            out["sheet"] = self.sheet
        out["ignored_columns"] = list(self.ignored_columns)
        out["respondent_id"] = self.respondent_id if self.respondent_id is not None else "row number"
        if self.weighting is not None:
            out["weighting"] = self.weighting.to_json()
        return out


@dataclass(frozen=True)
class InputFile:
    path: str
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """What a run was made from: the pipeline, Python, the command, each input's hash, versions."""

    pipeline_version: str
    python: str
    command: str
    inputs: dict[str, InputFile]
    dependencies: dict[str, str]

    def to_json(self) -> dict:
        return {"pipeline_version": self.pipeline_version, "python": self.python, "command": self.command,
                "inputs": {role: {"path": f.path, "sha256": f.sha256} for role, f in self.inputs.items()},
                "dependencies": dict(self.dependencies)}


@dataclass(frozen=True)
class TargetCheck:
    """One weighting target (a frame cell, or a level of one variable) beside what weighting gave it."""

    variable: str
    level: str
    target: float
    respondents: int
    weighted_total: float
    difference: float
    met: bool

    def to_json(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class WeightingSummary:
    """How the weights were calibrated to the population's counts, whether it converged and
    met every target, and what it cost in precision.

    `iterations` counts raking's passes over the margins, or calibration's Newton steps (1
    for post-stratification and linear calibration without bounds, which are exact in one).
    """

    method: str
    variables: tuple[str, ...]
    iterations: int
    design_effect: float
    effective_sample_size: float
    min_weight: float
    max_weight: float
    key: str = ""
    converged: bool = True
    criterion: str = ""
    targets: tuple[TargetCheck, ...] = ()
    warnings: tuple[str, ...] = ()
    trimmed: int = 0

    @property
    def targets_met(self) -> bool:
        return all(t.met for t in self.targets)

    def to_json(self) -> dict:
        """As validation.json holds it."""
        return {"method": self.method, "variables": list(self.variables), "iterations": self.iterations,
                "converged": self.converged, "convergence_criterion": self.criterion,
                "weights_trimmed": self.trimmed, "targets_met": self.targets_met,
                "largest_target_difference": max((abs(t.difference) for t in self.targets), default=0.0),
                "targets": [t.to_json() for t in self.targets], "warnings": list(self.warnings),
                "design_effect": self.design_effect, "effective_sample_size": self.effective_sample_size,
                "min_weight": self.min_weight, "max_weight": self.max_weight}
