#!/usr/bin/env python3
# The project's speed reference (issue 19), copied unchanged below this comment: make bench compares
# every engine with it on data from gen_data.py, in the same run.
"""Seeded synthetic staff survey: 30 Likert items (1-5, 8=don't know, empty=item non-response),
36 strata (4 authority types x 9 regions) with pop_size (fpc) and weight = N_h/n_h, binary role.
usage: gen_data.py N OUTDIR   -> OUTDIR/survey_N.csv and .parquet"""
import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

n = int(float(sys.argv[1])); out = sys.argv[2]
rng = np.random.default_rng(20240601 + n)
AUTH = ["municipal", "county", "state", "federal"]; H = 36; J = 30
share = rng.dirichlet(np.full(H, 3.0))
n_h = 2 + rng.multinomial(n - 2 * H, share)                 # every stratum >= 2 respondents
f_h = rng.uniform(0.02, 0.5, H)                              # sampling fractions -> fpc matters
N_h = np.ceil(n_h / f_h).astype(np.int64)
stratum = rng.permutation(np.repeat(np.arange(H), n_h))     # rows in random order
role_p = rng.uniform(0.15, 0.4, H)
manager = rng.random(n) < role_p[stratum]
s_eff = rng.normal(0, 0.4, H)
u = rng.normal(0, 1, n) + s_eff[stratum] + 0.3 * manager    # respondent attitude
cols = {}
cuts = np.array([-1.5, -0.5, 0.4, 1.3])
for j in range(J):
    lat = 0.7 * u + rng.normal(0, 0.8, n) + rng.normal(0, 0.5)
    code = (np.searchsorted(cuts, lat) + 1).astype(np.int8)  # 1..5
    r = rng.random(n)
    code[r < 0.05] = 8                                       # don't know ~5%
    mask = (r >= 0.05) & (r < 0.08)                          # item non-response ~3%
    cols[f"q{j+1:02d}"] = pa.array(code, mask=mask)
tab = pa.table({
    "resp_id": pa.array(np.arange(1, n + 1)),
    "auth_type": pa.array(np.array(AUTH)[stratum // 9]),
    "region": pa.array(np.char.add("R", (stratum % 9 + 1).astype(str))),
    "stratum": pa.array(stratum + 1),
    "pop_size": pa.array(N_h[stratum]),
    "weight": pa.array((N_h / n_h)[stratum]),
    "role": pa.array(np.where(manager, "manager", "staff")),
    **cols})
os.makedirs(out, exist_ok=True)
base = os.path.join(out, f"survey_{n}")
pacsv.write_csv(tab, base + ".csv", write_options=pacsv.WriteOptions(quoting_style="needed"))
pq.write_table(tab, base + ".parquet")
print(base + ".csv", os.path.getsize(base + ".csv"), "bytes")
