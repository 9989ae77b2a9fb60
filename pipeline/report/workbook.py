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

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from pipeline.cell_safety import visible_text, workbook_text
from pipeline.report.sheet_xml import Styles, rows_xml
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
_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?"/>')


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
    bodies = {}
    for table in tables:
        sheet = book.create_sheet(table.name)
        bodies[sheet] = (_table_sheet(sheet, table, numbers), f"A1:{get_column_letter(len(table.columns))}"
                                                                f"{3 + len(table.rows)}")
    moment = built.astimezone(dt.UTC).replace(tzinfo=None)
    book.properties.created = book.properties.modified = moment
    book.properties.title = visible_text(results.questionnaire.survey.title)
    book.properties.creator = book.properties.lastModifiedBy = "survey-pipeline"
    book.properties.language = "en-GB"
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed_zip(buffer.getvalue(), moment, {sheet.path.lstrip("/"): body for sheet, body in bodies.items()})


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
    _fit_columns(sheet, 3, [None] * 3, [[cell.value for cell in cells] for cells in body])


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


def _table_sheet(sheet, table: SheetTable, numbers: dict[str, int]) -> bytes:
    """The sheet's title, note and header row; its body rows as worksheet XML, for `_fixed_zip` to put in."""
    sheet.cell(row=1, column=1, value=_cell(table.title + note_markers(table.notes, numbers))).font = Font(
        bold=True, size=15)
    sheet.cell(row=2, column=1, value=f"This worksheet contains one table of {len(table.rows)} rows. Notes are in "
                                      "the Notes sheet; [c] marks a suppressed figure, [x] a cell with no figure.")
    headers = [_with_numbers(c.header, numbers) for c in table.columns]
    _write_header(sheet, 3, headers, len(table.rows), f"table_{table.name.lower()}")
    values = [[_cell(value) for value in record] for record in table.rows]
    _fit_columns(sheet, 3, [c.kind for c in table.columns], values)
    return rows_xml(values, 4, [_column_styles(sheet, FORMATS.get(c.kind)) for c in table.columns])


def _column_styles(sheet, number_format: str | None) -> Styles:
    """The style ids of a column's numbers (in its format, aligned right) and of its other values (aligned right).

    A column without a number format has neither.
    """
    if number_format is None:
        return None, None
    number, other = Cell(sheet), Cell(sheet)  # never placed on the sheet: they register the styles
    number.number_format = number_format
    number.alignment = other.alignment = RIGHT
    return number.style_id, other.style_id


def _write_header(sheet, header_row: int, headers, rows: int, name: str) -> None:
    """The header row at `header_row`, the table below it marked as an Excel table, the header row frozen.

    The table is given its columns (what openpyxl would name them, from the header cells) and
    its filter: without them openpyxl reads the header from the sheet on saving, making an
    empty cell at every position of the table, whose body is written as XML instead.
    """
    names = []
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(row=header_row, column=column, value=_cell(header))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
        names.append(TableColumn(id=column, name=str(cell.value)))
    ref = f"A{header_row}:{get_column_letter(len(headers))}{header_row + max(rows, 1)}"
    table = Table(displayName=name, ref=ref, autoFilter=AutoFilter(ref=ref), tableColumns=names)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
    sheet.add_table(table)
    sheet.freeze_panes = f"A{header_row + 1}"


def _write_table(sheet, header_row: int, headers, rows, name: str) -> list[list[Cell]]:
    """Headers and rows from `header_row` down, marked as an Excel table, the header row frozen; the body's cells."""
    _write_header(sheet, header_row, headers, len(rows), name)
    body = [[Cell(sheet, value=_cell(value)) for value in record] for record in rows]
    for cells in body:  # appended below the header, which is the sheet's last row so far
        sheet.append(cells)
    return body


def _fit_columns(sheet, header_row: int, kinds, rows: list[list]) -> None:
    """Each column as wide as its longest value (headers wrap at the widest), within limits."""
    for index, kind in enumerate(kinds, start=1):
        letter = get_column_letter(index)
        longest = 0
        for values in rows:
            value = values[index - 1] if index <= len(values) else None
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


def _fixed_zip(data: bytes, moment: dt.datetime, bodies: dict[str, tuple[bytes, str]]) -> bytes:
    """The same archive with every member's timestamp fixed, so equal inputs give equal bytes, and each
    table sheet's body rows (`bodies`: its XML and the sheet's full extent, by member name) put in."""
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
            if info.filename in bodies:
                content = _with_body(content, *bodies[info.filename])
            target.writestr(fixed, content)
    return out.getvalue()


def _with_body(sheet: bytes, rows: bytes, extent: str) -> bytes:
    """A saved sheet with `rows` after the rows it has (title, note, header) and its extent widened to `extent`."""
    if sheet.count(b"</sheetData>") != 1 or len(_DIMENSION.findall(sheet)) != 1:
        raise ValueError("a saved worksheet without exactly one sheetData and one dimension")
    sheet = _DIMENSION.sub(b'<dimension ref="' + extent.encode("ascii") + b'"/>', sheet)
    return sheet.replace(b"</sheetData>", rows + b"</sheetData>")
