"""Which warm process may run a command: a socket named by everything the loaded modules depend on.

A process that imported the pipeline reflects the code, the packages and the interpreter
settings as they were when it started. The socket's name is a hash of all of them, computed
again by each command, so a command can only ever reach a process that is identical to the
one it would have started itself; any edit, upgrade or other setting gives another name, and
the command runs on its own.

Standard library only, and only `os.stat` calls: the command line computes this before it
imports anything else.
"""

from __future__ import annotations

import hashlib
import os
import sys
import sysconfig
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # the `pipeline` folder this code was loaded from

# Settings that the interpreter, NumPy, Arrow, fontconfig or Pango read when they load (not per
# command), and so must be the same in a warm process as in the command.
SETTINGS_PREFIXES = ("PYTHON", "LC_", "OMP_", "OPENBLAS_", "MKL_", "BLIS_", "ARROW_", "PYARROW_", "LD_",
                     "FONTCONFIG", "FC_", "PANGO", "GDK_", "MALLOC_", "NPY_", "NUMPY_", "SCIPY_")
SETTINGS = frozenset({"LANG", "LANGUAGE", "TZ", "XDG_DATA_DIRS", "XDG_DATA_HOME", "XDG_CONFIG_HOME",
                      "XDG_CONFIG_DIRS", "XDG_CACHE_HOME", "HOME", "PATH"})


def loaded_settings(environment: dict[str, str] | os._Environ) -> dict[str, str]:
    """The part of an environment that is read when modules load."""
    return {key: value for key, value in environment.items()
            if key in SETTINGS or key.startswith(SETTINGS_PREFIXES)}


def fingerprint(environment: dict[str, str] | os._Environ | None = None) -> str:
    """A hash of the pipeline's files, the installed packages, the interpreter, its module search path
    and the load-time settings."""
    digest = hashlib.sha256()

    def add(*parts: object) -> None:
        digest.update(repr(parts).encode("utf-8", "surrogateescape"))

    add(sys.executable, sys.version, sys.flags, sorted(sys._xoptions.items()), sys.warnoptions, str(PACKAGE))
    add(sys.path)  # where modules are found: `-m` puts the folder the command runs in first
    add(interpreter_options())
    add(sorted(loaded_settings(os.environ if environment is None else environment).items()))
    add(process_settings())
    for folder in sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}):
        add(folder, _stat(Path(folder)))  # a package installed, upgraded or removed changes the folder
    for path in _package_files():
        add(path.relative_to(PACKAGE).as_posix(), _stat(path))
    return digest.hexdigest()


def interpreter_options() -> list[str]:
    """The options given to Python itself (`-u`, `-X dev`, `-W error`), before `-m pipeline` and the command."""
    return sys.orig_argv[1:len(sys.orig_argv) - len(sys.argv) + 1]


def process_settings() -> tuple:
    """What the process inherits besides its environment: limits, cores, priority, groups, control group.

    A fork of the server has the server's, not the command's; thread pools are sized from the
    cores at load time, and a limit lowered for one command must hold for it.
    """
    import resource

    limits = tuple((name, resource.getrlimit(getattr(resource, name)))
                   for name in sorted(dir(resource)) if name.startswith("RLIMIT_"))
    try:
        control_group = Path("/proc/self/cgroup").read_text()
    except OSError:
        control_group = ""
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    return (limits, cores, os.getpriority(os.PRIO_PROCESS, 0), os.getgid(), os.getegid(), sorted(os.getgroups()),
            control_group)


def _package_files() -> list[Path]:
    files: list[Path] = []
    for folder, subfolders, names in os.walk(PACKAGE):
        subfolders[:] = sorted(name for name in subfolders if name != "__pycache__")
        files.extend(Path(folder, name) for name in sorted(names))
    return files


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


SOCKET_PATH_LIMIT = 100  # bytes: a Unix socket's path must fit in 108, with its terminating NUL


def socket_folder() -> Path:
    """This user's folder for warm processes' sockets: the runtime folder, else one in the temporary folder
    (in /tmp when either would make a socket's path longer than a socket's path may be)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) if runtime and Path(runtime).is_dir() else Path(os.environ.get("TMPDIR") or "/tmp")
    folder = base / f"survey-pipeline-{os.getuid()}"
    if len(os.fsencode(folder)) + len("/0123456789abcdef0123456789abcdef.sock") > SOCKET_PATH_LIMIT:
        folder = Path("/tmp") / f"survey-pipeline-{os.getuid()}"
    return folder


def socket_path(environment: dict[str, str] | os._Environ | None = None) -> Path:
    """Where a warm process identical to this command's own would listen."""
    return socket_folder() / f"{fingerprint(environment)[:32]}.sock"


def is_private(folder: Path) -> bool:
    """True when the folder is this user's alone: nobody else could have put a socket there."""
    try:
        status = folder.lstat()
    except OSError:
        return False
    import stat

    return stat.S_ISDIR(status.st_mode) and status.st_uid == os.getuid() and status.st_mode & 0o077 == 0
