"""The tables of estimates as an accessible spreadsheet, as the Government Statistical Service advises.

A cover sheet (title, source, provenance), a contents sheet, then one table per sheet, each
with its title in cell A1 and the table starting below it; no merged cells, no blank rows
inside tables, column headers in one row. The bytes are deterministic: fixed document dates
and fixed timestamps inside the zip archive. Every text goes through `pipeline.cell_safety`:
a formula-like text is inert, a control character (which XML cannot hold) a visible escape.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.table import Table, TableStyleInfo

from pipeline.cell_safety import visible_text, workbook_text
from pipeline.numeric_estimates import NUMERIC_METHOD_NAMES
from pipeline.report.context import level_text
from pipeline.stats.intervals import METHOD_NAMES
from pipeline.suppression import MARKER

FIXED = dt.datetime(2000, 1, 1)


def build_workbook(results) -> bytes:
    """estimates, findings and comparisons as an .xlsx workbook."""
    q = results.questionnaire
    sheets = [("Estimates", "Every estimate, by measure, category, subgroup and design variant",
               results.estimates.frame())]
    if len(results.findings):
        sheets.append(("Findings", "Published claims against reproduced figures", results.findings))
    if len(results.comparisons):
        sheets.append(("Comparisons", "Comparisons in the analysis plan, with adjusted p-values", results.comparisons))
    book = Workbook()
    cover = book.active
    cover.title = "Cover"
    lines = [q.survey.title, q.survey.subtitle, "Organisations: " + "; ".join(q.survey.organisations),
             f"Data: {results.provenance.title}"]
    if results.provenance.reconstructed:
        lines.append("These figures come from RECONSTRUCTED answers, not the study's original data. "
                     + q.survey.provenance_note)
    if results.provenance.illustration:
        lines.append(f"Subgroup and weighted figures: {results.provenance.illustration}")
    lines += ["Proportions are between 0 and 1, at full precision; n is the unweighted base. Rows of numeric "
              "questions (column statistic: mean, total, quantile:p, ratio) are in the answers' units.",
              _interval_line(q.analysis.level, results.estimates.methods),
              _suppression_line(q.analysis.suppress_below),
              "The Contents sheet lists the tables."]
    for row, text in enumerate(lines, start=1):
        cover.cell(row=row, column=1, value=_cell(text)).font = Font(bold=row == 1, size=14 if row == 1 else 11)
    contents = book.create_sheet("Contents")
    contents.append(["Sheet", "Table"])
    for name, title, _ in sheets:
        contents.append([_cell(name), _cell(title)])
    contents["A1"].font = contents["B1"].font = Font(bold=True)
    for _index, (name, title, frame) in enumerate(sheets, start=1):
        sheet = book.create_sheet(name)
        sheet.cell(row=1, column=1, value=_cell(title)).font = Font(bold=True, size=13)
        sheet.append([_cell(c) for c in frame.columns])
        for record in frame.itertuples(index=False):
            sheet.append([_cell(v) for v in record])
        last = sheet.cell(row=sheet.max_row, column=len(frame.columns)).coordinate
        table = Table(displayName=f"table_{name.lower()}", ref=f"A2:{last}")
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
        sheet.add_table(table)
    book.properties.created = book.properties.modified = FIXED
    book.properties.title = visible_text(q.survey.title)
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _interval_line(level: float, methods: tuple[str, ...]) -> str:
    """The confidence level and the interval methods the estimates use, as the analysis plan set them."""
    names = {**METHOD_NAMES, **NUMERIC_METHOD_NAMES}
    named = [f"{names[m]} ({m})" for m in dict.fromkeys(methods) if m in names]
    return f"Intervals are {level_text(level)} confidence intervals, by method (column ci_method): {'; '.join(named)}."


def _suppression_line(threshold: int) -> str:
    """How suppressed figures look here, where the report prints [c]."""
    return (f"Figures on a base of fewer than {threshold} are suppressed: the value is left blank and the note "
            f"column says {MARKER}.")


def _cell(value):
    """A value as a cell holds it: a blank for NaN, a Python number for a NumPy one, text made safe."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return _cell(value.item())
    if isinstance(value, str):
        return workbook_text(value)
    return value


def _fixed_zip(data: bytes) -> bytes:
    """The same archive with every member's timestamp fixed, so equal inputs give equal bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>2000-01-01T00:00:00Z\g<2>", content)
            target.writestr(fixed, content)
    return out.getvalue()
