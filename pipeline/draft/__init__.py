"""Questionnaires drafted from what survey teams already have: SPSS and Stata files, XLSForms.

`draft_questionnaire` picks the drafter by the source's extension: `.sav`, `.zsav` and `.dta`
are data files with their dictionaries; `.xlsx` is an XLSForm workbook.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import AnswersError, Issue

SOURCES = (".sav", ".zsav", ".dta", ".xlsx", ".xlsm")


def draft_questionnaire(source: Path | str, stem: str) -> str:
    """The YAML text of a questionnaire drafted from `source`, for a file named `<stem>.yaml`."""
    suffix = Path(source).suffix.lower()
    if suffix in (".sav", ".zsav", ".dta"):
        from pipeline.draft.from_stat import draft_from_stat

        return draft_from_stat(source, stem)
    if suffix in (".xlsx", ".xlsm"):
        from pipeline.draft.xlsform import draft_from_xlsform

        return draft_from_xlsform(source, stem)
    raise AnswersError(Issue("unsupported-source", str(source), f"a '{suffix or 'extensionless'}' file",
                             "an SPSS .sav, a Stata .dta or an XLSForm .xlsx"))
