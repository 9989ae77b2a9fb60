"""The report: every section, numbers traceable to the tables, reproducible bytes, safe rendering."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from pypdf import PdfReader

from pipeline import run
from pipeline.report.render import make_fetcher, render_pdf

SECTIONS = ("Key findings", "Subgroups and comparisons", "The study's recommendations", "Methods",
            "Reproduction check", "Appendix: every question", "Validation summary", "Colophon", "Contents")


@pytest.fixture(scope="module")
def built(request):
    root = request.config.rootpath
    results = run.analyse(root / "questionnaires/fitter_for_the_future.yaml", root / "raw/fitter_for_the_future.csv",
                          "python -m pipeline report (test)")
    return results, run.report_files(results)


def test_every_section_is_there(built):
    _, files = built
    html = files["report.html"].decode()
    for section in SECTIONS:
        assert f">{section}<" in html.replace("&#39;", "'"), section
    assert "Reconstructed data, not the study's answers" in html


def test_pdf_is_tagged_with_embedded_fonts_and_says_reconstructed_on_every_figure_page(built):
    _, files = built
    reader = PdfReader(io.BytesIO(files["report.pdf"]))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])  # a pypdf BooleanObject
    assert "/StructTreeRoot" in list(root.keys())
    assert root["/Lang"] == "en-GB"
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor
    texts = [page.extract_text() for page in reader.pages]
    assert "Reconstructed data" in texts[0]
    for text in texts[1:]:
        if "%" in text:
            assert "Reconstructed data: figures illustrate the method" in text


def test_key_findings_numbers_are_in_the_estimates(built):
    results, files = built
    html = files["report.html"].decode()
    section = html[html.index('id="key-findings"'):html.index('id="theme-')]
    table = results.estimates.frame()
    headline = table[table["measure"].isin(results.questionnaire.analysis.headline) & (table["domain_variable"] == "")]
    allowed = {f"{round(v * 100)}%" for v in pd.concat([headline.estimate, headline.ci_low, headline.ci_high])}
    allowed |= {f"{round(100 * results.validation.rows_accepted / results.questionnaire.population.size)}%",
                f"{round(100 * results.questionnaire.analysis.level)}%"}  # the response rate and the CI level
    found = set(re.findall(r"\d+%", section))
    assert found and found <= allowed
    counts = set(re.findall(r"(\d+) of (\d+) \(", section))
    srs = headline[~headline.weighted & ~headline.fpc & (headline.ci_method == "wilson")]
    assert counts == {(str(round(p * n)), str(n)) for p, n in zip(srs.estimate, srs.n)}


def test_the_70_and_71_per_cent_reconciliation(built):
    _, files = built
    html = files["report.html"].decode()
    assert "58 of 82 is 70.73%. Cut to a whole number that is 70%; rounded, 71%." in html


def test_two_builds_give_identical_bytes(built):
    results, files = built
    again = run.report_files(results)
    for name in ("report.pdf", "report.html", "tables.xlsx", "estimates.csv"):
        assert again[name] == files[name], name


def test_workbook_follows_the_accessible_spreadsheet_layout(built):
    from openpyxl import load_workbook

    _, files = built
    book = load_workbook(io.BytesIO(files["tables.xlsx"]))
    assert book.sheetnames[:2] == ["Cover", "Contents"]
    for sheet in book.worksheets:
        assert not sheet.merged_cells.ranges
    estimates = book["Estimates"]
    assert estimates["A1"].value and estimates["A2"].value == "survey"
    assert "RECONSTRUCTED" in " ".join(str(c.value) for c in book["Cover"]["A"])


INJECTED = ('<img src="file:///etc/passwd"> <img src="http://192.0.2.1/pixel.png"> '
            '<a rel="attachment" href="file:///etc/hostname">x</a> <link rel="attachment" href="file:///etc/hosts">')


def test_markup_in_free_text_is_escaped_and_nothing_is_fetched(tmp_path, request):
    root = request.config.rootpath
    frame = pd.read_csv(root / "raw/fitter_for_the_future.csv", dtype=str, keep_default_na=False)
    frame.loc[0, "comments"] = INJECTED
    answers = tmp_path / "answers.csv"
    frame.to_csv(answers, index=False)
    results = run.analyse(root / "questionnaires/fitter_for_the_future.yaml", answers, "test")
    files = run.report_files(results)
    html = files["report.html"].decode()
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html and "<img src=\"file:///etc/passwd\"" not in html
    reader = PdfReader(io.BytesIO(files["report.pdf"]))
    assert "/EmbeddedFiles" not in reader.trailer["/Root"].get("/Names", {})
    assert not any("/FileAttachment" in str(a.get_object()) for p in reader.pages for a in p.get("/Annots", []) or [])
    assert any('<img src="file:///etc/passwd">' in page.extract_text() for page in reader.pages)


def test_the_renderer_refuses_everything_but_its_own_assets():
    fetcher = make_fetcher()
    pdf = render_pdf(f"<html lang='en'><head><title>t</title></head><body><p>x</p>{INJECTED}</body></html>",
                     fetcher=fetcher)
    assert set(fetcher.refused) == {"file:///etc/passwd", "http://192.0.2.1/pixel.png", "file:///etc/hostname",
                                    "file:///etc/hosts"} or set(fetcher.refused) >= {"file:///etc/passwd",
                                                                                       "http://192.0.2.1/pixel.png"}
    reader = PdfReader(io.BytesIO(pdf))
    assert "/EmbeddedFiles" not in reader.trailer["/Root"].get("/Names", {})
    assert len(reader.pages[0].images) == 0
