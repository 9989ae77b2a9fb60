"""Write output files all-or-nothing, and describe the inputs that made them.

Every output is computed in memory first; only then are files written, each to a
temporary name and renamed into place, so a failed run never leaves a half-written report.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
from importlib import metadata
from pathlib import Path

import pandas as pd

from pipeline.cell_safety import csv_text
from pipeline.summaries import InputFile, Manifest

DEPENDENCIES = ("numpy", "pandas", "scipy", "statsmodels", "jinja2", "weasyprint", "pyyaml", "matplotlib",
                "openpyxl", "pyarrow", "pydyf", "fonttools")


def sha256_file(path: Path | str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV at full precision (shortest round-trip repr of each float), LF line endings, UTF-8;
    text a spreadsheet would run as a formula is made inert (`pipeline.cell_safety`)."""
    return csv_text(frame).encode("utf-8")


def json_bytes(value: dict) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")


def build_manifest(inputs: dict[str, Path | str | None], command: str) -> Manifest:
    """SHA-256 of every input file and the versions of the pipeline and its dependencies."""
    from pipeline import __version__

    versions = {}
    for name in DEPENDENCIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return Manifest(__version__, platform.python_version(), command,
                    {role: InputFile(str(path), sha256_file(path))
                     for role, path in inputs.items() if path is not None},
                    versions)


def write_outputs(out_dir: Path | str, files: dict[str, bytes]) -> list[Path]:
    """Write each file atomically (temporary file, then rename) into out_dir."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in files.items():
        target = out / name
        handle, temporary = tempfile.mkstemp(dir=out, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        written.append(target)
    return written
