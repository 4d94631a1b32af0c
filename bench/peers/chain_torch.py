#!/usr/bin/python3
"""Peer: one GD step of the scalar chain y = (prod w_i) x in PyTorch, float64.

The same step as bench/chain_step.c: one example x = 1.5, t = 3 (P* = 2),
loss E = (P x - t)^2 / 2, lr = 0.05 / (x^2 P*^2 L), from the start that
`chain_step dump L FILE` wrote (the library's own draw; FILE holds the L
weights as float64).  Each sample restarts from that start (the copy is not
timed) and takes STEPS steps; ms is per step.  Two spellings:
  vec  w: one float64 tensor of L with requires_grad;
       loss = 0.5 * (w.prod() * x - t) ** 2; loss.backward();
       under no_grad w -= lr * w.grad; w.grad.zero_()
       and, the same step, g = torch.autograd.grad(loss, w) then under
       no_grad w.sub_(g, alpha=lr) (no .grad accumulation): the faster of
       the two is reported, both are in the line
  mod  the per-layer notebook model: a torch.nn.ModuleList of L modules,
       each holding one scalar nn.Parameter and computing y = w * y; forward
       as a Python loop over the list, the same loss, loss.backward(), then
       under no_grad p -= lr * p.grad and p.grad.zero_() for every parameter
Usage:
  chain_torch.py THREADS vec|mod STEPS FILE...   (FILEs in increasing depth)
    torchchain L=.. spelling=S threads=T steps=.. reps=.. ms=MEDIAN min_ms=.. setup_s=.. P=..
               [variant=.. ms_backward=.. ms_autograd_grad=..]   (vec)
    (P after STEPS steps from the start; setup_s = building the model); a
    depth whose step would take longer than BENCH_STEP_LIMIT_S (default 10),
    projected linearly from the previous depth, is not run:
    torchchain L=.. spelling=S threads=T skipped=yes projected_s=..
  chain_torch.py THREADS check STEPS FILE...
    check spelling=S L=.. P0=.. P1=.. PS=..   (after 0, 1 and STEPS steps;
    spellings vec, vecgrad, and mod for L <= 10^4)
Samples: as many as fit BENCH_BUDGET_MS (default 1000), 3 to 21.
THREADS goes to torch.set_num_threads (run.sh: 2 threads with
OMP_WAIT_POLICY=PASSIVE, and 1 thread; the faster is quoted).
"""
import os
import sys
import time

try:
    import numpy as np
    import torch
except ImportError:
    print("skipped: torch not installed", flush=True)
    sys.exit(0)

X, T, PSTAR = 1.5, 3.0, 2.0


class Scale(torch.nn.Module):
    def __init__(self, w):
        super().__init__()
        self.w = torch.nn.Parameter(torch.tensor(w, dtype=torch.float64))

    def forward(self, y):
        return self.w * y


def vec_model(start, grad_fn=False):
    w = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    w0 = torch.tensor(start, dtype=torch.float64)
    lr = 0.05 / (X * X * PSTAR * PSTAR * len(start))
    x = torch.tensor(X, dtype=torch.float64)

    def step():
        nonlocal w
        loss = 0.5 * (w.prod() * x - T) ** 2
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            w.grad.zero_()

    def step_grad():
        loss = 0.5 * (w.prod() * x - T) ** 2
        (g,) = torch.autograd.grad(loss, w)
        with torch.no_grad():
            w.sub_(g, alpha=lr)

    def restart():
        with torch.no_grad():
            w.copy_(w0)

    def product():
        with torch.no_grad():
            return float(w.prod())

    return (step_grad if grad_fn else step), restart, product


def mod_model(start):
    layers = torch.nn.ModuleList(Scale(float(v)) for v in start)
    params = list(layers.parameters())
    lr = 0.05 / (X * X * PSTAR * PSTAR * len(start))
    x = torch.tensor(X, dtype=torch.float64)

    def step():
        y = x
        for m in layers:
            y = m(y)
        loss = 0.5 * (y - T) ** 2
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad.zero_()

    def restart():
        with torch.no_grad():
            for p, v in zip(params, start):
                p.fill_(float(v))

    def product():
        with torch.no_grad():
            return float(torch.stack([p for p in params]).prod())

    return step, restart, product


MODELS = {"vec": vec_model, "vecgrad": lambda start: vec_model(start, True), "mod": mod_model}


def time_model(spelling, start, steps):
    """(median, reps, min) seconds per step, setup seconds, P after the last sample."""
    t0 = time.perf_counter()
    step, restart, product = MODELS[spelling](start)
    setup = time.perf_counter() - t0
    budget = int(os.environ.get("BENCH_BUDGET_MS", "1000")) * 1e-3
    restart()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()  # warm-up (creates .grad)
    t1 = (time.perf_counter() - t0) / steps
    reps = max(3, min(21, int(budget / (t1 * steps)) if t1 > 0 else 21))
    v = []
    for _ in range(reps):
        restart()
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        v.append((time.perf_counter() - t0) / steps)
    v.sort()
    med = v[reps // 2] if reps % 2 else 0.5 * (v[reps // 2 - 1] + v[reps // 2])
    return med, reps, v[0], setup, product()


def timed(threads, spelling, path, steps):
    """Time one depth; returns the median seconds per step."""
    start = np.load(path)
    if spelling == "vec":
        # two vectorised spellings; the faster is the peer
        r = {s: time_model(s, start, steps) for s in ("vec", "vecgrad")}
        best = min(r, key=lambda s: r[s][0])
        med, reps, mn, setup, P = r[best]
        extra = f" variant={'backward' if best == 'vec' else 'autograd.grad'} ms_backward={r['vec'][0] * 1e3:.6f} " \
                f"ms_autograd_grad={r['vecgrad'][0] * 1e3:.6f}"
    else:
        med, reps, mn, setup, P = time_model(spelling, start, steps)
        extra = ""
    print(f"torchchain L={len(start)} spelling={spelling} threads={threads} steps={steps} reps={reps} "
          f"ms={med * 1e3:.6f} min_ms={mn * 1e3:.6f} setup_s={setup:.3f} P={P:.17g}{extra}", flush=True)
    return med


def check(path, steps, spellings):
    start = np.load(path)
    for spelling in spellings:
        step, restart, product = MODELS[spelling](start)
        restart()
        p0 = product()
        step()
        p1 = product()
        for _ in range(steps - 1):
            step()
        print(f"check spelling={spelling} L={len(start)} P0={p0:.17g} P1={p1:.17g} PS={product():.17g}", flush=True)


def main(argv):
    if len(argv) < 5:
        sys.exit("usage: chain_torch.py THREADS vec|mod|check STEPS FILE...")
    threads, what, steps, files = int(argv[1]), argv[2], int(argv[3]), argv[4:]
    torch.set_num_threads(threads)
    limit = float(os.environ.get("BENCH_STEP_LIMIT_S", "10"))
    prev = None
    for path in files:
        L = len(np.load(path, mmap_mode="r"))
        if what == "check":
            # the module list only where building it and stepping it is quick
            check(path, steps, ["vec", "vecgrad", "mod"] if L <= 10**4 else ["vec", "vecgrad"])
            continue
        if prev is not None:
            # cost grows linearly with depth: stop before a step would exceed the limit
            projected = prev[1] * L / prev[0]
            if projected > limit:
                print(f"torchchain L={L} spelling={what} threads={threads} skipped=yes projected_s={projected:.1f} "
                      f"limit_s={limit:g}", flush=True)
                break
        prev = (L, timed(threads, what, path, steps))


if __name__ == "__main__":
    main(sys.argv)
