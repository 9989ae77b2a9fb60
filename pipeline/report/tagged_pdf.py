"""What WeasyPrint's PDF/UA output lacks, added afterwards with pikepdf.

WeasyPrint tags table header cells as TH but writes no /Scope, so a screen reader cannot
tell a column header from a row header. Here every TH inside a THead is scoped Column and
every other TH Row, which is how the report's templates use <th scope>. The document's
dates (information dictionary and XMP) are set to the build's moment. pikepdf writes the
file with an identifier derived from its content and no clock, so the same input gives the
same bytes.
"""

from __future__ import annotations

import datetime as dt
import io

import pikepdf

COLUMN, ROW = pikepdf.Name("/Column"), pikepdf.Name("/Row")


def finish_pdf(data: bytes, moment: dt.datetime) -> bytes:
    """The PDF with its header cells scoped and its dates set to `moment` (UTC)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        root = pdf.Root
        if "/StructTreeRoot" in root:
            _scope_headers(root.StructTreeRoot.get("/K"), in_head=False)
        _set_dates(pdf, moment.astimezone(dt.UTC))
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.preserve)
    return out.getvalue()


def _scope_headers(element, in_head: bool) -> None:
    """Walk the structure tree, scoping each TH by whether a THead holds it."""
    if isinstance(element, pikepdf.Array):
        for child in element:
            _scope_headers(child, in_head)
        return
    if not isinstance(element, pikepdf.Dictionary) or "/S" not in element:
        return
    role = element.S
    if role == "/TH":
        _set_table_attribute(element, "/Scope", COLUMN if in_head else ROW)
    children = element.get("/K")
    if children is not None:
        _scope_headers(children, in_head or role == "/THead")


def _set_table_attribute(element, key: str, value) -> None:
    """Put key = value in the element's Table attribute dictionary (/O /Table), making one if needed."""
    attributes = element.get("/A")
    candidates = list(attributes) if isinstance(attributes, pikepdf.Array) else [attributes]
    for candidate in candidates:
        if isinstance(candidate, pikepdf.Dictionary) and candidate.get("/O") == "/Table":
            candidate[key] = value
            return
    table = pikepdf.Dictionary({"/O": pikepdf.Name("/Table"), key: value})
    if attributes is None:
        element.A = table
    elif isinstance(attributes, pikepdf.Array):
        attributes.append(table)
    else:
        element.A = pikepdf.Array([attributes, table])


def _set_dates(pdf: pikepdf.Pdf, moment: dt.datetime) -> None:
    """Creation and modification dates, in the information dictionary and the XMP metadata."""
    stamp = moment.strftime("D:%Y%m%d%H%M%S+00'00'")
    pdf.docinfo["/CreationDate"] = stamp
    pdf.docinfo["/ModDate"] = stamp
    iso = moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["xmp:CreateDate"] = iso
        meta["xmp:ModifyDate"] = iso
