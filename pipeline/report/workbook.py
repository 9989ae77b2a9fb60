"""The tables as a spreadsheet to the Analysis Function's standard for releasing statistics.

A cover sheet (title, source, date, contact, caveat), a contents sheet linking every table,
a notes sheet whose notes the tables cite as `[note n]`, then one table per sheet: its title
in A1, a line saying where the notes are, then the table, marked as an Excel table, with its
header row frozen. No merged cells, no blank rows or columns inside a table, shares formatted
as percentages, widths set to fit. (gptables writes this layout too, but through XlsxWriter,
without frozen header rows; openpyxl, already used here, meets the checklist directly.)

The bytes are deterministic: the document's dates are the build's and the zip archive's
timestamps are fixed. Every text goes through `pipeline.cell_safety`: a formula-like text is
inert, a control character (which XML cannot hold) a visible escape.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import math
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from copy import copy

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.table import Table, TableStyleInfo

from pipeline.cell_safety import visible_text, workbook_text
from pipeline.report.workbook_tables import (
    COUNT,
    NUMBER,
    PERCENT,
    PROBABILITY,
    Note,
    SheetTable,
    report_tables,
    workbook_notes,
)

FORMATS = {PERCENT: "0.0%", COUNT: "#,##0", NUMBER: "0.00", PROBABILITY: "0.000"}
WIDEST, NARROWEST = 60, 10
ZIP_DATE = (2000, 1, 1, 0, 0, 0)
_NOTE_PLACEHOLDER = re.compile(r"\[note \{(\w+)\}\]")
RIGHT = Alignment(horizontal="right")


def build_workbook(results, built: dt.datetime | None = None) -> bytes:
    """Cover, contents, notes and one sheet per table, as .xlsx bytes dated `built` (by default the build's)."""
    if built is None:
        from pipeline.report.build_date import build_moment

        built = build_moment(results.questionnaire.path, results.responses.path)
    with _collector_paused():
        return _workbook_bytes(results, built)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while the cells are made: tens of thousands of objects, none
    of them garbage until the workbook is written, that it would otherwise scan again and again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _workbook_bytes(results, built: dt.datetime) -> bytes:
    notes = workbook_notes(results)
    numbers = {note.key: index for index, note in enumerate(notes, start=1)}
    tables = report_tables(results)
    book = Workbook()
    _cover(book.active, results, built, numbers)
    _contents(book.create_sheet("Contents"), tables, numbers)
    _notes(book.create_sheet("Notes"), notes)
    for table in tables:
        _table_sheet(book.create_sheet(table.name), table, numbers)
    moment = built.astimezone(dt.UTC).replace(tzinfo=None)
    book.properties.created = book.properties.modified = moment
    book.properties.title = visible_text(results.questionnaire.survey.title)
    book.properties.creator = book.properties.lastModifiedBy = "survey-pipeline"
    book.properties.language = "en-GB"
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed_zip(buffer.getvalue(), moment)


def note_markers(keys, numbers: dict[str, int]) -> str:
    """' [note 1] [note 3]' for the notes among `keys` that this workbook has."""
    return "".join(f" [note {numbers[k]}]" for k in keys if k in numbers)


def _with_numbers(text: str, numbers: dict[str, int]) -> str:
    """A header with its `[note {key}]` placeholders numbered (or dropped if the note is absent)."""
    return _NOTE_PLACEHOLDER.sub(lambda m: f"[note {numbers[m.group(1)]}]" if m.group(1) in numbers else "",
                                 text).strip()


def _cover(sheet, results, built: dt.datetime, numbers: dict[str, int]) -> None:
    q, provenance = results.questionnaire, results.provenance
    sheet.title = "Cover"
    organisations = " and ".join(q.survey.organisations)
    lines: list[tuple[str, str]] = [
        ("title", q.survey.title + (f": {q.survey.subtitle}" if q.survey.subtitle else "")),
        ("heading", "About these tables"),
        ("text", q.survey.description or f"Estimates from {q.survey.title}."),
        ("text", "Organisations: " + "; ".join(q.survey.organisations)),
        ("heading", "Source"),
        ("text", f"{provenance.title}. {provenance.source}".strip()),
        ("heading", "Date"),
        ("text", f"Built on {built.astimezone(dt.UTC):%d %B %Y} from the questionnaire and answers "
                 "named in the report's colophon."
                 + (f" The study was published {q.survey.published}." if q.survey.published else "")),
        ("heading", "Contact"),
        ("text", q.survey.contact or (f"The organisations that ran the survey: {organisations}." if organisations
                                      else "Not given in the questionnaire.")),
    ]
    if provenance.reconstructed:
        lines += [("heading", "Caveat"),
                  ("text", "These figures come from RECONSTRUCTED answers, not the study's original data. "
                           + q.survey.provenance_note + note_markers(["reconstructed"], numbers))]
    lines += [("heading", "Using these tables"),
              ("text", "The Contents sheet lists every table, with a link to each. Notes that tables cite as "
                       "[note n] are in the Notes sheet. [c] marks a suppressed figure, [x] a cell with no figure.")]
    for row, (style, text) in enumerate(lines, start=1):
        cell = sheet.cell(row=row, column=1, value=_cell(text))
        cell.font = Font(bold=style != "text", size={"title": 16, "heading": 13}.get(style, 11))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 100


def _contents(sheet, tables: list[SheetTable], numbers: dict[str, int]) -> None:
    sheet.cell(row=1, column=1, value="Contents").font = Font(bold=True, size=15)
    sheet.cell(row=2, column=1, value=f"This worksheet contains one table of {len(tables)} rows, one for "
                                      "each table in this workbook.")
    rows = [(t.name, t.title, note_markers(t.notes, numbers).strip() or "None") for t in tables]
    body = _write_table(sheet, 3, ("Sheet name", "Table title", "Notes"), rows, "table_contents")
    for index, table in enumerate(tables, start=4):
        cell = sheet.cell(row=index, column=1)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{table.name}'!A1", display=table.name)
        cell.font = Font(color="0563C1", underline="single")
    _fit_columns(sheet, 3, [None] * 3, body)


def _notes(sheet, notes: list[Note]) -> None:
    sheet.cell(row=1, column=1, value="Notes").font = Font(bold=True, size=15)
    sheet.cell(row=2, column=1, value=f"This worksheet contains one table of {len(notes)} notes; tables cite "
                                      "them as [note n].")
    rows = [(f"note {index}", _cell(note.text)) for index, note in enumerate(notes, start=1)]
    _write_table(sheet, 3, ("Note number", "Note text"), rows, "table_notes")
    for row in sheet.iter_rows(min_row=4, min_col=2, max_col=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 100


def _table_sheet(sheet, table: SheetTable, numbers: dict[str, int]) -> None:
    sheet.cell(row=1, column=1, value=_cell(table.title + note_markers(table.notes, numbers))).font = Font(
        bold=True, size=15)
    sheet.cell(row=2, column=1, value=f"This worksheet contains one table of {len(table.rows)} rows. Notes are in "
                                      "the Notes sheet; [c] marks a suppressed figure, [x] a cell with no figure.")
    headers = [_with_numbers(c.header, numbers) for c in table.columns]
    body = _write_table(sheet, 3, headers, table.rows, f"table_{table.name.lower()}")
    for index, column in enumerate(table.columns):
        number_format = FORMATS.get(column.kind)
        if number_format:
            _format_column([cells[index] for cells in body], number_format)
    _fit_columns(sheet, 3, [c.kind for c in table.columns], body)


def _format_column(cells: list[Cell], number_format: str) -> None:
    """Numbers in the format, every filled cell aligned right.

    The Estimates sheet has tens of thousands of cells: each style is set once through openpyxl
    and its style array copied to the cells that share it, which is what setting it on each
    would store, at a fraction of the cost.
    """
    styled: dict[bool, StyleArray] = {}
    for cell in cells:
        if cell.value is None:
            continue
        is_number = isinstance(cell.value, (int, float))
        if is_number in styled:
            cell._style = copy(styled[is_number])
            continue
        if is_number:
            cell.number_format = number_format
        cell.alignment = RIGHT
        styled[is_number] = cell._style


def _write_table(sheet, header_row: int, headers, rows, name: str) -> list[list[Cell]]:
    """Headers and rows from `header_row` down, marked as an Excel table, the header row frozen; the body's cells."""
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(row=header_row, column=column, value=_cell(header))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    body = [[Cell(sheet, value=_cell(value)) for value in record] for record in rows]
    for cells in body:  # appended below the header, which is the sheet's last row so far
        sheet.append(cells)
    last = f"{get_column_letter(len(headers))}{header_row + max(len(rows), 1)}"
    table = Table(displayName=name, ref=f"A{header_row}:{last}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
    sheet.add_table(table)
    sheet.freeze_panes = f"A{header_row + 1}"
    return body


def _fit_columns(sheet, header_row: int, kinds, body: list[list[Cell]]) -> None:
    """Each column as wide as its longest value (headers wrap at the widest), within limits."""
    for index, kind in enumerate(kinds, start=1):
        letter = get_column_letter(index)
        longest = 0
        for cells in body:
            value = cells[index - 1].value if index <= len(cells) else None
            length = 8 if kind in FORMATS and isinstance(value, (int, float)) else len(str(value or ""))
            longest = max(longest, length)
        header = str(sheet.cell(row=header_row, column=index).value or "")
        longest = max(longest, min(len(header), 24), max((len(w) for w in header.split()), default=0))
        sheet.column_dimensions[letter].width = max(NARROWEST, min(WIDEST, longest + 2))


def _cell(value):
    """A value as a cell holds it: a blank for NaN, a Python number for a NumPy one, text made safe."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return _cell(value.item())
    if isinstance(value, str):
        return workbook_text(value)
    return value


def _fixed_zip(data: bytes, moment: dt.datetime) -> bytes:
    """The same archive with every member's timestamp fixed, so equal inputs give equal bytes."""
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>" + stamp + rb"\g<2>", content)
            target.writestr(fixed, content)
    return out.getvalue()
