"""Benchmark reading the same answers as CSV and as Parquet, at 1e6 respondents (medians of 3).

Uses `bench_estimate`'s seeded synthetic survey (36 strata with sizes and weights, a subgroup,
30 five-point items with "don't know" and blanks), writes it once as CSV and once as Parquet
(typed columns: weights as floats, sizes as integers, answers as dictionary-encoded text), and
times, each in a fresh process, reading the file into the pipeline's cells and checking them
against the questionnaire (`read_answers_file`, `check_answers`). Parquet skips parsing text
and counting lines, so it should read faster.

    python benchmarks/bench_formats.py [--size 1e6] [--repeats 3] [--cache DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_estimate import questionnaire_yaml, write_answers

TIMED = """
import json, sys, time
from pipeline.answer_formats import read_answers_file
from pipeline.questionnaire import load_questionnaire
from pipeline.validate import check_answers
questionnaire = load_questionnaire(sys.argv[1])
start = time.perf_counter()
raw = read_answers_file(sys.argv[2])
read = time.perf_counter() - start
responses = check_answers(raw, questionnaire)
print(json.dumps({"read": read, "read_and_check": time.perf_counter() - start, "rows": len(responses.answers)}))
"""


def write_parquet(csv_path: Path, path: Path) -> None:
    """The CSV's answers as typed Parquet columns."""
    table = pacsv.read_csv(csv_path, convert_options=pacsv.ConvertOptions(
        column_types={"id": pa.string(), "stratum": pa.string(), "weight": pa.float64(),
                      "stratum_size": pa.int64(), "group": pa.string()},
        strings_can_be_null=False, quoted_strings_can_be_null=False, null_values=[]))
    columns = [column.dictionary_encode() if pa.types.is_string(column.type) and name != "id" else column
               for name, column in zip(table.column_names, table.columns, strict=True)]
    pq.write_table(pa.table(columns, names=table.column_names), path)


def timed(questionnaire: Path, answers: Path) -> dict:
    result = subprocess.run([sys.executable, "-c", TIMED, str(questionnaire), str(answers)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"reading {answers} failed: {result.stderr}")
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1e6")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path("bench-results"))
    args = parser.parse_args()
    size = int(float(args.size))
    args.cache.mkdir(exist_ok=True)
    questionnaire = args.cache / f"bench_{size}.yaml"
    questionnaire.write_text(questionnaire_yaml(size))
    csv_path, parquet_path = args.cache / f"bench_{size}.csv", args.cache / f"bench_{size}.parquet"
    if not csv_path.exists():
        print(f"  (generating {size:,} synthetic respondents)", file=sys.stderr)
        write_answers(csv_path, size)
    if not parquet_path.exists() or parquet_path.stat().st_mtime < csv_path.stat().st_mtime:
        write_parquet(csv_path, parquet_path)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{size:,} respondents; medians of {args.repeats} runs, each in a fresh process")
    print(f"{'format':>8} {'MB':>7} {'read (s)':>9} {'read+check (s)':>15}  runs (read)")
    medians = {}
    for name, path in (("csv", csv_path), ("parquet", parquet_path)):
        runs = [timed(questionnaire, path) for _ in range(args.repeats)]
        assert all(run["rows"] == size for run in runs)
        read = statistics.median(run["read"] for run in runs)
        both = statistics.median(run["read_and_check"] for run in runs)
        medians[name] = read
        print(f"{name:>8} {path.stat().st_size / 1e6:>7.1f} {read:>9.2f} {both:>15.2f}  "
              + ", ".join(f"{run['read']:.2f}" for run in runs))
    print(f"Parquet is read {medians['csv'] / medians['parquet']:.1f}x as fast as CSV"
          if medians["parquet"] < medians["csv"] else "Parquet is NOT read faster than CSV")


if __name__ == "__main__":
    main()
