"""The report's HTML, without a PDF: every name defined, free text escaped, only its own assets fetched."""

import jinja2
import pytest
from survey_files import write_survey

from pipeline import run
from pipeline.report import render
from pipeline.report.context import build_context
from pipeline.report.render import ASSETS, FetchRefused, make_fetcher, render_html

YES_NO = [{"code": "no", "label": "No"}, {"code": "yes", "label": "Yes"}]
MARKUP = '<script>alert("x")</script>'


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    folder = tmp_path_factory.mktemp("render")
    rows = [{"rid": f"r{i}", "q": "yes" if i % 3 else "no", "note": MARKUP if i == 0 else ""} for i in range(12)]
    paths = write_survey(folder, "tiny", rows, {"respondent_id": "rid"},
                         [{"id": "q", "type": "single_choice", "label": "Says yes", "codes": YES_NO},
                          {"id": "note", "type": "text"}])
    return render_html(build_context(run.analyse(*paths, command="test")))


@pytest.fixture(scope="module")
def tiny_context(tmp_path_factory):
    folder = tmp_path_factory.mktemp("render-twice")
    rows = [{"rid": f"r{i}", "q": "yes" if i % 3 else "no"} for i in range(12)]
    paths = write_survey(folder, "twice", rows, {"respondent_id": "rid"},
                         [{"id": "q", "type": "single_choice", "label": "Says yes", "codes": YES_NO}])
    return build_context(run.analyse(*paths, command="test"))


def test_the_report_is_one_html_document_in_british_english(html):
    assert html.lstrip().lower().startswith("<!doctype html>") and 'lang="en-GB"' in html


def test_free_text_markup_is_escaped(html):
    assert MARKUP not in html and "&lt;script&gt;" in html


def test_the_template_is_compiled_once_per_process_and_renders_the_same_html(tiny_context, monkeypatch):
    first = render_html(tiny_context)
    compiled = render._environment().get_template("report.html.j2")

    def compile_again(*args, **kwargs):
        raise AssertionError("the template was compiled a second time")

    monkeypatch.setattr(jinja2.Environment, "compile", compile_again)
    assert render._environment().get_template("report.html.j2") is compiled
    assert render_html(tiny_context) == first


def test_templates_compiled_ahead_are_the_ones_rendering_uses(tiny_context, monkeypatch):
    render.compile_templates()

    def compile_again(*args, **kwargs):
        raise AssertionError("the template was compiled when it was rendered")

    monkeypatch.setattr(jinja2.Environment, "compile", compile_again)
    assert render_html(tiny_context).startswith("<!DOCTYPE html>")


def test_an_undefined_name_in_the_template_is_an_error():
    with pytest.raises(jinja2.UndefinedError):
        render_html({})


def test_the_fetcher_refuses_files_outside_the_assets_and_serves_its_own():
    fetcher = make_fetcher()
    with pytest.raises(FetchRefused):
        fetcher.fetch("file:///etc/passwd")
    with pytest.raises(FetchRefused):
        fetcher.fetch((ASSETS / ".." / "render.py").resolve().as_uri())
    assert fetcher.refused == ["file:///etc/passwd", (ASSETS.parent / "render.py").as_uri()]
    assert fetcher.fetch((ASSETS / "report.css").as_uri())


def test_the_fetcher_serves_report_asset_urls_only_inside_the_assets_folder():
    fetcher = make_fetcher()
    font = fetcher.fetch("report-asset:fonts/DejaVuSans.ttf")
    assert font.read() == (ASSETS / "fonts" / "DejaVuSans.ttf").read_bytes()
    font.close()
    for url in ("report-asset:../render.py", "report-asset:/etc/passwd", "report-asset:fonts/missing.ttf"):
        with pytest.raises(FetchRefused):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 3


def test_the_stylesheet_is_inlined_so_the_html_names_no_path(html):
    assert "file:" not in html and str(ASSETS) not in html and "report-asset:fonts/DejaVuSans.ttf" in html
