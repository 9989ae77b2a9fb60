"""Survey pipeline: questionnaire in, checked statistics and an accessible report out.

Public surface: load a questionnaire, read and check answers against it, and run the
whole method (`run_report`). Everything survey-specific lives in the questionnaire file.
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
