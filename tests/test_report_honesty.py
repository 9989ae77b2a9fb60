"""The report says what the data are: small bases are suppressed everywhere, real answers are not
called illustrations, the confidence level and interval method are the analysis plan's, and
answer scales of any length get distinct colours.

Each survey is built once per module, from a copy of its questionnaire that changes the
analysis plan (a higher suppression threshold, a 90% level, Clopper-Pearson intervals).
"""

from __future__ import annotations

import base64
import html as html_module
import io
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from pipeline import run
from pipeline.estimates import estimate_all
from pipeline.findings import check_claims
from pipeline.records import EstimateTable
from pipeline.report.context import build_context
from pipeline.report.render import render_html, render_pdf
from pipeline.report.workbook import build_workbook

MARKER = "[c]"
ILLUSTRATION = "Illustrations of the method, not findings of the study."
STUDY = "fitter_for_the_future"
REAL = "anes96"
# Threshold for the study's copy: above the bases of most opinion questions (70 to 79) and of
# the routed pressure measures (58), below the 82 of the headline measures.
STUDY_THRESHOLD = 79
# Threshold for the real survey's copy: above the smallest education group.
REAL_THRESHOLD = 20
PLAN = {"  level: 0.95\n": "  level: 0.9\n", "  interval: wilson\n": "  interval: clopper-pearson\n"}
SUPPRESSED_MEASURE = "pressure_neet"  # added to the study copy's headline and main points: its base is 58


@dataclass(frozen=True)
class Built:
    """One survey's results, and each output made when a test first reads it: a test of the HTML
    or the tables renders no PDF. Each text is extracted once, as PDF extraction is slow."""

    results: run.Results
    unsuppressed: EstimateTable

    @cached_property
    def files(self) -> dict[str, bytes]:
        """The machine-readable outputs (estimates, findings, comparisons)."""
        return run.estimate_files(self.results)

    @cached_property
    def html_source(self) -> str:
        return render_html(build_context(self.results))

    @cached_property
    def html(self) -> str:
        return html_module.unescape(self.html_source)

    @cached_property
    def charts(self) -> list[str]:
        """Every chart's SVG source, decoded from its data URI."""
        return [base64.b64decode(uri).decode() for uri in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)",
                                                                       self.html_source)]

    @cached_property
    def pdf_text(self) -> str:
        reader = PdfReader(io.BytesIO(render_pdf(self.html_source)))
        return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)

    @property
    def workbook(self):
        return load_workbook(io.BytesIO(build_workbook(self.results)))

    @cached_property
    def workbook_text(self) -> str:
        return "\n".join(str(cell.value) for sheet in self.workbook.worksheets for row in sheet.iter_rows()
                         for cell in row if cell.value is not None)


def _copy_questionnaire(root: Path, directory: Path, survey: str, replacements: dict[str, str]) -> Path:
    """A copy of a shipped questionnaire with some lines of its analysis plan replaced."""
    text = (root / "questionnaires" / f"{survey}.yaml").read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = directory / f"{survey}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _build(root: Path, questionnaire: Path, survey: str) -> Built:
    answers = root / "raw" / f"{survey}.csv"
    results = run.analyse(questionnaire, answers, "python -m pipeline report (test)")
    _, _, responses = run.load_and_check(questionnaire, answers)
    return Built(results, estimate_all(responses))


@pytest.fixture(scope="module")
def study(request, tmp_path_factory) -> Built:
    root = request.config.rootpath
    replacements = {**PLAN, "  suppress_below: 5\n": f"  suppress_below: {STUDY_THRESHOLD}\n",
                    "  headline:\n": f"  headline:\n    - {SUPPRESSED_MEASURE}\n",
                    "  main_points:\n    - go_pressured\n": f"  main_points:\n    - {SUPPRESSED_MEASURE}\n"}
    return _build(root, _copy_questionnaire(root, tmp_path_factory.mktemp("study"), STUDY, replacements), STUDY)


@pytest.fixture(scope="module")
def real(request, tmp_path_factory) -> Built:
    root = request.config.rootpath
    replacements = {**PLAN, "  suppress_below: 5\n": f"  suppress_below: {REAL_THRESHOLD}\n"}
    return _build(root, _copy_questionnaire(root, tmp_path_factory.mktemp("real"), REAL, replacements), REAL)


