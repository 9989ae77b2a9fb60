"""Outputs safe to open and the same everywhere: no text a spreadsheet would run as a formula,
no character that breaks the workbook, and the same bytes from any checkout, directory, clock
or SOURCE_DATE_EPOCH.

Two small surveys carry the hostile text: one has answer codes, group codes and claims that
start with each character a spreadsheet reads as the start of a formula; the other has control
characters in its title, organisations, labels, answers and claims. The same-bytes test builds
the bundled ANES extract in two copies of the package.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from survey_files import write_survey

from pipeline import run
from pipeline.report.context import build_context
from pipeline.report.render import ASSETS, render_html, render_pdf
from pipeline.report.workbook import build_workbook

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CODE_TRIGGERS = ("=", "+", "-", "@")  # answers are stripped, so no code starts with a tab or a carriage return
CODES = {"=": "=1+2", "+": "+cmd|' /C calc'!A0", "-": "-2+3", "@": "@SUM(A1:A9)"}
GROUPS = [{"code": "-a", "label": "Group A"}, {"code": "=b", "label": "Group B"}]
CONTROL_CODE = "x\x01y"
TITLE = "Title with \x01 and \x1b[31m escape"
ORGANISATION = "Org\x07anisation"
CLAIM_CONTROL = "wording\x1b with escape"


def wording(trigger: str) -> str:
    return f"{trigger}HYPERLINK(\"http://example.invalid\", \"claim\")"


def claim(claim_id: str, source: str, text: str) -> dict:
    return {"id": claim_id, "source": source, "wording": text, "statistic": "share", "measure": "says",
            "reasoning": "r", "interval": {"low": 0.1, "high": 0.3}}


def analysed_survey(folder: Path, codes: list[str], claims: list[dict], survey: dict) -> run.Results:
    """48 respondents in two groups, answering one question with `codes`; the first code's share is
    compared between the groups, and each claim is about it."""
    options = [{"code": code, "label": f"label {i}\x1b"} for i, code in enumerate(codes)]
    rows = [{"rid": f"r{i}", "group": GROUPS[i // 24]["code"], "q": codes[i % len(codes)]} for i in range(48)]
    analysis = {"fpc": False, "suppress_below": 1, "subgroups": ["group"],
                "comparisons": [{"measure": "says", "by": "group"}]}
    paths = write_survey(
        folder, survey["id"], rows, {"respondent_id": "rid"},
        [{"id": "group", "type": "single_choice", "codes": GROUPS},
         {"id": "q", "type": "single_choice", "label": "Question\x01", "codes": options}],
        analysis, survey=survey, measures=[{"id": "says", "question": "q", "categories": [codes[0]], "base": "valid"}],
        claims=claims)
    return run.analyse(*paths, command="test")


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> run.Results:
    """Answer codes, group codes, claim wording and sources that start with each formula trigger."""
    claims = [claim(f"claim_{i}", f"{trigger}source", wording(trigger)) for i, trigger in enumerate(TRIGGERS)]
    return analysed_survey(tmp_path_factory.mktemp("formulas"), [*CODES.values(), "ok"], claims,
                           {"id": "formulas", "title": "Formulas"})


@pytest.fixture(scope="module")
def control_results(tmp_path_factory) -> run.Results:
    """Control characters in the title, an organisation, an answer code, labels and a claim."""
    return analysed_survey(tmp_path_factory.mktemp("controls"), [CONTROL_CODE, "ok"],
                           [claim("control", "s", CLAIM_CONTROL)],
                           {"id": "controls", "title": TITLE, "organisations": [ORGANISATION]})


@pytest.fixture(scope="module")
def files(results) -> dict[str, bytes]:
    return run.estimate_files(results)


@pytest.fixture(scope="module")
def book(results):
    return load_workbook(io.BytesIO(build_workbook(results)))


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def sheet_cells(sheet) -> list:
    return [cell for row in sheet.iter_rows() for cell in row]


@pytest.mark.parametrize("trigger", CODE_TRIGGERS)
def test_a_formula_like_answer_code_is_quoted_and_inert_in_estimates_csv(files, trigger):
    text = files["estimates.csv"].decode("utf-8")
    code = CODES[trigger]
    quoted = '"' + ("'" + code).replace('"', '""') + '"'
    assert f",{quoted}," in text
    assert {row["category"] for row in csv_rows(files["estimates.csv"])} >= {"'" + code}
    assert not any(row["category"] == code for row in csv_rows(files["estimates.csv"]))


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_formula_like_claim_wording_and_source_are_quoted_and_inert_in_findings_csv(files, trigger):
    text = files["findings.csv"].decode("utf-8")
    assert '"' + ("'" + wording(trigger)).replace('"', '""') + '"' in text
    assert f"\"'{trigger}source\"" in text
    rows = {row["claim"]: row for row in csv_rows(files["findings.csv"])}
    row = rows[f"claim_{TRIGGERS.index(trigger)}"]
    assert row["wording"] == "'" + wording(trigger) and row["source"] == f"'{trigger}source"


def test_formula_like_codes_are_quoted_and_inert_in_comparisons_csv_and_negative_numbers_are_not(files, results):
    text = files["comparisons.csv"].decode("utf-8")
    assert "\"'=1+2\"" in text and "\"'-a\"" in text and "\"'=b\"" in text
    rows = csv_rows(files["comparisons.csv"])
    assert {row["category"] for row in rows} == {"'=1+2"}
    ci_low = float(results.comparisons.loc[results.comparisons["test"] == "fisher", "ci_low"].iloc[0])
    assert ci_low < 0
    assert f",{ci_low!r}," in text and f"'{ci_low!r}" not in text


def test_formula_like_codes_are_inert_in_the_workbook_comparisons_and_negative_numbers_are_not(book, results):
    text = [cell for cell in sheet_cells(book["Comparisons"]) if cell.value in ("'=1+2", "'-a", "'=b")]
    assert {cell.value for cell in text} == {"'=1+2", "'-a", "'=b"} and all(cell.data_type == "s" for cell in text)
    negative = [cell for cell in sheet_cells(book["Comparisons"]) if isinstance(cell.value, float) and cell.value < 0]
    assert negative and all(cell.data_type == "n" for cell in negative)
    expected = sorted(v for v in results.comparisons.select_dtypes("number").stack() if v < 0)
    assert sorted(cell.value for cell in negative) == pytest.approx(expected, rel=1e-15)  # the workbook keeps 16 digits


@pytest.mark.parametrize("trigger", CODE_TRIGGERS)
def test_a_formula_like_answer_code_is_inert_text_in_the_workbook(book, trigger):
    cells = [cell for cell in sheet_cells(book["Estimates"]) if cell.value == "'" + CODES[trigger]]
    assert cells and all(cell.data_type == "s" for cell in cells)
    assert not any(cell.data_type == "f" for sheet in book.worksheets for cell in sheet_cells(sheet))


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_formula_like_claim_wording_is_inert_text_in_the_workbook(book, trigger):
    values = {cell.value for cell in sheet_cells(book["Findings"])}
    # openpyxl without lxml writes a carriage return raw, which XML reads as a line break; with
    # lxml (which pikepdf brings) it writes &#13; and the carriage return is kept
    readings = {trigger, {"\r": "\n"}.get(trigger, trigger)}
    assert any("'" + wording(read) in values and f"'{read}source" in values for read in readings)


def test_control_characters_are_visible_escapes_in_the_workbook_and_kept_in_csv(control_results):
    book = load_workbook(io.BytesIO(build_workbook(control_results)))
    cover = [cell.value for cell in sheet_cells(book["Cover"])]
    assert "Title with \\x01 and \\x1b[31m escape" in cover
    assert "Organisations: Org\\x07anisation" in cover
    assert book.properties.title == "Title with \\x01 and \\x1b[31m escape"
    assert "x\\x01y" in [cell.value for cell in sheet_cells(book["Estimates"])]
    assert "wording\\x1b with escape" in [cell.value for cell in sheet_cells(book["Findings"])]
    files = run.estimate_files(control_results)
    assert CONTROL_CODE in {row["category"] for row in csv_rows(files["estimates.csv"])}
    assert CLAIM_CONTROL in {row["wording"] for row in csv_rows(files["findings.csv"])}


def test_the_html_names_no_path_of_the_checkout(results):
    html = render_html(build_context(results))
    assert "file:" not in html and str(ASSETS.parent.parent) not in html


def test_the_pdf_ignores_source_date_epoch_when_fonttools_subsets_the_fonts(monkeypatch):
    """Without HarfBuzz's subsetter, fontTools stamps each font subset with SOURCE_DATE_EPOCH."""
    import weasyprint.pdf.fonts

    monkeypatch.setattr(weasyprint.pdf.fonts, "harfbuzz_subset", None)
    html = ("<html lang='en'><head><title>t</title><style>@font-face { font-family: R; "
            "src: url('report-asset:fonts/DejaVuSans.ttf') } body { font-family: R }</style></head>"
            "<body><p>Same bytes</p></body></html>")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    unset = render_pdf(html)
    left_unset = "SOURCE_DATE_EPOCH" not in os.environ
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert render_pdf(html) == unset
    assert left_unset and os.environ["SOURCE_DATE_EPOCH"] == "1700000000"  # the caller's setting, as it was


