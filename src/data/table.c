/* table.c -- the table container; readers live in csv.c and npy.c. */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "../core/internal.h"

static size_t per_value(fal_field f) { return f == FAL_COMPLEX ? 2 : 1; }

fal_status fal_table_new(fal_ctx *ctx, size_t rows, size_t cols, fal_field field, fal_table **out)
{
    *out = NULL;
    size_t n, bytes;
    if (fal__mul(rows, cols, &n) || fal__mul(n, per_value(field) * sizeof(double), &bytes))
        return fal__fail(ctx, FAL_ENOMEM, "table of %zu x %zu values: size overflows", rows, cols);
    fal_table *t = fal__calloc(ctx, 1, sizeof *t, "table");
    if (!t) return FAL_ENOMEM;
    t->v = fal__calloc(ctx, 1, bytes, "table values");
    if (!t->v) {
        fal__free(ctx, t, sizeof *t);
        return FAL_ENOMEM;
    }
    t->ctx = ctx;
    t->rows = rows;
    t->cols = cols;
    t->field = field;
    *out = t;
    return FAL_OK;
}

void fal_table_free(fal_table *t)
{
    if (!t) return;
    size_t bytes = t->rows * t->cols * per_value(t->field) * sizeof(double);
    if (!t->borrowed) fal__free(t->ctx, t->v, bytes);
    if (t->header) fal__free(t->ctx, t->header, t->header_len + 1);
    fal__free(t->ctx, t, sizeof *t);
}

size_t fal_table_rows(const fal_table *t) { return t->rows; }
size_t fal_table_cols(const fal_table *t) { return t->cols; }
fal_field fal_table_field(const fal_table *t) { return t->field; }
double *fal_table_data(fal_table *t) { return t->v; }
const double *fal_table_cdata(const fal_table *t) { return t->v; }

fal_status fal_table_load(fal_ctx *ctx, const char *path, fal_table **out)
{
    size_t n = strlen(path);
    /* FILE.npz:NAME -- the last ".npz:" splits, so that a directory called
     * x.npz:y/ cannot swallow the name. */
    const char *split = NULL;
    for (const char *q = strstr(path, ".npz:"); q; q = strstr(q + 1, ".npz:")) split = q;
    if (split && split[5]) {
        size_t plen = (size_t)(split + 4 - path);
        char *file = fal__alloc(ctx, plen + 1, "file name");
        if (!file) return FAL_ENOMEM;
        memcpy(file, path, plen);
        file[plen] = '\0';
        fal_status st = fal_table_load_npz(ctx, file, split + 5, out);
        fal__free(ctx, file, plen + 1);
        return st;
    }
    if (n >= 4 && strcmp(path + n - 4, ".npy") == 0) return fal_table_load_npy(ctx, path, out);
    if (n >= 4 && strcmp(path + n - 4, ".npz") == 0) return fal_table_load_npz(ctx, path, NULL, out);
    return fal_table_load_csv(ctx, path, out);
}

/* ------------------------------------------------------ column selection */

/* Column j's name in a CSV header (blanks trimmed), or 0 if there is none. */
static int header_field(const fal_table *t, size_t j, const char **s, size_t *n)
{
    if (!t->header) return 0;
    const char *p = t->header, *end = t->header + t->header_len;
    for (size_t k = 0; k < j; k++) {
        p = memchr(p, ',', (size_t)(end - p));
        if (!p) return 0;
        p++;
    }
    const char *q = memchr(p, ',', (size_t)(end - p));
    if (!q) q = end;
    while (p < q && (*p == ' ' || *p == '\t')) p++;
    while (q > p && (q[-1] == ' ' || q[-1] == '\t')) q--;
    *s = p;
    *n = (size_t)(q - p);
    return 1;
}

static int parse_index(const char *s, size_t n, size_t *out)
{
    if (n == 0 || n > 19) return 0;
    size_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        v = v * 10 + (size_t)(s[i] - '0');
    }
    *out = v;
    return 1;
}

