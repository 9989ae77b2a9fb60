"""`pipeline estimate` by every engine (memory, DuckDB, Spark) against the numpy speed
reference (`reference/numpy_ref.py`), on the reference's data (`reference/gen_data.py`).

For each size, each engine and the reference run in a fresh process, alternating, three
times; the table gives medians of wall time and of peak resident memory (the process's and
its children's: Spark's JVM included), and each engine's ratio to the reference's time.

    python benchmarks/bench_engines.py [--sizes 1e5 1e6 1e7] [--repeats 3] [--cache DIR] [--format csv]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "benchmarks" / "reference"
ENGINES = ("memory", "duckdb", "spark")


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


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of a fresh process (and its children)."""
    wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
               "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE); "
               "w = time.perf_counter() - t; "
               "sys.stderr.write(r.stderr.decode()[-2000:] if r.returncode else ''); "
               "print(w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024); sys.exit(r.returncode)")
    result = subprocess.run([sys.executable, "-c", wrapper, *command], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr}")
    wall, peak = result.stdout.split()
    return float(wall), float(peak)


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
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYSPARK_PYTHON": sys.executable}
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; load average at start {os.getloadavg()[0]:.1f}; engines read {args.format}")
    print(f"{'rows':>12} {'engine':>8} {'wall s':>8} {'peak MB':>8} {'ref s':>7} {'ref MB':>7} {'ratio':>6}")
    for size in (int(s) for s in args.sizes):
        questionnaire, csv_path, parquet = data(size, args.cache)
        answers = csv_path if args.format == "csv" else parquet
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in ("reference", *args.engines)}
        for repeat in range(args.repeats):
            runs["reference"].append(timed([sys.executable, str(REFERENCE / "numpy_ref.py"), str(csv_path),
                                            str(args.cache / f"ref_{size}.csv")], env))
            for engine in args.engines:
                out = args.cache / f"out_{engine}_{size}_{repeat}"
                runs[engine].append(timed([sys.executable, "-m", "pipeline", "estimate", str(questionnaire),
                                           str(answers), "--out", str(out), "--engine", engine], env))
        ref_wall = statistics.median(w for w, _ in runs["reference"])
        ref_peak = statistics.median(p for _, p in runs["reference"])
        for engine in args.engines:
            wall = statistics.median(w for w, _ in runs[engine])
            peak = statistics.median(p for _, p in runs[engine])
            print(f"{size:>12,} {engine:>8} {wall:>8.2f} {peak:>8.0f} {ref_wall:>7.2f} {ref_peak:>7.0f} "
                  f"{wall / ref_wall:>6.2f}", flush=True)
    print(f"load average at end {os.getloadavg()[0]:.1f} (2 cores shared with other work)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
