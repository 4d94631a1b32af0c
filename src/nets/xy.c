/* xy.c -- example sets and the --data split. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "nets.h"
#include "../kern/kern.h"
#include "../train/deep_linear.h"

fal_status fal__xy_alloc(fal_ctx *ctx, fal_field f, size_t n_in, size_t n_out, size_t k, int autoenc, fal__xy *out)
{
    memset(out, 0, sizeof *out);
    size_t per = f == FAL_COMPLEX ? 2 : 1, nx, nt;
    if (fal__mul(n_in, k, &nx) || fal__mul(nx, per, &nx) || fal__mul(n_out, k, &nt) || fal__mul(nt, per, &nt))
        return fal__fail(ctx, FAL_ENOMEM, "examples need more than 16 EiB (their size overflows 64 bits)");
    out->field = f;
    out->n_in = n_in;
    out->n_out = n_out;
    out->k = k;
    out->x = fal__calloc(ctx, nx, sizeof(double), "example inputs");
    if (!out->x) return FAL_ENOMEM;
    if (autoenc) {
        out->t = out->x;
        return FAL_OK;
    }
    out->t = fal__calloc(ctx, nt, sizeof(double), "example targets");
    if (!out->t) {
        fal__free(ctx, out->x, nx * sizeof(double));
        out->x = NULL;
        return FAL_ENOMEM;
    }
    out->t_owned = 1;
    return FAL_OK;
}

void fal__xy_free(fal_ctx *ctx, fal__xy *xy)
{
    size_t per = xy->field == FAL_COMPLEX ? 2 : 1;
    if (xy->t_owned) fal__free(ctx, xy->t, xy->n_out * xy->k * per * sizeof(double));
    fal__free(ctx, xy->x, xy->n_in * xy->k * per * sizeof(double));
    memset(xy, 0, sizeof *xy);
}

fal_status fal__data_field(fal_ctx *ctx, const fal_config *cfg, fal_field *f)
{
    *f = cfg->field;
    if (!cfg->data || fal_table_field(cfg->data) == cfg->field) return FAL_OK;
    if (fal_table_field(cfg->data) == FAL_COMPLEX)
        return fal__fail(ctx, FAL_EINVAL, "--data is complex: complex data needs --field complex");
    return fal__fail(ctx, FAL_EINVAL, "--data is real: --field complex needs complex data (complex128 .npy)");
}

fal_status fal__split_sizes(fal_ctx *ctx, const fal_config *cfg, size_t cols_needed, size_t *k, size_t *ntest)
{
    const fal_table *tab = cfg->data;
    size_t rows = fal_table_rows(tab);
    if (fal_table_cols(tab) != cols_needed)
        return fal__fail(ctx, FAL_EINVAL, "--data has %zu columns; this architecture needs %zu", fal_table_cols(tab),
                         cols_needed);
    if (cfg->examples_set) {
        if (cfg->examples > rows)
            return fal__fail(ctx, FAL_EINVAL, "--examples %zu but --data has only %zu rows", cfg->examples, rows);
        *k = cfg->examples;
        *ntest = rows - cfg->examples;
    } else {
        *k = rows;
        *ntest = 0;
    }
    if (*k == 0) return fal__fail(ctx, FAL_EINVAL, "no training examples (--examples 0)");
    return FAL_OK;
}

fal_status fal__example_counts(fal_ctx *ctx, const fal_config *cfg, size_t cols_needed, size_t k_default, size_t *k,
                               size_t *ntest)
{
    if (cfg->data) return fal__split_sizes(ctx, cfg, cols_needed, k, ntest);
    *k = cfg->examples_set ? cfg->examples : k_default;
    *ntest = cfg->test;
    return FAL_OK;
}

void fal__streams(uint64_t seed, fal_rng *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i == 0)
            fal_rng_seed(&s[0], seed);
        else {
            s[i] = s[i - 1];
            fal_rng_jump(&s[i]);
        }
    }
}

fal_status fal__xy_from_table(fal_ctx *ctx, const fal_table *tab, size_t n_in, size_t n_out, int autoenc,
                              size_t row0, size_t k, fal__xy *out)
{
    fal_field f = fal_table_field(tab);
    fal_status st = fal__xy_alloc(ctx, f, n_in, n_out, k, autoenc, out);
    if (st != FAL_OK) return st;
    size_t per = f == FAL_COMPLEX ? 2 : 1, cols = fal_table_cols(tab);
    const double *v = fal_table_cdata(tab);
    for (size_t j = 0; j < k; j++) {
        const double *row = v + (row0 + j) * cols * per;
        memcpy(out->x + j * n_in * per, row, n_in * per * sizeof(double));
        if (!autoenc) memcpy(out->t + j * n_out * per, row + n_in * per, n_out * per * sizeof(double));
    }
    return FAL_OK;
}

/* The largest |value| of n values (complex: both parts). */
static double max_abs(const double *a, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
    return m;
}

