"""Charts as SVG with real text, each with alt text generated from its own numbers.

Two kinds: diverging stacked bars for ordered scales (disagreement to the left of zero,
agreement to the right, the neutral category centred on zero, "don't know" and blanks
reported apart in the alt text and table), and bars with interval whiskers for rates. The
palette is colour-blind safe (ColorBrewer PuOr for scales, with a ramp per side for any number
of categories, see `palette`; Okabe-Ito blue for rates). A figure whose base is under the
publication threshold is drawn as the marker [c], without a bar, and its alt text says why.
Output is deterministic: no dates, fixed element ids. The SVG is written directly (`svg`), laid
out as the report's charts have always been: a 6.3-inch figure whose plot area takes the same
share of it, 8-point axis text, cropped to what is drawn with a 0.1-inch margin.
"""

from __future__ import annotations

import base64
import textwrap
from dataclasses import dataclass

from pipeline.report.palette import negative_colours, neutral_colours, positive_colours
from pipeline.report.svg import ASCENT, DESCENT, Drawing, text_width
from pipeline.suppression import MARKER

RATE_COLOUR = "#0072b2"
SEGMENT_LABEL_FROM = 0.07  # a diverging segment narrower than this share has no room for its percentage
SIDES = ("negative", "neutral", "positive")

INCH = 72.0
FIGURE_WIDTH = 6.3 * INCH
PLOT_LEFT, PLOT_RIGHT, PLOT_BOTTOM, PLOT_TOP = 0.125, 0.9, 0.11, 0.88  # of the figure, from its bottom left
MARGIN = 0.1 * INCH  # around everything drawn
AXIS_TEXT, LEGEND_TEXT, SEGMENT_TEXT, VALUE_TEXT = 8.0, 7.0, 6.0, 7.0  # points
TICK, TICK_PAD, LINE = 3.5, 3.5, 0.8
INK, ZERO_LINE = "#000000", "#333333"
CAP = 3.0  # a whisker's cap reaches this far above and below it
X_LABEL_BELOW = 25.079  # the axis title's baseline below the plot area: under the tick labels, 4 pt apart


@dataclass(frozen=True)
class Chart:
    """An SVG chart, as a data URI for an <img>, with its alt text."""

    uri: str
    alt: str


@dataclass(frozen=True)
class Plot:
    """The plot area in points (y down) and the data ranges it shows; rows are numbered from the bottom."""

    left: float
    top: float
    width: float
    height: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def x(self, value: float) -> float:
        low, high = self.x_range
        return self.left + (value - low) / (high - low) * self.width

    def y(self, row: float) -> float:
        low, high = self.y_range
        return self.bottom - (row - low) / (high - low) * self.height

    def span(self, rows: float) -> float:
        """Points taken by `rows` rows of the y axis."""
        low, high = self.y_range
        return rows / (high - low) * self.height


def plot_area(height_inches: float, rows: int, bar_height: float, x_range: tuple[float, float]) -> Plot:
    """The plot area of a figure `height_inches` tall with `rows` bars, 5% of the bars' extent spare above and below."""
    height = height_inches * INCH
    extent = rows - 1 + bar_height
    spare = 0.05 * extent
    return Plot(PLOT_LEFT * FIGURE_WIDTH, (1 - PLOT_TOP) * height, (PLOT_RIGHT - PLOT_LEFT) * FIGURE_WIDTH,
                (PLOT_TOP - PLOT_BOTTOM) * height, x_range,
                (-bar_height / 2 - spare, rows - 1 + bar_height / 2 + spare))


def _axes(drawing: Drawing, plot: Plot, ticks: list[tuple[float, str]], title: str, labels: list[str]) -> None:
    """Tick marks and labels on both axes, the x axis's title, and the left and bottom spines."""
    for value, text in ticks:
        x = plot.x(value)
        drawing.line(x, plot.bottom, x, plot.bottom + TICK, INK, LINE)
        drawing.text(x, plot.bottom + TICK + TICK_PAD + ASCENT * AXIS_TEXT, text, AXIS_TEXT, "middle")
    drawing.text(plot.left + plot.width / 2, plot.bottom + X_LABEL_BELOW, title, AXIS_TEXT, "middle")
    for row, label in enumerate(labels):
        y = plot.y(row)
        drawing.line(plot.left, y, plot.left - TICK, y, INK, LINE)
        drawing.lines(plot.left - TICK - TICK_PAD, y, label.split("\n"), AXIS_TEXT, "end")
    drawing.line(plot.left, plot.bottom, plot.left, plot.top, INK, LINE, square=True)
    drawing.line(plot.left, plot.bottom, plot.left + plot.width, plot.bottom, INK, LINE, square=True)


