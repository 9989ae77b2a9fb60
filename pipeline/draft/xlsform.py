"""Draft a questionnaire from an XLSForm workbook (the `survey`, `choices` and `settings` sheets).

`select_one` becomes a single-choice question, `select_multiple` a multiple-choice question in
one column of space-separated choices (as ODK and Kobo export it), `integer` and `decimal`
numeric questions, `text` free text. A question that is not `required` allows blanks. `relevant`
becomes routing (`asked_if`) where the questionnaire format can say it: one select_one question
equal to one choice or to any of several (`${q} = 'a'`, `${q} = 'a' or ${q} = 'b'`,
`selected(${q}, 'a')`). Any other expression, and any other row type (notes, calculations,
dates, locations, media, repeats), is named in a comment as not converted.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pipeline.draft.document import DraftQuestion, question_id, render
from pipeline.errors import AnswersError, Issue
from pipeline.ingest import MAX_ANSWERS_BYTES
from pipeline.xlsx_answers import _text, open_workbook

NUMERIC = {"integer": True, "decimal": False}
STRUCTURE = {"begin group", "end group", "begin_group", "end_group", "start", "end", "today", "deviceid",
             "subscriberid", "simserial", "phonenumber", "username", "email", "audit", "instanceid"}

_NAME = r"\$\{([^}]+)\}"
_CHOICE = r"(?:'([^']*)'|\"([^\"]*)\"|([\w.-]+))"
_EQUALS = re.compile(rf"^\s*{_NAME}\s*=\s*{_CHOICE}\s*$")
_SELECTED = re.compile(rf"^\s*selected\(\s*{_NAME}\s*,\s*{_CHOICE}\s*\)\s*$")


def draft_from_xlsform(source: Path | str, stem: str) -> str:
    """The drafted questionnaire's YAML text for an XLSForm workbook."""
    name = str(source)
    workbook, _ = open_workbook(source, MAX_ANSWERS_BYTES)
    try:
        sheets = {title.strip().lower(): _records(workbook[title]) for title in workbook.sheetnames}
    finally:
        workbook.close()
    if "survey" not in sheets:
        raise AnswersError(Issue("sheet-not-found", name, f"sheets {', '.join(sheets) or 'none'}",
                                 "an XLSForm with a 'survey' sheet (and 'choices' for select questions)"))
    choices = _choices(sheets.get("choices", []))
    settings = sheets.get("settings", [])
    title = str((settings[0][1] if settings else {}).get("form_title", "") or "")
    taken: set[str] = set()
    by_name: dict[str, dict[str, Any]] = {}
    questions: list[DraftQuestion] = []
    notes: list[str] = []
    groups: list[str] = []
    for number, row in sheets["survey"]:
        kind = re.sub(r"\s+", " ", str(row.get("type", "")).strip())
        field = str(row.get("name", "")).strip()
        if kind.lower() in ("begin group", "begin_group", "begin repeat", "begin_repeat"):
            groups.append(field)
            if "repeat" in kind.lower():
                notes.append(f"survey row {number}: the repeat '{field}' and its questions are one row per "
                             "repeat in the export; its questions are not converted.")
            continue
        if kind.lower() in ("end group", "end_group", "end repeat", "end_repeat"):
            if groups:
                groups.pop()
            continue
        if not kind or kind.lower() in STRUCTURE:
            continue
        if any(g for g in groups if _in_repeat(sheets["survey"], g)):
            continue
        question = _question(kind, field, row, choices, taken, by_name, number)
        if question is None:
            notes.append(f"survey row {number}: '{field}' of type '{kind}' is not converted "
                         "(only select_one, select_multiple, integer, decimal and text are).")
            continue
        if groups:
            question.notes.append(f"{question.entry['id']}: inside group {'/'.join(groups)}; an export may name its "
                                  f"column '{'/'.join([*groups, field])}' (set column: to it).")
        questions.append(question)
    return render(Path(source).name, stem, title, None, questions, notes)


def is_xlsform(path: Path | str) -> bool:
    """Whether a workbook is an XLSForm (a `survey` sheet headed `type` and `name`, beside `choices`
    or `settings`), not a sheet of answers."""
    if Path(path).suffix.lower() not in (".xlsx", ".xlsm"):
        return False
    try:
        workbook, _ = open_workbook(path, MAX_ANSWERS_BYTES)
    except AnswersError:
        return False
    try:
        titles = {title.strip().lower(): title for title in workbook.sheetnames}
        if "survey" not in titles or not {"choices", "settings"} & set(titles):
            return False
        header = next(workbook[titles["survey"]].iter_rows(max_row=1, values_only=True), ())
        return {"type", "name"} <= {str(cell).strip().lower() for cell in header if cell is not None}
    finally:
        workbook.close()


FORM_TYPES = {"single_choice": "select_one", "scale": "select_one", "yes_no": "select_one",
              "multiple_choice": "select_multiple", "numeric": ("integer", "decimal"), "text": "text"}


