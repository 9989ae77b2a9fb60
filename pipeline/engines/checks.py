"""The memory engine's checks, reached by an engine without loading the file.

SQL finds what is small: the file's header, the rows that might break a rule (`sql_text.
suspect_rows`), repeated ids, and one row per stratum and cluster. Only on the error path
are rows fetched, and the memory engine's own checks (`validate.check_answers`,
`survey_design.checked_design`) run on them, so every engine stops with the same issues,
codes and messages. A file the engine cannot read as the memory reader does (a quoted line
break, an encoding other than UTF-8, a malformed row) is handed to the memory reader, which
names the problem, or, when it finds none, the run stops with `engine-unsupported`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.answer_columns import resolve_columns
from pipeline.engines.connections import Connection
from pipeline.engines.design import DesignGroups
from pipeline.engines.sql_text import QuestionnaireSql, design_groups_query, repeated_ids_condition, suspect_rows
from pipeline.engines.support import unsupported
from pipeline.errors import AnswersError
from pipeline.ingest import RawAnswers
from pipeline.questionnaire import Questionnaire
from pipeline.validate import Responses, check_answers


def empty_answers(path: str, header: tuple[str, ...], fmt: str) -> RawAnswers:
    """The file's header with no rows: what the memory checks of columns need."""
    cells = pd.DataFrame({name: pd.Series([], dtype=object) for name in dict.fromkeys(header)})
    return RawAnswers(path, "utf-8", header, cells, pd.Series([], dtype="int64"), (), None, format=fmt)


def check_header(path: str, header: tuple[str, ...], fmt: str, q: Questionnaire) -> RawAnswers:
    """The memory checks of the header: repeated and missing columns (same issues)."""
    from pipeline.errors import Issue

    if fmt == "csv" and len(set(header)) != len(header):
        repeated = next(h for i, h in enumerate(header) if h in header[:i])
        raise AnswersError(Issue("duplicate-column", path, f"the column '{repeated}' twice",
                                 "each column once", line=1, column=repeated))
    raw = empty_answers(path, header, fmt)
    return resolve_columns(raw, q)


def memory_reader_verdict(path: str, q: Questionnaire, reason: str) -> None:
    """The memory reader's word on a file the engine could not read: its issues, or, when it
    reads the file without any, `engine-unsupported` with the engine's reason."""
    from pipeline.answer_formats import read_answers_file

    raw = read_answers_file(path, q.delimiter, q.answers.sheet)
    check_answers(raw, q)  # a file the reader takes may still hold a value the checks refuse
    raise unsupported(path, f"a file the engine does not read as the memory engine does ({reason})",
                      "a UTF-8 file without line breaks inside values (or --engine memory)")


def check_rows(connection: Connection, sql: QuestionnaireSql, path: str, fmt: str, header: tuple[str, ...],
               suspects: int, duplicates: int, longest: int) -> None:
    """With suspect rows or repeated ids: fetch those rows and run the memory checks on them
    (a value with a line break or over `longest` characters: the memory reader's checks)."""
    if suspects == 0 and duplicates == 0:
        return
    q = sql.q
    condition = suspect_rows(sql)
    if duplicates and q.design.respondent_id is not None:
        condition = f"({condition}) OR {repeated_ids_condition(sql.column(q.id_column))}"
    names = sql.columns.names
    select = ", ".join(f"{sql.columns[name]}" for name in names)
    rows = connection.frame(f"SELECT row_index, {select} FROM (SELECT row_number() OVER (ORDER BY row_id) - 1 "
                            f"AS row_index, * FROM answers) numbered WHERE {condition} ORDER BY row_index")
    index = rows["row_index"].to_numpy(dtype=np.int64)
    cells = pd.DataFrame({sql.columns.sources[i]: rows[sql.columns[name]].astype(str).to_numpy(dtype=object)
                          for i, name in enumerate(names)})
    cells = cells.apply(lambda column: column.map(_nfc))
    for column in cells.columns if fmt == "csv" else ():
        text = cells[column].astype(str)
        if (text.str.contains("\n|\r", regex=True) | (text.str.len() > longest)).any():
            memory_reader_verdict(path, q, "a value holding a line break, or longer than the memory reader allows")
    lines = pd.Series(line_numbers(path, fmt, index), dtype="int64")
    raw = RawAnswers(path, "utf-8", header, cells, lines, (), None, format=fmt)
    check_answers(raw, q)  # raises the memory engine's issues
    first = int(lines.iloc[0]) if len(lines) else None
    raise unsupported(path, f"a value the engine reads differently from the memory engine (row read as line or "
                            f"row {first}: text not in Unicode NFC, or a number not written plainly)",
                      "values as the memory engine reads them (or --engine memory)")


