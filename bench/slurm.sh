#!/bin/bash
# bench/slurm.sh -- sweeps past one machine: a grid as a 4-task Slurm array
# against the same grid in one process (same run, side by side), and the
# merge rate of `fallacy merge` for 10^5 stored runs in 100 shard files.
#
#   BENCH_BIN=../build/bench FALLACY=../build/fallacy bench/slurm.sh LOGDIR
#
# Writes LOGDIR/slurm.txt (key=value lines) and LOGDIR/slurm.md (the
# RESULTS.md section; bench/run.sh appends it).  The Slurm part starts a
# one-machine cluster with tests/slurm/cluster.sh (root, slurm-wlm and
# munge); where Slurm cannot start, the section says why and only the merge
# rate is measured.
#   SLURM_BENCH_SEEDS    points of the grid (default 768: about 2 min in one
#                        process on this machine).  Why so many: the array
#                        pays two fixed costs, Slurm's (slurmctld schedules
#                        in a loop of one-second ticks: the first wave and the
#                        second each wait for a tick, about 2 s in all,
#                        measured below with tasks that only sleep) and the
#                        two CPUs' contention (two runs at once each run
#                        ~1.15x slower than alone here: the run_s columns).
#                        The ratio is about 0.5 x contention + Slurm's cost /
#                        the one-process time, so 0.6 needs a grid of well
#                        over a minute; a real sweep is longer still.
#   MERGE_SHARDS, MERGE_RUNS   default 100 x 1000
set -u
cd "$(dirname "$0")"
LOGS=$(realpath "${1:-../build/bench/logs}")
BIN=$(realpath "${BENCH_BIN:-../build/bench}")
FALLACY=$(realpath "${FALLACY:-../build/fallacy}")
SEEDS=${SLURM_BENCH_SEEDS:-768}
MS=${MERGE_SHARDS:-100}
MR=${MERGE_RUNS:-1000}
mkdir -p "$LOGS"
TXT=$LOGS/slurm.txt
MD=$LOGS/slurm.md
: >"$TXT"
W=$(mktemp -d /tmp/fallacy-bench-slurm-XXXXXX)
say() { echo "slurm.sh: $*" >&2; }
now() { date +%s.%N; }

. ../tests/slurm/cluster.sh
finish() { cluster_stop; rm -rf "$W"; }
trap finish EXIT
trap 'exit 1' INT TERM
# until squeue lists no job for these arguments (none: the whole queue), at
# most 600 s
wait_gone() {
    for _ in $(seq 6000); do
        [ -z "$(squeue -h -o %i "$@" 2>/dev/null)" ] && return 0
        sleep 0.1
    done
}

# ---- 1. the array against one process ----------------------------------------
# Points of 0.10-0.15 s here (by BLAS kernel) that do not converge (tol 1e-300): the time is the
# step limit's, the same in both runs.  One BLAS thread in both: an array
# task gets one CPU.
GRID=(linear --depth 100 --width 8 --tol 1e-300 --steps 3000 --seeds "$SEEDS")
why=""
if cluster_start "$W/cluster"; then
    say "one process: ${GRID[*]}"
    t0=$(now)
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "$FALLACY" sweep "${GRID[@]}" --db "$W/one.sqlite" 2>"$W/one.log"
    t1=$(now)
    say "4-task array"
    t2=$(now)
    "$FALLACY" slurm "${GRID[@]}" --dir "$W/array" --tasks 4 --submit >"$W/submit.log" 2>&1 || cat "$W/submit.log" >&2
    array=$(sed -n 's/^array job \([0-9]*\):.*/\1/p' "$W/submit.log")
    # the grid is finished when the array's tasks are; the merge job after
    wait_gone -j "$array"
    t25=$(now)
    wait_gone
    t3=$(now)
    # Slurm's own cost, on its own: a 4-task array whose tasks sleep 2 s,
    # one CPU each (two waves of 2 s on 2 CPUs: 4 s if scheduling were free)
    t4=$(now)
    idle=$(cd "$W" && sbatch --parsable --array=0-3 --cpus-per-task=1 -o /dev/null --wrap "sleep 2")
    wait_gone -j "$idle"
    t5=$(now)
    merge_log=$(ls "$W"/array/slurm-merge-*.out 2>/dev/null | head -n 1)
    ok=$(grep -c "all 4 tasks complete" "$merge_log" 2>/dev/null)
    # the tasks' own run time: first task start to last task end, from the
    # per-run seconds is not enough (queueing); the wall from submit to the
    # merge job's end is the figure
    sum_one=$(awk -F'seconds=' '/^sweep: \[/ { split($2, a, " "); s += a[1] } END { printf "%.2f", s }' "$W/one.log")
    sum_arr=$(cat "$W"/array/slurm-*_*.out | awk -F'seconds=' '/^sweep: \[/ { split($2, a, " "); s += a[1] } END { printf "%.2f", s }')
    echo "slurm_one points=$SEEDS wall_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') run_s=$sum_one" >>"$TXT"
    echo "slurm_array tasks=4 cpus=$(nproc) wall_s=$(awk -v a="$t2" -v b="$t25" 'BEGIN { printf "%.2f", b - a }') with_merge_s=$(awk -v a="$t2" -v b="$t3" 'BEGIN { printf "%.2f", b - a }') run_s=$sum_arr complete=$ok" >>"$TXT"
    echo "slurm_sleep tasks=4 sleep_s=2 wall_s=$(awk -v a="$t4" -v b="$t5" 'BEGIN { printf "%.2f", b - a }')" >>"$TXT"
