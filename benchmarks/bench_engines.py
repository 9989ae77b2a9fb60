"""`pipeline estimate` by every engine (memory, DuckDB, Spark) against the numpy speed
reference (`reference/numpy_ref.py`), on the reference's data (`reference/gen_data.py`).

For each size, each engine and the reference run in a fresh process, alternating, three
times; the table gives medians of wall time and of peak resident memory (of the process and
everything it starts, sampled every 0.1 s: Spark's JVM included), and each engine's ratio to
the reference's time. The memory engine reads and checks the file each time (`--no-cache`),
and is timed four ways: in its own process ("memory"), rerun from the answers cache in its own
process ("memory, cached"), in a warm process (`python -m pipeline serve`, "memory, warm": no
imports), and rerun from the cache in a warm process ("memory, warm, cached"). A warm run's
peak memory is the fork's, which counts the pages it shares with the server.

    python benchmarks/bench_engines.py [--sizes 1e5 1e6 1e7] [--repeats 3] [--cache DIR] [--format csv]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from warm_process import commands_served, last_command, own_process, warm_process  # noqa: E402

REFERENCE = ROOT / "benchmarks" / "reference"
ENGINES = ("memory", "duckdb", "spark")
CACHED, WARM, WARM_CACHED = "memory, cached", "memory, warm", "memory, warm, cached"


def questionnaire_text(name: str, items: int = 30) -> str:
    """The speed reference's questionnaire: stratified, weighted, population sizes, the role subgroup."""
    codes = """      - {code: "1", label: Strongly disagree}
      - {code: "2", label: Disagree}
      - {code: "3", label: Neither}
      - {code: "4", label: Agree}
      - {code: "5", label: Strongly agree}"""
    regions = ", ".join(f"{{code: R{i}, label: Region {i}}}" for i in range(1, 10))
    first = f"""  - id: q01
    text: Item q01
    type: scale
    codes: &codes
{codes}
    scale: &sides {{negative: ["1", "2"], neutral: ["3"], positive: ["4", "5"]}}"""
    rest = "\n".join(f"""  - id: q{i:02d}
    text: Item q{i:02d}
    type: scale
    codes: *codes
    scale: *sides""" for i in range(2, items + 1))
    return f"""format: 1
survey: {{id: {name}, title: Speed reference survey}}
design:
  respondent_id: resp_id
  strata: stratum
  weights: weight
  population_size: pop_size
missing_codes: {{dont_know: ["8"], allow_blank: true}}
questions:
  - id: auth_type
    text: Authority type
    type: single_choice
    codes: [{{code: municipal, label: Municipal}}, {{code: county, label: County}}, {{code: state, label: State}}, \
{{code: federal, label: Federal}}]
  - id: region
    text: Region
    type: single_choice
    codes: [{regions}]
  - id: role
    text: Role
    type: single_choice
    codes: [{{code: manager, label: Manager}}, {{code: staff, label: Staff}}]
{first}
{rest}
analysis:
  subgroups: [role]
"""


def _tree_rss(group: int) -> int:
    """Resident kB of every process of a process group (the command, and Spark's JVM with it)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # the process group, after the state and the parent
            total += int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
    return total


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of a fresh process with everything it starts (its
    process group, sampled every 0.1 s: Spark's JVM is a child that outlives no one's wait)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss(process.pid))
        time.sleep(0.1)
    wall = time.perf_counter() - started
    error = process.stderr.read().decode() if process.stderr else ""
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{error[-2000:]}")
    return wall, peak / 1024


def estimate_command(row: str, questionnaire: Path, answers: Path, size: int, repeat: int, outputs: Path,
                     answers_cache: str) -> list[str]:
    """`pipeline estimate` for a row of the table: an engine, or the memory engine warm (and cached)."""
    engine = row.split(",")[0]
    out = outputs / f"out_{row.replace(', ', '_')}_{size}_{repeat}"
    command = [sys.executable, "-m", "pipeline", "estimate", str(questionnaire), str(answers), "--out", str(out),
               "--engine", engine]
    if row in (CACHED, WARM_CACHED):
        return [*command, "--cache-dir", answers_cache]
    return [*command, "--no-cache"] if engine == "memory" else command


def timed_warm(command: list[str], warm: dict[str, str], log: Path) -> tuple[float, float]:
    """Wall seconds of the command run by the warm process, and the fork's peak resident MB."""
    served = commands_served(log)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=warm, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr.decode()[-2000:]}")
    return wall, last_command(log, served)[1]


def data(size: int, cache: Path) -> tuple[Path, Path, Path]:
    """The reference's data of `size` rows (generated once) and its questionnaire."""
    folder = cache / f"engines_{size}"
    name = f"survey_{size}"
    csv_path, parquet = folder / f"{name}.csv", folder / f"{name}.parquet"
    if not csv_path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(REFERENCE / "gen_data.py"), str(size), str(folder)], check=True,
                       stdout=subprocess.DEVNULL)
    questionnaire = folder / f"{name}.yaml"
    questionnaire.write_text(questionnaire_text(name), encoding="utf-8")
    return questionnaire, csv_path, parquet


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e5, 1e6, 1e7])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), choices=ENGINES)
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv",
                        help="the engines' input (the reference reads the CSV)")
    parser.add_argument("--cache", type=Path, default=ROOT / "bench-results")
    args = parser.parse_args()
    env = own_process({**os.environ, "PYTHONPATH": str(ROOT), "PYSPARK_PYTHON": sys.executable})
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; load average at start {os.getloadavg()[0]:.1f}; engines read {args.format}")
    print(f"{'rows':>12} {'engine':>21} {'wall s':>8} {'peak MB':>8} {'ref s':>7} {'ref MB':>7} {'ratio':>6}")
    with warm_process(env) as (warm, log), tempfile.TemporaryDirectory() as answers_cache:
        for size in (int(s) for s in args.sizes):
            questionnaire, csv_path, parquet = data(size, args.cache)
            answers = csv_path if args.format == "csv" else parquet
            rows = list(args.engines)
            if "memory" in rows:
                rows[rows.index("memory") + 1:rows.index("memory") + 1] = [CACHED, WARM, WARM_CACHED]
            runs: dict[str, list[tuple[float, float]]] = {name: [] for name in ("reference", *rows)}

            inputs = (questionnaire, answers, size)
            if WARM_CACHED in rows:  # fills the cache: not timed
                timed_warm(estimate_command(WARM_CACHED, *inputs, 0, args.cache, answers_cache), warm, log)
            for repeat in range(args.repeats):
                runs["reference"].append(timed([sys.executable, str(REFERENCE / "numpy_ref.py"), str(csv_path),
                                                str(args.cache / f"ref_{size}.csv")], env))
                for row in rows:
                    command = estimate_command(row, *inputs, repeat, args.cache, answers_cache)
                    runs[row].append(timed_warm(command, warm, log) if row in (WARM, WARM_CACHED)
                                     else timed(command, env))
            ref_wall = statistics.median(w for w, _ in runs["reference"])
            ref_peak = statistics.median(p for _, p in runs["reference"])
            for row in rows:
                wall = statistics.median(w for w, _ in runs[row])
                peak = statistics.median(p for _, p in runs[row])
                print(f"{size:>12,} {row:>21} {wall:>8.2f} {peak:>8.0f} {ref_wall:>7.2f} {ref_peak:>7.0f} "
                      f"{wall / ref_wall:>6.2f}", flush=True)
    print(f"load average at end {os.getloadavg()[0]:.1f} (2 cores shared with other work)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
