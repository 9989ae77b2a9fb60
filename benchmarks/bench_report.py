"""Benchmark the study's rebuild: `pipeline report` (PDF, HTML and workbook) and `pipeline estimate`.

A researcher rebuilds after every edit, so what counts is the warm time: one untimed run
first (bytecode compiled, files in the page cache), then the median wall time of several runs
of the real command. Each command is timed twice over: in its own process, as a first
command is (it imports pandas, SciPy, Arrow and WeasyPrint), and with `python -m pipeline
serve` running, as every later command of an editing session is (`pipeline.warm`: the same
command line, run in a fork of a process that has imported everything). Targets: the report
within 3 s, `estimate` within 0.5 s, on 2 cores. The CPU seconds (user and system) of each
run are printed beside the wall time: on a busy machine they show what the run itself cost.
They include the second process in which `report` lays out its PDF
(`pipeline.report.pdf_process`), so on two free cores a report's wall time is less than its
CPU time; for a warm run they are the command line's and the fork's together, from the
server's log.

    python benchmarks/bench_report.py [--repeats 3] [--out DIR] [--only report|estimate]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from warm_process import commands_served, last_command, own_process, warm_process  # noqa: E402

SURVEY = "fitter_for_the_future"
COMMANDS = {"report": "study report (PDF, HTML, workbook)", "estimate": "study estimate (82 respondents)"}
TARGETS = {"report": 3.0, "estimate": 0.5}


def run_once(command: str, out: Path, environment: dict[str, str], log: Path | None) -> tuple[float, float]:
    """Wall and CPU seconds of one `python -m pipeline <command>` on the study.

    With `log` (the warm process's), the command must have been run by that process, and its
    CPU seconds there are added to the command line's own.
    """
    served = commands_served(log) if log else 0
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "pipeline", command, f"questionnaires/{SURVEY}.yaml",
                                f"raw/{SURVEY}.csv", "--out", str(out)], cwd=ROOT, env=environment,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command} failed: {process.stderr.read().decode()}")
    cpu = usage.ru_utime + usage.ru_stime
    if log:
        cpu += last_command(log, served)[0]
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench-results"))
    parser.add_argument("--only", choices=sorted(COMMANDS), help="time this command alone")
    args = parser.parse_args()
    args.out.mkdir(exist_ok=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{'command':>36} {'where':>14} {'median wall (s)':>16} {'median CPU (s)':>15} {'target (s)':>11}"
          "  runs (wall/CPU)")
    own = own_process(dict(os.environ))
    with warm_process(dict(os.environ)) as (warm, log):
        for command, label in COMMANDS.items():
            if args.only and command != args.only:
                continue
            out = (args.out / f"{SURVEY}_{command}").resolve()
            for where, environment, server_log in (("own process", own, None), ("warm process", warm, log)):
                run_once(command, out, environment, server_log)  # warm-up, not timed
                runs = [run_once(command, out, environment, server_log) for _ in range(args.repeats)]
                walls, cpus = zip(*runs, strict=True)
                print(f"{label:>36} {where:>14} {statistics.median(walls):>16.2f} {statistics.median(cpus):>15.2f} "
                      f"{TARGETS[command]:>11.1f}  " + ", ".join(f"{w:.2f}/{c:.2f}s" for w, c in runs))


if __name__ == "__main__":
    main()
