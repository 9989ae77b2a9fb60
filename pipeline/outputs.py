"""The bytes of each output file, and the manifest describing the inputs that made them.

Every output is computed in memory first; `pipeline.output_folder` then replaces the
output folder as a whole, so a failed run never leaves a half-written report.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import threading
from importlib import metadata
from pathlib import Path

import pandas as pd

from pipeline.cell_safety import csv_text
from pipeline.summaries import InputFile, Manifest

DEPENDENCIES = ("numpy", "pandas", "scipy", "statsmodels", "jinja2", "weasyprint", "pyyaml", "openpyxl", "pyarrow",
                "pydyf", "fonttools", "pikepdf")


def sha256_file(path: Path | str) -> str:
    """The file's SHA-256, read afresh each time (see `Digests` for a run's own)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


class Digests:
    """The SHA-256 of each input file, read once in one run: the answers cache's key and the
    manifest then name the same bytes, and a large file (a tenth of a second) is read once.

    Nothing is kept from one run to the next, nor keyed by a file's size and modification
    time: a file can change and keep both (copied with `cp -p` or `rsync -t` onto the old one,
    rewritten within the file system's timestamp resolution, or seen through a network file
    system's cached attributes), and a digest taken from such a memo would find an answers
    cache entry of other bytes. A digest may be started in the background (`start`), where
    hashing releases the interpreter, while the run reads something else."""

    def __init__(self) -> None:
        self._digests: dict[str, str] = {}
        self._pending: dict[str, tuple[threading.Thread, list]] = {}

    def start(self, path: Path | str) -> None:
        """Begin hashing `path` in a background thread (`of` waits for it)."""
        name = os.path.realpath(path)
        if name in self._digests or name in self._pending:
            return
        outcome: list = []

        def work() -> None:
            try:
                outcome.append(sha256_file(name))
            except BaseException as error:  # raised again in the thread that asks for the digest
                outcome.append(error)

        thread = threading.Thread(target=work, name="input-digest", daemon=True)
        self._pending[name] = (thread, outcome)
        thread.start()

    def record(self, path: Path | str, digest: str) -> None:
        """The digest of the bytes of `path` this run read (a reader's own), in place of any other."""
        name = os.path.realpath(path)
        self._pending.pop(name, None)
        self._digests[name] = digest

    def of(self, path: Path | str) -> str:
        """The SHA-256 of `path`, hashed the first time this run asks (or started earlier)."""
        name = os.path.realpath(path)
        if name in self._pending:
            thread, outcome = self._pending.pop(name)
            thread.join()
            if isinstance(outcome[0], BaseException):
                raise outcome[0]
            self._digests[name] = outcome[0]
        if name not in self._digests:
            self._digests[name] = sha256_file(name)
        return self._digests[name]


@functools.cache
def _installed_version(name: str) -> str | None:
    """A library's version, read once per process (the process runs the version it loaded)."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV at full precision (shortest round-trip repr of each float), LF line endings, UTF-8;
    text a spreadsheet would run as a formula is made inert (`pipeline.cell_safety`)."""
    return csv_text(frame).encode("utf-8")


def json_bytes(value: dict) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")


def build_manifest(inputs: dict[str, Path | str | None], command: str, digests: Digests | None = None) -> Manifest:
    """SHA-256 of every input file (the run's own `digests`, if given) and the versions of the
    pipeline and its dependencies."""
    from pipeline import __version__

    digests = digests or Digests()
    versions = {name: version for name in DEPENDENCIES if (version := _installed_version(name)) is not None}
    return Manifest(__version__, platform.python_version(), command,
                    {role: InputFile(str(path), digests.of(path))
                     for role, path in inputs.items() if path is not None},
                    versions)
