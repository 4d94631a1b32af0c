/* status.c -- status texts, the context, budgeted allocation. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include "internal.h"

const char *fal_errstr(fal_status s)
{
    switch (s) {
    case FAL_OK: return "ok";
    case FAL_EINVAL: return "invalid argument";
    case FAL_ENOMEM: return "out of memory";
    case FAL_EIO: return "input/output error";
    case FAL_EFORMAT: return "malformed input";
    case FAL_ERANGE: return "value out of range";
    case FAL_ENOCONV: return "did not converge";
    case FAL_EINTERNAL: return "internal error";
    case FAL_ENOSPC: return "no space left on the device";
    }
    return "unknown status";
}

static void *sys_alloc(void *ud, size_t n) { (void)ud; return malloc(n); }
static void sys_free(void *ud, void *p, size_t n) { (void)ud; (void)n; free(p); }

/* The unchecked creation (the macro fal_ctx_new adds the sizes). */
fal_status (fal_ctx_new)(fal_ctx **out, const fal_allocator *alloc)
{
    fal_allocator a = { sys_alloc, sys_free, NULL };
    if (alloc) a = *alloc;
    *out = NULL;
    fal_ctx *c = a.alloc(a.ud, sizeof *c);
    if (!c) return FAL_ENOMEM;
    memset(c, 0, sizeof *c);
    c->alloc = a;
    c->threads = 1;
    *out = c;
    return FAL_OK;
}

const char *fal_version(void) { return FAL_VERSION; }

static const fal_abi LIBRARY_ABI = { FAL_ABI_VERSION, sizeof(fal_abi), sizeof(fal_config), sizeof(fal_result),
                                     sizeof(fal_classes), sizeof(fal_need_result), sizeof(fal_report_opts),
                                     sizeof(fal_walk), sizeof(fal_allocator) };

const fal_abi *fal_abi_library(void) { return &LIBRARY_ABI; }

fal_status fal_ctx_new_abi(fal_ctx **out, const fal_allocator *alloc, const fal_abi *caller)
{
    fal_status st = (fal_ctx_new)(out, alloc);
    if (st != FAL_OK) return st;
    const fal_abi *lib = &LIBRARY_ABI;
    if (!caller)
        return fal__fail(*out, FAL_EINVAL, "ABI check: no sizes given (use the fal_ctx_new macro of fallacy.h)");
    if (caller->version != lib->version)
        return fal__fail(*out, FAL_EINVAL,
                         "ABI check: the caller was built for ABI %u, libfallacy %s has ABI %u: rebuild it against "
                         "this library's headers",
                         caller->version, FAL_VERSION, lib->version);
    /* the abi struct itself first: the fields after `abi` are read only when
     * the caller's struct is at least as long */
    static const struct {
        const char *name;
        size_t off;
    } F[] = { { "fal_abi", offsetof(fal_abi, abi) },
              { "fal_config", offsetof(fal_abi, config) },
              { "fal_result", offsetof(fal_abi, result) },
              { "fal_classes", offsetof(fal_abi, classes) },
              { "fal_need_result", offsetof(fal_abi, need_result) },
              { "fal_report_opts", offsetof(fal_abi, report_opts) },
              { "fal_walk", offsetof(fal_abi, walk) },
              { "fal_allocator", offsetof(fal_abi, allocator) } };
    for (size_t i = 0; i < sizeof F / sizeof F[0]; i++) {
        if (i > 0 && F[i].off + sizeof(size_t) > caller->abi) break;
        size_t a, b;
        memcpy(&a, (const char *)caller + F[i].off, sizeof a);
        memcpy(&b, (const char *)lib + F[i].off, sizeof b);
        if (a != b)
            return fal__fail(*out, FAL_EINVAL,
                             "ABI check: the caller was compiled with sizeof(%s) = %zu, libfallacy %s has %zu: "
                             "rebuild it against this library's headers",
                             F[i].name, a, FAL_VERSION, b);
    }
    return FAL_OK;
}

