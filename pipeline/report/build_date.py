"""The moment a report is dated: the build's, so that equal inputs give equal bytes.

SOURCE_DATE_EPOCH when it is set (the reproducible-builds convention); otherwise the date of
the latest commit that touched the inputs, so that a rebuild of an unchanged checkout gives
the same PDF; otherwise (inputs outside git) the inputs' latest modification time. Never the
study's publication date, which the report states in words.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

from pipeline.errors import Issue, PipelineError


def build_moment(*inputs: Path | str) -> dt.datetime:
    """When the report is dated, in UTC, to the second."""
    return dt.datetime.fromtimestamp(build_epoch(*inputs), tz=dt.UTC)


def build_epoch(*inputs: Path | str) -> int:
    """Seconds since 1970 of the build: SOURCE_DATE_EPOCH, else the inputs' last commit, else their mtimes."""
    setting = source_date_epoch()
    if setting is not None:
        return setting
    paths = [Path(p).resolve() for p in inputs]
    committed = _last_commit_epoch(paths)
    if committed is not None:
        return committed
    return max(int(p.stat().st_mtime) for p in paths)


def source_date_epoch() -> int | None:
    """SOURCE_DATE_EPOCH as seconds, None when unset, a user error when it is not a whole number.

    The command line checks it before importing anything else: NumPy reads it on import and
    stops with a traceback on a value that is not a number.
    """
    setting = os.environ.get("SOURCE_DATE_EPOCH")
    return None if setting is None else _epoch_setting(setting)


def _epoch_setting(setting: str) -> int:
    """SOURCE_DATE_EPOCH as a number of seconds, or a user error naming what was found."""
    text = setting.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 11:
        raise PipelineError(Issue("bad-source-date-epoch", "environment", repr(setting),
                                  "SOURCE_DATE_EPOCH as a whole number of seconds since 1970-01-01 UTC",
                                  key="SOURCE_DATE_EPOCH"))
    return int(text)


def _last_commit_epoch(paths: list[Path]) -> int | None:
    """The commit time of the latest commit touching any of `paths`, or None outside git or when none did."""
    try:
        result = subprocess.run(["git", "-C", str(paths[0].parent), "log", "-1", "--format=%ct", "--",
                                 *(str(p) for p in paths)],
                                capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    text = result.stdout.strip()
    return int(text) if result.returncode == 0 and text.isdigit() else None
