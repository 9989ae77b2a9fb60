"""Benchmark `python -m pipeline estimate` on a replicate-weight design: 80 successive-difference
replicate weights (as the ACS), 30 five-point items and a binary subgroup, at 1e6 respondents.

Generates seeded synthetic answers once into a cache folder (the full-sample weight and 80
replicate weights per respondent, to two decimals), then runs the real command in a fresh
process several times and reports the median wall time and the median peak resident memory.

    python benchmarks/bench_replicates.py [--sizes 1e6] [--repeats 3] [--cache DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_estimate import CODE_PROBABILITIES, CODES, ITEMS, measure_run, questionnaire_yaml

REPLICATES = 80
CHUNK = 250_000


def replicate_questionnaire_yaml(size: int) -> str:
    """The benchmark questionnaire with replicate weights instead of strata and population sizes."""
    text = questionnaire_yaml(size).replace(f"bench_{size}", f"bench_replicates_{size}")
    return text.replace("""  strata: stratum
  weights: weight
  population_size: stratum_size
""", """  weights: weight
  replicates:
    type: successive-difference
    prefix: repwt
""")


def write_answers(path: Path, size: int, seed: int = 12345) -> None:
    """Seeded synthetic answers with successive-difference replicate weights, in chunks."""
    rng = np.random.default_rng(seed)
    hadamard = np.array([[1.0]])
    while len(hadamard) < REPLICATES:
        hadamard = np.block([[hadamard, hadamard], [hadamard, -hadamard]])
    rows_of_h = hadamard[:, :REPLICATES]
    names = [("id", pa.string()), ("weight", pa.string()), ("group", pa.string())]
    names += [(f"item{i:02d}", pa.string()) for i in range(1, ITEMS + 1)]
    names += [(f"repwt{r}", pa.string()) for r in range(1, REPLICATES + 1)]
    with pacsv.CSVWriter(str(path), pa.schema(names), write_options=pacsv.WriteOptions(quoting_style="needed")) as out:
        for start in range(0, size, CHUNK):
            n = min(CHUNK, size - start)
            weight = np.round(rng.uniform(20, 200, size=n), 2)
            units = np.arange(start, start + n)
            factors = 1 + 2 ** -1.5 * (rows_of_h[units % len(rows_of_h)] - rows_of_h[(units + 1) % len(rows_of_h)])
            columns = {"id": pa.array(np.char.add("r", units.astype(str))),
                       "weight": pa.array(weight).cast(pa.string()),
                       "group": pa.array(np.where(rng.random(n) < 0.4, "a", "b"))}
            dictionary = pa.array(CODES)
            for i in range(1, ITEMS + 1):
                codes = rng.choice(len(CODES), size=n, p=CODE_PROBABILITIES).astype(np.int8)
                columns[f"item{i:02d}"] = pa.DictionaryArray.from_arrays(pa.array(codes), dictionary).cast(pa.string())
            replicate = np.round(weight[:, None] * factors, 2)
            for r in range(REPLICATES):
                columns[f"repwt{r + 1}"] = pa.array(replicate[:, r]).cast(pa.string())
            out.write_table(pa.table(columns))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["1e6"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path("bench-results"))
    args = parser.parse_args()
    args.cache.mkdir(exist_ok=True)
    print(f"replicate weights ({REPLICATES}, successive-difference), {ITEMS} items; "
          f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{'respondents':>12} {'median wall (s)':>16} {'median peak RSS (MB)':>21}  runs")
    for text in args.sizes:
        size = int(float(text))
        questionnaire = args.cache / f"bench_replicates_{size}.yaml"
        answers = args.cache / f"bench_replicates_{size}.csv"
        questionnaire.write_text(replicate_questionnaire_yaml(size))
        if not answers.exists():
            print(f"  (generating {size:,} synthetic respondents with {REPLICATES} replicate weights)", file=sys.stderr)
            write_answers(answers, size)
        out = args.cache.with_name(args.cache.name + "-out") / f"replicates_{size}"  # apart from the inputs
        runs = [measure_run(questionnaire, answers, out)
                for _ in range(args.repeats)]
        walls, peaks = zip(*runs, strict=True)
        print(f"{size:>12,} {statistics.median(walls):>16.2f} {statistics.median(peaks):>21.0f}  "
              + ", ".join(f"{w:.2f}s/{p:.0f}MB" for w, p in runs))


if __name__ == "__main__":
    main()
