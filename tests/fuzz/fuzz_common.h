/* fuzz_common.h -- what the libFuzzer targets share: a scratch directory,
 * writing an input to a file or a pipe, and a check that aborts (libFuzzer
 * then keeps the input as a crash).  Header-only: each target is one
 * translation unit. */
#ifndef FALLACY_FUZZ_COMMON_H
#define FALLACY_FUZZ_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fallacy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* An oracle failed: print why and abort, so that libFuzzer records the input. */
#define FUZZ_CHECK(cond, ...)                                                   \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                       \
            fputc('\n', stderr);                                                \
            abort();                                                            \
        }                                                                       \
    } while (0)

/* Scratch directory of this process: $FUZZ_TMPDIR (run.sh makes one on
 * tmpfs) or a new one under /dev/shm or /tmp, removed at exit. */
static char fuzz_dir[512];

static inline void fuzz_dir_remove(void)
{
    char cmd[600];
    if (!fuzz_dir[0] || getenv("FUZZ_TMPDIR")) return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fuzz_dir);
    if (system(cmd) != 0) { /* nothing more to do */ }
}

static inline const char *fuzz_scratch(void)
{
    if (fuzz_dir[0]) return fuzz_dir;
    const char *env = getenv("FUZZ_TMPDIR");
    if (env && *env) {
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s", env);
        return fuzz_dir;
    }
    const char *roots[2] = { "/dev/shm", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp" };
    for (int i = 0; i < 2; i++) {
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/fallacy-fuzz-XXXXXX", roots[i]);
        if (mkdtemp(fuzz_dir)) {
            atexit(fuzz_dir_remove);
            return fuzz_dir;
        }
    }
    fprintf(stderr, "fuzz: cannot make a scratch directory\n");
    abort();
}

/* Write data to scratch/name (replacing it); the path into path. */
static inline void fuzz_write_file(const char *name, const uint8_t *data, size_t size, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", fuzz_scratch(), name);
    FILE *f = fopen(path, "wb");
    FUZZ_CHECK(f != NULL, "cannot write %s: %s", path, strerror(errno));
    FUZZ_CHECK(size == 0 || fwrite(data, 1, size, f) == size, "short write to %s", path);
    FUZZ_CHECK(fclose(f) == 0, "cannot close %s", path);
}

/* A pipe holding data (at most the pipe's capacity) and then EOF: *rd is its
 * read end, path names it as a file (/proc/self/fd/N), so a reader that opens
 * by name sees a non-regular file of unknown size.  Returns 0 when data does
 * not fit the pipe. */
static inline int fuzz_pipe(const uint8_t *data, size_t size, int *rd, char *path, size_t cap)
{
    int fds[2];
    FUZZ_CHECK(pipe(fds) == 0, "pipe: %s", strerror(errno));
    long room = fcntl(fds[1], F_GETPIPE_SZ);
    if (room < 0 || (size_t)room < size) {
        close(fds[0]);
        close(fds[1]);
        return 0;
    }
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fds[1], data + off, size - off);
        FUZZ_CHECK(w > 0, "write to pipe: %s", strerror(errno));
        off += (size_t)w;
    }
    close(fds[1]);
    *rd = fds[0];
    snprintf(path, cap, "/proc/self/fd/%d", fds[0]);
    return 1;
}

/* A context whose budget bounds what one input may make the library
 * allocate: a forged size is refused by the budget (the path under test)
 * rather than by libFuzzer's malloc limit. */
#define FUZZ_MEM_LIMIT ((size_t)64 << 20)

static inline fal_ctx *fuzz_ctx(void)
{
    fal_ctx *ctx = NULL;
    FUZZ_CHECK(fal_ctx_new(&ctx, NULL) == FAL_OK, "fal_ctx_new");
    fal_ctx_set_mem_limit(ctx, FUZZ_MEM_LIMIT);
    return ctx;
}

/* Every byte allocated through ctx was given back. */
static inline void fuzz_ctx_done(fal_ctx *ctx)
{
    FUZZ_CHECK(fal_ctx_mem_in_use(ctx) == 0, "%zu bytes still counted in use by the context",
               fal_ctx_mem_in_use(ctx));
    fal_ctx_free(ctx);
}

#endif
