"""Benchmark `python -m pipeline estimate` at 1e5, 1e6 and 1e7 respondents.

Each size runs twice over: reading and checking the file (`--no-cache`), and rerunning on the
same inputs from the answers cache (Parquet; see `pipeline.answer_cache`).

Generates seeded synthetic answers (30 five-point Likert items with "don't know" and
blanks, 36 strata with population sizes and weights, a binary subgroup) once into a cache
folder, then runs the real command in a fresh process several times per size and reports
the median wall time and the median peak resident memory of that process.

    python benchmarks/bench_estimate.py [--sizes 1e5 1e6 1e7] [--repeats 3] [--cache DIR]
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

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

ITEMS = 30
STRATA = 36
CODES = ["1", "2", "3", "4", "5", "dk", ""]
CODE_PROBABILITIES = [0.1, 0.2, 0.25, 0.25, 0.12, 0.05, 0.03]
CHUNK = 1_000_000


def questionnaire_yaml(size: int) -> str:
    """A questionnaire for the synthetic survey: stratified, weighted, with a subgroup."""
    scale = "\n".join(f"""  - id: item{i:02d}
    text: Synthetic item {i}
    type: scale
    codes: *codes
    scale: *sides""" for i in range(1, ITEMS + 1))
    measures = "\n".join(f"""  - {{id: item{i:02d}_agree, question: item{i:02d}, categories: ["4", "5"], base: valid, \
label: Agree with item {i}}}"""
                         for i in range(1, ITEMS + 1))
    first = """  - id: item01
    text: Synthetic item 1
    type: scale
    codes: &codes
      - {code: "1", label: Strongly disagree}
      - {code: "2", label: Disagree}
      - {code: "3", label: Neither}
      - {code: "4", label: Agree}
      - {code: "5", label: Strongly agree}
    scale: &sides {negative: ["1", "2"], neutral: ["3"], positive: ["4", "5"]}"""
    scale = first + "\n" + "\n".join(scale.split("\n")[5:])
    return f"""format: 1
survey: {{id: bench_{size}, title: Synthetic benchmark survey ({size} respondents)}}
design:
  respondent_id: id
  strata: stratum
  weights: weight
  population_size: stratum_size
missing_codes: {{dont_know: [dk], allow_blank: true}}
questions:
  - id: group
    text: Binary subgroup
    type: single_choice
    codes: [{{code: a, label: Group A}}, {{code: b, label: Group B}}]
{scale}
measures:
{measures}
analysis:
  subgroups: [group]
"""


def write_answers(path: Path, size: int, seed: int = 12345) -> None:
    """Seeded synthetic answers, written in chunks so memory stays small at 1e7."""
    rng = np.random.default_rng(seed)
    stratum_sizes = rng.integers(50_000, 500_000, size=STRATA) * max(1, size // 100_000)
    with pacsv.CSVWriter(str(path), pa.schema(
            [("id", pa.string()), ("stratum", pa.string()), ("weight", pa.string()), ("stratum_size", pa.string()),
             ("group", pa.string())] + [(f"item{i:02d}", pa.string()) for i in range(1, ITEMS + 1)]),
            write_options=pacsv.WriteOptions(quoting_style="needed")) as writer:
        for start in range(0, size, CHUNK):
            n = min(CHUNK, size - start)
            stratum = rng.integers(0, STRATA, size=n)
            weight = stratum_sizes[stratum] / (size / STRATA) * rng.uniform(0.8, 1.2, size=n)
            columns = {
                "id": pa.array(np.char.add("r", np.arange(start, start + n).astype(str))),
                "stratum": pa.array(np.char.add("s", stratum.astype(str))),
                "weight": pa.array(np.char.mod("%.4f", weight)),
                "stratum_size": pa.array(stratum_sizes[stratum].astype(str)),
                "group": pa.array(np.where(rng.random(n) < 0.4, "a", "b")),
            }
            dictionary = pa.array(CODES)
            for i in range(1, ITEMS + 1):
                codes = rng.choice(len(CODES), size=n, p=CODE_PROBABILITIES).astype(np.int8)
                columns[f"item{i:02d}"] = pa.DictionaryArray.from_arrays(pa.array(codes), dictionary).cast(pa.string())
            writer.write_table(pa.table(columns))


def measure_run(questionnaire: Path, answers: Path, out: Path, *options: str) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of one `pipeline estimate` process (in its own process,
    even while a warm process runs)."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "pipeline", "estimate", str(questionnaire), str(answers),
                                "--out", str(out), *options], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, "SURVEY_PIPELINE_WARM": "off"})
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"estimate failed on {answers}: {process.stderr.read().decode()}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["1e5", "1e6", "1e7"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path("bench-results"))
    args = parser.parse_args()
    args.cache.mkdir(exist_ok=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{'respondents':>12} {'run':>22} {'median wall (s)':>16} {'median peak RSS (MB)':>21}  runs")
    cache = args.cache.with_name(args.cache.name + "-answers-cache")
    for text in args.sizes:
        size = int(float(text))
        questionnaire = args.cache / f"bench_{size}.yaml"
        answers = args.cache / f"bench_{size}.csv"
        questionnaire.write_text(questionnaire_yaml(size))
        if not answers.exists():
            print(f"  (generating {size:,} synthetic respondents)", file=sys.stderr)
            write_answers(answers, size)
        out = args.cache.with_name(args.cache.name + "-out") / f"estimate_{size}"  # apart from the inputs
        fresh = [measure_run(questionnaire, answers, out, "--no-cache") for _ in range(args.repeats)]
        measure_run(questionnaire, answers, out, "--cache-dir", str(cache))  # fills the answers cache
        rerun = [measure_run(questionnaire, answers, out, "--cache-dir", str(cache)) for _ in range(args.repeats)]
        for label, runs in (("read and checked", fresh), ("rerun from the cache", rerun)):
            walls, peaks = zip(*runs, strict=True)
            print(f"{size:>12,} {label:>22} {statistics.median(walls):>16.2f} {statistics.median(peaks):>21.0f}  "
                  + ", ".join(f"{w:.2f}s/{p:.0f}MB" for w, p in runs))


if __name__ == "__main__":
    main()
