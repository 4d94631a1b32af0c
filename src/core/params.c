#include <math.h>
/* params.c -- the arrays a run hands out (fal_params) and fal_run_params. */
#include <string.h>
#include "internal.h"

fal_status fal_params_new(fal_ctx *ctx, fal_params **out)
{
    *out = fal__calloc(ctx, 1, sizeof **out, "parameter set");
    if (!*out) return FAL_ENOMEM;
    (*out)->ctx = ctx;
    return FAL_OK;
}

static size_t values_of(const fal_array *a)
{
    size_t n = a->rank == 0 ? 1 : a->rank == 1 ? a->shape[0] : a->shape[0] * a->shape[1];
    return a->dtype == FAL_DT_C16 ? 2 * n : n;
}

void fal_params_free(fal_params *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) {
        fal_array *a = &p->a[i];
        if (a->dtype == FAL_DT_STR) fal__free(p->ctx, a->text, strlen(a->text) + 1);
        else fal__free(p->ctx, a->v, (values_of(a) ? values_of(a) : 1) * sizeof(double));
    }
    fal__free(p->ctx, p->a, p->cap * sizeof *p->a);
    fal__free(p->ctx, p, sizeof *p);
}

const fal_array *fal_params_find(const fal_params *p, const char *name)
{
    for (size_t i = 0; p && i < p->n; i++)
        if (strcmp(p->a[i].name, name) == 0) return &p->a[i];
    return NULL;
}

static fal_status slot(fal_params *p, const char *name, fal_array **out)
{
    size_t len = strlen(name);
    if (len == 0 || len >= FAL_ARRAY_NAME || strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != len)
        return fal__fail(p->ctx, FAL_EINVAL, "array name '%s': 1..%d characters of [A-Za-z0-9_]", name, FAL_ARRAY_NAME - 1);
    if (fal_params_find(p, name)) return fal__fail(p->ctx, FAL_EINVAL, "array name '%s' given twice", name);
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 8;
        fal_array *a = fal__calloc(p->ctx, cap, sizeof *a, "parameter list");
        if (!a) return FAL_ENOMEM;
        if (p->n) memcpy(a, p->a, p->n * sizeof *a);
        fal__free(p->ctx, p->a, p->cap * sizeof *p->a);
        p->a = a;
        p->cap = cap;
    }
    *out = &p->a[p->n];
    memset(*out, 0, sizeof **out);
    memcpy((*out)->name, name, len + 1);
    return FAL_OK;
}

fal_status fal_params_add(fal_params *p, const char *name, fal_dtype dt, size_t rank, size_t rows, size_t cols,
                          const double *v)
{
    if (dt == FAL_DT_STR || rank > 2) return fal__fail(p->ctx, FAL_EINVAL, "fal_params_add: bad dtype or rank");
    fal_array *a = NULL;
    fal_status st = slot(p, name, &a);
    if (st != FAL_OK) return st;
    a->dtype = dt;
    a->rank = rank;
    a->shape[0] = rank >= 1 ? rows : 0;
    a->shape[1] = rank == 2 ? cols : 0;
    size_t n = values_of(a);
    a->v = fal__alloc(p->ctx, (n ? n : 1) * sizeof(double), "parameter array");
    if (!a->v) return FAL_ENOMEM;
    if (n) memcpy(a->v, v, n * sizeof(double));
    p->n++;
    return FAL_OK;
}

fal_status fal_params_add_text(fal_params *p, const char *name, const char *text)
{
    fal_array *a = NULL;
    fal_status st = slot(p, name, &a);
    if (st != FAL_OK) return st;
    size_t len = strlen(text);
    a->dtype = FAL_DT_STR;
    a->text = fal__alloc(p->ctx, len + 1, "parameter text");
    if (!a->text) return FAL_ENOMEM;
    memcpy(a->text, text, len + 1);
    p->n++;
    return FAL_OK;
}

fal_status fal__params_colmajor(fal_params *p, const char *name, fal_field f, size_t rows, size_t cols,
                                const double *v)
{
    size_t per = f == FAL_COMPLEX ? 2 : 1, n = rows * cols * per;
    double *t = fal__alloc(p->ctx, (n ? n : 1) * sizeof(double), "transpose");
    if (!t) return FAL_ENOMEM;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            for (size_t q = 0; q < per; q++) t[(i * cols + j) * per + q] = v[(j * rows + i) * per + q];
    fal_status st = fal_params_add(p, name, f == FAL_COMPLEX ? FAL_DT_C16 : FAL_DT_F8, 2, rows, cols, t);
    fal__free(p->ctx, t, (n ? n : 1) * sizeof(double));
    return st;
}

void fal__params_scale2(fal_params *p, const char *name, int e)
{
    const fal_array *a = fal_params_find(p, name);
    if (!a || !a->v || e == 0) return;
    size_t n = a->dtype == FAL_DT_C16 ? 2 : 1;
    for (size_t i = 0; i < a->rank; i++) n *= a->shape[i];
    double *v = a->v; /* p owns it: find hands it out read-only to callers */
    for (size_t i = 0; i < n; i++) v[i] = ldexp(v[i], e);
}

fal_status fal__params_bits(fal_params *p, const char *name, const uint64_t *words, size_t rows, size_t n,
                            size_t stride)
{
    size_t len = rows * n;
    double *v = fal__alloc(p->ctx, (len ? len : 1) * sizeof(double), "bit rows");
    if (!v) return FAL_ENOMEM;
    for (size_t r = 0; r < rows; r++)
        for (size_t i = 0; i < n; i++) v[r * n + i] = (double)((words[r * stride + i / 64] >> (i % 64)) & 1);
    fal_status st = fal_params_add(p, name, FAL_DT_I8, 2, rows, n, v);
    fal__free(p->ctx, v, (len ? len : 1) * sizeof(double));
    return st;
}

fal_status fal__params_too_big(fal_ctx *ctx, const char *family, const char *what, double values)
{
    return fal__fail(ctx, FAL_EINVAL,
                     "%s: --save would write %s, %.4g values; parameter export stops at 2^24 = %llu values "
                     "(doc/params.md)",
                     family, what, values, (unsigned long long)FAL__PARAMS_MAX_VALUES);
}

fal_status fal__params_begin(fal_ctx *ctx, const fal_config *cfg, fal_result *res)
{
    if (!cfg->keep_params || res->kept) return FAL_OK;
    return fal_params_new(ctx, &res->kept);
}

fal_status fal_run_params(fal_ctx *ctx, const fal_config *cfg, fal_result *res, fal_params **out)
{
    *out = NULL;
    fal_config c = *cfg;
    c.keep_params = 1;
    fal_status st = fal_run(ctx, &c, res);
    if (st != FAL_OK && st != FAL_ENOCONV) return st;
    if (!res->kept)
        return fal__fail(ctx, FAL_EINTERNAL, "%s: the family handed out no parameters (a bug)", cfg->family->name);
    *out = res->kept;
    res->kept = NULL;
    return st;
}
