#!/bin/bash
# tests/slurm/run.sh WORKDIR -- `fallacy slurm` against a real Slurm on this
# one machine (Debian 12: slurm-wlm 22.05, munge).  Started by the suite's
# test_slurm_array_on_a_real_cluster (tests/test_slurm.c), which then
# compares the databases this script leaves in WORKDIR; it can also be run
# by hand (FALLACY_BIN=build/fallacy tests/slurm/run.sh /tmp/some-empty-dir).
#
# It starts a one-machine cluster (tests/slurm/cluster.sh: munged as the
# munge user, slurmctld and slurmd, a generated slurm.conf, state, spool and
# logs under WORKDIR), then:
#   1. one-process sweeps of two grids into one1.sqlite and one2.sqlite;
#   2. grid 1 as a 4-task array with `fallacy slurm --submit` into
#      "WORKDIR/run 1" (a space in the path: the scripts must quote it);
#      waits for the merge job; its runs.sqlite is compared by the C test;
#   3. grid 2 (slower points) as a 4-task array into "WORKDIR/run 2"; once
#      task 1 has stored a point, `scancel` of that task; the merge job
#      must report task 1 INCOMPLETE; `--submit` again must submit task 1
#      only, and the second merge must report every task complete.
# Every daemon it started is stopped by pid on exit, failure included
# (trap).  The last line says "slurm test: ok", "slurm test: SKIPPED: why"
# (Slurm cannot start here: exit 77) or "slurm test: FAILED: why" (exit 1).
set -u
# The daemons need root: a CI user with passwordless sudo runs this script
# under sudo (the files it leaves are given back to that user on exit).
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    exec sudo -n --preserve-env=FALLACY_BIN,PATH,ASAN_OPTIONS,UBSAN_OPTIONS,OPENBLAS_CORETYPE "$0" "$@"
fi
W=${1:?usage: tests/slurm/run.sh WORKDIR}
BIN=$(realpath "${FALLACY_BIN:-build/fallacy}")
T0=$(date +%s)

say() { echo "slurm test: $*"; }
skip() { say "SKIPPED: $*"; exit 77; }
fail() {
    say "FAILED: $*"
    for f in "$W"/log/slurmctld.log "$W"/log/slurmd.log "$W"/run*/slurm-*.out; do
        [ -f "$f" ] && { echo "---- $f (last lines)"; tail -n 15 "$f"; }
    done
    exit 1
}

# shellcheck source=tests/slurm/cluster.sh
. "$(dirname "$0")/cluster.sh"
finish() {
    cluster_stop
    [ -n "${SUDO_UID:-}" ] && chown -R "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" "$W" 2>/dev/null
}
trap finish EXIT
trap 'exit 1' INT TERM

[ -x "$BIN" ] || fail "no fallacy binary at $BIN"
mkdir -p "$W" || fail "cannot create $W"
W=$(realpath "$W")
cluster_start "$W" || skip "$CLUSTER_WHY"
say "cluster up on $CLUSTER_HOST, ports $CLUSTER_PORT/$((CLUSTER_PORT + 1)), $(nproc) CPUs ($(($(date +%s) - T0)) s)"

# ---- the grids -----------------------------------------------------------------
G1=(linear-chain,linear --depth 2,5 --examples 1,2 --seeds 2)
# slower points (a few tenths of a second each, not converging: tol 1e-300)
G2=(linear --depth 100 --width 8 --tol 1e-300 --steps 3000 --seeds 24)
OPENBLAS_NUM_THREADS=1 "$BIN" sweep "${G1[@]}" --db "$W/one1.sqlite" 2>"$W/one1.log" || fail "one-process sweep 1"
OPENBLAS_NUM_THREADS=1 "$BIN" sweep "${G2[@]}" --db "$W/one2.sqlite" 2>"$W/one2.log" || fail "one-process sweep 2"

# Wait (bounded) until no job of ours is queued or running.
wait_idle() {
    for _ in $(seq "$1"); do
        [ -z "$(squeue -h -o %i)" ] && return 0
        sleep 0.2
    done
    squeue
    fail "jobs still queued after $(($1 / 5)) s"
}