def _small(table: pd.DataFrame, threshold: int) -> pd.Series:
    return table["n"] < threshold


# 1. A suppressed figure appears in no output ------------------------------------------------------------------


def _estimate(measure: str, n: int, note: str = ""):
    from pipeline.records import Estimate

    return Estimate("s", measure, "yes", "", "", "srs", n, "all respondents", 0.5, 0.1, 0.2, 0.8, "wilson",
                    False, False, float("nan"), note)


def test_suppression_blanks_small_bases_and_appends_to_an_existing_note():
    from pipeline.records import EstimateTable
    from pipeline.suppression import suppress_estimates

    table = EstimateTable([_estimate("a", 3, "no interval at 0"), _estimate("b", 50)])
    out = suppress_estimates(table, 5)
    small, large = out.get("a", "yes"), out.get("b", "yes")
    assert all(np.isnan(getattr(small, c)) for c in ("estimate", "se", "ci_low", "ci_high"))
    assert small.note == f"no interval at 0; {MARKER} suppressed: base of fewer than 5"
    assert large == table.get("b", "yes")
    assert table.get("a", "yes").estimate == 0.5  # the argument is not modified


def test_suppression_starts_at_the_threshold_itself():
    from pipeline.records import EstimateTable
    from pipeline.suppression import suppress_estimates

    out = suppress_estimates(EstimateTable([_estimate("a", 4), _estimate("b", 5)]), 5)
    assert out.get("a", "yes").note == f"{MARKER} suppressed: base of fewer than 5"
    assert out.get("b", "yes").estimate == 0.5 and out.get("b", "yes").note == ""


def test_suppressed_comparisons_keep_the_shown_group_and_the_test():
    from pipeline.suppression import suppress_comparisons

    table = pd.DataFrame({"measure": ["m", "m"], "test": ["fisher", "rao-scott-f"], "n_a": [3, 90], "n_b": [40, ""],
                          "estimate_a": [0.5, np.nan], "estimate_b": [0.6, np.nan], "difference": [-0.1, np.nan],
                          "ci_low": [-0.5, np.nan], "ci_high": [0.3, np.nan], "statistic": [0.7, 2.5],
                          "p_value": [0.6, 0.1]})
    out = suppress_comparisons(table, 5)
    first = out.loc[0]
    assert np.isnan(first.estimate_a) and first.estimate_b == 0.6 and first.p_value == 0.6
    assert np.isnan([first.difference, first.ci_low, first.ci_high, first.statistic]).all()
    assert MARKER in first.note and out.loc[1, "note"] == "" and out.loc[1, "statistic"] == 2.5


def test_claims_on_small_bases_keep_their_verdict_but_not_their_figure():
    from pipeline.suppression import suppress_findings

    findings = pd.DataFrame({"claim": ["a", "b", "c"], "measure": ["respondents", "m", "m"], "n": [3, 3, 50],
                             "reproduced": [3.0, 0.4, 0.6], "verdict": ["met", "met", "not met"]})
    out = suppress_findings(findings, 5)
    assert out.reproduced.tolist()[0] == 3.0 and np.isnan(out.reproduced[1]) and out.reproduced[2] == 0.6
    assert out.verdict.tolist() == findings.verdict.tolist()
    assert "unsuppressed" in out.note[1] and out.note[0] == out.note[2] == ""


def test_estimates_and_comparisons_files_are_blank_under_the_threshold(study):
    estimates = pd.read_csv(io.BytesIO(study.files["estimates.csv"]), keep_default_na=False, dtype=str)
    n = estimates["n"].astype(int)
    small = n < STUDY_THRESHOLD
    assert small.any() and (~small).any()
    for column in ("estimate", "se", "ci_low", "ci_high"):
        assert (estimates.loc[small, column] == "").all(), column
    assert estimates.loc[small, "note"].str.contains(re.escape(MARKER)).all()
    assert not estimates.loc[~small, "note"].str.contains(re.escape(MARKER)).any()
    assert (estimates.loc[~small & (n > 0), "estimate"] != "").all()
    comparisons = pd.read_csv(io.BytesIO(study.files["comparisons.csv"]), keep_default_na=False, dtype=str)
    pairwise = comparisons[comparisons.test == "design-difference"]
    assert len(pairwise) and (pairwise[["difference", "ci_low", "ci_high", "statistic", "se"]] == "").all().all()
    assert (pairwise[["estimate_a", "estimate_b"]] == "").all().all()


