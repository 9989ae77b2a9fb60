"""Header cells scoped in the structure tree, dates set to the build's, same input same bytes."""

import datetime as dt
import io

import pikepdf
import pytest

from pipeline.report.render import render_pdf
from pipeline.report.tagged_pdf import finish_pdf

MOMENT = dt.datetime(2024, 3, 5, 6, 7, 8, tzinfo=dt.UTC)
PAGE = """<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Scopes</title>
<meta name="dcterms.created" content="2009-02-04"></head><body><main><h1>Scopes</h1>
<table><caption>Shares</caption>
<thead><tr><th scope="col">Measure</th><th scope="col">%</th></tr></thead>
<tbody><tr><th scope="row">Agrees</th><td>50%</td></tr><tr><th scope="row">Disagrees</th><td>40%</td></tr></tbody>
</table></main></body></html>"""


@pytest.fixture(scope="module")
def finished() -> bytes:
    return finish_pdf(render_pdf(PAGE), MOMENT)


def headers(pdf: pikepdf.Pdf) -> list[tuple[str, str | None]]:
    """(text-less) TH elements with the section holding them and their /Scope, in tree order."""
    found = []

    def walk(element, section):
        if isinstance(element, pikepdf.Array):
            for child in element:
                walk(child, section)
        elif isinstance(element, pikepdf.Dictionary) and "/S" in element:
            role = str(element.S)
            if role == "/TH":
                attributes = element.get("/A")
                scope = attributes.get("/Scope") if isinstance(attributes, pikepdf.Dictionary) else None
                found.append((section, None if scope is None else str(scope)))
            if "/K" in element:
                walk(element.K, role if role in ("/THead", "/TBody") else section)

    walk(pdf.Root.StructTreeRoot.K, None)
    return found


def test_weasyprint_alone_writes_no_scope():
    """The gap this module fills; if WeasyPrint starts writing /Scope, this module may go."""
    assert all(scope is None for _, scope in headers(pikepdf.open(io.BytesIO(render_pdf(PAGE)))))


def test_column_headers_and_row_headers_are_scoped(finished):
    assert headers(pikepdf.open(io.BytesIO(finished))) == [
        ("/THead", "/Column"), ("/THead", "/Column"), ("/TBody", "/Row"), ("/TBody", "/Row")]


def test_dates_are_the_build_moment_in_the_information_dictionary_and_the_xmp(finished):
    pdf = pikepdf.open(io.BytesIO(finished))
    assert str(pdf.docinfo.CreationDate) == str(pdf.docinfo.ModDate) == "D:20240305060708+00'00'"
    xmp = pdf.Root.Metadata.read_bytes().decode()
    assert "2009" not in xmp and xmp.count("2024-03-05T06:07:08+00:00") == 2


def test_the_same_pdf_and_moment_give_the_same_bytes(finished):
    assert finish_pdf(render_pdf(PAGE), MOMENT) == finished


def test_an_existing_table_attribute_dictionary_is_kept_and_extended():
    pdf = pikepdf.new()
    cell = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.TH,
                                                A=pikepdf.Array([pikepdf.Dictionary(O=pikepdf.Name.Layout)])))
    pdf.Root.StructTreeRoot = pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot, K=pikepdf.Array([cell]))
    buffer = io.BytesIO()
    pdf.save(buffer)
    finished = pikepdf.open(io.BytesIO(finish_pdf(buffer.getvalue(), MOMENT)))
    attributes = finished.Root.StructTreeRoot.K[0].A
    assert [str(a.O) for a in attributes] == ["/Layout", "/Table"] and attributes[1].Scope == "/Row"