def check_against_form(questionnaire: Any, source: Path | str) -> list[Issue]:
    """Where a questionnaire and the XLSForm it was drafted from disagree: a question whose column
    is not a field of the form, of another kind, or with other codes than the form's choices."""
    name = str(source)
    workbook, _ = open_workbook(source, MAX_ANSWERS_BYTES)
    try:
        sheets = {title.strip().lower(): _records(workbook[title]) for title in workbook.sheetnames}
    finally:
        workbook.close()
    choices = _choices(sheets.get("choices", []))
    fields = {}
    for number, row in sheets.get("survey", []):
        kind, _, list_name = re.sub(r"\s+", " ", str(row.get("type", "")).strip()).partition(" ")
        fields[str(row.get("name", "")).strip()] = (number, kind.lower(), [c for c, _ in choices.get(list_name, [])])
    issues = []
    for question in questionnaire.questions:
        column = question.column or question.id
        where = f"question '{question.id}'" + (f" (column '{column}')" if column != question.id else "")
        if column not in fields:
            issues.append(Issue("form-mismatch", name, f"no field '{column}' in the survey sheet",
                                f"a field for {where} of {questionnaire.path}", sheet="survey"))
            continue
        number, kind, form_codes = fields[column]
        allowed = FORM_TYPES[str(question.type)]
        if kind not in (allowed if isinstance(allowed, tuple) else (allowed,)):
            issues.append(Issue("form-mismatch", name, f"'{column}' of type {kind}",
                                f"a type that answers {where} ({question.type})", sheet="survey", row=number))
        elif question.type.has_codes:
            codes, missing = set(question.code_values), set(question.missing.codes)
            extra = [c for c in form_codes if c not in codes | missing]
            absent = [c for c in question.code_values if c not in form_codes]
            if extra or absent:
                found = "; ".join(part for part in (f"choices {', '.join(extra)} not among its codes" if extra else "",
                                                    f"codes {', '.join(absent)} not among the choices" if absent
                                                    else "") if part)
                issues.append(Issue("form-mismatch", name, found, f"the form's choices as the codes of {where}",
                                    sheet="survey", row=number))
    return issues


def _records(sheet: Any) -> list[tuple[int, dict[str, Any]]]:
    """A sheet's rows as mappings of its header (lower case) to values, with their row numbers."""
    rows = list(sheet.iter_rows(values_only=True))
    if not rows:
        return []
    header = [str(cell).strip().lower() if cell is not None else "" for cell in rows[0]]
    return [(number, {h: value for h, value in zip(header, row, strict=False) if h})
            for number, row in enumerate(rows[1:], start=2) if any(v not in (None, "") for v in row)]


def _label(row: dict[str, Any]) -> str:
    """The row's label: `label`, else the first `label::<language>`."""
    if row.get("label"):
        return _text(row["label"]).strip()
    for key in sorted(row):
        if key.startswith("label::") and row[key]:
            return _text(row[key]).strip()
    return ""


def _choices(rows: list[tuple[int, dict[str, Any]]]) -> dict[str, list[tuple[str, str]]]:
    lists: dict[str, list[tuple[str, str]]] = {}
    for _, row in rows:
        list_name = str(row.get("list_name", row.get("list name", "")) or "").strip()
        if list_name and row.get("name") is not None:
            code = _text(row["name"]).strip()
            lists.setdefault(list_name, []).append((code, _label(row) or code))
    return lists


def _in_repeat(rows: list[tuple[int, dict[str, Any]]], group: str) -> bool:
    return any(str(row.get("name", "")).strip() == group and "repeat" in str(row.get("type", "")).lower()
               for _, row in rows)


def _question(kind: str, field: str, row: dict[str, Any], choices: dict[str, list[tuple[str, str]]],
              taken: set[str], by_name: dict[str, dict[str, Any]], number: int) -> DraftQuestion | None:
    base, _, list_name = kind.partition(" ")
    base = base.lower()
    if base not in ("select_one", "select_multiple", "integer", "decimal", "text") or not field:
        return None
    qid = question_id(field, taken)
    entry: dict[str, Any] = {"id": qid}
    if qid != field:
        entry["column"] = field
    label = _label(row)
    notes: list[str] = []
    if base in ("select_one", "select_multiple"):
        options = choices.get(list_name.strip(), [])
        if not options:
            return DraftQuestion({"id": qid, "type": "text"}, [f"{qid}: choice list '{list_name}' not found in the "
                                                              "choices sheet; drafted as text."])
        entry["type"] = "single_choice" if base == "select_one" else "multiple_choice"
        if label:
            entry["text"] = label
        entry["codes"] = [{"code": code, "label": text} for code, text in options]
        if base == "select_multiple":
            entry["layout"] = "delimited"
            entry["delimiter"] = " "
    elif base in NUMERIC:
        entry["type"] = "numeric"
        if label:
            entry["text"] = label
        if NUMERIC[base]:
            entry["range"] = {"integer": True}
    else:
        entry["type"] = "text"
        if label:
            entry["text"] = label
    relevant = str(row.get("relevant") or "").strip()
    if relevant:
        condition = _routing(relevant, by_name)
        if condition is None:
            notes.append(f"{qid}: relevant '{relevant}' (survey row {number}) is not converted: routing here is "
                         "one single-choice question's answer being one of some codes.")
        else:
            entry["asked_if"] = condition
    if not _required(row.get("required")) and entry["type"] != "text":
        entry["missing"] = {"allow_blank": True}
    constraint = str(row.get("constraint") or "").strip()
    if constraint:
        notes.append(f"{qid}: constraint '{constraint}' is not converted (a numeric range may express it).")
    by_name[field] = entry
    return DraftQuestion(entry, notes)


def _routing(expression: str, by_name: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """`asked_if` for a relevant expression the format can express, else None."""
    target: str | None = None
    values: list[str] = []
    for part in re.split(r"\s+or\s+", expression.strip()):
        match = _EQUALS.match(part) or _SELECTED.match(part)
        if match is None:
            return None
        name, value = match.group(1), next(g for g in match.groups()[1:] if g is not None)
        if target not in (None, name):
            return None
        target = name
        values.append(value)
    question = by_name.get(target or "")
    if question is None or question["type"] != "single_choice":
        return None
    codes = {c["code"] for c in question["codes"]}
    if not set(values) <= codes:
        return None
    return {"question": question["id"], "in": values[0] if len(values) == 1 else values}


def _required(value: Any) -> bool:
    return str(value or "").strip().lower() in ("yes", "true", "true()", "1")
