"""Checked answers kept as Parquet, so that a rerun on the same inputs reads columns, not text.

Reading and checking a large answers file is most of a run; a researcher reruns after every
edit of a template or of the analysis plan, on the same answers. After a successful check,
the accepted answers (category codes, text and number columns), their line numbers and the
account of every row read are written to a cache entry. The entry is found again only by a key
made of the SHA-256 of the answers file's bytes and of the questionnaire's bytes, the answers
file's path, the choice to exclude invalid rows, and a fingerprint of the pipeline's own code
and of the libraries that read and hold the answers. A change to any of them gives another key,
so an entry is never used for inputs it was not made from. An entry whose own files do not
match the digests written beside them is ignored and rebuilt.

The cache folder is `--cache-dir`, else `$SURVEY_PIPELINE_CACHE`, else
`$XDG_CACHE_HOME/survey-pipeline` (`~/.cache/survey-pipeline`); `--no-cache` (or
`SURVEY_PIPELINE_CACHE=off`) turns it off. Files under `CACHE_ABOVE_BYTES` are not cached:
they read faster than an entry is checked. Caching never stops a run: a folder that cannot be
written is said once on stderr and the run goes on without it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import sys
import tempfile
import threading
from functools import partial
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.errors import Issue
from pipeline.ingest import LineAccount, SpanningField, locate_issue
from pipeline.outputs import sha256_file
from pipeline.questionnaire import Questionnaire
from pipeline.validate import Responses, numeric_answers

CACHE_ABOVE_BYTES = 4 << 20
"""Answers files smaller than this are read afresh each run (4 MB: about 25,000 respondents
of 30 questions)."""
ENTRY_FORMAT = 1
"""The layout of an entry; a change of layout changes every key."""
KEEP_ENTRIES = 8
"""At most this many entries are kept, the most recently used; older versions of the same
answers file are removed when a new one is written."""
ANSWERS = "answers.parquet"
REPLICATES = "replicates.npy"
META = "meta.json"
LIBRARIES = ("numpy", "pandas", "pyarrow")


def default_folder() -> Path | None:
    """`$SURVEY_PIPELINE_CACHE` ('off' or empty: no cache), else the user's cache folder."""
    chosen = os.environ.get("SURVEY_PIPELINE_CACHE")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0", "no") else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "survey-pipeline"


