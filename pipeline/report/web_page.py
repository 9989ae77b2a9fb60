"""The report's HTML twin as a web page that stands alone: mailed or opened anywhere, it looks the same.

The HTML that WeasyPrint prints names its fonts by `report-asset:` URLs and shows its charts
as SVG in <img>; a browser can load neither the fonts nor, inside an <img>, see the page's
fonts. So the twin carries everything inside itself, with no script:

- the fonts as data: URIs, cut down to the characters the page uses (fontTools' subsetter,
  as WOFF with the fonts' own timestamps kept, so the same page gives the same bytes);
- each chart inlined as <svg role="img"> named by its alt text, so its labels are set in the
  page's font, its ids prefixed so that no two charts share one; on a narrow screen it keeps a
  legible width and scrolls sideways in its own focusable box;
- each table in a focusable, named box that scrolls sideways on a narrow screen instead of
  widening the page;
- a viewport meta, a <main> landmark, and a screen stylesheet (`assets/screen.css`) that
  sets text at the browser's size and lets long words wrap.

The PDF is made from the HTML before these changes, so print and screen differ only in how
they are set, not in what they say.
"""

from __future__ import annotations

import base64
import html as html_text
import io
import re

from pipeline.report.render import ASSETS, CHART_PREFIX

VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
_FONT_URL = re.compile(r'url\("report-asset:(fonts/[A-Za-z0-9_.-]+\.ttf)"\)')
_CHART = re.compile(r'<img src="' + re.escape(CHART_PREFIX) + r'([A-Za-z0-9+/=]+)" alt="([^"]*)">')
_TABLE = re.compile(r"<table\b.*?</table>", re.DOTALL)
_CAPTION = re.compile(r"<caption\b[^>]*>(.*?)</caption>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_SVG_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_SVG_ID = re.compile(r'\bid="([^"]+)"')


def web_page(page: str) -> str:
    """The HTML twin: fonts, charts and styles inside it, tables that scroll, a main landmark."""
    page = _CHART.sub(_inline_chart_numbering(), page)
    page = _TABLE.sub(_scroll_box, page)
    page = page.replace("</style>", _screen_stylesheet() + "</style>", 1)
    page = page.replace("<meta charset=\"utf-8\">", "<meta charset=\"utf-8\">\n" + VIEWPORT, 1)
    page = re.sub(r"(<body\b[^>]*>)", r"\1\n<main>", page, count=1)
    page = page.replace("</body>", "</main>\n</body>", 1)
    characters = set(html_text.unescape(_TAG.sub(" ", page))) | {chr(c) for c in range(0x20, 0x7f)}
    return _FONT_URL.sub(lambda match: f'url("{font_data_uri(match.group(1), characters)}")', page)


def _screen_stylesheet() -> str:
    return (ASSETS / "screen.css").read_text(encoding="utf-8")


def _inline_chart_numbering():
    count = 0

    def inline(match: re.Match) -> str:
        nonlocal count
        count += 1
        return inline_svg(base64.b64decode(match.group(1)).decode("utf-8"), match.group(2), f"chart{count}-")

    return inline


def inline_svg(svg: str, label: str, prefix: str) -> str:
    """An SVG document as an element of the page: no XML prologue, ids prefixed, named as an image.

    `label` is already escaped for an attribute (it comes from the <img alt> it replaces).
    """
    svg = _SVG_PROLOGUE.sub("", svg, count=1)
    for name in dict.fromkeys(_SVG_ID.findall(svg)):
        svg = svg.replace(f'id="{name}"', f'id="{prefix}{name}"').replace(f"#{name})", f"#{prefix}{name})")
        svg = svg.replace(f'href="#{name}"', f'href="#{prefix}{name}"')
    svg = re.sub(r"<svg\b", f'<svg role="img" aria-label="{label}" focusable="false"', svg, count=1)
    return f'<div class="chart-scroll" role="group" tabindex="0" aria-label="Chart (scrolls sideways)">{svg}</div>'



def _scroll_box(match: re.Match) -> str:
    """A table inside a box that scrolls sideways, focusable by keyboard and named by the table's caption."""
    caption = _CAPTION.search(match.group(0))
    name = " ".join(_TAG.sub(" ", caption.group(1)).split()) if caption else "Table"
    return f'<div class="table-scroll" role=region tabindex="0" aria-label="{name}">{match.group(0)}</div>'


def font_data_uri(name: str, characters: set[str]) -> str:
    """One bundled font, cut down to `characters`, as a data: URI (WOFF)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    path = (ASSETS / name).resolve()
    if ASSETS.resolve() not in path.parents or not path.is_file():
        raise FileNotFoundError(f"no such bundled font: {name}")
    font = TTFont(path, recalcTimestamp=False, lazy=True)
    options = subset.Options()
    options.flavor = "woff"
    # Without layout tables and hinting the cut takes a fifth of the time; a screen needs neither.
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "FFTM"]
    options.hinting = False
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in characters))
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.flavor = "woff"
    font.save(buffer, reorderTables=False)
    return "data:font/woff;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
