/* internal.h -- what the library's files share and users do not see. */
#ifndef FALLACY_INTERNAL_H
#define FALLACY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "fallacy.h"

#define FAL_MSG_MAX 512

struct fal_ctx {
    fal_allocator alloc;
    size_t mem_limit;   /* 0 = none */
    size_t in_use;
    size_t peak;
    int threads;
    char msg[FAL_MSG_MAX];
    /* the caller's progress callback (fal_ctx_set_progress), or NULL */
    fal_progress_fn progress;
    void *progress_ud;
};

/* Objects remember the context that allocated them, which frees them: the
 * context must outlive them (documented in status.h). */
struct fal_arch {
    fal_ctx *ctx;
    uint64_t depth;     /* L */
    size_t width;       /* uniform width when widths == NULL */
    size_t *widths;     /* L + 1 entries, or NULL when uniform */
};

struct fal_table {
    fal_ctx *ctx;
    size_t rows, cols;
    fal_field field;
    double *v;          /* rows * cols * (field == FAL_COMPLEX ? 2 : 1) */
    char *header;       /* a CSV header line (column names), or NULL */
    size_t header_len;
    int borrowed;       /* v is the caller's memory (fal_table_wrap): not freed */
};

/* Report progress to ctx's callback, if any (cheap when none). */
static inline void fal__progress(fal_ctx *ctx, const char *stage, uint64_t done, uint64_t total, double value,
                                 uint64_t seed)
{
    if (ctx && ctx->progress) {
        fal_progress p = { stage, done, total, value, seed };
        ctx->progress(ctx->progress_ud, &p);
    }
}

/* Record a message in ctx and return code (printf-style). */
fal_status fal__fail(fal_ctx *ctx, fal_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Allocate n bytes through ctx's allocator after checking the budget.  The
 * message says what was being allocated (what) and both figures. */
void *fal__alloc(fal_ctx *ctx, size_t n, const char *what);
/* Zero-filled. */
void *fal__calloc(fal_ctx *ctx, size_t count, size_t size, const char *what);
/* Free a block of n bytes from fal__alloc (NULL is a no-op). */
void fal__free(fal_ctx *ctx, void *p, size_t n);
/* Check that `need` more bytes fit the budget, without allocating. */
fal_status fal__budget(fal_ctx *ctx, size_t need, const char *what);

/* Checked size arithmetic: return 0 and set *out, or 1 on overflow. */
static inline int fal__mul(size_t a, size_t b, size_t *out) { return __builtin_mul_overflow(a, b, out); }
static inline int fal__add(size_t a, size_t b, size_t *out) { return __builtin_add_overflow(a, b, out); }
/* Saturating forms for size estimates: SIZE_MAX stands for "more than fits",
 * which fal__budget then refuses like any other impossible size. */
static inline size_t fal__smul(size_t a, size_t b)
{
    size_t r;
    return fal__mul(a, b, &r) ? SIZE_MAX : r;
}
static inline size_t fal__sadd(size_t a, size_t b)
{
    size_t r;
    return fal__add(a, b, &r) ? SIZE_MAX : r;
}

/* Ask the kernel for transparent huge pages on a large block (a hint: the
 * first touch of 8 GB in 4 KiB pages costs more than the sweeps do). */
void fal__advise_huge(void *p, size_t n);

/* Monotonic seconds. */
double fal__now(void);

/* Parameter export (params.c).  fal__params_begin gives res->kept an
 * empty set when cfg->keep_params asks for one (a no-op otherwise); a
 * family then adds its arrays.  fal__params_colmajor adds a column-major
 * rows x cols matrix as the row-major array NumPy expects. */
fal_status fal__params_begin(fal_ctx *ctx, const fal_config *cfg, fal_result *res);
fal_status fal__params_colmajor(fal_params *p, const char *name, fal_field f, size_t rows, size_t cols,
                                const double *v);
/* Multiply every value of the array called name (if present) by 2^e: a
 * family that rescaled its --data (fal__xy_normalise) exports the arrays in
 * the units of the user's table.  Exact for normal numbers. */
void fal__params_scale2(fal_params *p, const char *name, int e);
/* The export limit of the families whose arrays the architecture can make
 * huge (truth tables, unit bits of the chains, test rows enumerated over an
 * input space): doc/params.md says which arrays it bounds and how. */
#define FAL__PARAMS_MAX_VALUES ((uint64_t)1 << 24)
/* rows bit vectors of n bits as a rows x n FAL_DT_I8 array of 0/1, column
 * i = bit i: row r's bit i is bit i % 64 of words[r * stride + i / 64]. */
fal_status fal__params_bits(fal_params *p, const char *name, const uint64_t *words, size_t rows, size_t n,
                            size_t stride);
/* The refusal of an export over the limit (FAL_EINVAL, before the run). */
fal_status fal__params_too_big(fal_ctx *ctx, const char *family, const char *what, double values);

/* Shared by the run driver and the families. */
void fal__result_extra(fal_result *res, const char *name, double value);

/* The provenance of a run (json.c): {"config":{...},"data":...,"build":{...}},
 * the objects fal_run_json writes, as one object, allocated through ctx
 * (*size bytes, NUL included: fal__free(ctx, p, *size)); NULL when out of
 * memory.  known_hex (NULL: hash the file now) is the SHA-256 of the data
 * file with its size in bytes, for callers that hash a file once for many
 * runs (the store).  fal__data_file: the file part of a --data spec
 * (FILE.npz:NAME -> FILE.npz). */
char *fal__provenance_json(fal_ctx *ctx, const fal_config *c, const char *known_hex, uint64_t known_bytes,
                           size_t *size);
void fal__data_file(const char *spec, char *buf, size_t cap);

#endif