void fal_ctx_free(fal_ctx *ctx)
{
    if (!ctx) return;
    fal_allocator a = ctx->alloc;
    a.free(a.ud, ctx, sizeof *ctx);
}

const char *fal_ctx_message(const fal_ctx *ctx) { return ctx ? ctx->msg : ""; }
void fal_ctx_set_mem_limit(fal_ctx *ctx, size_t bytes) { ctx->mem_limit = bytes; }
size_t fal_ctx_mem_limit(const fal_ctx *ctx) { return ctx->mem_limit; }
size_t fal_ctx_mem_in_use(const fal_ctx *ctx) { return ctx->in_use; }
size_t fal_ctx_mem_peak(const fal_ctx *ctx) { return ctx->peak; }
void fal_ctx_set_threads(fal_ctx *ctx, int threads) { ctx->threads = threads < 1 ? 1 : threads; }
int fal_ctx_threads(const fal_ctx *ctx) { return ctx->threads; }
void fal_ctx_set_progress(fal_ctx *ctx, fal_progress_fn fn, void *ud)
{
    ctx->progress = fn;
    ctx->progress_ud = fn ? ud : NULL;
}

fal_status fal__fail(fal_ctx *ctx, fal_status code, const char *fmt, ...)
{
    if (ctx) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ctx->msg, sizeof ctx->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* Human figure for a message: "1.5 GiB". */
static void human(char *buf, size_t n, size_t bytes)
{
    double b = (double)bytes;
    const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
    int u = 0;
    while (b >= 1024.0 && u < 6) { b /= 1024.0; u++; }
    snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", b, unit[u]);
}

fal_status fal__budget(fal_ctx *ctx, size_t need, const char *what)
{
    size_t total;
    if (ctx->mem_limit && (fal__add(ctx->in_use, need, &total) || total > ctx->mem_limit)) {
        char a[32], b[32];
        human(a, sizeof a, need);
        human(b, sizeof b, ctx->mem_limit > ctx->in_use ? ctx->mem_limit - ctx->in_use : 0);
        return fal__fail(ctx, FAL_ENOMEM, "%s needs %s, %s available", what, a, b);
    }
    return FAL_OK;
}

void *fal__alloc(fal_ctx *ctx, size_t n, const char *what)
{
    if (n == 0) n = 1;
    if (fal__budget(ctx, n, what) != FAL_OK) return NULL;
    void *p = ctx->alloc.alloc(ctx->alloc.ud, n);
    if (!p) {
        char a[32];
        human(a, sizeof a, n);
        fal__fail(ctx, FAL_ENOMEM, "%s: allocation of %s refused", what, a);
        return NULL;
    }
    ctx->in_use += n;
    if (ctx->in_use > ctx->peak) ctx->peak = ctx->in_use;
    return p;
}

void *fal__calloc(fal_ctx *ctx, size_t count, size_t size, const char *what)
{
    size_t n;
    if (fal__mul(count, size, &n)) {
        fal__fail(ctx, FAL_ENOMEM, "%s: size overflows", what);
        return NULL;
    }
    void *p = fal__alloc(ctx, n, what);
    if (p) memset(p, 0, n);
    return p;
}

void fal__free(fal_ctx *ctx, void *p, size_t n)
{
    if (!p) return;
    if (n == 0) n = 1;
    ctx->in_use -= n;
    ctx->alloc.free(ctx->alloc.ud, p, n);
}

double fal__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

size_t fal_mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f) return 0;
    char line[256];
    size_t kb = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long long v;
        if (sscanf(line, "MemAvailable: %llu kB", &v) == 1) { kb = (size_t)v; break; }
    }
    fclose(f);
    return kb * 1024;
}

void fal__advise_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    /* madvise wants a page-aligned start: advise the aligned interior */
    uintptr_t a = ((uintptr_t)p + 4095) & ~(uintptr_t)4095, e = ((uintptr_t)p + n) & ~(uintptr_t)4095;
    if (n >= ((size_t)1 << 24) && e > a) (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
    (void)p;
    (void)n;
#endif
}