def _nfc(value: str) -> str:
    import unicodedata

    return value if value.isascii() else unicodedata.normalize("NFC", value)


def line_numbers(path: str, fmt: str, rows: np.ndarray) -> np.ndarray:
    """Where a person finds each row (0-based, in file order): a CSV record's first physical line,
    else the row's number from 1. Blank lines and values spanning lines are counted from the
    file itself (on the error path only)."""
    if fmt != "csv":
        return rows + 1
    from pipeline.csv_lines import scan_records

    body = Path(path).read_bytes()
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    if not body.endswith((b"\n", b"\r")):
        body += b"\n"
    records = scan_records(body, ",")
    return records.first[rows + 1].astype(np.int64)


def design_groups(connection: Connection, sql: QuestionnaireSql, n_rows: int) -> DesignGroups:
    """One row per stratum and cluster, numbered as the memory engine numbers them."""
    d = sql.q.design
    strata = sql.column(d.strata) if d.strata else None
    clusters = sql.column(d.first_clusters) if d.first_clusters else None
    weight = sql.column(d.weights) if d.weights else None
    size = sql.column(d.first_size) if isinstance(d.first_size, str) else None
    table = connection.frame(design_groups_query(strata, clusters, weight, size))
    return DesignGroups.ordered(table, n_rows, strata is not None, clusters is not None)


def design_problem(q: Questionnaire, groups: DesignGroups) -> bool:
    """Whether the memory engine's design checks (`declared_design`) would find a problem:
    clusters in two strata, a population size varying in a stratum or below its sample, a
    stratum with a single PSU under R's default rule."""
    d = q.design
    table = groups.table
    if groups.strata and groups.clusters and not d.nest and (table.groupby("clus")["strat"].nunique() > 1).any():
        return True
    psus = groups.psus()
    if isinstance(d.first_size, str):
        by_stratum = table.groupby("h").agg(low=("min_f", "min"), high=("max_f", "max"))
        if (by_stratum["low"] != by_stratum["high"]).any():
            return True
    elif d.first_size is not None and d.strata:
        return True
    population = groups.population(d.first_size)
    if population is not None and (population < psus).any():
        return True
    if d.lonely_psu == "fail" and (d.weights or d.strata or d.clusters or d.first_size is not None):
        lonely = psus == 1
        if population is not None and q.analysis.fpc:
            lonely &= population > psus
        if lonely.any():
            return True
    return False


def check_design(connection: Connection, sql: QuestionnaireSql, path: str, fmt: str,
                 header: tuple[str, ...], n_rows: int) -> None:
    """The memory engine's design checks on the design's columns, fetched whole (error path)."""
    from pipeline.survey_design import checked_design

    q = sql.q
    d = q.design
    names = [n for n in sql.columns.names if n in (q.id_column, d.strata, d.weights, *d.clusters, d.first_size)]
    select = ", ".join(sql.columns[name] for name in names)
    rows = connection.frame(f"SELECT {select} FROM answers ORDER BY row_id")
    answers = pd.DataFrame({name: rows[sql.columns[name]].astype(str).map(_nfc).astype("category")
                            for name in names})
    lines = pd.Series(line_numbers(path, fmt, np.arange(n_rows)), dtype="int64")
    responses = Responses(q, path, answers, lines, n_rows, "utf-8", format=fmt)
    checked_design(responses)
    raise unsupported(path, "a design the engine summarised differently from the memory engine",
                      "--engine memory")