/* Append the columns of spec ("0:64", "64", "a,b", ":3", "5:") to idx. */
static fal_status parse_columns(fal_ctx *ctx, const fal_table *t, const char *opt, const char *spec, size_t *idx,
                                size_t cap, size_t *n)
{
    const char *p = spec;
    if (!*p) return fal__fail(ctx, FAL_EINVAL, "%s '': no columns given", opt);
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const char *colon = memchr(p, ':', len);
        size_t a, b;
        if (colon) {
            size_t la = (size_t)(colon - p), lb = len - la - 1;
            int ok = (la == 0 ? (a = 0, 1) : parse_index(p, la, &a)) && (lb == 0 ? (b = t->cols, 1) : parse_index(colon + 1, lb, &b));
            if (!ok)
                return fal__fail(ctx, FAL_EINVAL, "%s '%s': '%.*s' is not a column range A:B (0-based, B excluded)", opt,
                                 spec, (int)len, p);
            if (a >= b || b > t->cols)
                return fal__fail(ctx, FAL_EINVAL,
                                 "%s '%s': column range %zu:%zu is outside the table's %zu columns (0:%zu is all of them)",
                                 opt, spec, a, b, t->cols, t->cols);
        } else if (parse_index(p, len, &a)) {
            if (a >= t->cols)
                return fal__fail(ctx, FAL_EINVAL, "%s '%s': column %zu is outside the table's %zu columns (0 .. %zu)", opt,
                                 spec, a, t->cols, t->cols ? t->cols - 1 : 0);
            b = a + 1;
        } else {
            size_t j = 0, found = 0;
            for (; j < t->cols; j++) {
                const char *s;
                size_t sn;
                if (header_field(t, j, &s, &sn) && sn == len && memcmp(s, p, len) == 0) {
                    found = 1;
                    break;
                }
            }
            if (!found) {
                if (!t->header)
                    return fal__fail(ctx, FAL_EINVAL, "%s '%s': no column named '%.*s' (the data have no header: give numbers)",
                                     opt, spec, (int)len, p);
                return fal__fail(ctx, FAL_EINVAL, "%s '%s': no column named '%.*s' in the header '%.200s'", opt, spec,
                                 (int)len, p, t->header);
            }
            a = j;
            b = j + 1;
        }
        for (size_t j = a; j < b; j++) {
            if (*n == cap) return fal__fail(ctx, FAL_EINVAL, "%s '%s': more columns than the table has", opt, spec);
            idx[(*n)++] = j;
        }
        if (!e) break;
        p = e + 1;
    }
    return FAL_OK;
}

fal_status fal_table_select(fal_ctx *ctx, const fal_table *t, const char *inputs, const char *targets, fal_table **out)
{
    *out = NULL;
    size_t cap = 2 * t->cols + 1, n = 0;
    size_t *idx = fal__alloc(ctx, cap * sizeof *idx, "column list");
    if (!idx) return FAL_ENOMEM;
    fal_status st = FAL_OK;
    size_t nin = 0;
    if (inputs) {
        st = parse_columns(ctx, t, "--inputs", inputs, idx, cap, &n);
        nin = n;
    }
    size_t *tg = NULL;
    size_t ntg = 0;
    if (st == FAL_OK && targets) {
        tg = fal__alloc(ctx, cap * sizeof *tg, "column list");
        if (!tg) st = FAL_ENOMEM;
        if (st == FAL_OK) st = parse_columns(ctx, t, "--targets", targets, tg, cap, &ntg);
        if (st == FAL_OK && !inputs) {
            /* the inputs are every other column, in order */
            for (size_t j = 0; j < t->cols; j++) {
                int is_t = 0;
                for (size_t q = 0; q < ntg; q++) is_t |= tg[q] == j;
                if (!is_t) idx[n++] = j;
            }
            nin = n;
        }
        for (size_t q = 0; st == FAL_OK && q < ntg; q++) {
            for (size_t j = 0; j < nin; j++)
                if (idx[j] == tg[q]) {
                    st = fal__fail(ctx, FAL_EINVAL, "column %zu is both an input and a target", tg[q]);
                    break;
                }
            if (st == FAL_OK) {
                if (n == cap) st = fal__fail(ctx, FAL_EINVAL, "--targets '%s': too many columns", targets);
                else idx[n++] = tg[q];
            }
        }
    }
    fal_table *r = NULL;
    if (st == FAL_OK && n == 0) st = fal__fail(ctx, FAL_EINVAL, "--inputs/--targets select no column");
    if (st == FAL_OK) st = fal_table_new(ctx, t->rows, n, t->field, &r);
    if (st == FAL_OK) {
        size_t per = per_value(t->field);
        for (size_t i = 0; i < t->rows; i++)
            for (size_t j = 0; j < n; j++)
                memcpy(r->v + (i * n + j) * per, t->v + (i * t->cols + idx[j]) * per, per * sizeof(double));
        if (t->header) {
            /* the selected columns' names, for a later selection or a report */
            size_t len = 0;
            for (size_t j = 0; j < n; j++) {
                const char *s;
                size_t sn = 0;
                header_field(t, idx[j], &s, &sn);
                len += sn + 1;
            }
            /* len = the names + (n - 1) commas + the NUL */
            r->header = fal__alloc(ctx, len, "CSV header");
            if (!r->header) st = FAL_ENOMEM;
            else {
                size_t at = 0;
                for (size_t j = 0; j < n; j++) {
                    const char *s = "";
                    size_t sn = 0;
                    header_field(t, idx[j], &s, &sn);
                    if (j) r->header[at++] = ',';
                    memcpy(r->header + at, s, sn);
                    at += sn;
                }
                r->header[at] = '\0';
                r->header_len = at; /* at == len - 1: freed as header_len + 1 */
            }
        }
    }
    fal__free(ctx, tg, cap * sizeof *tg);
    fal__free(ctx, idx, cap * sizeof *idx);
    if (st != FAL_OK) {
        fal_table_free(r);
        return st;
    }
    *out = r;
    return FAL_OK;
}

