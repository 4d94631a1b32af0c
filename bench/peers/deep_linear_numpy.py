#!/usr/bin/python3
"""Peer: the deep-linear full-batch GD step in NumPy, float64 or float32.

The same step as bench/deep_linear_step.c: A(n,...,n) with L layers, batch
k = n, W_i near identity (I + N(0, (0.01/sqrt n)^2)), X and T standard
normal, loss 1/(2k) sum ||W_L...W_1 x - t||^2, lr = 1e-3:
  forward   H_i = W_i H_{i-1}
  backward  D_L = (H_L - T)/k;  D_{i-1} = W_i^T D_i (before W_i moves);
            W_i -= lr D_i H_{i-1}^T
Two spellings are timed and the faster is reported (peers at their best):
  'out'    preallocated buffers, np.matmul(..., out=), in-place update
  'plain'  the idiomatic W -= lr * (D @ H.T) with temporaries
Every array has the chosen dtype (float32 stays float32: Python scalars do
not promote NumPy arrays).

Usage:
  deep_linear_numpy.py [f64|f32] [n L ...]
    numpy n=N L=L k=K dtype=D reps=R ms=MEDIAN min_ms=.. variant=V ms_out=.. ms_plain=..
    (the variant with the smaller median is reported; min_ms is its fastest sample)
  deep_linear_numpy.py check f64|f32 FILE
    FILE from `deep_linear_step check`: one step of each spelling from its
    start, printing `check variant=V dtype=D n=N L=L loss0=.. loss1=.. step_sq=..`
    (see deep_linear_step.c); loss and step_sq are summed in float64.
Samples: as many as fit BENCH_BUDGET_MS (default 1000) per spelling, 3 to 21.
Threads: set OPENBLAS_NUM_THREADS / OMP_NUM_THREADS in the environment.
"""
import os
import sys
import time

import numpy as np

LR = 1e-3


def make(n, L, dt, seed=1):
    rng = np.random.default_rng(seed)
    sigma = 0.01 / np.sqrt(n)
    W = [(np.eye(n) + sigma * rng.standard_normal((n, n))).astype(dt) for _ in range(L)]
    X = rng.standard_normal((n, n)).astype(dt)
    T = rng.standard_normal((n, n)).astype(dt)
    return W, X, T


def step_out(W, H, T, D0, D1, G, lr):
    L = len(W)
    k = T.shape[1]
    for i in range(L):
        np.matmul(W[i], H[i], out=H[i + 1])
    D, Dn = D0, D1
    np.subtract(H[L], T, out=D)
    D *= 1.0 / k
    for i in range(L - 1, -1, -1):
        if i > 0:
            np.matmul(W[i].T, D, out=Dn)
        np.matmul(D, H[i].T, out=G)
        G *= lr
        W[i] -= G
        D, Dn = Dn, D


def step_plain(W, X, T, lr):
    L = len(W)
    k = T.shape[1]
    H = [X]
    for i in range(L):
        H.append(W[i] @ H[-1])
    D = (H[L] - T) / k
    for i in range(L - 1, -1, -1):
        Dn = W[i].T @ D if i > 0 else None
        W[i] -= lr * (D @ H[i].T)
        D = Dn


def buffers(W, X):
    n, k = X.shape
    dt = X.dtype
    H = [X] + [np.empty((n, k), dt) for _ in range(len(W))]
    return H, np.empty((n, k), dt), np.empty((n, k), dt), np.empty((n, n), dt)


def timeit(fn, lo=3, hi=21):
    budget = int(os.environ.get("BENCH_BUDGET_MS", "1000")) * 1e-3
    fn()  # warm-up
    t0 = time.perf_counter()
    fn()
    t1 = time.perf_counter() - t0
    reps = max(lo, min(hi, int(budget / t1) if t1 > 0 else hi))
    v = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        v.append(time.perf_counter() - t0)
    return float(np.median(v)), reps, min(v)


def bench(n, L, dt, lr=LR):
    k = n
    W, X, T = make(n, L, dt)
    H, D0, D1, G = buffers(W, X)
    t_out, r_out, m_out = timeit(lambda: step_out(W, H, T, D0, D1, G, lr))
    W, X, T = make(n, L, dt)
    t_plain, r_plain, m_plain = timeit(lambda: step_plain(W, X, T, lr))
    assert W[0].dtype == dt
    if t_out <= t_plain:
        best, var, reps, mn = t_out, "out", r_out, m_out
    else:
        best, var, reps, mn = t_plain, "plain", r_plain, m_plain
    print(f"numpy n={n} L={L} k={k} dtype={np.dtype(dt).name} reps={reps} ms={best * 1e3:.3f} min_ms={mn * 1e3:.3f} "
          f"variant={var} ms_out={t_out * 1e3:.3f} ms_plain={t_plain * 1e3:.3f}", flush=True)


def loss(W, X, T):
    H = X
    for Wi in W:
        H = Wi @ H
    return float(np.sum((H.astype(np.float64) - T) ** 2)) / (2 * X.shape[1])


def check(dt, path):
    a = np.load(path)
    n, L = a.shape[0], a.shape[2] - 2
    for var in ("out", "plain"):
        W = [np.array(a[:, :, i], dtype=dt) for i in range(L)]
        X, T = np.array(a[:, :, L], dtype=dt), np.array(a[:, :, L + 1], dtype=dt)
        W0 = [w.astype(np.float64) for w in W]
        l0 = loss(W, X, T)
        if var == "out":
            H, D0, D1, G = buffers(W, X)
            step_out(W, H, T, D0, D1, G, LR)
        else:
            step_plain(W, X, T, LR)
        sq = sum(float(np.sum((w.astype(np.float64) - w0) ** 2)) for w, w0 in zip(W, W0))
        print(f"check variant={var} dtype={np.dtype(dt).name} n={n} L={L} loss0={l0:.10g} loss1={loss(W, X, T):.10g} "
              f"step_sq={sq:.10g}", flush=True)


def main(argv):
    args = argv[1:]
    if args and args[0] == "check":
        check(np.float32 if args[1] == "f32" else np.float64, args[2])
        return
    dt = np.float64
    if args and args[0] in ("f32", "f64"):
        dt = np.float32 if args.pop(0) == "f32" else np.float64
    args = [int(a) for a in args] or [64, 1000, 256, 100, 1024, 10]
    print(f"numpy_version={np.__version__}", flush=True)
    for i in range(0, len(args) - 1, 2):
        bench(args[i], args[i + 1], dt)


if __name__ == "__main__":
    main(sys.argv)
