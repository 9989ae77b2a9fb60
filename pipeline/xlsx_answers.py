"""Answers from an Excel workbook (.xlsx): one sheet, a header row, one row per respondent.

The sheet is the questionnaire's `answers.sheet`, else the first. The header is the first
row that is not blank; blank rows are counted, not read. Rows are named by the sheet's own
numbers, as Excel shows them. A workbook is a zip of XML files: its size unpacked is bounded
like the CSV reader's file size (no zip bombs). A password-protected workbook (an encrypted
OLE container, not a zip), a file that is not a workbook, and merged cells (whose value Excel
keeps in one cell only, so the others would silently read blank) are input errors.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from pipeline.answer_table import header_names, number_text, table_answers
from pipeline.errors import AnswersError, Issue
from pipeline.ingest import LineAccount, RawAnswers
from pipeline.rawfile import FileProblem, read_bounded

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXPECTED = "an Excel .xlsx workbook"
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_UNCALCULATED = re.compile(rb'<(?:\w+:)?c\s+r="([A-Z]+)(\d+)"[^>]*>\s*<(?:\w+:)?f\b(?:[^>]*/>|[^>]*>[^<]*</(?:\w+:)?f>)'
                           rb'\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>')
"""A formula cell without a saved result: read as its value, it would silently be blank."""


def read_xlsx(path: Path | str, sheet: str | None, max_bytes: int) -> RawAnswers:
    """The answers on one sheet of a workbook; AnswersError naming the file, sheet, row and column."""
    name = str(path)
    workbook, archive = open_workbook(path, max_bytes)
    try:
        worksheet = _sheet(workbook, sheet, name)
        title = worksheet.title
        _check_merged(archive, worksheet, name, title)
        rows = _rows(worksheet)
    finally:
        workbook.close()
    blank_before = 0
    while rows and _blank(rows[0][1]):
        rows.pop(0)
        blank_before += 1
    if not rows:
        raise AnswersError(Issue("empty-file", name, "an empty sheet", "a header row and at least one row",
                                 sheet=title))
    header_values = rows[0][1]
    width = max(len(values) for _, values in rows)
    header_cells = list(header_values) + [None] * (width - len(header_values))
    data = [(number, list(values) + [None] * (width - len(values))) for number, values in rows[1:]
            if not _blank(values)]
    blank_rows = blank_before + len(rows) - 1 - len(data)
    used = [i for i, cell in enumerate(header_cells) if not _blank([cell])]
    for number, values in data:
        stray = next((i for i in range(width) if i not in used and not _blank([values[i]])), None)
        if stray is not None:
            raise AnswersError(Issue("unnamed-column", name, f"a value in column {_letters(stray)}, which has no name",
                                     "a name in the header row for every column with values", sheet=title,
                                     row=number, column=_letters(stray)))
    header = header_names([_text(header_cells[i]) for i in used], name, "xlsx", title)
    columns = [pa.array([_text(values[i]) for _, values in data], type=pa.string()) for i in used]
    raw = table_answers(name, "xlsx", "xlsx", header, columns, np.array([n for n, _ in data]), sheet=title)
    return replace(raw, lines=LineAccount(blank_before + len(rows), 1, blank_rows, len(data)))


def open_workbook(path: Path | str, max_bytes: int) -> tuple[Any, zipfile.ZipFile]:
    """The workbook (read-only) and its zip archive; a protected, damaged or oversized one is an input error."""
    import openpyxl

    name = str(path)
    try:
        data = read_bounded(path, max_bytes)
    except FileProblem as problem:
        raise AnswersError(problem.issue(name, f"{EXPECTED} (a regular file of at most {max_bytes:,} bytes)")) from None
    if data.startswith(OLE_MAGIC):  # an encrypted workbook is an OLE container holding "EncryptionInfo"
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise AnswersError(Issue("password-protected", name, "a password-protected (encrypted) workbook",
                                     EXPECTED, hint="save a copy without a password as .xlsx"))
        raise AnswersError(Issue("corrupt-file", name, "an old-style Excel .xls workbook or another OLE document",
                                 EXPECTED, hint="save it as .xlsx"))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise AnswersError(Issue("corrupt-file", name, f"a file that is not a workbook ({exc})", EXPECTED)) from None
    if unpacked > max_bytes:
        raise AnswersError(Issue("file-too-large", name, f"a workbook of {unpacked:,} bytes unpacked",
                                 f"at most {max_bytes:,} bytes unpacked"))
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged parts
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise AnswersError(Issue("corrupt-file", name, f"a damaged workbook ({reason})", EXPECTED)) from None
    return workbook, archive


def _sheet(workbook: Any, sheet: str | None, name: str) -> Any:
    names = list(workbook.sheetnames)
    if sheet is None:
        if not names:
            raise AnswersError(Issue("sheet-not-found", name, "a workbook without sheets", "a sheet of answers"))
        return workbook[names[0]]
    if sheet not in names:
        raise AnswersError(Issue("sheet-not-found", name, f"no sheet '{sheet}' (sheets: {', '.join(names)})",
                                 "the sheet named by answers.sheet", sheet=sheet))
    return workbook[sheet]


def _check_merged(archive: zipfile.ZipFile, worksheet: Any, name: str, title: str) -> None:
    """Merged cells keep their value in the first cell only: refused, naming the first range (and
    formulas without saved results, found in the same XML)."""
    part = getattr(worksheet, "_worksheet_path", None)
    if part is None:
        return
    try:
        xml = archive.read(part.lstrip("/"))
    except (KeyError, zipfile.BadZipFile, OSError) as exc:
        raise AnswersError(Issue("corrupt-file", name, f"a damaged workbook ({exc})", EXPECTED, sheet=title)) from None
    _check_calculated(xml, name, title)
    match = _MERGE.search(xml)
    if match is None:
        return
    first, last = match.group(1).decode() + match.group(2).decode(), (match.group(3) or match.group(1)).decode()
    cells = f"{first}:{last}{(match.group(4) or match.group(2)).decode()}"
    in_header = int(match.group(2)) == 1
    raise AnswersError(Issue(
        "merged-cells", name, f"merged cells {cells}" + (" in the header row" if in_header else ""),
        "one value per cell: a header row of one name per column, and no merged cells", sheet=title,
        row=int(match.group(2)), column=match.group(1).decode(),
        hint="unmerge the cells and give each column its own name" if in_header else "unmerge the cells"))


def _check_calculated(xml: bytes, name: str, title: str) -> None:
    """Formulas are read by their saved results; one never calculated has none, and is refused."""
    match = _UNCALCULATED.search(xml)
    if match is not None:
        cell = (match.group(1) + match.group(2)).decode()
        raise AnswersError(Issue(
            "uncalculated-formula", name, f"a formula in cell {cell} with no calculated value saved",
            "values, or formulas saved with their results", sheet=title, row=int(match.group(2)),
            column=match.group(1).decode(), hint="open the workbook in a spreadsheet program and save it again"))


def _rows(worksheet: Any) -> list[tuple[int, tuple]]:
    """Every row with its number on the sheet (read-only sheets skip absent rows)."""
    rows = []
    for cells in worksheet.iter_rows():
        number = next((cell.row for cell in cells if getattr(cell, "row", None) is not None), None)
        if number is None:
            continue
        rows.append((number, tuple(cell.value for cell in cells)))
    return rows


def _blank(values) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


def _text(value: Any) -> str:
    """A cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time(0) else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _letters(index: int) -> str:
    """Excel's column letters of a 0-based column index."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
