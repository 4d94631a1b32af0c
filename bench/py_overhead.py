"""py_overhead.py -- the Python side of the call overhead (bench/py_call.c
is the C side): fallacy.run("linear-chain", depth=10, examples=1), the
10-parameter chain, called repeatedly; prints
"pycall impl=python calls=N us=MEDIAN" (the median over blocks of the
per-call time).  The library is $FALLACY_LIB (run.sh points it at the
build's libfallacy.so)."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import fallacy  # noqa: E402

n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
ref = fallacy.run("linear-chain", depth=10, examples=1)
assert ref["params"] == 10 and ref["converged"], ref
times = []
for b in range(15):
    t0 = time.perf_counter()
    for i in range(n):
        fallacy.run("linear-chain", depth=10, examples=1)
    times.append((time.perf_counter() - t0) / n * 1e6)
times.sort()
print("pycall impl=python calls=%d us=%.3f" % (n, times[len(times) // 2]))