def test_claims_are_checked_on_unsuppressed_figures(study):
    q = study.results.questionnaire
    expected = check_claims(q, study.unsuppressed, study.results.validation.rows_accepted)
    findings = pd.read_csv(io.BytesIO(study.files["findings.csv"]), keep_default_na=False, dtype=str)
    assert findings.verdict.tolist() == expected.verdict.tolist()
    small = (findings.n.astype(int) < STUDY_THRESHOLD) & (findings.measure != "respondents")
    assert small.any()
    assert (findings.loc[small, "reproduced"] == "").all()
    assert findings.loc[small, "note"].str.contains("unsuppressed").all()


def _section(html: str, start: str, end: str) -> str:
    return html[html.index(start):html.index(end, html.index(start))]


def _rows_labelled(html: str, label: str) -> list[str]:
    return re.findall(rf'<tr><th scope="row">{re.escape(label)}</th>.*?</tr>', html)


def test_no_percentage_is_shown_for_a_small_base_in_the_html(study):
    q = study.results.questionnaire
    html = study.html
    label = q.measure(SUPPRESSED_MEASURE).label
    points = _section(html, 'id="main-points"', "</section>")
    point = re.search(rf"<li>{re.escape(label)}: (.*?)</li>", points, re.S)
    assert point and point.group(1).startswith(MARKER) and not re.search(r"\d%", point.group(1))
    unsuppressed = study.unsuppressed.frame()
    small = unsuppressed[(unsuppressed.domain_variable == "") & (unsuppressed.n < STUDY_THRESHOLD)
                         & (unsuppressed.statistic == "share")]
    labels = {q.measure(m).label for m in set(small.measure) & {m.id for m in q.measures}}
    theme_rows = [row for lab in labels for row in _rows_labelled(_section(html, 'id="theme-', 'id="subgroups"'), lab)]
    assert theme_rows and all(MARKER in row and not re.search(r"\d%", row) for row in theme_rows)
    subgroups = _section(html, 'id="subgroups"', "</section>").replace("at the 90% level", "")
    assert MARKER in subgroups and not re.search(r"\d%|points", subgroups)
    appendix = _section(html, 'id="appendix"', "</section>")
    small_questions = [question for question in q.questions if question.id in set(small.measure)]
    for question in small_questions:
        table = re.search(rf"<caption>{re.escape(question.label)}<br>.*?<tbody>(.*?)</tbody>", appendix,
                          re.S).group(1)
        assert MARKER in table and not re.search(r"\d%", table), question.id
    numbers = [question for question in q.questions if question.type.is_numeric]
    for question in numbers:  # a numeric question's table: the marker in place of every figure
        table = re.search(rf"<caption>{re.escape(question.label)} \(.*?</caption>.*?<tbody>(.*?)</tbody>", html,
                          re.S).group(1)
        assert MARKER in table and not re.search(r"\d", table), question.id
    claim = next(r for r in study.results.findings.itertuples() if r.n < STUDY_THRESHOLD and r.measure != "respondents")
    claims = _section(html, 'id="reproduction-check"', "</section>")
    row = re.search(rf'<tr id="claim-{claim.claim}">.*?</tr>', claims, re.S).group(0)
    assert f"{MARKER} (n = {claim.n})" in row and not re.search(r"\d\.\d%", row)


def test_charts_draw_no_value_for_a_small_base(study):
    q = study.results.questionnaire
    html = study.html
    figures = [f for theme in q.analysis.themes for f in theme.measures]
    unsuppressed = study.unsuppressed.frame()
    small = unsuppressed[(unsuppressed.domain_variable == "") & (unsuppressed.n < STUDY_THRESHOLD)
                               & unsuppressed.measure.isin(figures)]
    alts = re.findall(r'alt="([^"]*)"', html)
    for measure in set(small.measure):
        label = q.measure(measure).label
        assert any(f"{label}: {MARKER}" in alt for alt in alts), measure
        assert not any(re.search(rf"{re.escape(label)}: \d", alt) for alt in alts), measure
    unsuppressed = study.unsuppressed.frame()
    small_questions = set(unsuppressed[(unsuppressed.domain_variable == "")
                                             & (unsuppressed.n < STUDY_THRESHOLD)].measure)
    scale_labels = {question.label for question in q.questions
                    if question.type == "scale" and question.id in small_questions}
    assert scale_labels and all(any(f"{label}: {MARKER}" in alt for alt in alts) for label in scale_labels)
    values = [re.findall(r">(\d+%|\[c\])</text>", svg) for svg in study.charts]
    shown = {"0%", "25%", "50%", "75%", "100%"}  # axis ticks
    assert sum(v.count(MARKER) for v in values) >= len(set(small.measure))
    rates = [v for v in values if set(v) - shown - {MARKER}]
    assert rates  # some rates are still drawn with their value


