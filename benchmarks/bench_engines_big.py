"""`pipeline estimate --engine duckdb` on 1e8 respondents x 30 items in Parquet: wall time and
peak memory (the resident memory of the process, DuckDB's included).

The answers are generated once, chunk by chunk (never whole in memory), into a cache folder
outside the repository, with the speed reference's columns and distributions
(`reference/gen_data.py`: 36 strata with population sizes and weights, a binary role, codes
1-5, 8 for don't know, blanks), and the speed reference's questionnaire.

    python benchmarks/bench_engines_big.py [--rows 1e8] [--cache bench-results] [--memory-limit 2GB]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_engines import questionnaire_text  # noqa: E402

CHUNK = 2_000_000
AUTH = ["municipal", "county", "state", "federal"]


def generate_parquet(rows: int, path: Path, seed: int = 20240601) -> None:
    """Answers as `reference/gen_data.py` draws them, written chunk by chunk. The strata's sizes
    are drawn first, so that each stratum's weight (N_h / n_h) and population size are known
    before any row is written."""
    rng = np.random.default_rng(seed + rows)
    strata, items = 36, 30
    share = rng.dirichlet(np.full(strata, 3.0))
    n_h = 2 + rng.multinomial(rows - 2 * strata, share)
    f_h = rng.uniform(0.02, 0.5, strata)
    big_n = np.ceil(n_h / f_h).astype(np.int64)
    role_p = rng.uniform(0.15, 0.4, strata)
    s_eff = rng.normal(0, 0.4, strata)
    item_shift = rng.normal(0, 0.5, items)
    remaining = n_h.copy()
    cuts = np.array([-1.5, -0.5, 0.4, 1.3])
    tmp = path.with_suffix(".partial")
    writer = None
    start = 0
    while start < rows:
        size = min(CHUNK, rows - start)
        # this chunk's strata: drawn without replacement from what each stratum has left
        counts = rng.multivariate_hypergeometric(remaining, size)
        remaining -= counts
        stratum = rng.permutation(np.repeat(np.arange(strata), counts))
        manager = rng.random(size) < role_p[stratum]
        u = rng.normal(0, 1, size) + s_eff[stratum] + 0.3 * manager
        columns = {
            "resp_id": pa.array(np.arange(start + 1, start + size + 1)),
            "auth_type": pa.array(np.array(AUTH)[stratum // 9]),
            "region": pa.array(np.char.add("R", (stratum % 9 + 1).astype(str))),
            "stratum": pa.array(stratum + 1),
            "pop_size": pa.array(big_n[stratum]),
            "weight": pa.array((big_n / n_h)[stratum]),
            "role": pa.array(np.where(manager, "manager", "staff")),
        }
        for j in range(items):
            latent = 0.7 * u + rng.normal(0, 0.8, size) + item_shift[j]
            code = (np.searchsorted(cuts, latent) + 1).astype(np.int8)
            r = rng.random(size)
            code[r < 0.05] = 8
            columns[f"q{j + 1:02d}"] = pa.array(code, mask=(r >= 0.05) & (r < 0.08))
        table = pa.table(columns)
        if writer is None:
            writer = pq.ParquetWriter(tmp, table.schema)
        writer.write_table(table, row_group_size=1_000_000)
        start += size
        print(f"  generated {start:,} rows", file=sys.stderr, flush=True)
    assert writer is not None
    writer.close()
    tmp.rename(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, default=1e8)
    parser.add_argument("--cache", type=Path, default=ROOT / "bench-results",
                        help="folder for the generated answers (outside the repository's tracked files)")
    parser.add_argument("--memory-limit", default="2GB", help="DuckDB's memory limit")
    args = parser.parse_args()
    rows = int(args.rows)
    folder = args.cache / f"engines_{rows}"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"survey_{rows}"
    answers = folder / f"{name}.parquet"
    if not answers.exists():
        print(f"generating {rows:,} rows into {answers}", file=sys.stderr)
        generate_parquet(rows, answers)
    questionnaire = folder / f"{name}.yaml"
    questionnaire.write_text(questionnaire_text(name), encoding="utf-8")
    out = args.cache / f"out_{name}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PIPELINE_DUCKDB_MEMORY_LIMIT": args.memory_limit,
           "SURVEY_PIPELINE_WARM": "off"}  # its own process, whose peak memory is measured
    command = [sys.executable, "-m", "pipeline", "estimate", str(questionnaire), str(answers), "--out", str(out),
               "--engine", "duckdb"]
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if result.returncode != 0:
        print(result.stderr, file=sys.stderr)
        return result.returncode
    size = answers.stat().st_size / 1e9
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}")
    print(f"{rows:,} rows x 30 items, Parquet {size:.1f} GB, DuckDB memory limit {args.memory_limit}: "
          f"{wall:.1f} s wall, {peak:,.0f} MB peak RSS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
