"""The error family for problems in a user's input.

    PipelineError            any user error: the CLI prints it and exits 2
    ├── QuestionnaireError   the questionnaire file is malformed or inconsistent
    ├── AnswersError         the answers file does not match its questionnaire
    └── OutputError          the output folder or file cannot be written (inputs and
                             the previous outputs are left as they were)

Each error carries one or more `Issue` records: a stable code, the file, the location
(a line number, or a sheet and row number, a respondent id and column, or a YAML key path), what was found and what
was expected. Tests and the report use the code; people read the message. Our own bugs
are not PipelineErrors and still show a traceback.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

QUOTED_LIMIT = 80
"""At most this many characters of an input value are quoted in a message: a 10 MB cell or a
5,000-digit number must not flood the terminal."""
_FIELD_LIMIT = 400
_QUOTED = re.compile(rf"'([^'\n]{{{QUOTED_LIMIT + 1},}})'")
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def shorten(text: str, limit: int = QUOTED_LIMIT) -> str:
    """`text` cut to `limit` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def _readable(text: str) -> str:
    """Message text as it is printed, on one line: control bytes escaped, long quoted values and long
    fields cut."""
    text = _UNPRINTABLE.sub(lambda match: f"\\x{ord(match.group()):02x}", text[:_FIELD_LIMIT * 25])
    text = _QUOTED.sub(lambda match: f"'{shorten(match.group(1))}'", text)
    return shorten(text, _FIELD_LIMIT)


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
    sheet: str | None = None
    row: int | None = None

    def location(self) -> str:
        """Where the problem is, as a person would look for it."""
        parts = [self.file]
        if self.sheet is not None:
            parts.append(f"sheet {_readable(shorten(self.sheet))}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.key:
            parts.append(f"key {_readable(shorten(self.key))}")
        if self.respondent is not None:
            parts.append(f"respondent {_readable(shorten(self.respondent))}")
        if self.column:
            parts.append(f"column {_readable(shorten(self.column))}")
        return ", ".join(parts)

    def message(self) -> str:
        """The issue as one line of text; values quoted from the input are cut to QUOTED_LIMIT characters."""
        text = f"{self.location()}: [{self.code}] found {_readable(self.found)}; expected {_readable(self.expected)}"
        if self.hint:
            text += f" ({_readable(self.hint)})"
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
