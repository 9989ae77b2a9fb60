"""Charts as SVG with real text, each with alt text generated from its own numbers.

Two kinds: diverging stacked bars for ordered scales (disagreement to the left of zero,
agreement to the right, the neutral category centred on zero, "don't know" and blanks
reported apart in the alt text and table), and bars with interval whiskers for rates. The
palette is colour-blind safe (ColorBrewer PuOr for scales, with a ramp per side for any number
of categories, see `palette`; Okabe-Ito blue for rates). A figure whose base is under the
publication threshold is drawn as the marker [c], without a bar, and its alt text says why.
Output is deterministic: no dates, fixed element ids.
"""

from __future__ import annotations

import base64
import io
import textwrap
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from pipeline.report.palette import negative_colours, neutral_colours, positive_colours
from pipeline.suppression import MARKER

RATE_COLOUR = "#0072b2"
SEGMENT_LABEL_FROM = 0.07  # a diverging segment narrower than this share has no room for its percentage
SIDES = ("negative", "neutral", "positive")

plt.rcParams.update({
    "svg.fonttype": "none", "svg.hashsalt": "survey-pipeline", "font.family": "DejaVu Sans", "font.size": 8,
    "axes.spines.top": False, "axes.spines.right": False,
})


@dataclass(frozen=True)
class Chart:
    """An SVG chart, as a data URI for an <img>, with its alt text."""

    uri: str
    alt: str


def _finish(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    # Same font files as the report's bundled "Report Sans", so no system font is needed.
    svg = buffer.getvalue().replace(b"'DejaVu Sans'", b"'Report Sans'").replace(b'"DejaVu Sans"', b'"Report Sans"')
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def likert_chart(title: str, items: list[dict], subtitle: str = "") -> Chart:
    """Diverging bars: each item has 'label', 'negative', 'neutral', 'positive' lists of (label, share).

    An item with a 'suppressed' text (its base is under the publication threshold) is drawn as
    the marker alone, and its alt text gives that text instead of the shares. An item's 'n', when
    given, is printed after its label; each segment wide enough to hold it carries its percentage.
    """
    labels = [_item_label(i["label"], i.get("n"), 34) for i in reversed(items)]
    height = 0.5 + _rows_height(labels, 0.45)
    figure, axis = plt.subplots(figsize=(6.3, height))
    for row, item in enumerate(reversed(items)):
        if item.get("suppressed"):
            axis.text(1, row, MARKER, ha="left", va="center", fontsize=7)
            continue
        _diverging_bar(axis, row, item)
    axis.axvline(0, color="#333333", linewidth=0.8, zorder=0)  # behind the bars, so it crosses no label
    axis.set_yticks(range(len(items)), labels)
    axis.set_xlim(-100, 100)
    axis.set_xticks([-100, -50, 0, 50, 100], ["100%", "50%", "0", "50%", "100%"])
    axis.set_xlabel("← negative answers      share of valid answers      positive answers →")
    first = items[0]
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for side in SIDES for c in scale_colours(first, side)]
    names = [label for label, _ in first["negative"] + first["neutral"] + first["positive"]]
    axis.legend(handles, names, ncol=min(len(names), 5), loc="upper center",
                bbox_to_anchor=(0.4, -0.35 - 0.1 / len(items)),
                frameon=False, fontsize=7)
    alt = (f"{title}. {subtitle + '. ' if subtitle else ''}Diverging bar chart of valid answers. "
           + " ".join(_likert_alt(item) for item in items))
    return Chart(_finish(figure), alt)


def scale_colours(item: dict, side: str) -> list[str]:
    """The colours of one side of an item's scale, in scale order, for however many categories it has."""
    ramps = {"negative": negative_colours, "neutral": neutral_colours, "positive": positive_colours}
    return ramps[side](len(item[side]))


def _diverging_bar(axis, row: int, item: dict) -> None:
    """One item's bar: the neutral share centred on zero, negative answers to its left."""
    neutral = sum(share for _, share in item["neutral"])
    start = -neutral / 2 - sum(share for _, share in item["negative"])
    for side in SIDES:
        for (_, share), colour in zip(item[side], scale_colours(item, side), strict=True):
            axis.barh(row, share * 100, left=start * 100, color=colour, height=0.6)
            if share >= SEGMENT_LABEL_FROM:
                axis.text((start + share / 2) * 100, row, f"{share * 100:.0f}%", ha="center", va="center",
                          fontsize=6, color=_text_colour(colour))
            start += share


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
    height = 0.4 + _rows_height(labels, 0.42)
    figure, axis = plt.subplots(figsize=(6.3, height))
    for row, rate in enumerate(reversed(rates)):
        if rate.get("suppressed"):
            axis.text(1, row, MARKER, va="center", fontsize=7)
            continue
        axis.barh(row, rate["estimate"] * 100, color=RATE_COLOUR, height=0.55)
        axis.errorbar(rate["estimate"] * 100, row, xerr=[[(rate["estimate"] - rate["low"]) * 100],
                                                          [(rate["high"] - rate["estimate"]) * 100]],
                      color="#000000", capsize=3, linewidth=1)
        axis.text(rate["high"] * 100 + 1.5, row, f"{rate['estimate'] * 100:.0f}%", va="center", fontsize=7,
                  clip_on=False)
    axis.set_yticks(range(len(rates)), labels)
    axis.set_xlim(0, 100)
    axis.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    axis.set_xlabel(f"share of the base, with {level} confidence interval")
    alt = (f"{title}. {subtitle + '. ' if subtitle else ''}Bar chart with confidence intervals. "
           + " ".join(_rate_alt(r) for r in rates))
    return Chart(_finish(figure), alt)


def _rate_alt(rate: dict) -> str:
    if rate.get("suppressed"):
        return f"{rate['label']}: {rate['suppressed']}."
    return (f"{rate['label']}: {rate['estimate'] * 100:.0f}% (interval {rate['low'] * 100:.0f}% to "
            f"{rate['high'] * 100:.0f}%, n = {rate['n']}).")