def build_in_checkout(root: Path, checkout: Path, source_date_epoch: str | None) -> dict[str, bytes]:
    """Copy the package and the survey's inputs to `checkout`, run `make report`'s command there, read the outputs."""
    for folder in ("pipeline", "questionnaires", "raw"):
        shutil.copytree(root / folder, checkout / folder, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    env.pop("SOURCE_DATE_EPOCH", None)
    if source_date_epoch is not None:
        env["SOURCE_DATE_EPOCH"] = source_date_epoch
    used = subprocess.run([sys.executable, "-c", "import pipeline; print(pipeline.__file__)"], cwd=checkout, env=env,
                          capture_output=True, text=True, check=True).stdout.strip()
    assert Path(used).parent == checkout / "pipeline"
    subprocess.run([sys.executable, "-m", "pipeline", "report", "questionnaires/anes96.yaml", "raw/anes96.csv",
                    "--out", "out"], cwd=checkout, env=env, check=True, capture_output=True)
    return {path.name: path.read_bytes() for path in sorted((checkout / "out").iterdir())}


def test_every_output_is_the_same_bytes_from_any_checkout_clock_or_source_date_epoch(root, tmp_path):
    """Two checkouts at different paths, built at different times, one with SOURCE_DATE_EPOCH set."""
    first_started = time.time()
    first = build_in_checkout(root, tmp_path / "one", None)
    assert time.time() - first_started > 2  # the second build reads a later clock, past a zip timestamp's 2 s
    # outside git the build is dated by the inputs' modification times, which the copies keep;
    # SOURCE_DATE_EPOCH set to that moment gives the same bytes
    epoch = max(int((root / name).stat().st_mtime) for name in ("questionnaires/anes96.yaml", "raw/anes96.csv"))
    second = build_in_checkout(root, tmp_path / "checkout-two" / "deeper", str(epoch))
    assert sorted(first) == sorted(second) == sorted([
        "comparisons.csv", "estimates.csv", "manifest.json", "report.html", "report.pdf", "tables.xlsx",
        "validation.json"])
    assert [name for name in first if first[name] != second[name]] == []
