"""py_overhead.py -- the Python side of the call overhead (bench/py_call.c
is the C side): fallacy.run("linear-chain", depth=10, examples=1), the
10-parameter chain, called repeatedly; prints
"pycall impl=python calls=N us=MEDIAN cpu_us=MEDIAN" (the medians over
blocks of the per-call wall time and of this thread's CPU time, which
does not count the time others ran on a loaded machine), then "pycall impl=py_ctypes_run ...": fal_run and
fal_result_clear alone through ctypes on a configuration made once (what
a foreign call costs by itself: C's c_run plus ctypes' argument
conversion and GIL release), so that the rest of the gap is the
package's own work (options, config, JSON).  The library is
$FALLACY_LIB (run.sh points it at the build's libfallacy.so)."""
import ctypes
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import fallacy  # noqa: E402

BLOCKS = 15


def median_us(f, n):
    """'us=WALL cpu_us=CPU': the medians over BLOCKS blocks of n calls."""
    wall, cpu = [], []
    for b in range(BLOCKS):
        t0, u0 = time.perf_counter(), time.thread_time()
        for i in range(n):
            f()
        wall.append((time.perf_counter() - t0) / n * 1e6)
        cpu.append((time.thread_time() - u0) / n * 1e6)
    wall.sort()
    cpu.sort()
    return "us=%.3f cpu_us=%.3f" % (wall[BLOCKS // 2], cpu[BLOCKS // 2])


n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
ref = fallacy.run("linear-chain", depth=10, examples=1)
assert ref["params"] == 10 and ref["converged"], ref
print("pycall impl=python calls=%d %s" % (n, median_us(lambda: fallacy.run("linear-chain", depth=10,
                                                                                 examples=1), n)))

with fallacy._Ctx() as ctx:
    cfg, _ = fallacy._config(ctx, "linear-chain", {"depth": 10, "examples": 1}, fallacy.RUN_OPTIONS)
    res = fallacy._Result()
    p, c, r = ctx.p, ctypes.byref(cfg), ctypes.byref(res)
    run, clear = fallacy._lib.fal_run, fallacy._lib.fal_result_clear

    def bare():
        if run(p, c, r) != 0:
            raise RuntimeError(ctx.message())
        clear(r)
    print("pycall impl=py_ctypes_run calls=%d %s" % (n, median_us(bare, n)))