def _middle_baseline(y: float, size: float) -> float:
    """The baseline of one line of text whose box is centred on `y`."""
    return y + (ASCENT - DESCENT) / 2 * size


def _finish(drawing: Drawing) -> str:
    svg = drawing.svg(MARGIN)
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def likert_chart(title: str, items: list[dict], subtitle: str = "") -> Chart:
    """Diverging bars: each item has 'label', 'negative', 'neutral', 'positive' lists of (label, share).

    An item with a 'suppressed' text (its base is under the publication threshold) is drawn as
    the marker alone, and its alt text gives that text instead of the shares. An item's 'n', when
    given, is printed after its label; each segment wide enough to hold it carries its percentage.
    """
    labels = [_item_label(i["label"], i.get("n"), 34) for i in reversed(items)]
    plot = plot_area(0.5 + _rows_height(labels, 0.45), len(items), 0.6, (-100, 100))
    drawing = Drawing()
    drawing.clip_to(plot.left, plot.top, plot.width, plot.height)
    # behind the bars, so it crosses no label
    drawing.line(plot.x(0), plot.bottom, plot.x(0), plot.top, ZERO_LINE, LINE, square=True, clip=True)
    for row, item in enumerate(reversed(items)):
        if not item.get("suppressed"):
            _diverging_bar(drawing, plot, row, item)
    _axes(drawing, plot, [(-100, "100%"), (-50, "50%"), (0, "0"), (50, "50%"), (100, "100%")],
          "\u2190 negative answers      share of valid answers      positive answers \u2192", labels)
    for row, item in enumerate(reversed(items)):
        if item.get("suppressed"):
            drawing.text(plot.x(1), _middle_baseline(plot.y(row), VALUE_TEXT), MARKER, VALUE_TEXT)
        else:
            _segment_labels(drawing, plot, row, item)
    first = items[0]
    keys = [(label, colour) for side in SIDES
            for (label, _), colour in zip(first[side], scale_colours(first, side), strict=True)]
    _legend(drawing, keys, plot.x(-100 + 0.4 * 200), plot.bottom + (0.35 + 0.1 / len(items)) * plot.height)
    alt = (f"{title}. {subtitle + '. ' if subtitle else ''}Diverging bar chart of valid answers. "
           + " ".join(_likert_alt(item) for item in items))
    return Chart(_finish(drawing), alt)


def _legend(drawing: Drawing, keys: list[tuple[str, str]], middle: float, top: float) -> None:
    """A key of colours, at most five columns, filled column by column, centred on `middle` below `top`."""
    size = LEGEND_TEXT
    pad, key_width, key_height, key_gap, column_gap, row_gap = (0.4 * size, 2.0 * size, 0.7 * size, 0.8 * size,
                                                               2.0 * size, 0.5 * size)
    columns = min(len(keys), 5)
    rows, longer = divmod(len(keys), columns)
    heights = [rows + 1] * longer + [rows] * (columns - longer)
    groups, start = [], 0
    for count in heights:
        groups.append(keys[start:start + count])
        start += count
    widths = [key_width + key_gap + max(text_width(label, size) for label, _ in group) for group in groups]
    x = middle - (sum(widths) + column_gap * (columns - 1)) / 2
    first = top + pad + row_gap + ASCENT * size
    for group, width in zip(groups, widths, strict=True):
        for index, (label, colour) in enumerate(group):
            baseline = first + index * (size + row_gap)
            drawing.rect(x, baseline - key_height, key_width, key_height, colour, stroke=True)
            drawing.text(x + key_width + key_gap, baseline, label, size)
        x += width + column_gap
    left = middle - (sum(widths) + column_gap * (columns - 1)) / 2 - pad
    drawing.cover(left, top, 2 * middle - left, first + (max(heights) - 1) * (size + row_gap) + DESCENT * size + pad)


def scale_colours(item: dict, side: str) -> list[str]:
    """The colours of one side of an item's scale, in scale order, for however many categories it has."""
    ramps = {"negative": negative_colours, "neutral": neutral_colours, "positive": positive_colours}
    return ramps[side](len(item[side]))


def _segments(item: dict) -> list[tuple[float, float, str]]:
    """Each answer's (start, share, colour) along its bar: the neutral share centred on zero, negative to its left."""
    neutral = sum(share for _, share in item["neutral"])
    start = -neutral / 2 - sum(share for _, share in item["negative"])
    out = []
    for side in SIDES:
        for (_, share), colour in zip(item[side], scale_colours(item, side), strict=True):
            out.append((start, share, colour))
            start += share
    return out


