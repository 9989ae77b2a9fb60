"""A warm process (`python -m pipeline serve`) for the benchmarks, and what it says of each command it ran.

The server gets a socket folder of its own and exactly the settings the timed commands get,
so that they reach it; a timed run then checks the server's log to be sure the server, not
a process of its own, ran the command, and takes the fork's CPU time and peak memory from it.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RAN = "\nran "


@contextmanager
def warm_process(environment: dict[str, str]) -> Iterator[tuple[dict[str, str], Path]]:
    """A server for `environment`: the settings that reach it (its own socket folder added), and its log."""
    with tempfile.TemporaryDirectory() as folder:
        runtime = Path(folder)
        runtime.chmod(0o700)
        served = {key: value for key, value in environment.items() if key != "SURVEY_PIPELINE_WARM"}
        served["XDG_RUNTIME_DIR"] = str(runtime)
        log = runtime / "server.log"
        with log.open("w") as stream:
            server = subprocess.Popen([sys.executable, "-m", "pipeline", "serve"], cwd=ROOT, env=served,
                                      stdout=stream, stderr=stream)
        try:
            while "serving the commands" not in log.read_text():
                if server.poll() is not None:
                    raise SystemExit(f"the warm process did not start:\n{log.read_text()}")
                time.sleep(0.05)
            yield served, log
        finally:
            server.send_signal(signal.SIGINT)
            server.wait()


def commands_served(log: Path) -> int:
    return log.read_text().count(RAN)


def last_command(log: Path, served_before: int) -> tuple[float, float]:
    """CPU seconds and peak MB of the command the server ran last; it must be the one after `served_before`."""
    text = log.read_text()
    if text.count(RAN) != served_before + 1:
        raise SystemExit(f"the warm process did not run the command:\n{text[-2000:]}")
    line = text.rsplit(RAN, 1)[1]
    cpu = float(re.findall(r"CPU ([0-9.]+) s", line)[-1])
    peak = float(re.findall(r"peak ([0-9.]+) MB", line)[-1])
    return cpu, peak


def own_process(environment: dict[str, str]) -> dict[str, str]:
    """Settings under which a command runs in its own process even while a server listens."""
    return {**environment, "SURVEY_PIPELINE_WARM": "off"}

