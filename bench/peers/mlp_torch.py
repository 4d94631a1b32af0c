#!/usr/bin/python3
"""Peer: one full-batch GD step of a ReLU MLP in PyTorch, the notebook
spelling: nn.Sequential(Linear, ReLU, ..., Linear(width, 1)) with biases,
torch.optim.SGD(lr=1e-3), loss = ((model(X) - T)^2).sum() / (2k) (the
library's loss), then opt.zero_grad(); loss.backward(); opt.step().

Usage: mlp_torch.py THREADS f64|f32 n0 width depth k [...]
  prints per shape: torch n0=.. width=.. hidden=.. k=.. dtype=.. threads=T w=.. reps=.. ms=MEDIAN min_ms=..
THREADS goes to torch.set_num_threads; run.sh runs it with 2 threads under
OMP_WAIT_POLICY=PASSIVE and with 1 thread and quotes the faster (see
/work/shared/BENCH-NOTES.md).  Samples: as many as fit BENCH_BUDGET_MS
(default 1000), 3 to 51, after one warm-up step.
"""
import os
import sys
import time

try:
    import torch
except ImportError:
    print("skipped: torch not installed", flush=True)
    sys.exit(0)


def main():
    threads = int(sys.argv[1])
    dt = torch.float32 if sys.argv[2] == "f32" else torch.float64
    torch.set_num_threads(threads)
    budget = float(os.environ.get("BENCH_BUDGET_MS", "1000"))
    args = [int(a) for a in sys.argv[3:]]
    for i in range(0, len(args), 4):
        n0, width, depth, k = args[i:i + 4]
        torch.manual_seed(1)
        layers = []
        prev = n0
        for _ in range(depth):
            layers += [torch.nn.Linear(prev, width), torch.nn.ReLU()]
            prev = width
        layers.append(torch.nn.Linear(prev, 1))
        model = torch.nn.Sequential(*layers).to(dt)
        opt = torch.optim.SGD(model.parameters(), lr=1e-3)
        X = torch.randn(k, n0, dtype=dt)
        T = torch.randn(k, 1, dtype=dt)

        def step():
            opt.zero_grad()
            loss = ((model(X) - T) ** 2).sum() / (2 * k)
            loss.backward()
            opt.step()
            return loss

        step()
        ts = []
        t_start = time.perf_counter()
        while len(ts) < 51 and (len(ts) < 3 or (time.perf_counter() - t_start) * 1e3 < budget):
            t0 = time.perf_counter()
            step()
            ts.append((time.perf_counter() - t0) * 1e3)
        w = sum(p.numel() for p in model.parameters())
        s = sorted(ts)
        med = s[len(s) // 2] if len(s) % 2 else 0.5 * (s[len(s) // 2 - 1] + s[len(s) // 2])
        print(f"torch n0={n0} width={width} hidden={depth} k={k} dtype={sys.argv[2]} threads={threads} w={w} "
              f"reps={len(ts)} ms={med:.4f} min_ms={s[0]:.4f}", flush=True)


main()