def _diverging_bar(drawing: Drawing, plot: Plot, row: int, item: dict) -> None:
    """One item's bar, a segment per answer."""
    top = plot.y(row) - plot.span(0.3)
    for start, share, colour in _segments(item):
        left = plot.x(start * 100)
        drawing.rect(left, top, plot.x((start + share) * 100) - left, plot.span(0.6), colour, clip=True)


def _segment_labels(drawing: Drawing, plot: Plot, row: int, item: dict) -> None:
    """The percentage inside each segment wide enough to hold it, in black or white for contrast."""
    baseline = _middle_baseline(plot.y(row), SEGMENT_TEXT)
    for start, share, colour in _segments(item):
        if share >= SEGMENT_LABEL_FROM:
            text_colour = _text_colour(colour)
            drawing.text(plot.x((start + share / 2) * 100), baseline, f"{share * 100:.0f}%", SEGMENT_TEXT, "middle",
                         "" if text_colour == INK else text_colour)


def _item_label(label: str, n: int | None, width: int) -> str:
    """An axis label wrapped to `width` characters, with the item's base when known."""
    text = "\n".join(textwrap.wrap(label, width))
    return f"{text}\n(n = {n})" if n is not None else text


def _rows_height(labels: list[str], per_row: float) -> float:
    """Inches for the bars: rows are evenly spaced, each tall enough for the longest label's lines."""
    lines = max((label.count("\n") + 1 for label in labels), default=1)
    return len(labels) * max(per_row, 0.15 * lines)


def _text_colour(background: str) -> str:
    """Black or white, whichever reads better on the background (relative luminance)."""
    red, green, blue = (int(background[i:i + 2], 16) / 255 for i in (1, 3, 5))
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#000000" if luminance > 0.18 else "#ffffff"


def _likert_alt(item: dict) -> str:
    if item.get("suppressed"):
        return f"{item['label']}: {item['suppressed']}."
    return f"{item['label']}: " + ", ".join(f"{label} {share * 100:.0f}%" for label, share in
                                            item["negative"] + item["neutral"] + item["positive"]) + "."


def rate_chart(title: str, rates: list[dict], level: str, subtitle: str = "") -> Chart:
    """Bars with interval whiskers: each rate has 'label', 'estimate', 'low', 'high', 'n'.

    `level` is the confidence level as printed (e.g. "95%"). A rate with a 'suppressed' text
    has no bar or whisker, only the marker, and its alt text gives that text. The percentage
    stands beyond the whisker's upper end, so the two never overlap.
    """
    labels = [_item_label(r["label"], r.get("n"), 40) for r in reversed(rates)]
    plot = plot_area(0.4 + _rows_height(labels, 0.42), len(rates), 0.55, (0, 100))
    drawing = Drawing()
    drawing.clip_to(plot.left, plot.top, plot.width, plot.height)
    shown = [(row, rate) for row, rate in enumerate(reversed(rates)) if not rate.get("suppressed")]
    for row, rate in shown:
        top = plot.y(row) - plot.span(0.275)
        drawing.rect(plot.x(0), top, plot.x(rate["estimate"] * 100) - plot.x(0), plot.span(0.55), RATE_COLOUR,
                     clip=True)
    _axes(drawing, plot, [(0, "0%"), (25, "25%"), (50, "50%"), (75, "75%"), (100, "100%")],
          f"share of the base, with {level} confidence interval", labels)
    for row, rate in shown:  # the whisker, with its caps
        y, low, high = plot.y(row), plot.x(rate["low"] * 100), plot.x(rate["high"] * 100)
        drawing.line(low, y, high, y, INK, 1, clip=True)
        for x in (low, high):
            drawing.line(x, y - CAP, x, y + CAP, INK, 1, clip=True)
    for row, rate in enumerate(reversed(rates)):
        baseline = _middle_baseline(plot.y(row), VALUE_TEXT)
        if rate.get("suppressed"):
            drawing.text(plot.x(1), baseline, MARKER, VALUE_TEXT)
        else:
            drawing.text(plot.x(rate["high"] * 100 + 1.5), baseline, f"{rate['estimate'] * 100:.0f}%", VALUE_TEXT)
    alt = (f"{title}. {subtitle + '. ' if subtitle else ''}Bar chart with confidence intervals. "
           + " ".join(_rate_alt(r) for r in rates))
    return Chart(_finish(drawing), alt)


def _rate_alt(rate: dict) -> str:
    if rate.get("suppressed"):
        return f"{rate['label']}: {rate['suppressed']}."
    return (f"{rate['label']}: {rate['estimate'] * 100:.0f}% (interval {rate['low'] * 100:.0f}% to "
            f"{rate['high'] * 100:.0f}%, n = {rate['n']}).")
