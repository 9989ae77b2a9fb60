"""Charts as SVG with real text, each with alt text generated from its own numbers.

Two kinds: diverging stacked bars for ordered scales (disagreement to the left of zero,
agreement to the right, the neutral category centred on zero, "don't know" and blanks
reported apart in the alt text and table), and bars with interval whiskers for rates. The
palette is colour-blind safe (ColorBrewer PuOr for scales, Okabe-Ito blue for rates). Output
is deterministic: no dates, fixed element ids.
"""

from __future__ import annotations

import base64
import io
import textwrap
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SCALE_COLOURS = {2: ["#e66101", "#fdb863"], 1: ["#e66101"], 3: ["#b35806", "#e08214", "#fdb863"]}
POSITIVE_COLOURS = {2: ["#b2abd2", "#5e3c99"], 1: ["#5e3c99"], 3: ["#d8daeb", "#8073ac", "#542788"]}
NEUTRAL_COLOUR = "#d9d9d9"
RATE_COLOUR = "#0072b2"

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


def likert_chart(title: str, items: list[dict]) -> Chart:
    """Diverging bars: each item has 'label', 'negative', 'neutral', 'positive' lists of (label, share)."""
    height = 0.5 + 0.45 * len(items)
    figure, axis = plt.subplots(figsize=(6.3, height))
    for row, item in enumerate(reversed(items)):
        neutral = sum(share for _, share in item["neutral"])
        left = -neutral / 2
        for (label, share), colour in zip(reversed(item["negative"]), SCALE_COLOURS[len(item["negative"])][::-1]):
            left -= share
        start = left
        for (label, share), colour in zip(item["negative"], SCALE_COLOURS[len(item["negative"])]):
            axis.barh(row, share * 100, left=start * 100, color=colour, height=0.6)
            start += share
        for label, share in item["neutral"]:
            axis.barh(row, share * 100, left=start * 100, color=NEUTRAL_COLOUR, height=0.6)
            start += share
        for (label, share), colour in zip(item["positive"], POSITIVE_COLOURS[len(item["positive"])]):
            axis.barh(row, share * 100, left=start * 100, color=colour, height=0.6)
            start += share
    axis.axvline(0, color="#333333", linewidth=0.8)
    axis.set_yticks(range(len(items)), ["\n".join(textwrap.wrap(i["label"], 34)) for i in reversed(items)])
    axis.set_xlim(-100, 100)
    axis.set_xticks([-100, -50, 0, 50, 100], ["100%", "50%", "0", "50%", "100%"])
    axis.set_xlabel("← negative answers      share of valid answers      positive answers →")
    first = items[0]
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in SCALE_COLOURS[len(first["negative"])]]
    handles += [plt.Rectangle((0, 0), 1, 1, color=NEUTRAL_COLOUR)] * len(first["neutral"])
    handles += [plt.Rectangle((0, 0), 1, 1, color=c) for c in POSITIVE_COLOURS[len(first["positive"])]]
    names = [label for label, _ in first["negative"] + first["neutral"] + first["positive"]]
    axis.legend(handles, names, ncol=min(len(names), 5), loc="upper center", bbox_to_anchor=(0.4, -0.35 - 0.1 / len(items)),
                frameon=False, fontsize=7)
    alt = f"{title}. Diverging bar chart of valid answers. " + " ".join(
        f"{item['label']}: " + ", ".join(f"{label} {share * 100:.0f}%" for label, share in
                                         item["negative"] + item["neutral"] + item["positive"]) + "."
        for item in items)
    return Chart(_finish(figure), alt)


def rate_chart(title: str, rates: list[dict]) -> Chart:
    """Bars with interval whiskers: each rate has 'label', 'estimate', 'low', 'high', 'n'."""
    height = 0.4 + 0.42 * len(rates)
    figure, axis = plt.subplots(figsize=(6.3, height))
    for row, rate in enumerate(reversed(rates)):
        axis.barh(row, rate["estimate"] * 100, color=RATE_COLOUR, height=0.55)
        axis.errorbar(rate["estimate"] * 100, row, xerr=[[(rate["estimate"] - rate["low"]) * 100],
                                                          [(rate["high"] - rate["estimate"]) * 100]],
                      color="#000000", capsize=3, linewidth=1)
        axis.text(min(rate["high"] * 100 + 2, 93), row, f"{rate['estimate'] * 100:.0f}%", va="center", fontsize=7)
    axis.set_yticks(range(len(rates)), ["\n".join(textwrap.wrap(r["label"], 40)) for r in reversed(rates)])
    axis.set_xlim(0, 100)
    axis.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    axis.set_xlabel("share of the base, with 95% confidence interval")
    alt = f"{title}. Bar chart with confidence intervals. " + " ".join(
        f"{r['label']}: {r['estimate'] * 100:.0f}% (interval {r['low'] * 100:.0f}% to {r['high'] * 100:.0f}%, "
        f"n = {r['n']})." for r in rates)
    return Chart(_finish(figure), alt)
