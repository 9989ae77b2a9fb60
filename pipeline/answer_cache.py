"""Checked answers kept in an Arrow file, so that a rerun on the same inputs reads columns, not text.

Reading and checking a large answers file is most of a run; a researcher reruns after every
edit of a template or of the analysis plan, on the same answers. After a successful check,
the accepted answers (category codes, text and number columns), their line numbers and the
account of every row read are written to a cache entry. The entry is found again only by a key
made of the SHA-256 of the answers file's bytes and of the questionnaire's bytes, the answers
file's path, the choice to exclude invalid rows, and a fingerprint of the pipeline's own code
and of the libraries that read and hold the answers. A change to any of them gives another key,
so an entry is never used for inputs it was not made from. An entry whose own files do not
match the digests written beside them is ignored and rebuilt; the digest is taken of the very
bytes that are then read.

The digests of the inputs are taken afresh in every run, never remembered by a file's size and
modification time (`pipeline.outputs.Digests` says why). So that the answers file's digest
costs a rerun nothing on a second core, it is hashed in the background while the newest entry
made from the same path is read (`newest`); that entry is used only if its key is the key of
the digests. A CSV file's digest is of the very bytes its reader parsed; a digest taken apart
from the reading (the questionnaire, other formats) is taken before it, and the entry is
written only if the file still has it after the run read and checked it, so an input edited
during a run is not cached under the old key.

Every check of the answers was made before an entry was written, and its outcome (the issues,
the rows excluded, the account of lines) is in the entry; only the design's checks
(`survey_design.checked_design`) run again on the answers found, as they need the design's
arrays anyway.

The cache folder is `--cache-dir`, else `$SURVEY_PIPELINE_CACHE`, else
`$XDG_CACHE_HOME/survey-pipeline` (`~/.cache/survey-pipeline`); `--no-cache` (or
`SURVEY_PIPELINE_CACHE=off`) turns it off. Files under `CACHE_ABOVE_BYTES` are not cached:
they read faster than an entry is checked. Caching never stops a run: a folder that cannot be
written is said once on stderr and the run goes on without it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import io
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
from pipeline.outputs import Digests, sha256_file
from pipeline.questionnaire import Questionnaire
from pipeline.validate import Responses, numeric_answers

CACHE_ABOVE_BYTES = 4 << 20
"""Answers files smaller than this are read afresh each run (4 MB: about 25,000 respondents
of 30 questions)."""
ENTRY_FORMAT = 2
"""The layout of an entry; a change of layout changes every key."""
KEEP_ENTRIES = 8
"""At most this many entries are kept, the most recently used; older versions of the same
answers file are removed when a new one is written."""
ANSWERS = "answers.arrow"
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


@functools.cache
def code_fingerprint() -> str:
    """The pipeline's own source files and the versions of the libraries that hold the answers:
    a change to how answers are read or checked must not meet an entry made by the old code.

    Taken once per process: the code that reads and checks is the code the process loaded, so a
    process that stays up while the files are edited keeps labelling its entries with the code
    it runs, not with code it never loaded."""
    digest = hashlib.sha256(f"entry {ENTRY_FORMAT}\n".encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    for name in LIBRARIES:
        digest.update(f"{name}=={metadata.version(name)}\n".encode())
    return digest.hexdigest()


def cache_key(questionnaire_path: Path | str, answers_path: Path | str, exclude_invalid: bool,
              digests: Digests | None = None) -> str:
    """The entry's name: every input and choice that shapes the checked answers (the inputs'
    digests from the run's `digests`, if given)."""
    digests = digests or Digests()
    digest = hashlib.sha256()
    for part in (digests.of(answers_path), digests.of(questionnaire_path), str(answers_path),
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
        return self._read(self.folder / key, questionnaire, key)

    def newest(self, answers_path: Path | str) -> str | None:
        """The key of the newest entry made from `answers_path`, if any: a candidate, to be read
        while the inputs' digests are taken, and used only if its key is theirs."""
        assert self.folder is not None
        self.wait()
        candidates = []
        try:
            for entry in self.folder.iterdir():
                meta = _meta(entry)
                if meta is not None and meta.get("answers_path") == str(answers_path):
                    candidates.append((entry.stat().st_mtime_ns, entry.name))
        except OSError:
            return None
        return max(candidates)[1] if candidates else None

    def _read(self, entry: Path, questionnaire: Questionnaire, key: str) -> Responses | None:
        try:
            meta = json.loads((entry / META).read_text(encoding="utf-8"))
            if meta.get("key") != key or meta.get("format") != ENTRY_FORMAT:
                return None
            responses = _responses_from(entry, meta, questionnaire)
        except (OSError, ValueError, KeyError, TypeError, ArithmeticError):
            return None
        if responses is None:
            return None
        with contextlib.suppress(OSError):
            os.utime(entry)  # most recently used
        return responses

    def store(self, key: str, responses: Responses, inputs: dict[str, str] | None = None) -> None:
        """Write the entry of `key` (whole or not at all) in the background, while the run
        estimates: Arrow's writing and hashing release the interpreter, so on a second core it
        costs the run little. `inputs` maps each input file whose digest in the key was taken
        apart from its reading to that digest: the entry is written only if every one still has
        it. Never stops the run; `wait` joins the writing."""
        assert self.folder is not None
        columns = _answer_columns(responses)
        if columns is None:
            return
        self.wait()
        details = _entry_details(key, responses)
        self._writing = threading.Thread(target=self._write,
                                         args=(key, columns, responses.replicate_weights, details, inputs or {}),
                                         name="answers-cache")
        self._writing.start()

    def wait(self) -> None:
        """Until the entry being written, if any, is whole on disk (or given up)."""
        if self._writing is not None:
            self._writing.join()
            self._writing = None

    def _write(self, key: str, columns: list, replicate_weights: np.ndarray | None, details: dict,
               inputs: dict[str, str]) -> None:
        assert self.folder is not None
        try:
            for path, digest in inputs.items():
                if sha256_file(path) != digest:
                    self._warn(f"{path} changed while it was read; its answers were not cached")
                    return
            self.folder.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".writing-", dir=self.folder))
            try:
                _write_entry(staging, columns, replicate_weights, details)
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
            meta = _meta(entry, any_format=True)
            if meta is None:
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


