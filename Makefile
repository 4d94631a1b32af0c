# fallacy -- plain Makefile.  Targets: all (library + CLI), check (tests),
# asan (tests under ASan+UBSan), bench, clean.
CC      ?= gcc
OPT     ?= -O3 -march=native
WARN    := -Wall -Wextra -Wshadow -Wconversion -Wstrict-prototypes -Wmissing-prototypes
CFLAGS  ?= $(OPT)
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Iinclude -fopenmp -fPIC $(CFLAGS)
LDLIBS  := -llapacke -lopenblas -lsqlite3 -lm
B       ?= build

LIB_SRC  := $(sort $(wildcard src/*/*.c))
TOOL_SRC := $(sort $(wildcard tools/*.c))
TEST_SRC := $(sort $(wildcard tests/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o)
TOOL_OBJ := $(TOOL_SRC:%.c=$(B)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(B)/%.o)
HDRS     := $(wildcard include/*.h include/fallacy/*.h src/*/*.h tests/*.h tools/*.h)

.PHONY: all check asan test bench clean
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

# What CI runs and the README's second command: the suite, then again under
# ASan+UBSan, one after the other.
test:
	$(MAKE) -j2 check
	$(MAKE) -j2 asan

bench: all
	$(MAKE) -C bench B=../$(B)

clean:
	rm -rf build build-asan
