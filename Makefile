# fallacy -- plain Makefile.  Targets: all (library + CLI), check (tests),
# asan (tests under ASan+UBSan), bench, clean.
CC      ?= gcc
OPT     ?= -O3 -march=native
WARN    := -Wall -Wextra -Wshadow -Wconversion -Wstrict-prototypes -Wmissing-prototypes
CFLAGS  ?= $(OPT)
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Iinclude -fopenmp -fPIC $(CFLAGS)
# GLPK (libglpk-dev) solves the Hamming clustering's integer program
# (src/nets/hamming_mip.c); Debian ships no glpk.pc, hence the fallback.
GLPK_LIBS := $(shell pkg-config --libs glpk 2>/dev/null || echo -lglpk)
LDLIBS  := -llapacke -lopenblas -lsqlite3 $(GLPK_LIBS) -lz -lm
B       ?= build

LIB_SRC  := $(sort $(wildcard src/*/*.c))
TOOL_SRC := $(sort $(wildcard tools/*.c))
TEST_SRC := $(sort $(wildcard tests/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o)
TOOL_OBJ := $(TOOL_SRC:%.c=$(B)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(B)/%.o)
HDRS     := $(wildcard include/*.h include/fallacy/*.h src/*/*.h tests/*.h tools/*.h)

.PHONY: bench-build all check asan valgrind fuzz test bench clean man install uninstall install-check python-check
all: $(B)/libfallacy.a $(B)/libfallacy.so $(B)/fallacy

$(B)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(B)/libfallacy.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

# The shared library carries a SONAME (libfallacy.so.$(SOMAJOR)): a program
# linked with -lfallacy asks for that name at run time, and `make install`
# provides it as a symlink to libfallacy.so.$(VERSION).
VERSION := $(shell sed -n 's/^\#define FAL_VERSION "\(.*\)"/\1/p' include/fallacy.h)
SOMAJOR := 0
$(B)/libfallacy.so: $(LIB_OBJ) Makefile
	$(CC) -shared -fopenmp -Wl,-soname,libfallacy.so.$(SOMAJOR) $(CFLAGS) -o $@ $(LIB_OBJ) $(LDLIBS)

$(B)/fallacy: $(TOOL_OBJ) $(B)/libfallacy.a
	$(CC) -fopenmp $(CFLAGS) -o $@ $(TOOL_OBJ) $(B)/libfallacy.a $(LDLIBS)

# The CLI's option table and parser are linked into the tests too: the help
# and the man page are checked against the table itself.
CLI_TABLE_OBJ := $(B)/tools/options.o $(B)/tools/parse.o
$(B)/test_fallacy: $(TEST_OBJ) $(CLI_TABLE_OBJ) $(B)/libfallacy.a
	$(CC) -fopenmp $(CFLAGS) -o $@ $(TEST_OBJ) $(CLI_TABLE_OBJ) $(B)/libfallacy.a $(LDLIBS)

# The whole suite: library tests and CLI tests, one summary line at the end;
# then the install test (examples/ built against a temporary prefix with
# pkg-config) and the Python package's tests.  The sanitizer build skips
# the last two: a program or python3 loading an ASan-built libfallacy.so
# would need the ASan runtime preloaded.
EXTRA_CHECKS ?= install-check python-check
check: $(B)/test_fallacy $(B)/fallacy $(B)/libfallacy.so
	FALLACY_BIN=$(B)/fallacy OPENBLAS_NUM_THREADS=2 ./$(B)/test_fallacy
	sh tests/readme_line.sh
	for t in $(EXTRA_CHECKS); do $(MAKE) --no-print-directory $$t || exit 1; done

# Sanitizer build in its own tree; the 10^6-deep cases are slower there but
# still run.
asan:
	$(MAKE) B=build-asan EXTRA_CHECKS= CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" check

# A subset under valgrind's memcheck: no errors, no definite or indirect
# leaks.  Its own build without -march=native: valgrind does not decode
# AVX-512 (so OPENBLAS_CORETYPE=SkylakeX stops it with SIGILL in OpenBLAS's
# own AVX-512 kernels: that kernel is checked by check, asan and fuzz).  One
# thread, so that OpenMP and OpenBLAS pools stay out of it.  tests/valgrind.supp:
# the Prescott kernel's own over-read.
VG_TESTS := test_rng test_arch test_status test_data test_kern test_faults test_deep_linear test_n1 test_api test_i13_csv test_i13_report_refuses
valgrind:
	$(MAKE) B=build-vg CFLAGS="-O1 -g" build-vg/test_fallacy build-vg/fallacy
	for t in $(VG_TESTS); do \
	  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 FALLACY_BIN=build-vg/fallacy valgrind --error-exitcode=9 \
	    --leak-check=full --errors-for-leak-kinds=definite,indirect --suppressions=tests/valgrind.supp --quiet ./build-vg/test_fallacy $$t || exit 1; \
	done

# libFuzzer targets (tests/fuzz/README.md): each runs FUZZ_SECONDS on a temp
# copy of its seed corpus; any crash, leak, timeout or UBSan report fails.
# Needs clang 14, libclang-rt-14-dev and libomp-14-dev.
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=2 tests/fuzz/run.sh

# What CI runs and the README's second command: a subset under valgrind,
# the suite, the suite again under ASan+UBSan, then the fuzz targets.
test:
	$(MAKE) -j2 valgrind
	$(MAKE) -j2 check
	$(MAKE) -j2 asan
	$(MAKE) fuzz
	$(MAKE) -j2 bench-build

# The benchmark programs are built (not run: timings never go into tests) so
# that a link or API change cannot break `make bench` unnoticed.
bench-build: all
	$(MAKE) -C bench B=../$(B) build

# doc/fallacy.1 is generated from the option table (tools/options.c); a test
# fails when it differs from `fallacy --man`.
man: $(B)/fallacy
	./$(B)/fallacy --man > doc/fallacy.1

# ---- install --------------------------------------------------------------
# make install PREFIX=/usr/local (the default) DESTDIR=... : headers, the
# shared library (with its SONAME symlinks), the static one, the CLI, its
# man page (generated from the option table) and fallacy.pc for pkg-config.
# Libs.private lists what a static link needs; other branches append theirs.
PREFIX  ?= /usr/local
LIBDIR  ?= $(PREFIX)/lib
INCDIR  ?= $(PREFIX)/include
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
PCDIR   ?= $(LIBDIR)/pkgconfig
PC_LIBS_PRIVATE := -llapacke -lopenblas -lsqlite3 $(GLPK_LIBS) -lz -lm -fopenmp
# A real install as root (no DESTDIR) refreshes the dynamic linker's cache:
# /usr/local/lib is in Debian's search path (/etc/ld.so.conf.d/libc.conf),
# but a library new there is found only after ldconfig (without it, a
# fresh Debian 12 says "libfallacy.so.0: cannot open shared object file",
# tests/fresh/debian12.sh).  install-check sets LDCONFIG=true.
LDCONFIG ?= ldconfig

$(B)/fallacy.1: $(B)/fallacy
	./$(B)/fallacy --man > $@

$(B)/fallacy.pc: include/fallacy.h Makefile FORCE
	@mkdir -p $(B)
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCDIR)' '' \
	  'Name: fallacy' \
	  'Description: deep networks trained from a few examples: the shallow fallacy, measured' \
	  'Version: $(VERSION)' \
	  'Libs: -L$${libdir} -lfallacy' \
	  'Libs.private: $(PC_LIBS_PRIVATE)' \
	  'Cflags: -I$${includedir}' > $@

install: all $(B)/fallacy.1 $(B)/fallacy.pc
	install -d $(DESTDIR)$(INCDIR)/fallacy $(DESTDIR)$(LIBDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(PCDIR)
	install -m 644 include/fallacy.h $(DESTDIR)$(INCDIR)/fallacy.h
	install -m 644 include/fallacy/*.h $(DESTDIR)$(INCDIR)/fallacy/
	install -m 755 $(B)/libfallacy.so $(DESTDIR)$(LIBDIR)/libfallacy.so.$(VERSION)
	ln -sf libfallacy.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libfallacy.so.$(SOMAJOR)
	ln -sf libfallacy.so.$(SOMAJOR) $(DESTDIR)$(LIBDIR)/libfallacy.so
	install -m 644 $(B)/libfallacy.a $(DESTDIR)$(LIBDIR)/libfallacy.a
	install -m 755 $(B)/fallacy $(DESTDIR)$(BINDIR)/fallacy
	install -m 644 $(B)/fallacy.1 $(DESTDIR)$(MANDIR)/man1/fallacy.1
	install -m 644 $(B)/fallacy.pc $(DESTDIR)$(PCDIR)/fallacy.pc
	if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then $(LDCONFIG); fi

uninstall:
	rm -f $(DESTDIR)$(INCDIR)/fallacy.h $(addprefix $(DESTDIR)$(INCDIR)/fallacy/,$(notdir $(wildcard include/fallacy/*.h)))
	-rmdir $(DESTDIR)$(INCDIR)/fallacy
	rm -f $(DESTDIR)$(LIBDIR)/libfallacy.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libfallacy.so.$(SOMAJOR) \
	  $(DESTDIR)$(LIBDIR)/libfallacy.so $(DESTDIR)$(LIBDIR)/libfallacy.a $(DESTDIR)$(BINDIR)/fallacy \
	  $(DESTDIR)$(MANDIR)/man1/fallacy.1 $(DESTDIR)$(PCDIR)/fallacy.pc
	if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then $(LDCONFIG); fi

# Installs into a temporary prefix, builds examples/ with pkg-config alone
# (dynamic and static) and runs them; then uninstalls and checks nothing is
# left.  Part of `make check`.
install-check: all
	B=$(B) MAKE="$(MAKE)" tests/install.sh

# The Python package (python/fallacy, ctypes) against this build's
# libfallacy.so, with Debian's python3-pytest and python3-numpy.
python-check: all
	FALLACY_LIB=$(B)/libfallacy.so FALLACY_BIN=$(B)/fallacy PYTHONPATH=python OPENBLAS_NUM_THREADS=2 \
	  /usr/bin/python3 -m pytest -q -p no:cacheprovider python/tests

bench: all
	$(MAKE) -C bench B=../$(B)

clean:
	rm -rf build build-asan build-vg build-fuzz
FORCE:
