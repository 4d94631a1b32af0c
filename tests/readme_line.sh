#!/bin/sh
# readme_line.sh -- the README's first command: its package list is .ci/run's
# PACKAGES (so they cannot drift), and the line itself works as root without
# sudo (a fresh Debian 12 container has none) and uses sudo for everyone
# else.  The line runs with stubs for id, sudo, apt-get, make and
# ./build/fallacy on a PATH holding nothing else: the stubs log what was
# called, so nothing is installed or built.  Run by `make check`.
set -eu
fail() { echo "readme-line: FAIL: $*" >&2; exit 1; }
line=$(grep -m1 '^    .*apt-get install' README.md | sed 's/^    //')
[ -n "$line" ] || fail "no apt-get line in README.md"
readme_pkgs=$(printf '%s\n' "$line" | sed 's/.*apt-get install -y //; s/ *&&.*//' | tr ' ' '\n' | grep -v '^$' | sort)
ci_pkgs=$(sed -n 's/^PACKAGES="\(.*\)"$/\1/p' .ci/run | tr ' ' '\n' | grep -v '^$' | sort)
[ -n "$ci_pkgs" ] || fail "no PACKAGES= line in .ci/run"
[ "$readme_pkgs" = "$ci_pkgs" ] || fail "README installs [$(echo $readme_pkgs)], .ci/run [$(echo $ci_pkgs)]"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fallacy-readme-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/work/build"
SH=$(command -v sh)
stub() { printf '#!%s\n%s\n' "$SH" "$2" >"$tmp/bin/$1"; chmod +x "$tmp/bin/$1"; }
stub id 'if [ "$1" = -u ]; then echo "$FAKE_UID"; else echo "uid=$FAKE_UID"; fi'
stub apt-get 'echo "apt-get $* as $RUN_AS" >>"$LOG"'
stub make 'echo "make $*" >>"$LOG"'
stub sudo 'echo "sudo $1" >>"$LOG"; RUN_AS=root; export RUN_AS; exec "$@"'
printf '#!%s\necho "fallacy $*" >>"$LOG"\n' "$SH" >"$tmp/work/build/fallacy"
chmod +x "$tmp/work/build/fallacy"

run_as() { # uid, with or without a sudo on the PATH
    : >"$tmp/log"
    if [ "$2" = nosudo ]; then mv "$tmp/bin/sudo" "$tmp/sudo.off"; fi
    (cd "$tmp/work" && env -i PATH="$tmp/bin" LOG="$tmp/log" FAKE_UID="$1" RUN_AS="uid$1" "$SH" -c "$line") ||
        fail "the README line failed as uid $1 ($2): $(cat "$tmp/log")"
    if [ "$2" = nosudo ]; then mv "$tmp/sudo.off" "$tmp/bin/sudo"; fi
}
# root in a container without sudo: apt-get as root, never sudo
run_as 0 nosudo
grep -q '^sudo' "$tmp/log" && fail "as root the line calls sudo"
[ "$(grep -c '^apt-get .* as uid0$' "$tmp/log")" = 2 ] || fail "as root: $(cat "$tmp/log")"
grep -q '^make -j2$' "$tmp/log" && grep -q '^fallacy demo$' "$tmp/log" || fail "as root, no build and demo"
# a user with sudo: both apt-get calls through sudo
run_as 1000 sudo
[ "$(grep -c '^sudo apt-get$' "$tmp/log")" = 2 ] || fail "as a user, apt-get not through sudo: $(cat "$tmp/log")"
[ "$(grep -c '^apt-get .* as root$' "$tmp/log")" = 2 ] || fail "as a user: $(cat "$tmp/log")"
grep -q "apt-get install -y $(echo $ci_pkgs | cut -d' ' -f1)" "$tmp/log" || fail "the install call"
echo "readme-line: ok (README packages = .ci/run PACKAGES; works as root without sudo and as a user with sudo)"
