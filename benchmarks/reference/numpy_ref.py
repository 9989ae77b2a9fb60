#!/usr/bin/env python3
# The project's speed reference (issue 19), copied unchanged below this comment: make bench compares
# every engine with it on data from gen_data.py, in the same run.
"""Reference vectorised implementation from per-stratum sufficient statistics (single pass per item).
usage: numpy_ref.py data.csv [estimates_out.csv]
Share p_k = sum w*[y=k] / sum w*[y in 1..5] (ratio, valid base) in domain d (all rows, or role == g).
Taylor: z_i = w_i([y_i=k] - p_k[valid_i]) d_i / X.  Per stratum h only A_hk = sum w[y=k], Q_hk = sum w^2[y=k]
(k=1..5, domain rows) and n_h (all rows) are needed:  sum z = (A_hk - p_k B_h)/X,
sum z^2 = (Q_hk (1 - 2 p_k) + p_k^2 QB_h)/X^2,  with B = sum_k A, QB = sum_k Q.
V(p_k) = sum_h (1 - n_h/N_h) n_h/(n_h-1) [sum z^2 - (sum z)^2 / n_h];  95% CI = p +- 1.96 SE (Wald)."""
import json
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

f = sys.argv[1]; out = sys.argv[2] if len(sys.argv) > 2 else None
ITEMS = [f"q{j:02d}" for j in range(1, 31)]; K = 6; Z = 1.959963984540054   # codes 0 (invalid), 1..5

t0 = time.perf_counter()
tab = pacsv.read_csv(f, convert_options=pacsv.ConvertOptions(
    column_types={**{c: pa.int8() for c in ITEMS}, "stratum": pa.int32(), "pop_size": pa.int64()}))
strat_raw = tab["stratum"].to_numpy(); w = tab["weight"].to_numpy()
H_ids, strat = np.unique(strat_raw, return_inverse=True); H = len(H_ids)
manager = pc.equal(tab["role"], "manager").to_numpy(zero_copy_only=False)
Nh = np.zeros(H); Nh[strat] = tab["pop_size"].to_numpy()
Y = [pc.fill_null(tab[c], 0).to_numpy() for c in ITEMS]         # int8 per item, null -> 0
t_read = time.perf_counter() - t0

def estimate(cell, G):
    """cell: per-row domain*H + stratum, G domains. Returns est, se arrays of shape (G, 30, 5)."""
    nh = np.bincount(strat, minlength=H).astype(float)
    fac = (1 - nh / Nh) * nh / (nh - 1)                            # fpc * n/(n-1), per stratum
    w2 = w * w; base = cell.astype(np.int64) * K
    A = np.empty((len(ITEMS), G * H * K)); Q = np.empty_like(A)
    for j, y in enumerate(Y):                                      # single pass per item
        code = np.where((y >= 1) & (y <= 5), y, 0)
        idx = base + code
        A[j] = np.bincount(idx, weights=w, minlength=G * H * K)
        Q[j] = np.bincount(idx, weights=w2, minlength=G * H * K)
    A = A.reshape(len(ITEMS), G, H, K)[..., 1:]; Q = Q.reshape(len(ITEMS), G, H, K)[..., 1:]
    B = A.sum(-1, keepdims=True); QB = Q.sum(-1, keepdims=True)   # valid base per stratum
    X = B.sum(2, keepdims=True)                                    # (J,G,1,1)
    p = A.sum(2, keepdims=True) / X                                # (J,G,1,K-1)
    sz = (A - p * B) / X
    sz2 = (Q * (1 - 2 * p) + p * p * QB) / (X * X)
    var = (fac[None, None, :, None] * (sz2 - sz * sz / nh[None, None, :, None])).sum(2)
    return p[:, :, 0, :].transpose(1, 0, 2), np.sqrt(np.maximum(var, 0)).transpose(1, 0, 2)

t0 = time.perf_counter()
est_all, se_all = estimate(strat, 1)
t_all = time.perf_counter() - t0
t0 = time.perf_counter()
est_g, se_g = estimate(np.where(manager, 0, 1) * H + strat, 2)
t_grp = time.perf_counter() - t0
print("TIMING " + json.dumps({"impl": "numpy_ref", "reader": "pyarrow.csv", "read": t_read,
                              "overall": t_all, "bygroup": t_grp}))
if out:
    with open(out, "w") as fh:
        fh.write("item,group,cat,est,se,lo,hi\n")
        for gname, E, S in [("all", est_all[0], se_all[0]), ("manager", est_g[0], se_g[0]), ("staff", est_g[1], se_g[1])]:
            for j, v in enumerate(ITEMS):
                for k in range(5):
                    e, s = E[j, k], S[j, k]
                    fh.write(f"{v},{gname},{k+1},{e:.17g},{s:.17g},{e - Z*s:.17g},{e + Z*s:.17g}\n")
