"""`estimate` and `report` with `--engine duckdb` or `--engine spark`: the same stages as
`run.analyse`, with the reading, the checks and the one pass made by the engine over the file.

The answers never come into Python (but on the error path, to name problems): the engine
returns the header, counts, one row per stratum and cluster, and the sufficient statistics,
and the memory engine's numpy algebra does the rest.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.answer_formats import answers_format
from pipeline.engines.checks import (
    check_design,
    check_header,
    check_rows,
    design_groups,
    design_problem,
    memory_reader_verdict,
)
from pipeline.engines.connections import (
    DEFAULT_MASTER,
    Connection,
    DuckDBConnection,
    EngineReadError,
    SparkConnection,
    csv_header,
    parquet_header,
)
from pipeline.engines.design import DesignGroups, grouped_variants
from pipeline.engines.sql_text import (
    AnswerColumns,
    QuestionnaireSql,
    duplicate_ids_query,
    summary_query,
    suspect_rows,
    unusual_text,
)
from pipeline.engines.statistics import EngineStatistics
from pipeline.engines.support import check_supported, unsupported
from pipeline.ingest import MAX_FIELD_CHARS
from pipeline.progress import Progress, Silent
from pipeline.provenance import read_provenance
from pipeline.questionnaire import load_questionnaire
from pipeline.summaries import STATUSES, AnswerStatusCounts, LineSummary, ValidationSummary

ENGINES = ("memory", "duckdb", "spark")


def connect(engine: str, spark_master: str = DEFAULT_MASTER) -> Connection:
    """A connection to the engine named."""
    if engine == "duckdb":
        return DuckDBConnection()
    if engine == "spark":
        return SparkConnection(spark_master)
    raise ValueError(f"no engine '{engine}'")


def analyse_with_engine(questionnaire_path: Path | str, answers_path: Path | str, command: str, engine: str,
                        exclude_invalid: bool | None = None, progress: Progress | None = None,
                        spark_master: str = DEFAULT_MASTER, connection: Connection | None = None):
    """Every statistic `run.analyse` computes for the supported designs, by `engine`."""
    from pipeline import run
    from pipeline.estimates import coded_variables, estimate_all
    from pipeline.findings import check_claims
    from pipeline.outputs import build_manifest
    from pipeline.suppression import suppress_tables

    progress = progress or Silent()
    q = load_questionnaire(questionnaire_path)
    provenance = read_provenance(answers_path)
    path = str(answers_path)
    fmt = answers_format(answers_path)
    exclude = q.on_invalid == "exclude" if exclude_invalid is None else exclude_invalid
    check_supported(q, fmt, engine, exclude)
    own = connection is None
    connection = connection or connect(engine, spark_master)
    try:
        progress.stage(f"reading and checking answers ({engine})")
        header, names, raw = _header(path, fmt, q)
        columns = AnswerColumns.of({name: raw.sources.get(name, name) for name in raw.cells.columns
                                    if name in q.column_sources})
        sql = QuestionnaireSql(q, columns)
        try:
            connection.open(path, fmt, header, columns, q.delimiter, coded_columns(q), names)
            coded = coded_columns(q)
            unusual = unusual_text([columns[n] for n in columns.names if n not in coded],
                                   MAX_FIELD_CHARS) if fmt == "csv" else "FALSE"
            summary = connection.rows(summary_query(sql, STATUSES, suspect_rows(sql), unusual))[0]
            if summary[2]:
                raise EngineReadError("a value holding a line break, or longer than the memory reader allows")
        except EngineReadError as error:
            memory_reader_verdict(path, q, str(error))
            raise
        try:
            n_rows, suspects = int(summary[0]), int(summary[1] or 0)
            duplicates = 0
            if q.design.respondent_id is not None:
                duplicates = int(connection.rows(duplicate_ids_query(sql.column(q.id_column)))[0][0])
            check_rows(connection, sql, path, fmt, header, suspects, duplicates, MAX_FIELD_CHARS)
            groups = design_groups(connection, sql, n_rows)
            if design_problem(q, groups):
                check_design(connection, sql, path, fmt, header, n_rows)
            population = groups.population(q.design.first_size)
            weights = _derived_weights(q, groups, population)
            table = groups.table
            varies = bool(q.design.weights) and bool((table["min_w"] != table["max_w"]).any())
            variants = grouped_variants(q, groups, weights, population)
            finest = next((v for v in variants if v.name == "design"), variants[0])
            reference = _register_groups(connection, groups, weights, finest.design.weights.max())
            responses = _empty_responses(q, path, n_rows, fmt, raw)
            progress.stage(f"estimating ({engine})")
            variables = coded_variables(responses)
            source = EngineStatistics(connection, sql, variables, groups, reference, finest.design.weighted,
                                      "grp.w" if weights is not None else
                                      f"try_cast(a.{sql.column(str(q.design.weights))} AS DOUBLE)", varies)
            estimates = estimate_all(responses, variants, variables, source=source)
        except EngineReadError as error:  # the file was read whole by the first scan: the engine failed
            raise unsupported(path, f"an error of the {engine} engine ({error})",
                              "a run the engine completes (or --engine memory)") from None
    finally:
        if own:
            connection.close()
    counts = _status_counts(q, summary)
    findings = check_claims(q, estimates, n_rows, None)
    estimates, comparisons, findings = suppress_tables(estimates, pd.DataFrame(), findings,
                                                       q.analysis.suppress_below)
    encoding = "utf-8" if fmt == "csv" else fmt
    validation = ValidationSummary(q.path, path, encoding, n_rows, n_rows, 0, (), _lines(path, fmt, n_rows), (),
                                   counts, format=fmt,
                                   ignored_columns=tuple(raw.ignored_columns),
                                   respondent_id=None if raw.ids_are_row_numbers else q.design.respondent_id)
    manifest = build_manifest({"questionnaire": questionnaire_path, "answers": answers_path,
                               "provenance": provenance.path}, command)
    return run.Results(q, provenance, responses, estimates, findings, validation, manifest, comparisons,
                       tuple(variants))


def coded_columns(q) -> frozenset[str]:
    """The columns of categorical and multiple-choice questions (checked against their codes)."""
    return frozenset(column for question in q.questions if question.type.is_categorical
                     or question.type.is_multiple_choice for column in question.columns)


def _header(path: str, fmt: str, q):
    """The file's header as the memory reader names it, checked as it checks it; the file's own
    names (Parquet); and the header's columns resolved to the questionnaire's."""
    from pipeline.answer_table import header_names

    names = None
    try:
        if fmt == "csv":
            header = csv_header(path, q.delimiter)
        else:
            names, kinds = parquet_header(path)
            header = header_names(names, path, fmt)
    except EngineReadError as error:
        memory_reader_verdict(path, q, str(error))
        raise
    raw = check_header(path, header, fmt, q)
    if names is not None:
        _check_parquet_types(q, path, raw, dict(zip(header, (kinds[n] for n in names), strict=True)))
    return header, names, raw


def _check_parquet_types(q, path: str, raw, kinds: dict[str, str]) -> None:
    """Parquet columns the engine reads as the memory engine does: text or integers, and floats
    only for weights and population sizes (whose values, not their text, are used)."""
    numbers = {q.design.weights, *(s for s in q.design.stage_sizes if isinstance(s, str))}
    for name in raw.cells.columns:
        source = raw.sources.get(name, name)
        kind = kinds.get(source, "text")
        if kind == "other" or (kind == "float" and name not in numbers):
            raise unsupported(path, f"the Parquet column '{source}' of {kind if kind == 'float' else 'other'} values, "
                                    "which the engine does not format as text as the memory engine does",
                              "text or integer columns for codes, ids, strata and clusters (or --engine memory)")


def _lines(path: str, fmt: str, n_rows: int) -> LineSummary | None:
    """The CSV file's line account where it is plain: one line per row after the header (no
    blank lines, no values spanning lines), counted from the file's line breaks without
    reading it into memory; None otherwise (only the memory reader accounts for such files)."""
    if fmt != "csv":
        return None
    breaks, last = 0, b""
    with open(path, "rb") as handle:
        while block := handle.read(1 << 24):
            breaks += block.count(b"\n")
            last = block[-1:]
    physical = breaks + (last not in (b"\n", b""))
    if physical != n_rows + 1:
        return None
    return LineSummary(physical, 1, 0, n_rows, ())


def _derived_weights(q, groups: DesignGroups, population: np.ndarray | None) -> np.ndarray | None:
    """Each group's weight where the design derives them (N_h / n_h), as `declared_design`."""
    if q.design.weights:
        return None
    h = groups.table["h"].to_numpy()
    if population is None:
        return np.ones(len(groups.table))
    return (population / groups.psus())[h]