def test_pdf_shows_the_marker_not_the_number(study):
    q = study.results.questionnaire
    text = study.pdf_text
    label = " ".join(q.measure(SUPPRESSED_MEASURE).label.split())
    unsuppressed = study.unsuppressed.frame()
    row = unsuppressed[(unsuppressed.measure == SUPPRESSED_MEASURE) & (unsuppressed.domain == "")
                             & ~unsuppressed.weighted & ~unsuppressed.fpc].iloc[0]
    assert f"{MARKER} {label}" in text
    assert f"{round(row.estimate * 100)}% {label}" not in text
    assert f"{round(row.estimate * row.n)} of {row.n}" not in text


def test_workbook_has_the_suppressed_tables(study):
    book = study.workbook
    for name, value in (("Estimates", "Estimate (%)"), ("Comparisons", "Difference, A minus B (percentage points)"),
                        ("Findings", "Reproduced percentage (%)")):
        sheet = book[name]
        header = [c.value for c in sheet[3]]
        rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=4)]
        if name == "Estimates":  # as estimates.csv: the value blank, the note column says why
            marked = [r for r in rows if r["Note"] and MARKER in r["Note"]]
            assert marked and all(r[value] is None for r in marked), name
        else:  # a report table: the marker in the cell, never a number
            assert any(r[value] == MARKER for r in rows), name
    notes = " ".join(str(c.value) for c in book["Notes"]["B"])
    assert f"fewer than {STUDY_THRESHOLD}" in notes


def test_comparison_groups_under_the_threshold_show_only_the_marker(real):
    q = real.results.questionnaire
    html = real.html
    comparisons = _section(html, "<h3>Tests of difference</h3>", "</section>")
    unsuppressed = real.unsuppressed.frame()
    small_groups = {q.question(by).label_of(code) for by in q.analysis.subgroups
                    for code in q.question(by).code_values
                    if unsuppressed[(unsuppressed.domain_variable == by)
                                    & (unsuppressed.domain == code)].n.max() < REAL_THRESHOLD}
    assert small_groups
    sentences = re.findall(r"<li>(.*?)</li>", comparisons, re.S)
    small = [s for s in sentences if any(s.startswith(f"{g} ") or f" v {g}" in s for g in small_groups)]
    assert small
    for sentence in small:
        assert "points" not in sentence and MARKER in sentence and not re.search(r"\d%", sentence)


# 2. Real answers are never called illustrations ---------------------------------------------------------------


def test_reconstructed_answers_are_called_illustrations_everywhere(study):
    assert study.results.provenance.reconstructed
    assert ILLUSTRATION in study.html
    assert " ".join(ILLUSTRATION.split()) in study.pdf_text
    assert ILLUSTRATION in study.workbook_text


def test_real_answers_are_not_called_illustrations_anywhere(real):
    assert not real.results.provenance.reconstructed
    for name, text in (("html", real.html), ("pdf", real.pdf_text), ("workbook", real.workbook_text)):
        assert "illustrat" not in text.lower(), name


# 3. The confidence level and interval method come from the analysis plan ----------------------------------


@pytest.mark.parametrize("survey", ["study", "real"])
def test_level_and_method_come_from_the_plan(survey, request):
    built = request.getfixturevalue(survey)
    texts = {"html": built.html, "charts": "\n".join(built.charts), "pdf": built.pdf_text,
             "workbook": built.workbook_text}
    for name, text in texts.items():
        assert "95%" not in text, name
        assert "wilson" not in text.lower(), name
    for name in ("html", "pdf", "workbook"):
        assert "90%" in texts[name], name
        assert "Clopper-Pearson" in texts[name], name
    assert "with 90% confidence interval" in texts["charts"]
