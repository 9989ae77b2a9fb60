"""Render the report: Jinja2 (autoescaped, undefined names are errors) to HTML, WeasyPrint to PDF.

The renderer may load only the report's own assets. Answers' free text reaches the
template, so markup in it is escaped, and the URL fetcher refuses anything that is not a
file inside the assets folder (or one of the report's own SVG charts, inlined as data URIs):
no other local file, no network.

The HTML says nothing of where the package is installed, so every checkout builds the same
bytes: the stylesheet is inlined, and it names its fonts by `report-asset:` URLs, which the
fetcher serves from the assets folder. (A browser cannot load those, so there the report is
styled but set in the browser's own sans-serif; the PDF embeds the fonts.)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

if TYPE_CHECKING:  # Jinja2 is imported where the HTML is made, not where the PDF is
    from jinja2 import Environment
    from markupsafe import Markup

TEMPLATES = Path(__file__).parent / "templates"
ASSETS = Path(__file__).parent / "assets"
ASSET_SCHEME = "report-asset"

CHART_PREFIX = "data:image/svg+xml;base64,"


class FetchRefused(Exception):
    """A URL outside the report's own assets was requested."""


def render_html(context: dict) -> str:
    """The report as one HTML document, its stylesheet inlined."""
    return _environment().get_template("report.html.j2").render(**context, stylesheet=_stylesheet())


def compile_templates() -> None:
    """Compile the report's template now (a warm process does, so that its commands need not)."""
    _environment().get_template("report.html.j2")


@cache
def _environment() -> Environment:
    """One Jinja environment per process: it keeps the templates it compiled (a compile takes longer
    than the rendering) and compiles a template again only when its file changes."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _stylesheet() -> Markup:
    """The report's CSS as the template inlines it: the package's own file, so not escaped."""
    from markupsafe import Markup

    return Markup((ASSETS / "report.css").read_text(encoding="utf-8"))


def asset_path(url: str) -> Path | None:
    """The file inside the assets folder that a URL names (`report-asset:` or `file:`), or None."""
    parsed = urlparse(url)
    if parsed.scheme == ASSET_SCHEME:
        path = ASSETS / unquote(parsed.path)
    elif parsed.scheme == "file":
        path = Path(unquote(parsed.path))
    else:
        return None
    path = path.resolve()
    return path if ASSETS.resolve() in path.parents and path.is_file() else None


def make_fetcher():
    """A WeasyPrint URL fetcher that serves only files inside the assets folder."""
    from weasyprint.urls import URLFetcher

    class AssetsOnlyFetcher(URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols=("file", "data"))
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            if url.startswith(CHART_PREFIX):
                return super().fetch(url, headers)
            path = asset_path(url)
            if path is None:
                self.refused.append(url)
                raise FetchRefused(f"refused to fetch {url!r}: only the report's own assets may be loaded")
            return super().fetch(path.as_uri(), headers)

    return AssetsOnlyFetcher()


def render_document(html: str, fetcher=None):
    """The laid-out pages (a WeasyPrint Document): what the PDF will print, box by box."""
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=fetcher or make_fetcher()).render(pdf_variant="pdf/ua-1")


def render_pdf(html: str, fetcher=None, document=None) -> bytes:
    """PDF bytes; the same HTML gives the same bytes (dates from its meta tags, fixed id and font timestamps).

    A document already laid out from the same HTML may be passed, so that it is not laid out twice.
    """
    document = document or render_document(html, fetcher)
    with _source_date_fixed():
        return document.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=b"survey-pipeline-report")


@contextmanager
def _source_date_fixed() -> Iterator[None]:
    """SOURCE_DATE_EPOCH at 0 while the PDF is written, then as it was.

    Without HarfBuzz's subsetter, WeasyPrint subsets fonts with fontTools, which stamps each
    subset with SOURCE_DATE_EPOCH, or with the clock when it is unset; fixing it here means
    neither the clock nor the caller's setting reaches the PDF's bytes.
    """
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "0"
    try:
        yield
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved
