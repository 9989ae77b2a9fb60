"""Benchmark `python -m pipeline estimate` on a replicate-weight design: 80 successive-difference
replicate weights (as the ACS), 30 five-point items and a binary subgroup, at 1e6 respondents.

Generates seeded synthetic answers once into a cache folder (the full-sample weight and 80
replicate weights per respondent, to two decimals) as CSV, and the same answers as Parquet
(weights as float columns, answers as dictionary-encoded text), then runs the real command on
each format in a fresh process several times and reports the median wall time and the median
peak resident memory.

    python benchmarks/bench_replicates.py [--sizes 1e6] [--formats csv parquet] [--repeats 3] [--cache DIR]
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
import pyarrow.parquet as pq

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


def write_parquet(csv_path: Path, path: Path) -> None:
    """The CSV's answers as typed Parquet columns: weights as floats, answers dictionary-encoded."""
    reader = pacsv.open_csv(csv_path, read_options=pacsv.ReadOptions(block_size=1 << 24),
                            convert_options=pacsv.ConvertOptions(
                                column_types={"id": pa.string(), "group": pa.string(), "weight": pa.float64(),
                                              **{f"item{i:02d}": pa.string() for i in range(1, ITEMS + 1)},
                                              **{f"repwt{r}": pa.float64() for r in range(1, REPLICATES + 1)}},
                                strings_can_be_null=False, quoted_strings_can_be_null=False, null_values=[]))
    writer = None
    for batch in reader:
        columns = [column.dictionary_encode() if pa.types.is_string(column.type) and name != "id" else column
                   for name, column in zip(batch.schema.names, batch.columns, strict=True)]
        table = pa.table(columns, names=batch.schema.names)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=CHUNK)
    if writer is not None:
        writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["1e6"])
    parser.add_argument("--formats", nargs="+", choices=("csv", "parquet"), default=["csv", "parquet"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path("bench-results"))
    args = parser.parse_args()
    args.cache.mkdir(exist_ok=True)
    print(f"replicate weights ({REPLICATES}, successive-difference), {ITEMS} items; "
          f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{'respondents':>12} {'format':>8} {'median wall (s)':>16} {'median peak RSS (MB)':>21}  runs"
          "  (load average before, after)")
    for text in args.sizes:
        size = int(float(text))
        questionnaire = args.cache / f"bench_replicates_{size}.yaml"
        csv_path = args.cache / f"bench_replicates_{size}.csv"
        questionnaire.write_text(replicate_questionnaire_yaml(size))
        if not csv_path.exists():
            print(f"  (generating {size:,} synthetic respondents with {REPLICATES} replicate weights)", file=sys.stderr)
            write_answers(csv_path, size)
        for fmt in args.formats:
            answers = csv_path.with_suffix(f".{fmt}")
            if fmt == "parquet" and (not answers.exists() or answers.stat().st_mtime < csv_path.stat().st_mtime):
                write_parquet(csv_path, answers)
            out = args.cache.with_name(args.cache.name + "-out") / f"replicates_{size}"  # apart from the inputs
            before = os.getloadavg()[0]
            runs = [measure_run(questionnaire, answers, out) for _ in range(args.repeats)]
            walls, peaks = zip(*runs, strict=True)
            print(f"{size:>12,} {fmt:>8} {statistics.median(walls):>16.2f} {statistics.median(peaks):>21.0f}  "
                  + ", ".join(f"{w:.2f}s/{p:.0f}MB" for w, p in runs)
                  + f"  ({before:.1f}, {os.getloadavg()[0]:.1f})", flush=True)


if __name__ == "__main__":
    main()
