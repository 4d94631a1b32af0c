#!/usr/bin/env bash
# tests/fuzz/run.sh -- build the libFuzzer targets and run each one for a
# bounded time on a throw-away copy of its seed corpus.
#
#   tests/fuzz/run.sh                     # every target, FUZZ_SECONDS (60) each
#   FUZZ_SECONDS=300 FUZZ_JOBS=2 tests/fuzz/run.sh npy csv
#   tests/fuzz/run.sh --build             # build only
#   FUZZ_BUILD=dir FUZZ_CFLAGS_EXTRA=...  # another build tree / extra flags
#   FUZZ_KEEP=dir                         # keep the grown corpora in dir/<target>
#
# Exits non-zero on any finding (crash, leak, timeout, out-of-memory, UBSan
# report, failed oracle check): the input that triggered it is kept under
# build-fuzz/artifacts/<target>/ and the log's tail is printed.  The repo's
# corpus is only read: what the fuzzer adds goes to a temp dir, deleted at
# the end.  Needs clang (14) with libclang-rt-14-dev and libomp-14-dev.
set -euo pipefail
cd "$(dirname "$0")/../.."

CC=${FUZZ_CC:-clang}
B=${FUZZ_BUILD:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_JOBS=${FUZZ_JOBS:-1}
ALL_TARGETS="npy csv args store"

build_only=0
targets=()
for a in "$@"; do
    case "$a" in
        --build) build_only=1 ;;
        npy|csv|args|store) targets+=("$a") ;;
        *) echo "usage: $0 [--build] [npy|csv|args|store]..." >&2; exit 2 ;;
    esac
done
[ ${#targets[@]} -gt 0 ] || read -r -a targets <<<"$ALL_TARGETS"

# Per-target input size limit: a few fixture-sized files, but enough for the
# npy reader's second 16 KiB block and the CSV reader's second value block.
max_len() {
    case "$1" in
        npy) echo 20480 ;;
        csv) echo 16384 ;;
        args) echo 1024 ;;
        store) echo 4096 ;;
    esac
}

command -v "$CC" >/dev/null || { echo "fuzz: $CC not found (apt-get install clang libclang-rt-14-dev libomp-14-dev)" >&2; exit 2; }

# The library with coverage instrumentation (no libFuzzer main) and the
# sanitizers, built by the project's Makefile in its own tree.  A change of
# flags rebuilds it (the artifacts of earlier runs are kept).
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
LIBFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $SAN ${FUZZ_CFLAGS_EXTRA:-}"
stamp="$CC $LIBFLAGS"
if [ -f "$B/.flags" ] && [ "$(cat "$B/.flags")" != "$stamp" ]; then
    rm -rf "$B/src" "$B/tools" "$B/libfallacy.a" "$B"/fuzz_*
fi
mkdir -p "$B/tools"
echo "$stamp" >"$B/.flags"
make -s -j2 B="$B" CC="$CC" CFLAGS="$LIBFLAGS" "$B/libfallacy.a"

CFLAGS_COMMON="-std=c11 -D_GNU_SOURCE -Iinclude -fopenmp"
LDLIBS="-llapacke -lopenblas -lsqlite3 $(pkg-config --libs glpk 2>/dev/null || echo -lglpk) -lm"

# The CLI's sources for the option parser; main() renamed so that
# libFuzzer's own main links.
tool_objs=()
for src in tools/*.c; do
    obj="$B/tools/$(basename "${src%.c}").o"
    if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ tools/cli.h -nt "$obj" ]; then
        "$CC" $CFLAGS_COMMON $LIBFLAGS -Dmain=fal_cli_main_unused -c "$src" -o "$obj"
    fi
    tool_objs+=("$obj")
done

for t in "${targets[@]}"; do
    extra=()
    [ "$t" = args ] && extra=("${tool_objs[@]}")
    "$CC" $CFLAGS_COMMON -Wall -Wextra -Wshadow -Itools -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer $SAN \
        ${FUZZ_CFLAGS_EXTRA:-} \
        "tests/fuzz/fuzz_$t.c" "${extra[@]}" "$B/libfallacy.a" $LDLIBS -o "$B/fuzz_$t"
done
[ "$build_only" = 1 ] && exit 0

work=$(mktemp -d "${TMPDIR:-/tmp}/fallacy-fuzz-XXXXXX")
# The targets' scratch files (written at every execution) on tmpfs when there
# is one.
scratch_root=$(mktemp -d /dev/shm/fallacy-fuzz-XXXXXX 2>/dev/null) || scratch_root="$work"
trap 'rm -rf "$work" "$scratch_root"' EXIT

run_one() {
    local t=$1
    local corpus="$work/corpus-$t" log="$work/$t.log" art="$B/artifacts/$t"
    rm -rf "$corpus"
    mkdir -p "$corpus" "$art"
    cp tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
    local dict=()
    [ -f "tests/fuzz/$t.dict" ] && dict=("-dict=tests/fuzz/$t.dict")
    local scratch
    scratch="$scratch_root/$t"
    mkdir -p "$scratch"
    local rc=0
    # One thread for OpenBLAS and OpenMP: the targets parse, they do not compute.
    FUZZ_TMPDIR="$scratch" OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
        ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}" \
        UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}" \
        "$B/fuzz_$t" -max_total_time="$FUZZ_SECONDS" -max_len="$(max_len "$t")" -timeout=10 \
        -rss_limit_mb=2048 -use_value_profile=1 -print_final_stats=1 "${dict[@]}" \
        -artifact_prefix="$art/" "$corpus" >"$log" 2>&1 || rc=$?
    rm -rf "$scratch"
    if [ -n "${FUZZ_KEEP:-}" ]; then
        rm -rf "${FUZZ_KEEP:?}/$t"
        mkdir -p "$FUZZ_KEEP"
        cp -r "$corpus" "$FUZZ_KEEP/$t"
    fi
    local execs cov ft corp
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1) || true
    cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1 | cut -d' ' -f2) || true
    ft=$(grep -Eo 'ft: [0-9]+' "$log" | tail -n 1 | cut -d' ' -f2) || true
    corp=$(grep -Eo 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -n 1 | cut -d' ' -f2) || true
    printf 'fuzz_%-6s %4ss  execs %-10s cov %-6s ft %-6s corpus %-12s %s\n' "$t" "$FUZZ_SECONDS" \
        "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$([ $rc = 0 ] && echo ok || echo "FAILED (exit $rc)")"
    if [ $rc != 0 ]; then
        echo "---- fuzz_$t: last lines of the log (inputs kept in $art/) ----"
        grep -E 'ERROR|SUMMARY|runtime error|check failed|Test unit written|==[0-9]+==|#[0-9]+ 0x[0-9a-f]+ in ' "$log" | head -n 60 || true
        tail -n 5 "$log"
        cp "$log" "$art/last.log"
        return 1
    fi
}

fail=0
pids=()
for t in "${targets[@]}"; do
    run_one "$t" &
    pids+=($!)
    if [ ${#pids[@]} -ge "$FUZZ_JOBS" ]; then
        wait "${pids[0]}" || fail=1
        pids=("${pids[@]:1}")
    fi
done
for p in "${pids[@]}"; do wait "$p" || fail=1; done
exit $fail
