/* table.c -- the table container; readers live in csv.c and npy.c. */
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
    if (n >= 4 && strcmp(path + n - 4, ".npy") == 0) return fal_table_load_npy(ctx, path, out);
    return fal_table_load_csv(ctx, path, out);
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
