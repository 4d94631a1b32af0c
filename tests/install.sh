#!/bin/sh
# install.sh -- `make install` into a temporary prefix, then build the
# programs of examples/ against it with pkg-config alone (PKG_CONFIG_PATH
# pointed at the prefix), dynamically and statically (Libs.private), run
# them, check the SONAME chain, the man page, DESTDIR staging, and that
# `make uninstall` leaves nothing behind.  Run by `make install-check`
# (part of `make check`).
set -eu
B=${B:-build}
MAKE=${MAKE:-make}
CC=${CC:-cc}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fallacy-install-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
fail() { echo "install-check: FAIL: $*" >&2; exit 1; }

# LDCONFIG=true: a temporary prefix is no business of the system's linker cache
$MAKE -s install PREFIX="$prefix" B="$B" LDCONFIG=true >/dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
unset PKG_CONFIG_LIBDIR 2>/dev/null || true
pkg-config --exists fallacy || fail "pkg-config does not find fallacy.pc in $PKG_CONFIG_PATH"
version=$(sed -n 's/^#define FAL_VERSION "\(.*\)"/\1/p' include/fallacy.h)
[ "$(pkg-config --modversion fallacy)" = "$version" ] || fail "fallacy.pc version is not $version"

# the shared library: real file, SONAME, the two symlinks
[ -f "$prefix/lib/libfallacy.so.$version" ] && [ ! -L "$prefix/lib/libfallacy.so.$version" ] || fail "libfallacy.so.$version"
[ "$(readlink "$prefix/lib/libfallacy.so.0")" = "libfallacy.so.$version" ] || fail "libfallacy.so.0 symlink"
[ "$(readlink "$prefix/lib/libfallacy.so")" = "libfallacy.so.0" ] || fail "libfallacy.so symlink"
readelf -d "$prefix/lib/libfallacy.so.$version" | grep -q 'SONAME.*\[libfallacy\.so\.0\]' || fail "no SONAME libfallacy.so.0"
[ -f "$prefix/lib/libfallacy.a" ] || fail "libfallacy.a"
for h in include/fallacy.h include/fallacy/*.h; do
    cmp -s "$h" "$prefix/$h" || fail "$h not installed"
done
cmp -s doc/fallacy.1 "$prefix/share/man/man1/fallacy.1" || fail "the man page differs from doc/fallacy.1"
"$prefix/bin/fallacy" version | grep -q "fallacy $version" || fail "the installed binary"

# examples/ with pkg-config only: dynamic, then static
for e in run classes sweep; do
    # shellcheck disable=SC2046
    $CC -std=c11 -Wall -Wextra -Werror examples/$e.c $(pkg-config --cflags --libs fallacy) -o "$tmp/$e" ||
        fail "examples/$e.c does not build with pkg-config --cflags --libs fallacy"
    readelf -d "$tmp/$e" | grep -q 'NEEDED.*\[libfallacy\.so\.0\]' || fail "$e is not linked to libfallacy.so.0"
    # the static link: the archive, and Libs.private for what it needs
    static_libs=$(pkg-config --static --libs fallacy | sed 's/-lfallacy\b/-l:libfallacy.a/')
    # shellcheck disable=SC2086
    $CC -std=c11 -Wall -Wextra -Werror examples/$e.c $(pkg-config --cflags fallacy) $static_libs -o "$tmp/$e-static" ||
        fail "examples/$e.c does not link statically with pkg-config --static --libs fallacy"
    if readelf -d "$tmp/$e-static" | grep -q 'libfallacy'; then fail "$e-static needs libfallacy.so"; fi
done
LD_LIBRARY_PATH="$prefix/lib" "$tmp/run" >"$tmp/run.out" || fail "examples/run exited $?"
grep -q '"family":"linear-ae"' "$tmp/run.out" || fail "examples/run printed no result"
grep -q 'data borrowed' "$tmp/run.out" || fail "examples/run: the contiguous array was copied"
"$tmp/run-static" >"$tmp/run-static.out" || fail "examples/run-static exited $?"
# the two builds compute the same numbers (the JSON up to "seconds")
[ "$(sed -n '1s/"seconds".*//p' "$tmp/run.out")" = "$(sed -n '1s/"seconds".*//p' "$tmp/run-static.out")" ] ||
    fail "the static and the shared example differ"
LD_LIBRARY_PATH="$prefix/lib" "$tmp/classes" >/dev/null || fail "examples/classes exited $?"
"$tmp/classes-static" >/dev/null || fail "examples/classes-static"
LD_LIBRARY_PATH="$prefix/lib" "$tmp/sweep" "$tmp/runs.sqlite" >/dev/null || fail "examples/sweep exited $?"
"$tmp/sweep-static" "$tmp/runs.sqlite" | grep -q "8 runs (0 added)" || fail "examples/sweep did not resume"
# the database is the CLI's: the installed binary reports on it
"$prefix/bin/fallacy" report --db "$tmp/runs.sqlite" --out "$tmp/report" >/dev/null || fail "report on the sweep"

# DESTDIR stages under a root without touching the prefix
$MAKE -s install PREFIX=/usr/local DESTDIR="$tmp/stage" B="$B" >/dev/null
grep -q '^prefix=/usr/local$' "$tmp/stage/usr/local/lib/pkgconfig/fallacy.pc" || fail "DESTDIR install"
$MAKE -s uninstall PREFIX=/usr/local DESTDIR="$tmp/stage" B="$B" >/dev/null
[ -z "$(find "$tmp/stage" -type f -o -type l)" ] || fail "uninstall left files under DESTDIR"

$MAKE -s uninstall PREFIX="$prefix" B="$B" LDCONFIG=true >/dev/null
left=$(find "$prefix" -type f -o -type l)
[ -z "$left" ] || fail "make uninstall left: $left"
echo "install-check: ok (prefix install, pkg-config dynamic and static builds of examples/, DESTDIR, uninstall)"
