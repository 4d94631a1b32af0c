/* fallacy/status.h -- status codes, the context that carries error messages,
 * the allocator hook and the memory budget.
 *
 * Every fallible call of libfallacy returns a fal_status and writes its
 * results through out-parameters.  When a call fails, the context passed to
 * it holds a one-line message saying what and where (file, line, option);
 * fal_ctx_message() returns it.  The library never prints, exits or aborts. */
#ifndef FALLACY_STATUS_H
#define FALLACY_STATUS_H

#include <stddef.h>
#include <stdint.h>

typedef enum fal_status {
    FAL_OK = 0,
    FAL_EINVAL,    /* bad argument or option (caller's usage) */
    FAL_ENOMEM,    /* memory refused: by the budget before allocating, or by the allocator */
    FAL_EIO,       /* a file could not be read or written */
    FAL_EFORMAT,   /* a file's contents are malformed */
    FAL_ERANGE,    /* a value is out of its representable or allowed range */
    FAL_ENOCONV,   /* an iterative method did not converge (results are still written) */
    FAL_EINTERNAL, /* a check inside the library failed: a bug, please report */
    FAL_ENOSPC     /* a file or database could not be written in full: no space left on its device
                    * (or a file-size limit); what was written before stays intact */
} fal_status;

/* Static English text for a code; never NULL. */
const char *fal_errstr(fal_status s);

/* The allocator hook.  alloc(ud, n) returns n bytes or NULL; free(ud, p, n)
 * releases a block returned by alloc (p may be NULL).  Tests install a hook
 * that fails on purpose to exercise every out-of-memory path. */
typedef struct fal_allocator {
    void *(*alloc)(void *ud, size_t n);
    void (*free)(void *ud, void *p, size_t n);
    void *ud;
} fal_allocator;

/* The context: allocator, memory budget, last error message, thread count.
 * One context per thread of the caller; it is not shared between threads. */
typedef struct fal_ctx fal_ctx;

/* Create a context.  alloc may be NULL (malloc/free).  *out receives the
 * handle, to be released with fal_ctx_free.  Returns FAL_OK or FAL_ENOMEM.
 * Through fallacy.h, fal_ctx_new is a macro that also checks the ABI (the
 * struct sizes the caller was compiled with): see fal_ctx_new_abi. */
fal_status fal_ctx_new(fal_ctx **out, const fal_allocator *alloc);
/* Release a context; NULL is a no-op.  Objects made with a context (tables,
 * architectures) are freed through it: free them before their context. */
void fal_ctx_free(fal_ctx *ctx);

/* The message of the last failed call made with ctx ("" if none).  Owned by
 * the context, valid until the next call that uses ctx. */
const char *fal_ctx_message(const fal_ctx *ctx);

/* Memory budget in bytes (0 = unlimited, the default).  Every large
 * allocation is checked against it *before* it is made: a run that would
 * exceed it fails with FAL_ENOMEM and a message giving both figures. */
void fal_ctx_set_mem_limit(fal_ctx *ctx, size_t bytes);
size_t fal_ctx_mem_limit(const fal_ctx *ctx);
/* Bytes currently allocated through ctx and the peak since creation. */
size_t fal_ctx_mem_in_use(const fal_ctx *ctx);
size_t fal_ctx_mem_peak(const fal_ctx *ctx);

/* Threads used by the library's own parallel loops (>= 1; default 1).
 * Results do not depend on it: reductions run over fixed blocks in a fixed
 * order, so every thread count gives the same bytes. */
void fal_ctx_set_threads(fal_ctx *ctx, int threads);
int fal_ctx_threads(const fal_ctx *ctx);

/* Progress of a long call, for a caller that wants to show it (the library
 * never prints).  The callback runs on the calling thread, between steps,
 * never inside a parallel region; it must not call back into the library
 * with the same context.  Results do not depend on it.  Stages:
 *   "train": one training run (fal_run of an iterative algorithm); done =
 *            steps taken, total = the step limit, value = the relative
 *            training error after `done` steps.
 *   "need":  fal_need; done = runs finished, total = 0 (not known in
 *            advance: the search doubles then bisects), value = the k being
 *            probed next, seed = that run's seed. */
typedef struct fal_progress {
    const char *stage;  /* static text: "train", "need" */
    uint64_t done;
    uint64_t total;     /* 0: unknown */
    double value;
    uint64_t seed;      /* "need": the seed of the run in progress; else 0 */
} fal_progress;
typedef void (*fal_progress_fn)(void *ud, const fal_progress *p);
/* Install (fn non-NULL) or remove (fn NULL) the progress callback of ctx;
 * ud is passed back unchanged.  Default: none. */
void fal_ctx_set_progress(fal_ctx *ctx, fal_progress_fn fn, void *ud);

/* Bytes of memory the system reports available (MemAvailable), 0 if unknown. */
size_t fal_mem_available(void);

#endif
