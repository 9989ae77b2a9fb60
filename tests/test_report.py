"""The report: every section, numbers traceable to the tables, reproducible bytes, safe rendering.

Every test reads one build of the study's report, made from the study's answers with one
free-text comment replaced by markup that tries to load files: tests of the HTML need no PDF,
and the PDF is rendered once for the module (and once more to check that a second build gives
the same bytes).
"""

from __future__ import annotations

import io
import re
import shutil

import pandas as pd
import pytest
from pypdf import PdfReader

from pipeline import run
from pipeline.report.render import make_fetcher, render_pdf
from pipeline.report.tagged_pdf import finish_pdf
from pipeline.report.web_page import web_page
from pipeline.report.workbook import build_workbook

SECTIONS = ("Main points", "About this report and the data", "Subgroups and comparisons", "The study's recommendations",
            "Methods",
            "Reproduction check", "Appendix: every question", "Validation summary", "Colophon", "Contents")
INJECTED = ('<img src="file:///etc/passwd"> <img src="http://192.0.2.1/pixel.png"> '
            '<a rel="attachment" href="file:///etc/hostname">x</a> <link rel="attachment" href="file:///etc/hosts">')


@pytest.fixture(scope="module")
def results(request, tmp_path_factory):
    """The study's results, from its answers with markup in the first free-text comment (the
    provenance file is copied beside them, so the answers are still labelled reconstructed)."""
    root = request.config.rootpath
    folder = tmp_path_factory.mktemp("report")
    frame = pd.read_csv(root / "raw/fitter_for_the_future.csv", dtype=str, keep_default_na=False)
    frame.loc[0, "comments"] = INJECTED
    answers = folder / "fitter_for_the_future.csv"
    frame.to_csv(answers, index=False)
    shutil.copy(root / "raw/fitter_for_the_future.provenance.yaml", folder)
    return run.analyse(root / "questionnaires/fitter_for_the_future.yaml", answers,
                       "python -m pipeline report (test)")


@pytest.fixture(scope="module")
def html(results) -> str:
    return run.report_html(results, run.report_date(results))


@pytest.fixture(scope="module")
def pdf(results, html) -> tuple[bytes, list[str]]:
    """The PDF as the run writes it, and every URL the renderer was asked for and refused."""
    fetcher = make_fetcher()
    return finish_pdf(render_pdf(html, fetcher=fetcher), run.report_date(results)), fetcher.refused


def test_every_section_is_there(html):
    for section in SECTIONS:
        assert f">{section}<" in html.replace("&#39;", "'"), section
    assert "Reconstructed data, not the study's answers" in html


def test_pdf_is_tagged_with_embedded_fonts_and_says_reconstructed_on_every_figure_page(pdf):
    reader = PdfReader(io.BytesIO(pdf[0]))
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


def test_main_points_numbers_are_in_the_estimates(results, html):
    section = html[html.index('id="main-points"'):html.index('class="chapter toc"')]
    table = results.estimates.frame()
    plan = results.questionnaire.analysis
    # a main point is shown on the one subgroup its published claims name (the directors' 57%), else overall
    claims = results.questionnaire.claims
    where = {m: next(iter(d)) if len(d := {tuple(c.domain or ("", "")) for c in claims if c.measure == m}) == 1
             else ("", "") for m in plan.main_points}
    shown = pd.Series([where.get(m) == (v, d) for m, v, d in zip(table["measure"], table["domain_variable"],
                                                                  table["domain"], strict=True)], index=table.index)
    points = table[shown]
    srs = points[~points.weighted & ~points.fpc & (points.ci_method == "wilson")]
    allowed = {f"{round(v * 100)}" for v in pd.concat([srs.estimate, srs.ci_low, srs.ci_high])}
    allowed |= {f"{round(100 * results.validation.rows_accepted / results.questionnaire.population.size)}",
                f"{round(100 * plan.level)}"}  # the response rate and the CI level
    found = set(re.findall(r"(\d+)(?=%|\u2013)", section))
    assert found and found <= allowed
    counts = re.findall(r"\((\d+) of (\d+);", section)
    assert len(counts) == len(plan.main_points)
    assert set(counts) == {(str(round(p * n)), str(n)) for p, n in zip(srs.estimate, srs.n, strict=True)}


