"""Charts are SVG with alt text made from their own numbers; a suppressed figure draws no value."""

import base64
import re

import pytest

from pipeline.report.charts import likert_chart, rate_chart, scale_colours

ITEM = {"label": "Indicators help", "negative": [("Disagree", 0.25)], "neutral": [("Neither", 0.1)],
        "positive": [("Agree", 0.5), ("Strongly agree", 0.15)]}


def svg(chart):
    prefix = "data:image/svg+xml;base64,"
    assert chart.uri.startswith(prefix)
    return base64.b64decode(chart.uri[len(prefix):]).decode()


def test_likert_alt_text_lists_every_share_in_scale_order():
    chart = likert_chart("Views", [ITEM])
    assert chart.alt == ("Views. Diverging bar chart of valid answers. Indicators help: Disagree 25%, Neither 10%, "
                         "Agree 50%, Strongly agree 15%.")
    assert "Report Sans" in svg(chart) and "DejaVu Sans" not in svg(chart)


def test_a_suppressed_item_says_why_instead_of_its_shares():
    chart = likert_chart("Views", [ITEM, {**ITEM, "label": "Small group", "suppressed": "[c] base under 5"}])
    assert chart.alt.endswith("Small group: [c] base under 5.")
    assert ">[c]</text>" in svg(chart)


def test_rate_alt_text_has_estimate_interval_and_base():
    chart = rate_chart("Pressure", [{"label": "Pressured", "estimate": 0.707, "low": 0.6, "high": 0.8, "n": 82}], "90%")
    assert chart.alt == "Pressure. Bar chart with confidence intervals. Pressured: 71% (interval 60% to 80%, n = 82)."
    assert "with 90% confidence interval" in svg(chart)


def test_the_same_numbers_give_the_same_bytes():
    assert likert_chart("Views", [ITEM]).uri == likert_chart("Views", [ITEM]).uri


def test_each_side_gets_one_colour_per_category():
    assert [len(scale_colours(ITEM, side)) for side in ("negative", "neutral", "positive")] == [1, 1, 2]


def test_rate_labels_carry_n_and_stand_beyond_the_whisker():
    chart = rate_chart("T", [{"label": "High", "estimate": 0.9, "low": 0.8, "high": 0.97, "n": 40}], "95%")
    source = svg(chart)
    assert "(n = 40)" in source and ">90%</text>" in source
    # the label is placed at the whisker's upper end plus a gap, in data units: 97 + 1.5, outside any clip
    clipped = source[source.index("<g clip-path="):source.index("</g>")]
    whisker = max(float(x2) for _, y1, x2, y2 in re.findall(r'<line x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" '
                                                           r'y2="([\d.]+)"', clipped) if y1 == y2)
    label = re.search(r'<text x="([\d.]+)"[^>]*>90%</text>', source)
    plot = re.search(r'<clipPath id="[^"]+"><rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', source)
    left, width = float(plot.group(1)), float(plot.group(2))
    x = float(label.group(1))
    assert x == pytest.approx(left + 0.985 * width, abs=0.01) and x > whisker
    assert source.index(">90%</text>") > source.index("</g>")  # drawn after the clipped bars, so never cut


def test_likert_segments_carry_their_percentages_when_wide_enough():
    item = {"label": "Q", "n": 79, "negative": [("No", 0.6)], "neutral": [],
            "positive": [("Yes", 0.35), ("Very", 0.05)]}
    source = svg(likert_chart("T", [item]))
    assert ">60%</text>" in source and ">35%</text>" in source and ">5%</text>" not in source
    assert "(n = 79)" in source
