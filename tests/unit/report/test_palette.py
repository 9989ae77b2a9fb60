"""Scale colours: textbook CIELAB values, ramps through their anchors, a distinct colour per category."""

import numpy as np
import pytest

from pipeline.report.charts import RATE_COLOUR
from pipeline.report.palette import (
    NEGATIVE_RAMP,
    contrast_with_white,
    hex_colour,
    lab,
    legible,
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


def test_small_scales_keep_their_colours_where_they_are_legible_on_white():
    assert negative_colours(1) == ["#e66101"] and positive_colours(1) == ["#5e3c99"]
    assert positive_colours(2)[1] == "#5e3c99"  # the pale partner is darkened, this one kept
    assert neutral_colours(1) != ["#d9d9d9"]  # ColorBrewer's pale grey has 1.4:1 against white


@pytest.mark.parametrize("count", range(1, 9))
def test_every_chart_colour_has_three_to_one_against_white(count):
    colours = negative_colours(count) + neutral_colours(count) + positive_colours(count) + [RATE_COLOUR]
    assert min(contrast_with_white(c) for c in colours) >= 3.0
    assert len(set(negative_colours(count))) == len(set(positive_colours(count))) == count


def test_contrast_ratio_of_known_colours():
    assert contrast_with_white("#000000") == pytest.approx(21.0)
    assert contrast_with_white("#767676") == pytest.approx(4.54, abs=0.01)  # the lightest grey for text
    assert contrast_with_white("#ffffff") == pytest.approx(1.0)


def test_legible_colours_are_new_lists_the_caller_may_change():
    """Worked out once per process, each answer is still a list of its own."""
    pale = ["#f0f0f0", "#e0e0e0", "#d0d0d0"]
    first = legible(pale)
    assert all(contrast_with_white(c) >= 3 for c in first) and first != pale
    first.append("#000000")
    assert legible(pale) == first[:3] and legible(list(pale)) is not legible(list(pale))
