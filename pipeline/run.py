"""The method, one line per stage: read, check, estimate, compare with claims, report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy  # noqa: F401  (before pandas: a missing numpy is then named, not reported by pandas as an ImportError)
import pandas as pd

from pipeline.answer_cache import AnswerCache, cache_key
from pipeline.answer_formats import answers_format, read_answers_file
from pipeline.errors import AnswersError
from pipeline.estimates import coded_variables, estimate_all
from pipeline.findings import check_claims
from pipeline.measures import status_counts
from pipeline.outputs import Digests, build_manifest, csv_bytes, json_bytes, sha256_file
from pipeline.progress import Progress, Silent
from pipeline.provenance import Provenance, read_provenance
from pipeline.questionnaire import Questionnaire, load_questionnaire
from pipeline.records import EstimateTable
from pipeline.summaries import (
    AnswerStatusCounts,
    LineSummary,
    Manifest,
    SpanningRecord,
    ValidationSummary,
    WeightingSummary,
)
from pipeline.suppression import suppress_tables
from pipeline.survey_design import DesignVariant, checked_design, design_variants
from pipeline.validate import Responses, check_answers

if TYPE_CHECKING:
    from pipeline.report.pdf_process import PdfProcess


@dataclass(frozen=True)
class Results:
    questionnaire: Questionnaire
    provenance: Provenance
    responses: Responses
    estimates: EstimateTable
    findings: pd.DataFrame
    validation: ValidationSummary
    manifest: Manifest
    comparisons: pd.DataFrame
    variants: tuple[DesignVariant, ...]


def load_and_check(questionnaire_path: Path | str, answers_path: Path | str,
                   exclude_invalid: bool | None = None, progress: Progress | None = None,
                   cache: AnswerCache | None = None,
                   digests: Digests | None = None) -> tuple[Questionnaire, Provenance, Responses]:
    """Questionnaire, provenance and checked answers; raises PipelineError on bad input.

    With a `cache`, checked answers of a large file are kept, and found again only for the same
    bytes of both inputs and the same code (`answer_cache`). The inputs' digests are the run's
    `digests` (taken afresh when not given), which the manifest then names too."""
    progress = progress or Silent()
    digests = digests or Digests()
    if cache is not None and not cache.wanted(answers_path):
        cache = None  # a file too small to be worth caching
    candidate = cache.newest(answers_path) if cache is not None else None
    if candidate is not None or (cache is not None and answers_format(answers_path) != "csv"):
        # hashed in the background while the questionnaire and an entry are read; a file that is not
        # read whole (not CSV) before it is read, so that the key's digest and a later one bracket the reading
        digests.start(answers_path)
    if cache is not None:
        digests.of(questionnaire_path)  # before it is read: the entry's checks must be of the bytes loaded
    questionnaire = load_questionnaire(questionnaire_path)
    provenance = read_provenance(answers_path)
    exclude = questionnaire.on_invalid == "exclude" if exclude_invalid is None else exclude_invalid
    responses = None
    if cache is not None and candidate is not None:
        responses = cache.load(candidate, questionnaire)
        key = cache_key(questionnaire_path, answers_path, exclude, digests)
        if candidate != key:  # the newest entry of the path is of other inputs: the key's own, if any
            responses = cache.load(key, questionnaire)
        if responses is not None and sha256_file(questionnaire_path) != digests.of(questionnaire_path):
            responses = None  # a questionnaire edited while it was read
    if responses is None:
        progress.stage("reading answers")
        replicates = questionnaire.design.replicates
        raw = read_answers_file(answers_path, questionnaire.delimiter, questionnaire.answers.sheet,
                                numeric=None if replicates is None else replicates.names_column)
        if raw.sha256 is not None:
            digests.record(answers_path, raw.sha256)  # the very bytes read: nothing to check again
        progress.stage(f"checking {len(raw.cells):,} rows")
        responses = check_answers(raw, questionnaire, exclude_invalid=exclude)
        read_whole = raw.sha256 is not None
        del raw
        _release_arrow_memory()
        if cache is not None:
            key = cache_key(questionnaire_path, answers_path, exclude, digests)
            apart = (questionnaire_path,) if read_whole else (questionnaire_path, answers_path)
            cache.store(key, responses, {str(path): digests.of(path) for path in apart})
    try:
        checked_design(responses)
    except AnswersError as error:
        raise AnswersError([responses.locate(issue) for issue in error.issues]) from None
    return questionnaire, provenance, responses


def _release_arrow_memory() -> None:
    """Hand the memory of the cells no longer held (the Arrow columns read, such as the replicate
    weights now in one float matrix) back to the system, so that estimation does not add its
    arrays on top of memory nothing uses."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def analyse(questionnaire_path: Path | str, answers_path: Path | str, command: str,
            exclude_invalid: bool | None = None, progress: Progress | None = None,
            cache: AnswerCache | None = None) -> Results:
    """Every statistic of a survey, computed in memory."""
    progress = progress or Silent()
    digests = Digests()
    questionnaire, provenance, responses = load_and_check(questionnaire_path, answers_path, exclude_invalid,
                                                          progress, cache, digests)
    progress.stage("weighting and coding measures")
    try:
        variants = design_variants(responses)
    except AnswersError as error:
        raise AnswersError([responses.locate(issue) for issue in error.issues]) from None
    variables = coded_variables(responses)
    progress.stage("estimating")
    estimates = estimate_all(responses, variants, variables)
    progress.stage("comparing groups")
    comparisons = _comparisons(responses, variables, variants)
    findings = check_claims(questionnaire, estimates, len(responses.answers), responses)
    estimates, comparisons, findings = suppress_tables(estimates, comparisons, findings,
                                                       questionnaire.analysis.suppress_below)
    design = next((v for v in variants if v.name == "design"), None)
    validation = validation_summary(responses, design.weighting if design else None)
    inputs = {"questionnaire": questionnaire_path, "answers": answers_path,
              "provenance": provenance.path}
    manifest = build_manifest(inputs, command, digests)
    return Results(questionnaire, provenance, responses, estimates, findings, validation, manifest,
                   comparisons, tuple(variants))


