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
from importlib import metadata
from pathlib import Path

import pandas as pd

from pipeline.cell_safety import csv_text
from pipeline.summaries import InputFile, Manifest

DEPENDENCIES = ("numpy", "pandas", "scipy", "statsmodels", "jinja2", "weasyprint", "pyyaml", "openpyxl", "pyarrow",
                "pydyf", "fonttools", "pikepdf")


def sha256_file(path: Path | str) -> str:
    """The file's SHA-256, read once per run while the file is unchanged (the answers cache's key
    and the manifest both need it; a large file takes a tenth of a second per reading)."""
    status = os.stat(path)
    return _sha256_of(os.path.realpath(path), status.st_size, status.st_mtime_ns, status.st_ino)


@functools.lru_cache(maxsize=64)
def _sha256_of(path: str, size: int, modified_ns: int, inode: int) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV at full precision (shortest round-trip repr of each float), LF line endings, UTF-8;
    text a spreadsheet would run as a formula is made inert (`pipeline.cell_safety`)."""
    return csv_text(frame).encode("utf-8")


def json_bytes(value: dict) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")


def build_manifest(inputs: dict[str, Path | str | None], command: str) -> Manifest:
    """SHA-256 of every input file and the versions of the pipeline and its dependencies."""
    from pipeline import __version__

    return Manifest(__version__, platform.python_version(), command,
                    {role: InputFile(str(path), sha256_file(path))
                     for role, path in inputs.items() if path is not None},
                    dict(dependency_versions()))


@functools.cache
def dependency_versions() -> tuple[tuple[str, str], ...]:
    """The installed version of each dependency the manifest names (those installed), looked up
    once per process: each look-up searches every folder on the import path."""
    versions = []
    for name in DEPENDENCIES:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            continue
    return tuple(versions)
