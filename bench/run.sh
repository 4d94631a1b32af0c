#!/bin/bash
# run.sh -- run the benchmarks and write bench/RESULTS.md.
#
# Called by `make bench` (bench/Makefile) with BENCH_BIN = the directory of
# the built programs.  Everything quoted in RESULTS.md is measured in this
# one run: the machine's limits (gemm_peak), the library (deep_linear_step,
# chain_big, bool_eval) and the peers (peers/*.py).  Raw output goes to $BENCH_BIN/logs
# and is appended to RESULTS.md.
set -u
cd "$(dirname "$0")"
BIN=${BENCH_BIN:-../build/bench}
PY=/usr/bin/python3
OUT=RESULTS.md
LOGS=$BIN/logs
THREADS=2
mkdir -p "$LOGS"
# BENCH_REPORT_ONLY=1: rewrite RESULTS.md from the logs of the last run
REPORT_ONLY=${BENCH_REPORT_ONLY:-0}
[ "$REPORT_ONLY" = 1 ] || rm -f "$LOGS"/*.txt "$LOGS"/*.all "$LOGS"/*.err "$LOGS"/*.t

export OPENBLAS_NUM_THREADS=$THREADS OMP_NUM_THREADS=$THREADS BENCH_THREADS=$THREADS
# OPENBLAS_CORETYPE (and OPENBLAS_L2_SIZE) are left as the caller's
# environment has them, as the CLI would run; RESULTS.md records them.
ENV_CORETYPE=${OPENBLAS_CORETYPE:-}

say() { echo "run.sh: $*" >&2; }
# get FILE PREFIX KEY: value of KEY= on the first line of FILE starting with PREFIX
get() { awk -v p="$2" -v k="$3" 'index($0, p) == 1 { for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit } }' "$1" 2>/dev/null; }
# best FILE PREFIX KEY: KEY= of the line starting with PREFIX that has the smallest ms=
best() { awk -v p="$2" -v k="$3" 'index($0, p) == 1 { m = ""; v = ""; for (i = 1; i <= NF; i++) { if (index($i, "ms=") == 1) m = substr($i, 4); if (index($i, k "=") == 1) v = substr($i, length(k) + 2) } if (m != "" && (bm == "" || m + 0 < bm + 0)) { bm = m; bv = v } } END { print bv }' "$1" 2>/dev/null; }
# rounds FILE PREFIX: "best (other, ...)" of the ms= of the lines starting with PREFIX
rounds() { awk -v p="$2" 'index($0, p) == 1 { for (i = 1; i <= NF; i++) if (index($i, "ms=") == 1) print substr($i, 4) }' "$1" 2>/dev/null |
    sort -g | awk 'NR == 1 { b = $1 } NR > 1 { o = o (o == "" ? "" : ", ") $1 } END { if (b == "") print "n/a"; else if (o == "") print b; else print b " (" o ")" }'; }
# lowest FILE PREFIX KEY: the smallest KEY= over the lines starting with PREFIX
lowest() { awk -v p="$2" -v k="$3" 'index($0, p) == 1 { for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) { v = substr($i, length(k) + 2); if (b == "" || v + 0 < b + 0) b = v } } END { print b }' "$1" 2>/dev/null; }
# kv FILE KEY: value of a single `KEY=value` line
kv() { sed -n "s/^$2=//p" "$1" 2>/dev/null | head -1; }
# ratio A B [FMT]: A/B or "n/a"
ratio() { awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf f "\n", a / b }'; }
or_na() { [ -n "$1" ] && echo "$1" || echo "n/a"; }

ROUNDS=2
SHAPES="64 1000 256 100 1024 10"

# All the measurements; their output goes to $LOGS.
measure() {
    date +%s > "$LOGS/start.t"

    # ---- 1. machine limits -------------------------------------------------
    say "gemm_peak (OpenBLAS default core)"
    "$BIN/gemm_peak" > "$LOGS/gemm.txt" || say "gemm_peak failed"
    CORE=$(kv "$LOGS/gemm.txt" openblas_core)

    # ---- 2. deep linear step + peers ---------------------------------------
    # The speed of this machine drifts (shared host): fallacy and the peers run
    # in alternation, ROUNDS times, and each side's fastest median is quoted.
    if $PY -c 'import torch' 2>/dev/null; then TORCH=yes; else TORCH=no; say "torch peer skipped: torch not installed"; fi
    # dlin_rounds SUFFIX CMD...: CMD is the environment wrapper (env, env -u X)
    dlin_rounds() {
        local sfx=$1
        shift
        : > "$LOGS/dlin$sfx.txt"; : > "$LOGS/numpy$sfx.txt"; : > "$LOGS/torch2$sfx.txt"; : > "$LOGS/torch1$sfx.txt"
        for ((r = 1; r <= ROUNDS; r++)); do
            say "round $r/$ROUNDS$sfx: deep_linear_step, numpy$([ $TORCH = yes ] && echo ', torch')"
            "$@" "$BIN/deep_linear_step" $SHAPES >> "$LOGS/dlin$sfx.txt" || say "deep_linear_step failed"
            "$@" $PY peers/deep_linear_numpy.py $SHAPES >> "$LOGS/numpy$sfx.txt" 2>>"$LOGS/numpy.err" ||
                say "numpy peer failed (see $LOGS/numpy.err)"
            if [ $TORCH = yes ]; then
                "$@" OMP_WAIT_POLICY=PASSIVE $PY peers/deep_linear_torch.py 2 $SHAPES >> "$LOGS/torch2$sfx.txt" 2>>"$LOGS/torch.err"
                "$@" $PY peers/deep_linear_torch.py 1 $SHAPES >> "$LOGS/torch1$sfx.txt" 2>>"$LOGS/torch.err"
            fi
        done
        if [ $TORCH = no ]; then echo "skipped: torch not installed" | tee "$LOGS/torch2$sfx.txt" > "$LOGS/torch1$sfx.txt"; fi
    }
    dlin_rounds "" env

    # When the environment forces a core (OPENBLAS_CORETYPE), measure the
    # core OpenBLAS detects by itself too, if it is a different one.
    ALT=no
    if [ -n "$ENV_CORETYPE" ]; then
        AUTO_CORE=$(env -u OPENBLAS_CORETYPE BENCH_INFO_ONLY=1 "$BIN/gemm_peak" | sed -n 's/^openblas_core=//p')
        if [ -n "$AUTO_CORE" ] && [ "$AUTO_CORE" != "$CORE" ]; then
            ALT=yes
            say "gemm_peak on the OpenBLAS autodetected core ($AUTO_CORE)"
            env -u OPENBLAS_CORETYPE BENCH_NO_STREAM=1 "$BIN/gemm_peak" > "$LOGS/gemm_alt.txt"
            dlin_rounds "_alt" env -u OPENBLAS_CORETYPE
        fi
    fi

    # ---- 3. scalar chain ---------------------------------------------------
    say "chain kernel (fast vs reference, 10^7 weights, 1 thread)"
    "$BIN/chain_big" kernel 1e7 > "$LOGS/kernel.txt" || say "chain kernels DISAGREE (see $LOGS/kernel.txt)"
    # median-by-seconds of several runs for the small depths; 10^9 once
    for spec in 1e6:5 1e8:3 1e9:1; do
        d=${spec%:*}
        n=${spec#*:}
        if [ "$d" = 1e9 ]; then
            avail=$(awk '/MemAvailable/ { print $2 * 1024 }' /proc/meminfo)
            if awk -v a="$avail" 'BEGIN { exit !(a < 8.5e9) }'; then
                echo "chain depth=1000000000 skipped: MemAvailable=$avail bytes < 8.5e9" > "$LOGS/chain_$d.txt"
                say "10^9 chain skipped: not enough memory"
                continue
            fi
        fi
        say "chain run depth $d x $n"
        : > "$LOGS/chain_$d.all"
        for ((i = 0; i < n; i++)); do "$BIN/chain_big" run "$d" $THREADS >> "$LOGS/chain_$d.all"; done
        # the run with the median seconds
        awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^seconds=/) print substr($i, 9), $0 }' "$LOGS/chain_$d.all" |
            sort -g | awk '{ a[NR] = $0 } END { m = a[int((NR + 1) / 2)]; sub(/^[^ ]* /, "", m); print m }' > "$LOGS/chain_$d.txt"
    done

    # ---- 4. Boolean nets (N3) ----------------------------------------------
    say "bool_eval (bit-sliced vs one-pattern reference, 1 thread)"
    "$BIN/bool_eval" > "$LOGS/bool.txt" || say "bool kernels DISAGREE or failed (see $LOGS/bool.txt)"

    # ---- 5. the tool end to end ----------------------------------------------
    # Wall time and peak RSS of whole commands (GNU time), 3 runs each, the
    # median wall time quoted.
    FAL=$BIN/../fallacy
    : > "$LOGS/tool.txt"
    tool() {
        local name=$1
        shift
        say "tool: $name"
        for ((i = 0; i < 3; i++)); do
            /usr/bin/time -f "tool name=$name wall=%e rss_kb=%M rc=%x" "$FAL" "$@" > /dev/null 2>> "$LOGS/tool.txt.err"
            tail -n 1 "$LOGS/tool.txt.err" >> "$LOGS/tool.txt"
        done
    }
    if [ -x "$FAL" ] && [ -x /usr/bin/time ]; then
        tool classes_w1e5 classes linear --depth 100 --width 32
        tool bool_chain_1e9 run bool-chain --depth 1000000000 --threads 2
        tool threshold_chain_1e9 run threshold-chain --depth 1000000000 --threads 2
        tool demo demo
    else
        say "tool timings skipped: $FAL or /usr/bin/time missing"
    fi
    date +%s > "$LOGS/end.t"
}

[ "$REPORT_ONLY" = 1 ] || measure
T1=$(cat "$LOGS/end.t" 2>/dev/null || date +%s)
T0=$(cat "$LOGS/start.t" 2>/dev/null || echo "$T1")
CORE=$(kv "$LOGS/gemm.txt" openblas_core)
grep -q '^torch' "$LOGS/torch2.txt" 2>/dev/null && TORCH=yes || TORCH=no
[ -s "$LOGS/gemm_alt.txt" ] && ALT=yes || ALT=no

# ---- RESULTS.md --------------------------------------------------------
G=$LOGS/gemm.txt
INPLACE=$(kv $G inplace_gbs)
{
    echo "# fallacy benchmarks"
    echo
    echo "Written by \`bench/run.sh\` (\`make bench\`); every figure below comes from the same run."
    echo
    echo "- date: $(date -u -d "@$T0" '+%Y-%m-%d %H:%M:%S UTC'); run took $((T1 - T0)) s"
    echo "- machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs ($(lscpu | sed -n 's/^Core(s) per socket: *//p') cores/socket x $(lscpu | sed -n 's/^Socket(s): *//p') socket, $(lscpu | sed -n 's/^Thread(s) per core: *//p') thread/core), family $(lscpu | sed -n 's/^CPU family: *//p') model $(lscpu | sed -n 's/^Model: *//p'), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, THP $(sed 's/.*\[\(.*\)\].*/\1/' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)"
    echo "- kernel $(uname -r); $(${CC:-cc} --version | head -1); flags -O3 -march=native"
    echo "- OpenBLAS: \`$(kv $G openblas_config)\`, core \`$CORE\` (environment: OPENBLAS_CORETYPE=${ENV_CORETYPE:-unset}, OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-unset})"
    echo "- threads: OPENBLAS_NUM_THREADS=$THREADS (all BLAS calls, NumPy included), OpenMP $THREADS (streaming loops; chain runs via fal_ctx_set_threads($THREADS)); deep-linear library loops 1 (fal_ctx default: the step is all BLAS); chain kernel comparison 1 thread"
    echo "- peers: /usr/bin/python3, NumPy $(kv $LOGS/numpy.txt numpy_version); torch: $([ $TORCH = yes ] && head -1 $LOGS/torch2.txt || echo 'skipped: torch not installed')"
    echo
    echo "## 1. The machine's limits"
    echo
    echo "Medians of 7 (GEMM) and 11 (sweeps) samples.  GEMM: square n x n x n, column-major, 2 n^3 flops per call."
    echo
    echo "| kernel | n = 64 | n = 256 | n = 1024 |"
    echo "|---|---:|---:|---:|"
    echo "| dgemm GFLOP/s (core $CORE) | $(kv $G dgemm_gflops_64) | $(kv $G dgemm_gflops_256) | $(kv $G dgemm_gflops_1024) |"
    echo "| sgemm GFLOP/s (core $CORE) | $(kv $G sgemm_gflops_64) | $(kv $G sgemm_gflops_256) | $(kv $G sgemm_gflops_1024) |"
    if [ $ALT = yes ]; then
        GS=$LOGS/gemm_alt.txt
        AC=$(kv $GS openblas_core)
        echo "| dgemm GFLOP/s (core $AC, autodetected) | $(kv $GS dgemm_gflops_64) | $(kv $GS dgemm_gflops_256) | $(kv $GS dgemm_gflops_1024) |"
        echo "| sgemm GFLOP/s (core $AC, autodetected) | $(kv $GS sgemm_gflops_64) | $(kv $GS sgemm_gflops_256) | $(kv $GS sgemm_gflops_1024) |"
    fi
    echo
    echo "| memory sweep, 2^27 doubles per array | threads | GB/s |"
    echo "|---|---:|---:|"
    echo "| triad a = b + s c (24 B/element) | $THREADS | $(kv $G triad_gbs) |"
    echo "| in place x = x s + t (16 B/element; the chain pass's pattern) | $THREADS | $INPLACE |"
    echo "| in place x = x s + t | 1 | $(kv $G inplace1_gbs) |"
    echo "| first touch of fresh memory (3 arrays, page faults + kernel page clearing) | $THREADS | $(kv $G first_touch_gbs) |"
    echo
    echo "## 2. Deep linear GD step, double, batch k = n"
    echo
    echo "One step = \`fal__dlin_forward\` + \`fal__dlin_backward\` (update in place), W_i near identity, lr = 1e-3."
    echo "FLOPs per step 6 n^2 k L - 2 n^2 k.  Times are medians over samples; \"min\" is the fastest sample."
    echo "\"of dgemm peak\" = step GFLOP/s (at the median) / the §1 dgemm GFLOP/s at that n (cache-hot operands)."
    echo "\"of back-to-back GEMMs\": the step's 3L - 1 GEMMs of n x n x n re-issued as plain NN dgemm calls on one fixed set"
    echo "of operands right after each step sample; median over samples of (GEMM time / step time).  It is the steady"
    echo "measure on this machine, and the gap to 1 is what the step loses beyond its GEMMs (mostly operands streamed from"
    echo "memory: the layers' weights and activations do not stay in cache)."
    echo "NumPy: the same step in float64, the faster (by median) of two spellings (preallocated \`out=\` buffers, or plain"
    echo "\`W -= lr * (D @ H.T)\`), same OpenBLAS library and threads.  Ratio < 1: fallacy is faster."
    echo "Fallacy and the peers ran in alternation, $ROUNDS rounds: ms cells give the fastest round's median, the other"
    echo "rounds' in parentheses; GFLOP/s, ratios and \"of back-to-back\" come from the fastest round; min ms is over all rounds."
    echo "This virtual machine's speed drifts (up to 2x within seconds, presumably other tenants of the host):"
    echo "a fallacy/NumPy ratio is only as good as the spread in its row, and the ratio of minimums is the less noisy one."
    echo
    dlin_table() { # uses DL NP GG SFX
        echo "| n | L | fallacy ms | fallacy min ms | GFLOP/s | of dgemm peak (§1) | of back-to-back GEMMs | NumPy ms | NumPy min ms | fallacy/NumPy | fallacy/NumPy, mins | torch ms | fallacy/torch |"
        echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        set -- $SHAPES
        while [ $# -ge 2 ]; do
            local n=$1 L=$2 pre="dlin n=$1 L=$2 " npre="numpy n=$1 L=$2 "
            local ms mn gf og pk npms npmn tms t1 t2
            ms=$(best "$DL" "$pre" ms)
            mn=$(lowest "$DL" "$pre" min_ms)
            gf=$(best "$DL" "$pre" gflops)
            og=$(best "$DL" "$pre" of_gemm)
            pk=$(kv "$GG" dgemm_gflops_$n)
            npms=$(best "$NP" "$npre" ms)
            npmn=$(lowest "$NP" "$npre" min_ms)
            tms="skipped"
            if [ $TORCH = yes ]; then
                t2=$(best "$LOGS/torch2$SFX.txt" "torch n=$n L=$L " ms)
                t1=$(best "$LOGS/torch1$SFX.txt" "torch n=$n L=$L " ms)
                tms=$(awk -v a="$t2" -v b="$t1" 'BEGIN { if (a == "") a = b; if (b == "") b = a; print (a + 0 < b + 0 ? a : b) }')
            fi
            echo "| $n | $L | $(rounds "$DL" "$pre") | $(or_na "$mn") | $(or_na "$gf") | $(ratio "$gf" "$pk") | $(or_na "$og") | $(rounds "$NP" "$npre") | $(or_na "$npmn") | $(ratio "$ms" "$npms") | $(ratio "$mn" "$npmn") | $tms | $(ratio "$ms" "$([ "$tms" = skipped ] || echo "$tms")") |"
            shift 2
        done
    }
    DL=$LOGS/dlin.txt NP=$LOGS/numpy.txt GG=$G SFX="" dlin_table
    echo
    if [ $TORCH = yes ]; then
        echo "torch: faster of 2 threads with OMP_WAIT_POLICY=PASSIVE and torch.set_num_threads(1) (OpenBLAS 2 threads), explicit matmuls under no_grad."
    else
        echo "torch: skipped: torch not installed (\`/usr/bin/python3 -c 'import torch'\` fails; not installed on purpose)."
    fi
    if [ $ALT = yes ]; then
        echo
        echo "### 2b. The same on the core OpenBLAS detects itself ($AC; OPENBLAS_CORETYPE unset for fallacy, NumPy and the dgemm reference)"
        echo
        DL=$LOGS/dlin_alt.txt NP=$LOGS/numpy_alt.txt GG=$LOGS/gemm_alt.txt SFX=_alt dlin_table
    fi
    echo
    echo "## 3. Scalar chain A(1,...,1)"
    echo
    echo "\`fal_run\` with family linear-chain, \`fal_arch_uniform(ctx, L, 1)\`, 1 example, seed 1, $THREADS threads, memory budget"
    echo "= MemAvailable (as the CLI).  Seconds = the result's \`seconds\` (allocation, start draw, training, measuring)."
    echo "Passes over the parameters (src/nets/linear_chain.c): the start draw writes every weight (8 B/param), the"
    echo "measuring sweep \`chain_sweep(c, 0)\` only reads (8 B/param: \`fal__chain_pass\` stores nothing when kc = 0), each GD"
    echo "step reads and writes (16 B/param); so bytes/param = 16 + 16 x steps.  GB/s = that x L / seconds; \"of sweep\" divides it"
    echo "by the same-run in-place sweep ($INPLACE GB/s, $THREADS threads).  Peak RSS = getrusage ru_maxrss of the process."
    echo "10^6: median of 5 runs, 10^8: median of 3, 10^9: one run (each a fresh process)."
    echo
    echo "| depth L | seconds | steps | converged | product_rel_dev | peak RSS bytes | RSS / 8L | passes | bytes/param | GB/s | of sweep | user s | sys s |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for d in 1e6 1e8 1e9; do
        f=$LOGS/chain_$d.txt
        if grep -q skipped "$f" 2>/dev/null || [ ! -s "$f" ]; then
            echo "| $d | $(cat "$f" 2>/dev/null | sed 's/.*skipped/skipped/') | | | | | | | | | | | |"
            continue
        fi
        p="chain "
        echo "| $(get $f "$p" depth) | $(get $f "$p" seconds) | $(get $f "$p" steps) | $(get $f "$p" converged) | $(get $f "$p" product_rel_dev) | $(get $f "$p" maxrss) | $(get $f "$p" rss_ratio) | $(get $f "$p" passes) | $(get $f "$p" bytes_per_param) | $(get $f "$p" gbs) | $(ratio "$(get $f "$p" gbs)" "$INPLACE" %.3f) | $(get $f "$p" user_s) | $(get $f "$p" sys_s) |"
    done
    echo
    f=$LOGS/chain_1e9.txt
    r=$(get $f "chain " rss_ratio)
    if [ -n "$r" ]; then
        if awk -v r="$r" 'BEGIN { exit !(r <= 1.1) }'; then
            echo "Check: 10^9 peak RSS / parameter bytes = $r <= 1.1: OK."
        else
            echo "Check: 10^9 peak RSS / parameter bytes = $r > 1.1: **FAILS the bound**."
        fi
        echo
        echo "For scale: faulting in 8e9 fresh bytes at the same-run first-touch rate ($(kv $G first_touch_gbs) GB/s, $THREADS threads) takes"
        echo "$(awk -v g="$(kv $G first_touch_gbs)" 'BEGIN { if (g > 0) printf "%.1f", 8 / g; else print "n/a" }') s; one 16 B/param pass at the in-place sweep rate takes $(awk -v g="$INPLACE" 'BEGIN { if (g > 0) printf "%.2f", 16 / g; else print "n/a" }') s."
    fi
    echo
    echo "### Chain kernel: \`fal__chain_pass\` (fast) against \`fal__chain_pass_ref\` (log() per weight), 10^7 weights, 1 thread"
    echo
    echo "Median of 9 (fast) / 5 (reference) passes, each from the same start.  GB/s counts 8 B/weight for kc = 0"
    echo "(read only) and 16 B/weight for kc != 0; the same-run 1-thread in-place sweep is $(kv $G inplace1_gbs) GB/s."
    echo "Agreement: |ln_fast - ln_ref| / max(|ln_ref|, 1) <= 1e-9, same counts of negative and zero weights, sum 1/w^2 to 1e-9."
    echo
    echo "| kc | fast ms | reference ms | reference/fast | fast GB/s | ln\\|P\\| fast | ln\\|P\\| reference | relative diff | agree |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    K=$LOGS/kernel.txt
    for kc in 0 1e-09; do
        p="kernel n=10000000 kc=$kc "
        echo "| $kc | $(get $K "$p" fast_ms) | $(get $K "$p" ref_ms) | $(get $K "$p" speedup) | $(get $K "$p" fast_gbs) | $(get $K "$p" ln_fast) | $(get $K "$p" ln_ref) | $(get $K "$p" ln_rel_diff) | $(get $K "$p" agree) |"
    done
    echo
    echo "Start draw (\`fal__chain_draw\`, the loop of \`chain_init\`, timed on memory already faulted in, 1 thread):"
    echo "$(get $K "draw " ns_per_param) ns/param ($(get $K "draw " gbs) GB/s written), against"
    echo "$(awk -v ms="$(get $K "kernel n=10000000 kc=1e-09 " fast_ms)" 'BEGIN { printf "%.3f", ms * 1e6 / 1e7 }') ns/param for a GD-step pass of \`fal__chain_pass\`."
    echo
    echo "## 4. Boolean networks A(n, ..., n) (N3): bit-sliced evaluation"
    echo
    echo "\`bench/bool_eval\`, 1 thread, random truth tables, all 2^n input patterns (x copies: repeated to fill words)."
    echo "ueps = unit-evaluations (units x patterns) per second; reference = \`fal__bs_ref_eval\`, one pattern at a time,"
    echo "one byte per unit; speedup = reference ms / bit-sliced ms, medians of 7 samples taken in alternation."
    echo "of logic = the multiplexer tree's counted word ops per second / the same-run 64-bit logic rate"
    echo "(a ^= (a ^ b) & s over L1 arrays: $(get $LOGS/bool.txt "logic " word_ops_per_s) word ops/s)."
    echo
    echo "| n | L | patterns | strategy | bit-sliced ms | reference ms | bit-sliced ueps | reference ueps | speedup | of logic | agree |"
    echo "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|"
    for c in "4 1000 16" "4 1000 4096" "8 100 256" "8 100 4096" "16 3 65536"; do
        read -r bn bL bp <<< "$c"
        f=$LOGS/bool.txt p="bool n=$bn L=$bL patterns=$bp "
        echo "| $bn | $bL | $bp | $(get $f "$p" strategy) | $(get $f "$p" bs_ms) | $(get $f "$p" ref_ms) | $(get $f "$p" bs_ueps) | $(get $f "$p" ref_ueps) | $(get $f "$p" speedup) | $(get $f "$p" of_logic) | $(get $f "$p" agree) |"
    done
    echo
    echo "One layer A(m, m) over 4096 random patterns, ns per unit-evaluation by each strategy (sets FAL_BS_MUX_MAX):"
    echo
    echo "| m | mux ns | gather ns | faster | chosen | agree |"
    echo "|---:|---:|---:|---|---|---:|"
    for m in 2 3 4 5 6 7 8 9 10 11 12; do
        f=$LOGS/bool.txt p="layer m=$m n=$m "
        echo "| $m | $(get $f "$p" mux_ns) | $(get $f "$p" gather_ns) | $(get $f "$p" faster) | $(get $f "$p" chosen) | $(get $f "$p" agree) |"
    done
    echo
    echo "## 5. The tool end to end"
    echo
    echo "GNU time on the built \`fallacy\`, 3 runs each; the median wall time and the peak RSS of that run."
    echo
    echo "| command | wall s (median of 3) | peak RSS MB | exit |"
    echo "|---|---:|---:|---:|"
    for t in "classes_w1e5|fallacy classes linear --depth 100 --width 32 (w = 102400: the Jacobian rank)" \
             "bool_chain_1e9|fallacy run bool-chain --depth 1e9 --threads 2" \
             "threshold_chain_1e9|fallacy run threshold-chain --depth 1e9 --threads 2" \
             "demo|fallacy demo"; do
        n=${t%%|*} label=${t#*|}
        line=$(grep "^tool name=$n " "$LOGS/tool.txt" 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^wall=/) print substr($i, 6), $0 }' |
            sort -g | awk '{ a[NR] = $0 } END { if (NR) { m = a[int((NR + 1) / 2)]; sub(/^[^ ]* /, "", m); print m } }')
        if [ -n "$line" ]; then
            w=$(echo "$line" | sed -n 's/.*wall=\([^ ]*\).*/\1/p')
            r=$(echo "$line" | sed -n 's/.*rss_kb=\([^ ]*\).*/\1/p')
            x=$(echo "$line" | sed -n 's/.*rc=\([^ ]*\).*/\1/p')
            echo "| $label | $w | $(awk -v r="$r" 'BEGIN { printf "%.1f", r / 1024 }') | $x |"
        else
            echo "| $label | n/a | n/a | n/a |"
        fi
    done
    echo
    echo "## Raw output"
    echo
    echo '```'
    for f in gemm dlin numpy torch2 torch1 gemm_alt dlin_alt numpy_alt torch2_alt torch1_alt kernel bool tool; do
        [ -s "$LOGS/$f.txt" ] && sed "s/^/[$f] /" "$LOGS/$f.txt"
    done
    for d in 1e6 1e8 1e9; do
        [ -s "$LOGS/chain_$d.all" ] && sed "s/^/[chain_$d] /" "$LOGS/chain_$d.all"
    done
    echo '```'
} > "$OUT"
say "wrote bench/$OUT ($((T1 - T0)) s of benchmarks)"
