"""Survey pipeline: questionnaire in, checked statistics and an accessible report out.

Public surface: load a questionnaire and its errors; `pipeline.run.analyse` runs the whole
method and `pipeline.cli` is the command line. Everything survey-specific lives in the
questionnaire and answers files.
"""

from pipeline.errors import AnswersError, PipelineError, QuestionnaireError
from pipeline.questionnaire import Questionnaire, load_questionnaire

__all__ = [
    "AnswersError",
    "PipelineError",
    "Questionnaire",
    "QuestionnaireError",
    "load_questionnaire",
]

__version__ = "0.1.0"
