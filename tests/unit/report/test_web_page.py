"""The HTML twin stands alone: fonts inside it, charts inline in the page's font, tables that scroll."""

import base64
import io
import re

import pytest
from fontTools.ttLib import TTFont

from pipeline.report.charts import likert_chart, rate_chart
from pipeline.report.web_page import VIEWPORT, web_page

ITEM = {"label": "Indicators help", "negative": [("Disagree", 0.25)], "neutral": [("Neither", 0.1)],
        "positive": [("Agree", 0.5), ("Strongly agree", 0.15)]}


def page() -> str:
    likert = likert_chart("Views", [ITEM])
    rates = rate_chart("Pressure", [{"label": "Pressured", "estimate": 0.7, "low": 0.6, "high": 0.8, "n": 82}], "95%")
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>Twin</title>
<style>
@font-face {{ font-family: "Report Sans"; src: url("report-asset:fonts/DejaVuSans.ttf"); }}
@font-face {{ font-family: "Report Sans"; src: url("report-asset:fonts/DejaVuSans-Bold.ttf"); font-weight: bold; }}
html {{ font-family: "Report Sans"; }}
</style>
</head>
<body data-footer="x">
<h1>Café survey</h1>
<figure><img src="{likert.uri}" alt="{likert.alt}"><figcaption>Views</figcaption></figure>
<figure><img src="{rates.uri}" alt="{rates.alt}"><figcaption>Rates</figcaption></figure>
<table><caption>Shares &amp; <em>counts</em></caption><thead><tr><th scope="col">A</th></tr></thead>
<tbody><tr><td>1</td></tr></tbody></table>
</body>
</html>
"""


@pytest.fixture(scope="module")
def twin() -> str:
    return web_page(page())


def test_nothing_is_loaded_from_outside_the_page(twin):
    assert "report-asset:" not in twin and "file:" not in twin and "<script" not in twin
    assert "<img" not in twin and "data:image/svg+xml" not in twin


def test_fonts_are_data_uris_cut_down_to_the_characters_used(twin):
    uris = re.findall(r'url\("data:font/woff;base64,([A-Za-z0-9+/=]+)"\)', twin)
    assert len(uris) == 2
    font = TTFont(io.BytesIO(base64.b64decode(uris[0])))
    characters = set(chr(c) for c in font.getBestCmap())
    assert {"é", "C", "%", "7"} <= characters and "Ж" not in characters


def test_charts_are_inline_images_named_by_their_alt_text_in_the_page_font(twin):
    labels = re.findall(r'<svg role="img" aria-label="([^"]+)"', twin)
    assert [label.split(".")[0] for label in labels] == ["Views", "Pressure"]
    assert "Report Sans" in twin[twin.index("<svg"):] and "DejaVu Sans" not in twin
    ids = re.findall(r'\bid="([^"]+)"', twin)
    assert ids and len(ids) == len(set(ids))  # no two charts share an id
    for reference in re.findall(r"url\(#([^)]+)\)", twin):
        assert reference in ids


def test_tables_scroll_in_a_focusable_box_named_by_their_caption(twin):
    assert '<div class="table-scroll" role=region tabindex="0" aria-label="Shares &amp; counts"><table>' in twin


def test_a_phone_sees_the_page_at_its_width_with_a_main_landmark(twin):
    assert VIEWPORT in twin and twin.count("<main>") == twin.count("</main>") == 1
    assert twin.index("<main>") < twin.index("<h1>") and twin.index("</table>") < twin.index("</main>")
    assert "@media screen" in twin[:twin.index("</style>")]


def test_the_same_page_gives_the_same_bytes(twin):
    assert web_page(page()) == twin
