"""Answer scales of any length get distinct, ordered colours, and their charts render."""

from __future__ import annotations

import base64
import itertools
import re

import numpy as np
import pytest

from pipeline.report.charts import likert_chart

SIZES = range(1, 8)
# CIELAB distance (CIE76) two colours of one chart must be apart; about 2.3 is just noticeable.
DISTINCT = 5.0


def _lab(colour: str) -> np.ndarray:
    from pipeline.report.palette import lab

    return lab(colour)


def _lightness(colours: list[str]) -> list[float]:
    return [float(_lab(c)[0]) for c in colours]


def _distance(a: str, b: str) -> float:
    return float(np.linalg.norm(_lab(a) - _lab(b)))


@pytest.mark.parametrize("count", SIZES)
def test_each_side_has_count_colours_ordered_by_lightness(count):
    from pipeline.report.palette import negative_colours, neutral_colours, positive_colours

    negative, neutral, positive = negative_colours(count), neutral_colours(count), positive_colours(count)
    assert len(negative) == len(neutral) == len(positive) == count
    # Darkest at the extreme answer: lighter towards the middle on the left, darker outwards on the right.
    assert np.all(np.diff(_lightness(negative)) > 0) or count == 1
    assert np.all(np.diff(_lightness(positive)) < 0) or count == 1
    assert np.all(np.diff(_lightness(neutral)) > 0) or count == 1


def test_every_colour_of_a_chart_is_distinct_for_any_sizes():
    from pipeline.report.palette import negative_colours, neutral_colours, positive_colours

    for sizes in itertools.product(SIZES, range(0, 8), SIZES):
        colours = negative_colours(sizes[0]) + neutral_colours(sizes[1]) + positive_colours(sizes[2])
        closest = min(_distance(a, b) for a, b in itertools.combinations(colours, 2))
        assert closest >= DISTINCT, (sizes, closest)


def test_the_sizes_charts_have_used_keep_their_colours_where_they_have_3_to_1_against_white():
    from pipeline.report.palette import negative_colours, neutral_colours, positive_colours

    # ColorBrewer's pale classes (#fdb863, #b2abd2, #d8daeb, #d9d9d9) are darkened; the dark ones stay
    assert negative_colours(1) == ["#e66101"] and positive_colours(1) == ["#5e3c99"]
    assert positive_colours(2)[1] == "#5e3c99" and positive_colours(3)[2] == "#542788"
    assert negative_colours(4)[0] == "#7f3b08" and positive_colours(4)[3] == "#2d004b"
    assert "#fdb863" not in negative_colours(2) + negative_colours(3) and "#d9d9d9" not in neutral_colours(1)
    assert neutral_colours(0) == []


@pytest.mark.parametrize("count", SIZES)
def test_a_chart_with_count_categories_a_side_renders_distinct_colours(count):
    def side(name: str, size: int) -> list[tuple[str, float]]:
        return [(f"{name} {i}", 1 / (3 * size)) for i in range(size)]

    items = [{"label": f"Item {i}", "negative": side("against", count), "neutral": side("neither", count),
              "positive": side("for", count)} for i in range(2)]
    chart = likert_chart("Scale", items)
    svg = base64.b64decode(chart.uri.split(",", 1)[1]).decode()
    fills = set(re.findall(r"fill: (#[0-9a-f]{6})", svg)) - {"#ffffff", "#000000", "#333333"}
    assert len(fills) == 3 * count  # one colour per category: bars and legend agree
    closest = min(_distance(a, b) for a, b in itertools.combinations(sorted(fills), 2))
    assert closest >= DISTINCT
    assert f"for {count - 1}" in svg and "Item 1:" in chart.alt
