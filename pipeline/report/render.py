"""Render the report: Jinja2 (autoescaped, undefined names are errors) to HTML, WeasyPrint to PDF.

The renderer may load only the report's own assets. Answers' free text reaches the
template, so markup in it is escaped, and the URL fetcher refuses anything that is not a
file inside the assets folder (or one of the report's own SVG charts, inlined as data URIs):
no other local file, no network.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"
ASSETS = Path(__file__).parent / "assets"


CHART_PREFIX = "data:image/svg+xml;base64,"


class FetchRefused(Exception):
    """A URL outside the report's own assets was requested."""


def render_html(context: dict) -> str:
    """The report as one HTML document."""
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                              undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return environment.get_template("report.html.j2").render(**context, assets=ASSETS.as_uri())


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
            parsed = urlparse(url)
            path = Path(unquote(parsed.path)).resolve() if parsed.scheme == "file" else None
            if path is None or ASSETS.resolve() not in path.parents:
                self.refused.append(url)
                raise FetchRefused(f"refused to fetch {url!r}: only the report's own assets may be loaded")
            return super().fetch(url, headers)

    return AssetsOnlyFetcher()


def render_pdf(html: str, fetcher=None) -> bytes:
    """PDF bytes; the same HTML gives the same bytes (dates from its meta tags, fixed id and font timestamps)."""
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    from weasyprint import HTML

    document = HTML(string=html, base_url=ASSETS.as_uri() + "/", url_fetcher=fetcher or make_fetcher())
    return document.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=b"survey-pipeline-report")
