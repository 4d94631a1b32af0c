#!/usr/bin/python3
"""Peer: the deep-linear full-batch GD step in PyTorch, float64 or float32.

The same step as bench/deep_linear_step.c and deep_linear_numpy.py (see
there for the formulas), in two spellings; the faster (by median) is the
peer, both are in the output line:
  'nograd'    explicit matmuls under no_grad into preallocated buffers
              (torch.matmul(..., out=), in-place update): no autograd
              bookkeeping at all;
  'autograd'  the notebook spelling: a list of weight tensors with
              requires_grad, loss = ((H_L - T)^2).sum() / (2k) (the library's
              loss), loss.backward(), then under no_grad W -= lr * W.grad and
              W.grad.zero_() for every layer.

Usage:
  deep_linear_torch.py THREADS [f64|f32] [n L ...]
    torch n=N L=L k=K dtype=D threads=T reps=R ms=MEDIAN min_ms=FASTEST variant=V
          ms_nograd=.. ms_autograd=..
  deep_linear_torch.py THREADS check f64|f32 FILE
    FILE from `deep_linear_step check`: one step of each spelling from its
    start, printing `check variant=V dtype=D n=N L=L loss0=.. loss1=.. step_sq=..`
    (loss and step_sq summed in float64).
THREADS is passed to torch.set_num_threads.  On 2 cores torch's spinning
OpenMP threads fight OpenBLAS's (see /work/shared/BENCH-NOTES.md): run.sh
calls this twice, with 2 threads under OMP_WAIT_POLICY=PASSIVE and with 1
thread (OpenBLAS keeps OPENBLAS_NUM_THREADS), and quotes the faster.
Samples: as many as fit BENCH_BUDGET_MS (default 1000) per spelling, 3 to 21.
Prints one line `skipped: torch not installed` when torch cannot be imported.
"""
import os
import sys
import time

try:
    import torch
except ImportError:
    print("skipped: torch not installed", flush=True)
    sys.exit(0)

LR = 1e-3


def make(n, L, dt):
    g = torch.Generator().manual_seed(1)
    sigma = 0.01 / n ** 0.5
    W = [torch.eye(n, dtype=dt) + sigma * torch.randn(n, n, generator=g, dtype=dt) for _ in range(L)]
    X = torch.randn(n, n, generator=g, dtype=dt)
    T = torch.randn(n, n, generator=g, dtype=dt)
    return W, X, T


def nograd_step(W, X, T, lr=LR):
    """The step function of the explicit spelling, buffers preallocated."""
    n, k = X.shape
    dt = X.dtype
    L = len(W)
    H = [X] + [torch.empty(n, k, dtype=dt) for _ in range(L)]
    D0, D1, G = torch.empty(n, k, dtype=dt), torch.empty(n, k, dtype=dt), torch.empty(n, n, dtype=dt)

    def step():
        with torch.no_grad():
            for i in range(L):
                torch.matmul(W[i], H[i], out=H[i + 1])
            D, Dn = D0, D1
            torch.sub(H[L], T, out=D)
            D.mul_(1.0 / k)
            for i in range(L - 1, -1, -1):
                if i > 0:
                    torch.matmul(W[i].t(), D, out=Dn)
                torch.matmul(D, H[i].t(), out=G)
                W[i].add_(G, alpha=-lr)
                D, Dn = Dn, D

    return step


def autograd_step(W, X, T, lr=LR):
    """The step function of the notebook spelling; W become leaves with grad."""
    k = X.shape[1]
    for w in W:
        w.requires_grad_(True)

    def step():
        H = X
        for w in W:
            H = w @ H
        loss = ((H - T) ** 2).sum() / (2 * k)
        loss.backward()
        with torch.no_grad():
            for w in W:
                w -= lr * w.grad
                w.grad.zero_()

    return step


def timeit(fn, lo=3, hi=21):
    budget = int(os.environ.get("BENCH_BUDGET_MS", "1000")) * 1e-3
    fn()  # warm-up (also creates the autograd .grad tensors)
    t0 = time.perf_counter()
    fn()
    t1 = time.perf_counter() - t0
    reps = max(lo, min(hi, int(budget / t1) if t1 > 0 else hi))
    v = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        v.append(time.perf_counter() - t0)
    v.sort()
    med = v[reps // 2] if reps % 2 else 0.5 * (v[reps // 2 - 1] + v[reps // 2])
    return med, reps, v[0]


def bench(n, L, threads, dt):
    res = {}
    for var, make_step in (("nograd", nograd_step), ("autograd", autograd_step)):
        W, X, T = make(n, L, dt)
        res[var] = timeit(make_step(W, X, T))
        assert W[0].dtype == dt
    var = min(res, key=lambda v: res[v][0])
    med, reps, mn = res[var]
    print(f"torch n={n} L={L} k={n} dtype={str(dt).replace('torch.', '')} threads={threads} reps={reps} "
          f"ms={med * 1e3:.3f} min_ms={mn * 1e3:.3f} variant={var} ms_nograd={res['nograd'][0] * 1e3:.3f} "
          f"ms_autograd={res['autograd'][0] * 1e3:.3f}", flush=True)


def check(dt, path):
    import numpy as np

    a = np.load(path)
    n, L = a.shape[0], a.shape[2] - 2

    def loss(W, X, T):
        with torch.no_grad():
            H = X
            for w in W:
                H = w @ H
            return float(((H.double() - T.double()) ** 2).sum()) / (2 * n)

    for var, make_step in (("nograd", nograd_step), ("autograd", autograd_step)):
        W = [torch.tensor(a[:, :, i], dtype=dt).contiguous() for i in range(L)]
        X = torch.tensor(a[:, :, L], dtype=dt).contiguous()
        T = torch.tensor(a[:, :, L + 1], dtype=dt).contiguous()
        W0 = [w.detach().to(torch.float64, copy=True) for w in W]  # a copy even when dt is float64
        l0 = loss(W, X, T)
        make_step(W, X, T)()
        with torch.no_grad():
            sq = sum(float(((w.double() - w0) ** 2).sum()) for w, w0 in zip(W, W0))
        print(f"check variant={var} dtype={str(dt).replace('torch.', '')} n={n} L={L} loss0={l0:.10g} "
              f"loss1={loss(W, X, T):.10g} step_sq={sq:.10g}", flush=True)


def main(argv):
    threads = int(argv[1]) if len(argv) > 1 else 1
    args = argv[2:]
    torch.set_num_threads(threads)
    if args and args[0] == "check":
        check(torch.float32 if args[1] == "f32" else torch.float64, args[2])
        return
    dt = torch.float64
    if args and args[0] in ("f32", "f64"):
        dt = torch.float32 if args.pop(0) == "f32" else torch.float64
    args = [int(a) for a in args] or [64, 1000, 256, 100, 1024, 10]
    print(f"torch_version={torch.__version__} threads={threads}", flush=True)
    for i in range(0, len(args) - 1, 2):
        bench(args[i], args[i + 1], threads, dt)


if __name__ == "__main__":
    main(sys.argv)
