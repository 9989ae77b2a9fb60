"""The engines' connections: DuckDB in this process, or Spark (local or a cluster), each
defining the view `answers` over the answers file, which it reads itself.

The view holds `row_id` (increasing in file order) and the questionnaire's columns as text
`c0`, `c1`, ... (`sql_text.AnswerColumns`): CSV cells read as text, Parquet values cast to
text, each trimmed of the whitespace the memory reader trims, '' where blank. Only these
definitions differ between the engines; every query on the view is the same text.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.engines.sql_text import AnswerColumns, literal

WHITESPACE = "".join(chr(c) for c in (9, 10, 11, 12, 13, 32, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028,
                                      0x2029, 0x202F, 0x205F, 0x3000))
"""What the memory reader trims around a value (Arrow's utf8_trim_whitespace: Unicode White_Space)."""

DEFAULT_MASTER = "local[2]"
DUCKDB_MEMORY_LIMIT = "2GB"


class EngineReadError(Exception):
    """The engine could not read the file as the memory reader would (the memory reader then says why)."""


def csv_header(path: Path | str, delimiter: str) -> tuple[str, ...]:
    """The column names of a local CSV file's first record, as the memory reader names them:
    stripped, in Unicode NFC. Only the file's start is read."""
    with open(path, "rb") as handle:
        start = handle.read(1 << 20)
    if start.startswith(b"\xef\xbb\xbf"):
        start = start[3:]
    try:
        text = start.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(start) - 4:
            raise EngineReadError("not UTF-8") from None
        text = start[:error.start].decode("utf-8")
    row = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    return tuple(unicodedata.normalize("NFC", name.strip()) for name in row)


def _text(expression: str, dialect: str, coded: bool) -> str:
    """A cell as text, trimmed. Columns of codes are trimmed of spaces only (fast): a value with
    other whitespace around it matches no code, so the checks look at its row in memory, where
    it is trimmed as the memory reader trims it. Every other column is trimmed fully."""
    text = f"coalesce(CAST({expression} AS {'VARCHAR' if dialect == 'duckdb' else 'STRING'}), '')"
    if coded:
        return f"trim({text})"
    chars = literal(WHITESPACE)
    return f"trim({text}, {chars})" if dialect == "duckdb" else f"trim(BOTH {chars} FROM {text})"


class DuckDBConnection:
    """DuckDB in this process, with a memory limit and a folder to spill to: a file larger than
    memory is aggregated out of core."""

    name = "duckdb"

    def __init__(self, memory_limit: str | None = None, temp_directory: str | None = None):
        import duckdb

        memory_limit = memory_limit or os.environ.get("PIPELINE_DUCKDB_MEMORY_LIMIT", DUCKDB_MEMORY_LIMIT)

        self.temp = tempfile.TemporaryDirectory(prefix="duckdb-") if temp_directory is None else None
        self.db = duckdb.connect(config={"memory_limit": memory_limit,
                                         "temp_directory": temp_directory or self.temp.name})  # type: ignore[union-attr]
        self.db.execute("CREATE OR REPLACE MACRO rlike(s, p) AS regexp_matches(s, p)")

    def open(self, path: Path | str, fmt: str, header: tuple[str, ...], columns: AnswerColumns,
             delimiter: str, coded: frozenset[str] = frozenset(), names: tuple[str, ...] | None = None) -> None:
        """Define `answers` over the file; `header` is the file's columns in order (as the memory
        reader names them), `names` the same as the file has them (Parquet), `coded` the columns
        holding codes."""
        import duckdb

        file = literal(str(path))
        position = {name: i for i, name in enumerate(header)}
        if fmt == "csv":
            types = ", ".join(f"'f{i}': 'VARCHAR'" for i in range(len(header)))
            source = (f"SELECT *, row_number() OVER () - 1 AS row_id FROM read_csv({file}, "
                      f"delim = {literal(delimiter)}, quote = '\"', escape = '\"', header = true, strict_mode = true, "
                      f"null_padding = false, auto_detect = false, columns = {{{types}}})")
            fields = {name: f"f{position[columns.sources[i]]}" for i, name in enumerate(columns.names)}
        else:
            self.db.execute("SET preserve_insertion_order = false")
            source = f"SELECT *, file_row_number AS row_id FROM read_parquet({file}, file_row_number = true)"
            own = names or header
            fields = {name: _quoted(own[position[columns.sources[i]]]) for i, name in enumerate(columns.names)}
        select = ", ".join(f"{_text(fields[name], 'duckdb', name in coded)} AS {columns[name]}"
                           for name in columns.names)
        try:
            self.db.execute(f"CREATE OR REPLACE VIEW answers AS SELECT row_id, {select} FROM ({source})")
        except duckdb.Error as error:
            raise EngineReadError(str(error).splitlines()[0]) from None

    def rows(self, query: str) -> list[tuple]:
        import duckdb

        try:
            return self.db.execute(query).fetchall()
        except duckdb.Error as error:
            raise EngineReadError(str(error).splitlines()[0]) from None

    def frame(self, query: str) -> pd.DataFrame:
        import duckdb

        try:
            return self.db.execute(query).df()
        except duckdb.Error as error:
            raise EngineReadError(str(error).splitlines()[0]) from None

    def register(self, name: str, frame: pd.DataFrame) -> None:
        self.db.register(name, frame)

    def close(self) -> None:
        self.db.close()
        if self.temp is not None:
            self.temp.cleanup()


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _backquoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


class SparkConnection:
    """A Spark session: `local[2]` by default, or a cluster's master URL. On a cluster the
    answers file must be readable by every executor (shared storage, HDFS, S3)."""

    name = "spark"

    def __init__(self, master: str = DEFAULT_MASTER, session: Any = None):
        import warnings

        warnings.filterwarnings("ignore", message="PySpark does not yet fully support", category=FutureWarning)
        from pyspark.sql import SparkSession

        if session is None:
            os.environ.setdefault("PYSPARK_PYTHON", os.environ.get("PYSPARK_PYTHON", "python3"))
            session = (SparkSession.builder.master(master).appName("pipeline")
                       .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                       .config("spark.sql.shuffle.partitions", "8")
                       .config("spark.sql.execution.arrow.pyspark.enabled", "true").getOrCreate())
            session.sparkContext.setLogLevel("ERROR")
        self.spark = session

    def open(self, path: Path | str, fmt: str, header: tuple[str, ...], columns: AnswerColumns,
             delimiter: str, coded: frozenset[str] = frozenset(), names: tuple[str, ...] | None = None) -> None:
        from pyspark.sql import functions

        if fmt == "csv":
            frame = self.spark.read.csv(str(path), header=True, inferSchema=False, sep=delimiter, quote='"',
                                        escape='"', mode="FAILFAST", multiLine=False, encoding="UTF-8")
            if len(frame.columns) != len(header):
                raise EngineReadError(f"{len(frame.columns)} columns, not {len(header)}")
            frame = frame.toDF(*(f"f{i}" for i in range(len(header))))
            position = {name: i for i, name in enumerate(header)}
            fields = {name: f"f{position[columns.sources[i]]}" for i, name in enumerate(columns.names)}
        else:
            frame = self.spark.read.parquet(str(path))
            own = names or header
            position = {name: i for i, name in enumerate(header)}
            fields = {name: _backquoted(own[position[columns.sources[i]]]) for i, name in enumerate(columns.names)}
        frame.withColumn("row_id", functions.monotonically_increasing_id()).createOrReplaceTempView("source")
        select = ", ".join(f"{_text(fields[name], 'spark', name in coded)} AS {columns[name]}"
                           for name in columns.names)
        self.spark.sql(f"SELECT row_id, {select} FROM source").createOrReplaceTempView("answers")
        self.spark.catalog.cacheTable("answers")  # the checks and the pass scan it several times: read the file once

    def rows(self, query: str) -> list[tuple]:
        try:
            return [tuple(row) for row in self.spark.sql(query).collect()]
        except Exception as error:  # Spark reports a malformed file as a Java exception
            raise EngineReadError(str(error).splitlines()[0]) from None

    def frame(self, query: str) -> pd.DataFrame:
        try:
            return self.spark.sql(query).toPandas()
        except Exception as error:
            raise EngineReadError(str(error).splitlines()[0]) from None

    def register(self, name: str, frame: pd.DataFrame) -> None:
        self.spark.createDataFrame(frame).createOrReplaceTempView(name)

    def close(self) -> None:
        """The cached view is dropped; the session is left running (a test module reuses it, and
        it ends with the process)."""
        self.spark.catalog.uncacheTable("answers")


Connection = DuckDBConnection | SparkConnection


def parquet_header(path: Path | str) -> tuple[tuple[str, ...], dict[str, str]]:
    """A local Parquet file's column names as the file has them, from its footer only, and the
    kind of each column's values: text, integer, float or other."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(str(path))
    kinds = {}
    for field in schema:
        kind = field.type.value_type if pa.types.is_dictionary(field.type) else field.type
        kinds[field.name] = ("text" if pa.types.is_string(kind) or pa.types.is_large_string(kind) else
                             "integer" if pa.types.is_integer(kind) else "float" if pa.types.is_floating(kind)
                             else "other")
    return tuple(schema.names), kinds
