"""Colours for answer scales with any number of categories on each side.

A diverging chart needs one colour per category: orange ramps for the negative side, purple
for the positive, greys for the neutral middle (ColorBrewer's PuOr, which is safe for the
common forms of colour blindness). Each side is sequential, darkest at the extreme answer, so
the order also reads in lightness alone. Scales of one to three categories a side keep the
colours reports have always used; other sizes are spaced evenly along ColorBrewer's own
five-class ramp of the side, interpolated in CIELAB so that equal steps look equal.

Every colour keeps a contrast of at least 3:1 against the white page (WCAG 2.1, 1.4.11:
a bar must be visible without its neighbours). ColorBrewer's lightest classes are paler than
that, so each side's lightness is spread again, from its darkest colour up to the lightest
that still has 3:1, keeping each colour's hue and chroma: the order still reads in lightness.
"""

from __future__ import annotations

from functools import cache

import numpy as np

# ColorBrewer PuOr (11 classes), each side from the extreme answer to the middle.
NEGATIVE_RAMP = ("#7f3b08", "#b35806", "#e08214", "#fdb863", "#fee0b6")
POSITIVE_RAMP = ("#2d004b", "#542788", "#8073ac", "#b2abd2", "#d8daeb")
NEUTRAL_RAMP = ("#969696", "#f0f0f0")
# The colours of the sizes charts have used so far, each listed from the middle outwards
# for the positive side and from the extreme inwards for the negative side (chart order).
KEPT_NEGATIVE = {1: ("#e66101",), 2: ("#e66101", "#fdb863"), 3: ("#b35806", "#e08214", "#fdb863")}
KEPT_POSITIVE = {1: ("#5e3c99",), 2: ("#b2abd2", "#5e3c99"), 3: ("#d8daeb", "#8073ac", "#542788")}
KEPT_NEUTRAL = {1: ("#d9d9d9",)}

_WHITE = np.array([0.95047, 1.0, 1.08883])  # D65
_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                    [0.2126729, 0.7151522, 0.0721750],
                    [0.0193339, 0.1191920, 0.9503041]])
_DELTA = 6 / 29


MINIMUM_CONTRAST = 3.0
LIGHTEST = 60.0  # CIELAB lightness of a grey with 3.1:1 against white; chroma may lower it further
_STEP = 6.0  # least lightness between neighbouring categories of a side
_SPREAD = 18.0  # least lightness between the darkest and lightest of a side of two or more


def negative_colours(count: int) -> list[str]:
    """Colours of `count` negative categories, in scale order (most negative first)."""
    return legible(list(KEPT_NEGATIVE.get(count) or ramp(NEGATIVE_RAMP, count)))


def positive_colours(count: int) -> list[str]:
    """Colours of `count` positive categories, in scale order (least positive first)."""
    return legible(list(KEPT_POSITIVE.get(count) or ramp(POSITIVE_RAMP, count)[::-1])[::-1])[::-1]


def neutral_colours(count: int) -> list[str]:
    """Greys for `count` neutral categories, in scale order; distinct when there are several."""
    return legible(list(KEPT_NEUTRAL.get(count) or ramp(NEUTRAL_RAMP, count)))


def legible(colours: list[str]) -> list[str]:
    """Colours listed darkest first, their lightness spread so that each has 3:1 against white.

    Colours that already all have it are kept as they are.
    """
    return list(_legible(tuple(colours)))


@cache
def _legible(colours: tuple[str, ...]) -> tuple[str, ...]:
    """`legible`, worked out once per process for each list of colours (every chart of a scale asks)."""
    if all(contrast_with_white(c) >= MINIMUM_CONTRAST for c in colours):
        return colours
    points = [lab(c) for c in colours]
    darkest = min(points[0][0], LIGHTEST - max(_STEP * (len(points) - 1), _SPREAD))
    lightness = np.linspace(darkest, LIGHTEST, len(points)) if len(points) > 1 else [min(points[0][0], LIGHTEST)]
    out = []
    for point, target in zip(points, lightness, strict=True):
        colour = hex_colour(np.array([target, point[1], point[2]]))
        while contrast_with_white(colour) < MINIMUM_CONTRAST:
            target -= 0.5
            colour = hex_colour(np.array([target, point[1], point[2]]))
        out.append(colour)
    return tuple(out)


def contrast_with_white(colour: str) -> float:
    """WCAG 2.1 contrast ratio of an sRGB hex colour against white."""
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    luminance = float(np.array([0.2126, 0.7152, 0.0722]) @ linear)
    return 1.05 / (luminance + 0.05)


def ramp(anchors: tuple[str, ...], count: int) -> list[str]:
    """`count` colours evenly spaced along the path through `anchors`, measured in CIELAB."""
    if count <= 0:
        return []
    points = np.array([lab(colour) for colour in anchors])
    positions = np.linspace(0, len(anchors) - 1, count) if count > 1 else np.array([(len(anchors) - 1) / 2])
    lower = np.minimum(np.floor(positions).astype(int), len(anchors) - 2)
    fraction = (positions - lower)[:, None]
    return [hex_colour(p) for p in points[lower] * (1 - fraction) + points[lower + 1] * fraction]


def lab(colour: str) -> np.ndarray:
    """An sRGB hex colour in CIELAB (D65)."""
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = _TO_XYZ @ linear / _WHITE
    f = np.where(xyz > _DELTA ** 3, np.cbrt(xyz), xyz / (3 * _DELTA ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def hex_colour(point: np.ndarray) -> str:
    """A CIELAB point as an sRGB hex colour (clipped to the gamut)."""
    lightness, a, b = point
    fy = (lightness + 16) / 116
    f = np.array([fy + a / 500, fy, fy - b / 200])
    xyz = np.where(f > _DELTA, f ** 3, 3 * _DELTA ** 2 * (f - 4 / 29)) * _WHITE
    linear = np.clip(np.linalg.solve(_TO_XYZ, xyz), 0, 1)
    rgb = np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)
    return "#" + "".join(f"{round(float(v) * 255):02x}" for v in np.clip(rgb, 0, 1))
