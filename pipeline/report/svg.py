"""A small SVG writer for the report's charts: rectangles, lines and text, cropped to what is drawn.

The charts are a few dozen shapes; drawing them here instead of through a plotting library
saves that library's import and figure machinery on every build, and gives WeasyPrint fewer
nodes to paint. Text is real text in the report's font ("Report Sans", the bundled DejaVu
Sans), measured with that font's advance widths so that the drawing can be cropped to its
contents, as a plotting library's tight bounding box would. Coordinates are points, y down.
The same calls give the same bytes: no dates, no random ids, numbers rounded to 1/1000 pt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from html import escape
from pathlib import Path

FONT = Path(__file__).parent / "assets" / "fonts" / "DejaVuSans.ttf"
FAMILY = "Report Sans"
ASCENT, DESCENT = 0.76, 0.24  # of the font size: the extent of a line of text above and below its baseline
LINE_SPACING = 1.2  # baseline to baseline, of the font size
CLIP_ID = "plot-area"


@cache
def _advances() -> tuple[dict[int, int], int, int]:
    """Advance widths by code point, the width of a character the font lacks, and the font's units per em."""
    from fontTools.ttLib import TTFont

    font = TTFont(FONT, lazy=True)
    metrics = font["hmtx"].metrics
    widths = {code: metrics[glyph][0] for code, glyph in font.getBestCmap().items()}
    return widths, metrics[".notdef"][0], font["head"].unitsPerEm


def text_width(text: str, size: float) -> float:
    """The width in points of one line of `text` set at `size` points in the report's font (no kerning)."""
    widths, missing, units = _advances()
    return sum(widths.get(ord(character), missing) for character in text) * size / units


def _number(value: float) -> str:
    """A coordinate as short, stable text: at most three decimals, no trailing zeros, never "-0"."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@dataclass
class Drawing:
    """Shapes and texts in drawing order, with the box each covers, written out cropped to their union.

    Shapes added with `clip=True` are clipped to the plot area (`clip_to`), as a chart's bars are.
    """

    elements: list[str] = field(default_factory=list)
    clipped: list[str] = field(default_factory=list)
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    clip_box: tuple[float, float, float, float] | None = None

    def cover(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """Count a box as drawn, so that the crop keeps it (a legend's padding, say)."""
        self.boxes.append((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))

    def clip_to(self, x: float, y: float, width: float, height: float) -> None:
        """The plot area: clipped shapes stay inside it, and the drawing always covers it."""
        self.clip_box = (x, y, width, height)
        self.cover(x, y, x + width, y + height)

    def rect(self, x: float, y: float, width: float, height: float, fill: str, clip: bool = False,
             stroke: bool = False) -> None:
        """A filled rectangle (outlined in its own colour when `stroke`, as a legend's key is)."""
        outline = f"; stroke: {fill}; stroke-width: 1" if stroke else ""
        element = (f'<rect x="{_number(x)}" y="{_number(y)}" width="{_number(width)}" height="{_number(height)}" '
                   f'style="fill: {fill}{outline}"/>')
        (self.clipped if clip else self.elements).append(element)
        if not clip:
            self.cover(x, y, x + width, y + height)

    def line(self, x1: float, y1: float, x2: float, y2: float, colour: str, width: float,
             square: bool = False, clip: bool = False) -> None:
        """A straight line (with square ends reaching half its width beyond them when `square`)."""
        cap = "square" if square else "butt"
        element = (f'<line x1="{_number(x1)}" y1="{_number(y1)}" x2="{_number(x2)}" y2="{_number(y2)}" '
                   f'style="stroke: {colour}; stroke-width: {_number(width)}; stroke-linecap: {cap}"/>')
        (self.clipped if clip else self.elements).append(element)
        if not clip:
            self.cover(x1, y1, x2, y2)

    def text(self, x: float, baseline: float, text: str, size: float, anchor: str = "start",
             colour: str = "") -> None:
        """One line of text; `anchor` is where `x` is: at its start, middle or end."""
        width = text_width(text, size)
        left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
        fill = f"; fill: {colour}" if colour else ""
        align = f"; text-anchor: {anchor}" if anchor != "start" else ""
        self.elements.append(f'<text x="{_number(x)}" y="{_number(baseline)}" style="font-size: {_number(size)}px; '
                             f"font-family: '{FAMILY}'{align}{fill}\">{escape(text, quote=False)}</text>")
        self.cover(left, baseline - ASCENT * size, left + width, baseline + DESCENT * size)

    def lines(self, x: float, middle: float, lines: list[str], size: float, anchor: str = "start") -> None:
        """Lines of text one under the other, centred as a block on `middle` (as axis labels are)."""
        first = middle + 0.43 * size - (len(lines) - 1) / 2 * LINE_SPACING * size
        for index, line in enumerate(lines):
            self.text(x, first + index * LINE_SPACING * size, line, size, anchor)

    def svg(self, pad: float) -> bytes:
        """The SVG document, cropped to everything drawn plus `pad` points on every side, on white."""
        left = min(box[0] for box in self.boxes) - pad
        top = min(box[1] for box in self.boxes) - pad
        width = max(box[2] for box in self.boxes) + pad - left
        height = max(box[3] for box in self.boxes) + pad - top
        parts = [f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_number(width)}pt" '
                 f'height="{_number(height)}pt" viewBox="0 0 {_number(width)} {_number(height)}">',
                 f'<rect x="0" y="0" width="{_number(width)}" height="{_number(height)}" style="fill: #ffffff"/>',
                 f'<g transform="translate({_number(-left)} {_number(-top)})">']
        if self.clip_box is not None:
            x, y, w, h = self.clip_box
            parts.append(f'<clipPath id="{CLIP_ID}"><rect x="{_number(x)}" y="{_number(y)}" width="{_number(w)}" '
                         f'height="{_number(h)}"/></clipPath>')
        if self.clipped:
            parts += [f'<g clip-path="url(#{CLIP_ID})">', *self.clipped, "</g>"]
        parts += [*self.elements, "</g>", "</svg>"]
        return ("\n".join(parts) + "\n").encode("utf-8")
