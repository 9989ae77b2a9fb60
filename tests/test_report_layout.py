"""The printed report's layout, measured on WeasyPrint's laid-out pages (what the PDF prints).

No text may run off a page's printable area (a wide table once cut "Master's degree" to
"Maste"), the study's report fits in 20 pages, and no page but the cover and the last is
less than a third full. Each survey's report is laid out once per test session.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from weasyprint.formatting_structure import boxes

from pipeline.report.context import build_context
from pipeline.report.render import render_document, render_html
from pipeline.run import analyse

ROOT = Path(__file__).resolve().parents[1]
SURVEYS = ("fitter_for_the_future", "anes96")
MAX_STUDY_PAGES = 20
MIN_FILL = 1 / 3
TOLERANCE = 0.5  # CSS px: rounding in the layout


@pytest.fixture(scope="session", params=SURVEYS)
def laid_out(request):
    name = request.param
    results = analyse(ROOT / "questionnaires" / f"{name}.yaml", ROOT / "raw" / f"{name}.csv", "test")
    return name, render_document(render_html(build_context(results)))


def printable_area(page) -> tuple[float, float, float, float]:
    """Left, top, right and bottom of the page's content box, in CSS px."""
    box = page._page_box
    left, top = box.content_box_x(), box.content_box_y()
    return left, top, left + box.width, top + box.height


def body_boxes(page):
    """Every text and image box of the page's body (not the running footer in its margins)."""
    def walk(box):
        if isinstance(box, boxes.MarginBox):
            return
        if isinstance(box, (boxes.TextBox, boxes.ReplacedBox)):
            yield box
        for child in getattr(box, "children", ()):
            yield from walk(child)
    yield from walk(page._page_box)


def outside(page) -> list[str]:
    """The texts (or images) that reach past the printable area."""
    left, top, right, bottom = printable_area(page)
    found = []
    for box in body_boxes(page):
        x, y = box.position_x, box.position_y
        width, height = box.margin_width(), box.margin_height()
        if x < left - TOLERANCE or y < top - TOLERANCE or x + width > right + TOLERANCE \
                or y + height > bottom + TOLERANCE:
            found.append(getattr(box, "text", type(box).__name__))
    return found


def fill(page) -> float:
    """How far down the printable area the page's content reaches, from 0 (empty) to 1."""
    _, top, _, bottom = printable_area(page)
    lowest = max((box.position_y + box.margin_height() for box in body_boxes(page)), default=top)
    return (lowest - top) / (bottom - top)


def test_no_text_runs_off_a_page(laid_out):
    name, document = laid_out
    off = {number: texts for number, page in enumerate(document.pages, 1) if (texts := outside(page))}
    assert not off, f"{name}: text beyond the printable area, by page: {off}"


def test_no_page_but_the_cover_and_the_last_is_under_a_third_full(laid_out):
    name, document = laid_out
    fills = [fill(page) for page in document.pages]
    sparse = {number: f"{f:.0%}" for number, f in enumerate(fills[1:-1], 2) if f < MIN_FILL}
    assert not sparse, f"{name}: nearly empty pages: {sparse}"


def test_the_study_fits_in_twenty_pages(laid_out):
    name, document = laid_out
    if name != "fitter_for_the_future":
        pytest.skip("the page limit is the study's")
    assert len(document.pages) <= MAX_STUDY_PAGES


def test_the_checks_see_a_table_too_wide_for_the_page():
    """The overflow check can fail: a table of unbreakable words is wider than A4."""
    html = render_html_fragment("<table><tr>" + "".join(f"<td>{'Master' * 6}{i}</td>" for i in range(8))
                                + "</tr></table><p>Short.</p>")
    document = render_document(html)
    assert outside(document.pages[0])


def test_fill_sees_a_nearly_empty_page():
    document = render_document(render_html_fragment("<p>One line.</p>"))
    assert fill(document.pages[0]) < 0.1


def render_html_fragment(body: str) -> str:
    """A page in the report's own stylesheet, holding `body`."""
    from pipeline.report.render import _stylesheet

    return f"<!DOCTYPE html><html lang='en-GB'><head><style>{_stylesheet()}</style></head><body>{body}</body></html>"