def _register_groups(connection: Connection, groups: DesignGroups, weights: np.ndarray | None,
                     largest: float) -> np.ndarray:
    """The table `design_groups` the heavy pass joins: each stratum and cluster's group index,
    reference weight (its first row's, over the largest) and derived weight."""
    table = groups.table
    g, _ = groups.group_index()
    first_w = table["first_w"].to_numpy(dtype=float) if weights is None else weights
    frame = pd.DataFrame({"g": g.astype(np.int64)})
    for name in ("strat", "clus"):
        if name in table:
            frame[name] = table[name].astype(str).to_numpy(dtype=object)
    frame["ref"] = first_w / largest
    frame["wmax"] = float(largest)
    frame["w"] = first_w
    connection.register("design_groups", frame)
    return frame["ref"].to_numpy()


def _empty_responses(q, path: str, n_rows: int, fmt: str, raw):
    """A `Responses` without rows: the questionnaire and the account of the file, for the stages
    after estimation (nothing per row is computed from it)."""
    from pipeline.validate import Responses

    answers = pd.DataFrame({name: pd.Series([], dtype=object) for name in raw.cells.columns})
    encoding = "utf-8" if fmt == "csv" else fmt
    return Responses(q, path, answers, pd.Series([], dtype="int64"), n_rows, encoding, format=fmt,
                     ignored_columns=tuple(raw.ignored_columns), ids_are_row_numbers=raw.ids_are_row_numbers)


def _status_counts(q, summary: tuple) -> dict[str, AnswerStatusCounts]:
    counts = {}
    for i, question in enumerate(q.questions):
        start = 3 + i * len(STATUSES)
        counts[question.id] = AnswerStatusCounts(*(int(c or 0) for c in summary[start:start + len(STATUSES)]))
    return counts