def code_fingerprint() -> str:
    """The pipeline's own source files and the versions of the libraries that hold the answers:
    a change to how answers are read or checked must not meet an entry made by the old code."""
    digest = hashlib.sha256(f"entry {ENTRY_FORMAT}\n".encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    for name in LIBRARIES:
        digest.update(f"{name}=={metadata.version(name)}\n".encode())
    return digest.hexdigest()


def cache_key(questionnaire_path: Path | str, answers_path: Path | str, exclude_invalid: bool) -> str:
    """The entry's name: every input and choice that shapes the checked answers."""
    digest = hashlib.sha256()
    for part in (sha256_file(answers_path), sha256_file(questionnaire_path), str(answers_path),
                 str(exclude_invalid), code_fingerprint()):
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()


class AnswerCache:
    """Entries of checked answers in one folder, one subfolder per key."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._warned = False
        self._writing: threading.Thread | None = None

    def wanted(self, answers_path: Path | str) -> bool:
        """Whether this file is worth caching: a cache folder is set and the file is large."""
        if self.folder is None:
            return False
        try:
            return os.stat(answers_path).st_size >= CACHE_ABOVE_BYTES
        except OSError:
            return False

    def load(self, key: str, questionnaire: Questionnaire) -> Responses | None:
        """The checked answers of `key`, or None when there is no sound entry."""
        assert self.folder is not None
        self.wait()
        entry = self.folder / key
        try:
            meta = json.loads((entry / META).read_text(encoding="utf-8"))
            if meta.get("key") != key or meta.get("format") != ENTRY_FORMAT:
                return None
            for name, expected in meta["digests"].items():
                if sha256_file(entry / name) != expected:
                    return None
            responses = _responses_from(entry, meta, questionnaire)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        with contextlib.suppress(OSError):
            os.utime(entry)  # most recently used
        return responses

    def store(self, key: str, responses: Responses) -> None:
        """Write the entry of `key` (whole or not at all) in the background, while the run
        estimates: Parquet's encoding releases the interpreter, so on a second core it costs the
        run nothing. Never stops the run; `wait` joins the writing."""
        assert self.folder is not None
        table = _answers_table(responses)
        if table is None:
            return
        self.wait()
        details = _entry_details(key, responses)
        self._writing = threading.Thread(target=self._write, args=(key, table, responses.replicate_weights, details),
                                         name="answers-cache")
        self._writing.start()

    def wait(self) -> None:
        """Until the entry being written, if any, is whole on disk (or given up)."""
        if self._writing is not None:
            self._writing.join()
            self._writing = None

    def _write(self, key: str, table, replicate_weights: np.ndarray | None, details: dict) -> None:
        assert self.folder is not None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".writing-", dir=self.folder))
            try:
                _write_entry(staging, table, replicate_weights, details)
                os.replace(staging, self.folder / key)
            except OSError:
                shutil.rmtree(staging, ignore_errors=True)
                if not (self.folder / key).is_dir():
                    raise
            self._prune(key, details["answers_path"])
        except OSError as error:
            self._warn(f"the answers cache in {self.folder} could not be written ({error.strerror or error}); "
                       "the run goes on without it")

    def _prune(self, key: str, answers_path: str) -> None:
        """Remove older entries of the same answers file and all but the newest KEEP_ENTRIES."""
        assert self.folder is not None
        entries = []
        for entry in self.folder.iterdir():
            if entry.name == key or not (entry / META).is_file():
                continue
            try:
                meta = json.loads((entry / META).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if meta.get("answers_path") == answers_path:
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entries.append((entry.stat().st_mtime, entry.name, entry))
        for _, _, entry in sorted(entries, reverse=True)[KEEP_ENTRIES - 1:]:
            shutil.rmtree(entry, ignore_errors=True)

    def _warn(self, text: str) -> None:
        if not self._warned:
            print(f"note: {text}", file=sys.stderr)
            self._warned = True


def _answers_table(responses: Responses):
    """The answers, line numbers and replicate weights as one Arrow table, or None when a column
    is held in a form this cache does not restore exactly (then nothing is cached)."""
    import pyarrow as pa

    arrays, names = [], []
    for name in responses.answers.columns:
        column = responses.answers[name]
        kind = _kind(column)
        if kind is None:
            return None
        if kind == "category":
            codes = column.cat.codes.to_numpy()
            categories = list(column.cat.categories)
            if not all(isinstance(value, str) for value in categories):
                return None
            arrays.append(pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0),
                                                         pa.array(categories, type=pa.string())))
        else:
            arrays.append(pa.chunked_array(column.array._pa_array).combine_chunks())
        names.append(name)
    arrays.append(pa.array(responses.line_numbers.to_numpy(dtype=np.int64)))
    names.append("\0line")
    return pa.table(arrays, names=names)


def _kind(column: pd.Series) -> str | None:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return "category"
    if isinstance(column.array, pd.arrays.ArrowStringArray):
        return "text"
    if isinstance(column.array, pd.arrays.ArrowExtensionArray) and pd.api.types.is_float_dtype(column.dtype):
        return "number"
    return None


def _entry_details(key: str, responses: Responses) -> dict:
    """Everything of the checked answers but their columns, as JSON."""
    answers = responses.answers
    kinds = {name: _kind(answers[name]) for name in answers.columns}
    return {
        "format": ENTRY_FORMAT,
        "key": key,
        "answers_path": responses.path,
        "columns": kinds,
        "code_types": {name: str(answers[name].cat.codes.dtype) for name, kind in kinds.items() if kind == "category"},
        "arrow_types": {name: str(answers[name].array._pa_array.type) for name, kind in kinds.items()
                        if kind != "category"},
        "rows_read": responses.rows_read,
        "encoding": responses.encoding,
        "issues": [dataclasses.asdict(issue) for issue in responses.issues],
        "excluded_lines": list(responses.excluded_lines),
        "lines": None if responses.lines is None else dataclasses.asdict(responses.lines),
        "answers_format": responses.format,
        "sheet": responses.sheet,
        "ignored_columns": list(responses.ignored_columns),
        "ids_are_row_numbers": responses.ids_are_row_numbers,
        "sources": dict(responses.sources),
    }


def _write_entry(folder: Path, table, replicate_weights: np.ndarray | None, details: dict) -> None:
    import pyarrow.parquet as pq

    # Uncompressed, without statistics: written in a third of the time, read as fast.
    pq.write_table(table, folder / ANSWERS, compression="none", write_statistics=False)
    files = [ANSWERS]
    if replicate_weights is not None:
        np.save(folder / REPLICATES, replicate_weights, allow_pickle=False)
        files.append(REPLICATES)
    meta = {**details, "digests": {name: sha256_file(folder / name) for name in files}}
    (folder / META).write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")


def _responses_from(entry: Path, meta: dict, questionnaire: Questionnaire) -> Responses:
    """The `Responses` an entry was made from, column types and all."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(entry / ANSWERS)
    columns: dict[str, object] = {}
    for name, kind in meta["columns"].items():
        chunked = table.column(name)
        if kind == "category":
            array = chunked.combine_chunks()
            codes = array.indices.to_numpy(zero_copy_only=False)
            codes = np.where(array.indices.is_null().to_numpy(zero_copy_only=False), -1, codes)
            categories = pd.Index(array.dictionary.to_pylist(), dtype=object)
            columns[name] = pd.Categorical.from_codes(codes.astype(meta["code_types"][name]), categories=categories)
        elif kind == "text":
            columns[name] = pd.arrays.ArrowStringArray(chunked.cast(pa.type_for_alias(meta["arrow_types"][name])))
        else:
            columns[name] = pd.arrays.ArrowExtensionArray(chunked.cast(pa.type_for_alias(meta["arrow_types"][name])))
    answers = pd.DataFrame(columns, copy=False) if columns else pd.DataFrame(index=range(table.num_rows))
    line_numbers = pd.Series(table.column("\0line").to_numpy(), dtype="int64")
    replicate_weights = np.load(entry / REPLICATES, allow_pickle=False) if (entry / REPLICATES).is_file() else None
    lines = meta["lines"]
    account = None if lines is None else LineAccount(
        lines["physical"], lines["header"], lines["blank"], lines["records"],
        tuple(SpanningField(**spanning) for spanning in lines["spanning"]))
    path, fmt, sheet, sources = meta["answers_path"], meta["answers_format"], meta["sheet"], meta["sources"]
    return Responses(questionnaire, path, answers, line_numbers, meta["rows_read"], meta["encoding"],
                     tuple(Issue(**issue) for issue in meta["issues"]), tuple(meta["excluded_lines"]),
                     numeric_answers(answers, questionnaire), lines=account, replicate_weights=replicate_weights,
                     format=fmt, sheet=sheet, ignored_columns=tuple(meta["ignored_columns"]),
                     ids_are_row_numbers=meta["ids_are_row_numbers"], sources=sources,
                     locate=partial(locate_issue, path=path, fmt=fmt, sheet=sheet, sources=dict(sources)))