def test_the_70_and_71_per_cent_reconciliation(html):
    assert "29 of 41 is 70.73%, 70% cut to a whole number, 71% rounded; taken to mean 70% to under 71%: met." in html
    assert ("58 of 82 is 70.73%, 70% cut to a whole number, 71% rounded; taken to mean 70.5% to under 71.5%: met."
            in html)


def test_two_builds_give_identical_bytes(results, html, pdf):
    again = run.report_files(results)
    assert again["report.pdf"] == pdf[0]
    assert again["report.html"] == web_page(html).encode("utf-8")
    # the written HTML stands alone: fonts and charts inside it, nothing to fetch
    assert b"report-asset:" not in again["report.html"] and b"<img" not in again["report.html"]
    assert again["report.html"].count(b'<svg role="img"') == html.count('<img src="data:image/svg+xml')
    assert again["tables.xlsx"] == build_workbook(results)
    assert again["estimates.csv"] == run.estimate_files(results)["estimates.csv"]


def test_workbook_follows_the_accessible_spreadsheet_layout(results):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(build_workbook(results)))
    assert book.sheetnames[:3] == ["Cover", "Contents", "Notes"]
    for sheet in book.worksheets:
        assert not sheet.merged_cells.ranges
    estimates = book[book.sheetnames[-1]]
    assert estimates["A1"].value.startswith("Table") and estimates["B3"].value == "Measure id"
    assert "RECONSTRUCTED" in " ".join(str(c.value) for c in book["Cover"]["A"])


def test_markup_in_free_text_is_escaped_in_the_html(html):
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html and "<img src=\"file:///etc/passwd\"" not in html


def test_markup_in_free_text_is_printed_not_fetched_in_the_pdf(pdf):
    data, refused = pdf
    assert refused == []  # escaped, the markup asks for nothing
    reader = PdfReader(io.BytesIO(data))
    assert "/EmbeddedFiles" not in reader.trailer["/Root"].get("/Names", {})
    assert not any("/FileAttachment" in str(a.get_object()) for p in reader.pages for a in p.get("/Annots", []) or [])
    assert any('<img src="file:///etc/passwd">' in page.extract_text() for page in reader.pages)


def test_the_renderer_refuses_everything_but_its_own_assets():
    fetcher = make_fetcher()
    pdf = render_pdf(f"<html lang='en'><head><title>t</title></head><body><p>x</p>{INJECTED}</body></html>",
                     fetcher=fetcher)
    # images and both kinds of attachment, each refused
    assert set(fetcher.refused) == {"file:///etc/passwd", "http://192.0.2.1/pixel.png", "file:///etc/hostname",
                                    "file:///etc/hosts"}
    reader = PdfReader(io.BytesIO(pdf))
    assert "/EmbeddedFiles" not in reader.trailer["/Root"].get("/Names", {})
    assert len(reader.pages[0].images) == 0


def test_the_structure_tree_scopes_every_header_and_describes_every_figure(results, pdf):
    """PDF/UA: TH scoped Column (in a THead) or Row, figures with /Alt, language, title, marked content."""
    import pikepdf

    document = pikepdf.open(io.BytesIO(pdf[0]))
    found: dict[str, list] = {"/TH": [], "/Figure": []}

    def walk(element, in_head):
        if isinstance(element, pikepdf.Array):
            for child in element:
                walk(child, in_head)
        elif isinstance(element, pikepdf.Dictionary) and "/S" in element:
            role = str(element.S)
            if role == "/TH":
                found[role].append((in_head, str(element.A.get("/Scope"))))
            elif role == "/Figure":
                found[role].append(str(element.get("/Alt", "")))
            if "/K" in element:
                walk(element.K, in_head or role == "/THead")

    walk(document.Root.StructTreeRoot.K, False)
    assert found["/TH"] and {pair for pair in found["/TH"]} == {(True, "/Column"), (False, "/Row")}
    assert found["/Figure"] and all(alt.strip() for alt in found["/Figure"])
    assert str(document.Root.Lang) == "en-GB" and bool(document.Root.MarkInfo.Marked)
    assert str(document.docinfo.Title).startswith(results.questionnaire.survey.title)
    assert bool(document.Root.ViewerPreferences.DisplayDocTitle)
    built = run.report_date(results)
    assert str(document.docinfo.CreationDate) == built.strftime("D:%Y%m%d%H%M%S+00'00'")
    metadata = document.Root.Metadata.read_bytes().decode()  # the build's date, not the study's year
    assert not str(document.docinfo.CreationDate).startswith("D:2009") and not re.search(r"Date[>=\"']+2009", metadata)