fal_status fal_table_wrap(fal_ctx *ctx, const void *base, size_t rows, size_t cols, ptrdiff_t row_stride,
                          ptrdiff_t col_stride, fal_field field, fal_table **out, int *borrowed)
{
    *out = NULL;
    if (borrowed) *borrowed = 0;
    if (field != FAL_REAL && field != FAL_COMPLEX)
        return fal__fail(ctx, FAL_EINVAL, "table: field %d is neither real nor complex", (int)field);
    if (rows == 0 || cols == 0)
        return fal__fail(ctx, FAL_EINVAL, "table of shape (%zu, %zu): need at least one row and one column", rows,
                         cols);
    if (!base) return fal__fail(ctx, FAL_EINVAL, "table: no data (a NULL pointer)");
    size_t pv = per_value(field);
    size_t vsize = pv * sizeof(double);
    size_t n, bytes;
    if (fal__mul(rows, cols, &n) || fal__mul(n, vsize, &bytes))
        return fal__fail(ctx, FAL_ENOMEM, "table of %zu x %zu values: size overflows", rows, cols);
    /* Finite values only, as the file readers: checked before anything is
     * allocated, in the caller's layout. */
    const char *b = base;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            double v[2];
            memcpy(v, b + (ptrdiff_t)i * row_stride + (ptrdiff_t)j * col_stride, vsize);
            for (size_t c = 0; c < pv; c++)
                if (!isfinite(v[c]))
                    return fal__fail(ctx, FAL_EFORMAT, "table: %srow %zu, column %zu (index [%zu, %zu]) is %s; NaN "
                                     "and Inf are refused",
                                     pv == 2 ? (c ? "the imaginary part of " : "the real part of ") : "", i + 1, j + 1,
                                     i, j, isnan(v[c]) ? "NaN" : v[c] > 0 ? "Inf" : "-Inf");
        }
    int contiguous = col_stride == (ptrdiff_t)vsize && (rows == 1 || row_stride == (ptrdiff_t)(cols * vsize)) &&
                     (uintptr_t)base % _Alignof(double) == 0;
    if (contiguous) {
        fal_table *t = fal__calloc(ctx, 1, sizeof *t, "table");
        if (!t) return FAL_ENOMEM;
        t->ctx = ctx;
        t->rows = rows;
        t->cols = cols;
        t->field = field;
        t->v = (double *)(uintptr_t)base; /* borrowed; the library only reads a table's values */
        t->borrowed = 1;
        if (borrowed) *borrowed = 1;
        *out = t;
        return FAL_OK;
    }
    fal_table *t = NULL;
    fal_status st = fal_table_new(ctx, rows, cols, field, &t);
    if (st != FAL_OK) return st;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            memcpy(t->v + (i * cols + j) * pv, b + (ptrdiff_t)i * row_stride + (ptrdiff_t)j * col_stride, vsize);
    *out = t;
    return FAL_OK;
}