/* Multiply n values by 2^e: exact for normal numbers. */
static void scale2(double *a, size_t n, int e)
{
    for (size_t i = 0; i < n; i++) a[i] = ldexp(a[i], e);
}

fal_status fal__xy_normalise(fal_ctx *ctx, const char *family, fal__xy *tr, fal__xy *te)
{
    size_t per = tr->field == FAL_COMPLEX ? 2 : 1;
    int autoenc = tr->t == tr->x;
    size_t nx = tr->n_in * tr->k * per, nt = tr->n_out * tr->k * per;
    size_t mx = te ? te->n_in * te->k * per : 0, mt = te ? te->n_out * te->k * per : 0;
    double ax = fmax(max_abs(tr->x, nx), te ? max_abs(te->x, mx) : 0);
    double at = autoenc ? ax : fmax(max_abs(tr->t, nt), te ? max_abs(te->t, mt) : 0);
    if (max_abs(tr->t, nt) == 0)
        return fal__fail(ctx, FAL_EINVAL,
                         "--data: %s: the training %s all zero, so every relative error (divided by their energy) "
                         "is undefined", family, autoenc ? "examples are" : "targets are");
    int ex = 0, et = 0;
    if (ax > 0) frexp(ax, &ex);
    frexp(at, &et);
    if (ex) {
        scale2(tr->x, nx, -ex);
        if (te) scale2(te->x, mx, -ex);
    }
    if (!autoenc && et) {
        scale2(tr->t, nt, -et);
        if (te) scale2(te->t, mt, -et);
    }
    tr->xexp = ex;
    tr->texp = autoenc ? ex : et;
    if (te) {
        te->xexp = tr->xexp;
        te->texp = tr->texp;
    }
    return FAL_OK;
}

double fal__rel_err(double sq_diff, double sq_t)
{
    if (sq_t == 0.0) return sq_diff == 0.0 ? 0.0 : INFINITY;
    return sq_diff / sq_t;
}

fal_status fal__chain_arch(fal_ctx *ctx, const fal_config *cfg, fal_result *res, const char *family,
                           uint64_t default_depth, const fal_arch **out)
{
    const fal_arch *arch = cfg->arch;
    if (!arch) {
        fal_status st = fal_arch_uniform(ctx, default_depth, 1, &res->owned_arch);
        if (st != FAL_OK) return st;
        arch = res->owned_arch;
    }
    res->arch = arch;
    uint64_t L = fal_arch_depth(arch);
    for (uint64_t i = 0; i <= (fal_arch_is_uniform(arch) ? 0 : L); i++)
        if (fal_arch_width(arch, i) != 1) return fal__fail(ctx, FAL_EINVAL, "%s needs every width = 1", family);
    *out = arch;
    return FAL_OK;
}

fal_status fal__ae_arch(fal_ctx *ctx, const fal_config *cfg, fal_result *res, const char *family, size_t def_n,
                        size_t def_m, const char *hint, const fal_arch **out, size_t *n, size_t *m)
{
    const fal_arch *arch = cfg->arch;
    if (!arch) {
        const size_t def[] = { def_n, def_m, def_n };
        fal_status st = fal_arch_from_widths(ctx, def, 3, &res->owned_arch);
        if (st != FAL_OK) return st;
        arch = res->owned_arch;
    }
    res->arch = arch;
    uint64_t L = fal_arch_depth(arch);
    *n = fal_arch_width(arch, 0);
    *m = fal_arch_min_hidden(arch);
    if (L < 2) return fal__fail(ctx, FAL_EINVAL, "%s needs a hidden layer: A(n, m, n) with m < n", family);
    if (fal_arch_width(arch, L) != *n)
        return fal__fail(ctx, FAL_EINVAL, "%s is an autoencoder: the output width %zu must equal the input width %zu",
                         family, fal_arch_width(arch, L), *n);
    if (*m >= *n)
        return fal__fail(ctx, FAL_EINVAL, "%s needs a bottleneck: smallest hidden width %zu must be < n = %zu%s", family,
                         *m, *n, hint ? hint : "");
    *out = arch;
    return FAL_OK;
}

