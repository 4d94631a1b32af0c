/* arch.c -- architectures: parsing, widths, parameter counts. */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

static fal_status arch_alloc(fal_ctx *ctx, uint64_t depth, int uniform, fal_arch **out)
{
    *out = NULL;
    fal_arch *a = fal__calloc(ctx, 1, sizeof *a, "architecture");
    if (!a) return FAL_ENOMEM;
    a->ctx = ctx;
    a->depth = depth;
    if (!uniform) {
        a->widths = fal__calloc(ctx, (size_t)depth + 1, sizeof(size_t), "architecture widths");
        if (!a->widths) {
            fal__free(ctx, a, sizeof *a);
            return FAL_ENOMEM;
        }
    }
    *out = a;
    return FAL_OK;
}

void fal_arch_free(fal_arch *a)
{
    if (!a) return;
    if (a->widths) fal__free(a->ctx, a->widths, ((size_t)a->depth + 1) * sizeof(size_t));
    fal__free(a->ctx, a, sizeof *a);
}

fal_status fal_arch_uniform(fal_ctx *ctx, uint64_t depth, size_t width, fal_arch **out)
{
    *out = NULL;
    if (depth < 1 || depth > FAL_MAX_DEPTH)
        return fal__fail(ctx, FAL_EINVAL, "depth %llu out of range [1, 2^50]", (unsigned long long)depth);
    if (width < 1 || width > FAL_MAX_WIDTH)
        return fal__fail(ctx, FAL_EINVAL, "width %zu out of range [1, 2^32]", width);
    fal_status st = arch_alloc(ctx, depth, 1, out);
    if (st == FAL_OK) (*out)->width = width;
    return st;
}

fal_status fal_arch_from_widths(fal_ctx *ctx, const size_t *widths, size_t n, fal_arch **out)
{
    *out = NULL;
    if (n < 2) return fal__fail(ctx, FAL_EINVAL, "an architecture needs at least two layers (input and output)");
    for (size_t i = 0; i < n; i++)
        if (widths[i] < 1 || widths[i] > FAL_MAX_WIDTH)
            return fal__fail(ctx, FAL_EINVAL, "width %zu of layer %zu out of range [1, 2^32]", widths[i], i);
    fal_status st = arch_alloc(ctx, n - 1, 0, out);
    if (st == FAL_OK) memcpy((*out)->widths, widths, n * sizeof *widths);
    return st;
}

fal_status fal_arch_parse(fal_ctx *ctx, const char *text, fal_arch **out)
{
    *out = NULL;
    if (!text || !*text) return fal__fail(ctx, FAL_EINVAL, "empty widths");
    size_t n = 1;
    for (const char *p = text; *p; p++) n += *p == ',';
    if (n < 2) return fal__fail(ctx, FAL_EINVAL, "widths '%s': need at least two layers, e.g. 4,4", text);
    if (n > 1u << 20) return fal__fail(ctx, FAL_EINVAL, "widths: more than 2^20 layers listed; use --depth");
    size_t *w = fal__calloc(ctx, n, sizeof *w, "widths");
    if (!w) return FAL_ENOMEM;
    const char *p = text;
    fal_status st = FAL_OK;
    for (size_t i = 0; i < n && st == FAL_OK; i++) {
        const char *start = p;
        unsigned long long v = 0;
        int digits = 0, over = 0;
        while (*p >= '0' && *p <= '9') {
            if (v > (FAL_MAX_WIDTH - (unsigned)(*p - '0')) / 10) over = 1;
            else v = v * 10 + (unsigned)(*p - '0');
            p++;
            digits++;
        }
        if (!digits || (*p != ',' && *p != '\0')) {
            size_t len = strcspn(start, ",");
            st = fal__fail(ctx, FAL_EINVAL, "widths: field %zu '%.*s' is not a positive integer", i + 1,
                           (int)(len > 40 ? 40 : len), start);
        } else if (over || v > FAL_MAX_WIDTH) {
            st = fal__fail(ctx, FAL_EINVAL, "widths: field %zu is larger than 2^32", i + 1);
        } else if (v == 0) {
            st = fal__fail(ctx, FAL_EINVAL, "widths: field %zu is 0; every layer needs at least one unit", i + 1);
        } else {
            w[i] = (size_t)v;
            if (*p == ',') p++;
        }
    }
    if (st == FAL_OK) st = fal_arch_from_widths(ctx, w, n, out);
    fal__free(ctx, w, n * sizeof *w);
    return st;
}

uint64_t fal_arch_depth(const fal_arch *a) { return a->depth; }
int fal_arch_is_uniform(const fal_arch *a) { return a->widths == NULL; }

size_t fal_arch_width(const fal_arch *a, uint64_t i)
{
    if (i > a->depth) return 0;
    return a->widths ? a->widths[i] : a->width;
}

size_t fal_arch_min_hidden(const fal_arch *a)
{
    size_t m = SIZE_MAX;
    if (!a->widths) return a->depth > 1 ? a->width : m;
    for (uint64_t i = 1; i < a->depth; i++)
        if (a->widths[i] < m) m = a->widths[i];
    return m;
}

fal_status fal_arch_linear_params(fal_ctx *ctx, const fal_arch *a, uint64_t *out)
{
    uint64_t total = 0;
    if (!a->widths) {
        uint64_t sq;
        if (__builtin_mul_overflow((uint64_t)a->width, (uint64_t)a->width, &sq) ||
            __builtin_mul_overflow(sq, a->depth, &total))
            return fal__fail(ctx, FAL_ERANGE, "parameter count overflows 64 bits");
        *out = total;
        return FAL_OK;
    }
    for (uint64_t i = 1; i <= a->depth; i++) {
        uint64_t t;
        if (__builtin_mul_overflow((uint64_t)a->widths[i], (uint64_t)a->widths[i - 1], &t) ||
            __builtin_add_overflow(total, t, &total))
            return fal__fail(ctx, FAL_ERANGE, "parameter count overflows 64 bits");
    }
    *out = total;
    return FAL_OK;
}
