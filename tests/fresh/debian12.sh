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
ROOT=$(realpath -m "${1:-/var/tmp/deb12}")
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

# the kernel file systems a container has; unmounted on exit, in reverse
# order, and checked.  The host's /dev is NOT bind-mounted: a test writing
# to the chroot's /dev (or a `rm -rf ROOT` with it still mounted) would
# then write to or delete the host's nodes (a host's /dev/full once became
# a plain file).  The chroot gets its own nodes in ROOT/dev (debootstrap
# makes them; checked and remade below), its own devpts instance and a
# tmpfs on dev/shm.
MOUNTED=()
mounted_under() { # the mount points at or under ROOT, as the kernel lists them
    awk -v r="$ROOT" '$5 == r || index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo
}
mnt() {
    mountpoint -q "$ROOT/$2" && return 0
    mkdir -p "$ROOT/$2" && mount "${@:3}" "$1" "$ROOT/$2" && MOUNTED=("$ROOT/$2" "${MOUNTED[@]}")
}
in_chroot_pids() { # processes whose root is ROOT (daemons a step left running)
    local p
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/root" 2>/dev/null)" = "$ROOT" ] && echo "${p#/proc/}"
    done
}
cleanup() {
    local m pids
    pids=$(in_chroot_pids | tr '\n' ' ')
    if [ -n "$pids" ]; then
        say "stopping what still runs in $ROOT: $(for p in $pids; do tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-60; echo -n '; '; done)"
        kill $pids 2>/dev/null; sleep 3; pids=$(in_chroot_pids | tr '\n' ' ')
        [ -z "$pids" ] || kill -9 $pids 2>/dev/null
        sleep 1
    fi
    for m in "${MOUNTED[@]}"; do umount -R "$m" || { say "umount $m failed; detaching it"; umount -R -l "$m"; }; done
    MOUNTED=()
    if [ -n "$(mounted_under)" ]; then
        say "still mounted under $ROOT (do not delete it): $(mounted_under | tr '\n' ' ')"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if mountpoint -q "$ROOT/dev" || [ "$(stat -c %d:%i "$ROOT/dev")" = "$(stat -c %d:%i /dev)" ]; then
    say "$ROOT/dev is a mount point or the host's /dev (an earlier run's bind?): unmount it first"; exit 1
fi
# the nodes a container's /dev holds: name, major, minor, mode
while read -r name major minor mode; do
    f=$ROOT/dev/$name
    if [ -c "$f" ] && [ "$(stat -c '%t,%T' "$f")" = "$(printf '%x,%x' "$major" "$minor")" ]; then
        continue
    fi
    # a wrong one (a plain file where a test's redirect made one, say) is
    # ROOT's own: ROOT/dev is not a mount (checked above)
    [ -e "$f" ] || [ -L "$f" ] && { say "$f was $(stat -c '%F %t,%T' "$f"); remade"; rm -f "$f"; }
    mknod -m "$mode" "$f" c "$major" "$minor" || { say "mknod $f failed"; exit 1; }
done <<'NODES'
null 1 3 666
zero 1 5 666
full 1 7 666
random 1 8 666
urandom 1 9 666
tty 5 0 666
NODES
[ -e "$ROOT/dev/ptmx" ] || ln -s pts/ptmx "$ROOT/dev/ptmx"
mnt proc proc -t proc
mnt sysfs sys -t sysfs
mnt devpts dev/pts -t devpts -o newinstance,ptmxmode=0666
mnt tmpfs dev/shm -t tmpfs
# Slurm's daemons want a cgroup file system (slurmd: "No filesystem mounted
# on /sys/fs/cgroup"): the host's, recursively, as a slave (nothing done
# under ROOT propagates back to the host)
if [ -d /sys/fs/cgroup ] && mountpoint -q /sys/fs/cgroup && ! mountpoint -q "$ROOT/sys/fs/cgroup"; then
    mount --rbind /sys/fs/cgroup "$ROOT/sys/fs/cgroup" && mount --make-rslave "$ROOT/sys/fs/cgroup" &&
        MOUNTED=("$ROOT/sys/fs/cgroup" "${MOUNTED[@]}")
fi
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
