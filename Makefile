# fallacy -- plain Makefile.  Targets: all (library + CLI), check (tests),
# asan (tests under ASan+UBSan), bench, clean.
CC      ?= gcc
OPT     ?= -O3 -march=native
WARN    := -Wall -Wextra -Wshadow -Wconversion -Wstrict-prototypes -Wmissing-prototypes
CFLAGS  ?= $(OPT)
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Iinclude -fopenmp -fPIC $(CFLAGS)
LDLIBS  := -llapacke -lopenblas -lsqlite3 -lz -lm
B       ?= build

LIB_SRC  := $(sort $(wildcard src/*/*.c))
TOOL_SRC := $(sort $(wildcard tools/*.c))
TEST_SRC := $(sort $(wildcard tests/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o)
TOOL_OBJ := $(TOOL_SRC:%.c=$(B)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(B)/%.o)
HDRS     := $(wildcard include/*.h include/fallacy/*.h src/*/*.h tests/*.h tools/*.h)

.PHONY: all check asan valgrind fuzz test bench clean
all: $(B)/libfallacy.a $(B)/libfallacy.so $(B)/fallacy

$(B)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(B)/libfallacy.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(B)/libfallacy.so: $(LIB_OBJ)
	$(CC) -shared -fopenmp $(CFLAGS) -o $@ $^ $(LDLIBS)

$(B)/fallacy: $(TOOL_OBJ) $(B)/libfallacy.a
	$(CC) -fopenmp $(CFLAGS) -o $@ $(TOOL_OBJ) $(B)/libfallacy.a $(LDLIBS)

$(B)/test_fallacy: $(TEST_OBJ) $(B)/libfallacy.a
	$(CC) -fopenmp $(CFLAGS) -o $@ $(TEST_OBJ) $(B)/libfallacy.a $(LDLIBS)

# The whole suite: library tests and CLI tests, one summary line at the end.
check: $(B)/test_fallacy $(B)/fallacy
	FALLACY_BIN=$(B)/fallacy OPENBLAS_NUM_THREADS=2 ./$(B)/test_fallacy

# Sanitizer build in its own tree; the 10^6-deep cases are slower there but
# still run.
asan:
	$(MAKE) B=build-asan CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" check

# A subset under valgrind's memcheck: no errors, no definite or indirect
# leaks.  Its own build without -march=native: valgrind does not decode
# AVX-512.  One thread, so that OpenMP and OpenBLAS pools stay out of it.
VG_TESTS := test_rng test_arch test_status test_data test_kern test_faults test_deep_linear test_n1
valgrind:
	$(MAKE) B=build-vg CFLAGS="-O1 -g" build-vg/test_fallacy build-vg/fallacy
	for t in $(VG_TESTS); do \
	  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 FALLACY_BIN=build-vg/fallacy valgrind --error-exitcode=9 \
	    --leak-check=full --errors-for-leak-kinds=definite,indirect --quiet ./build-vg/test_fallacy $$t || exit 1; \
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

bench: all
	$(MAKE) -C bench B=../$(B)

clean:
	rm -rf build build-asan build-vg build-fuzz
