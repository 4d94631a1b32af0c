#!/usr/bin/python3
"""Peer: the deep-linear full-batch GD step in PyTorch, float64.

The same step as bench/deep_linear_step.c and deep_linear_numpy.py (see
there for the formulas), written with explicit matmuls under no_grad into
preallocated buffers (torch.matmul(..., out=), in-place update), so autograd
bookkeeping is not timed.

Usage: deep_linear_torch.py THREADS [n L ...]
THREADS is passed to torch.set_num_threads.  On 2 cores torch's spinning
OpenMP threads fight OpenBLAS's (see /work/shared/BENCH-NOTES.md): run.sh
calls this twice, with 2 threads under OMP_WAIT_POLICY=PASSIVE and with 1
thread, and quotes the faster.
Output: `torch n=N L=L k=K threads=T reps=R ms=MEDIAN min_ms=FASTEST`, or one line
`skipped: torch not installed` when torch cannot be imported.
"""
import sys
import time

try:
    import torch
except ImportError:
    print("skipped: torch not installed", flush=True)
    sys.exit(0)


def bench(n, L, threads, lr=1e-3):
    k = n
    g = torch.Generator().manual_seed(1)
    sigma = 0.01 / n ** 0.5
    dt = torch.float64
    W = [torch.eye(n, dtype=dt) + sigma * torch.randn(n, n, generator=g, dtype=dt) for _ in range(L)]
    X = torch.randn(n, k, generator=g, dtype=dt)
    T = torch.randn(n, k, generator=g, dtype=dt)
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

    step()
    t0 = time.perf_counter()
    step()
    t1 = time.perf_counter() - t0
    reps = max(5, min(21, int(2.0 / t1) if t1 > 0 else 21))
    v = []
    for _ in range(reps):
        t0 = time.perf_counter()
        step()
        v.append(time.perf_counter() - t0)
    v.sort()
    med = v[reps // 2] if reps % 2 else 0.5 * (v[reps // 2 - 1] + v[reps // 2])
    print(f"torch n={n} L={L} k={k} threads={threads} reps={reps} ms={med * 1e3:.3f} min_ms={v[0] * 1e3:.3f}", flush=True)


def main(argv):
    threads = int(argv[1]) if len(argv) > 1 else 1
    args = [int(a) for a in argv[2:]] or [64, 1000, 256, 100, 1024, 10]
    torch.set_num_threads(threads)
    print(f"torch_version={torch.__version__} threads={threads}", flush=True)
    for i in range(0, len(args) - 1, 2):
        bench(args[i], args[i + 1], threads)


if __name__ == "__main__":
    main(sys.argv)