/* Examples and the map's predictions on them: x_NAME (k x n_in), t_NAME
 * (k x n_out, not for autoencoders), pred_NAME = rows of (P x)^T. */
static fal_status keep_rows(fal_ctx *ctx, fal_params *p, const char *set, const fal__xy *xy, const double *P)
{
    if (!xy->x) return FAL_OK;
    fal_dtype dt = xy->field == FAL_COMPLEX ? FAL_DT_C16 : FAL_DT_F8;
    size_t per = xy->field == FAL_COMPLEX ? 2 : 1, len = xy->n_out * xy->k * per;
    char name[FAL_ARRAY_NAME];
    snprintf(name, sizeof name, "x_%s", set);
    /* column-major n_in x k is row-major k x n_in: one example a row */
    fal_status st = fal_params_add(p, name, dt, 2, xy->k, xy->n_in, xy->x);
    if (st == FAL_OK && xy->t != xy->x) {
        snprintf(name, sizeof name, "t_%s", set);
        st = fal_params_add(p, name, dt, 2, xy->k, xy->n_out, xy->t);
    }
    if (st != FAL_OK) return st;
    double *Y = fal__alloc(ctx, (len ? len : 1) * sizeof(double), "predictions");
    if (!Y) return FAL_ENOMEM;
    if (len) fal__gemm(xy->field, 0, 0, xy->n_out, xy->k, xy->n_in, 1.0, P, xy->n_out, xy->x, xy->n_in, 0.0, Y, xy->n_out);
    snprintf(name, sizeof name, "pred_%s", set);
    st = fal_params_add(p, name, dt, 2, xy->k, xy->n_out, Y);
    fal__free(ctx, Y, (len ? len : 1) * sizeof(double));
    return st;
}

fal_status fal__keep_linear(fal_ctx *ctx, const fal_config *cfg, fal_result *res, const fal__dlin *net,
                            const double *P, const double *teacher, const fal__xy *tr, const fal__xy *te)
{
    if (!cfg->keep_params) return FAL_OK;
    fal_status st = fal__params_begin(ctx, cfg, res);
    if (st != FAL_OK) return st;
    fal_params *p = res->kept;
    fal_field f = tr->field;
    size_t n0 = tr->n_in, nL = tr->n_out;
    if (net && net->w) {
        for (size_t i = 1; i <= net->L && st == FAL_OK; i++) {
            char name[FAL_ARRAY_NAME];
            snprintf(name, sizeof name, "W%zu", i);
            st = fal__params_colmajor(p, name, f, net->n[i], net->n[i - 1], fal__dlin_W(net, i));
        }
    }
    if (st == FAL_OK) st = fal__params_colmajor(p, "P", f, nL, n0, P);
    if (st == FAL_OK && teacher) st = fal__params_colmajor(p, "teacher", f, nL, n0, teacher);
    if (st == FAL_OK) st = keep_rows(ctx, p, "train", tr, P);
    if (st == FAL_OK && te->k) st = keep_rows(ctx, p, "test", te, P);
    if (st == FAL_OK && (tr->xexp || tr->texp)) {
        /* back to the units of the user's table: inputs x 2^xexp, targets
         * and outputs x 2^texp, the map (and its last layer) x 2^(texp - xexp) */
        int dm = tr->texp - tr->xexp;
        static const char *const xs[] = { "x_train", "x_test" };
        static const char *const ts[] = { "t_train", "t_test", "pred_train", "pred_test" };
        for (int i = 0; i < 2; i++) fal__params_scale2(p, xs[i], tr->xexp);
        for (int i = 0; i < 4; i++) fal__params_scale2(p, ts[i], tr->texp);
        fal__params_scale2(p, "P", dm);
        fal__params_scale2(p, "teacher", dm);
        if (net && net->w) {
            char name[FAL_ARRAY_NAME];
            snprintf(name, sizeof name, "W%zu", net->L);
            fal__params_scale2(p, name, dm);
        }
    }
    return st;
}
