#!/usr/bin/python3
"""Peer: functions per second of random A(7,40,40,1) ReLU networks in torch.

The same object as `fallacy classes qnet --widths 7,40,40,1 --act relu
--weights gauss --samples S`: weights N(0, 1/fan_in), biases N(0, 1), the
128 inputs of {-1,+1}^7, the output bit [pre-activation >= 0] on each input.
A batch of B networks: torch.randn weights, three batched matmuls with ReLU,
the 128 output bits packed into two int64 words per network (the function's
key).  Float32, THREADS threads.
Usage: qnet_torch.py THREADS SAMPLES B...
  torchqnet threads=T batch=B samples=.. seconds=.. rate=..   (one line per B)
"""
import sys
import time

import torch


def run(threads, samples, batch):
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(1)
    p = torch.arange(128)
    X = torch.stack([((p >> i) & 1) * 2 - 1 for i in range(7)]).float()  # 7 x 128
    weights = (2 ** torch.arange(64, dtype=torch.int64))
    done = 0
    keys = 0
    t0 = time.perf_counter()
    while done < samples:
        B = min(batch, samples - done)
        W1 = torch.randn(B, 40, 7, generator=g) / 7 ** 0.5
        b1 = torch.randn(B, 40, 1, generator=g)
        W2 = torch.randn(B, 40, 40, generator=g) / 40 ** 0.5
        b2 = torch.randn(B, 40, 1, generator=g)
        W3 = torch.randn(B, 1, 40, generator=g) / 40 ** 0.5
        b3 = torch.randn(B, 1, 1, generator=g)
        H1 = torch.relu(torch.matmul(W1, X) + b1)
        H2 = torch.relu(torch.bmm(W2, H1) + b2)
        out = (torch.bmm(W3, H2) + b3 >= 0).view(B, 2, 64).to(torch.int64)
        k = (out * weights).sum(dim=2)  # B x 2 words (wrapping int64 is fine for a key)
        keys += int(k[0, 0])
        done += B
    sec = time.perf_counter() - t0
    print(f"torchqnet threads={threads} batch={batch} samples={done} seconds={sec:.3f} rate={done / sec:.4g}")
    sys.stdout.flush()


def main():
    threads = int(sys.argv[1])
    samples = int(sys.argv[2])
    for b in sys.argv[3:]:
        run(threads, samples, int(b))


if __name__ == "__main__":
    main()
