#!/usr/bin/python3
"""Peer: the deep-linear full-batch GD step in NumPy, float64.

The same step as bench/deep_linear_step.c: A(n,...,n) with L layers, batch
k = n, W_i near identity (I + N(0, (0.01/sqrt n)^2)), X and T standard
normal, loss 1/(2k) sum ||W_L...W_1 x - t||^2, lr = 1e-3:
  forward   H_i = W_i H_{i-1}
  backward  D_L = (H_L - T)/k;  D_{i-1} = W_i^T D_i (before W_i moves);
            W_i -= lr D_i H_{i-1}^T
Two spellings are timed and the faster is reported (peers at their best):
  'out'    preallocated buffers, np.matmul(..., out=), in-place update
  'plain'  the idiomatic W -= lr * (D @ H.T) with temporaries
Output, one line per shape:
  numpy n=N L=L k=K reps=R ms=MEDIAN min_ms=.. variant=V ms_out=.. ms_plain=..
(the variant with the smaller median is reported; min_ms is its fastest sample)
Threads: set OPENBLAS_NUM_THREADS / OMP_NUM_THREADS in the environment.
"""
import sys
import time

import numpy as np


def make(n, L, seed=1):
    rng = np.random.default_rng(seed)
    sigma = 0.01 / np.sqrt(n)
    W = [np.eye(n) + sigma * rng.standard_normal((n, n)) for _ in range(L)]
    X = rng.standard_normal((n, n))
    T = rng.standard_normal((n, n))
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


def timeit(fn, budget=1.5, lo=5, hi=21):
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


def bench(n, L, lr=1e-3):
    k = n
    W, X, T = make(n, L)
    H = [X] + [np.empty((n, k)) for _ in range(L)]
    D0, D1, G = np.empty((n, k)), np.empty((n, k)), np.empty((n, n))
    t_out, r_out, m_out = timeit(lambda: step_out(W, H, T, D0, D1, G, lr))
    W, X, T = make(n, L)
    t_plain, r_plain, m_plain = timeit(lambda: step_plain(W, X, T, lr))
    if t_out <= t_plain:
        best, var, reps, mn = t_out, "out", r_out, m_out
    else:
        best, var, reps, mn = t_plain, "plain", r_plain, m_plain
    print(f"numpy n={n} L={L} k={k} reps={reps} ms={best * 1e3:.3f} min_ms={mn * 1e3:.3f} variant={var} "
          f"ms_out={t_out * 1e3:.3f} ms_plain={t_plain * 1e3:.3f}", flush=True)


def main(argv):
    args = [int(a) for a in argv[1:]] or [64, 1000, 256, 100, 1024, 10]
    print(f"numpy_version={np.__version__}", flush=True)
    for i in range(0, len(args) - 1, 2):
        bench(args[i], args[i + 1])


if __name__ == "__main__":
    main(sys.argv)
