"""Replace an output folder (or file) as a whole, or leave the previous one exactly as it was.

A report is only trustworthy if every file in its folder comes from one run: new tables
beside an old PDF would misreport. So a run never writes into `--out`. It builds every
file in a staging folder beside it (same parent, hence the same filesystem, so moving it
is a rename), and then switches whole folders:

1. take the lock `.<name>.pipeline-lock` beside `--out` (a second run stops at once, rather
   than wait: see docs/design-decisions.md); the kernel releases it when the process ends,
   and a killed run's lock file is removed by the next run, when it is done;
2. recover from an earlier killed run (below);
3. write every file into `.<name>.pipeline-staging-<pid>`, each file (at once, a thread each) and
   the folder fsynced;
4. rename `--out` (if it exists) to `.<name>.pipeline-previous-<pid>`;
5. rename the staging folder to `--out`, then fsync the parent;
6. remove the previous folder.

A folder cannot be renamed over a non-empty folder on POSIX, so the switch takes two
renames. Before step 4 the previous folder is at `--out`; after step 5 the new one is.
Between steps 4 and 5 (one instant) neither is: if step 5 fails, the previous folder is
renamed back at once; if the process is killed there, the next run on the same `--out`
finds no `--out` but a previous folder and renames it back before doing anything else.
Recovery also removes staging and previous folders left by killed runs; it recognises
them by the fixed prefix `.<name>.pipeline-` followed by `staging-` or `previous-` and a
process id, and touches nothing else.

The checks before a run refuse an `--out` that is a file, lies under a file, cannot be
written, or is equal to, inside or around the folder of an input (real paths compared, so
symlinks do not hide an overlap), and an existing non-empty folder without the
`manifest.json` every run writes: the switch replaces the folder as a whole, so it must
never be a folder the pipeline did not make. The switch needs room for the previous and
the new folder at once; when the disk fills, the previous folder is kept (`disk-full`).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TypeVar

from pipeline.errors import Issue, OutputError

MARKER = "manifest.json"
_FULL = {errno.ENOSPC, errno.EDQUOT}
_DENIED = {errno.EACCES, errno.EPERM, errno.EROFS}
T = TypeVar("T")


def write_outputs(out_dir: Path | str, files: dict[str, bytes], inputs: Iterable[Path | str] = ()) -> list[Path]:
    """Replace the folder out_dir by one holding exactly `files`, or raise with it unchanged."""
    with output_folder(out_dir, inputs) as out:
        return replace_folder(out, files)


@contextmanager
def output_folder(out_dir: Path | str, inputs: Iterable[Path | str] = ()) -> Iterator[Path]:
    """Check --out, hold its lock for the whole run and recover an earlier killed run's folders.

    Taken before the analysis, so a second run on the same folder stops at once rather
    than after minutes of work. Yields the folder's real path, for `replace_folder`.
    """
    out = Path(os.path.realpath(out_dir))
    check_out_folder(out, inputs)
    created = _make_parents(out)
    try:
        with _locked(out):
            _translated(out, _recover, out)
            yield out
    finally:
        _remove_if_empty(created)


def check_out_folder(out_dir: Path | str, inputs: Iterable[Path | str] = ()) -> None:
    """Raise OutputError when `out_dir` cannot be replaced as a whole without harm."""
    out = Path(os.path.realpath(out_dir))
    _check_not_an_input(out, inputs, folder=True)
    if out.is_file() or (out.exists() and not out.is_dir()):
        raise OutputError(Issue("out-is-file", str(out), "a file", "a folder (or a path that does not exist yet)",
                                hint="--out names the folder that receives the outputs"))
    _check_parents(out)
    if out.is_dir() and any(out.iterdir()):
        _check_written_by_a_run(out)


OUTPUT_NAMES = frozenset({"estimates.csv", "findings.csv", "comparisons.csv", "validation.json", MARKER,
                          "tables.xlsx", "report.html", "report.pdf"})
"""Every file a run writes: a folder holding anything else is not the pipeline's to replace."""


