"""A table's rows as worksheet XML, written directly: the cells openpyxl would write, without its cell objects.

The Estimates sheet has tens of thousands of cells; making an openpyxl cell for each and
writing it through the XML serialiser was most of the workbook's build. The rows are instead
written here as the `<row>` elements of the sheet's `<sheetData>`, with the bytes openpyxl
writes for each kind of value (numbers to 16 significant digits; text as inline strings, cut
to the 32,767 characters a cell holds, with space kept where it matters and characters beyond
ASCII as references; booleans and error codes typed as such), and `pipeline.report.workbook`
puts them into the saved sheet. An empty cell is left out, as openpyxl leaves it out.
"""

from __future__ import annotations

import math
from functools import cache

from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

MAX_TEXT = 32767  # characters a cell may hold

Styles = tuple[int | None, int | None]  # a column's style ids: for its numbers, and for its other values


@cache
def _letter(column: int) -> str:
    return get_column_letter(column)


def _escaped(text: str) -> str:
    """Text as XML character data, as lxml writes it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def cell_xml(value, reference: str, style: int | None) -> str:
    """One `<c>` element, or "" for an empty cell."""
    if value is None:
        return ""
    styled = f' s="{style}"' if style is not None else ""
    if isinstance(value, bool):
        return f'<c r="{reference}"{styled} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        number = f"{value:.16g}" if math.isfinite(value) else ""
        return f'<c r="{reference}"{styled} t="n"><v>{number}</v></c>'
    if not isinstance(value, str):
        raise TypeError(f"a worksheet cell cannot hold {type(value).__name__} {value!r}")
    value = value[:MAX_TEXT]  # as openpyxl cuts it
    if ILLEGAL_CHARACTERS_RE.search(value):
        raise ValueError(f"a worksheet cell cannot hold the control characters in {value!r}")
    if value in ERROR_CODES:
        return f'<c r="{reference}"{styled} t="e"><v>{value}</v></c>'
    if value == "":
        return f'<c r="{reference}"{styled} t="inlineStr"></c>'
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f'<c r="{reference}"{styled} t="inlineStr"><is><t{space}>{_escaped(value)}</t></is></c>'


def rows_xml(rows: list[list], first_row: int, styles: list[Styles]) -> bytes:
    """`<row>` elements for `rows`, the first numbered `first_row`; each column styled by `styles`."""
    out = []
    for number, values in enumerate(rows, start=first_row):
        cells = []
        for column, value in enumerate(values, start=1):
            numbers_style, others_style = styles[column - 1]
            is_number = isinstance(value, (int, float))
            cells.append(cell_xml(value, f"{_letter(column)}{number}", numbers_style if is_number else others_style))
        out.append(f'<row r="{number}">{"".join(cells)}</row>')
    return "".join(out).encode("ascii", "xmlcharrefreplace")  # beyond ASCII, character references, as lxml writes
