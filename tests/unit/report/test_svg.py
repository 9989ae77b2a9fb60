"""The charts' SVG writer: text measured in the report's font, the drawing cropped to what is drawn."""

import re

import pytest

from pipeline.report.svg import CLIP_ID, FAMILY, Drawing, text_width


def size(svg: bytes) -> tuple[float, float]:
    match = re.search(rb'width="([\d.]+)pt" height="([\d.]+)pt" viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    assert match.group(1) == match.group(3) and match.group(2) == match.group(4)
    return float(match.group(1)), float(match.group(2))


def test_text_is_measured_with_the_fonts_own_advance_widths():
    # DejaVu Sans: "1" and "0" are 1303 units of 2048, "%" 1946
    assert text_width("100%", 8) == pytest.approx((3 * 1303 + 1946) * 8 / 2048)
    assert text_width("ii", 10) == pytest.approx(2 * text_width("i", 10))
    assert text_width("Wide", 14) == pytest.approx(2 * text_width("Wide", 7))
    assert text_width("\U0010fffd", 8) > 0  # a character the font lacks still takes room


def test_the_drawing_is_cropped_to_its_contents_plus_the_margin():
    drawing = Drawing()
    drawing.rect(100, 50, 20, 10, "#0072b2")
    drawing.line(90, 55, 130, 55, "#000000", 1)
    assert size(drawing.svg(pad=5)) == (40 + 10, 10 + 10)


def test_text_extends_the_crop_by_its_measured_width_on_the_side_its_anchor_leaves_free():
    for anchor, left in (("start", 0.0), ("middle", -0.5), ("end", -1.0)):
        drawing = Drawing()
        drawing.rect(0, 0, 1, 1, "#000000")
        drawing.text(0, 20, "Agree", 10, anchor)
        width = text_width("Agree", 10)
        assert size(drawing.svg(pad=0))[0] == pytest.approx(max(1.0, width * (1 + left)) - min(0.0, width * left),
                                                            abs=0.002), anchor


def test_text_is_escaped_and_set_in_the_report_font():
    drawing = Drawing()
    drawing.text(0, 10, "Tom & Jerry <b>", 8, "end", "#ffffff")
    svg = drawing.svg(pad=1).decode()
    assert ">Tom &amp; Jerry &lt;b&gt;</text>" in svg and "<b>" not in svg
    assert f"font-family: '{FAMILY}'" in svg and "text-anchor: end" in svg and "fill: #ffffff" in svg


def test_lines_are_centred_as_a_block_one_line_spacing_apart():
    drawing = Drawing()
    drawing.lines(0, 100, ["one", "two", "three"], 10, "end")
    baselines = [float(y) for y in re.findall(r'<text x="0" y="([\d.]+)"', drawing.svg(pad=0).decode())]
    assert baselines[1] - baselines[0] == pytest.approx(12) == baselines[2] - baselines[1]
    assert baselines[1] == pytest.approx(100 + 4.3)  # the middle line's baseline just below the centre


def test_clipped_shapes_are_drawn_first_inside_the_plot_area_and_do_not_widen_the_crop():
    drawing = Drawing()
    drawing.clip_to(0, 0, 100, 50)
    drawing.text(10, 20, "label", 8)
    drawing.rect(-500, 10, 1000, 10, "#e66101", clip=True)
    svg = drawing.svg(pad=0).decode()
    assert size(svg.encode()) == (100, 50)
    assert f'<clipPath id="{CLIP_ID}">' in svg
    assert svg.index(f'clip-path="url(#{CLIP_ID})"') < svg.index('<rect x="-500"')
    assert svg.index("#e66101") < svg.index(">label</text>")


def test_coordinates_are_short_and_the_same_calls_give_the_same_bytes():
    def draw() -> bytes:
        drawing = Drawing()
        drawing.rect(1 / 3, -0.0001, 2 / 3, 10, "#000000")
        return drawing.svg(pad=0)

    assert draw() == draw()
    assert b'x="0.333"' in draw() and b"-0\"" not in draw() and b'width="0.667"' in draw()