def _check_written_by_a_run(out: Path) -> None:
    """A non-empty `--out` is replaced only when it holds an earlier run's outputs and nothing else."""
    expected = "a new or empty folder, or one written by an earlier run and holding only its outputs"
    hint = "the folder is replaced as a whole; choose a folder of its own"
    if not _is_our_manifest(out / MARKER):
        raise OutputError(Issue("out-not-outputs", str(out), f"a folder with files but no {MARKER} of a run",
                                expected, hint=hint))
    foreign = sorted(p.name for p in out.iterdir() if p.name not in OUTPUT_NAMES or not p.is_file())
    if foreign:
        raise OutputError(Issue("out-not-outputs", str(out), f"'{foreign[0]}', which no run writes"
                                + (f" (and {len(foreign) - 1} more)" if len(foreign) > 1 else ""), expected,
                                hint=hint))


def _is_our_manifest(path: Path) -> bool:
    """Whether `path` is a manifest a run wrote (its own fields, not merely the file name)."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and {"pipeline_version", "command", "inputs"} <= set(manifest)


def replace_folder(out: Path, files: dict[str, bytes]) -> list[Path]:
    """Stage every file beside `out`, then switch folders; call inside `output_folder`."""
    staging = _sibling(out, "staging")
    try:
        _translated(out, _stage, staging, files)
        _translated(out, _switch, staging, out)
    except BaseException:
        _remove(staging)
        raise
    return [out / name for name in files]


def write_file(out_file: Path | str, data: bytes, inputs: Iterable[Path | str] = ()) -> Path:
    """Replace one file whole (temporary beside it, fsync, rename), never an input."""
    target = Path(os.path.realpath(out_file))
    _check_not_an_input(target, inputs, folder=False)
    if target.is_dir():
        raise OutputError(Issue("out-is-folder", str(target), "a folder", "a file name"))
    _check_parents(target)
    created = _make_parents(target)
    temporary = _sibling(target, "staging")
    try:
        with _locked(target):
            _translated(target, _recover_file, target)
            try:
                _translated(target, _write_file, temporary, data)
                _translated(target, os.rename, temporary, target)
                _translated(target, _fsync_folder, target.parent)
            except BaseException:
                _remove(temporary)
                raise
    finally:
        _remove_if_empty(created)
    return target


def lock_path(out: Path) -> Path:
    """The lock file beside `out`; its name starts with the prefix of every helper path."""
    return out.with_name(f"{_prefix(out)}lock")


def _prefix(out: Path) -> str:
    return f".{out.name}.pipeline-"


def _sibling(out: Path, kind: str) -> Path:
    return out.with_name(f"{_prefix(out)}{kind}-{os.getpid()}")


def _leftovers(out: Path, kind: str) -> list[Path]:
    """Staging or previous folders (or files) of earlier runs on `out`, and nothing else."""
    pattern = re.compile(re.escape(_prefix(out)) + kind + r"-[0-9]+")
    return sorted(p for p in out.parent.iterdir() if pattern.fullmatch(p.name))


def _check_not_an_input(out: Path, inputs: Iterable[Path | str], folder: bool) -> None:
    """Refuse an --out that would replace an input, or (for folders) hold or sit in an input's folder."""
    for given in inputs:
        real = Path(os.path.realpath(given))
        same_file = out == real or (out.exists() and real.exists() and os.path.samefile(out, real))
        places = {real.parent, Path(os.path.realpath(Path(given).absolute().parent))}
        overlaps = folder and any(out == p or out.is_relative_to(p) or p.is_relative_to(out) for p in places)
        if same_file or overlaps:
            raise OutputError(Issue(
                "out-overlaps-input", str(out), f"the input {given}" if same_file else f"a folder of the input {given}",
                "an output folder apart from every input's folder" if folder else "a file other than the inputs",
                hint="inputs are never changed; write the outputs elsewhere, e.g. reports/<survey>"))


def _check_parents(out: Path) -> None:
    """Refuse an --out under a file or in a folder this process cannot write."""
    existing = out.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(Issue("out-under-file", str(out), f"{existing} is a file", "a path under folders only"))
    writable = os.access(existing, os.W_OK | os.X_OK) and (not out.is_dir() or os.access(out, os.W_OK | os.X_OK))
    if not writable:
        raise OutputError(Issue("out-not-writable", str(out), f"no permission to write in {existing}",
                                "a folder this user may write in"))