def test_every_figure_the_study_did_not_publish_carries_the_marker(results, html):
    from markupsafe import escape

    from pipeline.report.context import build_context
    from pipeline.report.published import UNPUBLISHED

    q = results.questionnaire
    claimed = {(c.measure, *(c.domain or ("", ""))) for c in q.claims}
    context = build_context(results)
    checked = 0
    for theme in context["themes"]:
        for group in theme["rates"]:
            for f in group["figures"]:
                published = (f["id"], "", "") in claimed
                assert (f["mark"] == UNPUBLISHED) != published, f["id"]
                label = str(escape(f["label"]))
                row = re.search(rf'<th scope="row">{re.escape(label)}</th><td class="num">([^<]*)</td>', html)
                assert row and (UNPUBLISHED in row.group(1)) != published, f["label"]
                checked += 1
        for likert in theme["likert"]:  # a share of one answer on a scale: never published
            assert likert["chart"].alt.count(UNPUBLISHED) >= 1
    for table in context["subgroups"]:
        measures = [q.measure(m) for m in q.analysis.headline]
        codes = list(q.question(table["variable"]).code_values)
        groups = [codes[[q.question(table["variable"]).label_of(c) for c in codes].index(g)] for g in table["groups"]]
        for measure, row in zip(measures, table["rows"], strict=True):
            for code, cell in zip(groups, row["cells"], strict=True):
                published = (measure.id, table["variable"], code) in claimed
                assert (UNPUBLISHED in cell["text"]) != published, (measure.id, code)
                checked += 1
    for recommendation in context["recommendations"]:
        for f in recommendation["evidence"]:
            assert bool(f["mark"]) != ((f["id"], "", "") in claimed or bool(f["domain"]))
    # a CAA reform item and the split of the pressure by indicator
    for label in ("The CAA should be carried out every three years",
                  "Pressure concerned the teenage pregnancy indicator"):
        assert re.search(rf"{re.escape(label)}</th><td class=\"num\">\d+% \[np\]", html), label
    assert checked > 40
    assert html.count(f"<strong>{UNPUBLISHED}</strong> beside a figure") == 1  # defined once


def test_a_published_figure_shows_its_wording_and_source_beside_it(html):
    row = re.search(r'Pressured by the Government Office to choose indicators in line with central government '
                    r'priorities</th>.*?<tr class="published"><td colspan="4" class="note">(.*?)</td>', html, re.S)
    assert row and "71% of those questioned" in row.group(1) and "(Community Care, February 2009)" in row.group(1)


def test_who_answered_is_counted_against_the_frame_without_intervals(html):
    section = html[html.index('id="theme-who_answered"'):html.index('id="subgroups"')]
    assert "Respondents against the population, by type of authority" in section
    cells = r"</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}"
    assert re.search("County council" + cells.format(18, 34, "53%"), section)
    assert re.search(r"All</th><td class=\"num\">82</td><td class=\"num\">150</td><td class=\"num\">55%", section)
    assert "CI" not in section.split("Respondents against the population")[1]


def test_the_recommendations_stand_beside_their_evidence_or_say_there_is_none(html):
    section = html[html.index('id="recommendations"'):html.index('id="methods"')]
    assert section.count("<li>") == 6 and section.count("no survey measure") == 1
    assert "lock authorities into a" in section and "Baby P" in html and "Haringey" in html
