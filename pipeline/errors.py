"""The error family for problems in a user's input.

    PipelineError            any user error: the CLI prints it and exits 2
    ├── QuestionnaireError   the questionnaire file is malformed or inconsistent
    ├── AnswersError         the answers file does not match its questionnaire
    └── OutputError          the output folder or file cannot be written (inputs and
                             the previous outputs are left as they were)

Each error carries one or more `Issue` records: a stable code, the file, the location
(a line number, a respondent id and column, or a YAML key path), what was found and what
was expected. Tests and the report use the code; people read the message. Our own bugs
are not PipelineErrors and still show a traceback.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Issue:
    """One problem in one place of one input file."""

    code: str
    file: str
    found: str
    expected: str
    line: int | None = None
    key: str | None = None
    respondent: str | None = None
    column: str | None = None
    hint: str | None = None

    def location(self) -> str:
        """Where the problem is, as a person would look for it."""
        parts = [self.file]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.key:
            parts.append(f"key {self.key}")
        if self.respondent is not None:
            parts.append(f"respondent {self.respondent}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def message(self) -> str:
        text = f"{self.location()}: [{self.code}] found {self.found}; expected {self.expected}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


class PipelineError(Exception):
    """A problem in the user's input, reported as one or more issues."""

    def __init__(self, issues: list[Issue] | Issue):
        self.issues = [issues] if isinstance(issues, Issue) else list(issues)
        super().__init__(self.render())

    def render(self, limit: int | None = None) -> str:
        shown = self.issues if limit is None else self.issues[:limit]
        lines = [issue.message() for issue in shown]
        hidden = len(self.issues) - len(shown)
        if hidden > 0:
            lines.append(f"... and {hidden} more problem(s)")
        return "\n".join(lines)

    @property
    def codes(self) -> list[str]:
        return [issue.code for issue in self.issues]


class QuestionnaireError(PipelineError):
    """The questionnaire definition cannot be used."""


class AnswersError(PipelineError):
    """The answers do not fit the questionnaire."""


class OutputError(PipelineError):
    """The outputs cannot be written where asked; nothing was changed."""
