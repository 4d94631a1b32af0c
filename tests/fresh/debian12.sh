#!/bin/bash
# tests/fresh/debian12.sh -- the README on a fresh Debian 12, for real: a
# bookworm root made by debootstrap (--variant=minbase, what a `debian:12`
# container image holds: no compiler, no git, no sudo, no locale), a clean
# clone of this repository's HEAD copied in, and then, as root in the
# chroot, with the environment of a fresh login shell (env -i), exactly the
# README's commands:
#   1. readme   the README's first command (apt-get ... && make -j2 && ./build/fallacy demo)
#   2. install  `make install`, then examples/*.c built with `cc ... $(pkg-config --cflags --libs fallacy)`
#               alone and run (nothing else on the command line, no LD_LIBRARY_PATH)
#   3. python   the README's Python line, then a NumPy session that trains on an array
#   4. test     the README's test command (make test: valgrind subset, check, asan, fuzz)
# (the README's order is 1, 4, then 2 and 3; `make test` is run last here
# only because it takes longest).  Each step's output goes to
# $LOGS/STEP.log and the last lines to the terminal; a summary at the end.
#
# Not run by CI (it needs root, debootstrap, a Debian mirror and ~20 min);
# run it by hand on a Debian or Ubuntu host, as root:
#     apt-get install -y debootstrap
#     tests/fresh/debian12.sh [ROOT [STEP...]]     # ROOT default /var/tmp/deb12
# Steps given on the command line run alone (e.g. `... /var/tmp/deb12 test`);
# the root is made once and reused (delete it for a fresh start).  The
# mirror is $MIRROR, else the first Debian URI of the host's apt sources.
# Inside a chroot, Slurm's daemons and the fuzzers may not start or not
# behave as on a machine (no systemd, a shared network namespace): the
# summary quotes what the suite said about them.
set -uo pipefail
ROOT=${1:-/var/tmp/deb12}
shift || true
STEPS=("$@")
[ ${#STEPS[@]} -gt 0 ] || STEPS=(readme install python test)
SRC=$(cd "$(dirname "$0")/../.." && pwd)
LOGS=${LOGS:-$ROOT.logs}
mkdir -p "$LOGS"
say() { echo "fresh: $*" | tee -a "$LOGS/summary.txt"; }
[ "$(id -u)" = 0 ] || { echo "fresh: run as root (debootstrap and chroot)" >&2; exit 2; }

if [ -z "${MIRROR:-}" ]; then
    MIRROR=$(sed -n 's/^URIs: *\(http[^ ]*\).*/\1/p; s/^deb \(\[[^]]*\] \)\{0,1\}\(http[^ ]*\) .*/\2/p' \
        /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
        grep -m1 '/debian/*$')
    MIRROR=${MIRROR:-http://deb.debian.org/debian}
fi

# ---- the root ------------------------------------------------------------------
if [ ! -x "$ROOT/usr/bin/apt-get" ] || [ -e "$ROOT/debootstrap" ]; then
    command -v debootstrap >/dev/null || { echo "fresh: apt-get install -y debootstrap first" >&2; exit 2; }
    say "debootstrap --variant=minbase bookworm $ROOT $MIRROR"
    if [ -e "$ROOT/debootstrap/debootstrap" ]; then  # a --foreign first stage: finish it
        chroot "$ROOT" /debootstrap/debootstrap --second-stage >"$LOGS/debootstrap.log" 2>&1
    else
        debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" >"$LOGS/debootstrap.log" 2>&1
    fi || { say "debootstrap failed: $(tail -n 3 "$LOGS/debootstrap.log")"; exit 1; }
    # the sources of the debian:12 image (debootstrap writes bookworm main
    # only), and no package lists or cached packages: the README's
    # apt-get update starts from nothing
    rm -f "$ROOT/etc/apt/sources.list"
    printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: %s\n\nTypes: deb\nURIs: %s-security\nSuites: bookworm-security\nComponents: main\nSigned-By: %s\n' \
        "$MIRROR" /usr/share/keyrings/debian-archive-keyring.gpg "$MIRROR" /usr/share/keyrings/debian-archive-keyring.gpg \
        >"$ROOT/etc/apt/sources.list.d/debian.sources"
    rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/cache/apt/*.bin
fi

# the kernel file systems a container has; unmounted on exit
MOUNTED=()
mnt() {
    mountpoint -q "$ROOT/$2" && return 0
    mkdir -p "$ROOT/$2" && mount "${@:3}" "$1" "$ROOT/$2" && MOUNTED=("$ROOT/$2" "${MOUNTED[@]}")
}
cleanup() { for m in "${MOUNTED[@]}"; do umount -l "$m"; done; }
trap cleanup EXIT
mnt proc proc -t proc
mnt sysfs sys -t sysfs
mnt /dev dev --bind
mnt devpts dev/pts -t devpts -o newinstance,ptmxmode=0666
mnt tmpfs dev/shm -t tmpfs
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"

# a clean clone of HEAD (what `git clone` gives a user: no build/, no
# untracked files); the chroot needs no git
if [ ! -d "$ROOT/root/fallacy" ]; then
    git clone -q --no-local "$SRC" "$ROOT/root/fallacy" || { say "git clone failed"; exit 1; }
    say "cloned $(git -C "$ROOT/root/fallacy" log -1 --format='%h %s' | cut -c1-100)"
fi

# in ROOT, as root, in /root/fallacy, with a fresh login shell's environment
in_root() {
    chroot "$ROOT" /usr/bin/env -i HOME=/root TERM="${TERM:-xterm}" \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        /bin/bash -c "cd /root/fallacy && $1" </dev/null
}
step() { # name, command: run it, log it, say how it ended
    local name=$1 t0 rc
    t0=$(date +%s)
    say "[$name] $ $2"
    in_root "$2" >"$LOGS/$name.log" 2>&1
    rc=$?
    tail -n "${TAIL:-12}" "$LOGS/$name.log" | sed 's/^/    /' | tee -a "$LOGS/summary.txt"
    say "[$name] exit $rc after $(($(date +%s) - t0)) s"
    return $rc
}

readme_cmd=$(grep -m1 '^    .*apt-get install' "$ROOT/root/fallacy/README.md" | sed 's/^    //')
python_cmd=$(grep -m1 '^    PYTHONPATH=' "$ROOT/root/fallacy/README.md" | sed 's/^    //')
test_cmd=$(grep -m1 -x '    make test' "$ROOT/root/fallacy/README.md" | sed 's/^    //')

for s in "${STEPS[@]}"; do
    case $s in
    readme)
        step readme "$readme_cmd" ;;
    install)
        # the C route: the installed library, found by pkg-config alone
        step install 'make install && for e in run classes sweep; do
              echo "$ cc examples/$e.c $(pkg-config --cflags --libs fallacy) -o /tmp/$e"
              cc examples/$e.c $(pkg-config --cflags --libs fallacy) -o /tmp/$e || exit 1; done &&
            /tmp/run | tail -n 1 && /tmp/classes | tail -n 3 && rm -f /tmp/runs.sqlite && /tmp/sweep /tmp/runs.sqlite &&
            fallacy version && ls /usr/local/share/man/man1/fallacy.1 && echo "pkg-config: $(pkg-config --modversion fallacy)"' ;;
    python)
        # the README's line, then a session of its own on an array
        step python "$python_cmd"' && PYTHONPATH=$PWD/python python3 - <<"EOF"
import numpy as np, fallacy
rng = np.random.default_rng(1)
# 200 points in a 3-dim subspace of R^20, Fortran order (copied), then a slice (strided)
X = np.asfortranarray(rng.standard_normal((200, 3)) @ rng.standard_normal((3, 20)))
r = fallacy.run("linear-ae", widths=[20, 3, 20], data=X, examples=3, algo="exact")
print("fallacy", fallacy.version(), "numpy", np.__version__, "| A(20,3,20), 3 examples: test error %.3g" % r["test_error"])
r = fallacy.run("linear-ae", widths=[20, 3, 20], data=X[::2], examples=40, steps=2000, seed=2, parameters=True)
print("trained by gd on a strided view: test error %.3g, steps %d, W1 %s" % (r["test_error"], r["steps"], r["parameters"]["W1"].shape))
try:
    fallacy.run("linear-ae", widths=[64, 5, 64], data=X)
except fallacy.BadInput as e:
    print("a bad shape raises:", e)
EOF' ;;
    test)
        step test "$test_cmd" ;;
    *)
        echo "fresh: unknown step $s (readme, install, python, test)" >&2; exit 2 ;;
    esac || say "[$s] FAILED (log: $LOGS/$s.log)"
done
say "logs in $LOGS"
