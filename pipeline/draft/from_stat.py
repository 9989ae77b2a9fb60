"""Draft a questionnaire from an SPSS (.sav) or Stata (.dta) file: its dictionary and its values.

Variable labels become question text; value labels become answer codes (the value, labelled);
user-defined missing values become missing codes, their kind guessed from the label; the
measurement level gives the type (nominal or ordinal with labels: single choice; scale:
numeric; text: text). The values are read too, so that the draft fits the file it came from:
a labelled variable holding unlabelled values is numeric, its labelled values missing codes;
a variable with blanks allows them. An id column is taken where a variable named like one
(`id`, `respondent_id`, `caseid`, ...) holds a distinct value in every row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.answer_formats import answers_format
from pipeline.draft.document import DraftQuestion, question_id, render
from pipeline.ingest import MAX_ANSWERS_BYTES
from pipeline.stat_answers import column_text, is_numeric, missing_values, read_with_metadata, value_labels

ID_NAMES = ("id", "respondent_id", "respondentid", "resp_id", "respid", "caseid", "case_id", "responseid",
            "response_id", "serial", "record", "key", "_uuid", "uuid")

MISSING_WORDS = (("dont_know", ("know", "dk", "unsure", "not sure")),
                 ("refused", ("refus", "no answer", "prefer not", "declin")),
                 ("not_applicable", ("applicable", "n/a", "inapplicable", "skip", "not asked")))


def draft_from_stat(source: Path | str, stem: str) -> str:
    """The drafted questionnaire's YAML text for an SPSS or Stata file."""
    fmt = answers_format(source)
    data, meta = read_with_metadata(source, fmt, MAX_ANSWERS_BYTES)
    id_column = _id_column(data)
    taken: set[str] = set()
    questions = []
    for name in data.columns:
        if name == id_column:
            continue
        questions.append(_question(name, data[name], meta, taken))
    notes = ["Question text is each variable's label; codes are the values and their value labels."]
    title = getattr(meta, "file_label", None) or ""
    return render(Path(source).name, stem, title, id_column, questions, notes)


def _id_column(data) -> str | None:
    by_lower = {str(name).lower(): name for name in data.columns}
    for candidate in ID_NAMES:
        name = by_lower.get(candidate)
        if name is None:
            continue
        values = data[name]
        if values.notna().all() and values.is_unique and (values.astype(str).str.strip() != "").all():
            return str(name)
    return None


def _question(name: str, values, meta: Any, taken: set[str]) -> DraftQuestion:
    qid = question_id(name, taken)
    entry: dict[str, Any] = {"id": qid}
    if qid != name:
        entry["column"] = name
    label = (meta.column_names_to_labels or {}).get(name)
    notes: list[str] = []
    labels = dict(value_labels(meta, name))
    missing = set(missing_values(meta, name))
    texts = {"" if text is None else text.strip() for text in column_text(values, is_numeric(meta, name)).to_pylist()}
    present = {t for t in texts if t != ""}
    measure = (meta.variable_measure or {}).get(name, "unknown")
    is_text = not is_numeric(meta, name) and not all(_is_number(t) for t in present)
    substantive = {code: text for code, text in labels.items() if code not in missing}
    if substantive and present - missing <= set(substantive) and measure != "scale":
        entry["type"] = "single_choice"
        if label:
            entry["text"] = label
        entry["codes"] = [{"code": code, "label": text} for code, text in _ordered(substantive)]
        if measure == "ordinal":
            notes.append(f"{qid}: ordinal in the source; a scale (type: scale, with its sides) may suit it better.")
    elif is_text:
        entry["type"] = "text"
        if label:
            entry["text"] = label
        if labels:
            notes.append(f"{qid}: text with value labels ({len(labels)}); read as free text.")
    else:
        entry["type"] = "numeric"
        if label:
            entry["text"] = label
        extra = {code for code in substantive if code in present}
        if substantive:
            notes.append(f"{qid}: numbers with labelled values ({', '.join(sorted(substantive)[:5])}"
                         f"{', ...' if len(substantive) > 5 else ''}); labelled values are taken as missing codes.")
            missing |= extra
    kinds = _missing_kinds(missing, labels)
    if kinds:
        entry["missing"] = kinds
        notes.append(f"{qid}: missing-code kinds guessed from their labels: "
                     + "; ".join(f"{code} ({labels.get(code, 'unlabelled')}) -> {kind}"
                                 for kind, codes in kinds.items()
                                 for code in ([codes] if isinstance(codes, str) else codes)) + ".")
    if "" in texts and entry["type"] != "text":
        entry.setdefault("missing", {})["allow_blank"] = True
    return DraftQuestion(entry, notes)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _ordered(codes: dict[str, str]) -> list[tuple[str, str]]:
    """Codes in numeric order where they are numbers, else as given."""
    if all(_is_number(code) for code in codes):
        return sorted(codes.items(), key=lambda item: float(item[0]))
    return list(codes.items())


def _missing_kinds(codes: set[str], labels: dict[str, str]) -> dict[str, Any]:
    """Missing codes by kind, guessed from their labels (not_applicable when the label says nothing)."""
    kinds: dict[str, list[str]] = {}
    for code in sorted(codes, key=lambda c: (not _is_number(c), float(c) if _is_number(c) else 0, c)):
        text = labels.get(code, "").lower()
        kind = next((kind for kind, words in MISSING_WORDS if any(word in text for word in words)),
                    "not_applicable")
        kinds.setdefault(kind, []).append(code)
    return {kind: codes[0] if len(codes) == 1 else codes for kind, codes in kinds.items()}
