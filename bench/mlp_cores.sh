#!/bin/bash
# mlp_cores.sh -- the mlp GD step (bench/mlp_step) on every OpenBLAS kernel
# against torch (bench/peers/mlp_torch.py), side by side in one run (issue 16:
# the targets hold on every kernel).  Sets OPENBLAS_CORETYPE here only, for
# the benchmark: tests and CI never set it.
#
# Usage: bench/mlp_cores.sh [ROUNDS] [OLD_MLP_STEP]
#   ROUNDS (default 3) rounds of: f64 then f32, each kernel, then torch with
#   2 threads (OMP_WAIT_POLICY=PASSIVE) and 1 thread.  OLD_MLP_STEP: a second
#   mlp_step binary (e.g. built from an earlier commit) run alongside, for
#   before/after in the same run.  Logs in $BENCH_BIN/logs/mlp_cores*.txt,
#   table (medians over rounds; torch: the faster thread setting) on stdout.
set -u
cd "$(dirname "$0")"
BIN=${BENCH_BIN:-../build/bench}
ROUNDS=${1:-3}
OLD=${2:-}
S="8 32 3 256 64 256 3 1024 784 1024 2 1024"
CORES="Haswell SkylakeX Prescott Cooperlake"
export OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2
PEER_ENV="MALLOC_MMAP_THRESHOLD_=268435456 MALLOC_TRIM_THRESHOLD_=1073741824"
L=$BIN/logs
mkdir -p "$L"
: > "$L/mlp_cores.txt"
: > "$L/mlp_cores_torch.txt"
echo "load_start $(uptime)" > "$L/mlp_cores_load.txt"
for ((r = 1; r <= ROUNDS; r++)); do
    for p in f64 f32; do
        for c in $CORES; do
            [ -n "$OLD" ] && OPENBLAS_CORETYPE=$c "$OLD" $p $S | sed "s/^/old $c /" >> "$L/mlp_cores.txt"
            OPENBLAS_CORETYPE=$c "$BIN/mlp_step" $p $S | sed "s/^/new $c /" >> "$L/mlp_cores.txt"
        done
        env $PEER_ENV OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 peers/mlp_torch.py 2 $p $S >> "$L/mlp_cores_torch.txt" 2>> "$L/mlp_cores_torch.err"
        env $PEER_ENV /usr/bin/python3 peers/mlp_torch.py 1 $p $S >> "$L/mlp_cores_torch.txt" 2>> "$L/mlp_cores_torch.err"
    done
done
echo "load_end $(uptime)" >> "$L/mlp_cores_load.txt"
cat "$L/mlp_cores_load.txt"
/usr/bin/python3 - "$L" $CORES <<'PY'
import collections, re, statistics as st, sys
L, cores = sys.argv[1], sys.argv[2:]
d, t = collections.defaultdict(list), collections.defaultdict(list)
for l in open(L + "/mlp_cores.txt"):
    m = re.match(r"(old|new) (\S+) mlp n0=(\d+) width=(\d+) hidden=(\d+) k=(\d+) dtype=(\S+) .* ms=([\d.]+)", l)
    if m: d[(m[1], m[2], m[3], m[7])].append(float(m[8]))
for l in open(L + "/mlp_cores_torch.txt"):
    m = re.match(r"torch n0=(\d+) .* dtype=(\S+) threads=(\d) .* ms=([\d.]+)", l)
    if m: t[(m[1], m[2], m[3])].append(float(m[4]))
vers = [v for v in ("old", "new") if any(k[0] == v for k in d)]
shape = {"8": "(8, 32x3, 256)", "64": "(64, 256x3, 1024)", "784": "(784, 1024x2, 1024)"}
print("| shape | dtype | torch ms (threads) | kernel | " + " | ".join(f"{v} ms | torch/{v}" for v in vers) + " |")
print("|---|---|---:|---|" + "---:|---:|" * len(vers))
for dt in ("f64", "f32"):
    for n0 in ("8", "64", "784"):
        tm = {th: st.median(t[(n0, dt, th)]) for th in "21" if t[(n0, dt, th)]}
        if not tm: continue
        th = min(tm, key=tm.get)
        for c in cores:
            cells = []
            for v in vers:
                x = st.median(d[(v, c, n0, dt)])
                cells.append(f"{x:.4f} | {tm[th] / x:.2f}")
            print(f"| {shape[n0]} | {dt} | {tm[th]:.4f} ({th}) | {c} | " + " | ".join(cells) + " |")
PY