def _meta(entry: Path, any_format: bool = False) -> dict | None:
    """An entry's description (of this layout, unless `any_format`), or None when it has none."""
    try:
        meta = json.loads((entry / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or not (any_format or meta.get("format") == ENTRY_FORMAT):
        return None
    return meta


def _answer_columns(responses: Responses) -> list | None:
    """Each answers column as an Arrow array (category columns as their integer codes, -1 for
    none, their categories going to the entry's description), or None when a column is held in
    a form this cache does not restore exactly (then nothing is cached)."""
    import pyarrow as pa

    columns = []
    for name in responses.answers.columns:
        column = responses.answers[name]
        kind = _kind(column)
        if kind is None:
            return None
        if kind == "category":
            if not all(isinstance(value, str) for value in column.cat.categories):
                return None
            columns.append((name, pa.array(column.cat.codes.to_numpy())))
        else:
            columns.append((name, pa.chunked_array(column.array._pa_array)))
    columns.append((LINE, pa.array(responses.line_numbers.to_numpy(dtype=np.int64))))
    return columns


LINE = "\0line"


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
        "categories": {name: list(answers[name].cat.categories) for name, kind in kinds.items()
                       if kind == "category"},
        "arrow_types": {name: str(answers[name].array._pa_array.type) for name, kind in kinds.items()
                        if kind != "category"},
        "rows": len(answers),
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


def _write_entry(folder: Path, columns: list, replicate_weights: np.ndarray | None, details: dict) -> None:
    """The columns as one uncompressed Arrow file, read back without decoding (each column a
    slice of the file's bytes), and the description with the digest of every file."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    table = pa.table([column for _, column in columns], names=[name for name, _ in columns]).combine_chunks()
    sink = pa.BufferOutputStream()
    with ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    data = sink.getvalue()
    del table
    with open(folder / ANSWERS, "wb") as handle:
        handle.write(memoryview(data))
    digests = {ANSWERS: hashlib.sha256(memoryview(data)).hexdigest()}
    if replicate_weights is not None:
        np.save(folder / REPLICATES, replicate_weights, allow_pickle=False)
        digests[REPLICATES] = sha256_file(folder / REPLICATES)
    meta = {**details, "digests": digests}
    (folder / META).write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")


READ_BLOCK = 1 << 20


def _verified_bytes(path: Path, expected: str) -> np.ndarray | None:
    """The file's bytes if their SHA-256 is `expected` (the bytes checked are the bytes used),
    each block hashed as it is read, while it is still in the processor's cache. The bytes are
    held in an array not filled first (a file's worth of zeros would cost as much as the reading)."""
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        data = np.empty(size, dtype=np.uint8)
        view = memoryview(data.data)
        digest = hashlib.sha256()
        position = 0
        while position < size:
            count = handle.readinto(view[position:position + READ_BLOCK])
            if not count:
                return None
            digest.update(view[position:position + count])
            position += count
        if handle.read(1):
            return None
        view.release()
    return data if digest.hexdigest() == expected else None


def _responses_from(entry: Path, meta: dict, questionnaire: Questionnaire) -> Responses | None:
    """The `Responses` an entry was made from, column types and all; None when a file of the
    entry does not have its digest."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    digests = meta["digests"]
    if set(digests) - {ANSWERS, REPLICATES}:
        return None
    data = _verified_bytes(entry / ANSWERS, digests[ANSWERS])
    if data is None:
        return None
    replicate_weights = None
    if REPLICATES in digests:
        replicates = _verified_bytes(entry / REPLICATES, digests[REPLICATES])
        if replicates is None:
            return None
        replicate_weights = np.load(io.BytesIO(replicates.data), allow_pickle=False)
    buffer = pa.py_buffer(data)
    table = ipc.open_file(buffer).read_all()
    if table.num_rows != meta["rows"] or table.column_names != [*meta["columns"], LINE]:
        return None
    columns: dict[str, object] = {}
    for name, kind in meta["columns"].items():
        chunked = table.column(name)
        if kind == "category":
            codes = _owned(chunked, data, buffer)
            if str(codes.dtype) != meta["code_types"][name]:
                return None
            categories = pd.Index(meta["categories"][name], dtype=object)
            columns[name] = pd.Categorical.from_codes(codes, categories=categories)
        elif kind == "text":
            columns[name] = pd.arrays.ArrowStringArray(chunked.cast(pa.type_for_alias(meta["arrow_types"][name])))
        else:
            columns[name] = pd.arrays.ArrowExtensionArray(chunked.cast(pa.type_for_alias(meta["arrow_types"][name])))
    answers = pd.DataFrame(columns, copy=False) if columns else pd.DataFrame(index=range(table.num_rows))
    line_numbers = pd.Series(_owned(table.column(LINE), data, buffer), dtype="int64")
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


def _owned(column, data: np.ndarray, buffer) -> np.ndarray:
    """A column of numbers as a NumPy array the answers may write to: a view of the entry's own
    bytes (`data`, read into `buffer`) where the column lies in them whole, else a copy."""
    chunks = column.chunks
    if len(chunks) == 1 and chunks[0].null_count == 0:
        array = chunks[0]
        values = array.buffers()[1]
        dtype = np.dtype(array.type.to_pandas_dtype())
        start = values.address - buffer.address + array.offset * dtype.itemsize
        if start >= 0 and start + len(array) * dtype.itemsize <= len(data) and start % dtype.alignment == 0:
            return np.frombuffer(data, dtype=dtype, count=len(array), offset=start)
    return np.array(column.to_numpy(), copy=True)
