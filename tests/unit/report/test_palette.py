"""Scale colours: textbook CIELAB values, ramps through their anchors, a distinct colour per category."""

import numpy as np
import pytest

from pipeline.report.palette import (
    NEGATIVE_RAMP,
    hex_colour,
    lab,
    negative_colours,
    neutral_colours,
    positive_colours,
    ramp,
)


def test_cielab_of_white_black_and_red():
    assert lab("#ffffff") == pytest.approx([100, 0, 0], abs=0.01)
    assert lab("#000000") == pytest.approx([0, 0, 0], abs=1e-9)
    assert lab("#ff0000") == pytest.approx([53.24, 80.09, 67.20], abs=0.01)  # sRGB red, D65


def test_hex_and_lab_round_trip():
    for colour in ("#7f3b08", "#d8daeb", "#969696"):
        assert hex_colour(lab(colour)) == colour


def test_a_ramp_starts_and_ends_at_its_anchors():
    colours = ramp(NEGATIVE_RAMP, 7)
    assert colours[0] == NEGATIVE_RAMP[0] and colours[-1] == NEGATIVE_RAMP[-1] and len(set(colours)) == 7
    assert ramp(NEGATIVE_RAMP, 0) == []


@pytest.mark.parametrize("count", [4, 5, 6, 8])
def test_each_side_is_distinct_and_ordered_by_lightness(count):
    negative = [lab(c)[0] for c in negative_colours(count)]
    positive = [lab(c)[0] for c in positive_colours(count)]
    assert np.all(np.diff(negative) > 0)  # darkest at the most negative answer
    assert np.all(np.diff(positive) < 0)  # darkest at the most positive answer
    assert len(set(neutral_colours(count))) == count


def test_small_scales_keep_their_colours():
    assert negative_colours(2) == ["#e66101", "#fdb863"] and positive_colours(1) == ["#5e3c99"]
    assert neutral_colours(1) == ["#d9d9d9"]