else
    why=$CLUSTER_WHY
    echo "slurm_skipped why=$why" >>"$TXT"
    say "no cluster: $why"
fi
cluster_stop

# ---- 2. merge rate ------------------------------------------------------------------
say "merge rate: $MS shards x $MR runs"
"$BIN/merge_rate" "$W/merge" "$MS" "$MR" >>"$TXT" || say "merge_rate failed"
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load $LOAD" >>"$TXT"

# ---- the section --------------------------------------------------------------------
get() { awk -v p="$1" -v k="$2" 'index($0, p) == 1 { for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit } }' "$TXT"; }
{
    echo "## Sweeps past one machine: Slurm array and merge rate"
    echo
    echo "\`bench/slurm.sh\`; load average at the end $LOAD."
    echo
    if [ -n "$why" ]; then
        echo "Slurm array: not measured, Slurm could not start here: $why."
    else
        one=$(get slurm_one wall_s)
        arr=$(get slurm_array wall_s)
        r=$(awk -v a="$arr" -v b="$one" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
        echo "The grid \`${GRID[*]}\` ($SEEDS points) in one process (\`fallacy sweep\`, one BLAS thread)"
        echo "and as a 4-task array on this $(nproc)-CPU machine (\`fallacy slurm --tasks 4 --submit\`, one CPU per task, a"
        echo "one-machine slurmctld + slurmd): wall time from the submission until the array's last task ended (the grid"
        echo "is finished), and until the merge-and-report job ended."
        echo
        echo "| | wall s | sum of per-run seconds |"
        echo "|---|---:|---:|"
        echo "| one process | $one | $(get slurm_one run_s) |"
        echo "| 4-task array | $arr | $(get slurm_array run_s) |"
        echo "| 4-task array, then the merge-and-report job | $(get slurm_array with_merge_s) | |"
        echo "| Slurm alone: a 4-task array of \`sleep 2\` (4 s if scheduling were free) | $(get slurm_sleep wall_s) | |"
        echo
        echo "Where the time goes: the array's ideal is half its summed run seconds (two CPUs; the sum is above the"
        echo "one-process sum by the two CPUs' contention), plus Slurm's scheduling (the sleep array's wall less 4 s):"
        echo "$(awk -v s="$(get slurm_array run_s)" -v z="$(get slurm_sleep wall_s)" -v o="$one" 'BEGIN { printf "%.2f / 2 + %.2f = %.2f s, %.2f of the one-process time", s, z - 4, s / 2 + z - 4, (s / 2 + z - 4) / o }')."
        echo
        if awk -v r="$r" 'BEGIN { exit !(r != "n/a" && r <= 0.6) }'; then
            echo "Ratio array / one process: $r (target, issue 15: at most 0.6): met."
        else
            echo "Ratio array / one process: $r (target, issue 15: at most 0.6): **missed**."
        fi
    fi
    echo
    echo "Merge: \`fal_store_merge\` (what \`fallacy merge\` and the merge job run) of $MS shard files of $MR runs each"
    echo "(real linear-chain rows, keys made distinct per shard) into one new database; again with every run"
    echo "already present; and in two levels ($(get merge_hier groups) group files, then one)."
    echo
    echo "| merge | seconds | runs/s |"
    echo "|---|---:|---:|"
    echo "| flat, $MS files into one | $(get merge_flat s) | $(get merge_flat runs_per_s) |"
    echo "| flat again, all present | $(get merge_again s) | $(get merge_again runs_per_s) |"
    echo "| two levels: groups | $(get merge_hier level1_s) | |"
    echo "| two levels: the group files into one | $(get merge_hier level2_s) | $(get merge_hier level2_runs_per_s) |"
    echo
    echo "Storing one run with \`fal_store_put\` (one transaction, synchronous=FULL): $(get merge_make put_ms_per_run) ms."
    echo
    echo '```'
    cat "$TXT"
    echo '```'
    echo
} >"$MD"
say "wrote $MD"
