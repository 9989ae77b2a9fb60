"""Charts are SVG with alt text made from their own numbers; a suppressed figure draws no value."""

import base64

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