def _make_parents(out: Path) -> list[Path]:
    """Create the missing folders above `out`, outermost first, so they can be removed again."""
    missing = [p for p in reversed(out.parents) if not p.exists()]
    for folder in missing:
        _translated(out, os.mkdir, folder)
    return missing


def _remove_if_empty(folders: list[Path]) -> None:
    """Remove folders this run created, if it left nothing in them (innermost first)."""
    for folder in reversed(folders):
        try:
            folder.rmdir()
        except OSError:
            return


@contextmanager
def _locked(out: Path) -> Iterator[None]:
    """Hold an exclusive flock on the lock file; a second run gets an OutputError at once."""
    path = lock_path(out)
    handle = _translated(out, _acquire, path, out)
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        os.close(handle)


def _acquire(path: Path, out: Path) -> int:
    """Lock the file at `path`; retry if the run that held it removed it meanwhile."""
    while True:
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            raise OutputError(Issue("out-locked", str(out), f"another run writing this output (it holds {path})",
                                    "one run at a time per output",
                                    hint="wait for it to finish, or choose another --out")) from None
        try:
            if os.path.samestat(os.fstat(handle), os.stat(path)):
                return handle
        except FileNotFoundError:
            pass
        os.close(handle)


def _recover(out: Path) -> None:
    """Put back the previous folder of a run killed mid-switch; remove other leftovers."""
    previous = _leftovers(out, "previous")
    if previous and not os.path.lexists(out):
        newest = max(previous, key=lambda p: p.stat().st_ctime)
        os.rename(newest, out)
        previous.remove(newest)
    for path in previous + _leftovers(out, "staging"):
        _remove(path)


def _recover_file(target: Path) -> None:
    """Remove temporary files left beside `target` by a killed run."""
    for path in _leftovers(target, "staging"):
        _remove(path)


def _stage(staging: Path, files: dict[str, bytes]) -> None:
    """Every file written and fsynced in the staging folder, then the folder fsynced.

    The files are written at once, a thread each: their fsyncs then share the filesystem's
    journal commits, where one after another each waits for its own. Every write is waited
    for; a failure is raised as the first failing file (in the files' order) raised it.
    """
    os.mkdir(staging)
    with ThreadPoolExecutor(max_workers=max(1, len(files))) as writers:
        writes = [writers.submit(_write_file, staging / name, data) for name, data in files.items()]
    for write in writes:
        write.result()
    _fsync_folder(staging)


def _switch(staging: Path, out: Path) -> None:
    """Two renames; the previous folder goes back if the second fails (see module docstring)."""
    previous = _sibling(out, "previous") if os.path.lexists(out) else None
    if previous is not None:
        os.rename(out, previous)
    try:
        os.rename(staging, out)
    except BaseException:
        if previous is not None:
            os.rename(previous, out)
        raise
    try:
        _fsync_folder(out.parent)
    finally:
        if previous is not None:
            _remove(previous)


def _write_file(path: Path, data: bytes) -> None:
    """Write and fsync one file, so a rename never publishes a file whose bytes are not on disk."""
    with open(path, "xb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    os.chmod(path, 0o644)


def _fsync_folder(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _remove(path: Path) -> None:
    """Remove a staging or previous folder or file; never follows a symlink."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with suppress(OSError):
            path.unlink(missing_ok=True)


def _translated(out: Path, action: Callable[..., T], *args: object) -> T:
    """Run a filesystem action; turn the OS errors a user can fix into an OutputError."""
    try:
        return action(*args)
    except OSError as error:
        raise _output_error(out, error) from error


def _output_error(out: Path, error: OSError) -> OutputError:
    if error.errno in _FULL:
        return OutputError(Issue("disk-full", str(out), f"the disk is full ({error.strerror})",
                                 "free space for every output", hint="the previous outputs were kept"))
    if error.errno in _DENIED:
        return OutputError(Issue("out-not-writable", str(out), f"no permission to write ({error.strerror})",
                                 "a folder this user may write in"))
    if error.errno == errno.ENOTDIR:
        return OutputError(Issue("out-under-file", str(out), "a file where a folder is needed",
                                 "a path under folders only"))
    return OutputError(Issue("cannot-write", str(out), f"{error.strerror or error} ({error.filename})",
                             "an output location that can be written", hint="the previous outputs were kept"))