def _comparisons(responses: Responses, variables, variants) -> pd.DataFrame:
    """The analysis plan's tests (imported only when there are any: scipy.stats is slow to load)."""
    if not responses.questionnaire.analysis.comparisons:
        return pd.DataFrame()
    from pipeline.compare import compare_all

    return compare_all(responses, variables, variants)


def estimate_files(results: Results) -> dict[str, bytes]:
    """The machine-readable outputs: estimates, findings, validation and manifest."""
    files = {"estimates.csv": csv_bytes(results.estimates.frame()),
             "validation.json": json_bytes(results.validation.to_json()),
             "manifest.json": json_bytes(results.manifest.to_json())}
    if results.questionnaire.claims:
        files["findings.csv"] = csv_bytes(results.findings)
    if results.questionnaire.analysis.comparisons:
        files["comparisons.csv"] = csv_bytes(results.comparisons)
    return files


def report_files(results: Results, pdf: PdfProcess | None = None) -> dict[str, bytes]:
    """Everything: the estimate files plus the workbook and the HTML and PDF report, dated by the build.

    The PDF is laid out in another process while this one makes the rest; one started earlier
    (which has imported WeasyPrint meanwhile) may be passed as `pdf`.
    """
    from pipeline.report.pdf_process import PdfProcess
    from pipeline.report.web_page import web_page
    from pipeline.report.workbook import build_workbook

    with pdf or PdfProcess() as pdf:
        built, html = _dated_report_html(results)
        pdf.send(html, built)
        files = {**estimate_files(results), "tables.xlsx": build_workbook(results, built),
                 "report.html": web_page(html).encode("utf-8")}
        return {**files, "report.pdf": pdf.result()}


def report_date(results: Results) -> dt.datetime:
    """The build's moment: SOURCE_DATE_EPOCH, else the inputs' last commit, else their modification times."""
    from pipeline.report.build_date import build_moment

    return build_moment(results.questionnaire.path, results.responses.path)


def report_html(results: Results, built: dt.datetime, context: dict | None = None) -> str:
    """The report as one HTML document, dated `built` (from its `context`, when already built)."""
    from pipeline.report.context import build_context
    from pipeline.report.render import render_html

    context = build_context(results) if context is None else context
    return render_html({**context, "created": built.strftime("%Y-%m-%dT%H:%M:%SZ")})


def _dated_report_html(results: Results) -> tuple[dt.datetime, str]:
    """The build's moment and the report's HTML dated by it: git is asked for the moment (a process
    of its own) while this one builds the report's context."""
    from concurrent.futures import ThreadPoolExecutor

    from pipeline.report.context import build_context

    with ThreadPoolExecutor(max_workers=1) as dating:
        moment = dating.submit(report_date, results)
        context = build_context(results)
        built = moment.result()
    return built, report_html(results, built, context)


def validation_summary(responses: Responses, weighting: WeightingSummary | None = None) -> ValidationSummary:
    """Every row and physical line read accounted for, with reasons, and per-question answer status counts.

    header_lines + blank_lines + record_lines = physical_lines_read; records whose quoted
    free text spans lines are listed, so that a reader can check none swallowed a row.
    """
    q = responses.questionnaire
    per_question = {}
    for question in q.questions:
        per_question[question.id] = AnswerStatusCounts(*(int(c) for c in status_counts(responses, question)))
    return ValidationSummary(q.path, responses.path, responses.encoding, responses.rows_read, len(responses.answers),
                             responses.rows_read - len(responses.answers), tuple(responses.excluded_lines),
                             _line_summary(responses), tuple(responses.issues), per_question,
                             format=responses.format, sheet=responses.sheet,
                             ignored_columns=tuple(responses.ignored_columns),
                             respondent_id=None if responses.ids_are_row_numbers else q.design.respondent_id,
                             weighting=weighting)


def _line_summary(responses: Responses) -> LineSummary | None:
    """Physical lines read: header, blank and record lines, and the records spanning lines."""
    account = responses.lines
    if account is None:
        return None
    spanning: dict[tuple[int, int], list[str]] = {}
    for value in account.spanning:
        columns = spanning.setdefault((value.first_line, value.last_line), [])
        if value.column not in columns:
            columns.append(value.column)
    return LineSummary(account.physical, account.header, account.blank, account.records,
                       tuple(SpanningRecord(first, last, tuple(columns))
                             for (first, last), columns in spanning.items()))
