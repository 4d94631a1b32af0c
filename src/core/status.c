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

fal_status fal_ctx_new(fal_ctx **out, const fal_allocator *alloc)
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
