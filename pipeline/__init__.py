"""Survey pipeline: questionnaire in, checked statistics and an accessible report out.

Public surface: load a questionnaire and its errors; `pipeline.run.analyse` runs the whole
method and `pipeline.cli` is the command line. Everything survey-specific lives in the
questionnaire and answers files.

The names below are loaded when first used, not when the package is: `python -m pipeline`
looks for a warm process (`pipeline.warm`) before it imports anything heavy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.errors import AnswersError, PipelineError, QuestionnaireError
    from pipeline.questionnaire import Questionnaire, load_questionnaire

_PUBLIC = {"AnswersError": "pipeline.errors", "PipelineError": "pipeline.errors",
           "QuestionnaireError": "pipeline.errors", "Questionnaire": "pipeline.questionnaire",
           "load_questionnaire": "pipeline.questionnaire"}
__all__ = ["AnswersError", "PipelineError", "Questionnaire", "QuestionnaireError", "load_questionnaire"]

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