# ---- 1: the whole grid as an array -------------------------------------------
D1="$W/run 1"
"$BIN" slurm "${G1[@]}" --dir "$D1" --tasks 4 --time 5 --submit >"$W/submit1.out" 2>&1 ||
    fail "fallacy slurm --submit: $(cat "$W/submit1.out")"
cat "$W/submit1.out"
grep -q "4 of 4 tasks (0-3)" "$W/submit1.out" || fail "the first submission did not submit tasks 0-3"
wait_idle 300
merge_log=$(ls "$D1"/slurm-merge-*.out 2>/dev/null | head -n 1)
[ -n "$merge_log" ] || fail "no merge job log in $D1"
grep -q "all 4 tasks complete" "$merge_log" || fail "merge job 1: $(cat "$merge_log")"
for i in 0 1 2 3; do
    [ -f "$D1/shard-$i.sqlite" ] || fail "no shard-$i.sqlite"
    ls "$D1"/slurm-*_"$i".out >/dev/null 2>&1 || fail "no log of task $i"
done
[ -f "$D1/report/index.html" ] || fail "no report/index.html"
# the batch log of a task: its start line, one line per run, the summary
log0=$(ls "$D1"/slurm-*_0.out | head -n 1)
grep -q '^sweep: 4 points (shard 1/4), 0 stored before, 4 to run' "$log0" || fail "task 0's log: $(cat "$log0")"
[ "$(grep -c '^sweep: \[' "$log0")" -eq 4 ] || fail "task 0's log has not 4 run lines: $(cat "$log0")"
grep -q '^sweep: 4 points: 4 run now' "$log0" || fail "task 0's log has no summary: $(cat "$log0")"
say "1: 4 tasks and the merge done ($(($(date +%s) - T0)) s)"

# ---- 2: a task cancelled mid-run, then resubmitted -----------------------------
D2="$W/run 2"
"$BIN" slurm "${G2[@]}" --dir "$D2" --tasks 4 --time 5 --submit >"$W/submit2.out" 2>&1 ||
    fail "fallacy slurm --submit (2): $(cat "$W/submit2.out")"
cat "$W/submit2.out"
array=$(sed -n 's/^array job \([0-9]*\):.*/\1/p' "$W/submit2.out")
[ -n "$array" ] || fail "no array job id in: $(cat "$W/submit2.out")"
# cancel task 1 once it has stored one point of its six
cancelled=""
for _ in $(seq 600); do
    if grep -q '^sweep: \[1/6\]' "$D2/slurm-${array}_1.out" 2>/dev/null; then
        scancel "${array}_1" && cancelled=1
        break
    fi
    sleep 0.1
done
[ -n "$cancelled" ] || fail "task 1 never stored a point"
wait_idle 400
grep -q '^sweep: \[6/6\]' "$D2/slurm-${array}_1.out" && fail "task 1 finished before the cancel landed (points too fast?)"
merge_log=$(ls "$D2"/slurm-merge-*.out | head -n 1)
grep -q "^task 1 (shard 2/4): INCOMPLETE: [1-5] of 6 points stored" "$merge_log" ||
    fail "merge job after the cancel: $(cat "$merge_log")"
grep -q "1 of 4 tasks missing or incomplete (1)" "$merge_log" || fail "merge log: $(cat "$merge_log")"
say "2: task 1 cancelled: $(grep '^task 1' "$merge_log") ($(($(date +%s) - T0)) s)"
cp "$D2/runs.sqlite" "$W/after-cancel.sqlite"
"$BIN" slurm "${G2[@]}" --dir "$D2" --tasks 4 --time 5 --submit >"$W/submit3.out" 2>&1 ||
    fail "fallacy slurm --submit (resubmission): $(cat "$W/submit3.out")"
cat "$W/submit3.out"
grep -q ": 1 of 4 tasks (1);" "$W/submit3.out" || fail "the resubmission did not submit task 1 only"
wait_idle 400
merge_log=$(ls -t "$D2"/slurm-merge-*.out | head -n 1)
grep -q "all 4 tasks complete: 24 points" "$merge_log" || fail "merge job after the resubmission: $(cat "$merge_log")"
say "2: resubmitted task 1 and merged ($(($(date +%s) - T0)) s)"
say "ok"
exit 0
